"""Fixture scopes, isolation between tests, teardown, and check() re-raising, in inner pytest sessions."""

from __future__ import annotations

import json

import pytest

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.errors import StatusError

# An inner conftest that writes, at the end of the inner session, whether its servers are stopped.
RECORD_STOPPED = """
import json
import pytest

SERVERS = []

@pytest.fixture(autouse=True)
def _remember(request):
    yield
    handle = request.node.funcargs.get("fakeapi")
    if handle is not None and handle.server not in SERVERS:
        SERVERS.append(handle.server)

def pytest_sessionfinish(session):
    stopped = []
    for server in SERVERS:
        try:
            server.port
            stopped.append(False)
        except RuntimeError:
            stopped.append(True)
    (session.config.rootpath / "stopped.json").write_text(json.dumps(stopped))
"""


def test_one_server_per_session_and_a_clean_cluster_per_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        URLS = []

        CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap",
                     "metadata": {"name": "leftover", "namespace": "default"}}

        def test_first(fakeapi, fakeapi_server):
            assert fakeapi.server is fakeapi_server
            URLS.append(fakeapi.url)
            fakeapi.seed(CONFIGMAP, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "extra"}})
            assert fakeapi.get("v1", "ConfigMap", "leftover")["metadata"]["name"] == "leftover"

        def test_second_sees_nothing_of_the_first(fakeapi, fakeapi_server):
            URLS.append(fakeapi.url)
            assert URLS[0] == URLS[1]
            assert [c["metadata"]["name"] for c in fakeapi.list("v1", "ConfigMap", "default")] == ["kube-root-ca.crt"]
            assert "extra" not in [n["metadata"]["name"] for n in fakeapi.list("v1", "Namespace")]
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)


def test_servers_are_stopped_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(RECORD_STOPPED)
    pytester.makepyfile(
        """
        import pytest

        def test_session(fakeapi):
            pass

        @pytest.mark.fakeapi(controllers=["-garbagecollector"])
        def test_own_server(fakeapi, fakeapi_server):
            assert fakeapi.server is not fakeapi_server
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)
    assert json.loads((pytester.path / "stopped.json").read_text()) == [True, True]


def test_the_kubeconfig_reaches_the_server_with_a_real_client(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from kubernetes import client, config

        def test_client(fakeapi):
            api = client.VersionApi(config.new_client_from_config(str(fakeapi.kubeconfig)))
            assert api.get_code(_request_timeout=10).git_version == "v1.37.0"

        def test_env(fakeapi_kubeconfig_env):
            config.load_kube_config()
            assert client.CoreV1Api().read_namespace("default", _request_timeout=10).metadata.name == "default"
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_direct_reads(fakeapi) -> None:  # type: ignore[no-untyped-def]
    fakeapi.seed(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one, namespace: default, labels: {tier: web}}\n"
        "---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two, namespace: default}\n"
    )
    assert fakeapi.get("v1", "ConfigMap", "one")["metadata"]["labels"] == {"tier": "web"}
    selected = fakeapi.list("v1", "ConfigMap", "default", label_selector="tier=web")
    assert [(c["kind"], c["metadata"]["name"]) for c in selected] == [("ConfigMap", "one")]
    assert {c["metadata"]["name"] for c in fakeapi.list("v1", "ConfigMap")} >= {"one", "two", "kube-root-ca.crt"}
    with pytest.raises(StatusError, match='configmaps "three" not found') as missing:
        fakeapi.get("v1", "ConfigMap", "three")
    assert missing.value.code == 404


def test_the_tests_own_reads_are_not_the_clients_requests(fakeapi) -> None:  # type: ignore[no-untyped-def]
    fakeapi.seed({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "default"}})
    fakeapi.faults.fail(errors.new_internal_error("injected"), times=None, resource="configmaps")
    assert fakeapi.get("v1", "ConfigMap", "x")["metadata"]["name"] == "x"
    assert [c["metadata"]["name"] for c in fakeapi.list("v1", "ConfigMap", "default")] == ["kube-root-ca.crt", "x"]
    fakeapi.audit.assert_not_requested("get", "configmaps", name="x")
    fakeapi.audit.assert_not_requested("list", "configmaps")


def test_seed_from_files_and_directories(fakeapi, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "a.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: from-dir}\n")
    single = tmp_path / "single.yaml"
    single.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-file, namespace: from-dir}\n")
    created = fakeapi.seed(tmp_path / "manifests", single)
    assert [o["metadata"]["name"] for o in created] == ["from-dir", "from-file"]
    assert fakeapi.get("v1", "ConfigMap", "from-file", namespace="from-dir")["metadata"]["uid"]


# An inner test that makes the server raise inside its handler chain, as a fakeapi bug would.
FAILING_STORE = """
    import pytest

    def _break(fakeapi, monkeypatch):
        store = fakeapi.server.stores[("", "v1", "configmaps")]
        def boom(*args, **kwargs):
            raise KeyError("boom from the store")
        monkeypatch.setattr(store, "get", boom)
        return fakeapi.server.request("GET", "/api/v1/namespaces/default/configmaps/x").status
"""


def test_an_error_in_the_server_thread_fails_the_test_that_caused_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        FAILING_STORE
        + """
    def test_breaks(fakeapi, monkeypatch):
        assert _break(fakeapi, monkeypatch) == 500

    def test_next_is_clean(fakeapi):
        fakeapi.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fine"}})
    """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*KeyError: 'boom from the store'*",
            "*The above exception was the direct cause of the following exception*",
            "*FakeAPIServerError: the fakeapi server at https://127.0.0.1:* raised in its own thread: "
            "KeyError: 'boom from the store'*",
            "FAILED test_an_error_in_the_server_thread_fails_the_test_that_caused_it.py::test_breaks*",
        ]
    )
    assert "ERROR at teardown" not in result.stdout.str()


def test_a_server_error_is_noted_on_a_test_that_fails_anyway(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        FAILING_STORE
        + """
    def test_breaks_and_fails(fakeapi, monkeypatch):
        _break(fakeapi, monkeypatch)
        assert False, "the test's own failure"
    """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: the test's own failure*",
            "*fakeapi: the server also raised: *KeyError: 'boom from the store'*",
        ]
    )
