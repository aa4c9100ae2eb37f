"""Options (command line, ini, environment), the marker, the factory fixture and pytest-xdist."""

from __future__ import annotations

import json

import pytest

# An inner test that reports what its server was configured with.
REPORT_CONFIG = """
import json

def test_report(fakeapi, fakeapi_seed, request):
    config = fakeapi.server.config
    version = fakeapi.server.request("GET", "/version").json()["gitVersion"]
    report = {"version": version, "controllers": config.controllers, "runtime_config": config.runtime_config,
              "authorization_mode": config.authorization_mode, "seed": fakeapi_seed,
              "controllers_running": sorted(fakeapi.server.controllers)}
    (request.config.rootpath / "report.json").write_text(json.dumps(report))
"""


def _report(pytester: pytest.Pytester, *args: str) -> dict[str, object]:
    pytester.makepyfile(REPORT_CONFIG)
    pytester.runpytest(*args).assert_outcomes(passed=1)
    report: dict[str, object] = json.loads((pytester.path / "report.json").read_text())
    return report


def test_defaults(pytester: pytest.Pytester) -> None:
    report = _report(pytester)
    assert report["version"] == "v1.37.0"
    assert report["controllers"] == ["*"]
    assert report["authorization_mode"] == "AlwaysAllow"
    assert isinstance(report["seed"], int)


def test_command_line_options(pytester: pytest.Pytester) -> None:
    report = _report(
        pytester,
        "--fakeapi-kubernetes-version=v1.36.4",
        "--fakeapi-controllers=namespace,serviceaccount",
        "--fakeapi-runtime-config=batch/v1=false, apps/v1=true",
        "--fakeapi-authorization-mode=RBAC",
        "--fakeapi-seed=1234",
    )
    assert report == {
        "version": "v1.36.4",
        "controllers": ["namespace", "serviceaccount"],
        "runtime_config": ["batch/v1=false", "apps/v1=true"],
        "authorization_mode": "RBAC",
        "seed": 1234,
        "controllers_running": ["namespace", "serviceaccount"],
    }


def test_ini_then_environment_with_the_command_line_winning(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini(
        """
        [pytest]
        fakeapi_kubernetes_version = v1.35.0
        fakeapi_seed = fixed-seed
        """
    )
    monkeypatch.setenv("FAKEAPI_KUBERNETES_VERSION", "v1.30.0")
    monkeypatch.setenv("FAKEAPI_CONTROLLERS", "*,-garbagecollector")
    report = _report(pytester)
    assert (report["version"], report["seed"]) == ("v1.35.0", "fixed-seed")
    assert report["controllers"] == ["*", "-garbagecollector"]
    assert "garbagecollector" not in report["controllers_running"]
    assert _report(pytester, "--fakeapi-kubernetes-version=v1.34.1")["version"] == "v1.34.1"


def test_seed_random_means_unseeded(pytester: pytest.Pytester) -> None:
    assert _report(pytester, "--fakeapi-seed=random")["seed"] is None


def test_a_disabled_api_is_not_served(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def test_jobs(fakeapi):
            with pytest.raises(Exception, match='no matches for kind "Job" in version "batch/v1"'):
                fakeapi.list("batch/v1", "Job")
            assert fakeapi.list("apps/v1", "Deployment", "default") == []
        """
    )
    pytester.runpytest("--fakeapi-runtime-config=batch/v1=false").assert_outcomes(passed=1)


def test_an_overridden_config_fixture_wins(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import dataclasses
        import pytest

        @pytest.fixture(scope="session")
        def fakeapi_config(fakeapi_config):
            return dataclasses.replace(fakeapi_config, kubernetes_version="v1.33.3")
        """
    )
    assert _report(pytester, "--fakeapi-kubernetes-version=v1.34.1")["version"] == "v1.33.3"


def test_the_marker_gives_a_test_its_own_server_only_when_settings_differ(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fakeapi(controllers=["-garbagecollector"])
        def test_without_gc(fakeapi, fakeapi_server):
            assert fakeapi.server is not fakeapi_server
            assert fakeapi.url != fakeapi_server.url
            assert fakeapi.server.config.controllers == ["*", "-garbagecollector"]
            assert "garbagecollector" not in fakeapi.server.controllers
            assert "namespace" in fakeapi.server.controllers
            fakeapi.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "own"}})

        @pytest.mark.fakeapi(seed=42, kubernetes_version="v1.37.0")
        def test_same_settings_share(fakeapi, fakeapi_server, fakeapi_seed):
            assert fakeapi.server is fakeapi_server
            assert fakeapi_seed == 42
            assert "own" not in [n["metadata"]["name"] for n in fakeapi.list("v1", "Namespace")]

        @pytest.mark.fakeapi(kubernetes_version="v1.31.0")
        class TestClassMarker:
            def test_inherits(self, fakeapi):
                assert fakeapi.server.request("GET", "/version").json()["gitVersion"] == "v1.31.0"

            @pytest.mark.fakeapi(kubernetes_version="v1.32.0")
            def test_closest_wins(self, fakeapi):
                assert fakeapi.server.request("GET", "/version").json()["gitVersion"] == "v1.32.0"

        @pytest.mark.fakeapi(runtime_config=["batch/v1=false"])
        def test_runtime_config_adds(fakeapi):
            with pytest.raises(Exception, match="no matches"):
                fakeapi.list("batch/v1", "CronJob")
        """
    )
    pytester.runpytest().assert_outcomes(passed=5)


def test_a_marker_with_an_unknown_setting_errors_clearly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fakeapi(contollers=["namespace"])
        def test_typo(fakeapi):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*@pytest.mark.fakeapi: unknown option(s) contollers; valid: *controllers*"])


def test_the_factory_starts_more_clusters_and_stops_them(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os

        import pytest

        SERVERS = []

        def test_two_clusters(fakeapi, fakeapi_factory):
            east = fakeapi_factory()
            west = fakeapi_factory(kubernetes_version="v1.36.0", controllers=["-garbagecollector"])
            SERVERS.extend([east.server, west.server])
            assert len({fakeapi.url, east.url, west.url}) == 3
            assert east.server.ca.cert_pem != west.server.ca.cert_pem
            assert west.server.request("GET", "/version").json()["gitVersion"] == "v1.36.0"
            assert "garbagecollector" not in west.server.controllers
            east.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "east-only"}})
            names = lambda c: {n["metadata"]["name"] for n in c.list("v1", "Namespace")}
            assert "east-only" in names(east) and "east-only" not in names(west) | names(fakeapi)
            assert east.kubeconfig != west.kubeconfig and os.path.exists(west.kubeconfig)

        def test_they_were_stopped():
            for server in SERVERS:
                with pytest.raises(RuntimeError, match="not running"):
                    server.port
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_each_xdist_worker_has_its_own_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import hashlib, json, os
        import pytest

        @pytest.mark.parametrize("n", range(6))
        def test_record(fakeapi, n, request):
            worker = os.environ["PYTEST_XDIST_WORKER"]
            record = {"worker": worker, "url": fakeapi.url,
                      "ca": hashlib.sha256(fakeapi.server.ca.cert_pem).hexdigest()}
            (request.config.rootpath / f"record-{n}.json").write_text(json.dumps(record))
            # Isolation inside a worker too: nothing of an earlier test is left.
            names = [c["metadata"]["name"] for c in fakeapi.list("v1", "ConfigMap", "default")]
            assert names == ["kube-root-ca.crt"]
            fakeapi.seed({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"n{n}", "namespace": "default"}})
        """
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "xdist", timeout=120)
    result.assert_outcomes(passed=6)
    records = [json.loads(p.read_text()) for p in sorted(pytester.path.glob("record-*.json"))]
    by_worker: dict[str, set[tuple[str, str]]] = {}
    for record in records:
        by_worker.setdefault(record["worker"], set()).add((record["url"], record["ca"]))
    assert len(by_worker) == 2
    assert all(len(servers) == 1 for servers in by_worker.values()), by_worker
    (url_a, ca_a), (url_b, ca_b) = (servers.pop() for servers in by_worker.values())
    assert url_a != url_b and ca_a != ca_b


def test_the_factory_refuses_unknown_settings(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_typo(fakeapi_factory):
            fakeapi_factory(kubernetes_versoin="v1.36.0")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*fakeapi_factory(): unknown option(s) kubernetes_versoin; valid: *"])


def test_the_header_shows_the_settings_and_loading_the_plugin_imports_no_server(pytester: pytest.Pytester) -> None:
    # Every pytest session of a project with fakeapi installed loads the plugin: it must stay cheap.
    pytester.makepyfile(
        """
        import sys

        def test_not_loaded():
            assert "fakeapi.server.instance" not in sys.modules
        """
    )
    result = pytester.runpytest_subprocess("--fakeapi-controllers=namespace", timeout=60)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["fakeapi: controllers=namespace, seed=nodeid, trace=retain-on-failure"])
