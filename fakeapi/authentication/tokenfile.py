"""``--token-auth-file``: static bearer tokens from a CSV file (apiserver pkg/authentication/token/tokenfile/tokenfile.go).

Each record is ``token,user,uid[,"group1,group2,..."]``; more columns are ignored. As upstream
reads it with Go's csv reader (``FieldsPerRecord = -1``, no comment character, leading spaces
kept): a record with fewer than three columns fails the whole file, a record with an empty token
is skipped, and a token given twice belongs to its last record.
"""

from __future__ import annotations

import csv
from pathlib import Path

from fakeapi.endpoints.request import UserInfo


class TokenFileError(ValueError):
    """A token file upstream's NewCSV refuses; ``str()`` is its error text."""


def read_token_file(path: Path) -> dict[str, UserInfo]:
    """The users of every token of the CSV file at ``path``."""
    tokens: dict[str, UserInfo] = {}
    try:
        with path.open(newline="", encoding="utf-8") as file:
            records = list(csv.reader(file, strict=True))
    except csv.Error as exc:
        raise TokenFileError(f"token file '{path}': {exc}") from None
    for record in records:
        if not record:
            continue  # Go's csv reader skips empty lines
        if len(record) < 3:
            raise TokenFileError(
                f"token file '{path}' must have at least 3 columns (token, user name, user uid), found {len(record)}"
            )
        token, name, uid = record[0], record[1], record[2]
        if not token:
            continue
        groups = tuple(record[3].split(",")) if len(record) >= 4 else ()
        tokens[token] = UserInfo(name, groups, uid)
    return tokens
