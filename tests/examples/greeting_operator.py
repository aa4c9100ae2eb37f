"""A kopf operator, as a project under test would write one: it greets labelled ConfigMaps.

``kopf run`` loads this file; the how-to (test_howto_kopf_operator.py) runs it with KopfRunner.
"""

from __future__ import annotations

from typing import Any

import kopf


@kopf.on.create("v1", "configmaps", labels={"greet": "yes"})
def greet(name: str, patch: kopf.Patch, **_: Any) -> None:
    patch.setdefault("data", {})["greeting"] = f"hello {name}"
