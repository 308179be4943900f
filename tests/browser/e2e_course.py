"""Which notebooks the browser tests open: every notebook of every chapter in course.yml.

``nnkit.course.manifest.load_course`` is the one reader of the manifest; if it cannot be
imported (a broken checkout) we read ``course.yml`` with PyYAML using the same layout
(``solutions/<id>/<name>.ipynb`` and ``chapters/<id>/<name>.ipynb``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ChapterNotebook:
    """One notebook of one chapter: its solution and its student release."""

    chapter: str
    name: str
    solution: Path
    release: Path

    @property
    def label(self) -> str:
        return f"{self.chapter}--{self.name}"


def chapter_notebooks(root: Path = REPO) -> list[ChapterNotebook]:
    """Every (chapter, notebook) pair of the course, in manifest order; [] without course.yml."""
    if not (root / "course.yml").is_file():
        return []
    try:
        from nnkit.course.manifest import load_course
    except ImportError:
        return _from_yaml(root)
    course = load_course(root)
    return [
        ChapterNotebook(ch.id, nbp.name, nbp.source_ipynb, nbp.release_ipynb)
        for ch in course.chapters
        for nbp in ch.notebook_paths
    ]


def _from_yaml(root: Path) -> list[ChapterNotebook]:
    data = yaml.safe_load((root / "course.yml").read_text(encoding="utf-8")) or {}
    out = []
    for ch in data.get("chapters") or []:
        for name in ch.get("notebooks") or []:
            stem = name.removesuffix(".ipynb")
            out.append(
                ChapterNotebook(
                    ch["id"],
                    stem,
                    root / "solutions" / ch["id"] / f"{stem}.ipynb",
                    root / "chapters" / ch["id"] / f"{stem}.ipynb",
                )
            )
    return out
