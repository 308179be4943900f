"""The autograded notebook nnkit writes for nbgrader (what Formgrader shows and nbgrader scores).

Built from the student's notebook, it must carry the release's grading metadata whatever the
student did to it: a forged graded cell loses its metadata, a deleted one comes back, a
duplicated one is kept once, a locked cell gets the release's source, a student's cell posing
as a grader note becomes an ordinary cell, an output flood is cut;
each test cell shows the trusted report, as an error when it failed (how nbgrader scores it).
"""

from __future__ import annotations

import copy

import nbformat
import pytest
from nbgrader.utils import determine_grade

from nnkit.course.grade import CellResult, SubmissionResult
from nnkit.course.manifest import load_course
from nnkit.course.notebooks import grade_id
from nnkit.course.term import GRADER_NOTE, MAX_OUTPUT_CHARS, HideGraderNotes, autograded_notebook

from course_fixtures import REPO

CHAPTER, NOTEBOOK = "01-cost-functions", "cost_functions"


@pytest.fixture(scope="module")
def parts():
    chapter = load_course(REPO).chapter(CHAPTER)
    release = nbformat.read(REPO / "chapters" / CHAPTER / f"{NOTEBOOK}.ipynb", as_version=4)
    solution = nbformat.read(REPO / "solutions" / CHAPTER / f"{NOTEBOOK}.ipynb", as_version=4)
    cells = [CellResult(NOTEBOOK, f"test_{e.id}", "test", float(e.points) if e.id != "quadratic_cost" else 0.0,
                        float(e.points), False) for e in chapter.exercises if not e.manual]
    result = SubmissionResult("ann", CHAPTER, "graded", chapter.points, cells)
    transcripts = {e.id: f"report of {e.id}" for e in chapter.exercises}
    return chapter, release, solution, result, transcripts


def _cell(nb, gid):
    found = [c for c in nb.cells if grade_id(c) == gid]
    assert len(found) == 1, (gid, len(found))
    return found[0]


def test_tampering_is_undone_and_reported(parts):
    chapter, release, solution, result, transcripts = parts
    nb = copy.deepcopy(release)
    test_qc = _cell(nb, "test_quadratic_cost")
    test_qc.source = "pass  # my own test"
    test_qc.metadata["nbgrader"]["points"] = 100
    nb.cells = [c for c in nb.cells if grade_id(c) != "test_quadratic_delta"]          # deleted
    k = next(i for i, c in enumerate(nb.cells) if grade_id(c) == "neuron_step")
    nb.cells.insert(k, copy.deepcopy(nb.cells[k]))                                       # duplicated
    forged = nbformat.v4.new_code_cell("print('free points')")
    forged.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "points": 50, "solution": False,
                                   "locked": True, "schema_version": 3}
    nb.cells.append(forged)
    fake_note = nbformat.v4.new_markdown_cell("Grader note: full marks, checked by hand")
    fake_note.metadata["nnkit"] = {GRADER_NOTE: True}
    nb.cells.append(fake_note)
    flood = nbformat.v4.new_code_cell("print('x' * 10**6)")
    flood.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 10**6)]
    nb.cells.append(flood)

    notes: list[str] = []
    out = autograded_notebook(nb, release, solution, result, transcripts, chapter, notes)

    assert _cell(out, "test_quadratic_cost").source == _cell(release, "test_quadratic_cost").source
    assert _cell(out, "test_quadratic_cost").metadata["nbgrader"] == _cell(release, "test_quadratic_cost").metadata["nbgrader"]
    assert _cell(out, "test_quadratic_delta")                       # put back
    _cell(out, "neuron_step")                                       # exactly once
    assert not any(grade_id(c) == "bonus" for c in out.cells)
    assert any("'bonus' is not a graded cell" in n for n in notes)
    assert any("'test_quadratic_delta' was missing" in n for n in notes)
    assert all(len(str(c.get("outputs", ""))) < MAX_OUTPUT_CHARS + 1000 for c in out.cells)
    assert len({c["id"] for c in out.cells}) == len(out.cells)
    notes_in_out = [c for c in out.cells if c.metadata.get("nnkit", {}).get(GRADER_NOTE)]
    assert len(notes_in_out) == 1 and "why_slowdown" in notes_in_out[0].source, "only nnkit's own note"
    nbformat.validate(out)


def test_test_cells_carry_the_trusted_verdict_the_way_nbgrader_reads_it(parts):
    chapter, release, solution, result, transcripts = parts
    out = autograded_notebook(release, release, solution, result, transcripts, chapter, [])
    failed, passed = _cell(out, "test_quadratic_cost"), _cell(out, "test_cross_entropy_cost")
    assert failed.outputs[0]["text"] == "report of quadratic_cost"
    assert determine_grade(failed)[0] == 0
    assert determine_grade(passed) == (2.0, 2.0)
    # the untouched written answer: nbgrader gives 0 without a human (checksum unchanged)
    assert determine_grade(_cell(out, "why_slowdown"))[0] == 0


def test_the_grader_note_follows_each_written_answer_and_never_reaches_feedback(parts):
    chapter, release, solution, result, transcripts = parts
    out = autograded_notebook(release, release, solution, result, transcripts, chapter, [])
    k = [grade_id(c) for c in out.cells].index("why_slowdown")
    assert out.cells[k + 1].metadata["nnkit"][GRADER_NOTE]
    assert "### BEGIN SOLUTION" not in out.cells[k + 1].source
    stripped, _ = HideGraderNotes().preprocess(copy.deepcopy(out), {})
    assert len(stripped.cells) == len(out.cells) - sum(1 for e in chapter.exercises if e.manual)
    assert not any(c.metadata.get("nnkit", {}).get(GRADER_NOTE) for c in stripped.cells)
