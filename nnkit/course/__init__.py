"""Instructor tooling for the course: manifest, build, check, grade and mutants.

The command line front end is ``nnkit`` (``nnkit build``, ``nnkit check``,
``nnkit grade``, ``nnkit mutants``); see :mod:`nnkit.course.cli`.

Modules (one concern each):

- :mod:`~nnkit.course.manifest`     read and validate ``course.yml`` (the one reader everyone uses)
- :mod:`~nnkit.course.notebooks`    small notebook helpers: nbgrader metadata, tags, secret regions
- :mod:`~nnkit.course.nbgrader_env` the nbgrader configuration of the course, pointed at a work dir
- :mod:`~nnkit.course.build`        jupytext sync, nbgrader generate_assignment, release post-processing
- :mod:`~nnkit.course.grade`        nbgrader autograde in a throwaway course dir, feedback, grades.csv
- :mod:`~nnkit.course.mutants`      wrong answers as data (``tests/mutants/<chapter>.yml``), run as submissions
- :mod:`~nnkit.course.references`   static scan for uses of nnkit references a chapter forbids
- :mod:`~nnkit.course.check`        the release checks CI relies on
"""

from nnkit.course.manifest import Chapter, Course, ManifestError, load_course

__all__ = ["Chapter", "Course", "ManifestError", "load_course"]
