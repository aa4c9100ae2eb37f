"""The fakeapi pytest plugin: fixtures and hooks over fakeapi's public API, and nothing else.

One server starts per pytest session (per xdist worker: each worker is its own session, with
its own port and CA); each test gets a ``fakeapi`` handle on it with the state reset and the
test's seed applied, so what one test creates the next never sees. A test marked
``@pytest.mark.fakeapi(...)`` with settings the session server does not have gets a server of
its own; ``fakeapi_factory`` starts more servers in one test. Errors raised in a server's
threads fail the test that was running. docs/plugin.md describes every fixture and option.
"""

from __future__ import annotations

import dataclasses
import gc
import sys
import warnings
from collections.abc import Generator, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from fakeapi.pytest_plugin import options, tracing
from fakeapi.pytest_plugin.kube_tools import ToolRunner, helm_runner, kubectl_runner
from fakeapi.util.clock import real_monotonic

# fakeapi itself is imported by the fixtures that need it, not here: pytest loads this module in
# every session of a project that has fakeapi installed, and importing the server costs ~0.3 s.
if TYPE_CHECKING:
    from fakeapi import FakeAPIServer, ServerConfig
    from fakeapi.certs.kubeconfig import KubeconfigPath
    from fakeapi.pytest_plugin.handle import FakeAPI, FakeAPIServerError
    from fakeapi.testing.factories import Factories

# The handles a test used, so the hooks can check their servers after the test body.
_HANDLES = pytest.StashKey[list["FakeAPI"]]()


def __getattr__(name: str) -> Any:
    """``from fakeapi.pytest_plugin.plugin import FakeAPI`` (and FakeAPIServerError), imported on first use."""
    if name in ("FakeAPI", "FakeAPIServerError"):
        from fakeapi.pytest_plugin import handle

        return getattr(handle, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class FakeAPIFactory(Protocol):
    """``fakeapi_factory(**config)``: one more running server for this test."""

    def __call__(self, **config: Any) -> FakeAPI: ...


# -- hooks ------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{options.MARKER}(**settings): ServerConfig fields for this test's server (seed=..., controllers=[...], "
        "runtime_config=[...], ...); settings the session server lacks give the test a server of its own; "
        'freeze="2030-01-02T03:04:05Z" freezes the clock (freezegun) before the cluster is reset',
    )


def pytest_report_header(config: pytest.Config) -> str:
    """The settings given to the plugin (the others are ServerConfig's defaults), the seed and trace modes."""
    given = [f"{o.name}={text}" for o in options.SERVER_OPTIONS if (text := options.raw_value(config, o))]
    seed = options.raw_value(config, options.SEED_OPTION) or options.SEED_FROM_NODEID
    return f"fakeapi: {', '.join([*given, f'seed={seed}', f'trace={tracing.mode(config)}'])}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Note each phase for the test's trace; write the trace once the test is over, if one is due."""
    # The phase ended before pytest writes its report (a failure's text takes a while to build).
    ended = real_monotonic()
    report = yield
    handles: list[FakeAPI] = item.stash.get(_HANDLES, [])
    tracing.record_phase(item, call, report, handles, ended)
    return report


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Once a test module has loaded freezegun, make its freezes safe for the `kubernetes` client.

    Done here, not at start-up, because importing freezegun costs ~0.15 s a session that does
    not use it should not pay; and before the fixtures, so ``@freeze_time`` and the marker's
    ``freeze`` find it done.
    """
    if "freezegun" in sys.modules:
        from fakeapi.testing.frozen_clock import prepare_freezegun

        prepare_freezegun()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail the test, not a later one, when a server hit an error in its threads while it ran."""
    __tracebackhide__ = True
    try:
        yield
    except BaseException as exc:
        for error in _server_errors(item):
            exc.add_note(f"fakeapi: the server also raised: {error}")
        raise
    errors = _server_errors(item)
    if errors:
        raise errors[0]


def _server_errors(item: pytest.Item) -> list[FakeAPIServerError]:
    __tracebackhide__ = True
    from fakeapi.pytest_plugin.handle import FakeAPIServerError

    found = []
    for handle in item.stash.get(_HANDLES, []):
        try:
            handle.check()
        except FakeAPIServerError as error:
            found.append(error)
    return found


def _track(request: pytest.FixtureRequest, handle: FakeAPI) -> FakeAPI:
    request.node.stash.setdefault(_HANDLES, []).append(handle)
    return handle


# -- configuration ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fakeapi_config(pytestconfig: pytest.Config) -> ServerConfig:
    """The session server's configuration, from the options; override it in a conftest to change it."""
    return options.server_config(pytestconfig)


@pytest.fixture
def fakeapi_seed(request: pytest.FixtureRequest) -> int | str | None:
    """The test's seed: the marker's ``seed``, else ``--fakeapi-seed``, else a hash of the test's node id."""
    marked = options.marker_overrides(request.node)
    if "seed" in marked:
        seed: int | str | None = marked["seed"]
        return seed
    text = options.raw_value(request.config, options.SEED_OPTION) or options.SEED_FROM_NODEID
    return options.parse_seed(text, request.node.nodeid)


# -- servers ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fakeapi_server(fakeapi_config: ServerConfig) -> Iterator[FakeAPIServer]:
    """The session's server, started on first use and stopped at the end of the session."""
    with _new_server(fakeapi_config, "fakeapi options") as server:
        yield server


@pytest.fixture(scope="session")
def fakeapi_kubeconfig(fakeapi_server: FakeAPIServer, tmp_path_factory: pytest.TempPathFactory) -> KubeconfigPath:
    """The session server's admin kubeconfig (the ``fakeapi`` fixture rewrites it before each test).

    A ``str`` that is also ``os.PathLike``: every client that takes a kubeconfig path takes it.
    """
    from fakeapi.certs.kubeconfig import KubeconfigPath

    return KubeconfigPath(fakeapi_server.write_kubeconfig(tmp_path_factory.mktemp("fakeapi") / "kubeconfig"))


@pytest.fixture
def fakeapi(
    request: pytest.FixtureRequest,
    fakeapi_config: ServerConfig,
    fakeapi_seed: int | str | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[FakeAPI]:
    """A clean cluster for this test: the session server reset, or a server of its own for a marked test.

    With the marker's ``freeze``, the clock is frozen from before the reset to the end of the test.
    """
    marked = options.marker_overrides(request.node)
    with _frozen(marked.get("freeze")):
        yield from _clean_cluster(request, fakeapi_config, fakeapi_seed, tmp_path_factory, marked)


def _frozen(when: str | None) -> AbstractContextManager[object]:
    """freezegun's freeze at ``when`` (imported only then: a suite that never freezes need not have it)."""
    if when is None:
        return nullcontext()
    from freezegun import freeze_time

    from fakeapi.testing.frozen_clock import prepare_freezegun

    prepare_freezegun()
    return freeze_time(when)


def _clean_cluster(
    request: pytest.FixtureRequest,
    fakeapi_config: ServerConfig,
    fakeapi_seed: int | str | None,
    tmp_path_factory: pytest.TempPathFactory,
    marked: dict[str, Any],
) -> Iterator[FakeAPI]:
    """The ``fakeapi`` fixture's body, as a generator the fixture runs inside the marker's freeze."""
    from fakeapi.pytest_plugin.handle import FakeAPI

    config = options.config_for_test(fakeapi_config, marked)
    if config != fakeapi_config:
        with _running(config, marked, fakeapi_seed, tmp_path_factory, f"@pytest.mark.{options.MARKER}") as handle:
            yield _track(request, handle)
        return
    server: FakeAPIServer = request.getfixturevalue("fakeapi_server")
    kubeconfig: KubeconfigPath = request.getfixturevalue("fakeapi_kubeconfig")
    # reset() also puts back certificates a test rotated; the kubeconfig is rewritten from them because
    # the test may have rewritten it (write_kubeconfig) while its rotated certificates were in force.
    server.reset(seed=fakeapi_seed)
    server.write_kubeconfig(kubeconfig)
    handle = _track(request, FakeAPI(server, kubeconfig, fakeapi_seed))
    handle.check()
    yield handle
    _finish(handle)
    handle.check()


@pytest.fixture
def fakeapi_factory(
    request: pytest.FixtureRequest,
    fakeapi_config: ServerConfig,
    fakeapi_seed: int | str | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[FakeAPIFactory]:
    """Start more servers in one test (several clusters); all are stopped and checked at teardown.

    ``fakeapi_factory(**settings)`` takes ServerConfig fields, applied to ``fakeapi_config`` as the
    marker's are. Each server gets its own seed derived from the test's.
    """
    with ExitStack() as stack:
        started = 0

        def start(**settings: Any) -> FakeAPI:
            nonlocal started
            options.check_settings(settings, "fakeapi_factory()")
            derived = None if fakeapi_seed is None else f"{fakeapi_seed}/{started}"
            started += 1
            config = options.config_for_test(fakeapi_config, settings)
            seed = settings.get("seed", derived)
            running = _running(config, settings, seed, tmp_path_factory, "fakeapi_factory()")
            return _track(request, stack.enter_context(running))

        yield start


def _new_server(config: ServerConfig, where: str) -> FakeAPIServer:
    """A started server for ``config``; a setting the server refuses (an unknown controller) fails the test with its message."""
    from fakeapi import FakeAPIServer

    # Making and starting a server makes a few hundred thousand objects that live as long as it
    # does: collections meanwhile find no garbage and would take about a tenth of the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return FakeAPIServer(config).start()
    except ValueError as exc:
        pytest.fail(f"{where}: {exc}", pytrace=False)
    finally:
        if collecting:
            gc.enable()


@contextmanager
def _running(
    config: ServerConfig,
    settings: dict[str, Any],
    seed: int | str | None,
    tmp_path_factory: pytest.TempPathFactory,
    where: str,
) -> Iterator[FakeAPI]:
    """A server of its own, seeded, stopped then checked on exit.

    It listens on a free port unless ``settings`` name one: the session's port, if fixed, is taken.
    """
    from fakeapi.pytest_plugin.handle import FakeAPI

    server = _new_server(dataclasses.replace(config, seed=seed, port=settings.get("port", 0)), where)
    # As after a reset: the test sees only its own requests, not the bootstrap's.
    server.audit_log.clear()
    server.watch_events.clear()
    try:
        handle = FakeAPI(server, server.write_kubeconfig(tmp_path_factory.mktemp("fakeapi") / "kubeconfig"), seed)
        try:
            yield handle
        finally:
            _finish(handle)
    finally:
        server.stop()
    handle.check()


def _finish(handle: FakeAPI) -> None:
    """The test is over: report the fault rules that never applied, close the clients the handle made."""
    from fakeapi.testing.faults import UnmatchedFaultWarning

    for rule in handle.faults.unmatched():
        warnings.warn(
            f"fakeapi: a fault rule never matched a request: {rule.description}", UnmatchedFaultWarning, stacklevel=1
        )
    handle.close()


# -- helpers for tests ------------------------------------------------------------------------


@pytest.fixture
def fakeapi_factories(fakeapi_seed: int | str | None) -> Factories:
    """Builders of valid objects with realistic fake data, seeded with the test's seed."""
    from fakeapi.testing.factories import Factories

    return Factories(fakeapi_seed)


@pytest.fixture
def fakeapi_kubeconfig_env(fakeapi: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAPI:
    """Point ``KUBECONFIG`` at the test's cluster, for code that calls ``load_kube_config()`` bare.

    The `kubernetes` client reads ``KUBECONFIG`` once, when it is imported, so its remembered
    default is patched too when it is already loaded.
    """
    monkeypatch.setenv("KUBECONFIG", fakeapi.kubeconfig)
    kube_config = sys.modules.get("kubernetes.config.kube_config")
    if kube_config is not None:
        monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", fakeapi.kubeconfig)
    return fakeapi


@pytest.fixture
def kubectl(fakeapi: FakeAPI, tmp_path_factory: pytest.TempPathFactory) -> ToolRunner:
    """Run the real kubectl against the test's cluster: ``kubectl("get", "pods")`` returns the finished process.

    The binary is ``$FAKEAPI_KUBECTL``, else kubectl on PATH; without one the test is skipped. Its
    home is a directory of its own, not the test's ``tmp_path``, which stays the test's.
    """
    return kubectl_runner(fakeapi.kubeconfig, tmp_path_factory.mktemp("kubectl-home"))


@pytest.fixture
def helm(fakeapi: FakeAPI, tmp_path_factory: pytest.TempPathFactory) -> ToolRunner:
    """Run the real helm against the test's cluster, as ``kubectl`` runs kubectl (``$FAKEAPI_HELM``, else PATH)."""
    return helm_runner(fakeapi.kubeconfig, tmp_path_factory.mktemp("helm-home"))
