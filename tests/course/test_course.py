"""The real course, as listed in course.yml: every release check, graded by real nbgrader.

One `nnkit verify --mutants` run (one nbgrader autograde over every chapter: the solution
notebooks, the fresh chapter notebooks and one submission per mutant; split into NNKIT_JOBS
parallel shards, default 2) feeds all the tests below, so each claim of DESIGN.md section 6
gets its own pass/fail line.
"""

from __future__ import annotations

import os

import pytest

from nnkit.course.verify import RELEASE_STUDENT, SOLUTION_STUDENT, run_verify
from nnkit.course.manifest import load_course
from nnkit.course.mutants import MutantError, load_mutants

from course_fixtures import REPO

COURSE = load_course(REPO)
CHAPTERS = COURSE.chapter_ids


def _mutant_ids() -> list:
    """One (chapter, mutant id, load error) per mutant; an unreadable file gives one failing param."""
    params = []
    for chapter in COURSE.chapters:
        try:
            mutants = load_mutants(chapter, per_concept=False).mutants  # as nnkit verify grades them
        except MutantError as exc:
            params.append(pytest.param(chapter.id, None, str(exc), id=f"{chapter.id}:unreadable-mutant-file"))
            continue
        params += [pytest.param(chapter.id, m.id, None, id=f"{chapter.id}:{m.id}") for m in mutants]
    return params


#: Parallel nbgrader runs for the one big autograde (set NNKIT_JOBS=1 for a single run).
JOBS = int(os.environ.get("NNKIT_JOBS", min(2, os.cpu_count() or 1)))


@pytest.fixture(scope="session")
def course_report():
    return run_verify(COURSE, mutants=True, jobs=JOBS)


@pytest.mark.parametrize("name", ["manifest", "pairs", "fresh-build", "secrets", "references"])
def test_static_check(course_report, name):
    result = course_report.result(name)
    assert result.ok, "\n".join(result.lines())


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_scores_full_marks(course_report, chapter):
    result = course_report.grade(SOLUTION_STUDENT, chapter)
    assert result.status == "graded", result.messages
    assert result.tests, "no autograded test cells"
    below = {c.grade_id: f"{c.score:g}/{c.max_score:g} {c.error or ''}" for c in result.tests.values()
             if c.score < c.max_score}
    assert not below, f"solution below full marks: {below} {result.messages}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_fresh_chapter_scores_zero(course_report, chapter):
    result = course_report.grade(RELEASE_STUDENT, chapter)
    assert result.status == "graded", result.messages
    passing = [c.grade_id for c in result.tests.values() if c.score > 0]
    assert not passing, f"tests that pass with no answer written: {passing}"


def test_mutant_files_are_valid(course_report):
    assert course_report.mutants is not None
    assert not course_report.mutants.problems, "\n".join(course_report.mutants.problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_slimmed_solution_control_scores_full_marks(course_report, chapter):
    control = course_report.mutants.controls.get(chapter)
    assert control is not None, "no mutants graded for this chapter"
    below = [c.grade_id for c in control.tests.values() if c.score < c.max_score]
    assert control.status == "graded" and not below, (below, control.messages)


@pytest.mark.parametrize("chapter, mutant_id, load_error", _mutant_ids())
def test_mutant_kills_the_tests_it_lists(course_report, chapter, mutant_id, load_error):
    if load_error:
        pytest.fail(load_error)
    outcome = next((o for o in course_report.mutants.for_chapter(chapter) if o.mutant.id == mutant_id), None)
    assert outcome is not None, f"mutant {mutant_id} was not graded (see test_mutant_files_are_valid)"
    assert outcome.ok, (f"{mutant_id} ({outcome.mutant.why}) survived {outcome.missed}; "
                        f"scored 0 on {outcome.failed}; {outcome.result.messages}")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_graded_test_is_killed_by_a_mutant(course_report, chapter):
    assert course_report.mutants.tests.get(chapter), "no graded test cells found"
    assert course_report.mutants.unkilled_tests(chapter) == []


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_exercise_has_a_reference_calling_mutant(course_report, chapter):
    assert course_report.mutants.exercises.get(chapter), "no exercises found"
    assert course_report.mutants.exercises_without_reference_mutant(chapter) == []
