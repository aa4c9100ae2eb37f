"""The plugin is tested with pytest's own ``pytester``: inner test sessions run the plugin for real."""

from __future__ import annotations

pytest_plugins = ["pytester"]
