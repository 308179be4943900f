"""Student-facing feedback: one check per exercise, each a *hint ladder*.

Use in a notebook test cell::

    from nnkit import checks
    checks.quadratic_cost(quadratic_cost)               # visible: prints ✓/✗ rung by rung
    checks.quadratic_cost(quadratic_cost, hidden=True)  # hidden test: random inputs vs the reference
    checks.hint("quadratic_cost")                       # every hint of the last failure, up to the formula
    checks.summary("01-cost-functions")                 # progress: each exercise ✓/✗/not run, points left

A check prints one ``✓`` line per passed rung (type, shape, tiny case, edge cases, gradient) and
raises :class:`CheckFailed` (an ``AssertionError``) at the first failing rung; in Jupyter the
exception shows only its report (expected, got, the first difference, one hint), no traceback.
Hints escalate with repeated failures. While the student's function runs, the nnkit kernels of
the chapter's forbidden concepts are trapped: calling one fails the check.

Layout
------
``_ladder.py``  the :class:`Ladder` framework (how to write a check: see its docstring)
``_trap.py``    :func:`forbid_references`, :class:`ReferenceUsedError`
``_progress.py``  :func:`summary`, the progress cell that ends every chapter
``chNN_topic.py``  one module per chapter (``ch01_cost_functions.py`` for ``01-cost-functions``). Every public
                module of this package is imported here and the names in its ``__all__`` are
                re-exported, so a new chapter only adds its module (no edit to this file).
"""

from __future__ import annotations

from .._topics import export_topic_modules
from ._ladder import CheckFailed, Ladder, fmt, hint
from ._progress import summary
from ._trap import ReferenceUsedError, forbid_references

__all__ = ["CheckFailed", "Ladder", "ReferenceUsedError", "forbid_references", "fmt", "hint", "summary"]


export_topic_modules(globals())
