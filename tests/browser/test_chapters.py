"""Every chapter of course.yml, opened in a real JupyterLab in headless Chromium.

For each notebook of each chapter:

* the solution copy runs top to bottom (Run > Run All Cells) with no error output, every
  widget renders, and moving a slider of the chapter's widget really changes the plot
  (the redraw time goes to the benchmark table);
* the fresh student copy runs its set-up cells cleanly, its first stub plus the graded test
  that calls it show ``NotImplementedError``, and the kernel stays alive.

Copies without outputs are served from a temporary folder; the repository is never touched
(apart from screenshots in the artifacts folder).
"""

from __future__ import annotations

import e2e_config
import pytest
from e2e_course import chapter_notebooks
from e2e_flows import check_solution, check_student
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


@pytest.mark.parametrize("item", PARAMS)
def test_student_chapter_stub_fails_cleanly(item, page, lab_server, artifacts):
    assert item.release.is_file(), f"student notebook missing: {item.release} (run `nnkit build`)"
    nbpage = NotebookPage(page, lab_server, f"chapters/{item.chapter}/{item.release.name}", timeout=e2e_config.timeout())
    summary = check_student(nbpage, artifacts, item.label)
    print(f"\n[browser e2e] {item.label} student: {summary}")
