"""`nnkit verify --mutants` on the fixture course: passes on a good course, and each graded
check fails on a course broken for it (wrong solution, vacuous test, surviving mutant,
test no mutant kills, exercises not declared in course.yml)."""

from __future__ import annotations

import textwrap

import pytest

from nnkit.course.build import build
from nnkit.course.verify import run_verify
from nnkit.course.cli import main
from nnkit.course.manifest import load_course
from nnkit.course.notebooks import grade_id, read_notebook

from course_fixtures import clone

CHAPTER = "00-mini"


@pytest.fixture(scope="module")
def good_report(built_course):
    return run_verify(load_course(built_course), mutants=True, jobs=2)  # also exercises the sharded path


def test_good_course_passes_every_check(good_report):
    assert good_report.ok, "\n".join(good_report.lines())
    assert [r.name for r in good_report.results] == ["manifest", "pairs", "fresh-build", "secrets", "references",
                                                     "grading", "mutants"]


def test_solution_full_marks_and_release_zero(good_report):
    solution = good_report.grade("solution", CHAPTER)
    release = good_report.grade("release", CHAPTER)
    assert solution.tests["test_double"].score == 2 == solution.tests["test_double"].max_score
    assert release.tests["test_double"].score == 0
    assert release.tests["test_double"].error == "NotImplementedError"


def test_mutant_report(good_report):
    report = good_report.mutants
    by_id = {o.mutant.id: o for o in report.outcomes}
    assert sorted(by_id) == ["double_calls_forbidden_kernels", "only_scalars", "triples"]  # one generated
    assert all(o.failed == ["test_double"] for o in by_id.values())
    assert by_id["double_calls_forbidden_kernels"].calls_reference and not by_id["triples"].calls_reference
    assert report.unkilled_tests(CHAPTER) == []
    assert report.exercises_without_reference_mutant(CHAPTER) == []
    assert report.controls[CHAPTER].tests["test_double"].score == 2, "the slimmed solution must pass"


def test_hidden_tests_run_at_grading(good_report, built_course):
    """`only_scalars` passes the visible check a student sees; only the hidden part kills it."""
    release = read_notebook(load_course(built_course).chapter(CHAPTER).notebook("mini").release_ipynb)
    visible = next(c for c in release.cells if grade_id(c) == "test_double").source
    namespace = {}
    exec("import numpy as np\ndef double(x):\n    return 6 if np.isscalar(x) and x == 3 else x", namespace)
    exec(visible, namespace)  # passes: no AssertionError
    outcome = next(o for o in good_report.mutants.outcomes if o.mutant.id == "only_scalars")
    assert outcome.failed == ["test_double"]


def test_cli_mutants_on_the_good_course(built_course, capsys):
    assert main(["--root", str(built_course), "mutants", "--timeout", "30"]) == 0
    out = capsys.readouterr().out
    assert "killed  00-mini:double_calls_forbidden_kernels [calls reference]: scored 0 on test_double" in out
    assert "OK: every mutant killed what it lists" in out


BAD_CELLS = '''
# %% nbgrader={"grade": false, "grade_id": "halve", "locked": false, "schema_version": 3, "solution": true, "task": false}
def halve(x):
    """Return ``x / 2``."""
    ### BEGIN SOLUTION
    return x / 3
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_halve", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check that halve halves."""
assert halve(4) == 2

# %% nbgrader={"grade": true, "grade_id": "test_vacuous", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check nothing at all."""
assert True
'''

BAD_MUTANT = '''
  - id: halve_quarters
    why: divides by four; listed as killing a test that cannot fail
    cell: halve
    kills: [test_vacuous]
    source: |
      def halve(x):
          return x / 4
'''


@pytest.fixture(scope="module")
def bad_report(built_course, tmp_path_factory):
    root = clone(built_course, tmp_path_factory.mktemp("bad") / "course")
    py = root / "solutions" / CHAPTER / "mini.py"
    py.write_text(py.read_text() + textwrap.dedent(BAD_CELLS))
    yml = root / "tests" / "mutants" / f"{CHAPTER}.yml"
    yml.write_text(yml.read_text() + BAD_MUTANT)
    manifest = root / "course.yml"
    manifest.write_text(manifest.read_text().replace("manual: true}\n", "manual: true}\n      - {id: halve, points: 1}\n"))
    course = load_course(root)
    build(course)
    return run_verify(course, mutants=True)


def test_bad_course_static_checks_still_pass(bad_report):
    for name in ("pairs", "fresh-build", "secrets", "references"):
        assert bad_report.result(name).ok, bad_report.result(name).lines()
    manifest = bad_report.result("manifest")
    assert manifest.details == ["00-mini: course.yml says 4 points (the sum of its exercises), the notebooks hold 5",
                                "00-mini: the notebook's test cell 'test_vacuous' is not an exercise of course.yml "
                                "(add it to `exercises`)"], manifest.details


def test_wrong_solution_and_vacuous_test_fail_grading(bad_report):
    grading = bad_report.result("grading")
    assert not grading.ok
    text = "\n".join(grading.details)
    assert "solution scored" in text and "test_halve (0/1, AssertionError)" in text
    assert "tests passing without an answer: ['test_vacuous']" in text


def test_mutant_problems_are_reported(bad_report):
    mutants = bad_report.result("mutants")
    assert not mutants.ok
    text = "\n".join(mutants.details)
    assert "mutant halve_quarters (divides by four; listed as killing a test that cannot fail) survived ['test_vacuous']" in text
    assert "graded test test_vacuous is killed by no mutant" in text
    assert "graded test test_halve is killed by no mutant" in text
    assert "mutant halve_calls_forbidden_kernels" not in text  # generated; killed (by the wrong solution)
    assert "control (the filled solution) did not score full marks on ['test_halve']" in text
    assert "FAILED" in bad_report.lines()[-1]
