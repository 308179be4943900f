"""Every chapter of course.yml, opened in a real JupyterLab in headless Chromium.

For each notebook of each chapter:

* the solution copy runs top to bottom (Run > Run All Cells) with no error output, every
  widget renders, and moving a slider of the chapter's widget really changes the plot
  (the redraw time goes to the benchmark table);
* the fresh student copy runs its set-up cells cleanly, its first stub plus the graded test
  that calls it show ``NotImplementedError``, and the kernel stays alive;
* a wrong answer to the first exercise makes its graded test show the check's report and
  nothing of nnkit's source (no paths, no traceback arrows into nnkit, nothing twice);
* the chapter's widget, drawn while the exercises are still stubs, picks up the student's
  functions on the next slider move, without re-running its cell.

Chapters, exercises and explorers come from course.yml through ``load_course`` (see
e2e_course.py): a new chapter is covered without editing this folder.

Copies without outputs are served from a temporary folder; the repository is never touched
(apart from screenshots in the artifacts folder).
"""

from __future__ import annotations

import e2e_config
import pytest
from e2e_course import chapter_notebooks
import nbformat
from e2e_flows import check_failing_check, check_live_widget, check_solution, check_student
from e2e_notebook import NotebookPage

NOTEBOOKS = chapter_notebooks()
PARAMS = [pytest.param(nb, id=nb.label) for nb in NOTEBOOKS] or [
    pytest.param(None, id="no-chapters", marks=pytest.mark.skip(reason="course.yml lists no chapter notebooks yet"))
]


@pytest.mark.parametrize("item", PARAMS)
def test_solution_notebook_runs_and_widget_redraws(item, page, lab_server, artifacts, redraw_log):
    assert item.solution.is_file(), f"solution notebook missing: {item.solution}"
    nbpage = NotebookPage(page, lab_server, f"solutions/{item.chapter}/{item.solution.name}", timeout=e2e_config.timeout())
    result = check_solution(nbpage, artifacts, item.label, moves=e2e_config.moves())
    redraw_log.append(
        {"label": item.label, "cell": result.cell, "slider": result.label or result.slider, "times_ms": result.times_ms}
    )
    print(
        f"\n[browser e2e] {item.label}: slider {result.slider} of cell {result.cell} "
        f"values {result.values}, redraw ms {[round(t) for t in result.times_ms]}"
    )
    drags = [nbpage.drag_slider(result.cell, result.slider) for _ in range(3)]
    redraw_log.append({"label": f"{item.label} (mouse drag)", "cell": result.cell,
                       "slider": f"{result.label or result.slider}: release to last frame; frames while dragging "
                                 f"{[d['frames'] for d in drags]}",
                       "times_ms": [d["lag_ms"] for d in drags]})
    print(f"[browser e2e] {item.label}: drags {drags}")


@pytest.mark.parametrize("item", PARAMS)
def test_student_chapter_stub_fails_cleanly(item, page, lab_server, artifacts):
    assert item.release.is_file(), f"student notebook missing: {item.release} (run `nnkit build`)"
    nbpage = NotebookPage(page, lab_server, f"chapters/{item.chapter}/{item.release.name}", timeout=e2e_config.timeout())
    summary = check_student(nbpage, artifacts, item.label)
    print(f"\n[browser e2e] {item.label} student: {summary}")


@pytest.mark.parametrize("item", PARAMS)
def test_failing_check_shows_only_its_report(item, page, lab_server, artifacts):
    assert item.release.is_file(), f"student notebook missing: {item.release} (run `nnkit build`)"
    nbpage = NotebookPage(page, lab_server, f"chapters/{item.chapter}/{item.release.name}", timeout=e2e_config.timeout())
    summary = check_failing_check(nbpage, artifacts, item.label, item.exercises)
    print(f"\n[browser e2e] {item.label} failing check: {summary}")


@pytest.mark.parametrize("item", PARAMS)
def test_widget_drawn_before_the_functions_picks_them_up(item, page, lab_server, artifacts):
    if not item.explorers:
        pytest.skip(f"chapter {item.chapter} has no widget module with an *_explorer yet")
    nbpage = NotebookPage(page, lab_server, f"chapters/{item.chapter}/{item.release.name}", timeout=e2e_config.timeout())
    solution = nbformat.read(item.solution, as_version=4)
    summary = check_live_widget(nbpage, artifacts, item.label, solution, item.exercises, item.explorers)
    print(f"\n[browser e2e] {item.label} live widget: {summary}")


def test_student_lab_has_no_instructor_tools(page, lab_server, artifacts):
    """The lab runs with `make lab`'s lab-config/: no Nbgrader menu, Formgrader or Create Assignment."""
    page.goto(lab_server.url("lab", "reset"), wait_until="domcontentloaded")
    page.locator(".lm-MenuBar-item", has_text="Kernel").first.wait_for(timeout=120_000)
    page.wait_for_timeout(2000)  # late plugins add their panels after the menu bar
    menus = page.locator(".lm-MenuBar-item").all_inner_texts()
    assert not any("nbgrader" in m.lower() for m in menus), f"an nbgrader menu is on the students' lab: {menus}"
    text = page.locator("body").inner_text()
    for tool in ("Create Assignment", "Formgrader", "Course List", "Assignment List"):
        assert tool not in text, f"{tool!r} is on the students' lab"
    assert lab_server.api("sessions") is not None
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(lab_server.url("formgrader"), timeout=10)
        raise AssertionError("the formgrader server extension answers on the students' lab")
    except urllib.error.HTTPError as exc:
        assert exc.code == 404
    page.screenshot(path=str(artifacts / "student-lab.png"))
