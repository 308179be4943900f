"""The harness's judgement calls, tested without a browser (fast, always run).

What counts as an error on the page, what the saved notebook says, how copies are made,
how chapters are found, and how a missing Chromium is reported.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from e2e_course import chapter_notebooks, explorer_cells, grade_cells
from e2e_flows import saved_problems, widget_cells
from e2e_lab import find_chromium
from e2e_notebook import code_cells, page_problems, strip_outputs
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

TRACEBACK_TEXT = (
    "---------------------------------------------------------------------------\n"
    "ValueError                                Traceback (most recent call last)\n"
    "Cell In[3], line 1\n----> 1 f()\n\nValueError: a must have shape (N, C)"
)


def _cell(index, prompt="[1]:", outputs=(), widgets=0, sliders=0, imgs=0, widget_errors=False):
    return {
        "index": index, "code": True, "prompt": prompt, "outputs": list(outputs),
        "widgets": widgets, "sliders": sliders, "imgs": imgs, "widgetErrors": widget_errors,
    }


def _snap(*cells):
    return {"ready": True, "status": "idle", "dialogs": [], "cells": list(cells)}


def test_clean_page_has_no_problems():
    snap = _snap(
        _cell(0, "[1]:"),
        _cell(1, "[2]:", [{"mime": "application/vnd.jupyter.stderr", "text": "UserWarning: careful", "nested": False}]),
        _cell(2, "[3]:", [{"mime": "image/png", "text": "", "nested": True}], widgets=3, sliders=1, imgs=1),
    )
    assert page_problems(snap, [0, 1, 2]) == []


def test_traceback_is_reported_unless_allowed():
    snap = _snap(_cell(0), _cell(1, "[2]:", [{"mime": "application/vnd.jupyter.stderr", "text": TRACEBACK_TEXT}]))
    problems = page_problems(snap, [0, 1])
    assert len(problems) == 1 and "cell 1" in problems[0] and "ValueError" in problems[0]
    assert page_problems(snap, [0, 1], allow_errors={1}) == []


def test_error_inside_a_widget_output_is_reported():
    snap = _snap(_cell(0, outputs=[{"mime": "application/vnd.jupyter.stderr", "text": TRACEBACK_TEXT, "nested": True}]))
    assert "cell 0 shows an error" in page_problems(snap, [0])[0]


def test_cells_that_never_ran_are_reported():
    problems = page_problems(_snap(_cell(0, "[1]:"), _cell(1, "[ ]:"), _cell(2, "[*]:")), [0, 1, 2])
    assert [p.split(" did not run")[0] for p in problems] == ["cell 1", "cell 2"]


@pytest.mark.parametrize("raw", ["VBox(children=(FloatSlider(value=1.0),))", "interactive(children=(...))"])
def test_widget_shown_as_raw_text_is_reported(raw):
    snap = _snap(_cell(0, outputs=[{"mime": "text/plain", "text": raw}]))
    assert "raw text" in page_problems(snap, [0])[0]


def test_widget_display_error_is_reported():
    assert "Error displaying widget" in page_problems(_snap(_cell(0, widget_errors=True)), [0])[0]


def test_saved_notebook_errors_and_widget_cells():
    nb = new_notebook()
    nb.cells = [
        new_code_cell("1/0", outputs=[new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])]),
        new_code_cell("w", outputs=[new_output("display_data", data={
            "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2, "version_minor": 0},
            "text/plain": "VBox()"})]),
        new_markdown_cell("text"),
    ]
    assert saved_problems(nb) == ["cell 0 saved an error output: ZeroDivisionError: division by zero"]
    assert widget_cells(nb) == [1]


def test_strip_outputs_makes_a_clean_copy(tmp_path):
    nb = new_notebook(metadata={"widgets": {"state": {}}})
    nb.cells = [
        new_code_cell("print(1)", execution_count=4, outputs=[new_output("stream", name="stdout", text="1\n")]),
        new_code_cell("   \n"),
        new_markdown_cell("# hi"),
    ]
    src = tmp_path / "a.ipynb"
    nbformat.write(nb, src)
    copy = strip_outputs(src, tmp_path / "sub" / "a.ipynb")
    again = nbformat.read(tmp_path / "sub" / "a.ipynb", as_version=4)
    for n in (copy, again):
        assert n.cells[0].outputs == [] and n.cells[0].execution_count is None
        assert "widgets" not in n.metadata
    assert nbformat.read(src, as_version=4).cells[0].execution_count == 4, "the original was modified"
    assert code_cells(again) == [0], "an empty code cell is never sent to the kernel"


_COURSE = """\
course: {id: c, title: C}
chapters:
  - {id: 01-a, title: A, notebooks: [one, two], objectives: [x], minutes: 10, forbidden: [],
     exercises: [{id: f_one, points: 1}, {id: why_one, points: 1, manual: true}]}
  - {id: 02-b, title: B, notebooks: [three], objectives: [x], minutes: 10, forbidden: [],
     exercises: [{id: g_two, points: 2}]}
"""


def test_chapters_come_from_the_manifest_reader(tmp_path):
    """A chapter in course.yml is covered with no edit to tests/browser (one manifest reader)."""
    (tmp_path / "course.yml").write_text(_COURSE)
    items = chapter_notebooks(tmp_path)
    assert [i.label for i in items] == ["01-a--one", "01-a--two", "02-b--three"]
    assert items[1].solution == tmp_path / "solutions" / "01-a" / "two.ipynb"
    assert items[2].release == tmp_path / "chapters" / "02-b" / "three.ipynb"
    assert items[0].exercises == ("f_one",)  # written answers have no check to fail
    assert items[0].explorers == ()  # no widget module nnkit.widgets.ch01_a
    assert chapter_notebooks(tmp_path / "nowhere") == []


def test_the_browser_suite_reads_no_manifest_itself():
    from pathlib import Path

    here = Path(__file__).resolve().parent
    for path in here.glob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(import|from)\s+yaml\b", text, re.MULTILINE), f"{path.name}: use load_course()"


def test_cells_are_found_by_grade_id_and_explorer_call():
    nb = new_notebook()
    nb.cells = [
        new_code_cell("from nnkit.widgets import wave_explorer"),
        new_code_cell("def f(x):\n    raise NotImplementedError()",
                      metadata={"nbgrader": {"grade_id": "f", "solution": True}}),
        new_code_cell("checks.f(f)", metadata={"nbgrader": {"grade_id": "test_f", "grade": True}}),
        new_code_cell("wave_explorer(student='f')"),
    ]
    assert grade_cells(nb) == {"f": 1, "test_f": 2}
    assert explorer_cells(nb, ("wave_explorer",)) == [3]
    assert explorer_cells(nb, ()) == []


def test_chromium_from_env_must_be_executable(tmp_path, monkeypatch):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    monkeypatch.setenv("NNKIT_CHROMIUM", str(fake))
    assert find_chromium() is None, "a non-executable file was accepted as Chromium"
    fake.chmod(0o755)
    assert find_chromium() == str(fake)


def _run_selftest_without_chromium(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    here = Path(__file__).resolve().parent
    full_env = {k: v for k, v in os.environ.items() if k != "NNKIT_E2E_REQUIRE_BROWSER"}
    full_env.update(NNKIT_CHROMIUM=str(tmp_path / "no-such-chromium"),
                    NNKIT_E2E_ARTIFACTS=str(tmp_path / "artifacts"))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "-q",
         str(here / "test_harness.py::test_selftest_student_stub_raises")],
        capture_output=True, text=True, check=False, env=full_env, cwd=here.parents[1], timeout=300,
    )


def test_missing_chromium_skips_with_install_hint(tmp_path):
    proc = _run_selftest_without_chromium(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 skipped" in proc.stdout and "passed" not in proc.stdout, proc.stdout
    assert "apt-get install chromium" in proc.stdout, proc.stdout


def test_missing_chromium_fails_when_the_browser_is_required(tmp_path, monkeypatch):
    from e2e_config import require_chromium

    monkeypatch.setenv("NNKIT_CHROMIUM", str(tmp_path / "no-such-chromium"))
    monkeypatch.setenv("NNKIT_E2E_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium"):
        require_chromium()
    monkeypatch.delenv("NNKIT_E2E_REQUIRE_BROWSER")
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        require_chromium()


def test_redraw_report_keeps_a_history_and_takes_medians(tmp_path):
    from e2e_report import append_history, redraw_markdown

    history_file = tmp_path / "history.jsonl"
    history_file.write_text('{"torn": \n')  # an interrupted run must not break the report
    run1 = [{"label": "01-a--one", "cell": 4, "slider": "w", "times_ms": [100.0, 300.0, 200.0]}]
    run2 = [{"label": "01-a--one", "cell": 4, "slider": "w", "times_ms": [400.0, 500.0, 600.0]}]
    append_history(history_file, run1)
    runs = append_history(history_file, run2)
    assert len(runs) == 2
    md = redraw_markdown(run2, runs)
    assert "| 01-a--one | 4 | w | 3 | 500 | 400 | 600 |" in md
    assert "| 01-a--one | 2 | 200, 500 | 350 |" in md
    assert "pytest tests/browser" in md
    assert "Across" not in redraw_markdown(run1, runs[:1])


def test_student_lab_turns_off_the_instructor_tools():
    """`make lab` starts JupyterLab with lab-config/ first on JUPYTER_CONFIG_PATH, which disables
    nbgrader's instructor plugins and server extensions; the ids must exist in the installed nbgrader."""
    import json
    import sys
    from pathlib import Path

    from e2e_course import REPO

    config = REPO / "lab-config"
    disabled = json.loads((config / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    for plugin in ("formgrader", "create-assignment", "course-list"):
        assert disabled.get(f"@jupyter/nbgrader:{plugin}") is True
    assert "@jupyter/nbgrader:validate-assignment" not in disabled  # students keep Validate
    labext = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader" / "static"
    if labext.is_dir():  # the plugin ids are still those of the installed nbgrader
        bundle = "".join(p.read_text(errors="replace") for p in labext.glob("*.js"))
        missing = [p for p in disabled if f'"{p}"' not in bundle]
        assert not missing, f"nbgrader has no plugins {missing}: update lab-config/labconfig/page_config.json"
    server = json.loads((config / "jupyter_server_config.json").read_text())["ServerApp"]["jpserver_extensions"]
    assert server["nbgrader.server_extensions.formgrader"] is False
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"JUPYTER_CONFIG_PATH=\$\(CURDIR\)/lab-config", makefile)
    assert re.search(r"^lab:.*\n(\t.*\n)*\t\$\(STUDENT_JUPYTER\) \$\(BIN\)/jupyter lab", makefile, re.MULTILINE)
