"""`nnkit grade --engine nbgrader` on the fixture course (its tests are plain nbgrader cells): scores, grades.csv, feedback, broken and looping notebooks.

One grading run (a session of nbgrader autograde) serves every test in this module.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from nnkit.course.cli import main
from nnkit.course.manifest import load_course
from nnkit.course.mutants import filled_notebook
from nnkit.course.notebooks import grade_id, read_notebook, write_notebook

CHAPTER = "00-mini"
TIMEOUT = 3  # seconds per cell


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(built_course, tmp_path_factory):
    course = load_course(built_course)
    paths = course.chapter(CHAPTER).notebook("mini")
    release, source = read_notebook(paths.release_ipynb), read_notebook(paths.source_ipynb)
    subs = tmp_path_factory.mktemp("submissions")

    def submit(student, nb=None, text=None):
        dest = subs / student / CHAPTER / "mini.ipynb"
        dest.parent.mkdir(parents=True)
        if text is not None:
            dest.write_text(text)
        elif nb is not None:
            write_notebook(nb, dest)

    submit("alice", filled_notebook(release, source))                      # right answer
    submit("bob", release)                                                 # handed in untouched
    submit("carol", filled_notebook(release, source, {"double": "def double(x):\n    while True:\n        pass"}))
    submit("dave", text='{"cells": [ this is not json')                    # broken file
    submit("erin")                                                         # empty chapter folder
    (subs / "frank" / "07-unknown").mkdir(parents=True)                    # not a chapter
    cheat = filled_notebook(release, source, {"double": "def double(x):\n    return 0", "test_double": "pass"})
    submit("gina", cheat)                                                  # edits the locked test cell
    deleted = filled_notebook(release, source)
    deleted.cells = [c for c in deleted.cells if grade_id(c) != "test_double"]
    submit("henry", deleted)                                               # deletes the test cell

    before = _snapshot(built_course)
    out = tmp_path_factory.mktemp("grading")
    status = main(["--root", str(built_course), "grade", str(subs), "--chapter", CHAPTER, "--engine", "nbgrader",
                   "--out", str(out), "--timeout", str(TIMEOUT)])
    with (out / "grades.csv").open(newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    return {"status": status, "out": out, "rows": rows, "before": before, "after": _snapshot(built_course)}


def test_exit_status_and_rows(graded):
    assert graded["status"] == 0
    assert sorted(graded["rows"]) == ["alice", "bob", "carol", "dave", "erin", "gina", "henry"]
    for row in graded["rows"].values():
        assert row["chapter"] == CHAPTER and row["max_score"] == "3"


def test_right_answer_gets_the_autograded_points(graded):
    alice = graded["rows"]["alice"]
    assert alice["status"] == "graded"
    assert (alice["auto_score"], alice["auto_max_score"], alice["mini:test_double"]) == ("2", "2", "2")
    assert alice["needs_manual_grade"] == "yes", "the written answer waits for a human"


def test_untouched_release_scores_zero(graded):
    bob = graded["rows"]["bob"]
    assert (bob["status"], bob["score"], bob["mini:test_double"]) == ("graded", "0", "0")


def test_infinite_loop_is_stopped_by_the_cell_timeout(graded):
    carol = graded["rows"]["carol"]
    assert carol["status"] == "graded" and carol["mini:test_double"] == "0"
    assert f"Timeout waiting for execute reply ({TIMEOUT}s)" in carol["message"], carol["message"]


def test_broken_notebook_gets_a_row_and_does_not_stop_the_others(graded):
    dave = graded["rows"]["dave"]
    assert dave["status"] == "error" and dave["score"] == "0"
    assert "mini.ipynb could not be read as a notebook" in dave["message"]
    assert dave["mini:test_double"] == ""


def test_empty_submission_is_missing(graded):
    erin = graded["rows"]["erin"]
    assert erin["status"] == "missing" and erin["score"] == "0"
    assert "no notebook" in erin["message"]


def test_edited_test_cell_is_restored_from_the_gradebook(graded):
    gina = graded["rows"]["gina"]
    assert gina["status"] == "graded" and gina["mini:test_double"] == "0"
    assert "Attribute 'checksum' for cell test_double has changed" in gina["message"]


def test_deleted_test_cell_is_put_back_and_run(graded):
    henry = graded["rows"]["henry"]
    assert henry["status"] == "graded" and henry["mini:test_double"] == "2", henry
    assert "Missing grade cell test_double encountered, adding to notebook" in henry["message"]


def test_feedback_html_is_written(graded):
    fb = graded["out"] / "feedback"
    for student in ("alice", "bob", "carol"):
        html = (fb / student / CHAPTER / "mini.html").read_text()
        assert "<html" in html.lower() and "test_double" in html
    assert not (fb / "dave").exists()


def test_the_instructor_tree_is_not_touched(graded):
    assert graded["after"] == graded["before"]
    assert "gradebook.db" not in graded["after"]


def test_grades_csv_columns(graded):
    with (graded["out"] / "grades.csv").open(newline="") as f:
        header = next(csv.reader(f))
    assert header == ["student", "chapter", "status", "score", "max_score", "auto_score", "auto_max_score",
                      "needs_manual_grade", "message", "mini:test_double"]


def test_grade_refuses_a_missing_folder(built_course, tmp_path, capsys):
    assert main(["--root", str(built_course), "grade", str(tmp_path / "nope")]) == 2
    assert "submissions folder not found" in capsys.readouterr().err
