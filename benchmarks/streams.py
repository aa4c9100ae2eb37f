#!/usr/bin/env python3
"""What logs, exec and port-forward cost: medians of ``--runs`` runs, each beside a floor.

- ``kubectl exec web -- true`` (WebSocket v5) against ``kubectl get pod web`` (kubectl's start
  and one request): what is left is the upgrade and the session;
- an exec through the ``kubernetes`` client's ``stream()`` in this process (no process start);
- ``kubectl logs`` of a container that printed 100,000 lines, against ``kubectl get pod web``;
- throughput through ``kubectl port-forward`` (SPDY tunneled in a WebSocket) to a local sink:
  64 MiB sent, counted by the sink.

Run from the repository root (needs ``python scripts/fetch_kube_tools.py`` for kubectl)::

    python benchmarks/streams.py
"""

from __future__ import annotations

import argparse
import os
import socket
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from fakeapi import FakeAPIServer, ServerConfig  # noqa: E402

KUBECTL = str(REPO / ".tools" / "bin" / "kubectl")
FORWARDED_BYTES = 64 << 20


def median_ms(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


class _Sink(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        received = 0
        while data := self.request.recv(1 << 20):
            received += len(data)
            if received >= FORWARDED_BYTES:
                break
        self.request.sendall(str(received).encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, FakeAPIServer(ServerConfig(port=0)) as server:
        kubeconfig = server.write_kubeconfig(Path(home) / "kubeconfig")
        env = {**os.environ, "KUBECONFIG": str(kubeconfig), "HOME": home}

        def kubectl(*argv: str) -> str:
            return subprocess.run([KUBECTL, *argv], env=env, capture_output=True, text=True, check=True).stdout

        server.containers.pods().on_exec(lambda request: "", command="true")
        server.containers.pods().output("".join(f"line {i}\n" for i in range(100_000)))
        kubectl("run", "web", "--image=nginx:1.27")
        kubectl("wait", "--for=condition=Ready", "pod/web")
        floor = median_ms(args.runs, lambda: kubectl("get", "pod", "web"))
        exec_ms = median_ms(args.runs, lambda: kubectl("exec", "web", "--", "true"))
        logs_ms = median_ms(args.runs, lambda: kubectl("logs", "web"))
        from kubernetes import client, config
        from kubernetes.stream import stream

        api = client.CoreV1Api(config.new_client_from_config(str(kubeconfig)))
        in_process_ms = median_ms(
            args.runs,
            lambda: stream(
                api.connect_get_namespaced_pod_exec, "web", "default", command=["true"], stdout=True, stderr=True
            ),
        )
        sink = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Sink)
        threading.Thread(target=sink.serve_forever, daemon=True).start()
        server.containers.pods().port_forward(("127.0.0.1", sink.server_address[1]), port=80)
        forwarding = subprocess.Popen(
            [KUBECTL, "port-forward", "pod/web", ":80"], env=env, stdout=subprocess.PIPE, text=True
        )
        assert forwarding.stdout is not None
        local = int(forwarding.stdout.readline().split(":")[1].split()[0])
        chunk = b"x" * (1 << 20)
        with socket.create_connection(("127.0.0.1", local)) as connection:
            started = time.perf_counter()
            for _ in range(FORWARDED_BYTES // len(chunk)):
                connection.sendall(chunk)
            counted = int(connection.recv(64))
            seconds = time.perf_counter() - started
        forwarding.terminate()
        sink.shutdown()
        print(f"kubectl get pod (floor):         {floor:7.1f} ms")
        print(f"kubectl exec -- true:            {exec_ms:7.1f} ms  ({exec_ms - floor:+.1f} ms beyond the floor)")
        print(f"kubectl logs, 100,000 lines:     {logs_ms:7.1f} ms  ({logs_ms - floor:+.1f} ms beyond the floor)")
        print(f"stream() exec, in process:       {in_process_ms:7.1f} ms")
        print(f"kubectl port-forward throughput: {counted / seconds / (1 << 20):7.1f} MiB/s ({counted >> 20} MiB)")


if __name__ == "__main__":
    main()
