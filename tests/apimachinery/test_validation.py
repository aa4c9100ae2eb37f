"""Name validation as apimachinery/pkg/util/validation/validation.go: Go's "^...$" ends at the end of the text."""

from __future__ import annotations

import pytest

from fakeapi.apimachinery.validation import is_dns1035_label, is_dns1123_label, is_dns1123_subdomain


@pytest.mark.parametrize("check", [is_dns1123_label, is_dns1123_subdomain, is_dns1035_label])
def test_a_final_newline_is_not_part_of_a_valid_name(check) -> None:  # type: ignore[no-untyped-def]
    assert check("abc") == []
    assert check("abc\n") != []
