"""The plugin is tested with pytest's own ``pytester`` (enabled in pyproject.toml): inner sessions run it for real.

In-process inner sessions forget the modules they imported when they end, so a module imported
first inside one is imported again by the next. cryptography's compiled core cannot be loaded
twice (its classes would no longer match), so the server is imported here, in the outer session,
where the plugin itself no longer imports it.
"""

from __future__ import annotations

import fakeapi.server.instance  # noqa: F401
