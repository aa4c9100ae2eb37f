"""Seeding errors point at the user's input: file, document, object, and the server's Status message."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakeapi.apimachinery.errors import StatusError
from fakeapi.manifests import ManifestError
from fakeapi.pytest_plugin.plugin import FakeAPI

TWO_CONFIGMAPS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: fine}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: Not_A_Name, namespace: default}
"""


def test_a_refused_object_names_its_file_document_and_identity(fakeapi: FakeAPI, tmp_path: Path) -> None:
    manifest = tmp_path / "configmaps.yaml"
    manifest.write_text(TWO_CONFIGMAPS)

    with pytest.raises(StatusError) as refused:
        fakeapi.seed(manifest)

    # The Status is the server's (validation.go's DNS-1123 subdomain message), after where the object came from.
    assert refused.value.code == 422 and refused.value.reason == "Invalid"
    assert refused.value.message.startswith(
        f'{manifest}, document 1: ConfigMap default/Not_A_Name: ConfigMap "Not_A_Name" is invalid: metadata.name'
    )


def test_an_unknown_kind_names_the_document(fakeapi: FakeAPI) -> None:
    with pytest.raises(
        StatusError, match=r'^<text>, document 0: Widget w: no matches for kind "Widget" in version "v1"$'
    ):
        fakeapi.seed("apiVersion: v1\nkind: Widget\nmetadata: {name: w}\n")


def test_a_path_that_does_not_exist_says_so(fakeapi: FakeAPI, tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"^fixtures/typo\.yaml: no such file or directory"):
        fakeapi.seed("fixtures/typo.yaml")
    with pytest.raises(ManifestError, match=r"missing\.yaml: no such file or directory$"):
        fakeapi.seed(tmp_path / "missing.yaml")


def test_invalid_yaml_names_the_file_and_line(fakeapi: FakeAPI, tmp_path: Path) -> None:
    manifest = tmp_path / "broken.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: b\n")

    with pytest.raises(ManifestError, match=rf"^{manifest}, line 6: invalid YAML: "):
        fakeapi.seed(manifest)


def test_a_failing_seed_shows_the_test_line_not_the_servers_frames(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_seed(fakeapi):
            fakeapi.seed({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name"}})
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ['*StatusError: <dict>, document 0: ConfigMap Bad_Name: ConfigMap "Bad_Name" is invalid*']
    )
    assert "instance.py" not in result.stdout.str()
    assert "handle.py" not in result.stdout.str()


def test_get_and_list_take_resource_names_as_kubectl_does(fakeapi: FakeAPI) -> None:
    fakeapi.seed({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}})

    for name in ("ConfigMap", "configmaps", "configmap", "cm"):
        assert fakeapi.get("v1", name, "settings")["metadata"]["name"] == "settings"
    assert {item["kind"] for item in fakeapi.list("v1", "configmaps", "default")} == {"ConfigMap"}
    with pytest.raises(
        StatusError, match=r'^no matches for kind "ConfigMapx" in version "v1"; did you mean "ConfigMap"\?$'
    ):
        fakeapi.get("v1", "ConfigMapx", "settings")
