"""The two things a browser test does with a chapter notebook.

:func:`check_solution`
    Instructor copy: Run All, no error anywhere, every widget renders, and moving a slider
    really redraws the plot (timed).
:func:`check_student`
    Fresh student copy: the set-up cells before the first exercise run cleanly; running the
    first stub and the graded test that calls it shows ``NotImplementedError``; the kernel
    survives and still answers.

Both raise ``AssertionError`` with a readable list of what went wrong. The harness
self-test runs them on tiny generated notebooks, including one that must fail.
"""

from __future__ import annotations

import re
from pathlib import Path

from e2e_notebook import NotebookPage, NotebookTimeout, RedrawResult, code_cells

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []) or [])


def saved_problems(nb) -> list[str]:
    """Error outputs in a saved notebook (exact: ``output_type == "error"``)."""
    out = []
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if o.get("output_type") == "error":
                out.append(f"cell {i} saved an error output: {o.get('ename')}: {o.get('evalue', '')[:200]}")
    return out


def widget_cells(nb) -> list[int]:
    """Cells whose saved outputs hold a widget view."""
    return [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and any(WIDGET_MIME in (o.get("data") or {}) for o in cell.get("outputs", []))
    ]


def _fail(nbpage: NotebookPage, what: str, problems: list[str]) -> None:
    if problems:
        listing = "\n- ".join(problems)
        raise AssertionError(f"{nbpage.relpath}: {what}:\n- {listing}")


def check_solution(nbpage: NotebookPage, artifacts: Path, label: str, moves: int = 7) -> RedrawResult:
    """Run a solution notebook top to bottom and play with its widget.

    Returns the redraw timings of the slider that was moved.
    """
    nbpage.open()
    snap = nbpage.run_all()
    expected = code_cells(nbpage.nb)
    saved = nbpage.save()
    need_widgets = widget_cells(saved)
    problems = saved_problems(saved)
    try:
        snap = nbpage.wait_until(
            f"widgets to render in cells {need_widgets}",
            lambda s: all(s["cells"][i]["widgets"] > 0 for i in need_widgets),
            timeout=60,
        )
    except NotebookTimeout:
        snap = nbpage.snapshot()
        problems += [
            f"cell {i} holds a widget but nothing rendered (is jupyterlab_widgets installed?)"
            for i in need_widgets
            if snap["cells"][i]["widgets"] == 0
        ]
    problems = nbpage.problems(snap, expected) + problems
    _fail(nbpage, "Run All did not finish cleanly", problems)

    if not any(c["sliders"] for c in snap["cells"]):
        raise AssertionError(f"{nbpage.relpath}: no ipywidgets slider on the page after Run All")
    candidates = [(c["index"], s) for c in nbpage.slider_cells(snap) for s in range(c["sliders"])]
    if not candidates:
        raise AssertionError(f"{nbpage.relpath}: no cell shows both a slider and a plot image")

    tried = []
    for cell, slider in candidates:
        before = nbpage.screenshot_cell(cell, artifacts / f"{label}-widget-before.png")
        try:
            first = nbpage.move_slider(cell, slider, 1, timeout=60)
        except NotebookTimeout as exc:
            tried.append(str(exc))
            continue
        rest = nbpage.move_slider(cell, slider, moves - 1, timeout=60) if moves > 1 else None
        result = first
        if rest is not None:
            result.times_ms += rest.times_ms
            result.values += rest.values[1:]
            result.pngs += rest.pngs[1:]
        nbpage.screenshot_cell(cell, artifacts / f"{label}-widget-after.png")
        nbpage.page.screenshot(path=str(artifacts / f"{label}-page.png"), full_page=False)
        assert before.is_file()
        for k in range(1, len(result.pngs)):
            assert result.pngs[k] != result.pngs[k - 1], f"move {k}: the plot PNG did not change"
        for k in range(1, len(result.values)):
            assert result.values[k] != result.values[k - 1], f"move {k}: the slider value did not change"
        return result
    raise AssertionError(
        f"{nbpage.relpath}: no slider redrew its plot. Tried:\n" + "\n".join(tried)
    )


def check_student(nbpage: NotebookPage, artifacts: Path, label: str) -> dict:
    """Run the set-up cells, the first stub and the graded test that calls it.

    Returns a small summary (cell indices and the error seen) for the report.
    """
    nb = nbpage.nb
    cells = nb.cells
    exercises = [i for i, c in enumerate(cells) if c.cell_type == "code" and _nbgrader(c).get("solution")]
    assert exercises, f"{nbpage.relpath}: no exercise cell (nbgrader solution) in the student notebook"
    stub = exercises[0]
    setup = [i for i in code_cells(nb) if i < stub]
    assert setup, f"{nbpage.relpath}: no set-up (imports) cell before the first exercise (cell {stub})"
    assert "NotImplementedError" in cells[stub].source, (
        f"{nbpage.relpath}: the first exercise (cell {stub}) is not a stub:\n{cells[stub].source[:400]}"
    )
    m = re.search(r"^def\s+(\w+)", cells[stub].source, re.MULTILINE)
    assert m, f"{nbpage.relpath}: the first exercise (cell {stub}) defines no function"
    func = m.group(1)
    graded = [
        i for i, c in enumerate(cells)
        if i > stub and c.cell_type == "code" and _nbgrader(c).get("grade")
        and re.search(rf"\b{re.escape(func)}\b", c.source)
    ]
    assert graded, f"{nbpage.relpath}: no graded test cell after cell {stub} calls {func}()"
    test = graded[0]

    nbpage.open()
    snap = nbpage.run_all_above(stub)
    _fail(nbpage, "the set-up cells before the first exercise failed", nbpage.problems(snap, setup))

    snap = nbpage.run_cells_from(stub, test)
    ran = [i for i in code_cells(nb) if stub <= i <= test]
    allowed = {i for i in ran if "raises-exception" in _tags(cells[i])}
    problems = nbpage.problems(snap, ran, allow_errors=allowed | {test})
    test_text = "\n".join(o["text"] for o in snap["cells"][test]["outputs"])
    if "NotImplementedError" not in test_text:
        problems.append(
            f"graded test cell {test} (calls {func}) should show NotImplementedError, shows:\n"
            f"{test_text[-1500:] or '(no output)'}"
        )
    _fail(nbpage, f"running stub {func} (cell {stub}) and its test (cell {test})", problems)

    # The kernel survived: it is idle, and it still executes (the count goes up).
    last = max(int(re.match(r"\[(\d+)\]", snap["cells"][i]["prompt"]).group(1)) for i in ran)
    nbpage.select_cell(setup[0])
    nbpage.page.keyboard.press("Control+Enter")
    nbpage.wait_until(
        f"cell {setup[0]} to run again with execution count > {last} (kernel still alive)",
        lambda s: s["status"] == "idle"
        and bool(re.match(r"\[(\d+)\]", s["cells"][setup[0]]["prompt"]))
        and int(re.match(r"\[(\d+)\]", s["cells"][setup[0]]["prompt"]).group(1)) > last,
        timeout=120,
    )
    nbpage.screenshot_cell(test, artifacts / f"{label}-student-test.png")
    return {"setup": setup, "stub": stub, "test": test, "function": func}
