"""Instructor tooling for the course: manifest, build, verify, grade, the term's records, mutants.

The command line front end is ``nnkit`` (``nnkit build``, ``nnkit verify``, ``nnkit grade``,
``nnkit export``, ``nnkit report``, ``nnkit mutants``); see :mod:`nnkit.course.cli`.

Modules (one concern each):

- :mod:`~nnkit.course.manifest`     read and validate ``course.yml`` (the one reader everyone uses)
- :mod:`~nnkit.course.notebooks`    small notebook helpers: nbgrader metadata, tags, secret regions
- :mod:`~nnkit.course.nbgrader_env` the nbgrader configuration of the course, pointed at a work dir
- :mod:`~nnkit.course.build`        jupytext sync, nbgrader generate_assignment, release post-processing
- :mod:`~nnkit.course.grade`        grading results; nbgrader autograde in a throwaway course dir (``--engine nbgrader``)
- :mod:`~nnkit.course.sandbox`      bubblewrap sandbox and limits for student code
- :mod:`~nnkit.course.remote`       a student kernel in the sandbox; its functions called with data only
- :mod:`~nnkit.course.trusted`      one submission graded: student code sandboxed, checks run outside
- :mod:`~nnkit.course.grading_run`  a class graded: process pool or Dask, resumable results
- :mod:`~nnkit.course.term`         the term: grades into nbgrader's gradebook, feedback, late rule, export
- :mod:`~nnkit.course.report`       the class report: scores, pass rates, misconceptions
- :mod:`~nnkit.course.mutants`      wrong answers as data (``tests/mutants/<chapter>.yml``), run as submissions
- :mod:`~nnkit.course.references`   static scan for uses of nnkit references a chapter forbids
- :mod:`~nnkit.course.verify`       ``nnkit verify``: the course verifications CI relies on
- :mod:`~nnkit.course.student_copy` the student copy ``work/`` that ``make lab`` opens

Words: a *check* is student feedback (:mod:`nnkit.checks`); *verify* is the instructor's proof
that the course is right; the *term* is the nbgrader course folder holding one class's gradebook;
the *workspace* is nbgrader's temporary course folder (``nnkit verify``, ``--engine nbgrader``);
the *student copy* is ``work/``.
"""

from nnkit.course.manifest import Chapter, Course, Exercise, ManifestError, exercise, load_course

__all__ = ["Chapter", "Course", "Exercise", "ManifestError", "exercise", "load_course"]
