"""Interactive explorers for the notebooks (ipywidgets + matplotlib), one module per chapter.

Each explorer is a function returning an ipywidgets object (display it as the cell's last
expression). Its callbacks are plain functions in the same module (``simulate``, ``compute``,
``explore``, ...) so they can be tested without a browser. Shared machinery lives in
:mod:`nnkit.widgets._live`: the student's functions are looked up by name at every redraw
(``student_function`` / ``lookup``), and one matplotlib figure per explorer is re-rendered into
an ``ipywidgets.Image`` with only its changed artists redrawn (``FigureImage``).

Modules follow the chapter id (``03-activations`` -> ``ch03_activations``):
``ch01_cost_functions`` (a sigmoid neuron learning under quadratic vs cross-entropy cost) and
``ch02_softmax`` (sigmoid vs softmax outputs, temperature, both costs and their errors). Every
public module of this package is imported here and the names in its ``__all__`` that end in
``_explorer`` are re-exported (``from nnkit.widgets import slowdown_explorer``), so a new
chapter only adds its module. Helpers stay in their module:
``from nnkit.widgets.ch01_cost_functions import simulate``.
"""

from __future__ import annotations

from .._topics import export_topic_modules

__all__: list[str] = []


export_topic_modules(globals(), keep=lambda name: name.endswith("_explorer"))
