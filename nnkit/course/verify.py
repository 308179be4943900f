"""``nnkit verify``: the course verifications CI relies on, each with a clear verdict.

("verify" is the instructor's proof that the course is right; "checks" are the student's
feedback, :mod:`nnkit.checks`.)

===============  ==========================================================================
verification     passes when
===============  ==========================================================================
manifest         course.yml agrees with the tree: every chapter folder is listed and every
                 listed chapter has its folders, notebooks and mutant file; no unlisted
                 notebooks; each exercise has its cells (solution + ``test_<id>``, or a
                 graded written answer) with its points, in manifest order; the forbidden
                 concepts exist in nnkit.concepts; in the nnkit repository, the chapter's
                 checks module (exporting a check per exercise) and widget module exist
pairs            every ``solutions/<id>/<name>.py`` has the same cells as its ``.ipynb``
fresh-build      ``chapters/`` is byte-for-byte what ``nnkit build`` makes now
secrets          nothing secret in ``chapters/``: no solution/hidden-test markers, no line of a
                 solution or hidden-test region, no outputs, no ``.py`` or gradebook files
references       no chapter notebook imports or uses the nnkit names of its ``forbidden``
                 concepts (:func:`nnkit.course.references.forbidden_names`)
grading          nbgrader autograde gives every solution notebook full marks on every
                 autograded test and every fresh chapter notebook zero
mutants          (``--mutants``) every mutant kills the tests it lists, every graded test is
                 killed by a mutant, every generated reference-calling mutant scores 0
===============  ==========================================================================

Grading (and the mutants) happen in ONE nbgrader autograde run over all chapters, in a
throwaway nbgrader workspace (:func:`nnkit.course.grade.workspace`); nothing is written to
the course tree.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from nnkit.course.build import BuildError, pair_differences
from nnkit.course.grade import Submission, SubmissionResult, workspace
from nnkit.course.manifest import Course
from nnkit.course.mutants import MutantReport, mutant_submissions, outcomes_from_results, prepare_mutants
from nnkit.course.notebooks import (
    MARKER_STRINGS,
    cell_points,
    grade_id,
    is_exercise_cell,
    is_grade_cell,
    is_graded_test_cell,
    is_solution_cell,
    notebook_points,
    read_notebook,
    split_secret,
)
from nnkit.course.references import forbidden_names, scan_notebook

Log = Callable[[str], None]

SOLUTION_STUDENT = "solution"
RELEASE_STUDENT = "release"
#: Lines a release may contain although a solution region might too (the stubs).
STUB_LINES = {"# YOUR CODE HERE", "raise NotImplementedError()", "YOUR ANSWER HERE"}
FORBIDDEN_FILES = ("*.py", "*.pyc", "*.db", "*.db-journal")
#: Local caches that git ignores (opening chapters/ in Jupyter makes them); never compared.
LOCAL_CACHES = (".ipynb_checkpoints", "__pycache__")
_TRIVIAL = re.compile(r"^[\s\W_]*$")


@dataclass
class Verdict:
    name: str
    ok: bool
    details: list[str] = field(default_factory=list)
    skipped: bool = False

    def lines(self) -> list[str]:
        head = "SKIP" if self.skipped else ("PASS" if self.ok else "FAIL")
        out = [f"{head} {self.name}"]
        out += [f"     {d}" for d in self.details]
        return out


@dataclass
class VerifyReport:
    results: list[Verdict] = field(default_factory=list)
    grades: list[SubmissionResult] = field(default_factory=list)
    mutants: MutantReport | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def result(self, name: str) -> Verdict:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)

    def grade(self, student: str, chapter: str) -> SubmissionResult:
        for g in self.grades:
            if g.student == student and g.chapter == chapter:
                return g
        raise KeyError((student, chapter))

    def lines(self) -> list[str]:
        out = [line for r in self.results for line in r.lines()]
        failed = [r.name for r in self.results if not r.ok]
        out.append(f"{'FAILED' if failed else 'OK'}: {len(self.results) - len(failed)}/{len(self.results)} checks passed"
                   + (f" (failed: {', '.join(failed)})" if failed else "") + f" in {self.seconds:.0f} s")
        return out


# --------------------------------------------------------------------------- static checks


def verify_manifest(course: Course) -> Verdict:
    """course.yml and the tree agree (folders, notebooks, mutant files, points)."""
    details = []
    listed = set(course.chapter_ids)
    for folder, what in ((course.solutions_dir, "solutions"), (course.chapters_dir, "chapters")):
        present = {p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")} if folder.is_dir() else set()
        for extra in sorted(present - listed):
            details.append(f"{what}/{extra}/ is not a chapter of course.yml")
        for missing in sorted(listed - present):
            details.append(f"{what}/{missing}/ is missing (course.yml lists chapter {missing})")
    if course.mutants_dir.is_dir():
        for f in sorted(course.mutants_dir.glob("*.yml")):
            if f.stem not in listed:
                details.append(f"tests/mutants/{f.name} belongs to no chapter of course.yml")
    for chapter in course.chapters:
        if not chapter.mutants_file.is_file():
            details.append(f"tests/mutants/{chapter.id}.yml is missing")
        total = 0.0
        points_known = True
        for paths in chapter.notebook_paths:
            for p in (paths.source_py, paths.source_ipynb, paths.release_ipynb):
                if not p.is_file():
                    details.append(f"{p.relative_to(course.root)} is missing")
            if paths.source_ipynb.is_file():
                try:
                    total += notebook_points(read_notebook(paths.source_ipynb))
                except Exception as exc:
                    details.append(f"{paths.source_ipynb.relative_to(course.root)} is unreadable: {exc}")
                    points_known = False
            else:
                points_known = False
        listed_nbs = {f"{n}.ipynb" for n in chapter.notebooks}
        for folder in (chapter.source_dir, chapter.release_dir):
            if folder.is_dir():
                for nb in sorted(folder.glob("*.ipynb")):
                    if nb.name not in listed_nbs:
                        details.append(f"{nb.relative_to(course.root)} is not listed in course.yml")
        if points_known and abs(total - chapter.points) > 1e-9:
            details.append(f"{chapter.id}: course.yml says {chapter.points:g} points (the sum of its exercises), "
                           f"the notebooks hold {total:g}")
        if points_known:
            details += exercise_problems(chapter)
        details += module_problems(course, chapter)
    return Verdict("manifest", not details, details)


def exercise_problems(chapter) -> list[str]:
    """The chapter's ``exercises`` against its solution notebooks: cells, order and points."""
    found: list[tuple[str, str, float]] = []  # (kind, grade_id, points) in notebook order
    for paths in chapter.notebook_paths:
        for cell in read_notebook(paths.source_ipynb).cells:
            gid = grade_id(cell)
            if gid is None:
                continue
            if is_exercise_cell(cell):
                found.append(("code", gid, 0.0))
            elif is_graded_test_cell(cell):
                found.append(("test", gid, cell_points(cell)))
            elif is_grade_cell(cell) and is_solution_cell(cell):
                found.append(("written", gid, cell_points(cell)))
    where = f"{chapter.id}"
    problems = []
    by_id = {gid: (kind, pts) for kind, gid, pts in found}
    for ex in chapter.exercises:
        if ex.manual:
            kind, pts = by_id.get(ex.id, (None, 0.0))
            if kind != "written":
                problems.append(f"{where}: written answer {ex.id!r} has no graded markdown solution cell "
                                f"with grade_id {ex.id!r}")
            elif abs(pts - ex.points) > 1e-9:
                problems.append(f"{where}: {ex.id} is worth {ex.points:g} in course.yml, {pts:g} in the notebook")
            continue
        if by_id.get(ex.id, (None,))[0] != "code":
            problems.append(f"{where}: exercise {ex.id!r} has no code solution cell with grade_id {ex.id!r}")
        kind, pts = by_id.get(ex.test_id, (None, 0.0))
        if kind != "test":
            problems.append(f"{where}: exercise {ex.id!r} has no graded test cell {ex.test_id!r}")
        elif abs(pts - ex.points) > 1e-9:
            problems.append(f"{where}: {ex.id} is worth {ex.points:g} in course.yml, its cell {ex.test_id} {pts:g}")
    declared = {e.id for e in chapter.exercises} | {e.test_id for e in chapter.exercises if e.test_id}
    for kind, gid, _ in found:
        if gid not in declared:
            problems.append(f"{where}: the notebook's {kind} cell {gid!r} is not an exercise of course.yml "
                            f"(add it to `exercises`)")
    order = [gid for kind, gid, _ in found if kind in ("code", "written") and gid in declared]
    if order != [e.id for e in chapter.exercises if e.id in order]:
        problems.append(f"{where}: course.yml lists the exercises as {[e.id for e in chapter.exercises]}, "
                        f"the notebook has them in the order {order}")
    return problems


def module_problems(course: Course, chapter) -> list[str]:
    """Concepts known to nnkit; in the nnkit repository itself, the chapter's modules exist by rule."""
    problems = []
    try:
        from nnkit import concepts

        unknown = sorted(set(chapter.forbidden) - concepts.known())
        if unknown:
            problems.append(f"{chapter.id}: forbidden concepts {unknown} are implemented by no nnkit kernel "
                            f"(@nnkit.concepts.implements)")
    except ImportError as exc:  # pragma: no cover
        problems.append(f"nnkit.concepts does not import: {exc}")
    if not (course.root / "nnkit" / "checks").is_dir():  # a course tree without its own nnkit (fixtures)
        return problems
    for path, module in ((chapter.checks_file, chapter.checks_module), (chapter.widgets_file, chapter.widgets_module)):
        if not path.is_file():
            problems.append(f"{chapter.id}: {path.relative_to(course.root)} is missing (module {module})")
    if chapter.checks_file.is_file():
        import importlib

        try:
            mod = importlib.import_module(chapter.checks_module)
        except Exception as exc:
            return problems + [f"{chapter.checks_module} does not import: {type(exc).__name__}: {exc}"]
        exported = set(getattr(mod, "__all__", ()))
        for ex in chapter.graded_exercises:
            if ex.id not in exported:
                problems.append(f"{chapter.id}: {chapter.checks_module}.__all__ has no check {ex.id!r}")
    return problems


def verify_pairs(course: Course) -> Verdict:
    details = []
    for chapter in course.chapters:
        for paths in chapter.notebook_paths:
            for problem in pair_differences(paths):
                details.append(f"{chapter.id}/{paths.name}: {problem}")
    return Verdict("pairs", not details, details)


def _files(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
            if p.is_file() and not set(p.relative_to(folder).parts) & set(LOCAL_CACHES)}


def verify_fresh_build(course: Course, releases: dict[str, Path]) -> Verdict:
    """``chapters/<id>/`` equals the fresh build in ``releases`` byte for byte."""
    details = []
    for chapter in course.chapters:
        fresh, committed = _files(releases[chapter.id]), _files(chapter.release_dir)
        for name in sorted(set(fresh) - set(committed)):
            details.append(f"chapters/{chapter.id}/{name} is missing")
        for name in sorted(set(committed) - set(fresh)):
            details.append(f"chapters/{chapter.id}/{name} is not produced by the build")
        for name in sorted(set(fresh) & set(committed)):
            if fresh[name].read_bytes() != committed[name].read_bytes():
                details.append(f"chapters/{chapter.id}/{name} differs from a fresh build")
    if details:
        details.append("run `nnkit build` and commit chapters/")
    return Verdict("fresh-build", not details, details)


def secret_lines(source_nb) -> set[str]:
    """Stripped lines inside solution/hidden-test regions that appear nowhere else in the notebook."""
    secret, visible = set(), set()
    for cell in source_nb.cells:
        split = split_secret(cell.source)
        secret |= {ln.strip() for ln in split.secret}
        visible |= {ln.strip() for ln in split.visible}
        if cell.cell_type == "markdown":  # '# ### BEGIN SOLUTION' style markers in markdown
            secret |= {ln.strip().lstrip("#").strip() for ln in split.secret}
    return {s for s in secret - visible - STUB_LINES if s and not _TRIVIAL.match(s)}


def verify_secrets(course: Course) -> Verdict:
    """Nothing from solution or hidden-test regions, and no source files, in ``chapters/``."""
    import fnmatch

    details = []
    for chapter in course.chapters:
        folder = chapter.release_dir
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if set(path.relative_to(folder).parts) & set(LOCAL_CACHES):
                continue
            rel = path.relative_to(course.root).as_posix()
            if any(fnmatch.fnmatch(path.name, pat) for pat in FORBIDDEN_FILES):
                details.append(f"{rel}: must not ship (solution sources, caches and gradebooks stay out)")
                continue
            if not path.is_file():
                continue
            text = path.read_bytes().decode("utf-8", errors="replace")
            for marker in MARKER_STRINGS:
                if marker in text:
                    details.append(f"{rel}: contains the marker {marker!r}")
        for paths in chapter.notebook_paths:
            if not (paths.release_ipynb.is_file() and paths.source_ipynb.is_file()):
                continue
            rel = paths.release_ipynb.relative_to(course.root).as_posix()
            release = read_notebook(paths.release_ipynb)
            secrets = secret_lines(read_notebook(paths.source_ipynb))
            for i, cell in enumerate(release.cells):
                if cell.get("outputs"):
                    details.append(f"{rel}: cell {i} has stored outputs (they can reveal answers)")
                for line in cell.source.splitlines():
                    s = line.strip()
                    if s in secrets or (cell.cell_type == "markdown" and s.lstrip("#").strip() in secrets):
                        details.append(f"{rel}: cell {i} contains a line of a solution or hidden test: {s[:80]!r}")
    return Verdict("secrets", not details, details)


def verify_references(course: Course) -> Verdict:
    """No chapter notebook imports or uses the nnkit names of its forbidden concepts."""
    details = []
    for chapter in course.chapters:
        names = forbidden_names(chapter.forbidden)
        for paths in chapter.notebook_paths:
            if not paths.release_ipynb.is_file():
                continue
            rel = paths.release_ipynb.relative_to(course.root).as_posix()
            for use in scan_notebook(read_notebook(paths.release_ipynb), names):
                details.append(f"{rel}: {use.describe()}")
    return Verdict("references", not details, details)


# --------------------------------------------------------------------------- grading


def verify_grading(course: Course, grades: list[SubmissionResult]) -> Verdict:
    details = []
    for g in grades:
        if g.student == SOLUTION_STUDENT:
            bad = [f"{c.grade_id} ({c.score:g}/{c.max_score:g}{', ' + c.error if c.error else ''})"
                   for c in g.cells if c.kind == "test" and c.score < c.max_score]
            if g.status != "graded" or bad or not g.tests:
                details.append(f"{g.chapter}: solution scored {g.auto_score:g}/{g.auto_max_score:g} "
                               f"(status {g.status}); below full marks: {bad} {g.messages}")
        elif g.student == RELEASE_STUDENT:
            bad = [c.grade_id for c in g.cells if c.kind == "test" and c.score > 0]
            if g.status != "graded" or bad:
                details.append(f"{g.chapter}: fresh chapter notebook scored {g.auto_score:g} "
                               f"(status {g.status}); tests passing without an answer: {bad} {g.messages}")
    return Verdict("grading", not details, details)


def run_verify(course: Course, grade: bool = True, mutants: bool = False, slim: bool = True,
              timeout: float | None = None, log: Log = lambda s: None, jobs: int = 1) -> VerifyReport:
    """Run every check; see the module docstring.

    Parameters
    ----------
    course : Course
    grade : bool
        Run the autograde checks (slow: one kernel per notebook).
    mutants : bool
        Also grade the mutants (in the same nbgrader run).
    slim : bool
        Slim the mutant submissions (see :mod:`nnkit.course.mutants`).
    timeout : float, optional
        Per-cell timeout for autograde.
    log : callable
        Receives progress lines.
    jobs : int
        Parallel nbgrader runs (shards) for the autograde step; 1 = a single run.
    """
    start = time.perf_counter()
    report = VerifyReport()
    report.results.append(verify_manifest(course))
    report.results.append(verify_pairs(course))
    try:
        with workspace(course, list(course.chapters), log) as ws:
            report.results.append(verify_fresh_build(course, ws.releases))
            report.results.append(verify_secrets(course))
            report.results.append(verify_references(course))
            if not grade:
                report.results.append(Verdict("grading", True, ["skipped (--no-grade)"], skipped=True))
            else:
                subs = []
                for chapter in course.chapters:
                    subs.append(Submission(SOLUTION_STUDENT, chapter.id,
                                           {n: ws.source_notebook(chapter.id, n) for n in chapter.notebooks}))
                    subs.append(Submission(RELEASE_STUDENT, chapter.id,
                                           {n: ws.release_notebook(chapter.id, n) for n in chapter.notebooks}))
                sets, problems = ({}, [])
                if mutants:
                    sets, problems = prepare_mutants(course, list(course.chapters))
                    for cid, mset in sets.items():
                        subs += mutant_submissions(ws, course.chapter(cid), mset, slim=slim)
                log(f"autograde {len(subs)} submission(s)")
                results = ws.autograde(subs, timeout=timeout, jobs=jobs)
                report.grades = results
                report.results.append(verify_grading(course, [r for r in results if not r.student.startswith("mutant.")]))
                if mutants:
                    mrep = outcomes_from_results(course, sets, results, MutantReport(problems=problems))
                    report.mutants = mrep
                    report.results.append(Verdict("mutants", not mrep.all_problems(),
                                                      mrep.all_problems() + mrep.lines()))
    except BuildError as exc:
        report.results.append(Verdict("fresh-build", False, [f"the build failed: {exc}"]))
    report.seconds = time.perf_counter() - start
    return report
