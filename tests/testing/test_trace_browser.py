"""The trace viewer in a real browser: Debian's headless Chromium, driven by Playwright for Python.

One test opens the trace a failing example test left (``tests/examples/failing_scaler.py``),
filters it to one object, steps to moments on the timeline and reads the diff between two
versions; the other opens the live view of a running ``fakeapi serve --ui`` through
``kubectl proxy`` and sees a ``kubectl apply`` appear. Screenshots of each step are kept under
``test-results/browser/`` in pytest's working directory (a CI artefact, not committed).

Skipped, saying why, where Chromium or Playwright is missing; ``.ci/run`` installs both
(Playwright's own browser downloads are not used: it drives ``/usr/bin/chromium``).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakeapi.pytest_plugin.kube_tools import kubectl_runner

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TIMEOUT_MS = 20_000
START_TIMEOUT = 30.0


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is not installed (pip install -e '.[test]')"
    )
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page; a JavaScript error on it fails the test."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.set_default_timeout(TIMEOUT_MS)
    yield opened
    context.close()
    assert not errors, f"the viewer raised: {errors}"


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Path:
    folder = request.config.invocation_params.dir / "test-results" / "browser" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_trace_of_a_failing_test(pytester: pytest.Pytester, page: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    pytester.makepyfile(test_failing_scaler=(EXAMPLES / "failing_scaler.py").read_text())
    pytester.runpytest_subprocess().assert_outcomes(failed=1)
    (trace,) = (pytester.path / "test-results").rglob("fakeapi-trace.html")

    page.goto(trace.as_uri())
    expect(page.locator("#outcome")).to_have_text("failed")
    expect(page.locator("#failure")).to_contain_text("assert 2 == 3")
    every = page.locator("#timeline tr").count()
    assert page.locator('#timeline tr[data-cat="request"]').count() > 3
    # The simulated cluster ran the Deployment's pod: its transitions are on the timeline.
    expect(page.locator('#timeline tr[data-cat="transition"]', has_text="\u2192 Running").first).to_be_visible()
    page.screenshot(path=screenshots / "1-opened.png")

    # Filter to one object: the Deployment web.
    page.fill("input[name=kind]", "Deployment")
    page.fill("input[name=name]", "web")
    rows = page.locator('#timeline tr:not([data-cat="phase"]):not([data-cat="failure"])')
    assert 0 < rows.count() < every
    for label in rows.locator("td.label").all_inner_texts():
        assert "web" in label and re.search("deployments|Deployment", label), label
    page.screenshot(path=screenshots / "2-filtered.png")

    # Step to the moment it was seeded: one replica.
    page.locator('#timeline tr[data-cat="change"]').first.click()
    page.click("button[data-tab=cluster]")
    web = page.locator("#cluster li", has_text="default/web")
    expect(web).to_contain_text("replicas 1")
    # Step on to the scaler's patch: two replicas from then on.
    scaled = page.locator('#timeline tr[data-cat="change"]', has_text="patch (OpenAPI-Generator")
    while "picked" not in (scaled.get_attribute("class") or ""):
        page.click("#next")
    expect(page.locator("#moment")).to_contain_text("patch")
    expect(web).to_contain_text("replicas 2")
    page.screenshot(path=screenshots / "3-stepped.png")

    # The object's history: the version the patch made, against the one before it.
    page.click("button[data-tab=object]")
    expect(page.locator("#object h2").first).to_have_text("Deployment default/web")
    expect(page.locator("#object tr.picked")).to_contain_text("patch by OpenAPI-Generator/")
    expect(page.locator("#object tr.picked")).to_contain_text("(manager scaler)")
    expect(page.locator("#object .diff .del")).to_contain_text(['"replicas": 1'])
    expect(page.locator("#object .diff .add")).to_contain_text(['"replicas": 2'])
    page.screenshot(path=screenshots / "4-diff.png")


@pytest.mark.kubectl
def test_the_live_view_of_fakeapi_serve(page: Any, screenshots: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    kubeconfig = tmp_path / "kubeconfig"
    kubectl = kubectl_runner(kubeconfig, tmp_path)
    serve = subprocess.Popen(
        [sys.executable, "-m", "fakeapi", "serve", "--ui", "--port", "0", "--kubeconfig", str(kubeconfig)],
        env={**kubectl.env, "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONPATH": str(Path.cwd())},
        stdout=subprocess.PIPE,
        text=True,
    )
    proxy: subprocess.Popen[str] | None = None
    try:
        _wait_for_line(serve, "live view at ")
        proxy = subprocess.Popen(
            kubectl.command("proxy", "--port=0"), env=kubectl.env, stdout=subprocess.PIPE, text=True
        )
        port = _wait_for_line(proxy, "Starting to serve on ").rsplit(":", 1)[1].strip()

        page.goto(f"http://127.0.0.1:{port}/ui/")
        expect(page.locator("#live-status")).to_have_text("live")
        manifest = tmp_path / "settings.yaml"
        manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied-live\ndata:\n  a: '1'\n")
        kubectl("apply", "-f", str(manifest))

        expect(
            page.locator('#timeline tr[data-cat="request"]', has_text="configmaps default/applied-live").first
        ).to_be_visible()
        expect(
            page.locator('#timeline tr[data-cat="change"]', has_text="ADDED ConfigMap default/applied-live")
        ).to_be_visible()
        page.screenshot(path=screenshots / "live.png")
    finally:
        for process in (proxy, serve):
            if process is not None:
                process.kill()
                process.wait()


def _wait_for_line(process: subprocess.Popen[str], prefix: str) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        assert line, f"{process.args[0]} ended early: {seen}"
        seen.append(line)
        if line.startswith(prefix):
            return line.strip()
    raise AssertionError(f"no line starting {prefix!r} within {START_TIMEOUT} s: {seen}")
