"""The progress cell that ends every chapter: ``checks.summary("NN-topic")``.

It lists the chapter's exercises in notebook order (from the manifest, ``course.yml``), each
with ``✓`` (its latest check passed in this kernel session), ``✗`` (failed), ``·`` (not run
yet) or ``✎`` (a written answer, graded by the instructor), its points, and what is left::

    Progress in 01-cost-functions: 4 of 6 checked exercises pass (8 of 13 points)
      ✓ quadratic_cost           2 pts
      ✗ quadratic_delta          2 pts   failed at "tiny case: z = 0, a = 0.5, y = 0"
      · neuron_step              2 pts   not run yet
      ✎ why_cross_entropy        1 pt    written answer, graded by your instructor
    Left: quadratic_delta, neuron_step (4 points). Re-run a test cell after fixing its function.

The state is this kernel's: after a restart every exercise is "not run" until its test cell
runs again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import _ladder

__all__ = ["summary", "chapter_exercises", "Exercise"]


@dataclass(frozen=True)
class Exercise:
    """What the progress cell needs of a manifest exercise."""

    id: str
    points: float | None = None
    manual: bool = False


def _as_exercise(entry: Any) -> Exercise:
    get = entry.get if isinstance(entry, dict) else (lambda k, d=None: getattr(entry, k, d))
    points = get("points", None)
    return Exercise(id=str(get("id")), points=None if points is None else float(points),
                    manual=bool(get("manual", False)))


def chapter_exercises(chapter_id: str, course: Any = None) -> list[Exercise]:
    """The chapter's exercises in notebook order, from the manifest (``exercises`` of its entry).

    ``course`` is a loaded course (anything with ``.chapter(id)`` whose chapter has
    ``exercises``); default: the running course, :func:`nnkit.course.manifest.runtime_course`.
    """
    if course is None:
        course = _ladder._load_course()
        if course is None:
            raise KeyError("no course manifest (course.yml) found: cannot list the exercises")
    try:
        chapter = course.chapter(chapter_id)
    except KeyError:
        known = getattr(course, "chapter_ids", None)
        raise KeyError(f"no chapter {chapter_id!r}" + (f"; known: {list(known)}" if known else "")) from None
    return [_as_exercise(e) for e in getattr(chapter, "exercises", ())]


def _pts(p: float | None) -> str:
    if p is None:
        return ""
    n = f"{p:g}"
    return f"{n} pt" if p == 1 else f"{n} pts"


def _total(exercises: Iterable[Exercise]) -> str:
    pts = [e.points for e in exercises]
    if not pts or any(p is None for p in pts):
        return ""
    return f"{sum(pts):g}"


def summary(chapter_id: str, *, course: Any = None) -> None:
    """Print the chapter's progress: each exercise ✓/✗/not run, its points, and what is left."""
    exercises = chapter_exercises(chapter_id, course)
    checked = [e for e in exercises if not e.manual]
    state = {e.id: _ladder.status(e.id) for e in checked}
    done = [e for e in checked if state[e.id] == "passed"]
    left = [e for e in checked if state[e.id] != "passed"]
    width = max((len(e.id) for e in exercises), default=10) + 2
    total, earned = _total(exercises), _total(done)
    head = f"Progress in {chapter_id}: {len(done)} of {len(checked)} checked exercises pass"
    if total:
        head += f" ({earned or 0} of {total} points)"
    lines = [head]
    for e in exercises:
        if e.manual:
            mark, note = "✎", "written answer, graded by your instructor"
        else:
            s = state[e.id]
            mark = {"passed": _ladder.PASS, "failed": _ladder.FAIL}.get(s, "·")
            rec = _ladder._SESSION.get(e.id)
            if s == "failed" and rec is not None and rec.last_step:
                note = f'failed at "{rec.last_step}"'
            elif s == "not run":
                note = "not run yet"
            else:
                note = ""
        line = f"  {mark} {e.id:<{width}} {_pts(e.points):<7} {note}".rstrip()
        if len(line) > _ladder.WIDTH:  # a long rung name: cut it, the test cell shows it whole
            line = line[:_ladder.WIDTH - 4] + '..."'
        lines.append(line)
    if left:
        pts = _total(left)
        lines.extend(_ladder._wrap("Left: ", ", ".join(e.id for e in left)
                                   + (f" ({pts} points)." if pts else ".")
                                   + " Re-run a test cell after fixing its function."))
    else:
        lines.append(f"{_ladder.PASS} Every checked exercise passes. Well done!")
    print("\n".join(lines))
