"""The Kubernetes base CEL environment (apiserver/pkg/cel/environment/base.go) at v1.37.

What base.go enables, and where it lives here:

| base.go (since) | here |
|---|---|
| HomogeneousAggregateLiterals, DefaultUTCTimeZone (1.0) | cel-cpp's UTC default; mixed literals (``[1, 'a']``) are not refused |
| library.URLs, Regex, Lists version 0 (1.0, until 1.37) | ``library/urls.py``, ``regex.py``, ``lists.py`` |
| library.Authz (1.27) | ``library/authz.py`` (checks ask the authorizer passed to ``eval``) |
| CrossTypeNumericComparisons, OptionalTypes, library.Quantity (1.28) | cel-cpp's heterogeneous comparisons, its optional extension (with ``<list>.first()``, ``last()``), ``library/quantity.py`` |
| ext.Strings(version 2) (1.29) | cel-cpp's strings extension, version 2 |
| ext.Sets (1.29) | ``library/sets.py`` |
| library.IP, CIDR (1.30) | ``library/ip.py``, ``cidr.py`` |
| library.Format (1.31) | ``library/format.py`` (``validate`` and ``format.named`` rewritten, see ``rewrite.py``) |
| library.AuthzSelectors (1.31) | ``library/authz.py`` (``fieldSelector``, ``labelSelector``, parsed into the check's attributes) |
| ext.TwoVarComprehensions (1.32) | ``library/comprehensions.py`` (rewritten into one-variable macros and ``cel.bind``) |
| library.SemverLib version 1 (1.33) | ``library/semver.py`` |
| ext.Lists version 3 (1.34) | ``library/extlists.py`` (``sortBy`` rewritten, see ``rewrite.py``) |
| library.Lists version 1 (1.37): ``includes`` | ``library/lists.py`` |
| the per-call cost limit and library.CostEstimator | ``library/cost.py`` |
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fakeapi.cel import types
from fakeapi.cel.ast import CheckedAST, decode_checked
from fakeapi.cel.errors import CompileError, EvalError, compile_message, runtime_message
from fakeapi.cel.library import Function, LibraryError, Overload
from fakeapi.cel.library.authz import Authorizer, current_authorizer
from fakeapi.cel.rewrite import rewrite

# celconfig (apiserver/pkg/apis/cel/config.go).
PER_CALL_LIMIT = 1_000_000
RUNTIME_CEL_COST_BUDGET = 10_000_000
RUNTIME_CEL_COST_BUDGET_MATCH_CONDITIONS = 2_500_000
MAX_REQUEST_SIZE_BYTES = 3 * 1024 * 1024


def _library_functions() -> list[Function]:
    from fakeapi.cel.library import (
        authz,
        cidr,
        comprehensions,
        extlists,
        format,
        ip,
        lists,
        listtypes,
        quantity,
        regex,
        semver,
        sets,
        urls,
    )

    return [
        *urls.FUNCTIONS,
        *regex.FUNCTIONS,
        *lists.FUNCTIONS,
        *authz.functions(),
        *quantity.FUNCTIONS,
        *sets.FUNCTIONS,
        *ip.FUNCTIONS,
        *cidr.FUNCTIONS,
        *semver.FUNCTIONS,
        *comprehensions.FUNCTIONS,
        *format.FUNCTIONS,
        *listtypes.FUNCTIONS,
        *extlists.FUNCTIONS,
    ]


_PRIMITIVES = {
    "dyn": "DYN",
    "bool": "BOOL",
    "int": "INT",
    "uint": "UINT",
    "double": "DOUBLE",
    "string": "STRING",
    "bytes": "BYTES",
    "null_type": "NULL",
    "google.protobuf.Timestamp": "TIMESTAMP",
    "google.protobuf.Duration": "DURATION",
}


def cel_type(signature: str) -> Any:
    """A runtime type from a signature: ``dyn``, ``list(int)``, ``map(string, list(dyn))``, a message name."""
    from cel_expr_python import cel

    signature = signature.strip()
    name, _, rest = signature.partition("(")
    if not rest:
        primitive = _PRIMITIVES.get(signature)
        return getattr(cel.Type, primitive) if primitive else cel.Type(signature)
    params = _split_params(rest[:-1])
    if name == "list":
        return cel.Type.List(cel_type(params[0]))
    if name == "map":
        return cel.Type.Map(cel_type(params[0]), cel_type(params[1]))
    raise ValueError(f"unsupported type signature {signature!r}")


def _split_params(text: str) -> list[str]:
    params, depth, start = [], 0, 0
    for i, c in enumerate(text):
        depth += (c == "(") - (c == ")")
        if c == "," and depth == 0:
            params.append(text[start:i])
            start = i + 1
    params.append(text[start:])
    return params


# Functions the standard environment or the strings extension also declare: their overloads must
# join those through an extension (a second top-level declaration of the name is refused). So do
# functions taking ``dyn`` (a top-level function's ``dyn`` parameter matches no value at run time,
# an extension's any value), and those whose overloads differ by list element type (see
# :class:`_Declarations`).
_SHARED_NAMES = frozenset({"string", "indexOf", "lastIndexOf", "includes", "sort", "__fakeapi_sort_by_keys"})


def _general(signature: str) -> str:
    """The type the runtime gives a value of ``signature``: ``list(int)`` is a ``list(dyn)``."""
    name = signature.partition("(")[0]
    if name == "list":
        return "list(dyn)"
    if name == "map":
        return "map(dyn, dyn)"
    return signature


def _runtime_key(overload: Overload) -> tuple[Any, ...]:
    """What cel-cpp's runtime tells overloads apart by: the name, receiver style and each argument's kind.

    Every Kubernetes type is a protobuf message, so ``quantity.isLessThan(quantity)`` and
    ``semver.isLessThan(semver)`` are one runtime function, which picks the Python by message type.
    """
    kinds = tuple(p.partition("(")[0] if "(" in p else ("message" if "." in p else p) for p in overload.params)
    return overload.member, kinds


def _matches(overload: Overload, args: tuple[Any, ...]) -> bool:
    for param, arg in zip(overload.params, args, strict=True):
        if "." in param and "(" not in param and getattr(getattr(arg, "DESCRIPTOR", None), "full_name", None) != param:
            return False
    return True


def _dispatcher(overloads: list[Overload]) -> Any:
    """One runtime implementation for overloads of the same runtime key; a LibraryError becomes an error value."""

    def call(*args: Any) -> Any:
        overload = overloads[0] if len(overloads) == 1 else next(o for o in overloads if _matches(o, args))
        try:
            return overload.impl(*args)
        except LibraryError as exc:
            raise ValueError(str(exc)) from None

    return call


@dataclass(frozen=True)
class _Declarations:
    """The libraries' functions as cel-cpp takes them.

    ``functions`` are declared at the top level, run by ``implementations`` (by overload id).
    Functions the standard library also declares join it through an extension, which brings
    both the declarations and the runtime's implementations. There the checker must see every
    overload while the runtime takes one implementation per runtime key (a second is refused):
    ``string(ip)`` and ``string(cidr)`` are one runtime function. Expressions are therefore
    checked with ``checking_extension`` (every overload, never run) and the checked tree runs
    in an environment with ``runtime_extension`` (one dispatching implementation per key).
    """

    functions: list[Any]
    implementations: dict[str, Any]
    checking_extension: Any
    runtime_extension: Any
    # Functions the runtime declares more loosely than the checker (``sort(list(dyn))`` for
    # ``sort(list(int))``, ``sort(list(string))``...): an expression calling one is checked by
    # the checker, never by the runtime environment.
    strict_names: frozenset[str] = frozenset()


@functools.cache
def _declarations() -> _Declarations:
    """The libraries' declarations, built once per process: every environment shares them."""
    return _declare(_library_functions())


def _declare(functions: list[Function]) -> _Declarations:
    """The runtime's declarations for ``functions`` (see :class:`_Declarations`)."""
    from cel_expr_python import cel

    by_name: dict[str, list[Overload]] = {}
    for function in functions:
        by_name.setdefault(function.name, []).extend(function.overloads)
    declarations: list[Any] = []
    implementations: dict[str, Any] = {}
    checked: list[Any] = []
    run: list[Any] = []
    strict: set[str] = set()
    for name, overloads in by_name.items():
        groups: dict[tuple[Any, ...], list[Overload]] = {}
        for overload in overloads:
            groups.setdefault(_runtime_key(overload), []).append(overload)

        def declared(overload: Overload, impl: Any = None) -> Any:
            extra = {} if impl is None else {"impl": impl}
            general = (lambda t: t) if impl is None else _general
            return cel.Overload(
                overload.id,
                cel_type(general(overload.result)),
                [cel_type(general(p)) for p in overload.params],
                is_member=overload.member,
                **extra,
            )

        if name in _SHARED_NAMES:
            checked.append(cel.FunctionDecl(name, [declared(o) for o in overloads]))
            run.append(cel.FunctionDecl(name, [declared(group[0], _dispatcher(group)) for group in groups.values()]))
            if any(_general(p) != p for o in overloads for p in (*o.params, o.result)):
                strict.add(name)
            continue
        declarations.append(cel.FunctionDecl(name, [declared(o) for o in overloads]))
        for group in groups.values():
            implementations[group[0].id] = _dispatcher(group)
    return _Declarations(
        declarations,
        implementations,
        cel.CelExtension("kubernetes", checked),
        cel.CelExtension("kubernetes", run),
        frozenset(strict),
    )


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
"""The value of an optional variable that has none (``optional.none()``), e.g. ``oldSelf`` on create."""


class Environment:
    """A compiler for expressions over declared variables, with the Kubernetes libraries.

    ``variables`` maps each name to a CEL type signature (``dyn``, ``map(string, dyn)``,
    ``kubernetes.authorization.Authorizer``...); ``optional_variables`` are declared
    ``optional_type(T)`` (a CRD rule's ``oldSelf`` under ``optionalOldSelf``) and take a plain
    value or :data:`ABSENT`. Environments are safe to share between threads; build one per set
    of variables and compile many expressions in it.

    Every program runs in one cel-cpp environment, which checks what it can too. An expression
    that needs an overload its runtime leaves out (``string(cidr)``, see :class:`_Declarations`)
    is checked in a twin declaring every overload (built when first needed), and its checked
    tree is handed to the first to run.
    """

    def __init__(self, variables: Mapping[str, str], optional_variables: Mapping[str, str] | None = None) -> None:
        from cel_expr_python import cel

        self.variables = dict(variables)
        self.optional_variables = dict(optional_variables or {})
        if not self.optional_variables:
            self._config = None
            self._runtime_variables = self.variables
            self._env = self._new_env(self.variables, runtime=True)
            return
        # The binding can neither declare optional_type(T) variables (only its YAML config can)
        # nor pass optional values in: expressions are checked in an environment that declares
        # them, and run wrapped in cel.bind(name, has ? optional.of(value) : optional.none(), ...)
        # over two hidden variables per optional one.
        self._config = cel.NewEnvConfigFromYaml(_optional_variables_yaml(self.optional_variables))
        self._runtime_variables = {**self.variables}
        for name, signature in self.optional_variables.items():
            self._runtime_variables[_has(name)] = "bool"
            self._runtime_variables[_value(name)] = signature
        self._env = self._new_env(self._runtime_variables, bindings=True, runtime=True)

    @staticmethod
    def _new_env(
        variables: Mapping[str, str], *, config: Any = None, bindings: bool = False, runtime: bool = False
    ) -> Any:
        """A cel-cpp environment: with the runtime's overloads, or (``runtime=False``) every overload, never run."""
        from cel_expr_python import cel
        from cel_expr_python.ext import ext_optional, ext_strings

        declared = _declarations()
        extension = declared.runtime_extension if runtime else declared.checking_extension
        extensions = [ext_strings.ExtStrings(2), ext_optional.ExtOptional(), extension]
        if bindings:
            from cel_expr_python.ext import ext_bindings  # not imported until an environment needs it

            extensions.append(ext_bindings.ExtBindings())
        return cel.NewEnv(
            types.descriptor_pool(),
            config=config,
            variables={name: cel_type(signature) for name, signature in variables.items()},
            extensions=extensions,
            functions=declared.functions,
            function_impls=declared.implementations,
        )

    @functools.cached_property
    def _check_env(self) -> Any:
        """Checks sources, declaring every overload (and the optional variables)."""
        return self._new_env(self.variables, config=self._config)

    @functools.cached_property
    def _rewritten_check_env(self) -> Any:
        """Checks rewritten two-variable comprehensions, which need cel.bind."""
        return self._new_env(self.variables, config=self._config, bindings=True)

    @functools.cached_property
    def _wrapped_check_env(self) -> Any:
        """Checks sources wrapped to bind the optional variables, declaring every overload."""
        return self._new_env(self._runtime_variables, bindings=True)

    def compile(self, source: str) -> Program:
        """Parse and type-check ``source``; a CompileError carries cel-go's ``ERROR: <input>:...`` text."""
        checked_source = source
        try:
            try:
                checked = self._check(source)
            except RuntimeError:
                rewritten = rewrite(source, self._parse)
                if rewritten is None:
                    raise
                checked_source = rewritten
                checked = self._rewritten_check_env.compile(rewritten)
            # Without optional variables, a source checked as it is was checked where it runs.
            plain = not self.optional_variables and checked_source is source
            runnable = checked if plain else self._to_run(checked_source, checked)
        except RuntimeError as exc:
            raise CompileError(compile_message(str(exc))) from None
        program = Program(self, source, runnable, self._env, checked_source=checked_source)
        program._ast = decode_checked(checked.serialize())  # positions in the checked source
        return program

    def rewritten(self, program: Program, text: str) -> Program:
        """``program`` (its source, checked tree and positions) evaluated as ``text``, an equivalent rewrite.

        ``text`` is checked as rewrites are: ``cel.bind`` and the libraries' hidden functions
        are allowed in it.
        """
        try:
            runnable = self._to_run(text, self._rewritten_check_env.compile(text))
        except RuntimeError as exc:
            raise CompileError(compile_message(str(exc))) from None
        return dataclasses.replace(program, _expression=runnable)

    def _to_run(self, checked_source: str, checked: Any) -> Any:
        """What the runtime environment evaluates for ``checked``, the checked ``checked_source``."""
        if not self.optional_variables:
            # The runtime environment has compiled (``_check`` tries it first): the binding
            # learns the variables' types, by which it converts bound values, only then.
            return self._env.deserialize(checked.serialize())
        wrapped = checked_source
        for name in self.optional_variables:
            wrapped = f"cel.bind({name}, {_has(name)} ? optional.of({_value(name)}) : optional.none(), {wrapped})"
        return self._runnable(wrapped, self._wrapped_check_env)

    def _check(self, source: str) -> Any:
        """``source`` checked (without optional variables, by the environment that runs it where it can)."""
        if self.optional_variables:
            return self._check_env.compile(source)
        return self._runnable(source, self._check_env)

    def _runnable(self, source: str, checker: Any) -> Any:
        """``source`` checked by the environment that runs it or else (``string(cidr)``) by ``checker``, to run.

        A source calling a function the runtime declares loosely (``sort``) is checked by ``checker``.
        """
        if _calls_strict(source):
            checked = checker.compile(source)
            self._runtime_ready  # noqa: B018 (the runtime learns the variables' types)
            return self._env.deserialize(checked.serialize())
        try:
            return self._env.compile(source)
        except RuntimeError:
            return self._env.deserialize(checker.compile(source).serialize())

    @functools.cached_property
    def _runtime_ready(self) -> bool:
        """The runtime environment has compiled once: only then does the binding learn the variables' types."""
        self._env.compile("true")
        return True

    def _parse(self, source: str) -> CheckedAST:
        """The parsed (unchecked) tree of ``source``; raises RuntimeError when it does not parse."""
        return decode_checked(self._check_env.compile(source, disable_check=True).serialize())

    def bind(self, values: Mapping[str, Any]) -> Bindings:
        """``values`` converted once for the runtime, for several programs of this environment to evaluate."""
        return Bindings(self, self._runtime_values(values))

    def _runtime_values(self, values: Mapping[str, Any]) -> Mapping[str, Any]:
        """The runtime's bindings for ``values`` (optional variables spread over their hidden pair)."""
        if not self.optional_variables:
            return values
        bound = {k: v for k, v in values.items() if k not in self.optional_variables}
        for name in self.optional_variables:
            value = values.get(name, ABSENT)
            bound[_has(name)] = value is not ABSENT
            bound[_value(name)] = None if value is ABSENT else value
        return bound


@dataclass
class Bindings:
    """Variables bound once (``Environment.bind``): evaluating many programs over one object converts it once.

    cel-cpp converts an activation's values for the runtime environment that makes it (a
    timestamp from one is not a timestamp to another), so one is made per runtime environment
    the programs run in.
    """

    environment: Environment
    values: Mapping[str, Any]
    _activations: dict[int, Any] = field(default_factory=dict)

    def activation(self, runtime: Any) -> Any:
        made = self._activations.get(id(runtime))
        if made is None:
            made = self._activations[id(runtime)] = runtime.Activation(self.values)
        return made


@dataclass
class Program:
    """A compiled expression."""

    environment: Environment
    source: str
    _expression: Any
    _runtime: Any  # the cel-cpp environment the expression was compiled in
    _ast: CheckedAST | None = None
    # The text the tree's positions refer to: the source, or its rewrite (two-variable comprehensions).
    checked_source: str = ""

    @property
    def return_type(self) -> str:
        """The checked result type, as cel-cpp names it (``bool``, ``string``, ``dyn``...)."""
        return str(self._expression.return_type().name()).lower()

    @property
    def ast(self) -> CheckedAST:
        """The checked syntax tree (decoded on first use)."""
        if self._ast is None:
            self._ast = decode_checked(self._expression.serialize())
        return self._ast

    def eval(self, activation: Mapping[str, Any] | Bindings, *, authorizer: Authorizer | None = None) -> Any:
        """Evaluate over plain values (JSON-like dicts, lists, str, int, float, bool, None) or prepared Bindings.

        Returns a plain value (protobuf messages for the library's opaque types); raises
        EvalError with cel-go's text.
        """
        token = current_authorizer.set(authorizer)
        try:
            if isinstance(activation, Bindings):
                if activation.environment is not self.environment:
                    raise ValueError("bindings of another environment")
                value = self._expression.eval(activation.activation(self._runtime))
            else:
                value = self._expression.eval(data=self.environment._runtime_values(activation))
        except RuntimeError as exc:
            raise EvalError(runtime_message(str(exc))) from None
        finally:
            current_authorizer.reset(token)
        if value.type() == _error_type():
            raise EvalError(runtime_message(str(value.value())))
        return value.plain_value()


def _calls_strict(source: str) -> bool:
    """Whether ``source`` may call a function of ``_Declarations.strict_names``."""
    return any(name in source for name in _declarations().strict_names)


def _has(name: str) -> str:
    return f"__has_{name}"


def _value(name: str) -> str:
    return f"__value_{name}"


def _optional_variables_yaml(variables: Mapping[str, str]) -> str:
    lines = ["name: fakeapi", "variables:"]
    for name, signature in variables.items():
        lines.append(f"  - name: {name}")
        lines += _yaml_type(f"optional_type({signature})", "    ")
    return "\n".join(lines) + "\n"


def _yaml_type(signature: str, indent: str) -> list[str]:
    """A type in cel-spec's environment YAML (``type_name`` with ``params``)."""
    name, _, rest = signature.strip().partition("(")
    lines = [f"{indent}type_name: {name}"]
    if rest:
        lines.append(f"{indent}params:")
        for param in _split_params(rest[:-1]):
            nested = _yaml_type(param, indent + "    ")
            lines.append(f"{indent}  - {nested[0].strip()}")
            lines += nested[1:]
    return lines


@functools.cache
def _error_type() -> Any:
    from cel_expr_python import cel

    return cel.Type.ERROR
