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

import importlib
import pkgutil

from ._ladder import CheckFailed, Ladder, fmt
from ._trap import ReferenceUsedError, forbid_references

__all__ = ["CheckFailed", "Ladder", "ReferenceUsedError", "forbid_references", "fmt"]


def _export_chapter_modules() -> None:
    """Import every ``nnkit/checks/<topic>.py`` and re-export its ``__all__`` (clashes are an error)."""
    owners: dict[str, str] = {name: __name__ for name in __all__}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name in getattr(module, "__all__", ()):
            if name in owners and owners[name] != module.__name__:
                raise ImportError(f"nnkit.checks: {name!r} is exported by both {owners[name]} and {module.__name__}")
            owners[name] = module.__name__
            globals()[name] = getattr(module, name)
            __all__.append(name)


_export_chapter_modules()
