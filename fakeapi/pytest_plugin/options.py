"""The plugin's configuration: command-line and ini options, environment variables, the marker.

Every option has three spellings: ``--fakeapi-controllers`` on the command line,
``fakeapi_controllers`` in the ini file, ``FAKEAPI_CONTROLLERS`` in the environment; the
first one given wins, in that order. The ``fakeapi_config`` and ``fakeapi_seed`` fixtures
build on them, and a conftest overriding those fixtures wins over all three.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# ServerConfig is imported where it is used: loading the plugin must not import the server.
if TYPE_CHECKING:
    from fakeapi.server.instance import ServerConfig

MARKER = "fakeapi"
# --fakeapi-seed values that are not seeds: derive one from the test's node id, or none at all.
SEED_FROM_NODEID = "nodeid"
SEED_RANDOM = "random"
# ServerConfig fields that a reset applies to the shared server, so a marker setting only
# these does not need a server of its own.
RESET_FIELDS = frozenset({"seed"})
# Marker settings that are about the test, not its server: ``freeze`` starts freezegun's clock
# at that time before the cluster is reset, so the bootstrap objects carry the frozen time too.
TEST_SETTINGS = frozenset({"freeze"})


def _comma_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@dataclass(frozen=True)
class Option:
    """One setting, under its three spellings."""

    name: str
    help: str
    parse: Callable[[str], Any] = str

    @property
    def flag(self) -> str:
        return "--fakeapi-" + self.name.replace("_", "-")

    @property
    def ini(self) -> str:
        return "fakeapi_" + self.name

    @property
    def env(self) -> str:
        return "FAKEAPI_" + self.name.upper()


SERVER_OPTIONS = (
    Option(
        "runtime_config",
        "APIs to enable or disable, as kube-apiserver's --runtime-config (comma-separated, e.g. batch/v1=false)",
        _comma_list,
    ),
    Option(
        "controllers",
        "controllers to run, as kube-controller-manager's --controllers (comma-separated, e.g. *,-garbagecollector)",
        _comma_list,
    ),
    Option("kubernetes_version", "the version /version reports (default v1.37.0)"),
    Option("authorization_mode", "AlwaysAllow (default), RBAC, AlwaysDeny, or a comma-separated list"),
)
SEED_OPTION = Option(
    "seed",
    f"seed of uids, generateName suffixes and fake data: {SEED_FROM_NODEID!r} (default: one per test, "
    f"from its node id), {SEED_RANDOM!r} (unseeded), or a fixed integer or string",
)


# --fakeapi-trace: as pytest-playwright's --tracing, a trace file per test always, never, or for failures only.
TRACE_OFF = "off"
TRACE_ON = "on"
TRACE_RETAIN_ON_FAILURE = "retain-on-failure"
TRACE_MODES = (TRACE_OFF, TRACE_ON, TRACE_RETAIN_ON_FAILURE)
TRACE_OPTION = Option(
    "trace",
    f"write a trace viewer file per test: {', '.join(TRACE_MODES)} (default {TRACE_RETAIN_ON_FAILURE})",
)
# pytest-playwright's --output default: each test's artefacts in a folder of its own under it.
DEFAULT_TRACE_DIR = "test-results"
TRACE_DIR_OPTION = Option(
    "trace_dir",
    f"where trace files go, relative to pytest's working directory (default {DEFAULT_TRACE_DIR})",
)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("fakeapi", "fakeapi: an in-memory Kubernetes API server")
    for option in (*SERVER_OPTIONS, SEED_OPTION, TRACE_OPTION, TRACE_DIR_OPTION):
        help_text = f"{option.help} [ini: {option.ini}; env: {option.env}]"
        group.addoption(option.flag, dest=option.ini, default=None, metavar="VALUE", help=help_text)
        parser.addini(option.ini, option.help, default="")


def raw_value(config: pytest.Config, option: Option) -> str | None:
    """The option's text: the command line's, else the ini file's, else the environment's."""
    for value in (config.getoption(option.ini), config.getini(option.ini), os.environ.get(option.env)):
        if value:
            return str(value)
    return None


def server_config(config: pytest.Config) -> ServerConfig:
    """The session server's ServerConfig from the options (ServerConfig's defaults elsewhere)."""
    from fakeapi.server.instance import ServerConfig

    values = {o.name: o.parse(text) for o in SERVER_OPTIONS if (text := raw_value(config, o)) is not None}
    return ServerConfig(**values)


def trace_mode(config: pytest.Config) -> str:
    """The --fakeapi-trace mode; a usage error names the valid ones."""
    mode = raw_value(config, TRACE_OPTION) or TRACE_RETAIN_ON_FAILURE
    if mode not in TRACE_MODES:
        raise pytest.UsageError(
            f"{TRACE_OPTION.flag} (or {TRACE_OPTION.ini}, {TRACE_OPTION.env}): {mode!r} is not one of {', '.join(TRACE_MODES)}"
        )
    return mode


def trace_dir(config: pytest.Config) -> Path:
    """Where trace files go: --fakeapi-trace-dir, relative to pytest's working directory (not the test's)."""
    return config.invocation_params.dir / (raw_value(config, TRACE_DIR_OPTION) or DEFAULT_TRACE_DIR)


def parse_seed(text: str, nodeid: str) -> int | str | None:
    """A test's seed from the --fakeapi-seed text."""
    if text == SEED_RANDOM:
        return None
    if text == SEED_FROM_NODEID:
        return nodeid_seed(nodeid)
    return int(text) if text.lstrip("-").isdigit() else text


def nodeid_seed(nodeid: str) -> int:
    """A stable seed from a node id: the same on every run, every machine and every xdist worker."""
    return int.from_bytes(hashlib.sha256(nodeid.encode()).digest()[:8], "big")


def marker_overrides(node: pytest.Item) -> dict[str, Any]:
    """The ``fakeapi`` marker's keyword arguments, the closest marker winning (function over class over module)."""
    overrides: dict[str, Any] = {}
    for marker in reversed(list(node.iter_markers(MARKER))):
        if marker.args:
            pytest.fail(f"@pytest.mark.{MARKER} takes keyword arguments only, got {marker.args!r}", pytrace=False)
        overrides.update(marker.kwargs)
    check_settings(overrides, f"@pytest.mark.{MARKER}", also=TEST_SETTINGS)
    return overrides


def check_settings(settings: dict[str, Any], where: str, *, also: frozenset[str] = frozenset()) -> None:
    """Fail the test, naming the valid ones, when ``settings`` has a key that is no ServerConfig field nor in ``also``."""
    from fakeapi.server.instance import ServerConfig

    known = {f.name for f in dataclasses.fields(ServerConfig)} | also
    unknown = sorted(set(settings) - known)
    if unknown:
        pytest.fail(
            f"{where}: unknown option(s) {', '.join(unknown)}; valid: {', '.join(sorted(known))}",
            pytrace=False,
        )


def config_for_test(session: ServerConfig, overrides: dict[str, Any]) -> ServerConfig:
    """The ServerConfig a marked test needs: the session's, changed by the marker.

    A ``controllers`` list made only of ``-name`` entries leaves those controllers out of the
    session's set (``["-garbagecollector"]`` is everything the session runs but the garbage
    collector); any other list replaces it. ``runtime_config`` entries are added after the
    session's, so they override the same keys as later flags do.
    """
    changes = {k: v for k, v in overrides.items() if k not in RESET_FIELDS | TEST_SETTINGS}
    controllers = changes.get("controllers")
    if controllers is not None and all(str(c).startswith("-") for c in controllers):
        changes["controllers"] = [*session.controllers, *controllers]
    if "runtime_config" in changes:
        changes["runtime_config"] = [*session.runtime_config, *changes["runtime_config"]]
    return dataclasses.replace(session, **changes)


__all__ = [
    "MARKER",
    "SEED_FROM_NODEID",
    "SEED_OPTION",
    "SEED_RANDOM",
    "SERVER_OPTIONS",
    "TEST_SETTINGS",
    "TRACE_DIR_OPTION",
    "TRACE_MODES",
    "TRACE_OFF",
    "TRACE_ON",
    "TRACE_OPTION",
    "TRACE_RETAIN_ON_FAILURE",
    "Option",
    "add_options",
    "check_settings",
    "config_for_test",
    "marker_overrides",
    "nodeid_seed",
    "parse_seed",
    "raw_value",
    "server_config",
    "trace_dir",
    "trace_mode",
]
