"""nbgrader configuration of the course (read by `nnkit build|verify|grade|export` and plain `nbgrader`).

Layout: the instructor notebooks in solutions/<chapter-id>/ are nbgrader's "source"
step and the student notebooks in chapters/<chapter-id>/ its "release" step.
Build releases with `nnkit build` (it adds the nbval tags and metadata that plain
`nbgrader generate_assignment` does not). This folder is also the default *term*
(nnkit/course/term.py): `nbgrader collect` puts submissions into submitted/, `nnkit grade`
writes gradebook.db, autograded/ and feedback/ here (all git-ignored), and Formgrader
grades the written answers. `nnkit build` and `nnkit verify` use throwaway folders.
"""

import os

import yaml

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

_here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(_here, "course.yml"), encoding="utf-8") as _f:
    c.CourseDirectory.course_id = yaml.safe_load(_f)["course"]["id"]

c.CourseDirectory.root = _here
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "chapters"

# Never copied from solutions/<id>/ into a release (or into a grading folder):
# the jupytext .py sources hold the solutions and hidden tests in plain text.
c.CourseDirectory.ignore = [
    "*.py",
    "*.pyc",
    "__pycache__",
    ".ipynb_checkpoints",
    ".pytest_cache",
    ".hypothesis",
    "gradebook.db",
    "*.db-journal",
    ".DS_Store",
    "feedback",
]

# What a student sees where a solution was.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ClearSolutions.enforce_metadata = True

# Autograding: every cell gets at most this many seconds, then the kernel is interrupted
# and the cell records a CellTimeoutError (scoring 0 if it is a graded test).
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
c.Execute.startup_timeout = 120

# A student who deletes a graded test cell still gets it run: nbgrader puts it back.
c.OverwriteCells.add_missing_cells = True

# A submission that dumps megabytes of output should not bloat the feedback.
c.LimitOutput.max_lines = 500
c.LimitOutput.max_traceback = 100

# Late work: the course's rule (course.yml `course.late_penalty`, per chapter `due`).
c.AssignLatePenalties.plugin_class = "nnkit.course.term.CourseLatePenalty"
c.CourseLatePenalty.course_root = _here

# Feedback: the grader notes (model answer and rubric below each written answer, which
# Formgrader shows) are removed before nbgrader renders a student's feedback.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.converters import Autograde  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

from nnkit.course.term import HideGraderNotes, RefuseNbgraderAutograde  # noqa: E402

c.GenerateFeedback.preprocessors = [HideGraderNotes, GetGrades, CSSHTMLHeaderPreprocessor]

# Grades come from `nnkit grade` (sandboxed, checks outside the student's process). nbgrader's
# own autograde (and Formgrader's Autograde button) would run student code unsandboxed and let
# it overwrite those grades, so in a term it stops with a message saying so. nnkit's throwaway
# nbgrader runs (`nnkit verify`, `nnkit grade --engine nbgrader`) take this guard out.
c.Autograde.sanitize_preprocessors = [
    RefuseNbgraderAutograde, *Autograde.class_traits()["sanitize_preprocessors"].default()]
