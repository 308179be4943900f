"""Trusted grading: student code runs sandboxed, the checks that decide points run here.

For one submission (one student, one chapter):

1. **Read leniently.** nbformat v3 is upgraded, duplicated cells (a common slip) run in order
   with a message (nbgrader refuses such a notebook); a notebook under another name is accepted when the chapter has one
   notebook and the folder holds one. Links and special files were refused earlier
   (:func:`collect`).
2. **Run the student's code in a sandbox** (:mod:`nnkit.course.sandbox`,
   :class:`~nnkit.course.remote.StudentKernel`): the solution cells, the cells the student
   added, and the release cells that only import or define things. Graded test cells never run
   there, and neither do the chapter's experiments (training on digits), which no exercise
   needs. The kernel imports a grading copy of nnkit in which the chapter's forbidden concepts
   (:mod:`nnkit.concepts`) do not exist: their kernels' bodies are removed from the source.
   A cell that crashes or hangs the kernel is skipped and the kernel restarted with the cells
   that worked, so a crash costs what depends on it, not the chapter.
3. **Decide points outside.** For each exercise of the chapter (``course.yml``), its check
   (:mod:`nnkit.checks`) runs in the grader process with the student's function replaced by a
   :class:`~nnkit.course.remote.RemoteFunction`: arguments go in, results come back as data.
   The hidden tests draw their inputs from a secret seed that never enters the sandbox. A
   check that passes both visibly and hidden earns the exercise's points.

The result is a :class:`~nnkit.course.grade.SubmissionResult` (the same rows as ``nnkit
grade`` writes to ``grades.csv``) plus, per exercise, the check's transcript (the feedback).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import html
import io
import json
import os
import shutil
import stat
import tempfile
import textwrap
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
import numpy as np

import nnkit
from nnkit.course.grade import CellResult, SubmissionResult
from nnkit.course.manifest import Course, load_course
from nnkit.course.remote import KernelDied, StudentKernel
from nnkit.course.sandbox import Limits

__all__ = ["GradingSettings", "collect", "grade_submission", "grading_copy_of_nnkit", "Task"]


@dataclass(frozen=True)
class GradingSettings:
    """How one submission is graded.

    Attributes
    ----------
    cell_timeout : float
        Wall-clock seconds for each cell of the student's notebook.
    call_timeout : float
        Wall-clock seconds for each call of a student's function by a check.
    limits : Limits
        Memory, CPU, processes and file size inside the sandbox.
    sandbox : bool
        ``False`` only with ``--unsafe`` (no bubblewrap available).
    secret : int
        Seed of the hidden tests' inputs; drawn fresh per run, never written anywhere the
        student's process can read.
    """

    cell_timeout: float = 30.0
    call_timeout: float = 10.0
    limits: Limits = field(default_factory=Limits)
    sandbox: bool = True
    secret: int = 0


@dataclass
class Task:
    """The unit of work: one student's notebooks for one chapter (plain data, picklable)."""

    root: str
    student: str
    chapter: str
    notebooks: dict[str, str]  # notebook name -> path
    messages: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- the grading copy of nnkit
def _implemented_concepts(node: ast.AST) -> set[str]:
    """Concept names of ``@implements("a", "b")`` decorators on a function or class."""
    names: set[str] = set()
    for dec in getattr(node, "decorator_list", []):
        if isinstance(dec, ast.Call):
            func = dec.func
            fname = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if fname == "implements":
                names |= {a.value for a in dec.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return names


class _StripForbidden(ast.NodeTransformer):
    def __init__(self, forbidden: set[str]):
        self.forbidden, self.stripped = forbidden, []

    def _strip(self, node):
        self.generic_visit(node)
        hit = _implemented_concepts(node) & self.forbidden
        if hit and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.stripped.append(node.name)
            message = (f"{node.name} implements {', '.join(sorted(hit))}, which this chapter asks you "
                       f"to write yourself; it does not exist while your work is graded")
            node.body = [ast.Raise(exc=ast.Call(func=ast.Name("NotImplementedError", ast.Load()),
                                                args=[ast.Constant(message)], keywords=[]), cause=None)]
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = _strip


def grading_copy_of_nnkit(dest: Path, forbidden: set[str]) -> list[str]:
    """Copy the nnkit package to ``dest/nnkit`` with every kernel of ``forbidden`` gutted.

    Returns the names of the functions whose bodies were removed. The copy holds source files
    only (no ``__pycache__``), so neither the code objects nor the source of a forbidden
    kernel exist in the sandbox.
    """
    src = Path(nnkit.__file__).parent
    target = Path(dest) / "nnkit"
    shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    stripped: list[str] = []
    if forbidden:
        for path in target.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "implements" not in text:
                continue
            tree = ast.parse(text)
            strip = _StripForbidden(set(forbidden))
            tree = ast.fix_missing_locations(strip.visit(tree))
            if strip.stripped:
                path.write_text(ast.unparse(tree) + "\n", encoding="utf-8")
                stripped += [f"{path.relative_to(target.parent).with_suffix('')}.{n}".replace(os.sep, ".")
                             for n in strip.stripped]
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return stripped


# --------------------------------------------------------------------------- reading a submission
def collect(submissions_dir: Path, course: Course, chapter_ids: list[str] | None = None) -> tuple[list[Task], list[str]]:
    """Tasks for ``submissions_dir/<student>/<chapter>/<notebook>.ipynb``; links are refused.

    Returns ``(tasks, problems)``: a symlink, device, FIFO or unreadable entry anywhere in the
    tree is never followed and becomes a message on the student's row (or in ``problems`` when
    no row fits). Odd student ids are refused with a message.
    """
    import re

    student_re = re.compile(r"^[A-Za-z0-9_.@+-]{1,64}$")
    root = Path(submissions_dir)
    tasks: list[Task] = []
    problems: list[str] = []
    wanted = set(chapter_ids or course.chapter_ids)
    for sdir in sorted(root.iterdir()):
        if sdir.is_symlink() or not stat.S_ISDIR(sdir.lstat().st_mode):
            problems.append(f"{sdir.name!r}: not a student folder (links and files are refused)")
            continue
        if not student_re.match(sdir.name) or sdir.name.startswith("."):
            problems.append(f"{sdir.name!r}: student ids use letters, digits and _.@+- only; skipped")
            continue
        for cdir in sorted(sdir.iterdir()):
            if cdir.name not in wanted:
                continue
            task = Task(str(course.root), sdir.name, cdir.name, {})
            if cdir.is_symlink() or not stat.S_ISDIR(cdir.lstat().st_mode):
                task.messages.append(f"{cdir.name} is a link or a file, not a folder: refused")
                tasks.append(task)
                continue
            chapter = course.chapter(cdir.name)
            files = sorted(cdir.iterdir())
            for f in files:
                mode = f.lstat().st_mode
                if f.suffix != ".ipynb":
                    continue
                if not stat.S_ISREG(mode):
                    task.messages.append(f"{f.name} is a link or a special file: refused, it scores 0")
                    continue
                if f.stem in chapter.notebooks:
                    task.notebooks[f.stem] = str(f)
            regular = [f for f in files if f.suffix == ".ipynb" and stat.S_ISREG(f.lstat().st_mode)]
            if not task.notebooks and len(chapter.notebooks) == 1 and len(regular) == 1:
                task.notebooks[chapter.notebooks[0]] = str(regular[0])
                task.messages.append(f"{regular[0].name} graded as {chapter.notebooks[0]}.ipynb (renamed notebook)")
            tasks.append(task)
    return tasks, problems


def read_submitted_notebook(path: Path, messages: list[str]) -> nbformat.NotebookNode:
    text = Path(path).read_bytes()[: 50 * 1024 * 1024].decode("utf-8", errors="replace")
    raw = json.loads(text)
    if not isinstance(raw, dict) or not isinstance(raw.get("cells", raw.get("worksheets")), list):
        raise ValueError("not a notebook (no list of cells)")
    if raw.get("nbformat", 4) < 4:
        messages.append(f"{Path(path).name} is nbformat {raw.get('nbformat')}; upgraded to 4")
    nb = nbformat.reads(json.dumps(raw), as_version=4)
    seen: set[str] = set()
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid and gid in seen:
            messages.append(f"cell {gid!r} appears more than once (a duplicated cell); both copies run "
                            f"in order, so the later one counts")
        if gid:
            seen.add(gid)
    return nb


# --------------------------------------------------------------------------- what runs in the sandbox
_HARMLESS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef, ast.Pass)


def _harmless(stmt: ast.stmt) -> bool:
    """An import, a definition, or an assignment of a literal (nothing that computes)."""
    if isinstance(stmt, _HARMLESS):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True
    return isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None and all(
        isinstance(n, (ast.Constant, ast.Tuple, ast.List, ast.Dict, ast.Name, ast.Load, ast.UnaryOp, ast.USub,
                       ast.BinOp, ast.Mult, ast.Div, ast.Add, ast.Sub, ast.Pow)) for n in ast.walk(stmt.value))


def _definitions_only(source: str) -> str:
    """The imports and definitions of a release cell, each guarded so one failure stops nothing."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    kept = [stmt for stmt in tree.body if _harmless(stmt)]
    return "\n".join(f"try:\n{textwrap.indent(ast.unparse(stmt), '    ')}\nexcept Exception as _e:\n"
                     f"    print('skipped:', type(_e).__name__, _e)" for stmt in kept)


def _cells_to_run(nb, release) -> list[tuple[str, str]]:
    """``(label, source)`` of the code cells of the submission that the sandbox runs."""
    release_cells = {c.get("id"): c for c in release.cells}
    test_ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in release.cells
                if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata.get("nbgrader", {}).get("solution")}
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        gid = meta.get("grade_id")
        if gid in test_ids or cell.get("id") in {c.get("id") for c in release.cells if
                                                 c.metadata.get("nbgrader", {}).get("grade_id") in test_ids}:
            continue  # graded test cells are decided by the grader, never run here
        if meta.get("grade") and not meta.get("solution"):
            continue
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        if "get_ipython" in source or source.lstrip().startswith(("%", "!")):
            source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        in_release = cell.get("id") in release_cells
        is_solution = bool(meta.get("solution"))
        if in_release and not is_solution:
            # the chapter's own experiments, plots and widgets: no exercise needs them
            source = _definitions_only(source)
            if not source:
                continue
        out.append((gid or f"cell {i + 1}", source))
    return out


class _Runner:
    """The student's kernel plus the cells that ran in it, restartable after a crash."""

    def __init__(self, scratch: Path, pythonpath: Path, settings: GradingSettings, messages: list[str]):
        self.kernel = StudentKernel(scratch, [pythonpath], settings.limits, settings.sandbox)
        self.settings, self.messages, self.good, self.restarts = settings, messages, [], 0

    def run_cells(self, cells):
        self.kernel.start()
        for label, source in cells:
            res = self.kernel.run(source, self.settings.cell_timeout)
            if res.dropped:
                self.messages.append(f"{label}: {res.dropped} characters of output were dropped")
            if res.status in ("timeout", "died"):
                self.messages.append(f"{label}: {res.error}; it was skipped and the kernel restarted")
                self.restart()
            else:
                self.good.append(source)

    def restart(self):
        self.restarts += 1
        if self.restarts > 10:
            raise KernelDied("too many kernel restarts")
        self.kernel.start()
        for source in self.good:
            self.kernel.run(source, self.settings.cell_timeout)


def _check(exercise_id: str):
    from nnkit import checks
    return getattr(checks, exercise_id)


def grade_submission(task: Task, settings: GradingSettings, course: Course | None = None) -> tuple[SubmissionResult, dict]:
    """Grade one submission; returns its result and ``exercise id -> check transcript``."""
    course = course or load_course(task.root)
    chapter = course.chapter(task.chapter)
    result = SubmissionResult(task.student, task.chapter, "graded", max_score=chapter.points,
                              messages=list(task.messages))
    transcripts: dict[str, str] = {}
    exercises = list(chapter.exercises)
    with tempfile.TemporaryDirectory(prefix="nnkit-grade-") as tmp:
        tmp = Path(tmp)
        os.chmod(tmp, 0o755)
        grading_copy_of_nnkit(tmp / "lib", set(chapter.forbidden))
        runner = None
        for name in chapter.notebooks:
            nb_exercises = [e for e in exercises if getattr(e, "notebook", name) == name] \
                if len(chapter.notebooks) > 1 else exercises
            path = task.notebooks.get(name)
            nb = None
            if path is not None:
                try:
                    nb = read_submitted_notebook(Path(path), result.messages)
                except Exception as exc:
                    result.messages.append(f"{name}.ipynb could not be read ({type(exc).__name__}: "
                                           f"{str(exc)[:200]}); it scores 0")
                    result.status = "error"
            elif not any(name in m for m in result.messages):
                result.messages.append(f"{name}.ipynb was not submitted; it scores 0")
            if nb is not None:
                release = nbformat.read(chapter.notebook(name).release_ipynb, as_version=4)
                scratch = tmp / f"work-{name}"
                scratch.mkdir()
                runner = _Runner(scratch, tmp / "lib", settings, result.messages)
                try:
                    runner.run_cells(_cells_to_run(nb, release))
                except KernelDied as exc:
                    result.messages.append(f"{name}.ipynb: {exc}")
            for k, ex in enumerate(nb_exercises):
                if ex.manual:
                    result.cells.append(CellResult(name, ex.id, "manual", 0.0, float(ex.points), True))
                    continue
                score, transcript = 0.0, "not graded: the notebook is missing or unreadable"
                failure = {"step": "notebook submitted", "diagnosis": None, "hidden": False}
                if nb is not None and runner is not None:
                    score, transcript, failure = _grade_exercise(runner, ex, settings, task, k)
                transcripts[ex.id] = transcript
                if failure is not None:
                    result.diagnoses[ex.id] = failure
                result.cells.append(CellResult(name, f"test_{ex.id}", "test", score, float(ex.points), False,
                                               None if score else "CheckFailed"))
            if runner is not None:
                runner.kernel.stop()
                runner = None
    if result.status == "graded" and not any(task.notebooks.values()):
        result.status = "missing"
    return result, transcripts


def _grade_exercise(runner: _Runner, ex, settings: GradingSettings, task: Task, k: int) -> tuple[float, str, dict | None]:
    """Run one exercise's check (visible, then hidden) on the student's function.

    Returns the points, the check's transcript and, if it failed, its diagnosis
    ``{"step", "diagnosis", "hidden"}`` (the rung that failed, the mistake the ladder
    recognised or None; see :class:`nnkit.checks._ladder.CheckReport`).
    """
    check = _check(ex.id)
    failure: dict | None = None
    seed = np.random.SeedSequence([settings.secret, int(hashlib.sha256(
        f"{task.student}/{task.chapter}/{ex.id}".encode()).hexdigest()[:15], 16), k])
    buf = io.StringIO()
    passed = False
    try:
        if not runner.kernel.alive():
            runner.restart()
        student = runner.kernel.function(ex.id, settings.call_timeout)
        with contextlib.redirect_stdout(buf):
            check(student)
            check(student, hidden=True, rng=np.random.default_rng(seed))
        passed = True
    except AssertionError as exc:
        failure = {"step": getattr(exc, "step", None), "diagnosis": getattr(exc, "diagnosis", None),
                   "hidden": bool(getattr(exc, "hidden", False))}
        text = buf.getvalue()
        if str(exc) and str(exc) not in text:
            text += str(exc)
        buf = io.StringIO(text)
        buf.seek(0, io.SEEK_END)
    except KernelDied as exc:
        failure = {"step": "runs without crashing the kernel", "diagnosis": "crashed or hung the kernel", "hidden": False}
        buf.write(f"\n{exc}\n")
    except Exception as exc:  # a check that cannot run on this answer: the answer scores 0
        failure = {"step": "returns something the check can read", "diagnosis": None, "hidden": False}
        buf.write(f"\nthe check could not run on this answer: {type(exc).__name__}: {str(exc)[:300]}\n")
    if not runner.kernel.alive():
        try:
            runner.restart()
        except KernelDied:
            pass
    return (float(ex.points) if passed else 0.0), buf.getvalue(), (None if passed else failure)


def feedback_html(result: SubmissionResult, transcripts: dict[str, str]) -> str:
    """A small self-contained HTML page: score, messages and each exercise's check report."""
    rows = []
    for cell in result.cells:
        eid = cell.grade_id.removeprefix("test_")
        body = "written answer: graded by your instructor" if cell.kind == "manual" else transcripts.get(eid, "")
        rows.append(f"<h2>{html.escape(eid)}: {cell.score:g} / {cell.max_score:g}</h2>"
                    f"<pre>{html.escape(body[:20000])}</pre>")
    msgs = "".join(f"<li>{html.escape(m)}</li>" for m in result.messages)
    return (f"<!doctype html><meta charset='utf-8'><title>{html.escape(result.chapter)}</title>"
            f"<h1>{html.escape(result.student)}, {html.escape(result.chapter)}: {result.score:g} / "
            f"{result.max_score:g}</h1><ul>{msgs}</ul>{''.join(rows)}")


def result_to_json(result: SubmissionResult, transcripts: dict[str, str]) -> dict:
    data = asdict(result)
    data["autograded_dir"] = None
    data["feedback_files"] = []
    data["transcripts"] = transcripts
    return data


def result_from_json(data: dict) -> tuple[SubmissionResult, dict]:
    cells = [CellResult(**c) for c in data["cells"]]
    res = SubmissionResult(data["student"], data["chapter"], data["status"], data["max_score"], cells,
                           list(data["messages"]), diagnoses=dict(data.get("diagnoses", {})))
    return res, dict(data.get("transcripts", {}))
