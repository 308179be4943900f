"""Small notebook helpers shared by the build, the checks, the grader and the mutant runner.

nbgrader keeps its cell metadata under ``cell.metadata.nbgrader``; the helpers here
read it (solution cell, graded test cell, points), find the secret regions
(``### BEGIN SOLUTION`` ... ``### END SOLUTION`` and ``### BEGIN HIDDEN TESTS`` ...
``### END HIDDEN TESTS``) and read/write notebooks byte-for-byte deterministically
(sorted keys, one-space indent, trailing newline: nbformat's own layout).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

#: Marker pairs whose content must never reach a release.
SECRET_MARKERS = (("BEGIN SOLUTION", "END SOLUTION"), ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))
#: Every marker string, for the "no markers in chapters/" scan.
MARKER_STRINGS = tuple(m for pair in SECRET_MARKERS for m in pair)

TAG_USES_STUBS = "uses-stubs"
TAG_RAISES = "raises-exception"
TAG_CHECK_OUTPUT = "nbval-check-output"


def read_notebook(path: str | os.PathLike) -> NotebookNode:
    """Read a notebook as nbformat v4 (raises on unreadable JSON)."""
    return nbformat.read(os.fspath(path), as_version=4)


def dumps_notebook(nb: NotebookNode) -> str:
    """Deterministic JSON text of ``nb`` (nbformat's layout: sorted keys, indent 1, final newline)."""
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def write_notebook(nb: NotebookNode, path: str | os.PathLike) -> None:
    """Write ``nb`` to ``path`` with :func:`dumps_notebook` (only if the bytes change)."""
    path = Path(path)
    text = dumps_notebook(nb)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def nbgrader_meta(cell: NotebookNode) -> dict:
    """The ``nbgrader`` metadata of ``cell`` (empty dict if none)."""
    return dict(cell.get("metadata", {}).get("nbgrader", {}) or {})


def grade_id(cell: NotebookNode) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def is_solution_cell(cell: NotebookNode) -> bool:
    """A cell the student fills in (code exercise or written answer)."""
    return bool(nbgrader_meta(cell).get("solution", False))


def is_grade_cell(cell: NotebookNode) -> bool:
    """A cell worth points (graded test, or a written answer graded by hand)."""
    return bool(nbgrader_meta(cell).get("grade", False))


def is_graded_test_cell(cell: NotebookNode) -> bool:
    """An autograded test cell: a code cell worth points that the student does not edit."""
    return cell.cell_type == "code" and is_grade_cell(cell) and not is_solution_cell(cell)


def is_exercise_cell(cell: NotebookNode) -> bool:
    """A code cell the student fills in."""
    return cell.cell_type == "code" and is_solution_cell(cell)


def cell_points(cell: NotebookNode) -> float:
    """Points of a grade cell (0 for other cells)."""
    meta = nbgrader_meta(cell)
    if not meta.get("grade", False) and not meta.get("task", False):
        return 0.0
    return float(meta.get("points", 0) or 0)


def notebook_points(nb: NotebookNode) -> float:
    """Total points of a notebook (autograded plus manually graded)."""
    return sum(cell_points(c) for c in nb.cells)


def cells_by_grade_id(nb: NotebookNode) -> dict[str, NotebookNode]:
    """``grade_id -> cell`` for every nbgrader cell of ``nb``."""
    return {gid: c for c in nb.cells if (gid := grade_id(c))}


def tags(cell: NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []) or [])


def set_tags(cell: NotebookNode, new_tags: list[str]) -> None:
    """Set the tags of ``cell`` (dropping the key when empty); order kept, duplicates dropped."""
    unique = list(dict.fromkeys(new_tags))
    if unique:
        cell.metadata["tags"] = unique
    else:
        cell.metadata.pop("tags", None)


@dataclass(frozen=True)
class SplitSource:
    """Lines of a cell split into the parts a student sees and the secret parts."""

    visible: list[str]
    secret: list[str]
    unclosed: str | None = None  # name of a marker opened but never closed


def split_secret(source: str) -> SplitSource:
    """Split ``source`` into visible lines and lines inside secret regions (markers excluded).

    Parameters
    ----------
    source : str
        Cell source.

    Returns
    -------
    SplitSource
        ``visible`` lines outside every region (marker lines dropped), ``secret`` lines inside one.
    """
    visible: list[str] = []
    secret: list[str] = []
    open_end: str | None = None
    opened: str | None = None
    for line in source.splitlines():
        if open_end is None:
            for begin, end in SECRET_MARKERS:
                if begin in line:
                    open_end, opened = end, begin
                    break
            else:
                visible.append(line)
        elif open_end in line:
            open_end = None
        else:
            secret.append(line)
    return SplitSource(visible=visible, secret=secret, unclosed=opened if open_end else None)


def code_cells_source(nb: NotebookNode) -> list[tuple[int, str]]:
    """``(index, source)`` of every code cell."""
    return [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
