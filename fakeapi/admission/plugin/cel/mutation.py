"""The typed literals of mutations, as maps (k8s.io/apiserver/pkg/cel/mutation).

A MutatingAdmissionPolicy's expressions build what they apply with struct literals of types that
exist only by name: ``Object{spec: Object.spec{replicas: 3}}`` for an ApplyConfiguration and
``JSONPatch{op: "add", path: "/x", value: 1}`` for a JSON patch. Upstream a dynamic type resolver
(``mutation.DynamicTypeResolver``) accepts any type below ``Object`` and any field name, and
the result is read back as plain JSON. The CEL runtime here resolves struct types from protobuf
descriptors only, so the literals are rewritten into map literals with the same fields before
compiling (``Object.spec{replicas: 3}`` becomes ``{"replicas": 3}``); what the expression
evaluates to is then the same JSON. ``?field: value`` initializers keep their optional form.

``jsonpatch.escapeKey(key)`` (library/jsonpatch.go), which escapes a map key for a JSON pointer,
is rewritten the same way into the strings extension's ``replace``:
``(key).replace("~", "~0").replace("/", "~1")``.
"""

from __future__ import annotations

from fakeapi.admission.plugin.cel.tokens import IDENT, SPACE, Token, tokenize

OBJECT_TYPE = "Object"
JSON_PATCH_TYPE = "JSONPatch"
ESCAPE_KEY = ("jsonpatch", ".", "escapeKey", "(")
_ESCAPED = ').replace("~", "~0").replace("/", "~1")'

# Frames of the literal rewriter: a struct literal's braces, and any other bracket.
_STRUCT = "struct"
_OTHER = "other"
# The parentheses of a jsonpatch.escapeKey(...) call.
_ESCAPE = "escape"


def _next_significant(tokens: list[Token], start: int) -> int:
    i = start
    while i < len(tokens) and tokens[i].kind == SPACE:
        i += 1
    return i


def _struct_type_end(tokens: list[Token], start: int) -> int | None:
    """Where the ``{`` of a struct literal starting at ``start`` is, or None if none starts there."""
    if tokens[start].text == JSON_PATCH_TYPE:
        i = _next_significant(tokens, start + 1)
        return i if i < len(tokens) and tokens[i].text == "{" else None
    i = _next_significant(tokens, start + 1)
    while i < len(tokens) and tokens[i].text == ".":
        name = _next_significant(tokens, i + 1)
        if name >= len(tokens) or tokens[name].kind != IDENT:
            return None
        i = _next_significant(tokens, name + 1)
    return i if i < len(tokens) and tokens[i].text == "{" else None


def _escape_key_call(tokens: list[Token], start: int) -> int | None:
    """Where the ``(`` of a ``jsonpatch.escapeKey(`` call starting at ``start`` is, or None."""
    i = start
    for expected in ESCAPE_KEY[1:]:
        i = _next_significant(tokens, i + 1)
        if i >= len(tokens) or tokens[i].text != expected:
            return None
    return i


def rewrite_struct_literals(source: str) -> str:
    """``source`` with every ``Object...{}`` and ``JSONPatch{}`` literal written as a map literal."""
    tokens = tokenize(source)
    out: list[str] = []
    frames: list[str] = []
    # The last two significant tokens' texts: a field starts after "{" or ",", or after "?" that follows them.
    previous = before_previous = ""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind == SPACE:
            out.append(token.text)
            i += 1
            continue
        if token.kind == IDENT and token.text in (OBJECT_TYPE, JSON_PATCH_TYPE) and previous != ".":
            brace = _struct_type_end(tokens, i)
            if brace is not None:
                out.append("{")
                frames.append(_STRUCT)
                previous, before_previous = "{", previous
                i = brace + 1
                continue
        call = _escape_key_call(tokens, i) if token.text == ESCAPE_KEY[0] and previous != "." else None
        if call is not None:
            # The argument's parenthesis closes as ").replace(...)": the frame remembers it.
            out.append("(")
            frames.append(_ESCAPE)
            previous, before_previous = "(", previous
            i = call + 1
            continue
        in_struct = bool(frames) and frames[-1] == _STRUCT
        starts_field = previous in ("{", ",") or (previous == "?" and before_previous in ("{", ","))
        if in_struct and token.kind == IDENT and starts_field:
            colon = _next_significant(tokens, i + 1)
            if colon < len(tokens) and tokens[colon].text == ":":
                out.append(f'"{token.text}"')
                previous, before_previous = token.text, previous
                i += 1
                continue
        if token.text in "([{":
            frames.append(_OTHER)
        elif token.text in ")]}" and frames and frames.pop() == _ESCAPE:
            out.append(_ESCAPED)
            previous, before_previous = ")", previous
            i += 1
            continue
        out.append(token.text)
        previous, before_previous = token.text, previous
        i += 1
    return "".join(out)
