"""The Kubernetes base CEL environment (apiserver/pkg/cel/environment/base.go) at v1.37.

What base.go enables, and where it lives here:

| base.go (since) | here |
|---|---|
| HomogeneousAggregateLiterals, DefaultUTCTimeZone (1.0) | cel-cpp's defaults |
| library.URLs, Regex, Lists (1.0) | ``library/urls.py``, ``regex.py``, ``lists.py`` |
| library.Authz (1.27) | ``library/authz.py`` (checks ask the authorizer passed to ``eval``) |
| CrossTypeNumericComparisons, OptionalTypes, library.Quantity (1.28) | cel-cpp's heterogeneous comparisons, its optional extension, ``library/quantity.py`` |
| ext.Strings(version 2) (1.29) | cel-cpp's strings extension, version 2 |
| ext.Sets (1.29) | ``library/sets.py`` |
| library.IP, CIDR (1.30) | ``library/ip.py``, ``cidr.py`` |
| library.Format (1.31) | ``library/format.py`` (``validate`` and ``format.named`` rewritten, see ``rewrite.py``) |
| library.AuthzSelectors (1.31) | not available |
| ext.TwoVarComprehensions (1.32) | ``library/comprehensions.py`` (rewritten into one-variable macros and ``cel.bind``) |
| library.SemverLib version 1 (1.33) | ``library/semver.py`` |
| the per-call cost limit and library.CostEstimator | ``library/cost.py`` |

The image library (1.33) is not available either.
"""

from __future__ import annotations

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
    from fakeapi.cel.library import authz, cidr, comprehensions, format, ip, lists, quantity, regex, semver, sets, urls

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
# join those through an extension (a second top-level declaration of the name is refused).
_SHARED_NAMES = frozenset({"string", "indexOf", "lastIndexOf"})


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


@functools.cache
def _declarations() -> tuple[list[Any], dict[str, Any], Any]:
    """The libraries' declarations, built once per process: every environment shares them."""
    return _declare(_library_functions())


def _declare(functions: list[Function]) -> tuple[list[Any], dict[str, Any], Any]:
    """The runtime's declarations: top-level ones with implementations by overload id, and one extension.

    Only the first overload of each runtime key is given the implementation. Inside the extension
    every declared overload must bring its own, so there a second overload of the same key is left
    out: ``string(cidr)`` (``string(ip)`` takes the key), which therefore does not compile here.
    """
    from cel_expr_python import cel

    by_name: dict[str, list[Overload]] = {}
    for function in functions:
        by_name.setdefault(function.name, []).extend(function.overloads)
    declarations: list[Any] = []
    implementations: dict[str, Any] = {}
    shared: list[Any] = []
    for name, overloads in by_name.items():
        groups: dict[tuple[Any, ...], list[Overload]] = {}
        for overload in overloads:
            groups.setdefault(_runtime_key(overload), []).append(overload)

        def declared(overload: Overload, impl: Any = None) -> Any:
            extra = {} if impl is None else {"impl": impl}
            return cel.Overload(
                overload.id,
                cel_type(overload.result),
                [cel_type(p) for p in overload.params],
                is_member=overload.member,
                **extra,
            )

        if name in _SHARED_NAMES:
            decl = [declared(group[0], _dispatcher(group[:1])) for group in groups.values()]
            shared.append(cel.FunctionDecl(name, decl))
            continue
        declarations.append(cel.FunctionDecl(name, [declared(o) for o in overloads]))
        for group in groups.values():
            implementations[group[0].id] = _dispatcher(group)
    return declarations, implementations, cel.CelExtension("kubernetes", shared)


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
    """

    def __init__(self, variables: Mapping[str, str], optional_variables: Mapping[str, str] | None = None) -> None:
        from cel_expr_python import cel
        from cel_expr_python.ext import ext_optional, ext_strings

        self.variables = dict(variables)
        self.optional_variables = dict(optional_variables or {})
        declarations, implementations, extension = _declarations()

        def new_env(variables: Mapping[str, str], *, config: Any = None, bindings: bool = False) -> Any:
            extensions = [ext_strings.ExtStrings(2), ext_optional.ExtOptional(), extension]
            if bindings:
                from cel_expr_python.ext import ext_bindings  # only environments with optional variables

                extensions.append(ext_bindings.ExtBindings())
            return cel.NewEnv(
                types.descriptor_pool(),
                config=config,
                variables={name: cel_type(signature) for name, signature in variables.items()},
                extensions=extensions,
                functions=declarations,
                function_impls=implementations,
            )

        if not self.optional_variables:
            self._check_env = new_env(self.variables)
            # Runs every program; checks rewritten two-variable comprehensions, which need cel.bind.
            self._env = self._rewritten_check_env = new_env(self.variables, bindings=True)
            return
        # The binding can neither declare optional_type(T) variables (only its YAML config can)
        # nor pass optional values in: expressions are checked in an environment that declares
        # them, and run wrapped in cel.bind(name, has ? optional.of(value) : optional.none(), ...)
        # over two hidden variables per optional one.
        config = cel.NewEnvConfigFromYaml(_optional_variables_yaml(self.optional_variables))
        self._check_env = new_env(self.variables, config=config)
        self._rewritten_check_env = new_env(self.variables, config=config, bindings=True)
        hidden = {**self.variables}
        for name, signature in self.optional_variables.items():
            hidden[_has(name)] = "bool"
            hidden[_value(name)] = signature
        self._env = new_env(hidden, bindings=True)

    def compile(self, source: str) -> Program:
        """Parse and type-check ``source``; a CompileError carries cel-go's ``ERROR: <input>:...`` text."""
        checked_source = source
        try:
            checking_env = self._check_env
            try:
                checked = checking_env.compile(source)
            except RuntimeError:
                rewritten = rewrite(source, self._parse)
                if rewritten is None:
                    raise
                checked_source, checking_env = rewritten, self._rewritten_check_env
                checked = checking_env.compile(rewritten)
            if not self.optional_variables:
                program = Program(self, source, checked, checking_env)
            else:
                wrapped = checked_source
                for name in self.optional_variables:
                    wrapped = (
                        f"cel.bind({name}, {_has(name)} ? optional.of({_value(name)}) : optional.none(), {wrapped})"
                    )
                program = Program(self, source, self._env.compile(wrapped), self._env)
        except RuntimeError as exc:
            raise CompileError(compile_message(str(exc))) from None
        program.checked_source = checked_source
        program._ast = decode_checked(checked.serialize())  # positions in the checked source
        return program

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
