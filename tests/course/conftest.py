"""Fixtures for the instructor-tooling tests.

Two kinds of tests live here:

- tool tests run ``nnkit build|check|grade|mutants`` on a miniature course copied from
  ``fixtures/minicourse`` into a temporary folder (one chapter, one exercise, a visible and a
  hidden test, a ``uses-stubs`` cell, a written answer, three mutants), so they do not depend
  on the real chapters;
- course tests (``test_course.py``) run the same checks over whatever ``course.yml`` lists.

nbgrader starts one kernel per graded notebook, which is slow on a small machine, so the
expensive runs happen once per session and many tests read their results.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nnkit.course.build import build
from nnkit.course.manifest import load_course

from course_fixtures import clone, copy_course

# The fixture course contains notebooks after a build; nbval must never collect them.
collect_ignore_glob = ["fixtures/*"]


@pytest.fixture(scope="session")
def built_course(tmp_path_factory) -> Path:
    """A pristine, built copy of the fixture course. Do not modify: :func:`clone` it."""
    root = copy_course(tmp_path_factory.mktemp("pristine") / "course")
    build(load_course(root))
    return root


@pytest.fixture
def course_copy(built_course, tmp_path) -> Path:
    """A private, built copy of the fixture course that a test may break."""
    return clone(built_course, tmp_path / "course")
