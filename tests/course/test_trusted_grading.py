"""A hostile class graded beside honest students by the trusted grader (``nnkit grade``).

Every hostile submission is chapter 01's solution notebook with one cell changed the way a
determined student would change it. Honest students must be graded exactly; every cheat
must gain nothing; the grader and the machine survive; nothing escapes, nothing keeps running.
One real run (a local process pool) grades the whole class; a second run must resume from
the saved results without grading anything again.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from nnkit.course.grading_run import grade_class
from nnkit.course.manifest import load_course
from nnkit.course.trusted import GradingSettings

from course_fixtures import with_answers

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = "01-cost-functions"
NOTEBOOK = "cost_functions"

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")

_DELEGATE = "def quadratic_cost(a, y):\n    {body}\n"

# student id -> {grade_id of the solution cell: new source}. Every one of these must score 0
# on the exercise it targets (the other exercises keep their honest answers).
CHEATS = {
    # delegation, in every form the trap of the student-facing checks has to think about
    "delegate_public": {"quadratic_cost": _DELEGATE.format(
        body="from nnkit.costs import quadratic_cost as q\n    return q(a, y)")},
    "delegate_cost_class": {"quadratic_cost": _DELEGATE.format(
        body="from nnkit.costs import QuadraticCost\n    return QuadraticCost().fn(a, y)")},
    "delegate_getsource": {"quadratic_cost": (
        "import inspect, nnkit.costs\nns = dict(vars(nnkit.costs))\n"
        "exec(inspect.getsource(nnkit.costs.quadratic_cost), ns)\nquadratic_cost = ns['quadratic_cost']\n")},
    "delegate_code_object": {"quadratic_cost": (
        "import types, nnkit.costs\nquadratic_cost = types.FunctionType(nnkit.costs.quadratic_cost.__code__, "
        "vars(nnkit.costs))\n")},
    "delegate_private_kernels": {"quadratic_cost": (
        "import nnkit, pkgutil, importlib, numpy as np\n"
        "def quadratic_cost(a, y):\n"
        "    for m in pkgutil.walk_packages(nnkit.__path__, 'nnkit.'):\n"
        "        try:\n            mod = importlib.import_module(m.name)\n        except Exception:\n            continue\n"
        "        for name, f in vars(mod).items():\n"
        "            if 'quad' in name and callable(f):\n"
        "                try:\n                    return float(f(a, y))\n                except Exception:\n                    pass\n"
        "    raise RuntimeError('nothing found')\n")},
    # tampering with the machinery that decides grades (it does not run in the student's kernel)
    "patch_checks": {"quadratic_cost": (
        "import nnkit.checks as checks\nchecks.quadratic_cost = lambda *a, **k: None\n"
        "class _L:\n    pass\nimport nnkit.checks._ladder as L\nL.Ladder.fail = lambda self, *a, **k: None\n"
        "def quadratic_cost(a, y):\n    return 0.0\n")},
    "input_transformer": {"quadratic_cost": (
        "ip = get_ipython()\nip.input_transformers_post.append(lambda lines: ['pass\\n'])\n"
        "def quadratic_cost(a, y):\n    return 0.0\n")},
    # escapes
    "read_solutions": {"quadratic_cost": (
        "import glob\nleak = glob.glob('/work/**/solutions/**/*.py', recursive=True) + "
        "glob.glob('/**/gradebook.db', recursive=True)\n"
        "def quadratic_cost(a, y):\n    raise RuntimeError(str(leak))\n")},
    "network": {"quadratic_cost": (
        "import socket\ndef quadratic_cost(a, y):\n    socket.create_connection(('127.0.0.1', 8888), timeout=1)\n")},
    "background_process": {"quadratic_cost": (
        "import subprocess\nsubprocess.Popen(['sleep', '9191'], start_new_session=True)\n"
        "def quadratic_cost(a, y):\n    return 0.0\n")},
    # resource abuse: costs the exercise it is in, not the others
    "infinite_loop_call": {"quadratic_cost": "def quadratic_cost(a, y):\n    while True:\n        pass\n"},
    "infinite_loop_cell": {"quadratic_cost": "while True:\n    pass\n"},
    "memory_bomb": {"quadratic_cost": "def quadratic_cost(a, y):\n    return len(bytearray(64 * 1024**3))\n"},
    "kernel_exit": {"quadratic_cost": "import os\ndef quadratic_cost(a, y):\n    os._exit(0)\n"},
    "output_flood": {"quadratic_cost": "def quadratic_cost(a, y):\n    print('x' * 10**7)\n    return 0.0\n"},
}


def _solution_cells() -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "solutions" / CHAPTER / f"{NOTEBOOK}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    course = load_course(ROOT)
    base = tmp_path_factory.mktemp("class")
    subs = base / "submissions"
    solution = _solution_cells()
    release = nbformat.read(ROOT / "chapters" / CHAPTER / f"{NOTEBOOK}.ipynb", as_version=4)

    def put(student, nb, name=NOTEBOOK):
        d = subs / student / CHAPTER
        d.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, d / f"{name}.ipynb")

    put("honest", solution)
    put("blank", release)
    for student, repl in CHEATS.items():
        put(student, with_answers(solution, repl))
    dup = json.loads(json.dumps(solution))  # a graded cell pasted twice, ids and all (raw JSON:
    k = next(i for i, c in enumerate(dup["cells"])  # nbformat.write would repair the ids)
             if c["metadata"].get("nbgrader", {}).get("grade_id") == "quadratic_cost")
    dup["cells"].insert(k, json.loads(json.dumps(dup["cells"][k])))
    (subs / "duplicated_cell" / CHAPTER).mkdir(parents=True)
    (subs / "duplicated_cell" / CHAPTER / f"{NOTEBOOK}.ipynb").write_text(json.dumps(dup))
    put("renamed", solution, name="cost_functions_final")
    v3 = nbformat.convert(nbformat.from_dict(json.loads(json.dumps(solution))), 3)  # an old-format notebook
    (subs / "nbformat_v3" / CHAPTER).mkdir(parents=True)
    (subs / "nbformat_v3" / CHAPTER / f"{NOTEBOOK}.ipynb").write_text(json.dumps(v3))
    (subs / "linked" / CHAPTER).mkdir(parents=True)
    os.symlink(ROOT / "solutions" / CHAPTER / f"{NOTEBOOK}.ipynb", subs / "linked" / CHAPTER / f"{NOTEBOOK}.ipynb")
    (subs / "..evil").mkdir()
    out = base / "grading"
    settings = GradingSettings(cell_timeout=20, call_timeout=5)
    start = time.perf_counter()
    results = grade_class(course, subs, out, [CHAPTER], jobs=2, settings=settings, log=lambda s: None)
    elapsed = time.perf_counter() - start
    return course, subs, out, {r.student: r for r in results}, elapsed, settings


def test_honest_students_get_exactly_full_marks_and_blank_notebooks_zero(graded_class):
    course, _, _, results, _, _ = graded_class
    chapter = course.chapter(CHAPTER)
    auto_max = sum(e.points for e in chapter.exercises if not e.manual)
    for student in ("honest", "duplicated_cell", "renamed", "nbformat_v3"):
        assert results[student].auto_score == auto_max, (student, results[student].messages)
    assert any("nbformat 3" in m for m in results["nbformat_v3"].messages)
    assert results["blank"].auto_score == 0
    assert any("duplicate" in m for m in results["duplicated_cell"].messages)
    assert any("renamed" in m for m in results["renamed"].messages)


@pytest.mark.parametrize("student", sorted(CHEATS))
def test_every_cheat_gains_nothing_and_costs_only_its_exercise(graded_class, student):
    course, _, _, results, _, _ = graded_class
    res = results[student]
    tests = res.tests
    assert tests["test_quadratic_cost"].score == 0, (student, res.messages)
    others = [c for gid, c in tests.items() if gid != "test_quadratic_cost"]
    if student != "infinite_loop_cell" and student != "patch_checks" and student != "input_transformer":
        # the cheat sits in one cell; the other exercises keep their points
        assert all(c.score == c.max_score for c in others), (student, [(c.grade_id, c.score) for c in others],
                                                             res.messages)


def test_links_and_odd_ids_are_refused(graded_class):
    _, _, _, results, _, _ = graded_class
    assert results["linked"].auto_score == 0
    assert any("link" in m for m in results["linked"].messages)
    assert "..evil" not in results


def test_nothing_escapes_and_nothing_keeps_running(graded_class):
    _, _, out, _, _, _ = graded_class
    left = [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] and "9191" in p.info["cmdline"]]
    assert left == []
    feedback = (out / "feedback" / "read_solutions" / f"{CHAPTER}.html").read_text()
    assert "BEGIN SOLUTION" not in feedback and "cost_functions.py" not in feedback


def test_a_second_run_resumes_without_grading_again(graded_class):
    course, subs, out, results, _, settings = graded_class
    lines: list[str] = []
    again = grade_class(course, subs, out, [CHAPTER], jobs=2, settings=settings, log=lines.append)
    assert any("0 to grade" in line for line in lines), lines
    assert {r.student: r.score for r in again} == {s: r.score for s, r in results.items()}
    assert (out / "grades.csv").read_text().count("\n") == len(results) + 1


def test_the_same_grading_runs_on_a_dask_cluster(tmp_path):
    """The unit of work (one submission) runs unchanged on a real Dask cluster of worker processes."""
    distributed = pytest.importorskip("distributed")
    course = load_course(ROOT)
    subs = tmp_path / "submissions"
    for student, nb in [("honest", _solution_cells()),
                        ("blank", nbformat.read(ROOT / "chapters" / CHAPTER / f"{NOTEBOOK}.ipynb", as_version=4))]:
        (subs / student / CHAPTER).mkdir(parents=True)
        nbformat.write(nb, subs / student / CHAPTER / f"{NOTEBOOK}.ipynb")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        results = grade_class(course, subs, tmp_path / "out", [CHAPTER], scheduler=cluster.scheduler_address,
                              settings=GradingSettings(cell_timeout=20, call_timeout=5), log=lambda s: None)
    scores = {r.student: r.auto_score for r in results}
    auto_max = sum(e.points for e in course.chapter(CHAPTER).exercises if not e.manual)
    assert scores == {"honest": auto_max, "blank": 0}


@pytest.fixture(scope="module")
def every_chapter_graded(tmp_path_factory):
    course = load_course(ROOT)
    subs = tmp_path_factory.mktemp("every") / "submissions"
    for chapter in course.chapters:
        for student, attr in (("solution", "source_ipynb"), ("release", "release_ipynb")):
            d = subs / student / chapter.id
            d.mkdir(parents=True)
            for paths in chapter.notebook_paths:
                shutil.copy(getattr(paths, attr), d / paths.filename)
    results = grade_class(course, subs, subs.parent / "out", jobs=2,
                          settings=GradingSettings(cell_timeout=60, call_timeout=30), log=lambda s: None)
    return course, {(r.student, r.chapter): r for r in results}


@pytest.mark.parametrize("chapter_id", [c.id for c in load_course(ROOT).chapters])
def test_every_solution_scores_full_marks_and_every_release_zero(every_chapter_graded, chapter_id):
    """The trusted grader's version of `nnkit verify`'s proof, for every chapter of course.yml."""
    course, results = every_chapter_graded
    chapter = course.chapter(chapter_id)
    solution, release = results[("solution", chapter_id)], results[("release", chapter_id)]
    assert solution.auto_score == solution.auto_max_score == sum(e.points for e in chapter.graded_exercises), (
        [(c.grade_id, c.score) for c in solution.cells], solution.messages)
    assert release.auto_score == 0
    manual = {c.grade_id for c in solution.cells if c.needs_manual_grade}
    assert manual == {e.id for e in chapter.exercises if e.manual}
