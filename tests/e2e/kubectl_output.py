"""Reading what kubectl prints: the column tables of ``kubectl get`` and ``kubectl api-resources``."""

from __future__ import annotations

import re


def table_rows(text: str) -> list[dict[str, str]]:
    """kubectl's rows as title -> cell, cut at the header's column offsets (cells may be empty).

    Column titles may hold one space ("CREATED AT"); columns are at least two spaces apart.
    """
    header, *lines = [line for line in text.splitlines() if line.strip()]
    found = list(re.finditer(r"\S+(?: \S+)*", header))
    titles = [match.group() for match in found]
    starts = [match.start() for match in found]
    bounds = list(zip(starts, [*starts[1:], None], strict=True))
    return [{title: line[a:b].strip() for title, (a, b) in zip(titles, bounds, strict=True)} for line in lines]
