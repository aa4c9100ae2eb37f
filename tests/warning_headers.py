"""The texts of a response's ``Warning: 299 - "..."`` headers, as kubectl prints them."""

from __future__ import annotations

import json

from fakeapi.server.instance import Response


def warnings_of(response: Response) -> list[str]:
    return [json.loads(value.removeprefix("299 - ")) for key, value in response.headers if key == "Warning"]
