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

from .._topics import export_topic_modules

__all__: list[str] = []


export_topic_modules(globals(), keep=lambda name: name.endswith("_explorer"))
