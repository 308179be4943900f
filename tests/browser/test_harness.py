"""Tests of the browser harness itself, so a green chapter run means something.

* The server starts with token auth on, its kernels die with it, nothing survives.
* On a tiny generated chapter, the solution flow passes and the student flow sees the stub's
  NotImplementedError.
* The same checks FAIL where they must: a notebook with errors, and a slider that never
  changes its plot.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import e2e_config
import psutil
import pytest
from e2e_flows import check_solution, check_student
from e2e_lab import LabServer
from e2e_notebook import NotebookPage


def test_server_needs_token_and_leaves_no_process_behind(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    server = LabServer(root, tmp_path / "home", start_timeout=e2e_config.timeout())
    try:
        server.start()
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{server.base_url}/api/kernels", timeout=10)
        assert err.value.code == 403, "the REST API answered without the token"
        assert server.api("status")["kernels"] == 0
        kernel = server.api("kernels", method="POST", body={"name": "python3"})
        deadline = time.monotonic() + e2e_config.timeout()
        kernel_pids: list[int] = []
        while not kernel_pids and time.monotonic() < deadline:
            kids = psutil.Process(server.proc.pid).children(recursive=True)
            kernel_pids = [p.pid for p in kids if "ipykernel" in " ".join(p.cmdline())]
            time.sleep(0.2)
        assert kernel_pids, f"kernel {kernel['id']} never showed up as a child process"
        # (jupyter_client starts kernels in a session of their own, so killing the server's
        # process group alone would miss them; stop() also kills the remembered tree.)
    finally:
        survivors = server.stop()
    assert server.proc.poll() is not None, "the server process is still running"
    assert survivors == []
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in kernel_pids)


def test_selftest_solution_runs_and_redraws(page, lab_server, artifacts, redraw_log):
    nbpage = NotebookPage(page, lab_server, "_selftest/selftest_solution.ipynb", timeout=e2e_config.timeout())
    result = check_solution(nbpage, artifacts, "selftest--solution", moves=3)
    assert len(result.times_ms) == 3 and all(t > 0 for t in result.times_ms)
    assert (artifacts / "selftest--solution-widget-after.png").stat().st_size > 1000
    redraw_log.append(
        {"label": "(harness self-test)", "cell": result.cell, "slider": result.label or result.slider, "times_ms": result.times_ms}
    )


def test_selftest_student_stub_raises(page, lab_server, artifacts):
    nbpage = NotebookPage(page, lab_server, "_selftest/selftest_student.ipynb", timeout=e2e_config.timeout())
    summary = check_student(nbpage, artifacts, "selftest--student")
    assert summary["function"] == "wave" and summary["setup"] == [1, 2]


def test_solution_check_fails_on_a_notebook_with_errors(page, lab_server, artifacts):
    # The student release raises in its test and widget cells: the solution check must refuse it.
    nbpage = NotebookPage(page, lab_server, "_selftest/selftest_student.ipynb", timeout=e2e_config.timeout())
    with pytest.raises(AssertionError) as err:
        check_solution(nbpage, artifacts, "selftest--negative-errors", moves=1)
    message = str(err.value)
    assert "NotImplementedError" in message and "cell 5" in message and "cell 6" in message
    assert "cell 2" not in message, "a plain warning on stderr was reported as an error"


def test_checks_notice_a_frozen_plot_and_a_dying_kernel(page, lab_server, artifacts):
    nbpage = NotebookPage(page, lab_server, "_selftest/selftest_frozen.ipynb", timeout=e2e_config.timeout())
    nbpage.open()
    nbpage.run_all()
    snap = nbpage.snapshot()
    (cell,) = nbpage.slider_cells(snap)
    with pytest.raises(AssertionError, match="no new plot image appeared"):
        nbpage.move_slider(cell["index"], 0, 1, timeout=5)

    # Kill the kernel behind the page's back: every wait must now fail, naming the cause.
    (session,) = [s for s in lab_server.api("sessions") if s["path"] == nbpage.relpath]
    kernel_id = session["kernel"]["id"]
    server_tree = psutil.Process(lab_server.proc.pid).children(recursive=True)
    (kernel,) = [p for p in server_tree if any(kernel_id in arg for arg in p.cmdline())]
    kernel.kill()
    with pytest.raises(AssertionError, match="kernel died or restarted"):
        nbpage.wait_until("nothing (the kernel was killed)", lambda s: False, timeout=60)
