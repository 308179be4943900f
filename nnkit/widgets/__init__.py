"""Interactive explorers for the notebooks (ipywidgets + matplotlib), one module per topic.

Each explorer is a function returning an ipywidgets object (display it as the cell's last
expression). Its callbacks are plain functions in the same module (``simulate``, ``draw``,
``render_png``, ...) so they can be tested without a browser. Figures are rendered to PNG
and shown in an ``ipywidgets.Output``; every explorer has at least one slider.

Modules: ``slowdown`` (chapter 01: a sigmoid neuron learning under quadratic vs cross-entropy
cost), ``softmax`` (chapter 02: sigmoid vs softmax outputs, temperature, both costs). Every public module of this package is imported here and the names in its ``__all__``
that end in ``_explorer`` are re-exported (``from nnkit.widgets import slowdown_explorer``), so
a new chapter only adds its module. Helpers (``simulate``, ``draw``, ...) stay in their module:
``from nnkit.widgets.slowdown import simulate``.
"""

from __future__ import annotations

import importlib
import pkgutil

__all__: list[str] = []


def _export_topic_modules() -> None:
    """Import every ``nnkit/widgets/<topic>.py``; re-export its ``*_explorer`` names (clashes are an error)."""
    owners: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name in getattr(module, "__all__", ()):
            if not name.endswith("_explorer"):
                continue
            if name in owners and owners[name] != module.__name__:
                raise ImportError(f"nnkit.widgets: {name!r} is exported by both {owners[name]} and {module.__name__}")
            owners[name] = module.__name__
            globals()[name] = getattr(module, name)
            __all__.append(name)


_export_topic_modules()
