"""JSON patch: RFC 6902 appendix A, evanphx/json-patch's departures from it, and its messages."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fakeapi.apimachinery.jsonpatch import (
    COPY_SIZE_LIMIT,
    MAX_OPERATIONS,
    JSONPatchApplyError,
    JSONPatchError,
    JSONPatchFormatError,
    JSONPatchTooLarge,
    apply_json_patch,
)

# RFC 6902 appendix A: (section, document, patch, result), written as JSON text as in the RFC.
RFC_6902_SUCCESSES = [
    (
        "A.1",
        '{"foo": "bar"}',
        '[{"op": "add", "path": "/baz", "value": "qux"}]',
        '{"baz": "qux", "foo": "bar"}',
    ),
    (
        "A.2",
        '{"foo": ["bar", "baz"]}',
        '[{"op": "add", "path": "/foo/1", "value": "qux"}]',
        '{"foo": ["bar", "qux", "baz"]}',
    ),
    ("A.3", '{"baz": "qux", "foo": "bar"}', '[{"op": "remove", "path": "/baz"}]', '{"foo": "bar"}'),
    (
        "A.4",
        '{"foo": ["bar", "qux", "baz"]}',
        '[{"op": "remove", "path": "/foo/1"}]',
        '{"foo": ["bar", "baz"]}',
    ),
    (
        "A.5",
        '{"baz": "qux", "foo": "bar"}',
        '[{"op": "replace", "path": "/baz", "value": "boo"}]',
        '{"baz": "boo", "foo": "bar"}',
    ),
    (
        "A.6",
        '{"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}}',
        '[{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}]',
        '{"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}}',
    ),
    (
        "A.7",
        '{"foo": ["all", "grass", "cows", "eat"]}',
        '[{"op": "move", "from": "/foo/1", "path": "/foo/3"}]',
        '{"foo": ["all", "cows", "eat", "grass"]}',
    ),
    (
        "A.8",
        '{"baz": "qux", "foo": ["a", 2, "c"]}',
        '[{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}]',
        '{"baz": "qux", "foo": ["a", 2, "c"]}',
    ),
    (
        "A.10",
        '{"foo": "bar"}',
        '[{"op": "add", "path": "/child", "value": {"grandchild": {}}}]',
        '{"foo": "bar", "child": {"grandchild": {}}}',
    ),
    (
        "A.11",
        '{"foo": "bar"}',
        '[{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}]',
        '{"foo": "bar", "baz": "qux"}',
    ),
    ("A.14", '{"/": 9, "~1": 10}', '[{"op": "test", "path": "/~01", "value": 10}]', '{"/": 9, "~1": 10}'),
    (
        "A.16",
        '{"foo": ["bar"]}',
        '[{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}]',
        '{"foo": ["bar", ["abc", "def"]]}',
    ),
]

RFC_6902_FAILURES = [
    (
        "A.9",
        '{"baz": "qux"}',
        '[{"op": "test", "path": "/baz", "value": "bar"}]',
        "testing value /baz failed: test failed",
    ),
    (
        "A.12",
        '{"foo": "bar"}',
        '[{"op": "add", "path": "/baz/bat", "value": "qux"}]',
        'add operation does not apply: doc is missing path: "/baz/bat": missing value',
    ),
    # A duplicate member: the last "op" wins, as with Go's decoder, instead of the RFC's error.
    (
        "A.13",
        '{"foo": "bar"}',
        '[{"op": "add", "path": "/baz", "value": "qux", "op": "remove"}]',
        "error in remove for path: '/baz': Unable to remove nonexistent key: baz: missing value",
    ),
    (
        "A.15",
        '{"/": 9, "~1": 10}',
        '[{"op": "test", "path": "/~01", "value": "10"}]',
        "testing value /~01 failed: test failed",
    ),
]


@pytest.mark.parametrize(("section", "doc", "patch", "result"), RFC_6902_SUCCESSES)
def test_rfc6902_appendix_a(section: str, doc: str, patch: str, result: str) -> None:
    assert apply_json_patch(json.loads(doc), json.loads(patch)) == json.loads(result)


@pytest.mark.parametrize(("section", "doc", "patch", "message"), RFC_6902_FAILURES)
def test_rfc6902_appendix_a_errors(section: str, doc: str, patch: str, message: str) -> None:
    with pytest.raises(JSONPatchApplyError) as caught:
        apply_json_patch(json.loads(doc), json.loads(patch))
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("doc", "patch", "result"),
    [
        # Negative indices count from the end; for add, -1 is one past the end.
        ({"a": [1, 2]}, [{"op": "add", "path": "/a/-1", "value": 9}], {"a": [1, 2, 9]}),
        ({"a": [1, 2]}, [{"op": "add", "path": "/a/-2", "value": 9}], {"a": [1, 9, 2]}),
        ({"a": [1, 2]}, [{"op": "add", "path": "/a/2", "value": 9}], {"a": [1, 2, 9]}),
        ({"a": [1, 2]}, [{"op": "add", "path": "/a/01", "value": 9}], {"a": [1, 9, 2]}),
        ({"a": [1, 2]}, [{"op": "remove", "path": "/a/-1"}], {"a": [1]}),
        ({"a": [1, 2]}, [{"op": "replace", "path": "/a/-2", "value": 0}], {"a": [0, 2]}),
        ({"a": [[1]]}, [{"op": "add", "path": "/a/-1/0", "value": 0}], {"a": [[0, 1]]}),
        # replace of a missing member adds it.
        ({"a": 1}, [{"op": "replace", "path": "/b", "value": 2}], {"a": 1, "b": 2}),
        # copy from a missing member adds a null.
        ({"a": 1}, [{"op": "copy", "from": "/x", "path": "/b"}], {"a": 1, "b": None}),
        # A null value counts as missing: the test passes on a missing member.
        ({"a": 1}, [{"op": "test", "path": "/x", "value": None}], {"a": 1}),
        ({"a": None}, [{"op": "test", "path": "/a", "value": None}], {"a": None}),
        ({"a": 1}, [{"op": "test", "path": "/x"}], {"a": 1}),
        # An operation without "value" adds a null.
        ({"a": 1}, [{"op": "add", "path": "/b"}], {"a": 1, "b": None}),
        ({}, [{"op": "add", "path": "/", "value": 1}], {"": 1}),
        ({"a/b": 1, "m~n": 2}, [{"op": "remove", "path": "/a~1b"}, {"op": "remove", "path": "/m~0n"}], {}),
        # A path without a leading slash ignores its first segment.
        ({"a": 1}, [{"op": "add", "path": "whatever/b", "value": 2}], {"a": 1, "b": 2}),
        ({"a": 1}, [{"op": "replace", "path": "", "value": {"b": 2}}], {"b": 2}),
        (
            {"a": 1},
            [{"op": "replace", "path": "", "value": [1]}, {"op": "add", "path": "/0", "value": 0}],
            [0, 1],
        ),
        ({"a": {"b": [1]}}, [{"op": "test", "path": "", "value": {"a": {"b": [1]}}}], {"a": {"b": [1]}}),
        ({"a": 1}, [{"op": "move", "from": "/a", "path": "/a"}], {"a": 1}),
        ({"a": {"b": 1}}, [{"op": "copy", "from": "/a", "path": "/c"}], {"a": {"b": 1}, "c": {"b": 1}}),
        ({"a": 1}, [], {"a": 1}),
        # A null body decodes as an empty patch.
        ({"a": 1}, None, {"a": 1}),
        ([1, 2], [{"op": "remove", "path": "/0"}], [2]),
    ],
)
def test_library_behaviour(doc: Any, patch: Any, result: Any) -> None:
    assert apply_json_patch(doc, patch) == result


@pytest.mark.parametrize(
    ("doc", "patch", "message"),
    [
        ({"a": 1}, [{"op": "bogus"}], "Unexpected kind: bogus"),
        ({"a": 1}, [{"path": "/a"}], "Unexpected kind: unknown"),
        ({"a": 1}, [{"op": 5}], "Unexpected kind: unknown"),
        ({"a": 1}, [None], "Unexpected kind: unknown"),
        ({"a": 1}, [{"op": "add", "value": 1}], "add operation failed to decode path: missing value"),
        ({"a": 1}, [{"op": "add", "path": 5}], "add operation failed to decode path: missing value"),
        ({"a": 1}, [{"op": "remove"}], "remove operation failed to decode path: missing value"),
        (
            {"a": 1},
            [{"op": "replace", "value": 1}],
            "replace operation failed to decode path: operation missing path field: missing value",
        ),
        (
            {"a": 1},
            [{"op": "replace", "path": 5}],
            "replace operation failed to decode path: json: cannot unmarshal number into Go value of type string",
        ),
        (
            {"a": 1},
            [{"op": "test", "path": True}],
            "test operation failed to decode path: json: cannot unmarshal bool into Go value of type string",
        ),
        (
            {"a": 1},
            [{"op": "move", "path": "/b"}],
            "move operation failed to decode from: operation, missing from field: missing value",
        ),
        (
            {"a": 1},
            [{"op": "move", "from": "/a", "path": ["x"]}],
            "move operation failed to decode path: json: cannot unmarshal array into Go value of type string",
        ),
        (
            {"a": 1},
            [{"op": "copy", "from": {}, "path": "/b"}],
            "copy operation failed to decode from: json: cannot unmarshal object into Go value of type string",
        ),
        ({"a": 1}, [{"op": "copy", "from": "/a"}], "copy operation failed to decode path: missing value"),
        (
            {"a": 1},
            [{"op": "add", "path": "", "value": 1}],
            'add operation does not apply: doc is missing path: "": missing value',
        ),
        (
            {"a": 1},
            [{"op": "add", "path": "a", "value": 1}],
            'add operation does not apply: doc is missing path: "a": missing value',
        ),
        (
            {"a": 1},
            [{"op": "add", "path": "/a/b", "value": 1}],
            'add operation does not apply: doc is missing path: "/a/b": missing value',
        ),
        (
            {"a": None},
            [{"op": "add", "path": "/a/b", "value": 1}],
            'add operation does not apply: doc is missing path: "/a/b": missing value',
        ),
        (
            {"a": [1]},
            [{"op": "add", "path": "/a/5/b", "value": 1}],
            'add operation does not apply: doc is missing path: "/a/5/b": missing value',
        ),
        (
            {"a": [1]},
            [{"op": "add", "path": "/a/-/b", "value": 1}],
            'add operation does not apply: doc is missing path: "/a/-/b": missing value',
        ),
        (
            {"a": [1]},
            [{"op": "add", "path": "/a/x", "value": 1}],
            "error in add for path: '/a/x': value was not a proper array index: 'x': "
            'strconv.Atoi: parsing "x": invalid syntax',
        ),
        (
            {"a": [1]},
            [{"op": "add", "path": "/a/99999999999999999999", "value": 1}],
            "error in add for path: '/a/99999999999999999999': value was not a proper array index: "
            "'99999999999999999999': strconv.Atoi: parsing \"99999999999999999999\": value out of range",
        ),
        (
            {"a": [1]},
            [{"op": "add", "path": "/a/3", "value": 1}],
            "error in add for path: '/a/3': Unable to access invalid index: 3: invalid index referenced",
        ),
        (
            {"a": [1]},
            [{"op": "add", "path": "/a/-3", "value": 1}],
            "error in add for path: '/a/-3': Unable to access invalid index: -3: invalid index referenced",
        ),
        (
            {"a": 1},
            [{"op": "remove", "path": "/b/c"}],
            'remove operation does not apply: doc is missing path: "/b/c": missing value',
        ),
        (
            {"a": 1},
            [{"op": "remove", "path": "/b"}],
            "error in remove for path: '/b': Unable to remove nonexistent key: b: missing value",
        ),
        (
            {"a": [1]},
            [{"op": "remove", "path": "/a/1"}],
            "error in remove for path: '/a/1': Unable to access invalid index: 1: invalid index referenced",
        ),
        (
            {"a": [1]},
            [{"op": "remove", "path": "/a/-"}],
            "error in remove for path: '/a/-': strconv.Atoi: parsing \"-\": invalid syntax",
        ),
        (
            {"a": 1},
            [{"op": "replace", "path": "/b/c", "value": 1}],
            "replace operation does not apply: doc is missing path: /b/c: missing value",
        ),
        (
            {"a": [1]},
            [{"op": "replace", "path": "/a/1", "value": 1}],
            "replace operation does not apply: doc is missing key: /a/1: missing value",
        ),
        (
            {"a": 1},
            [{"op": "replace", "path": "", "value": 5}],
            "replace operation value must be object or array: %!w(<nil>)",
        ),
        (
            {"a": 1},
            [{"op": "move", "from": "/x/y", "path": "/b"}],
            "move operation does not apply: doc is missing from path: /x/y: missing value",
        ),
        (
            {"a": 1},
            [{"op": "move", "from": "/x", "path": "/b"}],
            "error in move for path: 'x': Unable to remove nonexistent key: x: missing value",
        ),
        (
            {"a": [1]},
            [{"op": "move", "from": "/a/4", "path": "/b"}],
            "error in move for path: '4': Unable to access invalid index: 4: invalid index referenced",
        ),
        # The destination is looked up after the source is gone.
        (
            {"a": {"b": 1}},
            [{"op": "move", "from": "/a", "path": "/a/c"}],
            "move operation does not apply: doc is missing destination path: /a/c: missing value",
        ),
        (
            {"a": 1, "l": []},
            [{"op": "move", "from": "/a", "path": "/l/1"}],
            "error in move for path: '/l/1': Unable to access invalid index: 1: invalid index referenced",
        ),
        (
            {"a": 1},
            [{"op": "copy", "from": "/x/y", "path": "/b"}],
            "copy operation does not apply: doc is missing from path: /x/y: missing value",
        ),
        (
            {"a": [1]},
            [{"op": "copy", "from": "/a/x", "path": "/b"}],
            "error in copy for from: '/a/x': strconv.Atoi: parsing \"x\": invalid syntax",
        ),
        (
            {"a": 1},
            [{"op": "copy", "from": "/a", "path": "/x/y"}],
            "copy operation does not apply: doc is missing destination path: /x/y: missing value",
        ),
        (
            {"a": 1, "l": []},
            [{"op": "copy", "from": "/a", "path": "/l/x"}],
            "error while adding value during copy: value was not a proper array index: 'x': "
            'strconv.Atoi: parsing "x": invalid syntax',
        ),
        (
            {"a": 1},
            [{"op": "test", "path": "/x/y", "value": 1}],
            "test operation does not apply: is missing path: /x/y: missing value",
        ),
        (
            {"a": [1]},
            [{"op": "test", "path": "/a/1", "value": 1}],
            "error in test for path: '/a/1': Unable to access invalid index: 1: invalid index referenced",
        ),
        ({"a": 1}, [{"op": "test", "path": "/a", "value": None}], "testing value /a failed: test failed"),
        ({"a": 1}, [{"op": "test", "path": "/x", "value": 1}], "testing value /x failed: test failed"),
        ({"a": 1}, [{"op": "test", "path": "", "value": {"a": 2}}], "testing value  failed: test failed"),
        # Scalars compare with their JSON types.
        ({"a": 1}, [{"op": "test", "path": "/a", "value": 1.0}], "testing value /a failed: test failed"),
        ({"a": 1}, [{"op": "test", "path": "/a", "value": True}], "testing value /a failed: test failed"),
        (
            {"a": [1, {"b": 2}]},
            [{"op": "test", "path": "/a", "value": [1, {"b": 3}]}],
            "testing value /a failed: test failed",
        ),
        (
            {"a": {"b": 1}},
            [{"op": "test", "path": "/a", "value": {"b": 1, "c": None}}],
            "testing value /a failed: test failed",
        ),
        # The whole patch fails when one operation does.
        (
            {"a": 1},
            [{"op": "add", "path": "/b", "value": 2}, {"op": "test", "path": "/b", "value": 3}],
            "testing value /b failed: test failed",
        ),
    ],
)
def test_apply_errors(doc: Any, patch: Any, message: str) -> None:
    with pytest.raises(JSONPatchApplyError) as caught:
        apply_json_patch(doc, patch)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"op": "add"}, "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
        ("add", "json: cannot unmarshal string into Go value of type jsonpatch.Patch"),
        (5, "json: cannot unmarshal number into Go value of type jsonpatch.Patch"),
        (
            [{"op": "test", "path": "/a"}, 1],
            "json: cannot unmarshal number into Go value of type jsonpatch.Operation",
        ),
        ([[]], "json: cannot unmarshal array into Go value of type jsonpatch.Operation"),
        ([False], "json: cannot unmarshal bool into Go value of type jsonpatch.Operation"),
    ],
)
def test_format_errors(patch: Any, message: str) -> None:
    with pytest.raises(JSONPatchFormatError) as caught:
        apply_json_patch({"a": 1}, patch)
    assert str(caught.value) == message


def test_too_many_operations() -> None:
    patch = [{"op": "test", "path": "/a", "value": 1}] * (MAX_OPERATIONS + 1)
    with pytest.raises(JSONPatchTooLarge) as caught:
        apply_json_patch({"a": 1}, patch)
    assert str(caught.value) == "The allowed maximum operations in a JSON patch is 10000, got 10001"


def test_exactly_the_maximum_is_allowed() -> None:
    patch = [{"op": "test", "path": "/a", "value": 1}] * MAX_OPERATIONS
    assert apply_json_patch({"a": 1}, patch) == {"a": 1}


def test_copy_size_limit() -> None:
    size = COPY_SIZE_LIMIT // 2
    doc = {"a": "x" * (size - 2)}  # encodes to exactly `size` bytes with its quotes
    two_copies = [{"op": "copy", "from": "/a", "path": "/b"}, {"op": "copy", "from": "/a", "path": "/c"}]
    assert set(apply_json_patch(doc, two_copies)) == {"a", "b", "c"}
    with pytest.raises(JSONPatchApplyError) as caught:
        apply_json_patch(doc, [*two_copies, {"op": "copy", "from": "/a", "path": "/d"}])
    assert str(caught.value) == (
        "Unable to complete the copy, the accumulated size increase of copy is 4718592, exceeding the limit 3145728"
    )


def test_copy_size_counts_go_html_escapes() -> None:
    doc = {"a": "<" * (COPY_SIZE_LIMIT // 6)}  # Go writes each "<" as \u003c, 6 bytes
    with pytest.raises(JSONPatchApplyError) as caught:
        apply_json_patch(doc, [{"op": "copy", "from": "/a", "path": "/b"}])
    assert str(caught.value) == (
        "Unable to complete the copy, the accumulated size increase of copy is 3145730, exceeding the limit 3145728"
    )


def test_error_classes() -> None:
    for error in (JSONPatchFormatError, JSONPatchTooLarge, JSONPatchApplyError):
        assert issubclass(error, JSONPatchError)
    assert issubclass(JSONPatchError, ValueError)


def test_document_must_be_a_container() -> None:
    with pytest.raises(TypeError):
        apply_json_patch("text", [])


def test_input_is_never_mutated_nor_shared() -> None:
    doc = {"a": {"b": [1, 2]}, "c": [{"d": 1}]}
    value = {"new": [1]}
    patch = [
        {"op": "add", "path": "/a/b/-", "value": value},
        {"op": "remove", "path": "/c/0/d"},
        {"op": "replace", "path": "/x", "value": value},
        {"op": "copy", "from": "/a", "path": "/y"},
    ]
    before_doc, before_patch = json.dumps(doc), json.dumps(patch)
    result = apply_json_patch(doc, patch)
    assert json.dumps(doc) == before_doc
    assert json.dumps(patch) == before_patch
    result["a"]["b"][2]["new"].append(2)
    result["x"]["new"].append(3)
    result["y"]["b"].append(4)
    assert value == {"new": [1]}
    assert result["a"]["b"][2] == {"new": [1, 2]}
    assert result["y"]["b"] == [1, 2, {"new": [1]}, 4]


def test_empty_patch_returns_a_copy() -> None:
    doc = {"a": {"b": 1}}
    result = apply_json_patch(doc, [])
    assert result == doc
    assert result is not doc
    assert result["a"] is not doc["a"]
