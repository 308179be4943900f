"""Tiny generated notebooks that look like a chapter, for testing the harness itself.

``solution``  imports, one exercise (nbgrader solution cell), its graded test, a harmless
              warning on stderr, and a FloatSlider driving a matplotlib plot in an Output.
``student``   the same after a release build: the body is a ``NotImplementedError`` stub and
              the cells that need it are tagged ``raises-exception``.
``frozen``    a slider whose callback redraws the very same picture (the redraw check must
              notice that the plot never changes).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

IMPORTS = """\
%matplotlib inline
import warnings
import numpy as np
import matplotlib.pyplot as plt
import ipywidgets as widgets"""

SOLUTION_BODY = """\
def wave(x, freq):
    \"\"\"Return sin(freq * x).\"\"\"
    ### BEGIN SOLUTION
    return np.sin(freq * x)
    ### END SOLUTION"""

STUB_BODY = """\
def wave(x, freq):
    \"\"\"Return sin(freq * x).\"\"\"
    # YOUR CODE HERE
    raise NotImplementedError()"""

TEST = """\
\"\"\"Check that wave is a sine of the right frequency.\"\"\"
assert np.isclose(wave(np.pi / 2, 1.0), 1.0)"""

WIDGET = """\
def wave_explorer(curve=wave):
    slider = widgets.FloatSlider(value=1.0, min=0.5, max=3.0, step=0.1, description="freq")
    out = widgets.Output()

    def redraw(change=None):
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(4, 2.5))
            x = np.linspace(0, 2 * np.pi, 200)
            ax.plot(x, curve(x, FREQ(slider.value)))
            ax.set_title("a sine wave")
            plt.show()

    slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([slider, out])

wave_explorer()"""


def _meta(grade_id: str, solution: bool, grade: bool, points: int = 0) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _notebook(kind: str) -> nbformat.NotebookNode:
    student = kind == "student"
    stub_tags = {"tags": ["raises-exception"]} if student else {}
    freq = "lambda f: 1.0" if kind == "frozen" else "lambda f: f"
    nb = new_notebook(metadata={"kernelspec": KERNELSPEC})
    nb.cells = [
        new_markdown_cell("# Harness self-test\nA tiny chapter: one exercise, one test, one widget."),
        new_code_cell(IMPORTS + f"\nFREQ = {freq}"),
        new_code_cell('warnings.warn("a warning on stderr is not an error")'),
        new_code_cell(STUB_BODY if student else SOLUTION_BODY, metadata=_meta("wave", True, False)),
        new_markdown_cell("The test below checks your `wave`."),
        new_code_cell(TEST, metadata={**_meta("test_wave", False, True, 1), **stub_tags}),
        new_code_cell(WIDGET, metadata=stub_tags),
    ]
    return nb


def write_selftest_notebooks(folder: Path) -> dict[str, Path]:
    """Write the three notebooks into ``folder``; return their paths by kind."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for kind in ("solution", "student", "frozen"):
        path = folder / f"selftest_{kind}.ipynb"
        nbformat.write(_notebook(kind), path)
        paths[kind] = path
    return paths
