"""JSON merge patch: RFC 7386 appendix A, evanphx/json-patch's departures, and CreateMergePatch."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fakeapi.apimachinery.mergepatch import MergePatchError, apply_merge_patch, create_merge_patch

# RFC 7386 appendix A, row by row: (original, patch, result) as JSON text.
RFC_7386_TABLE = [
    ('{"a":"b"}', '{"a":"c"}', '{"a":"c"}'),
    ('{"a":"b"}', '{"b":"c"}', '{"a":"b","b":"c"}'),
    ('{"a":"b"}', '{"a":null}', "{}"),
    ('{"a":"b","b":"c"}', '{"a":null}', '{"b":"c"}'),
    ('{"a":["b"]}', '{"a":"c"}', '{"a":"c"}'),
    ('{"a":"c"}', '{"a":["b"]}', '{"a":["b"]}'),
    ('{"a":{"b":"c"}}', '{"a":{"b":"d","c":null}}', '{"a":{"b":"d"}}'),
    ('{"a":[{"b":"c"}]}', '{"a":[1]}', '{"a":[1]}'),
    ('["a","b"]', '["c","d"]', '["c","d"]'),
    ('{"a":"b"}', '["c"]', '["c"]'),
    ('{"e":null}', '{"a":1}', '{"e":null,"a":1}'),
    ("[1,2]", '{"a":"b","c":null}', '{"a":"b"}'),
    ("{}", '{"a":{"bb":{"ccc":null}}}', '{"a":{"bb":{}}}'),
]

# The table's two rows where the patch is not an object or array: the RFC replaces the document,
# kube-apiserver's library refuses the patch (the server answers 400 "Invalid JSON Patch").
RFC_7386_REFUSED = [
    ('{"a":"foo"}', "null"),
    ('{"a":"foo"}', '"bar"'),
]


@pytest.mark.parametrize(("original", "patch", "result"), RFC_7386_TABLE)
def test_rfc7386_appendix_a(original: str, patch: str, result: str) -> None:
    assert apply_merge_patch(json.loads(original), json.loads(patch)) == json.loads(result)


@pytest.mark.parametrize(("original", "patch"), RFC_7386_REFUSED)
def test_rfc7386_appendix_a_scalar_patches_are_refused(original: str, patch: str) -> None:
    with pytest.raises(MergePatchError) as caught:
        apply_merge_patch(json.loads(original), json.loads(patch))
    assert str(caught.value) == "Invalid JSON Patch"


@pytest.mark.parametrize(
    ("doc", "patch", "result"),
    [
        # Nulls go from objects inside an array the patch sets...
        ({}, {"a": [{"b": None, "c": 1}, None]}, {"a": [{"c": 1}, None]}),
        ({"a": [1]}, {"a": [{"b": None}]}, {"a": [{}]}),
        ([1], [{"b": None}, None], [{}, None]),
        # ...unless the array replaces an object.
        ({"a": {"x": 1}}, {"a": [{"b": None}]}, {"a": [{"b": None}]}),
        ({"a": {"x": 1}}, {"a": {"y": {"z": None, "w": 2}}}, {"a": {"x": 1, "y": {"w": 2}}}),
        ({"a": None}, {"a": {"b": None, "c": 1}}, {"a": {"c": 1}}),
        ({"a": 5}, {"a": {"b": {"c": None}}}, {"a": {"b": {}}}),
        ({"a": 1}, {}, {"a": 1}),
        ({"a": 1}, {"b": None}, {"a": 1}),
        ("text", {"a": 1}, {"a": 1}),
    ],
)
def test_library_behaviour(doc: Any, patch: Any, result: Any) -> None:
    assert apply_merge_patch(doc, patch) == result


@pytest.mark.parametrize(
    ("doc", "patch", "message"),
    [
        (None, {"a": 1}, "Invalid JSON Document"),
        (None, None, "Invalid JSON Document"),
        ({"a": 1}, None, "Invalid JSON Patch"),
        ({"a": 1}, 5, "Invalid JSON Patch"),
        ({"a": 1}, True, "Invalid JSON Patch"),
    ],
)
def test_refused(doc: Any, patch: Any, message: str) -> None:
    with pytest.raises(MergePatchError) as caught:
        apply_merge_patch(doc, patch)
    assert str(caught.value) == message


def test_inputs_are_never_mutated_nor_shared() -> None:
    doc = {"metadata": {"labels": {"a": "1"}}, "spec": {"list": [{"x": 1}]}}
    patch = {"metadata": {"labels": {"b": "2"}}, "status": {"conditions": [{"type": "Ready"}]}}
    before_doc, before_patch = json.dumps(doc), json.dumps(patch)
    result = apply_merge_patch(doc, patch)
    assert result == {
        "metadata": {"labels": {"a": "1", "b": "2"}},
        "spec": {"list": [{"x": 1}]},
        "status": {"conditions": [{"type": "Ready"}]},
    }
    result["spec"]["list"][0]["x"] = 2
    result["status"]["conditions"].append({})
    result["metadata"]["labels"]["c"] = "3"
    assert json.dumps(doc) == before_doc
    assert json.dumps(patch) == before_patch


@pytest.mark.parametrize(
    ("original", "modified", "patch"),
    [
        ({}, {}, {}),
        ({"a": 1}, {"a": 1}, {}),
        ({"a": 1}, {"a": 2}, {"a": 2}),
        ({"a": 1}, {}, {"a": None}),
        ({}, {"a": {"b": 1}}, {"a": {"b": 1}}),
        ({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}}, {"a": {"c": 3}}),
        ({"a": {"b": 1}}, {"a": {"b": 1}}, {}),
        ({"a": {"b": 1}}, {"a": {}}, {"a": {"b": None}}),
        ({"a": [1, 2]}, {"a": [1, 2]}, {}),
        ({"a": [1, 2]}, {"a": [2, 1]}, {"a": [2, 1]}),
        ({"a": [{"b": 1}]}, {"a": [{"b": 2}]}, {"a": [{"b": 2}]}),
        ({"a": "1"}, {"a": 1}, {"a": 1}),
        ({"a": {"b": 1}}, {"a": "x"}, {"a": "x"}),
        ({"a": None}, {"a": None}, {}),
        ({"a": None}, {"a": 1}, {"a": 1}),
        ({"a": True}, {"a": 1}, {"a": 1}),
    ],
)
def test_create_merge_patch(original: dict[str, Any], modified: dict[str, Any], patch: dict[str, Any]) -> None:
    assert create_merge_patch(original, modified) == patch


@pytest.mark.parametrize(
    ("original", "modified"),
    [
        ({"a": 1, "b": {"c": [1, {"d": 2}], "e": "f"}}, {"b": {"c": [1], "g": {"h": 1}}, "i": [None]}),
        ({"spec": {"replicas": 1, "paused": True}}, {"spec": {"replicas": 3}}),
    ],
)
def test_created_patch_applies_back(original: dict[str, Any], modified: dict[str, Any]) -> None:
    assert apply_merge_patch(original, create_merge_patch(original, modified)) == modified


def test_created_patch_shares_nothing() -> None:
    modified = {"a": {"b": [1]}, "c": [2]}
    patch = create_merge_patch({}, modified)
    patch["a"]["b"].append(3)
    patch["c"].append(4)
    assert modified == {"a": {"b": [1]}, "c": [2]}
