"""The base environment: compile with declared variables, evaluate, cel-go's error texts.

Expected texts: cel-go checker/errors.go (``undeclared reference to '%s' (in container '%s')``),
common/types/err.go (``no such key: %v``, ``no such overload``).
"""

from __future__ import annotations

import pytest

from fakeapi.cel.environment.base import Environment
from fakeapi.cel.errors import CompileError, EvalError


@pytest.fixture(scope="module")
def env() -> Environment:
    return Environment({"self": "dyn", "params": "map(string, int)"})


def test_compile_and_eval_with_declared_variables(env: Environment) -> None:
    program = env.compile("self.replicas <= params.max")
    assert program.return_type == "bool"
    assert program.eval({"self": {"replicas": 3}, "params": {"max": 5}}) is True
    assert program.eval({"self": {"replicas": 6}, "params": {"max": 5}}) is False


def test_undeclared_reference_is_a_compile_error_in_cel_go_format(env: Environment) -> None:
    with pytest.raises(CompileError) as info:
        env.compile("self.a == nope")
    assert info.value.message == (
        "ERROR: <input>:1:11: undeclared reference to 'nope' (in container '')\n | self.a == nope\n | ..........^"
    )


def test_type_errors_are_found_at_compile_time(env: Environment) -> None:
    with pytest.raises(CompileError, match="found no matching overload for '_\\+_' applied to '\\(int, string\\)'"):
        env.compile("params.max + 'a'")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("self.missing", "no such key: missing"),
        ("self.name + 1", "no such overload"),
    ],
)
def test_runtime_errors_carry_cel_go_texts(env: Environment, expression: str, message: str) -> None:
    with pytest.raises(EvalError) as info:
        env.compile(expression).eval({"self": {"name": "a"}, "params": {}})
    assert info.value.message == message


def test_strings_extension_and_optionals(env: Environment) -> None:
    assert env.compile("'%s=%d'.format(['a', 1])").eval({}) == "a=1"
    assert env.compile("'A,B'.lowerAscii().split(',')").eval({}) == ["a", "b"]
    assert env.compile("self.?missing.orValue('default')").eval({"self": {}}) == "default"


@pytest.mark.parametrize("optional", [False, True])
def test_string_of_a_cidr_runs_plain_rewritten_and_with_optional_variables(optional: bool) -> None:
    # string(cidr) is checked where every overload is declared and run where string(ip) holds its runtime key.
    env = Environment({"self": "list(string)"}, {"oldSelf": "list(string)"} if optional else None)
    plain = "string(cidr(self[0])) + ' ' + string(ip(self[1]))"
    rewritten = "self.all(i, v, i > 0 || string(cidr(v)) == '10.0.0.1/8')"
    assert env.compile(plain).eval({"self": ["10.0.0.1/8", "::1"]}) == "10.0.0.1/8 ::1"
    assert env.compile(rewritten).eval({"self": ["10.0.0.1/8", "::1"]}) is True
    with pytest.raises(
        CompileError, match="found no matching overload for 'string' applied to '\\(list\\(string\\)\\)'"
    ):
        env.compile("string(self)")
