"""The one mutant harness: every mutant of every chapter in course.yml, replayed in process.

For each chapter the manifest lists, the slimmed solution notebook runs in this process
(:func:`nnkit.course.mutants.replay`: imports, solution cells, graded test cells with their
hidden tests, as nbgrader would run them). The solution must pass every graded test cell, and
each mutant, the hand-written wrong answers of ``tests/mutants/<chapter>.yml`` and the
generated ones that call a forbidden concept's kernels, must fail every cell it lists.
A new chapter is picked up from its manifest entry alone; nothing here names a chapter.

``nnkit verify --mutants`` (tests/course/test_course.py) proves the same through real nbgrader
autograding; this replay is the fast version that runs with every ``pytest``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nnkit.course.manifest import load_course
from nnkit.course.mutants import MutantError, load_mutants, replay

REPO = Path(__file__).resolve().parents[2]
COURSE = load_course(REPO)


def _params():
    out = []
    for chapter in COURSE.chapters:
        try:
            mutants = load_mutants(chapter).mutants
        except MutantError as exc:
            out.append(pytest.param(chapter, None, str(exc), id=f"{chapter.id}:unreadable"))
            continue
        out += [pytest.param(chapter, m, None, id=f"{chapter.id}:{m.id}") for m in mutants]
    return out


@pytest.mark.parametrize("chapter", COURSE.chapters, ids=lambda c: c.id)
def test_solution_passes_every_graded_cell(chapter):
    results = replay(chapter)
    assert set(results) == {e.test_id for e in chapter.graded_exercises}, (
        f"graded test cells {sorted(results)} do not match the exercises of course.yml")
    failed = {k: v for k, v in results.items() if v is not None}
    assert not failed, failed


@pytest.mark.parametrize("chapter, mutant, load_error", _params())
def test_mutant_fails_every_cell_it_kills(chapter, mutant, load_error):
    assert load_error is None, load_error
    results = replay(chapter, {mutant.cell: mutant.source}, only=list(mutant.kills), notebook=mutant.notebook)
    survived = [k for k in mutant.kills if results.get(k, "not run") is None]
    assert not survived, f"{mutant.id} ({mutant.why}) passes {survived}"
    if mutant.calls_reference:  # it returns the right answer: only the trap can have failed it
        for k in mutant.kills:
            assert "nnkit" in results[k], f"{mutant.id}: {k} failed, but not by the trap: {results[k]}"


@pytest.mark.parametrize("chapter", COURSE.chapters, ids=lambda c: c.id)
def test_every_graded_test_is_killed_by_three_handwritten_mutants(chapter):
    """DESIGN 4a.3: at least three plausible wrong answers per graded cell (besides the generated ones)."""
    written = [m for m in load_mutants(chapter).mutants if not m.calls_reference]
    count = {e.test_id: sum(e.test_id in m.kills for m in written) for e in chapter.graded_exercises}
    few = {k: n for k, n in count.items() if n < 3}
    assert not few, f"{chapter.mutants_file.name}: fewer than three plausible wrong answers kill {few}"


@pytest.mark.parametrize("chapter", COURSE.chapters, ids=lambda c: c.id)
def test_every_exercise_has_generated_reference_mutants(chapter):
    generated = [m for m in load_mutants(chapter).mutants if m.calls_reference]
    want = {(e.id, c) for e in chapter.graded_exercises for c in chapter.forbidden}
    assert {(m.cell, m.id.removeprefix(f"{m.cell}_calls_")) for m in generated} == want
