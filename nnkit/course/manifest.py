"""Read and validate ``course.yml``, the course manifest (format v2).

This module is the one reader of the manifest: the build, ``nnkit verify``, the grader, the
mutant harness, the trap in a student's kernel, the audit test and the browser tests all call
:func:`load_course` (or :func:`exercise` at run time) and use the names and paths it derives,
so a chapter is declared in exactly one place. From the chapter id ``NN-topic`` everything
else follows by rule::

    course.yml                                chapter entry (this format)
    solutions/NN-topic/<notebook>.py          jupytext percent source (the one file authors edit)
    solutions/NN-topic/<notebook>.ipynb       paired, executed notebook (nbgrader "source")
    chapters/NN-topic/<notebook>.ipynb        student release (nbgrader "release"), generated
    nnkit/checks/chNN_topic.py                its checks (``Chapter.checks_module``)
    nnkit/widgets/chNN_topic.py               its widgets (``Chapter.widgets_module``)
    tests/mutants/NN-topic.yml                wrong answers the graded tests must catch

The manifest format::

    course:
      id: nnkit-how-networks-learn
      title: How neural networks learn
    chapters:
      - id: 03-activations                  # = nbgrader assignment id = folder name
        title: Activation functions
        notebooks: [activations]            # notebook names, without extension
        objectives: [..., ...]              # what a student can do afterwards
        minutes: 90                         # expected working time
        forbidden: [tanh, leaky_relu]       # CONCEPTS students write themselves (nnkit.concepts)
        exercises:                          # in notebook order
          - {id: tanh_from_sigmoid, points: 2}
          - {id: why_first_layer_slowest, points: 2, manual: true}   # a written answer
        due: 2027-02-01T23:59:00+01:00      # optional deadline (see below)

Optional, for a term (``nnkit grade`` / ``nnkit export``): ``due`` per chapter (a YAML
timestamp, ISO 8601, or nbgrader's ``"2027-02-01 23:59:00 Europe/Berlin"``; no zone means UTC)
and the late rule ``course.late_penalty: {per_day: 0.1, max: 0.5}`` (:class:`LatePenalty`).

An exercise id is the student's function name, the grade_id of its solution cell and the
name of its check ``nnkit.checks.<id>``; its graded test cell is ``test_<id>``. Ids are unique
across the course. The chapter total is the sum of its exercises' points. Unknown keys are
errors; every problem is a :class:`ManifestError` naming the file, the entry and what was
expected.

At run time (inside a student's kernel, or nbgrader's, whose working folder is anywhere)
:func:`exercise` finds the manifest without a course folder: see :func:`runtime_course` for
the search order (``$NNKIT_COURSE``, then ``nnkit/course/course.yml``, which is a symlink to
the repository's ``course.yml`` and a real file in a built wheel).

Example
-------
>>> from nnkit.course.manifest import exercise, load_course
>>> ex = exercise("softmax")                      # doctest: +SKIP
>>> ex.chapter.id, ex.points, ex.chapter.forbidden  # doctest: +SKIP
('02-softmax', 3, ('softmax', 'logsumexp', 'log_softmax', ...))
>>> load_course().chapter("02-softmax").checks_module  # doctest: +SKIP
'nnkit.checks.ch02_softmax'
"""

from __future__ import annotations

import contextlib
import keyword
import math
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import yaml

MANIFEST_NAME = "course.yml"
ENV_VAR = "NNKIT_COURSE"
"""Environment variable: path of a ``course.yml`` (or its folder) for :func:`runtime_course`."""

_CHAPTER_ID = re.compile(r"^[0-9]{2}-[a-z0-9]+(?:-[a-z0-9]+)*$")
_NOTEBOOK_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_COURSE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

_TOP_KEYS = {"course", "chapters"}
_COURSE_KEYS = {"id", "title"}
_COURSE_OPTIONAL = {"late_penalty"}
_CHAPTER_KEYS = {"id", "title", "notebooks", "objectives", "minutes", "forbidden", "exercises"}
_CHAPTER_OPTIONAL = {"due"}
_LATE_KEYS = {"per_day", "max"}
_EXERCISE_KEYS = {"id", "points", "manual"}
_EXERCISE_REQUIRED = {"id", "points"}
_RENAMED = {"points": "the chapter total is the sum of its exercises' points: remove 'points'",
            "forbidden_references": "manifest v2 lists concept names under 'forbidden' (see nnkit.concepts)"}


class ManifestError(ValueError):
    """``course.yml`` is missing, unreadable or does not describe a valid course."""


def module_slug(chapter_id: str) -> str:
    """``"03-activations"`` -> ``"ch03_activations"`` (the name of its checks and widget modules)."""
    return "ch" + chapter_id.replace("-", "_")


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
class Exercise:
    """One graded exercise of a chapter.

    Attributes
    ----------
    id : str
        The student's function name = grade_id of its solution cell = ``nnkit.checks.<id>``.
    points : int or float
        What it is worth (the graded test cell ``test_<id>``, or the written answer's cell).
    manual : bool
        A written answer (markdown cell ``<id>``, graded by hand); it has no check.
    chapter : Chapter
        The chapter it belongs to (so ``exercise(id).chapter.forbidden`` works).
    """

    id: str
    points: float
    manual: bool = False
    chapter: "Chapter" = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

    @property
    def test_id(self) -> str | None:
        """grade_id of the graded test cell (``test_<id>``); ``None`` for a written answer."""
        return None if self.manual else f"test_{self.id}"

    @property
    def forbidden(self) -> tuple[str, ...]:
        """The concepts the student must not call while this exercise is checked (the chapter's)."""
        return self.chapter.forbidden


@dataclass(frozen=True)
class Chapter:
    """One chapter of the course (one nbgrader assignment); names follow from ``id``."""

    id: str
    title: str
    notebooks: tuple[str, ...]
    objectives: tuple[str, ...]
    minutes: int
    forbidden: tuple[str, ...]
    exercises: tuple[Exercise, ...]
    root: Path
    due: datetime | None = None  # in UTC, naive (nbgrader's convention); None: no deadline

    @property
    def points(self) -> float:
        """Chapter total: the sum of its exercises' points."""
        return sum(e.points for e in self.exercises)

    @property
    def graded_exercises(self) -> tuple[Exercise, ...]:
        """The exercises with a check (``manual: true`` ones left out), in notebook order."""
        return tuple(e for e in self.exercises if not e.manual)

    @property
    def slug(self) -> str:
        """``ch03_activations`` for ``03-activations``."""
        return module_slug(self.id)

    @property
    def checks_module(self) -> str:
        """``nnkit.checks.chNN_topic``: the chapter's checks (one per graded exercise)."""
        return f"nnkit.checks.{self.slug}"

    @property
    def widgets_module(self) -> str:
        """``nnkit.widgets.chNN_topic``: the chapter's explorers."""
        return f"nnkit.widgets.{self.slug}"

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

    @property
    def checks_file(self) -> Path:
        """``nnkit/checks/chNN_topic.py``."""
        return self.root / "nnkit" / "checks" / f"{self.slug}.py"

    @property
    def widgets_file(self) -> Path:
        """``nnkit/widgets/chNN_topic.py``."""
        return self.root / "nnkit" / "widgets" / f"{self.slug}.py"

    def exercise(self, exercise_id: str) -> Exercise:
        for e in self.exercises:
            if e.id == exercise_id:
                return e
        raise KeyError(f"chapter {self.id!r} has no exercise {exercise_id!r}; it has {[e.id for e in self.exercises]}")

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
class LatePenalty:
    """The course's rule for late work (``course.late_penalty`` in ``course.yml``).

    A chapter submitted after its ``due`` time loses ``per_day`` of its score for every
    started day (24 h) late, at most ``max`` of it::

        penalty = score * min(max, per_day * ceil(seconds_late / 86400))

    The default (both 0) is no penalty: late work is only marked late.
    """

    per_day: float = 0.0
    max: float = 0.0

    def penalty(self, score: float, seconds_late: float) -> float:
        """Points taken off ``score`` (>= 0, <= score) for a submission ``seconds_late`` late."""
        if seconds_late <= 0 or score <= 0:
            return 0.0
        days = math.ceil(seconds_late / 86400.0)
        return float(score) * min(self.max, self.per_day * days)


@dataclass(frozen=True)
class Course:
    """The whole course as described by ``course.yml``."""

    id: str
    title: str
    chapters: tuple[Chapter, ...]
    root: Path
    late_penalty: LatePenalty = field(default_factory=lambda: LatePenalty())

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

    @property
    def exercises(self) -> list[Exercise]:
        """Every exercise of every chapter, in course order."""
        return [e for c in self.chapters for e in c.exercises]

    def chapter(self, chapter_id: str) -> Chapter:
        """The chapter called ``chapter_id``; ``KeyError`` listing the known ids otherwise."""
        for c in self.chapters:
            if c.id == chapter_id:
                return c
        raise KeyError(f"no chapter {chapter_id!r} in {self.manifest_path}; known: {self.chapter_ids}")

    def exercise(self, exercise_id: str) -> Exercise:
        """The exercise called ``exercise_id`` (its ``.chapter`` is set); ``KeyError`` otherwise."""
        for e in self.exercises:
            if e.id == exercise_id:
                return e
        raise KeyError(f"no exercise {exercise_id!r} in {self.manifest_path}; known: {[e.id for e in self.exercises]}")

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
        Folder that holds ``course.yml`` (or the file itself). ``None`` searches upwards from
        the current directory.

    Returns
    -------
    Course
        With chapters in manifest order and absolute paths.

    Raises
    ------
    ManifestError
        If the file is missing, is not YAML, or an entry has the wrong type or value.
    """
    if root is None:
        root = find_root()
    root = Path(root)
    if root.name == MANIFEST_NAME and root.is_file():
        path = root
        root = root.resolve().parent  # a symlinked course.yml belongs to the folder it points into
    else:
        root = root.resolve()
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
    _expect_keys(course, _COURSE_KEYS, _COURSE_KEYS | _COURSE_OPTIONAL, f"{where}: course")
    course_id = _string(course["id"], f"{where}: course.id", _COURSE_ID, "letters, digits, '.', '_' or '-'")
    title = _string(course["title"], f"{where}: course.title")
    late = _parse_late_penalty(course.get("late_penalty", {}), f"{where}: course.late_penalty")

    chapters_data = data["chapters"]
    if not isinstance(chapters_data, list) or not chapters_data:
        raise ManifestError(f"{where}: chapters: expected a non-empty list, got {chapters_data!r}")
    chapters = []
    for i, entry in enumerate(chapters_data):
        chapters.append(_parse_chapter(entry, Path(root), f"{where}: chapters[{i}]"))
    ids = [c.id for c in chapters]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ManifestError(f"{where}: chapters: duplicate chapter ids {dupes}")
    slugs = [c.slug for c in chapters]
    dupes = sorted({s for s in slugs if slugs.count(s) > 1})
    if dupes:
        raise ManifestError(f"{where}: chapters: two chapters map to the same module name {dupes}")
    owners: dict[str, str] = {}
    for c in chapters:
        for e in c.exercises:
            if e.id in owners:
                raise ManifestError(f"{where}: exercise id {e.id!r} is used by chapters {owners[e.id]} and {c.id}; "
                                    f"exercise ids are unique across the course (they name nnkit.checks.<id>)")
            owners[e.id] = c.id
    return Course(id=course_id, title=title, chapters=tuple(chapters), root=Path(root), late_penalty=late)


def _parse_late_penalty(value: Any, where: str) -> LatePenalty:
    _expect_mapping(value, where)
    _expect_keys(value, set(), _LATE_KEYS, where)
    fractions = {}
    for key in _LATE_KEYS:
        x = value.get(key, 0.0)
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0 <= x <= 1:
            raise ManifestError(f"{where}.{key}: expected a fraction of the score between 0 and 1, got {x!r}")
        fractions[key] = float(x)
    return LatePenalty(**fractions)


def _parse_due(value: Any, where: str) -> datetime:
    """A deadline as naive UTC: a YAML timestamp, ISO 8601 text, or nbgrader's "YYYY-MM-DD HH:MM:SS TZ"."""
    hint = ("a date and time with its zone, e.g. 2027-02-01T23:59:00+01:00 or "
            "'2027-02-01 23:59:00 Europe/Berlin' (no zone means UTC)")
    if isinstance(value, datetime):
        ts = value
    elif isinstance(value, str) and value.strip():
        from dateutil import parser as dateparser
        from dateutil import tz as datetz

        text, zone = value.strip(), None
        parts = text.split(" ")
        if len(parts) == 3:  # nbgrader's format: date, time, zone name or offset
            text, zone = " ".join(parts[:2]), parts[2]
        try:
            ts = dateparser.parse(text)
        except (ValueError, OverflowError):
            raise ManifestError(f"{where}: cannot read {value!r} as a date; expected {hint}") from None
        if zone is not None:
            tzinfo = datetz.gettz(zone)
            if tzinfo is None:
                raise ManifestError(f"{where}: unknown time zone {zone!r} in {value!r}; expected {hint}")
            ts = ts.replace(tzinfo=tzinfo)
    else:
        raise ManifestError(f"{where}: expected {hint}, got {value!r}")
    if ts.tzinfo is not None:
        ts = ts.astimezone(timezone.utc).replace(tzinfo=None)
    return ts


def _parse_chapter(entry: Any, root: Path, where: str) -> Chapter:
    _expect_mapping(entry, where)
    _expect_keys(entry, _CHAPTER_KEYS, _CHAPTER_KEYS | _CHAPTER_OPTIONAL, where)
    cid = _string(entry["id"], f"{where}.id", _CHAPTER_ID, "two digits, a dash and a lowercase slug, e.g. '01-cost-functions'")
    where = f"{where} ({cid})"
    title = _string(entry["title"], f"{where}.title")
    notebooks = _string_list(entry["notebooks"], f"{where}.notebooks", _NOTEBOOK_NAME,
                             "a notebook name without extension, e.g. 'cost_functions'")
    objectives = _string_list(entry["objectives"], f"{where}.objectives")
    forbidden = _string_list(entry["forbidden"], f"{where}.forbidden", _IDENTIFIER,
                             "a concept name of nnkit.concepts (lowercase snake_case, e.g. 'softmax'), "
                             "not a dotted name", allow_empty=True)
    minutes = entry["minutes"]
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise ManifestError(f"{where}.minutes: expected a positive whole number of minutes, got {minutes!r}")
    raw = entry["exercises"]
    if not isinstance(raw, list) or not raw:
        raise ManifestError(f"{where}.exercises: expected a non-empty list of {{id, points[, manual]}}, got {raw!r}")
    exercises = [_parse_exercise(e, f"{where}.exercises[{i}]") for i, e in enumerate(raw)]
    ids = [e.id for e in exercises]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ManifestError(f"{where}.exercises: duplicate exercise ids {dupes}")
    due = _parse_due(entry["due"], f"{where}.due") if entry.get("due") is not None else None
    chapter = Chapter(id=cid, title=title, notebooks=notebooks, objectives=objectives, minutes=minutes,
                      forbidden=forbidden, exercises=tuple(exercises), root=root, due=due)
    for e in exercises:
        object.__setattr__(e, "chapter", chapter)
    return chapter


def _parse_exercise(entry: Any, where: str) -> Exercise:
    _expect_mapping(entry, where)
    _expect_keys(entry, _EXERCISE_REQUIRED, _EXERCISE_KEYS, where)
    eid = _string(entry["id"], f"{where}.id", _IDENTIFIER, "the student's function name (lowercase snake_case)")
    where = f"{where} ({eid})"
    if keyword.iskeyword(eid) or eid.startswith("test_"):
        raise ManifestError(f"{where}.id: {eid!r} cannot be an exercise id (a Python keyword, or the "
                            f"'test_' prefix that names graded test cells)")
    points = entry["points"]
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
        raise ManifestError(f"{where}.points: expected a positive number, got {points!r}")
    manual = entry.get("manual", False)
    if not isinstance(manual, bool):
        raise ManifestError(f"{where}.manual: expected true or false, got {manual!r}")
    return Exercise(id=eid, points=points, manual=manual)


def _expect_mapping(value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise ManifestError(f"{where}: expected a mapping, got {type(value).__name__} {value!r}")


def _expect_keys(value: dict, required: set[str], allowed: set[str], where: str) -> None:
    unknown = sorted(set(value) - allowed)
    if unknown:
        notes = "; ".join(_RENAMED[k] for k in unknown if k in _RENAMED)
        raise ManifestError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}"
                            + (f" ({notes})" if notes else ""))
    missing = sorted(required - set(value))
    if missing:
        raise ManifestError(f"{where}: missing key(s) {missing}")


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


# --------------------------------------------------------------------------- run time
_PACKAGED = Path(__file__).parent / MANIFEST_NAME
_RUNTIME: dict[str, Course] = {}
_OVERRIDE: list[Course] = []


def runtime_manifest_path() -> Path:
    """Where :func:`runtime_course` reads the manifest from, in this order:

    1. ``$NNKIT_COURSE`` (a ``course.yml`` or the folder holding it): set it where the course
       tree is not next to the nnkit package (a grading sandbox that mounts a copy).
    2. ``nnkit/course/course.yml``, package data: in the repository it is a symlink to the
       top-level ``course.yml`` (the one file), so the editable install reads the real manifest
       wherever the kernel's working folder is (``work/``, nbgrader's temporary course). A wheel
       built from the repository (``pip install .``) copies the file into the package.
    3. ``course.yml`` in the current folder or a parent (:func:`find_root`).
    """
    env = os.environ.get(ENV_VAR)
    if env:
        p = Path(env)
        return p if p.name == MANIFEST_NAME else p / MANIFEST_NAME
    if _PACKAGED.is_file():
        return _PACKAGED
    return find_root() / MANIFEST_NAME


def runtime_course() -> Course:
    """The course a running check belongs to (cached per manifest path; see :func:`runtime_manifest_path`)."""
    if _OVERRIDE:
        return _OVERRIDE[-1]
    path = runtime_manifest_path()
    key = str(path)
    if key not in _RUNTIME:
        _RUNTIME[key] = load_course(path)
    return _RUNTIME[key]


@contextlib.contextmanager
def use_course(course: Course | str | os.PathLike) -> Iterator[Course]:
    """Make :func:`exercise` and :func:`runtime_course` answer from ``course`` inside the block (tests)."""
    if not isinstance(course, Course):
        course = load_course(course)
    _OVERRIDE.append(course)
    try:
        yield course
    finally:
        _OVERRIDE.remove(course)


def exercise(exercise_id: str) -> Exercise:
    """The exercise ``exercise_id`` of the running course, with its chapter (for the checks).

    ``exercise("softmax").forbidden`` are the concepts trapped while the student's ``softmax``
    runs. Raises ``KeyError`` naming the known exercises if there is no such exercise.
    """
    return runtime_course().exercise(exercise_id)
