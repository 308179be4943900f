"""Mutants: plausible wrong answers, kept as data, that the graded tests must catch.

``tests/mutants/<chapter-id>.yml``::

    chapter: 01-cost-functions
    notebook: cost_functions.ipynb          # default notebook of the mutants below
    mutants:
      - id: quadratic_cost_no_mean          # unique within the file
        why: forgets the 1/n (sums over the batch)
        cell: quadratic_cost                # grade_id of the SOLUTION cell whose source is replaced
        kills: [test_quadratic_cost]        # graded test cells that must score 0
        source: |
          def quadratic_cost(a, y):
              return 0.5 * np.sum((a - y) ** 2)
        # optional: notebook: other.ipynb   (per mutant), tags: [free-form labels]

Each mutant becomes one submission: the release notebook with every solution cell
filled with its solution, and the mutant's cell replaced by the mutant source. All
mutants of all selected chapters are autograded in ONE nbgrader run through the same
code path as ``nnkit grade`` (:meth:`nnkit.course.grade.Workspace.autograde`).

A mutant "calls the reference" when its source uses one of the chapter's
``forbidden_references`` (found by :mod:`nnkit.course.references`): every exercise
needs such a mutant, and it must score 0 on the tests it lists.

Speed: by default the submissions are *slimmed* (:func:`slim_notebook`): only the
nbgrader cells and the code cells that define names they need are kept, so plots,
widgets and demos do not run once per mutant. A control submission (the slimmed
solution) must still score full marks, which proves the slimming removed nothing a
test needs; ``slim=False`` grades the whole notebooks instead.
"""

from __future__ import annotations

import ast
import copy
import re
import symtable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from nbformat import NotebookNode

from nnkit.course.grade import Submission, SubmissionResult, Workspace
from nnkit.course.manifest import Chapter, Course
from nnkit.course.notebooks import (
    cells_by_grade_id,
    grade_id,
    is_exercise_cell,
    is_graded_test_cell,
    is_solution_cell,
    nbgrader_meta,
    read_notebook,
)
from nnkit.course.references import _to_python, scan_source

CONTROL_ID = "control"
_MUTANT_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_MUTANT_KEYS = {"id", "why", "cell", "kills", "source", "notebook", "tags"}
_REQUIRED = {"id", "why", "cell", "kills", "source"}


class MutantError(ValueError):
    """A mutant file is missing, malformed or names cells that do not exist."""


@dataclass(frozen=True)
class Mutant:
    id: str
    why: str
    cell: str
    kills: tuple[str, ...]
    source: str
    notebook: str  # notebook name without extension
    tags: tuple[str, ...] = ()

    @property
    def student(self) -> str:
        """The student id its submission is graded under."""
        return f"mutant.{self.id}"


@dataclass(frozen=True)
class MutantSet:
    chapter: str
    path: Path
    mutants: tuple[Mutant, ...]


def load_mutants(chapter: Chapter) -> MutantSet:
    """Read and validate the format of ``tests/mutants/<chapter-id>.yml``.

    Raises
    ------
    MutantError
        Missing file, bad YAML, wrong keys or types, duplicate ids.
    """
    path = chapter.mutants_file
    if not path.is_file():
        raise MutantError(f"{path}: mutant file not found (every chapter needs one)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MutantError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise MutantError(f"{path}: expected a mapping with keys chapter, notebook, mutants")
    if data.get("chapter") != chapter.id:
        raise MutantError(f"{path}: 'chapter' is {data.get('chapter')!r}, expected {chapter.id!r}")
    default_nb = data.get("notebook")
    if default_nb is None and len(chapter.notebooks) == 1:
        default_nb = chapter.notebooks[0]
    entries = data.get("mutants")
    if not isinstance(entries, list) or not entries:
        raise MutantError(f"{path}: 'mutants' must be a non-empty list")
    mutants, seen = [], set()
    for i, m in enumerate(entries):
        where = f"{path}: mutants[{i}]"
        if not isinstance(m, dict):
            raise MutantError(f"{where}: expected a mapping, got {m!r}")
        where = f"{where} ({m.get('id', '?')})"
        missing = sorted(_REQUIRED - set(m))
        unknown = sorted(set(m) - _MUTANT_KEYS)
        if missing:
            raise MutantError(f"{where}: missing key(s) {missing}")
        if unknown:
            raise MutantError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(_MUTANT_KEYS)}")
        mid = m["id"]
        if not isinstance(mid, str) or not _MUTANT_ID.match(mid) or mid == CONTROL_ID:
            raise MutantError(f"{where}: id must be letters, digits, '_', '.', '-' (and not {CONTROL_ID!r}), got {mid!r}")
        if mid in seen:
            raise MutantError(f"{where}: duplicate id {mid!r}")
        seen.add(mid)
        for key in ("why", "cell", "source"):
            if not isinstance(m[key], str) or not m[key].strip():
                raise MutantError(f"{where}: {key!r} must be a non-empty string")
        kills = m["kills"]
        if not isinstance(kills, list) or not kills or not all(isinstance(k, str) for k in kills):
            raise MutantError(f"{where}: 'kills' must be a non-empty list of graded test cell ids")
        tags = m.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise MutantError(f"{where}: 'tags' must be a list of strings")
        nb = m.get("notebook", default_nb)
        if not isinstance(nb, str):
            raise MutantError(f"{where}: no notebook given (set 'notebook' at the top of the file)")
        nb = nb[:-6] if nb.endswith(".ipynb") else nb
        if nb not in chapter.notebooks:
            raise MutantError(f"{where}: notebook {nb!r} is not a notebook of {chapter.id}: {list(chapter.notebooks)}")
        mutants.append(Mutant(id=mid, why=m["why"].strip(), cell=m["cell"], kills=tuple(kills),
                              source=m["source"].rstrip("\n"), notebook=nb, tags=tuple(tags)))
    return MutantSet(chapter=chapter.id, path=path, mutants=tuple(mutants))


def validate_mutants(mset: MutantSet, chapter: Chapter) -> list[str]:
    """Problems with the cells the mutants name (checked against the solution notebooks)."""
    problems = []
    for mutant in mset.mutants:
        nb = read_notebook(chapter.notebook(mutant.notebook).source_ipynb)
        cells = cells_by_grade_id(nb)
        target = cells.get(mutant.cell)
        if target is None or not is_exercise_cell(target):
            exercises = [grade_id(c) for c in nb.cells if is_exercise_cell(c)]
            problems.append(f"{mset.path.name}: mutant {mutant.id}: cell {mutant.cell!r} is not a code solution cell "
                            f"of {mutant.notebook}.ipynb (exercises: {exercises})")
        for k in mutant.kills:
            if k not in cells or not is_graded_test_cell(cells[k]):
                tests = [grade_id(c) for c in nb.cells if is_graded_test_cell(c)]
                problems.append(f"{mset.path.name}: mutant {mutant.id}: kills {k!r}, which is not a graded test cell "
                                f"of {mutant.notebook}.ipynb (tests: {tests})")
        try:
            ast.parse(_to_python(mutant.source))
        except SyntaxError as exc:
            problems.append(f"{mset.path.name}: mutant {mutant.id}: source is not valid Python ({exc.msg}, line {exc.lineno})")
        if target is not None and mutant.source.strip() == target.source.strip():
            problems.append(f"{mset.path.name}: mutant {mutant.id}: source is identical to the solution")
    return problems


def calls_reference(mutant: Mutant, chapter: Chapter) -> bool:
    """Whether the mutant's source uses one of the chapter's forbidden references."""
    nb = read_notebook(chapter.notebook(mutant.notebook).source_ipynb)
    context = []
    for cell in nb.cells:
        if grade_id(cell) == mutant.cell:
            break
        if cell.cell_type == "code":
            context.append(cell.source)
    return bool(scan_source(mutant.source, chapter.forbidden_references, context=context, strings=True))


# --------------------------------------------------------------------------- submissions


def filled_notebook(release: NotebookNode, source: NotebookNode, replace: dict[str, str] | None = None) -> NotebookNode:
    """The release with every solution cell holding its solution (and ``replace`` applied).

    Parameters
    ----------
    release : NotebookNode
        Student notebook (stubs in the solution cells).
    source : NotebookNode
        Solution notebook of the same chapter.
    replace : dict, optional
        ``grade_id -> source`` for the cells to overwrite afterwards (the mutant).
    """
    nb = copy.deepcopy(release)
    solutions = {gid: c.source for gid, c in cells_by_grade_id(source).items() if is_solution_cell(c)}
    replace = dict(replace or {})
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid is None:
            continue
        if gid in replace:
            cell.source = replace.pop(gid)
        elif is_solution_cell(cell) and gid in solutions:
            cell.source = solutions[gid]
    if replace:
        raise MutantError(f"cells {sorted(replace)} not found in the release notebook")
    return nb


def _bound_and_used(source: str) -> tuple[set[str], set[str]] | None:
    """Global names a cell binds and the global names it (or any function in it) reads.

    Uses :mod:`symtable`, so a function's parameters and locals do not count as reads of
    globals. Returns None if the cell does not compile.
    """
    try:
        table = symtable.symtable(_to_python(source), "<cell>", "exec")
    except (SyntaxError, ValueError):
        return None
    bound: set[str] = set()
    used: set[str] = set()
    for sym in table.get_symbols():
        if sym.is_assigned() or sym.is_imported():
            bound.add(sym.get_name())
        if sym.is_referenced():
            used.add(sym.get_name())
    stack = list(table.get_children())
    while stack:
        scope = stack.pop()
        stack.extend(scope.get_children())
        for sym in scope.get_symbols():
            if sym.is_global() and (sym.is_referenced() or sym.is_assigned()):
                (bound if sym.is_assigned() and sym.is_declared_global() else used).add(sym.get_name())
                if sym.is_referenced():
                    used.add(sym.get_name())
            elif sym.is_free() and sym.is_referenced():
                used.add(sym.get_name())  # conservative: a closure may reach a global through a class scope
    return bound, used


def slim_notebook(nb: NotebookNode) -> NotebookNode:
    """Keep only what grading needs: nbgrader cells and the code cells defining names they use.

    A code cell is kept when it is an nbgrader cell, when it cannot be parsed (be safe), or
    when it binds a name read by a kept cell and comes before the last nbgrader cell (so a
    function defined in an exercise finds the globals it reads when a later test calls it).
    Markdown cells without nbgrader metadata are dropped.
    """
    analysed = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            analysed.append(_bound_and_used(cell.source))
        else:
            analysed.append((set(), set()))
    keep = {i for i, c in enumerate(nb.cells) if nbgrader_meta(c)}
    keep |= {i for i, a in enumerate(analysed) if a is None and nb.cells[i].cell_type == "code"}
    if not keep:
        return copy.deepcopy(nb)
    last = max(keep)
    needed: set[str] = set()
    frontier = set(keep)
    while frontier:
        for i in frontier:
            if analysed[i] is not None:
                needed |= analysed[i][1]
        new = {i for i, a in enumerate(analysed)
               if i not in keep and i < last and a is not None and a[0] & needed}
        keep |= new
        frontier = new
    out = copy.deepcopy(nb)
    out.cells = [c for i, c in enumerate(out.cells) if i in keep]
    return out


# --------------------------------------------------------------------------- running


@dataclass
class MutantOutcome:
    chapter: str
    mutant: Mutant
    result: SubmissionResult
    calls_reference: bool

    @property
    def failed(self) -> list[str]:
        """Test cells that scored 0."""
        return self.result.failed_tests()

    @property
    def missed(self) -> list[str]:
        """Listed kills that did NOT score 0."""
        if self.result.status != "graded":
            return list(self.mutant.kills)
        return [k for k in self.mutant.kills if k not in self.failed]

    @property
    def ok(self) -> bool:
        return self.result.status == "graded" and not self.missed


@dataclass
class MutantReport:
    outcomes: list[MutantOutcome] = field(default_factory=list)
    controls: dict[str, SubmissionResult] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    tests: dict[str, list[str]] = field(default_factory=dict)  # chapter -> graded test grade_ids
    exercises: dict[str, list[str]] = field(default_factory=dict)  # chapter -> exercise grade_ids

    def for_chapter(self, chapter_id: str) -> list[MutantOutcome]:
        return [o for o in self.outcomes if o.chapter == chapter_id]

    def unkilled_tests(self, chapter_id: str) -> list[str]:
        """Graded tests that no mutant lists and kills."""
        killed = {k for o in self.for_chapter(chapter_id) if o.ok for k in o.mutant.kills}
        return [t for t in self.tests.get(chapter_id, []) if t not in killed]

    def exercises_without_reference_mutant(self, chapter_id: str) -> list[str]:
        """Exercises with no passing mutant that calls the nnkit reference."""
        covered = {o.mutant.cell for o in self.for_chapter(chapter_id) if o.ok and o.calls_reference}
        return [e for e in self.exercises.get(chapter_id, []) if e not in covered]

    def all_problems(self) -> list[str]:
        out = list(self.problems)
        for chapter_id, control in self.controls.items():
            bad = [c.grade_id for c in control.cells if c.kind == "test" and c.score < c.max_score]
            if control.status != "graded" or bad:
                out.append(f"{chapter_id}: control (the filled solution) did not score full marks on {bad or 'anything'}"
                           f" {control.messages}; the mutant results mean nothing until it does")
        for o in self.outcomes:
            if not o.ok:
                out.append(f"{o.chapter}: mutant {o.mutant.id} ({o.mutant.why}) survived {o.missed}"
                           f" (failed: {o.failed}; status {o.result.status}; {'; '.join(o.result.messages)[:300]})")
        for chapter_id in self.tests:
            for t in self.unkilled_tests(chapter_id):
                out.append(f"{chapter_id}: graded test {t} is killed by no mutant")
            for e in self.exercises_without_reference_mutant(chapter_id):
                out.append(f"{chapter_id}: exercise {e} has no mutant that calls the nnkit reference and scores 0")
        return out

    def lines(self) -> list[str]:
        """A human-readable table, one line per mutant."""
        out = []
        for o in self.outcomes:
            mark = "killed " if o.ok else "SURVIVED"
            ref = " [calls reference]" if o.calls_reference else ""
            errors = {c.grade_id: c.error for c in o.result.cells if c.kind == "test" and c.error}
            detail = ", ".join(f"{t} ({errors.get(t, 'failed')})" for t in o.failed) or "nothing failed"
            out.append(f"{mark} {o.chapter}:{o.mutant.id}{ref}: scored 0 on {detail}")
        return out


def mutant_submissions(ws: Workspace, chapter: Chapter, mset: MutantSet, slim: bool = True) -> list[Submission]:
    """One submission per mutant (and the control) for ``chapter``."""
    subs = []
    releases = {n: read_notebook(ws.release_notebook(chapter.id, n)) for n in chapter.notebooks}
    sources = {n: read_notebook(ws.source_notebook(chapter.id, n)) for n in chapter.notebooks}
    shrink = slim_notebook if slim else (lambda nb: nb)
    filled = {n: shrink(filled_notebook(releases[n], sources[n])) for n in chapter.notebooks}
    subs.append(Submission(f"mutant.{CONTROL_ID}", chapter.id, dict(filled)))
    for mutant in mset.mutants:
        nbs = dict(filled)
        nbs[mutant.notebook] = shrink(filled_notebook(releases[mutant.notebook], sources[mutant.notebook],
                                                      {mutant.cell: mutant.source}))
        subs.append(Submission(mutant.student, chapter.id, nbs))
    return subs


def prepare_mutants(course: Course, chapters: list[Chapter]) -> tuple[dict[str, MutantSet], list[str]]:
    """Load and validate the mutant files of ``chapters``; return the sets and the problems."""
    sets, problems = {}, []
    for chapter in chapters:
        try:
            mset = load_mutants(chapter)
        except MutantError as exc:
            problems.append(str(exc))
            continue
        found = validate_mutants(mset, chapter)
        problems.extend(found)
        if not found:
            sets[chapter.id] = mset
    return sets, problems


def outcomes_from_results(course: Course, sets: dict[str, MutantSet], results: list[SubmissionResult],
                          report: MutantReport) -> MutantReport:
    """Fill ``report`` from autograde ``results`` that include the mutant submissions."""
    by_key = {(r.student, r.chapter): r for r in results}
    for chapter_id, mset in sets.items():
        chapter = course.chapter(chapter_id)
        tests, exercises = [], []
        for name in chapter.notebooks:
            nb = read_notebook(chapter.notebook(name).source_ipynb)
            tests += [grade_id(c) for c in nb.cells if is_graded_test_cell(c)]
            exercises += [grade_id(c) for c in nb.cells if is_exercise_cell(c)]
        report.tests[chapter_id] = tests
        report.exercises[chapter_id] = exercises
        report.controls[chapter_id] = by_key[(f"mutant.{CONTROL_ID}", chapter_id)]
        for mutant in mset.mutants:
            report.outcomes.append(MutantOutcome(chapter_id, mutant, by_key[(mutant.student, chapter_id)],
                                                 calls_reference(mutant, chapter)))
    return report


def run_mutants(course: Course, chapter_ids: list[str] | None = None, slim: bool = True,
                timeout: float | None = None, log=lambda s: None, jobs: int = 1) -> MutantReport:
    """Autograde every mutant of the selected chapters in one nbgrader run and report."""
    from nnkit.course.grade import workspace

    chapters = course.select(chapter_ids)
    sets, problems = prepare_mutants(course, chapters)
    report = MutantReport(problems=problems)
    if not sets:
        return report
    with workspace(course, [course.chapter(c) for c in sets], log) as ws:
        subs = [s for cid, mset in sets.items() for s in mutant_submissions(ws, course.chapter(cid), mset, slim)]
        results = ws.autograde(subs, timeout=timeout, jobs=jobs)
    return outcomes_from_results(course, sets, results, report)
