"""Go's encoding/json syntax errors, state by state of scanner.go (src/encoding/json/scanner.go)."""

from __future__ import annotations

import pytest

from fakeapi.apimachinery.gojsonsyntax import MAX_NESTING_DEPTH, syntax_error


@pytest.mark.parametrize(
    "document",
    [b"{}", b" [ ] ", b'{"a":[1,-0.5e+3,true,false,null,"\\u00e9\\n"]}', b"0", b'"\xff"', b"1E9 \n"],
)
def test_what_go_reads_has_no_syntax_error(document: bytes) -> None:
    assert syntax_error(document) is None


@pytest.mark.parametrize(
    ("document", "error"),
    [
        (b"", "unexpected end of JSON input"),
        (b"   ", "unexpected end of JSON input"),
        (b'{"a":', "unexpected end of JSON input"),
        (b'"open', "unexpected end of JSON input"),
        (b"}", "invalid character '}' looking for beginning of value"),
        (b"[1 2]", "invalid character '2' after array element"),
        (b"[1,]", "invalid character ']' looking for beginning of value"),
        (b'{"a" 1}', "invalid character '1' after object key"),
        (b'{"a":1 "b":2}', "invalid character '\"' after object key:value pair"),
        (b"{'a':1}", "invalid character '\\'' looking for beginning of object key string"),
        (b"[]]", "invalid character ']' after top-level value"),
        (b'"a\\x"', "invalid character 'x' in string escape code"),
        (b'"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"),
        (b'"a\x01"', "invalid character '\\x01' in string literal"),
        (b"-a", "invalid character 'a' in numeric literal"),
        (b"01", "invalid character '1' after top-level value"),
        (b"1.e5", "invalid character 'e' after decimal point in numeric literal"),
        (b"1e+", "invalid character ' ' in exponent of numeric literal"),
        (b"trUe", "invalid character 'U' in literal true (expecting 'u')"),
        (b"fals", "invalid character ' ' in literal false (expecting 'e')"),
        (b"nul", "invalid character ' ' in literal null (expecting 'l')"),
        (b"NaN", "invalid character 'N' looking for beginning of value"),
        # A byte above 0x7f is named as the code point of that number (string(byte) in Go).
        (b"\xc3\xa9", "invalid character '\u00c3' looking for beginning of value"),
        (b"\x85", "invalid character '\\u0085' looking for beginning of value"),
        (b"[" * (MAX_NESTING_DEPTH + 1), "invalid character '[' exceeded max depth"),
    ],
)
def test_a_syntax_error_is_worded_as_go_words_it(document: bytes, error: str) -> None:
    assert syntax_error(document) == error
