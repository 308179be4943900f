"""``nnkit check``: the release checks CI relies on, each with a clear verdict.

===============  ==========================================================================
check            passes when
===============  ==========================================================================
manifest         course.yml agrees with the tree: every chapter folder is listed and every
                 listed chapter has its folders, notebooks and mutant file; no unlisted
                 notebooks; the manifest's points equal the points in the notebooks
pairs            every ``solutions/<id>/<name>.py`` has the same cells as its ``.ipynb``
fresh-build      ``chapters/`` is byte-for-byte what ``nnkit build`` makes now
secrets          nothing secret in ``chapters/``: no solution/hidden-test markers, no line of a
                 solution or hidden-test region, no outputs, no ``.py`` or gradebook files
references       no chapter notebook imports or uses its ``forbidden_references``
grading          nbgrader autograde gives every solution notebook full marks on every
                 autograded test and every fresh chapter notebook zero
mutants          (``--mutants``) every mutant kills the tests it lists, every graded test is
                 killed by a mutant, every exercise has a reference-calling mutant
===============  ==========================================================================

Grading (and the mutants) happen in ONE nbgrader autograde run over all chapters, in a
throwaway workspace; nothing is written to the course tree.
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
from nnkit.course.notebooks import MARKER_STRINGS, notebook_points, read_notebook, split_secret
from nnkit.course.references import scan_notebook

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
class CheckResult:
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
class CheckReport:
    results: list[CheckResult] = field(default_factory=list)
    grades: list[SubmissionResult] = field(default_factory=list)
    mutants: MutantReport | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def result(self, name: str) -> CheckResult:
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


def check_manifest(course: Course) -> CheckResult:
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
            details.append(f"{chapter.id}: course.yml says {chapter.points:g} points, the notebooks hold {total:g}")
    return CheckResult("manifest", not details, details)


def check_pairs(course: Course) -> CheckResult:
    details = []
    for chapter in course.chapters:
        for paths in chapter.notebook_paths:
            for problem in pair_differences(paths):
                details.append(f"{chapter.id}/{paths.name}: {problem}")
    return CheckResult("pairs", not details, details)


def _files(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
            if p.is_file() and not set(p.relative_to(folder).parts) & set(LOCAL_CACHES)}


def check_fresh_build(course: Course, releases: dict[str, Path]) -> CheckResult:
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
    return CheckResult("fresh-build", not details, details)


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


def check_secrets(course: Course) -> CheckResult:
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
    return CheckResult("secrets", not details, details)


def check_references(course: Course) -> CheckResult:
    details = []
    for chapter in course.chapters:
        for paths in chapter.notebook_paths:
            if not paths.release_ipynb.is_file():
                continue
            rel = paths.release_ipynb.relative_to(course.root).as_posix()
            for use in scan_notebook(read_notebook(paths.release_ipynb), chapter.forbidden_references):
                details.append(f"{rel}: {use.describe()}")
    return CheckResult("references", not details, details)


# --------------------------------------------------------------------------- grading


def check_grading(course: Course, grades: list[SubmissionResult]) -> CheckResult:
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
    return CheckResult("grading", not details, details)


def run_check(course: Course, grade: bool = True, mutants: bool = False, slim: bool = True,
              timeout: float | None = None, log: Log = lambda s: None, jobs: int = 1) -> CheckReport:
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
    report = CheckReport()
    report.results.append(check_manifest(course))
    report.results.append(check_pairs(course))
    try:
        with workspace(course, list(course.chapters), log) as ws:
            report.results.append(check_fresh_build(course, ws.releases))
            report.results.append(check_secrets(course))
            report.results.append(check_references(course))
            if not grade:
                report.results.append(CheckResult("grading", True, ["skipped (--no-grade)"], skipped=True))
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
                report.results.append(check_grading(course, [r for r in results if not r.student.startswith("mutant.")]))
                if mutants:
                    mrep = outcomes_from_results(course, sets, results, MutantReport(problems=problems))
                    report.mutants = mrep
                    report.results.append(CheckResult("mutants", not mrep.all_problems(),
                                                      mrep.all_problems() + mrep.lines()))
    except BuildError as exc:
        report.results.append(CheckResult("fresh-build", False, [f"the build failed: {exc}"]))
    report.seconds = time.perf_counter() - start
    return report
