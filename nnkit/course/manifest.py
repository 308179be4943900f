"""Read and validate ``course.yml``, the course manifest.

This module is the one reader of the manifest: the build, the checks, the grader,
the mutant runner and the browser tests all call :func:`load_course` and use the
paths it computes, so the layout is spelled out in exactly one place::

    course.yml
    nbgrader_config.py
    solutions/<chapter-id>/<notebook>.py      jupytext percent source (the one file authors edit)
    solutions/<chapter-id>/<notebook>.ipynb   paired, executed notebook (nbgrader "source")
    chapters/<chapter-id>/<notebook>.ipynb    student release (nbgrader "release"), generated
    tests/mutants/<chapter-id>.yml            wrong answers that the graded tests must catch

The manifest format::

    course:
      id: nnkit-how-networks-learn
      title: How neural networks learn
    chapters:
      - id: 01-cost-functions              # = nbgrader assignment id = folder name
        title: Cost functions
        notebooks: [cost_functions]        # notebook names, without extension
        objectives: [..., ...]             # what a student can do afterwards
        minutes: 90                        # expected working time
        points: 12                         # autograded + manually graded points
        forbidden_references:              # nnkit names the students write themselves
          - nnkit.costs.quadratic_cost

Every problem is reported as a :class:`ManifestError` whose message names the
file, the entry and what was expected.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MANIFEST_NAME = "course.yml"

_CHAPTER_ID = re.compile(r"^[0-9]{2}-[a-z0-9]+(?:-[a-z0-9]+)*$")
_NOTEBOOK_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_COURSE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_DOTTED = re.compile(r"^nnkit(?:\.[A-Za-z_][A-Za-z0-9_]*)+$")

_COURSE_KEYS = {"id", "title"}
_CHAPTER_KEYS = {"id", "title", "notebooks", "objectives", "minutes", "points", "forbidden_references"}
_TOP_KEYS = {"course", "chapters"}


class ManifestError(ValueError):
    """``course.yml`` is missing, unreadable or does not describe a valid course."""


@dataclass(frozen=True)
class NotebookPaths:
    """The three files of one notebook of one chapter.

    Attributes
    ----------
    name : str
        Notebook name without extension (``"cost_functions"``).
    source_py : Path
        ``solutions/<id>/<name>.py``, the jupytext percent source.
    source_ipynb : Path
        ``solutions/<id>/<name>.ipynb``, the paired executed notebook.
    release_ipynb : Path
        ``chapters/<id>/<name>.ipynb``, the generated student notebook.
    """

    name: str
    source_py: Path
    source_ipynb: Path
    release_ipynb: Path

    @property
    def filename(self) -> str:
        """``<name>.ipynb``."""
        return f"{self.name}.ipynb"


@dataclass(frozen=True)
class Chapter:
    """One chapter of the course (one nbgrader assignment)."""

    id: str
    title: str
    notebooks: tuple[str, ...]
    objectives: tuple[str, ...]
    minutes: int
    points: float
    forbidden_references: tuple[str, ...]
    root: Path

    @property
    def source_dir(self) -> Path:
        """``solutions/<id>``."""
        return self.root / "solutions" / self.id

    @property
    def release_dir(self) -> Path:
        """``chapters/<id>``."""
        return self.root / "chapters" / self.id

    @property
    def mutants_file(self) -> Path:
        """``tests/mutants/<id>.yml``."""
        return self.root / "tests" / "mutants" / f"{self.id}.yml"

    def notebook(self, name: str) -> NotebookPaths:
        """Paths of notebook ``name`` (with or without ``.ipynb``)."""
        stem = name[:-6] if name.endswith(".ipynb") else name
        if stem not in self.notebooks:
            raise KeyError(f"chapter {self.id!r} has no notebook {stem!r}; it has {list(self.notebooks)}")
        return NotebookPaths(
            name=stem,
            source_py=self.source_dir / f"{stem}.py",
            source_ipynb=self.source_dir / f"{stem}.ipynb",
            release_ipynb=self.release_dir / f"{stem}.ipynb",
        )

    @property
    def notebook_paths(self) -> list[NotebookPaths]:
        """Paths of every notebook of the chapter, in manifest order."""
        return [self.notebook(n) for n in self.notebooks]


@dataclass(frozen=True)
class Course:
    """The whole course as described by ``course.yml``."""

    id: str
    title: str
    chapters: tuple[Chapter, ...]
    root: Path

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST_NAME

    @property
    def solutions_dir(self) -> Path:
        return self.root / "solutions"

    @property
    def chapters_dir(self) -> Path:
        return self.root / "chapters"

    @property
    def mutants_dir(self) -> Path:
        return self.root / "tests" / "mutants"

    @property
    def nbgrader_config(self) -> Path:
        return self.root / "nbgrader_config.py"

    @property
    def chapter_ids(self) -> list[str]:
        return [c.id for c in self.chapters]

    def chapter(self, chapter_id: str) -> Chapter:
        """The chapter called ``chapter_id``; ``KeyError`` listing the known ids otherwise."""
        for c in self.chapters:
            if c.id == chapter_id:
                return c
        raise KeyError(f"no chapter {chapter_id!r} in {self.manifest_path}; known: {self.chapter_ids}")

    def select(self, chapter_ids: list[str] | None) -> list[Chapter]:
        """The chapters named in ``chapter_ids`` (all of them for ``None``), in manifest order."""
        if not chapter_ids:
            return list(self.chapters)
        wanted = [self.chapter(cid) for cid in chapter_ids]
        return [c for c in self.chapters if c in wanted]


def find_root(start: str | os.PathLike | None = None) -> Path:
    """Walk up from ``start`` (default: the current directory) to the folder holding ``course.yml``."""
    here = Path(start or os.getcwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / MANIFEST_NAME).is_file():
            return folder
    raise ManifestError(f"no {MANIFEST_NAME} in {here} or any parent folder; pass --root DIR")


def load_course(root: str | os.PathLike | None = None) -> Course:
    """Load and validate the manifest of the course rooted at ``root``.

    Parameters
    ----------
    root : path-like, optional
        Folder that holds ``course.yml``. ``None`` searches upwards from the current directory.

    Returns
    -------
    Course
        With chapters in manifest order and absolute paths.

    Raises
    ------
    ManifestError
        If the file is missing, is not YAML, or an entry has the wrong type or value.
    """
    root = find_root() if root is None else Path(root).resolve()
    path = root / MANIFEST_NAME
    if not path.is_file():
        raise ManifestError(f"{path}: file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ManifestError(f"{path}: not valid YAML: {exc}") from exc
    return parse_course(data, root, where=str(path))


def parse_course(data: Any, root: Path, where: str = MANIFEST_NAME) -> Course:
    """Validate an already parsed manifest ``data`` (see :func:`load_course`)."""
    _expect_mapping(data, where)
    _expect_keys(data, _TOP_KEYS, _TOP_KEYS, where)
    course = data["course"]
    _expect_mapping(course, f"{where}: course")
    _expect_keys(course, _COURSE_KEYS, _COURSE_KEYS, f"{where}: course")
    course_id = _string(course["id"], f"{where}: course.id", _COURSE_ID, "letters, digits, '.', '_' or '-'")
    title = _string(course["title"], f"{where}: course.title")

    chapters_data = data["chapters"]
    if not isinstance(chapters_data, list) or not chapters_data:
        raise ManifestError(f"{where}: chapters: expected a non-empty list, got {chapters_data!r}")
    chapters = []
    for i, entry in enumerate(chapters_data):
        chapters.append(_parse_chapter(entry, root, f"{where}: chapters[{i}]"))
    ids = [c.id for c in chapters]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ManifestError(f"{where}: chapters: duplicate chapter ids {dupes}")
    return Course(id=course_id, title=title, chapters=tuple(chapters), root=root)


def _parse_chapter(entry: Any, root: Path, where: str) -> Chapter:
    _expect_mapping(entry, where)
    _expect_keys(entry, _CHAPTER_KEYS, _CHAPTER_KEYS, where)
    cid = _string(entry["id"], f"{where}.id", _CHAPTER_ID, "two digits, a dash and a lowercase slug, e.g. '01-cost-functions'")
    where = f"{where} ({cid})"
    title = _string(entry["title"], f"{where}.title")
    notebooks = _string_list(entry["notebooks"], f"{where}.notebooks", _NOTEBOOK_NAME,
                             "a notebook name without extension, e.g. 'cost_functions'")
    objectives = _string_list(entry["objectives"], f"{where}.objectives")
    forbidden = _string_list(entry["forbidden_references"], f"{where}.forbidden_references", _DOTTED,
                             "a dotted nnkit name, e.g. 'nnkit.costs.quadratic_cost'", allow_empty=True)
    minutes = entry["minutes"]
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise ManifestError(f"{where}.minutes: expected a positive whole number of minutes, got {minutes!r}")
    points = entry["points"]
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
        raise ManifestError(f"{where}.points: expected a positive number, got {points!r}")
    return Chapter(id=cid, title=title, notebooks=notebooks, objectives=objectives, minutes=minutes,
                   points=float(points), forbidden_references=forbidden, root=root)


def _expect_mapping(value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise ManifestError(f"{where}: expected a mapping, got {type(value).__name__} {value!r}")


def _expect_keys(value: dict, required: set[str], allowed: set[str], where: str) -> None:
    missing = sorted(required - set(value))
    unknown = sorted(set(value) - allowed)
    if missing:
        raise ManifestError(f"{where}: missing key(s) {missing}")
    if unknown:
        raise ManifestError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")


def _string(value: Any, where: str, pattern: re.Pattern | None = None, hint: str = "") -> str:
    if not isinstance(value, str) or not value.strip():
        raise ManifestError(f"{where}: expected a non-empty string, got {value!r}")
    if pattern is not None and not pattern.match(value):
        raise ManifestError(f"{where}: expected {hint}, got {value!r}")
    return value


def _string_list(value: Any, where: str, pattern: re.Pattern | None = None, hint: str = "",
                 allow_empty: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list) or (not value and not allow_empty):
        raise ManifestError(f"{where}: expected a {'' if allow_empty else 'non-empty '}list, got {value!r}")
    items = tuple(_string(v, f"{where}[{i}]", pattern, hint) for i, v in enumerate(value))
    dupes = sorted({v for v in items if items.count(v) > 1})
    if dupes:
        raise ManifestError(f"{where}: duplicate entries {dupes}")
    return items
