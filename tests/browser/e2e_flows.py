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


# ---------------------------------------------------------------------------- live widgets, failing checks
#: What must never reach a student's failing check output: nnkit's own source or its paths.
NNKIT_SOURCE = re.compile(r"nnkit[/\\]|site-packages|_ladder|\blad\.\w+\(|^\s*-*> ?\d+ ", re.MULTILINE)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def source_problems(text: str) -> list[str]:
    """Lines of a check's output that quote nnkit's source (paths, ladder calls, traceback arrows),
    and paragraphs printed twice."""
    out = [f"quotes nnkit source or paths: {line.strip()[:160]!r}"
           for line in text.splitlines() if NNKIT_SOURCE.search(line)]
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) > 40]
    out += [f"printed twice: {p[:120]!r}" for k, p in enumerate(paragraphs) if p in paragraphs[:k]]
    return out


def wrong_answer(stub_source: str) -> str:
    """The stub with its ``raise NotImplementedError()`` replaced by ``return None``: a plausible
    first attempt that runs and is wrong, for any exercise."""
    if "raise NotImplementedError" not in stub_source:
        raise AssertionError(f"not a stub:\n{stub_source[:300]}")
    return re.sub(r"raise NotImplementedError\(\)?", "return None", stub_source, count=1)


def check_failing_check(nbpage: NotebookPage, artifacts: Path, label: str, exercises) -> dict:
    """Student copy: answer the first exercise wrongly, run its graded test, read what it shows.

    The output must be the check's report only: no nnkit source line or path, no traceback
    arrow into nnkit, nothing printed twice.
    """
    from e2e_course import grade_cells

    cells = grade_cells(nbpage.nb)
    present = [e for e in exercises if e in cells and f"test_{e}" in cells]
    assert present, f"{nbpage.relpath}: none of the chapter's exercises {list(exercises)} has a solution and test cell"
    ex = present[0]
    stub, test = cells[ex], cells[f"test_{ex}"]
    nbpage.open()
    snap = nbpage.run_all_above(stub)
    _fail(nbpage, "the cells before the first exercise failed",
          nbpage.problems(snap, [i for i in code_cells(nbpage.nb) if i < stub]))
    nbpage.set_cell_source(stub, wrong_answer(nbpage.nb.cells[stub].source))
    nbpage.run_cell(stub)
    snap = nbpage.run_cell(test)
    text = nbpage.cell_text(snap, test)
    nbpage.screenshot_cell(test, artifacts / f"{label}-failing-check.png")
    problems = [] if text.strip() else [f"graded test cell {test} of {ex} shows nothing for a wrong answer"]
    problems += source_problems(text)
    _fail(nbpage, f"the failing check of {ex} (cell {test}) shows more than its report:\n{text[-3000:]}\n",
          problems)
    return {"exercise": ex, "test_cell": test, "chars": len(text)}


def _there_and_back(nbpage: NotebookPage, cell: int) -> RedrawResult:
    there = nbpage.move_slider(cell, 0, 1, timeout=60)
    back = "ArrowLeft" if float(there.values[-1]) > float(there.values[0]) else "ArrowRight"
    res = nbpage.move_slider(cell, 0, 1, timeout=60, direction=back)
    res.values = [there.values[0], *res.values]
    return res


def check_live_widget(nbpage: NotebookPage, artifacts: Path, label: str, solution_nb, exercises, explorers) -> dict:
    """Student copy: draw the widget with the stubs, write the functions, move a slider.

    The widget cell is NOT re-run. After the student's functions exist, moving the slider
    away and back to the same value must show a different picture or text than before at that
    value (the widget found the new functions).
    """
    from e2e_course import explorer_cells, grade_cells

    widget_cells_ = explorer_cells(nbpage.nb, explorers)
    assert widget_cells_, f"{nbpage.relpath}: no cell calls one of the chapter's explorers {list(explorers)}"
    cell = widget_cells_[0]
    solution_cells = grade_cells(solution_nb)
    student_cells = grade_cells(nbpage.nb)
    written = [e for e in exercises if e in student_cells and e in solution_cells]
    assert written, f"{nbpage.relpath}: no exercise of {list(exercises)} found in both notebooks"

    nbpage.open()
    snap = nbpage.run_all_above(cell + 1)  # everything up to the widget, with the stubs
    try:
        snap = nbpage.wait_until(f"the widget of cell {cell} to show a slider and a plot",
                                 lambda s: s["cells"][cell]["sliders"] > 0 and s["cells"][cell]["imgs"] > 0,
                                 timeout=60)
    except NotebookTimeout:
        _fail(nbpage, f"the widget of cell {cell} did not render with the stubs",
              nbpage.problems(snap, [i for i in code_cells(nbpage.nb) if i <= cell],
                              allow_errors={i for i in code_cells(nbpage.nb) if "raises-exception" in _tags(nbpage.nb.cells[i])}))
    prompt = snap["cells"][cell]["prompt"]
    nbpage.screenshot_cell(cell, artifacts / f"{label}-live-stubs.png")
    # The reference state: one move right and one back, so both states come from a slider move.
    first = _there_and_back(nbpage, cell)
    stub_png, stub_text = first.pngs[-1], nbpage.cell_text(nbpage.snapshot(), cell)

    for ex in written:  # paste each solution into its stub cell and run it, as a student would
        nbpage.set_cell_source(student_cells[ex], solution_nb.cells[solution_cells[ex]].source)
        nbpage.run_cell(student_cells[ex])

    second = _there_and_back(nbpage, cell)
    snap = nbpage.snapshot()
    live_png, live_text = second.pngs[-1], nbpage.cell_text(snap, cell)
    nbpage.screenshot_cell(cell, artifacts / f"{label}-live-written.png")
    problems = []
    if first.values[-1] != second.values[-1]:
        problems.append(f"the slider did not come back to the same value ({first.values[-1]} vs {second.values[-1]})")
    if snap["cells"][cell]["prompt"] != prompt:
        problems.append(f"the widget cell was re-run ({prompt} -> {snap['cells'][cell]['prompt']})")
    if live_png == stub_png and live_text == stub_text:
        problems.append(
            "same picture and text at the same slider value before and after the student's functions "
            f"{written} were written: the widget did not look them up again. Widget text:\n{live_text[-800:]}"
        )
    if "not implemented yet" in live_text:
        problems.append(f"the widget still says 'not implemented yet':\n{live_text[-800:]}")
    _fail(nbpage, f"the widget of cell {cell} did not pick up the new functions", problems)
    return {"cell": cell, "written": written, "text_changed": live_text != stub_text}
