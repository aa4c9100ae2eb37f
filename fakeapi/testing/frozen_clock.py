"""freezegun and the clients a test drives: what a frozen clock needs to leave them working.

Two things break the natural ``@freeze_time(...)`` on a test that uses the `kubernetes` client:

- ``freeze_time`` reads every attribute of every loaded module when it starts; the client
  loads its ~900 models lazily on attribute access, so that scan imports all of them, slowly,
  with ``datetime.datetime`` already replaced by freezegun's ``FakeDatetime``. Modules on
  freezegun's ignore list are not scanned (and read the real clock, which the client only
  uses for its own token expiry).
- API classes first used inside the freeze import their pydantic models then, and pydantic
  cannot build a schema for ``FakeDatetime`` (``PydanticSchemaGenerationError``). freezegun's
  fake classes are subclasses of the real ones; told so, pydantic validates and serializes
  them as datetimes and dates.

And one breaks every server made after a freeze: cryptography looks ``datetime.datetime`` up
once, the first time it signs a certificate, and checks every later validity date against that
class. Looked up inside a freeze, it is ``FakeDatetime``, and no real datetime passes afterwards
(a test's own server, made outside the freeze after a frozen test made the session server). A
certificate signed before any freeze makes it look up the real class, which freezegun's
subclass passes.

The pytest plugin calls :func:`prepare_freezegun` before each test once freezegun is loaded.
"""

from __future__ import annotations

import functools
from typing import Any

# Prefixes, as freezegun's ignore list matches module names: the `kubernetes` client, and with it
# kubernetes_asyncio; and pytest's clock, whose --durations would otherwise time a frozen setup in years.
IGNORED_MODULES = ("kubernetes", "_pytest.timing")


@functools.cache
def prepare_freezegun() -> None:
    """Put the client libraries on freezegun's ignore list and teach pydantic freezegun's classes (once)."""
    import freezegun
    from freezegun.api import FakeDate, FakeDatetime

    freezegun.configure(extend_ignore_list=list(IGNORED_MODULES))
    from fakeapi.certs.pki import CertificateAuthority

    CertificateAuthority.create("fakeapi-freezegun-primer")
    try:
        from pydantic_core import core_schema
    except ImportError:  # no pydantic, no models to build
        return

    def datetime_schema(cls: type, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.datetime_schema()

    def date_schema(cls: type, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.date_schema()

    FakeDatetime.__get_pydantic_core_schema__ = classmethod(datetime_schema)  # type: ignore[attr-defined]
    FakeDate.__get_pydantic_core_schema__ = classmethod(date_schema)  # type: ignore[attr-defined]


__all__ = ["IGNORED_MODULES", "prepare_freezegun"]
