"""Which notebooks the browser tests open, and what they look for in them: all from course.yml.

``nnkit.course.manifest.load_course`` is the one reader of the manifest (there is no second
one here). A chapter added to course.yml is covered with no edit to tests/browser: its
notebooks come from the manifest, its graded exercises from the manifest's ``exercises``,
its explorers from its widget module (``Chapter.widgets_module``, names ending in
``_explorer``), and the cells that matter are found by their nbgrader ``grade_id``.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ChapterNotebook:
    """One notebook of one chapter: its solution, its student release and what to test in it."""

    chapter: str
    name: str
    solution: Path
    release: Path
    #: ids of the chapter's graded (non-manual) exercises, in notebook order
    exercises: tuple[str, ...] = ()
    #: names of the chapter's explorer functions (its widget module's ``*_explorer``)
    explorers: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return f"{self.chapter}--{self.name}"


def chapter_explorers(widgets_module: str) -> tuple[str, ...]:
    """The ``*_explorer`` names a chapter's widget module exports (empty if it has none yet)."""
    try:
        module = importlib.import_module(widgets_module)
    except ModuleNotFoundError as exc:
        if exc.name != widgets_module:
            raise
        return ()
    return tuple(n for n in getattr(module, "__all__", ()) if n.endswith("_explorer"))


def chapter_notebooks(root: Path = REPO) -> list[ChapterNotebook]:
    """Every (chapter, notebook) pair of the course, in manifest order; [] without course.yml."""
    if not (root / "course.yml").is_file():
        return []
    from nnkit.course.manifest import load_course

    course = load_course(root)
    return [
        ChapterNotebook(ch.id, nbp.name, nbp.source_ipynb, nbp.release_ipynb,
                        tuple(e.id for e in ch.graded_exercises), chapter_explorers(ch.widgets_module))
        for ch in course.chapters
        for nbp in ch.notebook_paths
    ]


def grade_cells(nb) -> dict[str, int]:
    """``grade_id -> cell index`` of a notebook's nbgrader cells."""
    out = {}
    for i, cell in enumerate(nb.cells):
        gid = ((cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id"))
        if gid:
            out[gid] = i
    return out


def explorer_cells(nb, explorers) -> list[int]:
    """Code cells that call one of the chapter's explorers (``name(`` in the source)."""
    if not explorers:
        return []
    call = re.compile(r"\b(" + "|".join(map(re.escape, explorers)) + r")\s*\(")
    return [i for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and call.search(c.source) and not c.source.lstrip().startswith(("def ", "from "))]
