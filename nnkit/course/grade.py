"""``nnkit grade``: autograde submissions with nbgrader, in a throwaway course directory.

Layout of the submissions folder::

    SUBMISSIONS_DIR/<student>/<chapter-id>/<notebook>.ipynb

For each run a :class:`Workspace` (a temporary nbgrader course directory with its own
gradebook) is built from the instructor's solution notebooks, the submissions are copied
into its ``submitted/`` step, and nbgrader's real ``autograde`` runs once over all of them
(per-cell timeout from ``nbgrader_config.py`` or ``--timeout``). Scores are read back from
the gradebook; feedback HTML comes from nbgrader's ``generate_feedback``; ``grades.csv``
has one row per student and chapter. The instructor's tree is never written to.

A notebook that cannot be read (not JSON, not a notebook) is not given to nbgrader: its
row says why and scores 0, and the other submissions are graded as usual. nbgrader itself
restores graded test cells a student edited, retyped or deleted (its warnings go into the
row's message); a submission nbgrader still fails on gets status ``error`` and nbgrader's
error message.

The unit of work is one :class:`Submission`. :meth:`Workspace.autograde` grades a list of
them in one nbgrader run, or (``jobs=N``) in N parallel runs, each in its own process and
workspace. A sandboxed grader (containers, memory limits) would call :func:`grade_one`
per student inside the sandbox and merge the :class:`SubmissionResult` lists.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import nbformat
from nbformat import NotebookNode

from nnkit.course import nbgrader_env
from nnkit.course.build import generate_releases
from nnkit.course.manifest import Chapter, Course
from nnkit.course.notebooks import dumps_notebook, grade_id, is_grade_cell, read_notebook

Log = Callable[[str], None]

_STUDENT_ID = re.compile(r"^[A-Za-z0-9_.@+-]+$")


def _quiet(_: str) -> None:
    pass


@dataclass
class Submission:
    """One student's work on one chapter.

    Attributes
    ----------
    student : str
        Student id (folder name; letters, digits and ``_.@+-``).
    chapter : str
        Chapter id from ``course.yml``.
    notebooks : dict
        ``notebook name -> path to the .ipynb`` or an in-memory ``NotebookNode``.
        A notebook of the chapter that is absent scores 0.
    """

    student: str
    chapter: str
    notebooks: dict[str, Path | NotebookNode]


@dataclass
class CellResult:
    """The grade of one graded cell of one submission."""

    notebook: str
    grade_id: str
    kind: str  # "test" (autograded code cell), "manual" (written answer) or "task"
    score: float
    max_score: float
    needs_manual_grade: bool
    error: str | None = None  # exception name of the cell's first error output, if any

    @property
    def column(self) -> str:
        return f"{self.notebook}:{self.grade_id}"


@dataclass
class SubmissionResult:
    """Everything known about one graded submission."""

    student: str
    chapter: str
    status: str  # "graded", "error" (nbgrader or the file failed) or "missing"
    max_score: float
    cells: list[CellResult] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    autograded_dir: Path | None = None
    feedback_files: list[Path] = field(default_factory=list)
    #: trusted engine: ``exercise id -> {"step", "diagnosis", "hidden"}`` of each failed check
    diagnoses: dict[str, dict] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return sum(c.score for c in self.cells)

    @property
    def auto_score(self) -> float:
        return sum(c.score for c in self.cells if c.kind == "test")

    @property
    def auto_max_score(self) -> float:
        return sum(c.max_score for c in self.cells if c.kind == "test")

    @property
    def needs_manual_grade(self) -> bool:
        return any(c.needs_manual_grade for c in self.cells)

    @property
    def tests(self) -> dict[str, CellResult]:
        """``grade_id -> result`` of the autograded test cells."""
        return {c.grade_id: c for c in self.cells if c.kind == "test"}

    def failed_tests(self) -> list[str]:
        """grade_ids of autograded test cells that scored 0."""
        return [c.grade_id for c in self.cells if c.kind == "test" and c.score == 0]

    def passed_tests(self) -> list[str]:
        """grade_ids of autograded test cells with full marks."""
        return [c.grade_id for c in self.cells if c.kind == "test" and c.score >= c.max_score]


class Workspace:
    """A temporary nbgrader course directory holding the gradebook of some chapters.

    Parameters
    ----------
    course : Course
    chapters : list of Chapter
    workdir : Path
        An empty folder (see :func:`workspace` for a self-cleaning one).
    log : callable
    """

    def __init__(self, course: Course, chapters: list[Chapter], workdir: Path, log: Log = _quiet):
        self.course = course
        self.chapters = {c.id: c for c in chapters}
        self.root = Path(workdir)
        self.log = log
        self.releases = generate_releases(course, chapters, self.root, log)
        self._graded = False
        self._checksums: dict[str, dict[str, set[str]]] = {}

    def release_notebook(self, chapter_id: str, name: str) -> Path:
        """The freshly built student notebook (post-processed like ``chapters/``)."""
        return self.releases[chapter_id] / f"{name}.ipynb"

    def source_notebook(self, chapter_id: str, name: str) -> Path:
        """The staged solution notebook."""
        return self.root / nbgrader_env.SOURCE / chapter_id / f"{name}.ipynb"

    # ------------------------------------------------------------------ autograde

    def autograde(self, submissions: Iterable[Submission], timeout: float | None = None,
                  feedback: bool = False, echo: bool = False, jobs: int = 1) -> list[SubmissionResult]:
        """Autograde ``submissions`` in ONE nbgrader run; return one result per submission.

        Parameters
        ----------
        submissions : iterable of Submission
            (student, chapter) pairs must be unique; chapters must belong to this workspace.
        timeout : float, optional
            Per-cell timeout in seconds (default: ``Execute.timeout`` of ``nbgrader_config.py``).
        feedback : bool
            Also run nbgrader ``generate_feedback`` (HTML per notebook).
        echo : bool
            Echo nbgrader's log to stderr.
        jobs : int
            With ``jobs > 1`` the submissions are split into that many shards, each graded by
            one nbgrader run in its own process and workspace (under ``<root>/shards/``);
            nbgrader runs one kernel at a time, so this uses more cores.
        """
        submissions = list(submissions)
        if jobs > 1 and len(submissions) > 1:
            return self._autograde_sharded(submissions, timeout, feedback, echo, jobs)
        return self._autograde_serial(submissions, timeout, feedback, echo)

    def _autograde_sharded(self, submissions: list[Submission], timeout, feedback, echo, jobs: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        keys = [(s.student, s.chapter) for s in submissions]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate (student, chapter) submissions")
        shards: list[list[Submission]] = [[] for _ in range(min(jobs, len(submissions)))]
        loads = [0] * len(shards)
        for sub in sorted(submissions, key=_weight, reverse=True):  # longest first, to the lightest shard
            i = loads.index(min(loads))
            shards[i].append(sub)
            loads[i] += _weight(sub)
        self.log(f"nbgrader autograde: {len(submissions)} submission(s) in {len(shards)} parallel shards")
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=len(shards), mp_context=ctx) as pool:
            futures = [pool.submit(_autograde_shard, str(self.course.root), sorted(self.chapters),
                                   str(self.root / "shards" / str(i)), shard, timeout, feedback, echo)
                       for i, shard in enumerate(shards)]
            merged = {(r.student, r.chapter): r for f in futures for r in f.result()}
        return [merged[k] for k in keys]

    def _autograde_serial(self, submissions: list[Submission], timeout, feedback, echo) -> list[SubmissionResult]:
        from nbgrader.converters import Autograde, GenerateFeedback

        if self._graded:  # nbgrader would grade the earlier batch's submitted/ folders again
            raise RuntimeError("a Workspace grades one batch; make a new workspace for the next one")
        self._graded = True
        results: dict[tuple[str, str], SubmissionResult] = {}
        to_grade: list[Submission] = []
        for sub in submissions:
            key = (sub.student, sub.chapter)
            if key in results:
                raise ValueError(f"duplicate submission for student {sub.student!r}, chapter {sub.chapter!r}")
            if sub.chapter not in self.chapters:
                raise ValueError(f"chapter {sub.chapter!r} is not part of this workspace: {sorted(self.chapters)}")
            if not _STUDENT_ID.match(sub.student):
                raise ValueError(f"student id {sub.student!r}: use letters, digits and _.@+- only")
            chapter = self.chapters[sub.chapter]
            result = SubmissionResult(sub.student, sub.chapter, "graded", max_score=chapter.points)
            results[key] = result
            written = self._stage_submission(sub, chapter, result)
            if written:
                to_grade.append(sub)
            else:
                result.status = "missing" if not result.messages else "error"
                if not result.messages:
                    result.messages.append("no notebook of this chapter was submitted")

        if to_grade:
            cfg = nbgrader_env.work_config(self.course, self.root, timeout=timeout)
            cfg.Autograde.force = True
            cfg.Autograde.create_student = True
            start = time.perf_counter()
            self.log(f"nbgrader autograde: {len(to_grade)} submission(s)")
            with nbgrader_env.captured_logger("autograde", echo=echo) as (logger, records), \
                    warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SQLAlchemy session chatter from nbgrader's gradebook
                try:
                    nbgrader_env.run_converter(Autograde, cfg, logger, assignment_id="*", student_id="*")
                except Exception as exc:  # raised after everything else was graded
                    self.log(f"nbgrader autograde reported failures: {exc}")
            per_sub = _messages_per_submission(records.messages())
            self.log(f"nbgrader autograde took {time.perf_counter() - start:.1f} s")
            self._collect(to_grade, results, per_sub)
            if feedback:
                fb_cfg = nbgrader_env.work_config(self.course, self.root)
                fb_cfg.GenerateFeedback.force = True
                with nbgrader_env.captured_logger("feedback", echo=echo) as (logger, records):
                    try:
                        nbgrader_env.run_converter(GenerateFeedback, fb_cfg, logger, assignment_id="*", student_id="*")
                    except Exception as exc:
                        self.log(f"nbgrader generate_feedback reported failures: {exc}")
                for sub in to_grade:
                    fdir = self.root / nbgrader_env.FEEDBACK / sub.student / sub.chapter
                    results[(sub.student, sub.chapter)].feedback_files = sorted(fdir.glob("*.html"))
        return [results[(s.student, s.chapter)] for s in submissions]

    def _stage_submission(self, sub: Submission, chapter: Chapter, result: SubmissionResult) -> bool:
        dest = self.root / nbgrader_env.SUBMITTED / sub.student / sub.chapter
        written = False
        for name, nb in sorted(sub.notebooks.items()):
            if name not in chapter.notebooks:
                result.messages.append(f"{name}.ipynb is not a notebook of chapter {chapter.id}; ignored")
                continue
            try:
                if isinstance(nb, NotebookNode):
                    text = dumps_notebook(nb)
                else:
                    text = Path(nb).read_text(encoding="utf-8")
                parsed = nbformat.reads(text, as_version=4)
                if not isinstance(parsed.get("cells"), list):
                    raise ValueError("no list of cells")
            except Exception as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                result.messages.append(
                    f"{name}.ipynb could not be read as a notebook ({type(exc).__name__}: {first[:200]}); it scores 0")
                continue
            dest.mkdir(parents=True, exist_ok=True)
            (dest / f"{name}.ipynb").write_text(text, encoding="utf-8")
            written = True
        if written:
            missing = [n for n in chapter.notebooks if not (dest / f"{n}.ipynb").exists()]
            for n in missing:
                if not any(m.startswith(f"{n}.ipynb") for m in result.messages):
                    result.messages.append(f"{n}.ipynb was not submitted; it scores 0")
            if any("could not be read" in m for m in result.messages):
                result.status = "error"
        return written

    def _release_checksums(self, chapter_id: str) -> dict[str, set[str]]:
        """``grade_id -> checksums`` of the cells as released (unchanged by the student)."""
        if chapter_id in self._checksums:
            return self._checksums[chapter_id]
        out: dict[str, set[str]] = self._checksums.setdefault(chapter_id, {})
        for path in sorted(self.releases[chapter_id].glob("*.ipynb")):
            for cell in read_notebook(path).cells:
                meta = cell.get("metadata", {}).get("nbgrader", {})
                if meta.get("grade_id") and meta.get("checksum"):
                    out.setdefault(meta["grade_id"], set()).add(meta["checksum"])
        return out

    def _collect(self, graded: list[Submission], results: dict, per_sub: dict) -> None:
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}", self.course.id) as gb:
            for sub in graded:
                result = results[(sub.student, sub.chapter)]
                untouched = self._release_checksums(sub.chapter)
                for msg in per_sub.get((sub.student, sub.chapter), []):
                    m = _CHECKSUM_WARNING.match(msg)
                    if m and m.group(2) in untouched.get(m.group(1), ()):
                        continue  # nbgrader always says this of a test cell with hidden tests
                    result.messages.append(msg)
                adir = self.root / nbgrader_env.AUTOGRADED / sub.student / sub.chapter
                if not adir.is_dir():
                    result.status = "error"
                    result.messages.insert(0, "nbgrader could not autograde this submission")
                    continue
                result.autograded_dir = adir
                try:
                    submission = gb.find_submission(sub.chapter, sub.student)
                except MissingEntry:
                    result.status = "error"
                    result.messages.insert(0, "nbgrader recorded no grades for this submission")
                    continue
                errors = _graded_cell_errors(adir)
                names = self.chapters[sub.chapter].notebooks
                for snb in sorted(submission.notebooks, key=lambda n: names.index(n.name) if n.name in names else len(names)):
                    order = {gid: i for i, gid in enumerate(_grade_order(self.source_notebook(sub.chapter, snb.name)))}
                    for g in sorted(snb.grades, key=lambda g: order.get(g.name, len(order))):
                        if g.cell.type == "TaskCell":
                            kind = "task"
                        else:
                            kind = "test" if g.cell_type == "code" else "manual"
                        result.cells.append(CellResult(
                            notebook=snb.name, grade_id=g.name, kind=kind, score=float(g.score or 0.0),
                            max_score=float(g.max_score), needs_manual_grade=bool(g.needs_manual_grade),
                            error=errors.get((snb.name, g.name))))


def _weight(sub: Submission) -> int:
    """Rough cost of grading ``sub``: the number of code cells it runs."""
    total = 1
    for nb in sub.notebooks.values():
        try:
            cells = nb.cells if isinstance(nb, NotebookNode) else read_notebook(nb).cells
            total += sum(c.cell_type == "code" for c in cells)
        except Exception:
            pass
    return total


def _autograde_shard(root: str, chapter_ids: list[str], workdir: str, submissions: list[Submission],
                     timeout, feedback, echo) -> list[SubmissionResult]:
    """One shard of :meth:`Workspace.autograde`, run in a worker process with its own workspace."""
    from nnkit.course.manifest import load_course

    course = load_course(root)
    Path(workdir).mkdir(parents=True)
    ws = Workspace(course, course.select(chapter_ids), Path(workdir))
    return ws._autograde_serial(submissions, timeout, feedback, echo)


def _grade_order(source_nb: Path) -> list[str]:
    try:
        return [grade_id(c) for c in read_notebook(source_nb).cells if is_grade_cell(c)]
    except Exception:
        return []


def _graded_cell_errors(autograded_dir: Path) -> dict[tuple[str, str], str]:
    """``(notebook, grade_id) -> exception name`` for graded cells whose output holds an error."""
    out = {}
    for path in sorted(autograded_dir.glob("*.ipynb")):
        try:
            nb = read_notebook(path)
        except Exception:
            continue
        for cell in nb.cells:
            if cell.cell_type == "code" and is_grade_cell(cell):
                for o in cell.get("outputs", []):
                    if o.get("output_type") == "error":
                        out[(path.stem, grade_id(cell))] = o.get("ename", "Error")
                        break
    return out


_CHECKSUM_WARNING = re.compile(r"^Attribute 'checksum' for cell (\S+) has changed! \(should be: \S+, got: (\S+)\)$")
_PATH_IN_LOG = re.compile(r"(?:submitted|autograded)[/\\]([^/\\]+)[/\\]([^/\\\s]+)")


def _messages_per_submission(messages: list[tuple[int, str]]) -> dict[tuple[str, str], list[str]]:
    """Attribute nbgrader's warnings and errors to the submission being processed at the time."""
    out: dict[tuple[str, str], list[str]] = {}
    current = None
    for level, msg in messages:
        m = _PATH_IN_LOG.search(msg)
        if m and level < 30:
            current = (m.group(1), m.group(2))
            continue
        if level >= 30:
            key = (m.group(1), m.group(2)) if m else current
            if key is None:
                continue
            text = msg.strip()
            if level >= 40 and "Traceback" in text:
                lines = [ln for ln in text.splitlines() if ln.strip()]
                text = "nbgrader error: " + (lines[-1] if lines else text)
            if text and text not in out.setdefault(key, []):
                out[key].append(text[:500])
    return out


# --------------------------------------------------------------------------- the command


def workspace(course: Course, chapters: list[Chapter], log: Log = _quiet, keep: Path | None = None):
    """A :class:`Workspace` in a temporary folder (a context manager; ``keep`` uses that folder instead)."""
    from contextlib import contextmanager

    @contextmanager
    def _cm():
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            if any(keep.iterdir()):
                raise ValueError(f"{keep}: work folder must be empty")
            yield Workspace(course, chapters, keep, log)
            return
        with tempfile.TemporaryDirectory(prefix="nnkit-grade-") as tmp:
            yield Workspace(course, chapters, Path(tmp), log)

    return _cm()


def collect_submissions(course: Course, submissions_dir: Path, chapter_ids: list[str] | None = None,
                        ) -> tuple[list[Submission], list[str]]:
    """Find ``<student>/<chapter-id>/<notebook>.ipynb`` under ``submissions_dir``.

    Returns
    -------
    submissions : list of Submission
        Sorted by student, then chapter in manifest order.
    warnings : list of str
        Folders that were skipped and why.
    """
    submissions_dir = Path(submissions_dir)
    if not submissions_dir.is_dir():
        raise FileNotFoundError(f"{submissions_dir}: submissions folder not found")
    chapters = course.select(chapter_ids)
    wanted = {c.id for c in chapters}
    known = set(course.chapter_ids)
    subs, warnings = [], []
    for student_dir in sorted(p for p in submissions_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not _STUDENT_ID.match(student_dir.name):
            warnings.append(f"{student_dir}: student folder names may use letters, digits and _.@+- only; skipped")
            continue
        for chapter_dir in sorted(p for p in student_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if chapter_dir.name not in known:
                warnings.append(f"{chapter_dir}: not a chapter of course.yml; skipped")
        for chapter in chapters:
            chapter_dir = student_dir / chapter.id
            if not chapter_dir.is_dir():
                continue
            notebooks = {p.stem: p for p in sorted(chapter_dir.glob("*.ipynb"))}
            subs.append(Submission(student_dir.name, chapter.id, notebooks))
    if not subs:
        warnings.append(f"{submissions_dir}: no <student>/<chapter-id>/<notebook>.ipynb found "
                        f"for chapter(s) {sorted(wanted)}")
    return subs, warnings


def grade_submissions(course: Course, submissions: list[Submission], timeout: float | None = None,
                      feedback_dir: Path | None = None, log: Log = _quiet,
                      echo: bool = False, jobs: int = 1) -> list[SubmissionResult]:
    """Grade ``submissions`` in a fresh temporary workspace (the per-shard unit of work).

    With ``feedback_dir``, nbgrader's feedback HTML is generated and copied to
    ``feedback_dir/<student>/<chapter>/<notebook>.html`` before the workspace is removed.
    """
    chapter_ids = sorted({s.chapter for s in submissions}, key=course.chapter_ids.index)
    chapters = course.select(chapter_ids)
    if not chapters:
        return []
    with workspace(course, chapters, log) as ws:
        results = ws.autograde(submissions, timeout=timeout, feedback=feedback_dir is not None, echo=echo,
                               jobs=jobs)
        for r in results:
            copied = []
            for f in r.feedback_files:
                dest = Path(feedback_dir) / r.student / r.chapter / f.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f, dest)
                copied.append(dest)
            r.feedback_files = copied
            r.autograded_dir = None  # gone with the workspace
    return results


def grade_one(course: Course, submission: Submission, timeout: float | None = None,
              feedback_dir: Path | None = None, log: Log = _quiet) -> SubmissionResult:
    """Grade ONE student's chapter in its own workspace: the unit to sandbox or parallelise.

    ``run_grade`` grades everything in one nbgrader run (fastest on one machine); a
    sandboxed or parallel grader maps this function over the submissions instead (each
    call has its own temporary course folder and gradebook) and merges the results.
    """
    return grade_submissions(course, [submission], timeout=timeout, feedback_dir=feedback_dir, log=log)[0]


def grade_columns(course: Course, results: list[SubmissionResult]) -> list[str]:
    """Per-test-cell column names (``<notebook>:<grade_id>``) in course and notebook order."""
    cols: list[str] = []
    for chapter in course.chapters:
        for r in results:
            if r.chapter == chapter.id:
                for c in r.cells:
                    if c.kind == "test" and c.column not in cols:
                        cols.append(c.column)
    return cols


def write_grades_csv(course: Course, results: list[SubmissionResult], path: Path) -> Path:
    """Write one row per (student, chapter): totals, status, messages and one column per test cell."""
    fixed = ["student", "chapter", "status", "score", "max_score", "auto_score", "auto_max_score",
             "needs_manual_grade", "message"]
    cols = grade_columns(course, results)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(fixed + cols)
        for r in results:
            per = {c.column: _fmt(c.score) for c in r.cells if c.kind == "test"}
            auto_max = r.auto_max_score
            if r.status != "graded" and not r.cells:
                auto_max = ""
            w.writerow([r.student, r.chapter, r.status, _fmt(r.score), _fmt(r.max_score), _fmt(r.auto_score),
                        _fmt(auto_max), "yes" if r.needs_manual_grade else "no", " | ".join(r.messages)]
                       + [per.get(c, "") for c in cols])
    return path


def _fmt(x) -> str:
    if x == "" or x is None:
        return ""
    x = float(x)
    return str(int(x)) if x.is_integer() else f"{x:g}"


def run_grade(course: Course, submissions_dir: Path, out_dir: Path, chapter_ids: list[str] | None = None,
              timeout: float | None = None, feedback: bool = True, log: Log = _quiet,
              echo: bool = False, jobs: int = 1) -> list[SubmissionResult]:
    """``nnkit grade``: collect, autograde, write ``grades.csv`` and feedback into ``out_dir``."""
    subs, warnings = collect_submissions(course, submissions_dir, chapter_ids)
    for w in warnings:
        log(f"warning: {w}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = grade_submissions(course, subs, timeout=timeout, log=log, echo=echo, jobs=jobs,
                                feedback_dir=out_dir / "feedback" if feedback else None)
    write_grades_csv(course, results, out_dir / "grades.csv")
    return results
