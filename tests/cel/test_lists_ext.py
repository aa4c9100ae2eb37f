"""cel-go's lists extension at version 3 (ext/lists.go) and the lists library's ``includes``.

Cases from cel-go ext/lists_test.go (TestLists, TestListsRuntimeErrors, TestListsVersion) and
apiserver pkg/cel/library/lists.go's examples and environment_test.go. cel-go's test environment
allows mixed list literals; Kubernetes' does not (HomogeneousAggregateLiterals), so mixed lists
are written as ``dyn([...])`` here.
"""

from __future__ import annotations

from typing import Any

import pytest

from fakeapi.cel.environment.base import Environment
from fakeapi.cel.errors import CompileError
from fakeapi.cel.library import cost
from tests.cel.conftest import Evaluate


@pytest.mark.parametrize(
    "expression",
    [
        "lists.range(4) == [0,1,2,3]",
        "lists.range(0) == []",
        "[5,1,2,3].reverse() == [3,2,1,5]",
        "[].reverse() == []",
        "[1].reverse() == [1]",
        "['are', 'you', 'as', 'bored', 'as', 'I', 'am'].reverse() == ['am', 'I', 'as', 'bored', 'as', 'you', 'are']",
        "[false, true, true].reverse().reverse() == [false, true, true]",
        "[1,2,3,4].slice(0, 4) == [1,2,3,4]",
        "[1,2,3,4].slice(0, 0) == []",
        "[1,2,3,4].slice(1, 1) == []",
        "[1,2,3,4].slice(4, 4) == []",
        "[1,2,3,4].slice(1, 3) == [2, 3]",
        "dyn([]).flatten() == []",
        "dyn([1,2,3,4]).flatten() == [1,2,3,4]",
        "dyn([1,[2,[3,4]]]).flatten() == [1,2,[3,4]]",
        "dyn([1,2,[],[],[3,4]]).flatten() == [1,2,3,4]",
        "dyn([1,[2,[3,4]]]).flatten(2) == [1,2,3,4]",
        "[[1, 2], [3, 4]].flatten() == [1, 2, 3, 4]",
        "[].sort() == []",
        "[1].sort() == [1]",
        "[4, 3, 2, 1].sort() == [1, 2, 3, 4]",
        '["d", "a", "b", "c"].sort() == ["a", "b", "c", "d"]',
        "[2.5, -1.0].sort() == [-1.0, 2.5]",
        "[true, false].sort() == [false, true]",
        "[b'b', b'a'].sort() == [b'a', b'b']",
        "[duration('2s'), duration('1s')].sort() == [duration('1s'), duration('2s')]",
        "[timestamp('2024-01-01T00:00:00Z'), timestamp('2023-01-01T00:00:00Z')].sort()[0]"
        " == timestamp('2023-01-01T00:00:00Z')",
        "[].sortBy(e, e) == []",
        '["a"].sortBy(e, e) == ["a"]',
        "[-3, 1, -5, -2, 4].sortBy(e, -(e * e)) == [-5, 4, -3, -2, 1]",
        "[-3, 1, -5, -2, 4].map(e, e * 2).sortBy(e, -(e * e)) == [-10, 8, -6, -4, 2]",
        "lists.range(3).sortBy(e, -e) == [2, 1, 0]",
        '["a", "c", "b", "first"].sortBy(e, e == "first" ? "" : e) == ["first", "a", "b", "c"]',
        "[{'field': 'lo'}, {'field': 'hi'}].sortBy(m, m.field) == [{'field': 'hi'}, {'field': 'lo'}]",
        "[].distinct() == []",
        "[1].distinct() == [1]",
        "[-2, 5, -2, 1, 1, 5, -2, 1].distinct() == [-2, 5, 1]",
        "['c', 'a', 'a', 'b', 'a', 'b', 'c', 'c'].distinct() == ['c', 'a', 'b']",
        'dyn([1, 2.0, "c", 3, "c", 1]).distinct() == [1, 2.0, "c", 3]',
        "dyn([1, 1.0, 2]).distinct() == [1, 2]",
        "[[1], [1], [2]].distinct() == [[1], [2]]",
        "dyn([1, true]).distinct() == [1, true]",
        # The optional types' first() and last() (cel-go library.go, OptionalTypes version 2).
        "[1, 2].first() == optional.of(1)",
        "[1, 2].last().value() == 2",
        "![].first().hasValue()",
        # The lists library's includes (version 1).
        "[1, 2].includes(2) == true",
        "![1, 2, 3].includes(4)",
        "'model-a'.includes('model-a')",
        "!'model-a'.includes('model-b')",
        "[1.0, 2.0].includes(2)",
        "[[1], [2]].includes([2])",
        "dyn({'a': 1}).includes({'a': 1})",
    ],
)
def test_valid_expressions_are_true(evaluate: Evaluate, expression: str) -> None:
    assert evaluate(expression) is True


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        ("[1,2,3,4].slice(3, 0)", "cannot slice(3, 0), start index must be less than or equal to end index"),
        ("[1,2,3,4].slice(0, 10)", "cannot slice(0, 10), list is length 4"),
        ("[1,2,3,4].slice(-5, 10)", "cannot slice(-5, 10), negative indexes not supported"),
        ("[1,2,3,4].slice(-5, -3)", "cannot slice(-5, -3), negative indexes not supported"),
        ("dyn([1,[2,[3,[4]]]]).flatten(-1)", "level must be non-negative"),
        ("[].flatten(-1)", "level must be non-negative"),
        ("dyn({}).flatten()", "no such overload"),
        ("dyn({}).flatten(0)", "no such overload"),
        ("[].flatten(dyn('1'))", "no such overload"),
        ('dyn(["d", 3, 2, "c"]).sort()', "list elements must have the same type"),
        ("dyn([1, 1.0]).sort()", "list elements must have the same type"),
        ("dyn([[1], [2]]).sort()", "list elements must be comparable"),
        ("dyn([null]).sort()", "list elements must be comparable"),
        ("dyn({}).sort()", "no such overload"),
        ("dyn([1, 'a']).sortBy(e, e)", "list elements must have the same type"),
        ("self.sort()", "list elements must have the same type"),
    ],
)
def test_runtime_errors_have_upstreams_text(expression: str, error: str) -> None:
    program = Environment({"self": "dyn"}).compile(expression)
    with pytest.raises(Exception) as raised:
        program.eval({"self": [1, "a"]})
    assert getattr(raised.value, "message", None) == error


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        # sort takes lists of comparable elements only.
        ("[[1]].sort()", "found no matching overload for 'sort' applied to '(list(list(int)))'"),
        ("[{'a': 1}].sort()", "found no matching overload for 'sort' applied to '(list(map(string, int)))'"),
        # flatten() takes a list of lists (a list of dyn may hold them).
        ("[1, 2].flatten()", "found no matching overload for 'flatten' applied to '(list(int))'"),
        ("[1, 2].slice(0, 'a')", "found no matching overload for 'slice'"),
        ("lists.range('a')", "found no matching overload for 'lists.range'"),
        ("[[1]].sortBy(e, e)", "found no matching overload for '@sortByAssociatedKeys'"),
        (
            "1.sortBy(e, e)",
            "sortBy can only be applied to a list, identifier, comprehension, call or select expression",
        ),
        (
            "{}.sortBy(e, e)",
            "sortBy can only be applied to a list, identifier, comprehension, call or select expression",
        ),
    ],
)
def test_compile_errors(expression: str, error: str) -> None:
    with pytest.raises(CompileError) as raised:
        Environment({"self": "dyn"}).compile(expression)
    assert error in raised.value.message


def test_the_sortby_target_error_points_at_the_target() -> None:
    with pytest.raises(CompileError) as raised:
        Environment({}).compile("true && 1.sortBy(e, e)")
    assert raised.value.message == (
        "ERROR: <input>:1:9: sortBy can only be applied to a list, identifier, comprehension, call or select expression\n"
        " | true && 1.sortBy(e, e)\n"
        " | ........^"
    )


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("[3, 1, 2].sort()", "list<int>"),
        ("['b', 'a'].sort()", "list<string>"),
        ("lists.range(3)", "list<int>"),
        ("[1].includes(1)", "bool"),
    ],
)
def test_result_types(expression: str, expected: str) -> None:
    assert Environment({}).compile(expression).return_type == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("self.items.map(i, i.name).distinct()", ["b", "a"]),
        ("self.items.sortBy(i, i.name).map(i, i.name)", ["a", "a", "b"]),
        ("self.items.map(i, i.name).sort().reverse()", ["b", "a", "a"]),
        ("self.items.slice(1, 2).map(i, i.name)", ["a"]),
        ("[self.items.map(i, i.name), ['c']].flatten()", ["b", "a", "a", "c"]),
        ("self.items.map(i, i.name).includes('b')", True),
        ("self.items.sortBy(i, i.at)[0].name", "a"),
    ],
)
def test_over_variables(expression: str, expected: Any) -> None:
    env = Environment({"self": "map(string, dyn)"})
    items = [{"name": "b", "at": 2}, {"name": "a", "at": 1}, {"name": "a", "at": 3}]
    assert env.compile(expression).eval({"self": {"items": items}}) == expected


def test_with_an_optional_variable() -> None:
    env = Environment({"self": "list(int)"}, optional_variables={"oldSelf": "list(int)"})
    program = env.compile("oldSelf.orValue([]).sort() == self.sort()")
    assert program.eval({"self": [2, 1], "oldSelf": [1, 2]}) is True
    with pytest.raises(CompileError):
        env.compile("oldSelf.orValue([[1]]).sort() == []")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # cel-go ext/lists.go estimators: factor * size + 1 (the call) + 10 (the list), over the operands.
        ("lists.range(4)", 15),
        ("[1, 2, 3].reverse()", 10 + 3 + 11),
        ("[1, 2, 3].slice(1, 3)", 10 + 2 + 11),
        ("[[1, 2], [3]].flatten(2)", 30 + 2 * 2 + 11),
        ("[1, 2, 3].distinct()", 10 + 2 * 9 + 11),
        ("[1, 2, 3].sort()", 10 + 2 * 9 + 11),
        ("['a', 'b', 'c'].sort()", 10 + 19 + 11),  # (2 + 0.1) * 9, rounded up
        ("lists.range(self)", cost.MAX_ESTIMATE),
    ],
)
def test_cost_estimates(expression: str, expected: int) -> None:
    ast = Environment({"self": "int"}).compile(expression).ast
    assert cost.estimate(ast, {}) == expected


def test_a_global_call_receiver_is_rewritten_whole(evaluate: Evaluate) -> None:
    assert evaluate("lists.range(3).sortBy(e, -e)") == [2, 1, 0]
    assert evaluate("dyn([2, 1]).sortBy(e, e)") == [1, 2]
    assert evaluate("dyn({'a': 1}).all(k, v, v == 1)") is True
