"""A failing check shows its report and nothing else, where students read it.

Executed for real: a notebook runs in a Jupyter kernel (nbclient), and a tiny nbgrader course is
autograded and given feedback HTML with nbgrader's own command line. In every place (the cell's
outputs, the text nbgrader's Validate dialog shows, the feedback HTML) the failure report
appears once, with its diagnosis, and no traceback: no path into nnkit, no "Traceback", no
line of the checker's source.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import os

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NBGRADER = Path(sys.executable).with_name("nbgrader")
# nbgrader runs `alembic` (next to it in the venv) when it opens a gradebook
ENV = {**os.environ, "PATH": f"{NBGRADER.parent}{os.pathsep}{os.environ.get('PATH', '')}"}

# A student's quadratic_cost that forgets the 1/n: fails at the "batch of 2" rung with a diagnosis.
WRONG = "def quadratic_cost(a, y):\n    return 0.5 * np.sum((a - y) ** 2)\n"
RIGHT = "def quadratic_cost(a, y):\n    return 0.5 * np.sum((a - y) ** 2) / a.shape[0]\n"
CHECK = '"""Check that quadratic_cost is right."""\nchecks.quadratic_cost(quadratic_cost)\n'
DIAGNOSIS = "you summed over the batch"
# What must never reach a student: tracebacks, nnkit's files, the checker's code.
LEAKS = ["nnkit/", "Traceback", "File \"", "lad.close", "lad.call", "mistakes=", "site-packages", "----> "]


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _assert_no_leaks(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} reaches the student:\n{text}"


def _notebook(student_source: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("import numpy as np\nfrom nnkit import checks"),
        nbformat.v4.new_code_cell(student_source),
        nbformat.v4.new_code_cell(CHECK),
    ]
    return nb


def test_a_failing_check_in_a_real_kernel_shows_only_its_report(tmp_path):
    nb = _notebook(WRONG)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[2].outputs
    errors = [o for o in outputs if o.output_type == "error"]
    assert len(errors) == 1, outputs
    shown = _strip_ansi("\n".join(errors[0].traceback))
    stdout = "".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.name == "stdout")
    stderr = "".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.name == "stderr")

    # the report: the failed rung, expected/got and the diagnosis, once
    assert shown.startswith("✗ quadratic_cost: batch of 2 examples"), shown
    assert "expected: 0.1375" in shown and "got:      0.275" in shown and DIAGNOSIS in shown
    everything = stdout + stderr + shown
    assert everything.count(DIAGNOSIS) == 1 and everything.count("✗") == 1, everything
    # the passed rungs were printed as they passed, above the report
    assert "✓ tiny case: one example, one output" in stdout
    assert not stderr
    _assert_no_leaks(shown)
    _assert_no_leaks(stdout)
    assert max(len(line) for line in shown.splitlines()) <= 92


def test_a_student_error_quotes_the_students_line_not_nnkits(tmp_path):
    nb = _notebook("def quadratic_cost(a, y):\n    diff = a - y\n    return diff.sumsq() / 2\n")
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    (error,) = [o for o in nb.cells[2].outputs if o.output_type == "error"]
    shown = _strip_ansi("\n".join(error.traceback))
    assert "✗ quadratic_cost: runs without an error" in shown
    assert "AttributeError: 'numpy.ndarray' object has no attribute 'sumsq'" in shown
    assert "line 3: return diff.sumsq() / 2" in shown, shown
    _assert_no_leaks(shown)


# --------------------------------------------------------------------------- nbgrader
def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(NBGRADER), *args, "--CourseDirectory.root=" + str(course)], cwd=course,
                          capture_output=True, text=True, timeout=300, env=ENV)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def _graded(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Mark the cells as nbgrader would: a solution cell and a graded test cell."""
    nb.cells[1].metadata["nbgrader"] = {"grade": False, "grade_id": "quadratic_cost", "locked": False,
                                        "schema_version": 3, "solution": True}
    nb.cells[2].metadata["nbgrader"] = {"grade": True, "grade_id": "test_quadratic_cost", "locked": True,
                                        "points": 2, "schema_version": 3, "solution": False}
    return nb


@pytest.mark.skipif(not NBGRADER.exists(), reason="nbgrader is not installed in this environment")
def test_nbgrader_feedback_and_validate_show_only_the_report(tmp_path):
    course = tmp_path / "course"
    (course / "source" / "ps1").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'demo'\n"
        "c.CourseDirectory.db_url = 'sqlite:///" + str(course / "gradebook.db") + "'\n")
    nbformat.write(_graded(_notebook(RIGHT)), course / "source" / "ps1" / "ps1.ipynb")
    _nbgrader(course, "generate_assignment", "ps1", "--force")
    _nbgrader(course, "db", "student", "add", "alice")
    submitted = course / "submitted" / "alice" / "ps1"
    submitted.mkdir(parents=True)
    release = nbformat.read(course / "release" / "ps1" / "ps1.ipynb", as_version=4)
    release.cells[1].source = WRONG  # the student's wrong answer
    nbformat.write(release, submitted / "ps1.ipynb")
    (submitted / "timestamp.txt").write_text("2026-12-03 08:00:00.000000 UTC")

    # The Validate dialog: nbgrader's validator prints the error outputs' traceback lines.
    proc = subprocess.run([str(NBGRADER), "validate", str(submitted / "ps1.ipynb")], cwd=course,
                          capture_output=True, text=True, timeout=300, env=ENV)
    validate = _strip_ansi(proc.stdout + proc.stderr)
    assert DIAGNOSIS in validate and validate.count(DIAGNOSIS) == 1, validate
    _assert_no_leaks(validate)

    _nbgrader(course, "autograde", "ps1", "--force")
    graded = nbformat.read(course / "autograded" / "alice" / "ps1" / "ps1.ipynb", as_version=4)
    (error,) = [o for o in graded.cells[2].outputs if o.output_type == "error"]
    stored = _strip_ansi("\n".join(error.traceback))
    assert DIAGNOSIS in stored
    _assert_no_leaks(stored)

    _nbgrader(course, "generate_feedback", "ps1", "--force")
    page = (course / "feedback" / "alice" / "ps1" / "ps1.html").read_text(encoding="utf-8")
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S | re.I)
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert text.count(DIAGNOSIS) == 1, "the report should appear exactly once in the feedback"
    assert "✗ quadratic_cost: batch of 2 examples" in text
    _assert_no_leaks(text)
