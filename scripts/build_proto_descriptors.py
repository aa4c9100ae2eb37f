"""Rebuild the compiled protobuf descriptor sets the package ships, from the reference ``.proto`` files.

The package decodes protobuf request bodies (``fakeapi.apimachinery.protobuf``) with the
``protobuf`` package's dynamic messages, which need the message definitions at run time. This
script compiles every ``.proto`` under the k8s-proto reference directory with the protoc shipped
by ``grpcio-tools`` into one self-contained ``FileDescriptorSet`` (``--include_imports``, so
``google/protobuf/any.proto`` is in it too). Source info is left out, so the upstream comments
do not end up in the repository; only the definitions do.

A second, small set holds only gnostic's ``OpenAPIv2.proto`` (and ``any.proto``):
``fakeapi.endpoints.openapi`` encodes ``/openapi/v2`` as an ``openapi.v2.Document`` with it, and
loading it costs far less than loading every Kubernetes type.

Usage::

    python scripts/build_proto_descriptors.py [K8S_PROTO_DIR]

``K8S_PROTO_DIR`` defaults to ``../shared/k8s-proto`` relative to the repository root.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PROTO_DIR = REPO_ROOT.parent / "shared" / "k8s-proto"
OUTPUT = REPO_ROOT / "fakeapi" / "apimachinery" / "k8s_descriptors.binpb"
GNOSTIC_OUTPUT = REPO_ROOT / "fakeapi" / "endpoints" / "openapi" / "gnostic_descriptors.binpb"
GNOSTIC_SOURCE = "gnostic/OpenAPIv2.proto"


def build(proto_dir: Path, output: Path, only: str | None = None) -> int:
    """Compile every ``.proto`` under ``proto_dir`` (or just ``only``) into the descriptor set ``output``.

    Args:
        proto_dir: The import root: files import each other by paths relative to it
            (``k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto``).
        output: Where to write the serialized ``FileDescriptorSet``.
        only: The one file to compile (with its imports), relative to ``proto_dir``.

    Returns:
        The number of ``.proto`` files compiled.

    Raises:
        FileNotFoundError: ``proto_dir`` holds no ``.proto`` file.
        subprocess.CalledProcessError: protoc failed; its diagnostics were printed to stderr.
    """
    # Sorted relative paths keep the output byte-for-byte stable between runs, so a rebuild
    # from unchanged inputs leaves the committed file unchanged.
    sources = sorted(path.relative_to(proto_dir).as_posix() for path in proto_dir.rglob("*.proto"))
    if only is not None:
        sources = [source for source in sources if source == only]
    if not sources:
        raise FileNotFoundError(f"no {only or '.proto files'} under {proto_dir}")
    # `python -m grpc_tools.protoc` adds the include path of the well-known types itself.
    command = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"--proto_path={proto_dir}",
        f"--descriptor_set_out={output}",
        "--include_imports",
        *sources,
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    # The upstream files import packages they do not use; protoc warns about each of those,
    # which says nothing about this build, so only the other diagnostics are shown.
    for line in result.stderr.splitlines():
        if result.returncode or not line.endswith("is unused."):
            print(line, file=sys.stderr)
    result.check_returncode()
    return len(sources)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "proto_dir",
        nargs="?",
        type=Path,
        default=DEFAULT_PROTO_DIR,
        help=f"the k8s-proto directory (default: {DEFAULT_PROTO_DIR})",
    )
    args = parser.parse_args(argv)
    for output, only in ((OUTPUT, None), (GNOSTIC_OUTPUT, GNOSTIC_SOURCE)):
        try:
            count = build(args.proto_dir.resolve(), output, only)
        except FileNotFoundError as err:
            parser.error(str(err))
        size = output.stat().st_size
        print(f"compiled {count} .proto files into {output.relative_to(REPO_ROOT)} ({size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
