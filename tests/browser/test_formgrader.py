"""An instructor grades a written answer in nbgrader's Formgrader, in real Chromium.

``nnkit grade --term`` has graded one submission into a term's gradebook. The instructor's
JupyterLab (nbgrader's tools on) serves the term; Formgrader's manual-grading page must show
the written answer with the chapter's model answer and rubric right below it, and a score
typed into its box must land in the gradebook, which a regrade then keeps.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest

from e2e_lab import LabServer

from nnkit.course.grading_run import grade_class
from nnkit.course.manifest import load_course
from nnkit.course.term import Term
from nnkit.course.trusted import GradingSettings

REPO = Path(__file__).resolve().parents[2]
CHAPTER, NOTEBOOK, ANSWER = "01-cost-functions", "cost_functions", "why_slowdown"


def _grade(term: Term) -> None:
    settings = GradingSettings(sandbox=shutil.which("bwrap") is not None)
    grade_class(term.course, term.submitted, term=term, chapter_ids=[CHAPTER], jobs=1, settings=settings,
                log=lambda s: None)


@pytest.fixture(scope="module")
def graded_term(tmp_path_factory):
    term = Term.open(load_course(REPO), tmp_path_factory.mktemp("formgrader") / "term")
    d = term.submitted / "honest" / CHAPTER
    d.mkdir(parents=True)
    shutil.copyfile(REPO / "solutions" / CHAPTER / f"{NOTEBOOK}.ipynb", d / f"{NOTEBOOK}.ipynb")
    _grade(term)
    return term


@pytest.fixture(scope="module")
def instructor_lab(graded_term, tmp_path_factory, chromium_path):
    server = LabServer(graded_term.root, tmp_path_factory.mktemp("instructor-home"), student=False)
    try:
        server.start()
        yield server
    finally:
        survivors = server.stop()
        assert not survivors, f"the instructor's server left processes behind: {survivors}"


def test_a_written_answer_is_graded_in_formgrader_beside_its_rubric(graded_term, instructor_lab, browser, artifacts):
    with graded_term.gradebook() as gb:
        nb_id = gb.find_submission_notebook(NOTEBOOK, CHAPTER, "honest").id
        assert gb.find_grade(ANSWER, NOTEBOOK, CHAPTER, "honest").manual_score is None
    # Formgrader's own requests must carry the login too: the token goes into every request
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  extra_http_headers={"Authorization": f"token {instructor_lab.token}"})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{instructor_lab.base_url}/formgrader/submissions/{nb_id}/")
        page.wait_for_load_state("networkidle")  # Formgrader has loaded the grades it binds to the boxes
        box = page.locator(f"input.score#{ANSWER}")
        box.wait_for(state="visible")
        note = page.get_by_text("Grader note for", exact=False)
        note.wait_for(state="visible")
        # the rubric sits right below the answer's grade box (nothing else in between)
        assert box.bounding_box()["y"] < note.bounding_box()["y"]
        assert "saturated" in note.locator("xpath=ancestor::div[contains(@class,'cell')][1]").inner_text()
        box.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "formgrader-written-answer.png"))
        box.click()
        box.fill("1")
        box.blur()  # Formgrader saves a score when its box loses focus
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with graded_term.gradebook() as gb:
                score = gb.find_grade(ANSWER, NOTEBOOK, CHAPTER, "honest").manual_score
            if score == 1:
                break
            time.sleep(0.25)
        assert score == 1, "the score typed into Formgrader did not reach the gradebook"
    finally:
        context.close()
    # a regrade (the results cache gone, as after fixing a test) keeps the manual grade
    shutil.rmtree(graded_term.results_dir)
    _grade(graded_term)
    with graded_term.gradebook() as gb:
        assert gb.find_grade(ANSWER, NOTEBOOK, CHAPTER, "honest").manual_score == 1
        assert gb.find_submission(CHAPTER, "honest").score == load_course(REPO).chapter(CHAPTER).points
