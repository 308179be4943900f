"""A term, end to end without JupyterHub: grade -> manual grade -> regrade -> late penalty -> export.

A small class hands in chapter 01 (its due date and the late rule set in a copy of
``course.yml``): an honest student, one with a known wrong answer, one who is 30 hours late,
one who hands in the untouched release, one whose file is not JSON. ``nnkit grade --term`` puts the trusted grades into
the term's nbgrader gradebook; a written answer is then graded through nbgrader's API (what
Formgrader calls), the class is graded again (a resubmission and a forced regrade) and
``nnkit export`` writes the final grades. Plain ``nbgrader`` run in the term folder must see
the same gradebook (that is what Formgrader reads).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nnkit.course.cli import main
from nnkit.course.manifest import load_course
from nnkit.course.term import Term

from course_fixtures import REPO, real_course_view, with_answers

CHAPTER, NOTEBOOK = "01-cost-functions", "cost_functions"
DUE = "2026-06-01 12:00:00 UTC"
ON_TIME, LATE_30H = "2026-06-01 11:00:00 UTC", "2026-06-02 18:00:00 UTC"   # late: 2 started days
HALF_MISSING = ("def quadratic_cost(a, y):\n    n = a.shape[0]\n    return float(np.sum((a - y) ** 2) / n)\n")
AUTO_MAX = 12.0        # chapter 01: 13 points, 1 of them the written answer why_slowdown


def _edit(data):
    data["course"]["late_penalty"] = {"per_day": 0.1, "max": 0.5}
    for ch in data["chapters"]:
        if ch["id"] == CHAPTER:
            ch["due"] = DUE


def _grade(course_root: Path, term: Path, *extra: str) -> int:
    unsafe = [] if shutil.which("bwrap") else ["--unsafe"]
    return main(["--root", str(course_root), "grade", "--term", str(term), "--chapter", CHAPTER,
                 "--jobs", "2", *unsafe, *extra])


def _submit(term: Path, student: str, nb, stamp: str) -> None:
    d = term / "submitted" / student / CHAPTER
    d.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, d / f"{NOTEBOOK}.ipynb")
    (d / "timestamp.txt").write_text(stamp)


def _grades(term: Term, student: str) -> dict:
    with term.gradebook() as gb:
        nb = gb.find_submission_notebook(NOTEBOOK, CHAPTER, student)
        return {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade) for g in nb.grades}


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    base = tmp_path_factory.mktemp("term")
    course_root = real_course_view(base / "course", _edit)
    root = base / "term"
    solution = nbformat.read(REPO / "solutions" / CHAPTER / f"{NOTEBOOK}.ipynb", as_version=4)
    release = nbformat.read(REPO / "chapters" / CHAPTER / f"{NOTEBOOK}.ipynb", as_version=4)
    _submit(root, "honest", solution, ON_TIME)
    _submit(root, "wrong", with_answers(solution, {"quadratic_cost": HALF_MISSING}), ON_TIME)
    _submit(root, "late", solution, LATE_30H)
    _submit(root, "blank", release, ON_TIME)
    _submit(root, "broken", release, ON_TIME)
    (root / "submitted" / "broken" / CHAPTER / f"{NOTEBOOK}.ipynb").write_text('{"cells": [ not json')
    assert _grade(course_root, root) == 0
    return course_root, Term.open(load_course(course_root), root), solution


def test_the_gradebook_holds_the_trusted_scores(term):
    _, t, _ = term
    auto = {s: sum(a or 0 for gid, (a, m, n) in _grades(t, s).items() if gid.startswith("test_"))
            for s in ("honest", "wrong", "late", "blank", "broken")}
    assert auto == {"honest": AUTO_MAX, "wrong": AUTO_MAX - 2, "late": AUTO_MAX, "blank": 0, "broken": 0}
    assert _grades(t, "wrong")["test_quadratic_cost"][0] == 0
    # a written answer waits for a human; an untouched one is 0 and needs nobody
    assert _grades(t, "honest")["why_slowdown"] == (None, None, True)
    assert _grades(t, "blank")["why_slowdown"] == (0, None, False)


def test_formgrader_sees_the_rubric_and_students_do_not(term):
    _, t, solution = term
    nb = nbformat.read(t.autograded / "honest" / CHAPTER / f"{NOTEBOOK}.ipynb", as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    k = ids.index("why_slowdown")
    note = nb.cells[k + 1]
    assert note.metadata["nnkit"]["grader_note"] and "model answer and rubric" in note.source
    model = next(c for c in solution.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "why_slowdown")
    assert "saturated" in model.source and "saturated" in note.source
    wrong = nbformat.read(t.autograded / "wrong" / CHAPTER / f"{NOTEBOOK}.ipynb", as_version=4)
    test_cell = next(c for c in wrong.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_quadratic_cost")
    assert "you dropped the 1/2" in test_cell.outputs[0]["text"]
    assert test_cell.outputs[-1]["output_type"] == "error"
    page = (t.feedback_dir / "wrong" / CHAPTER / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
    assert "you dropped the 1/2" in page
    assert "Grader note" not in page
    assert "Grader note" not in (t.feedback_dir / "honest" / CHAPTER / f"{NOTEBOOK}.html").read_text(encoding="utf-8")


def test_late_work_is_penalised_by_the_course_rule(term):
    _, t, _ = term
    with t.gradebook() as gb:
        assert str(gb.find_assignment(CHAPTER).duedate) == "2026-06-01 12:00:00"
        late = gb.find_submission(CHAPTER, "late")
        assert late.total_seconds_late == 30 * 3600
        assert late.late_submission_penalty == pytest.approx(0.2 * AUTO_MAX)   # 2 started days x 10 %
        assert gb.find_submission(CHAPTER, "honest").late_submission_penalty == 0


def test_manual_grades_survive_regrades_and_the_export_is_right(term, tmp_path):
    course_root, t, solution = term
    # 1. the instructor grades written answers through nbgrader's API (what Formgrader calls)
    with t.gradebook() as gb:
        for student in ("honest", "late"):
            g = gb.find_grade("why_slowdown", NOTEBOOK, CHAPTER, student)
            g.manual_score = 1.0
            g.needs_manual_grade = False
            gb.find_comment("why_slowdown", NOTEBOOK, CHAPTER, student).manual_comment = "clear and complete"
        gb.db.commit()
    # 2. a resubmission (the wrong answer fixed, still on time) and a forced regrade of everyone
    _submit(t.root, "wrong", solution, "2026-06-01 11:30:00 UTC")
    assert _grade(course_root, t.root) == 0
    shutil.rmtree(t.results_dir)           # e.g. after fixing a test: every submission again
    assert _grade(course_root, t.root) == 0
    for student in ("honest", "late"):
        assert _grades(t, student)["why_slowdown"] == (None, 1.0, False), "the manual grade stays, unflagged"
        with t.gradebook() as gb:
            assert gb.find_comment("why_slowdown", NOTEBOOK, CHAPTER, student).manual_comment == "clear and complete"
    assert _grades(t, "wrong")["test_quadratic_cost"][0] == 2
    # 3. the export: manual grades counted, the late penalty recomputed on the final score
    assert main(["--root", str(course_root), "export", "--term", str(t.root)]) == 0
    with t.grades_csv.open(newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    want = {"honest": (13, 0, 13), "late": (13, 2.6, 10.4), "wrong": (12, 0, 12), "blank": (0, 0, 0),
            "broken": (0, 0, 0)}
    got = {s: (float(r["raw_score"]), float(r["late_submission_penalty"]), float(r["score"])) for s, r in rows.items()}
    assert sorted(got) == sorted(want)
    for student, numbers in want.items():
        assert got[student] == pytest.approx(numbers), student
    assert {r["max_score"] for r in rows.values()} == {"13.0"}
    # 4. plain nbgrader, run in the term folder, reads the same gradebook (as Formgrader does)
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "nbgrader"), "export", "--to", str(tmp_path / "nb.csv")],
                   cwd=t.root, env=env, check=True, capture_output=True, timeout=300)
    with (tmp_path / "nb.csv").open(newline="") as f:
        theirs = {r["student_id"]: float(r["score"]) for r in csv.DictReader(f)}
    assert theirs == pytest.approx({s: v[2] for s, v in want.items()})


def test_a_term_folder_is_never_someone_elses_nbgrader_config(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    with pytest.raises(FileExistsError, match="not written by nnkit"):
        Term.open(load_course(REPO), tmp_path)


def test_nbgrader_autograde_cannot_overwrite_the_trusted_grades(term):
    """nbgrader's own autograde (Formgrader's Autograde button) would run student code unsandboxed."""
    course_root, t, _ = term
    with t.gradebook() as gb:
        before = gb.find_submission(CHAPTER, "wrong").score
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    env.pop("NNKIT_ALLOW_NBGRADER_AUTOGRADE", None)
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), "nbgrader"), "autograde", CHAPTER,
                          "--student", "wrong", "--force"], cwd=t.root, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode != 0
    assert "nbgrader autograde is switched off for this course" in run.stdout + run.stderr
    assert _grade(course_root, t.root) == 0  # puts back whatever nbgrader removed
    with t.gradebook() as gb:
        assert gb.find_submission(CHAPTER, "wrong").score == before
    assert (t.autograded / "wrong" / CHAPTER / f"{NOTEBOOK}.ipynb").is_file()


def test_the_commands_say_what_is_wrong(tmp_path, capsys):
    empty = tmp_path / "empty-term"
    assert main(["--root", str(REPO), "export", "--term", str(empty)]) == 2
    assert "no gradebook" in capsys.readouterr().err
    assert main(["--root", str(REPO), "grade", "--term", str(empty)]) == 2
    assert "run `nbgrader collect <chapter>` first" in capsys.readouterr().err
    assert main(["--root", str(REPO), "grade", "--term", str(empty), "--out", str(tmp_path / "o")]) == 2
    assert "--out is for --engine nbgrader" in capsys.readouterr().err
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "nbgrader_config.py").write_text("c = get_config()\n")
    assert main(["--root", str(REPO), "grade", "--term", str(foreign)]) == 2
    assert "not written by nnkit" in capsys.readouterr().err
