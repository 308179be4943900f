"""``nnkit build``: solution sources -> paired notebooks -> student releases.

Steps, for every chapter of ``course.yml``:

1. ``jupytext --sync`` each ``solutions/<id>/<name>.py`` with its ``.ipynb`` (jupytext's own
   sync, so cell ids and stored outputs are kept);
2. optionally (``--execute``) re-execute the solution notebooks in place with nbclient so the
   stored outputs that nbval compares are fresh;
3. ``nbgrader generate_assignment`` into a throwaway course directory (its own gradebook);
4. post-process each release notebook (:func:`postprocess_release`): ``raises-exception`` on
   solution cells, graded test cells and ``uses-stubs`` cells, the nbval tags removed,
   provenance in metadata (no banner cell), editor-specific metadata dropped;
5. replace ``chapters/<id>/`` by the result.

The output is deterministic: the same sources give the same bytes (stable cell ids taken
from the paired notebook, sorted JSON keys, no timestamps).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat
from nbformat import NotebookNode

from nnkit.course import nbgrader_env
from nnkit.course.manifest import Chapter, Course, NotebookPaths
from nnkit.course.notebooks import (
    TAG_CHECK_OUTPUT,
    TAG_RAISES,
    TAG_USES_STUBS,
    dumps_notebook,
    is_graded_test_cell,
    is_solution_cell,
    read_notebook,
    set_tags,
    tags,
    write_notebook,
)

Log = Callable[[str], None]

BANNER_ID = "nnkit-build-banner"
#: Cell metadata a release keeps (everything else is editor or execution noise).
KEEP_CELL_METADATA = ("nbgrader", "tags", "editable", "deletable", "jupyter", "slideshow")
#: Notebook metadata a release keeps. ``jupytext`` is dropped on purpose: with it a student's
#: Jupyter would start writing a paired ``.py`` next to the release notebook.
KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info")


class BuildError(RuntimeError):
    """A chapter could not be built; the message says which file and why."""


def _quiet(_: str) -> None:
    pass


# --------------------------------------------------------------------------- jupytext pairs


def sync_pair(paths: NotebookPaths) -> None:
    """Synchronise ``<name>.py`` and ``<name>.ipynb`` with jupytext's ``--sync``.

    The more recently modified file provides the inputs, the notebook keeps its outputs and
    cell ids; a missing ``.ipynb`` is created from the ``.py``.

    Raises
    ------
    BuildError
        If the ``.py`` source is missing or jupytext refuses (e.g. not a paired file).
    """
    from jupytext.cli import jupytext as jupytext_main

    if not paths.source_py.is_file():
        raise BuildError(f"{paths.source_py}: solution source not found (course.yml lists notebook {paths.name!r})")
    try:
        status = jupytext_main(["--sync", "--quiet", str(paths.source_py)])
    except Exception as exc:  # jupytext raises plain exceptions with good messages
        raise BuildError(f"jupytext --sync {paths.source_py}: {type(exc).__name__}: {exc}") from exc
    if status not in (0, None):
        raise BuildError(f"jupytext --sync {paths.source_py} exited with status {status}")
    if not paths.source_ipynb.is_file():
        raise BuildError(f"jupytext --sync {paths.source_py} did not write {paths.source_ipynb.name}: "
                         "is 'formats: ipynb,py:percent' in the header?")


def _input_cells(nb: NotebookNode) -> list[tuple]:
    out = []
    for c in nb.cells:
        md = c.get("metadata", {})
        out.append((c.cell_type, c.source, md.get("nbgrader"), list(md.get("tags", []) or [])))
    return out


def pair_differences(paths: NotebookPaths) -> list[str]:
    """How the inputs of ``<name>.py`` and ``<name>.ipynb`` differ (empty if in sync).

    Compares cell types, sources, nbgrader metadata and tags cell by cell.
    """
    import jupytext

    problems = []
    for p in (paths.source_py, paths.source_ipynb):
        if not p.is_file():
            problems.append(f"{p}: missing")
    if problems:
        return problems
    try:
        text_nb = jupytext.read(paths.source_py)
        ipynb = read_notebook(paths.source_ipynb)
    except Exception as exc:
        return [f"{paths.source_py.parent}: cannot read the pair: {type(exc).__name__}: {exc}"]
    a, b = _input_cells(text_nb), _input_cells(ipynb)
    if len(a) != len(b):
        problems.append(f"{paths.source_py.name} has {len(a)} cells, {paths.source_ipynb.name} has {len(b)}")
    for i, (ca, cb) in enumerate(zip(a, b, strict=False)):
        if ca != cb:
            what = [name for name, x, y in zip(("cell type", "source", "nbgrader metadata", "tags"), ca, cb, strict=True)
                    if x != y]
            first = (ca[1].splitlines() or [""])[0][:60]
            problems.append(f"cell {i} ({first!r}...): {', '.join(what)} differ between .py and .ipynb")
            if len(problems) >= 5:
                problems.append("...")
                break
    if problems:
        problems.append(f"run `nnkit build` (or `jupytext --sync {paths.source_py}`)")
    return problems


# --------------------------------------------------------------------------- execution


def execute_notebook(path: Path, timeout: float = 600) -> None:
    """Re-execute the notebook at ``path`` top to bottom in its folder and store the outputs.

    Timing and widget-state metadata are not recorded so the file changes only when the
    outputs do.

    Raises
    ------
    BuildError
        If a cell raises (the notebook is left unchanged).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = read_notebook(path)
    client = NotebookClient(
        nb,
        timeout=int(timeout),
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=False,
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        raise BuildError(f"{path}: a cell failed while executing:\n{exc}") from exc
    write_notebook(nb, path)


# --------------------------------------------------------------------------- release


def postprocess_release(nb: NotebookNode, chapter: Chapter, name: str) -> NotebookNode:
    """Turn nbgrader's release notebook into the one students get (in place, returned).

    - ``raises-exception`` on every solution cell, graded test cell and ``uses-stubs`` cell
      (nbval runs a fresh release top to bottom and only these may fail);
    - the authoring tags ``uses-stubs`` and ``nbval-check-output`` removed;
    - ``metadata.nnkit`` naming the source and saying the file is generated (no banner cell:
      students should not read about course authoring; a banner of an older build is removed);
    - cell and notebook metadata reduced to :data:`KEEP_CELL_METADATA` /
      :data:`KEEP_NOTEBOOK_METADATA` (no execution timings, no jupytext pairing).
    """
    cells = [c for c in nb.cells if c.get("id") != BANNER_ID]
    for cell in cells:
        cell_tags = tags(cell)
        if cell.cell_type == "code" and (
            is_solution_cell(cell) or is_graded_test_cell(cell) or TAG_USES_STUBS in cell_tags
        ):
            cell_tags.append(TAG_RAISES)
        cell_tags = [t for t in cell_tags if t not in (TAG_USES_STUBS, TAG_CHECK_OUTPUT)]
        cell.metadata = nbformat.from_dict({k: cell.metadata[k] for k in KEEP_CELL_METADATA if k in cell.metadata})
        set_tags(cell, cell_tags)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.cells = cells  # provenance lives in metadata.nnkit: a banner would be noise for students

    meta = {k: nb.metadata[k] for k in KEEP_NOTEBOOK_METADATA if k in nb.metadata}
    if "language_info" in meta:
        meta["language_info"] = {k: v for k, v in meta["language_info"].items() if k != "version"}
    meta["nnkit"] = {
        "chapter": chapter.id,
        "generated_by": "nnkit build",
        "source": f"solutions/{chapter.id}/{name}.py",
    }
    nb.metadata = nbformat.from_dict(meta)
    nb.nbformat, nb.nbformat_minor = 4, max(5, nb.get("nbformat_minor", 5))
    return nb


def stage_sources(course: Course, chapters: list[Chapter], workdir: Path) -> None:
    """Copy each chapter's solution folder into ``workdir/solutions/<id>``.

    Only the notebooks listed in ``course.yml`` are copied; other files go along and
    nbgrader's ``CourseDirectory.ignore`` (from ``nbgrader_config.py``) decides what of them
    may reach a release.
    """
    for chapter in chapters:
        src = chapter.source_dir
        if not src.is_dir():
            raise BuildError(f"{src}: chapter folder not found (course.yml lists chapter {chapter.id!r})")
        listed = {f"{n}.ipynb" for n in chapter.notebooks}
        for paths in chapter.notebook_paths:
            if not paths.source_ipynb.is_file():
                raise BuildError(f"{paths.source_ipynb}: solution notebook not found; run `nnkit build`")
        dest = workdir / nbgrader_env.SOURCE / chapter.id

        def ignore(folder: str, names: list[str], _src=src, _listed=listed) -> list[str]:
            top = Path(folder) == _src
            return [n for n in names
                    if (n.endswith(".ipynb") and (not top or n not in _listed))
                    or n in ("__pycache__", ".ipynb_checkpoints", "gradebook.db")]

        shutil.copytree(src, dest, ignore=ignore)


def generate_releases(course: Course, chapters: list[Chapter], workdir: Path, log: Log = _quiet) -> dict[str, Path]:
    """Stage the sources, run nbgrader ``generate_assignment`` and post-process the releases.

    Parameters
    ----------
    course : Course
    chapters : list of Chapter
    workdir : Path
        Empty folder; afterwards it holds ``solutions/``, ``chapters/`` and ``gradebook.db``
        (ready for :mod:`nnkit.course.grade`).
    log : callable
        Receives progress lines.

    Returns
    -------
    dict
        ``chapter id -> workdir/chapters/<id>``.
    """
    from nbgrader.converters import GenerateAssignment

    stage_sources(course, chapters, workdir)
    cfg = nbgrader_env.work_config(course, workdir)
    cfg.GenerateAssignment.force = True
    out = {}
    for chapter in chapters:
        log(f"nbgrader generate_assignment {chapter.id}")
        with nbgrader_env.captured_logger(f"generate.{chapter.id}") as (logger, records):
            try:
                nbgrader_env.run_converter(GenerateAssignment, cfg, logger, assignment_id=chapter.id)
            except Exception as exc:
                errors = "\n".join(m for lvl, m in records.messages() if lvl >= 40)
                raise BuildError(f"nbgrader generate_assignment {chapter.id} failed: {exc}\n{errors}") from exc
        release_dir = workdir / nbgrader_env.RELEASE / chapter.id
        for name in chapter.notebooks:
            path = release_dir / f"{name}.ipynb"
            if not path.is_file():
                raise BuildError(f"nbgrader did not produce {path.name} for chapter {chapter.id}")
            nb = postprocess_release(read_notebook(path), chapter, name)
            path.chmod(0o644)
            path.write_text(dumps_notebook(nb), encoding="utf-8")
        out[chapter.id] = release_dir
    return out


def _replace_tree(src: Path, dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest, copy_function=shutil.copyfile)


@dataclass
class BuildResult:
    chapters: list[str]
    seconds: float


def build(course: Course, chapter_ids: list[str] | None = None, execute: bool = False,
          log: Log = _quiet) -> BuildResult:
    """Run the whole build (see the module docstring) and write ``chapters/<id>/``.

    Parameters
    ----------
    course : Course
    chapter_ids : list of str, optional
        Only these chapters (default: all of ``course.yml``).
    execute : bool
        Re-execute the solution notebooks in place first (refreshes stored outputs).
    log : callable
        Receives progress lines.
    """
    import time

    start = time.perf_counter()
    chapters = course.select(chapter_ids)
    for chapter in chapters:
        for paths in chapter.notebook_paths:
            log(f"jupytext --sync {paths.source_py.relative_to(course.root)}")
            sync_pair(paths)
            if execute:
                log(f"execute {paths.source_ipynb.relative_to(course.root)}")
                execute_notebook(paths.source_ipynb)
    with tempfile.TemporaryDirectory(prefix="nnkit-build-") as tmp:
        releases = generate_releases(course, chapters, Path(tmp), log)
        for chapter in chapters:
            log(f"write {chapter.release_dir.relative_to(course.root)}/")
            _replace_tree(releases[chapter.id], chapter.release_dir)
    known = set(course.chapter_ids)
    if course.chapters_dir.is_dir():
        for stray in sorted(p.name for p in course.chapters_dir.iterdir() if p.is_dir()):
            if stray not in known:
                log(f"warning: chapters/{stray}/ is not a chapter of course.yml (left alone; `nnkit verify` fails on it)")
    return BuildResult(chapters=[c.id for c in chapters], seconds=time.perf_counter() - start)
