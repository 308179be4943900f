"""The class report (``nnkit.course.report``): its numbers, and its misconceptions on a real class.

1. A small term written by hand: a gradebook filled through nbgrader's own API (an
   assignment with two autograded test cells and a written answer, five students with
   autograded and manual scores, an overridden test, a late submission whose stored penalty
   is stale) and grader results with known ``diagnoses``; a second chapter has results only,
   a third no submissions. Every number of :class:`ClassData` is checked exactly, and the page
   must show them (and escape what it shows).
2. A real class of eight on chapter 01, made from the solution notebook with the wrong answers
   of ``tests/mutants/01-cost-functions.yml`` (several students share a mistake), graded for
   real by the trusted grader into a term gradebook (:class:`nnkit.course.term.Term`): the
   report's misconception counts must equal the mistakes the class was given.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import shutil
import time
import warnings
from pathlib import Path

import nbformat
import pytest
import yaml

from nnkit.course.manifest import load_course, parse_course
from nnkit.course.mutants import load_mutants
from nnkit.course.report import build_report, class_data, percent, render_html

from course_fixtures import REPO, real_course_view, with_answers

NOW = dt.datetime(2026, 6, 10, 9, 30, tzinfo=dt.timezone.utc)

# --------------------------------------------------------------------------- 1. the numbers
MANIFEST = """
course:
  id: demo-course
  title: "Demo <course> & co"
  late_penalty: {per_day: 0.1, max: 0.5}
chapters:
  - id: 01-alpha
    title: Alpha
    notebooks: [alpha]
    objectives: [a]
    minutes: 10
    forbidden: []
    exercises:
      - {id: f1, points: 2}
      - {id: f2, points: 3}
      - {id: essay, points: 1, manual: true}
  - id: 02-beta
    title: Beta
    notebooks: [beta]
    objectives: [b]
    minutes: 10
    forbidden: []
    due: "2026-07-01 00:00:00 UTC"
    exercises:
      - {id: g1, points: 2}
      - {id: g2, points: 1, manual: true}
  - id: 03-gamma
    title: Gamma
    notebooks: [gamma]
    objectives: [c]
    minutes: 10
    forbidden: []
    exercises:
      - {id: h1, points: 1}
"""
ONE_N = "forgot the 1/n"
ODD = "<b>a < b</b> & c"     # a label that must be escaped in the page
# student -> (f1 auto, f1 manual override, f2 auto, essay (auto, manual, needs_manual), timestamp, stored penalty)
ALPHA = {
    "ann": (2, None, 3, (None, 1.0, False), "2026-06-01 11:00:00 UTC", 0.0),
    "bob": (0, None, 3, (None, None, True), "2026-06-01 11:00:00 UTC", 0.0),
    "cy": (0, None, 0, (0.0, None, False), "2026-06-01 11:00:00 UTC", 0.0),
    "dee": (2, None, 3, (None, 0.5, False), "2026-06-02 18:00:00 UTC", 1.0),  # 30 h late; 1.0 is stale
    "eve": (0, 2.0, 0, (None, None, True), "2026-06-01 11:00:00 UTC", 0.0),   # f1 overridden by a grader
}
ALPHA_DIAGNOSES = {
    "ann": {},
    "bob": {"f1": {"step": "batch of 2", "diagnosis": ONE_N, "hidden": False}},
    "cy": {"f1": {"step": "batch of 2", "diagnosis": ONE_N, "hidden": False},
           "f2": {"step": "tiny case", "diagnosis": None, "hidden": False}},
    "dee": {},
    "eve": {"f1": {"step": "batch of 2", "diagnosis": ONE_N, "hidden": False},
            "f2": {"step": "hidden tests: random inputs", "diagnosis": ODD, "hidden": True}},
}


def _result(student, chapter, cells, diagnoses):
    return {"student": student, "chapter": chapter, "status": "graded", "max_score": 0, "messages": [],
            "cells": [{"notebook": "nb", "grade_id": g, "kind": k, "score": s, "max_score": m,
                       "needs_manual_grade": k == "manual", "error": None} for g, k, s, m in cells],
            "transcripts": {}, "diagnoses": diagnoses, "fingerprint": "x"}


@pytest.fixture(scope="module")
def small_term(tmp_path_factory):
    from nbgrader.api import Gradebook

    from nnkit.course import nbgrader_env

    base = tmp_path_factory.mktemp("report-small")
    course = parse_course(yaml.safe_load(MANIFEST), base / "course")
    term = base / "term"
    results = term / "grading" / "results"
    results.mkdir(parents=True)
    nbgrader_env.prepare_nbgrader()
    with Gradebook(f"sqlite:///{term / 'gradebook.db'}", course_id=course.id) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)   # nbgrader's add_submission: SQLAlchemy autoflush noise
        gb.add_assignment("01-alpha", duedate="2026-06-01 12:00:00 UTC")
        gb.add_notebook("alpha", "01-alpha")
        gb.add_grade_cell("test_f1", "alpha", "01-alpha", max_score=2, cell_type="code")
        gb.add_grade_cell("test_f2", "alpha", "01-alpha", max_score=3, cell_type="code")
        gb.add_grade_cell("essay", "alpha", "01-alpha", max_score=1, cell_type="markdown")
        gb.add_solution_cell("essay", "alpha", "01-alpha")
        gb.add_student("zed")                       # on the roster, never handed anything in
        for student, (f1, f1_manual, f2, essay, stamp, penalty) in ALPHA.items():
            gb.add_student(student)
            gb.add_submission("01-alpha", student, timestamp=stamp)
            g = gb.find_grade("test_f1", "alpha", "01-alpha", student)
            g.auto_score, g.manual_score = f1, f1_manual
            gb.find_grade("test_f2", "alpha", "01-alpha", student).auto_score = f2
            g = gb.find_grade("essay", "alpha", "01-alpha", student)
            g.auto_score, g.manual_score, g.needs_manual_grade = essay
            gb.find_submission_notebook("alpha", "01-alpha", student).late_submission_penalty = penalty
            gb.db.commit()
    for student, (f1, f1_manual, f2, *_rest) in ALPHA.items():
        data = _result(student, "01-alpha", [("test_f1", "test", f1, 2), ("test_f2", "test", f2, 3),
                                             ("essay", "manual", 0, 1)], ALPHA_DIAGNOSES[student])
        (results / f"{student}__01-alpha.json").write_text(json.dumps(data))
    # chapter 02: grader results only (no gradebook assignment); lateness from timestamp.txt
    for student, score, stamp, diag in [
            ("ann", 2, "2026-07-01 01:00:00 UTC", {}),                               # 1 h late: -10 %
            ("bob", 0, "2026-06-30 10:00:00 UTC", {"g1": {"step": "is implemented", "diagnosis": None,
                                                          "hidden": False}})]:
        data = _result(student, "02-beta", [("test_g1", "test", score, 2), ("g2", "manual", 0, 1)], diag)
        (results / f"{student}__02-beta.json").write_text(json.dumps(data))
        (term / "submitted" / student / "02-beta").mkdir(parents=True)
        (term / "submitted" / student / "02-beta" / "timestamp.txt").write_text(stamp)
    (results / "broken__01-alpha.json").write_text("{not json")
    page = build_report(course, term, now=NOW)
    return course, term, class_data(course, term, now=NOW), page.read_text(encoding="utf-8")


def test_scores_come_from_the_gradebook_with_manual_grades_and_the_late_rule(small_term):
    _, _, data, _ = small_term
    alpha = data.chapter("01-alpha")
    assert alpha.source == "gradebook" and alpha.max_score == 6
    by = {s.student: s for s in alpha.scores}
    assert {s: (r.auto, r.manual) for s, r in by.items()} == {
        "ann": (5, 1), "bob": (3, 0), "cy": (0, 0), "dee": (5, 0.5), "eve": (0, 2)}
    assert by["dee"].seconds_late == 30 * 3600
    assert by["dee"].late_penalty == pytest.approx(0.2 * 5.5)   # 2 started days on the current 5.5, not the stale 1.0
    assert alpha.finals == pytest.approx([6, 3, 0, 4.4, 2])
    assert (alpha.submissions, alpha.late, alpha.median, alpha.mean) == (5, 1, 3, pytest.approx(3.08))
    beta = data.chapter("02-beta")
    assert beta.source == "results"
    assert [(s.student, s.auto, s.manual, s.late) for s in beta.scores] == [("ann", 2, 0, True), ("bob", 0, 0, False)]
    assert beta.finals == pytest.approx([1.8, 0])
    gamma = data.chapter("03-gamma")
    assert (gamma.submissions, gamma.source) == (0, "none")
    assert data.students == ["ann", "bob", "cy", "dee", "eve", "zed"]
    assert data.late == 2 and data.gradebook
    assert any("broken__01-alpha.json" in n for n in data.notes)


def test_pass_rates_and_written_answers(small_term):
    _, _, data, _ = small_term
    f1, f2, essay = (data.exercise(e) for e in ("f1", "f2", "essay"))
    assert (f1.passed, f1.submissions, f1.pass_rate) == (3, 5, 0.6)   # ann, dee, and eve's override
    assert (f2.passed, f2.pass_rate) == (3, 0.6)
    assert (essay.graded, essay.waiting, essay.blank, essay.pass_rate) == (2, 2, 1, None)
    g1, g2 = data.exercise("g1"), data.exercise("g2")
    assert (g1.passed, g1.submissions) == (1, 2)
    assert (g2.graded, g2.waiting, g2.blank) == (0, 2, 0)
    assert not [e for e in data.exercises if e.chapter == "03-gamma"]


def test_misconceptions_per_exercise_most_frequent_first(small_term):
    _, _, data, _ = small_term
    rows = [(m.exercise, m.label, m.kind, m.hidden, m.students, m.graded, m.percent) for m in data.misconceptions]
    assert rows == [
        ("f1", ONE_N, "diagnosed", False, ("bob", "cy", "eve"), 5, 60),
        ("f2", "failed at: tiny case", "undiagnosed", False, ("cy",), 5, 20),
        ("f2", ODD, "diagnosed", True, ("eve",), 5, 20),
        ("g1", "not implemented yet", "missing", False, ("bob",), 2, 50),
    ]
    assert data.mistakes("f2") == {"failed at: tiny case": 1, f"hidden tests: {ODD}": 1}
    assert percent(3, 8) == 38 and percent(1, 8) == 13 and percent(0, 0) == 0


def test_the_page_shows_the_numbers_and_escapes_what_it_shows(small_term):
    course, term, data, page = small_term
    assert (term / "reports" / "class-report.html").is_file()
    assert "<title>Class report: Demo &lt;course&gt; &amp; co</title>" in page
    assert "2026-06-10 09:30 UTC" in page and "6 students" in page and "7 submissions, 2 late" in page
    assert f"60 %</span> <span class=\"cnt\">3 of 5</span> {ONE_N}" in page
    assert html.escape(ODD) in page and ODD not in page and "<b>a" not in page
    assert "hidden tests</span>" in page and "not implemented yet" in page
    assert "03-gamma</td><td colspan=\"5\">no submissions" in page
    # the scores; per chapter its exercises, and its mistakes (02-beta has only a missing answer: no chart)
    assert page.count("data:image/png;base64,") == 1 + 2 + 1
    assert "http://" not in page and "https://" not in page and "<script" not in page
    # render_html is a pure function of the data
    assert render_html(data) == page


def test_without_a_gradebook_scores_come_from_the_results(small_term, tmp_path):
    course, term, _, _ = small_term
    copy = tmp_path / "term"
    shutil.copytree(term / "grading", copy / "grading")
    data = class_data(course, copy, now=NOW)
    assert not data.gradebook and data.chapter("01-alpha").source == "results"
    alpha = data.chapter("01-alpha")
    assert alpha.finals == [5, 3, 0, 5, 0]        # autograded cells only; no timestamps: none late
    assert data.exercise("essay").waiting == 5
    assert data.exercise("f1").passed == 2
    assert [m.count for m in data.misconceptions] == [3, 1, 1, 1]
    assert data.students == ["ann", "bob", "cy", "dee", "eve"]
    page = build_report(course, copy)
    assert page == copy / "reports" / "class-report.html" and "no gradebook" in page.read_text()


def test_an_empty_term_says_so(tmp_path):
    course = parse_course(yaml.safe_load(MANIFEST), tmp_path / "course")
    data = class_data(course, tmp_path / "empty", now=NOW)
    assert [c.submissions for c in data.chapters] == [0, 0, 0] and not data.misconceptions
    assert "No submissions yet" in render_html(data)


# --------------------------------------------------------------------------- 2. a real class, known mistakes
CHAPTER, NOTEBOOK = "01-cost-functions", "cost_functions"
DUE, ON_TIME, LATE_30H = "2026-06-01 12:00:00 UTC", "2026-06-01 11:00:00 UTC", "2026-06-02 18:00:00 UTC"
# student -> the hand-written wrong answers (tests/mutants/01-cost-functions.yml ids) in their notebook
KNOWN_CLASS = {
    "honest": [],                                                   # handed in 30 hours late
    "half_a": ["quadratic_cost_no_half"],
    "half_b": ["quadratic_cost_no_half"],
    "half_c": ["quadratic_cost_no_half"],
    "sum_a": ["quadratic_cost_no_mean", "epochs_until_below_counts_from_one"],
    "sum_b": ["quadratic_cost_no_mean", "cross_entropy_cost_log10"],
    "ce": ["cross_entropy_delta_with_sigma_prime", "cross_entropy_cost_log10", "epochs_until_below_counts_from_one"],
    "blank": None,                                                  # the untouched release
}
# what the hint ladders must say about each mutant (start of the label; "failed at:" = no known mistake)
LABELS = {
    "quadratic_cost_no_half": "you dropped the 1/2",
    "quadratic_cost_no_mean": "you summed over the batch",
    "epochs_until_below_counts_from_one": "failed at: edge case: output already below the threshold",
    "cross_entropy_cost_log10": "that is log base 10",
    "cross_entropy_delta_with_sigma_prime": "that is the quadratic delta",
}
MANUAL_GRADES = {"half_a": 1.0, "half_b": 0.5}   # written answers graded through nbgrader's API


def known_class(base: Path, log=lambda s: None):
    """Grade KNOWN_CLASS for real into a term at ``base/term``; returns ``(course, term folder)``.

    Also used by docs/make_report_screenshot.py (the README's picture of the report).
    """
    from nnkit.course.grading_run import grade_class
    from nnkit.course.term import Term
    from nnkit.course.trusted import GradingSettings

    def edit(data):
        data["course"]["late_penalty"] = {"per_day": 0.1, "max": 0.5}
        for ch in data["chapters"]:
            if ch["id"] == CHAPTER:
                ch["due"] = DUE

    course = load_course(real_course_view(base / "course", edit))
    mutants = {m.id: m for m in load_mutants(course.chapter(CHAPTER), per_concept=False).mutants}
    solution = nbformat.read(REPO / "solutions" / CHAPTER / f"{NOTEBOOK}.ipynb", as_version=4)
    release = nbformat.read(REPO / "chapters" / CHAPTER / f"{NOTEBOOK}.ipynb", as_version=4)
    root = base / "term"
    for student, wrong in KNOWN_CLASS.items():
        nb = release if wrong is None else with_answers(solution, {mutants[m].cell: mutants[m].source for m in wrong})
        folder = root / "submitted" / student / CHAPTER
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
        (folder / "timestamp.txt").write_text(LATE_30H if student == "honest" else ON_TIME)
    term = Term.open(course, root)
    settings = GradingSettings(cell_timeout=30, call_timeout=10, sandbox=shutil.which("bwrap") is not None)
    grade_class(course, term.submitted, chapter_ids=[CHAPTER], jobs=2, settings=settings, log=log,
                term=term, feedback=False)
    with term.gradebook() as gb:
        for student, score in MANUAL_GRADES.items():
            grade = gb.find_grade("why_slowdown", NOTEBOOK, CHAPTER, student)
            grade.manual_score, grade.needs_manual_grade = score, False
        gb.db.commit()
    return course, root


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    start = time.perf_counter()
    course, root = known_class(tmp_path_factory.mktemp("report-class"))
    page = build_report(course, root, now=NOW)
    return course, root, class_data(course, root, now=NOW), page.read_text(encoding="utf-8"), \
        time.perf_counter() - start


def _expected_mistakes(exercise: str, course) -> dict[str, int]:
    """From KNOWN_CLASS: label start -> number of students (the blank student: not implemented)."""
    counts: dict[str, int] = {}
    for student, wrong in KNOWN_CLASS.items():
        for m in (wrong or []):
            if _cell(m, course) == exercise:
                counts[LABELS[m]] = counts.get(LABELS[m], 0) + 1
    if not course.exercise(exercise).manual:
        counts["not implemented yet"] = 1
    return counts


_CELLS: dict[str, str] = {}


def _cell(mutant_id: str, course) -> str:
    if not _CELLS:
        _CELLS.update({m.id: m.cell for m in load_mutants(course.chapter(CHAPTER), per_concept=False).mutants})
    return _CELLS[mutant_id]


def test_misconception_counts_equal_the_mistakes_the_class_was_given(graded_class):
    course, _, data, page, _ = graded_class
    n = len(KNOWN_CLASS)
    assert data.chapter(CHAPTER).graded == n
    for ex in course.chapter(CHAPTER).exercises:
        if ex.manual:
            continue
        expected = _expected_mistakes(ex.id, course)
        got = data.mistakes(ex.id)
        assert len(got) == len(expected), (ex.id, got)
        for start, count in expected.items():
            match = [label for label in got if label.startswith(start)]
            assert len(match) == 1 and got[match[0]] == count, (ex.id, start, got)
    # e.g. "3 of 8 dropped the 1/2", first for its exercise, and on the page
    top = next(m for m in data.misconceptions if m.exercise == "quadratic_cost")
    assert top.label.startswith("you dropped the 1/2") and (top.count, top.graded, top.percent) == (3, 8, 38)
    assert top.students == ("half_a", "half_b", "half_c")
    assert f'38 %</span> <span class="cnt">3 of 8</span> {html.escape(top.label)}' in page
    log10 = next(m for m in data.misconceptions if m.label.startswith("that is log base 10"))
    assert (log10.exercise, log10.students, log10.percent) == ("cross_entropy_cost", ("ce", "sum_b"), 25)
    assert f'25 %</span> <span class="cnt">2 of 8</span> {html.escape(log10.label)}' in page


def test_the_real_class_scores_pass_rates_and_lateness_come_from_the_term_gradebook(graded_class):
    course, _, data, page, _ = graded_class
    chapter = course.chapter(CHAPTER)
    auto_max = sum(e.points for e in chapter.exercises if not e.manual)
    ch = data.chapter(CHAPTER)
    assert ch.source == "gradebook" and data.gradebook and (ch.submissions, ch.late) == (8, 1)
    expected = {}
    for student, wrong in KNOWN_CLASS.items():
        auto = 0.0 if wrong is None else auto_max - sum(chapter.exercise(_cell(m, course)).points
                                                       for m in {_cell(m, course): m for m in wrong}.values())
        final = auto + MANUAL_GRADES.get(student, 0.0)
        expected[student] = final * (1 - 0.2) if student == "honest" else final   # 2 started days late
    assert {s.student: s.final for s in ch.scores} == pytest.approx(expected)
    for ex in chapter.exercises:
        stats = data.exercise(ex.id)
        if ex.manual:   # blank: untouched, nobody needs to read it; two graded by hand; the rest wait
            assert (stats.graded, stats.waiting, stats.blank) == (2, 5, 1)
            continue
        failed = 1 + sum(1 for wrong in KNOWN_CLASS.values() for m in (wrong or []) if _cell(m, course) == ex.id)
        assert stats.passed == 8 - failed, ex.id
    assert "8 students" in page and "8 submissions, 1 late" in page
