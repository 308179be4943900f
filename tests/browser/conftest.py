"""Fixtures for the end-to-end browser tests: a private JupyterLab server and headless Chromium.

Session scope: one server (serving temporary, output-free COPIES of the notebooks) and one
browser; every test gets a fresh browser context. Both are shut down in ``finally`` blocks,
and the server's teardown fails loudly if any of its processes (kernels included) survive.

Knobs (environment variables):

``NNKIT_CHROMIUM``            path of the Chromium/Chrome executable (default: Debian's ``/usr/bin/chromium``)
``NNKIT_E2E_REQUIRE_BROWSER`` ``1`` turns "no Chromium" from a skip into a failure (for CI)
``NNKIT_E2E_ARTIFACTS``       folder for screenshots and timings (default: ``<repo>/e2e-artifacts``)
``NNKIT_E2E_TIMEOUT``         seconds for slow steps such as kernel start or Run All (default 300)
``NNKIT_E2E_MOVES``           slider moves per chapter for the redraw median (default 7)
``NNKIT_E2E_REDRAW_MD``       also write the redraw table to this markdown file
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
from pathlib import Path

import psutil
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import e2e_config
from e2e_course import chapter_notebooks
from e2e_lab import CHROMIUM_ARGS, LabServer
from e2e_notebook import strip_outputs
from e2e_report import append_history, redraw_markdown
from e2e_selftest import write_selftest_notebooks

_REDRAW_KEY = pytest.StashKey[list]()
_ARTIFACTS_KEY = pytest.StashKey[Path]()


# ---------------------------------------------------------------------------- ordering
_ORDER = {"test_e2e_checks.py": 0, "test_harness.py": 1, "test_chapters.py": 2}
_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(session, config, items):
    """Run the harness's own tests before the chapters (a broken harness fails fast).

    Only the items of this folder are reordered, within the slots they already hold.
    """
    slots = [i for i, item in enumerate(items) if Path(str(item.path)).resolve().parent == _HERE]
    ours = sorted((items[i] for i in slots), key=lambda it: _ORDER.get(Path(str(it.path)).name, 3))
    for slot, item in zip(slots, ours):
        items[slot] = item


# ---------------------------------------------------------------------------- reporting hooks
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    records = config.stash.get(_REDRAW_KEY, None)
    artifacts = config.stash.get(_ARTIFACTS_KEY, None)
    if artifacts is None:
        return
    tr = terminalreporter
    tr.section("browser e2e")
    tr.write_line(f"screenshots and timings: {artifacts}")
    for r in records or []:
        tr.write_line(
            f"  redraw {r['label']}: median {statistics.median(r['times_ms']):.0f} ms "
            f"over {len(r['times_ms'])} moves (cell {r['cell']}, slider {r['slider']!r})"
        )


# ---------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def chromium_path() -> str:
    """See :func:`require_chromium`."""
    return e2e_config.require_chromium()


@pytest.fixture(scope="session")
def artifacts(pytestconfig) -> Path:
    """Folder for screenshots and redraw timings (printed at start and in the summary)."""
    folder = e2e_config.artifacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    pytestconfig.stash[_ARTIFACTS_KEY] = folder
    print(f"\n[browser e2e] screenshots and timings go to {folder}")
    return folder


@pytest.fixture(scope="session")
def lab_root(tmp_path_factory) -> Path:
    """Server root: output-free copies of every chapter notebook plus the self-test notebooks."""
    root = tmp_path_factory.mktemp("lab-root")
    for item in chapter_notebooks():
        for kind, src in (("solutions", item.solution), ("chapters", item.release)):
            if src.is_file():
                strip_outputs(src, root / kind / item.chapter / src.name)
                for extra in src.parent.iterdir():  # data files next to the notebook, never .py sources
                    if extra.is_file() and extra.suffix not in {".py", ".pyc", ".ipynb"} and not extra.name.startswith("."):
                        shutil.copy2(extra, root / kind / item.chapter / extra.name)
    write_selftest_notebooks(root / "_selftest")
    return root


@pytest.fixture(scope="session")
def lab_server(lab_root, tmp_path_factory, chromium_path):
    """A running JupyterLab server; stopped (with its kernels) at the end, leaks fail the run."""
    server = LabServer(lab_root, tmp_path_factory.mktemp("lab-home"), start_timeout=e2e_config.timeout())
    try:
        server.start()
        print(f"[browser e2e] JupyterLab pid {server.proc.pid} on {server.base_url}, root {lab_root}")
        yield server
    finally:
        survivors = server.stop()
        gone = server.proc is None or server.proc.poll() is not None
        print(f"[browser e2e] server stopped: pid gone={gone}, survivors={survivors}")
        assert gone and not survivors, (
            f"JupyterLab (pid {server.proc and server.proc.pid}) or its kernels survived shutdown: {survivors}"
        )


@pytest.fixture(scope="session")
def browser(chromium_path):
    """Headless Chromium driven by playwright; closed at the end, whatever happened."""
    from playwright.sync_api import sync_playwright

    before = {p.pid for p in psutil.Process().children(recursive=True)}
    pw = sync_playwright().start()
    browser = None
    spawned: list[psutil.Process] = []
    try:
        browser = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        # the playwright driver and Chromium's processes (the lab server is not started yet
        # or is excluded by name)
        spawned = [
            p for p in psutil.Process().children(recursive=True)
            if p.pid not in before and _is_browser_process(p)
        ]
        yield browser
    finally:
        try:
            if browser is not None:
                browser.close()
        finally:
            pw.stop()
            _gone, alive = psutil.wait_procs(spawned, timeout=10)
            for p in alive:
                p.kill()
            assert not alive, f"browser processes survived shutdown: {[p.pid for p in alive]}"


def _is_browser_process(proc: psutil.Process) -> bool:
    try:
        name = " ".join(proc.cmdline()[:2]).lower()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return any(key in name for key in ("chrom", "playwright", "node"))


@pytest.fixture
def page(browser, lab_server, artifacts, request):
    """A fresh browser context and page; a screenshot is kept when the test fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})  # a laptop screen (issue 8)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        yield pg
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in request.node.name)
            from playwright.sync_api import Error as PlaywrightError

            try:
                pg.screenshot(path=str(artifacts / f"FAILED-{name}.png"), full_page=True)
                print(f"\n[browser e2e] failure screenshot: {artifacts / f'FAILED-{name}.png'}")
            except PlaywrightError as exc:  # the page may be gone; the failure itself matters more
                print(f"[browser e2e] could not take a failure screenshot: {exc}")
        context.close()
        lab_server.remember_children()
        lab_server.shutdown_sessions()  # one kernel at a time: two cores are shared


@pytest.fixture(scope="session")
def redraw_log(pytestconfig, artifacts):
    """Collects redraw timings; writes JSON + a markdown table when the session ends."""
    records: list[dict] = []
    pytestconfig.stash[_REDRAW_KEY] = records
    yield records
    if not records:
        return
    (artifacts / "redraw_times.json").write_text(json.dumps(records, indent=1))
    history = append_history(artifacts / "redraw_history.jsonl", records)
    table = redraw_markdown(records, history)
    (artifacts / "browser_redraw.md").write_text(table)
    target = os.environ.get("NNKIT_E2E_REDRAW_MD")
    if target:
        Path(target).write_text(table)
