"""The forms a newcomer writes first: a kubeconfig path handed to the `kubernetes` client, freezegun's
decorator on a test that uses that client, the marker's ``freeze``.

They run in an inner session of their own process: which of the client's models are built, and
with which datetime class, is process-wide state that the outer session has settled already.
"""

from __future__ import annotations

import re

import pytest

NATURAL_TESTS = """
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from freezegun import freeze_time
from kubernetes import client, config

FROZEN = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
PRIORITY_CLASS = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                  "metadata": {"name": "cold"}, "value": 1000}


# The freezes come first: the API classes they use are first used, and their models built, inside them.
@freeze_time("2030-01-02T03:04:05Z")
def test_freeze_time_as_a_decorator(fakeapi):
    api = client.SchedulingV1Api(fakeapi.api_client())
    created = api.create_priority_class(PRIORITY_CLASS)
    assert created.metadata.creation_timestamp == FROZEN
    assert api.read_priority_class("cold").metadata.creation_timestamp == FROZEN


@pytest.mark.fakeapi(freeze="2030-01-02T03:04:05Z")
def test_the_marker_freezes_before_the_cluster_is_reset(fakeapi):
    fakeapi.seed({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "seeded"}})
    api = client.CoreV1Api(fakeapi.api_client())
    assert api.read_namespace("default").metadata.creation_timestamp == FROZEN
    assert api.read_namespaced_service_account("default", "default").metadata.creation_timestamp == FROZEN
    assert api.read_namespaced_config_map("seeded", "default").metadata.creation_timestamp == FROZEN
    assert datetime.now(timezone.utc) == FROZEN


def test_the_clock_is_real_again_after_the_marked_test():
    assert datetime.now(timezone.utc).year != 2030


def test_load_kube_config_takes_the_kubeconfig(fakeapi):
    config.load_kube_config(config_file=fakeapi.kubeconfig)
    assert client.CoreV1Api().read_namespace("default").metadata.name == "default"


def test_new_client_from_config_takes_the_kubeconfig(fakeapi, fakeapi_kubeconfig):
    with config.new_client_from_config(config_file=fakeapi.kubeconfig) as api_client:
        assert client.CoreV1Api(api_client).read_namespace("default").metadata.name == "default"
    with config.new_client_from_config(fakeapi_kubeconfig) as api_client:
        assert client.VersionApi(api_client).get_code().git_version == "v1.37.0"


def test_the_kubeconfig_is_a_path_too(fakeapi):
    assert isinstance(fakeapi.kubeconfig, os.PathLike)
    assert Path(fakeapi.kubeconfig).is_file()
    with open(fakeapi.kubeconfig) as kubeconfig:
        assert "certificate-authority-data" in kubeconfig.read()


def test_a_ready_client(fakeapi):
    api = client.CoreV1Api(fakeapi.api_client())
    api.create_namespaced_config_map("default", {"metadata": {"name": "made"}})
    assert fakeapi.get("v1", "ConfigMap", "made")["metadata"]["name"] == "made"


def test_code_that_loads_its_kubeconfig_bare(fakeapi_kubeconfig_env):
    config.load_kube_config()
    assert client.CoreV1Api().read_namespace("default").metadata.name == "default"
"""


def test_the_natural_forms_work(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_natural=NATURAL_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--durations=0", "--durations-min=0")
    result.assert_outcomes(passed=8)
    # pytest's own clock is kept out of the freezes, so --durations reports real times (not 2030 - now).
    durations = [
        float(m.group(1)) for line in result.outlines if (m := re.match(r"([\d.]+)s (?:setup|call|teardown)", line))
    ]
    assert len(durations) >= 8 and max(durations) < 60


def test_an_unknown_marker_setting_names_the_valid_ones(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fakeapi(freez="2030-01-02")
        def test_marked(fakeapi):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown option(s) freez; valid: *freeze*"])


def test_an_unknown_controller_fails_the_test_with_the_valid_names_and_no_traceback(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fakeapi(controllers=["*", "deploymnet"])
        def test_marked(fakeapi):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ['*@pytest.mark.fakeapi: "deploymnet" is not in the list of known controllers (known: *deployment*)']
    )
    assert "manager.py" not in result.stdout.str()
