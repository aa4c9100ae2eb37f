"""Go's encoding/json on malformed JSON: the syntax error texts of its scanner (scanner.go).

kube-apiserver decodes JSON bodies with Go's encoding/json, and a body it cannot read is
answered with the scanner's text (``couldn't get version/kind; json parse error: invalid
character 'b' looking for beginning of object key string``). Python's json module reads the same
documents but words its errors differently (and reads ``NaN``, which Go refuses: see
``jsonutil.decode_json``). When a body does not decode, ``syntax_error`` runs Go's state machine
over its bytes to say why in Go's words; only failures pay for the scan (and import this module).
"""

from __future__ import annotations

from collections.abc import Callable

from fakeapi.apimachinery.gofmt import go_quote

# scanner.go maxNestingDepth
MAX_NESTING_DEPTH = 10000
UNEXPECTED_END = "unexpected end of JSON input"
_SPACE = b" \t\r\n"
_HEX = b"0123456789abcdefABCDEF"
_DIGITS = b"0123456789"

# parseState values
_OBJECT_KEY, _OBJECT_VALUE, _ARRAY_VALUE = range(3)


def syntax_error(data: bytes | str) -> str | None:
    """The SyntaxError text of Go's checkValid for ``data``; None when Go's scanner accepts it."""
    raw = data.encode() if isinstance(data, str) else data
    scanner = _Scanner()
    for byte in raw:
        scanner.step(byte)
        if scanner.error is not None:
            return scanner.error
    return scanner.eof()


def _quote_char(byte: int) -> str:
    """quoteChar: the byte as a quoted character literal (a byte above 0x7f read as that code point)."""
    if byte == ord("'"):
        return "'\\''"
    if byte == ord('"'):
        return "'\"'"
    return "'" + go_quote(chr(byte))[1:-1] + "'"


class _Scanner:
    """scanner.go's state machine, for its errors only: ``step`` is the state function for the next byte."""

    def __init__(self) -> None:
        self.step: Callable[[int], None] = self._begin_value
        self.parse_state: list[int] = []
        self.end_top = False
        self.error: str | None = None

    def eof(self) -> str | None:
        if self.error is not None or self.end_top:
            return self.error
        self.step(ord(" "))
        if self.end_top:
            return None
        return self.error or UNEXPECTED_END

    def _fail(self, byte: int, context: str) -> None:
        self.step = self._failed
        self.error = f"invalid character {_quote_char(byte)} {context}"

    def _failed(self, byte: int) -> None:
        """stateError: nothing more to say."""

    def _push(self, byte: int, state: int) -> None:
        self.parse_state.append(state)
        if len(self.parse_state) > MAX_NESTING_DEPTH:
            self._fail(byte, "exceeded max depth")

    def _pop(self) -> None:
        self.parse_state.pop()
        if not self.parse_state:
            self.step, self.end_top = self._end_top, True
        else:
            self.step = self._end_value

    def _begin_value_or_empty(self, byte: int) -> None:
        """After ``[``."""
        if byte in _SPACE:
            return
        if byte == ord("]"):
            self._end_value(byte)
        else:
            self._begin_value(byte)

    def _begin_value(self, byte: int) -> None:
        if byte in _SPACE:
            return
        char = chr(byte)
        if char == "{":
            self.step = self._begin_string_or_empty
            self._push(byte, _OBJECT_KEY)
        elif char == "[":
            self.step = self._begin_value_or_empty
            self._push(byte, _ARRAY_VALUE)
        elif char == '"':
            self.step = self._in_string
        elif char == "-":
            self.step = self._negative
        elif char == "0":
            self.step = self._zero
        elif char in "tfn":
            self.step = self._literal({"t": "true", "f": "false", "n": "null"}[char], 1)
        elif "1" <= char <= "9":
            self.step = self._integer
        else:
            self._fail(byte, "looking for beginning of value")

    def _begin_string_or_empty(self, byte: int) -> None:
        """After ``{``."""
        if byte in _SPACE:
            return
        if byte == ord("}"):
            self.parse_state[-1] = _OBJECT_VALUE
            self._end_value(byte)
        else:
            self._begin_string(byte)

    def _begin_string(self, byte: int) -> None:
        """After ``{"key": value,``."""
        if byte in _SPACE:
            return
        if byte == ord('"'):
            self.step = self._in_string
        else:
            self._fail(byte, "looking for beginning of object key string")

    def _end_value(self, byte: int) -> None:
        """After a complete value (``{}``, ``true``, ``["x"``)."""
        if not self.parse_state:
            self.step, self.end_top = self._end_top, True
            self._end_top(byte)
            return
        if byte in _SPACE:
            self.step = self._end_value
            return
        state, char = self.parse_state[-1], chr(byte)
        if state == _OBJECT_KEY:
            if char == ":":
                self.parse_state[-1] = _OBJECT_VALUE
                self.step = self._begin_value
            else:
                self._fail(byte, "after object key")
        elif state == _OBJECT_VALUE:
            if char == ",":
                self.parse_state[-1] = _OBJECT_KEY
                self.step = self._begin_string
            elif char == "}":
                self._pop()
            else:
                self._fail(byte, "after object key:value pair")
        elif char == ",":
            self.step = self._begin_value
        elif char == "]":
            self._pop()
        else:
            self._fail(byte, "after array element")

    def _end_top(self, byte: int) -> None:
        if byte not in _SPACE:
            self._fail(byte, "after top-level value")

    def _in_string(self, byte: int) -> None:
        if byte == ord('"'):
            self.step = self._end_value
        elif byte == ord("\\"):
            self.step = self._in_string_escape
        elif byte < 0x20:
            self._fail(byte, "in string literal")

    def _in_string_escape(self, byte: int) -> None:
        if chr(byte) in 'bfnrt\\/"':
            self.step = self._in_string
        elif byte == ord("u"):
            self.step = self._unicode_escape(4)
        else:
            self._fail(byte, "in string escape code")

    def _unicode_escape(self, remaining: int) -> Callable[[int], None]:
        def step(byte: int) -> None:
            if byte not in _HEX:
                self._fail(byte, "in \\u hexadecimal character escape")
            else:
                self.step = self._in_string if remaining == 1 else self._unicode_escape(remaining - 1)

        return step

    def _negative(self, byte: int) -> None:
        if byte == ord("0"):
            self.step = self._zero
        elif byte in _DIGITS:
            self.step = self._integer
        else:
            self._fail(byte, "in numeric literal")

    def _integer(self, byte: int) -> None:
        """state1: after a non-zero integer."""
        if byte in _DIGITS:
            return
        self._zero(byte)

    def _zero(self, byte: int) -> None:
        """state0: after ``0`` (or a whole integer)."""
        if byte == ord("."):
            self.step = self._dot
        elif byte in b"eE":
            self.step = self._exponent
        else:
            self._end_value(byte)

    def _dot(self, byte: int) -> None:
        if byte in _DIGITS:
            self.step = self._fraction
        else:
            self._fail(byte, "after decimal point in numeric literal")

    def _fraction(self, byte: int) -> None:
        if byte in _DIGITS:
            return
        if byte in b"eE":
            self.step = self._exponent
        else:
            self._end_value(byte)

    def _exponent(self, byte: int) -> None:
        if byte in b"+-":
            self.step = self._exponent_sign
        else:
            self._exponent_sign(byte)

    def _exponent_sign(self, byte: int) -> None:
        if byte in _DIGITS:
            self.step = self._exponent_digits
        else:
            self._fail(byte, "in exponent of numeric literal")

    def _exponent_digits(self, byte: int) -> None:
        if byte not in _DIGITS:
            self._end_value(byte)

    def _literal(self, word: str, index: int) -> Callable[[int], None]:
        """The states inside ``true``, ``false`` or ``null``: ``index`` letters read."""

        def step(byte: int) -> None:
            expected = word[index]
            if chr(byte) != expected:
                self._fail(byte, f"in literal {word} (expecting '{expected}')")
            elif index + 1 == len(word):
                self.step = self._end_value
            else:
                self.step = self._literal(word, index + 1)

        return step


__all__ = ["MAX_NESTING_DEPTH", "UNEXPECTED_END", "syntax_error"]
