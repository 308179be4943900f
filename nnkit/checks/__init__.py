"""Student-facing feedback: one check per exercise, each a *hint ladder*.

Use in a notebook test cell::

    from nnkit import checks
    checks.quadratic_cost(quadratic_cost)               # visible: prints ✓/✗ rung by rung
    checks.quadratic_cost(quadratic_cost, hidden=True)  # hidden test: random inputs vs the reference

A check prints one ``✓``/``✗`` line per rung (type, shape, tiny case, edge cases, gradient) and
raises :class:`CheckFailed` (an ``AssertionError``) at the first failing rung, with the expected
value, what came back and a hint. While the student's function runs, the nnkit references it is
meant to replace are trapped (:func:`forbid_references`): calling one raises
:class:`ReferenceUsedError` and fails the check.

Layout
------
``_ladder.py``  the :class:`Ladder` framework (how to write a check: see its docstring)
``_trap.py``    :func:`forbid_references`, :class:`ReferenceUsedError`
``<topic>.py``  one module per chapter (``cost_functions.py`` for chapter 01, ...). Every public
                module of this package is imported here and the names in its ``__all__`` are
                re-exported, so a new chapter only adds its module (no edit to this file).
"""

from __future__ import annotations

from .._topics import export_topic_modules
from ._ladder import CheckFailed, Ladder, fmt
from ._trap import ReferenceUsedError, forbid_references

__all__ = ["CheckFailed", "Ladder", "ReferenceUsedError", "forbid_references", "fmt"]


export_topic_modules(globals())
