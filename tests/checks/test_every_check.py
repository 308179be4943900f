"""What every exercise check of every chapter in course.yml must do, whatever its topic.

One parametrized test per property over the manifest's graded exercises, so a new chapter is
covered by its manifest entry alone (the per-chapter test files test their own diagnoses).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nnkit import checks
from nnkit.checks import CheckFailed
from nnkit.checks._ladder import reset_session
from nnkit.course.manifest import load_course

COURSE = load_course(Path(__file__).resolve().parents[2])
GRADED = [e.id for chapter in COURSE.chapters for e in chapter.graded_exercises]


@pytest.mark.parametrize("exercise", GRADED)
def test_an_unwritten_stub_fails_with_not_implemented_yet(exercise):
    """The student's first run of a test cell: the stub as released, visible and hidden."""
    namespace: dict = {}
    exec(f"def {exercise}(*args, **kwargs):\n    raise NotImplementedError()", namespace)
    reset_session()
    for hidden in (False, True):
        with pytest.raises(CheckFailed, match=f"{exercise} is not implemented yet"):
            check = getattr(checks, exercise)
            check(namespace[exercise], hidden=True, rng=0) if hidden else check(namespace[exercise])
