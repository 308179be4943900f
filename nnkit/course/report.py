"""The class report: one self-contained HTML page about a term (``nnkit report``).

What the page shows, for the instructor preparing the next lecture:

* a header: the course, when the page was made, how many students, and per chapter how many
  submissions, how many of them late, and the median final score;
* the **score distribution** of every chapter (final score = autograded + manual - late
  penalty, as a percentage of the chapter's points);
* the **pass rate of every exercise** (full marks on its test cell) and, for the written
  answers, how many are graded, still waiting for a grader, or were left blank;
* the **misconceptions**: for every exercise, how many students hit each mistake that the
  hint ladders of :mod:`nnkit.checks` recognised (``"you dropped the 1/2 ...: 38 %"``), or,
  when no mistake was recognised, the rung at which their answer failed.

Where the numbers come from (the term folder, see :mod:`nnkit.course.term`)::

    TERM/gradebook.db                              scores, manual grades, late penalties
    TERM/grading/results/<student>__<chapter>.json the trusted grader's results: `diagnoses`
    TERM/submitted/<student>/<chapter>/timestamp.txt   submission times (only without a gradebook)

The gradebook is read, never written. Without a gradebook (a class graded by
:func:`nnkit.course.grading_run.grade_class` without a term) the scores come from the results'
cells: written answers then count 0 and wait for a grader, and lateness comes from
``timestamp.txt`` and the chapter's ``due`` date.

The data and the drawing are separate: :func:`class_data` reads the term into a
:class:`ClassData` (plain numbers, what the tests check), :func:`render_html` draws it (plots
as PNG images embedded in the page with base64, matplotlib's Agg canvas: no network, no
JavaScript). :func:`build_report` does both and writes the page.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import json
import math
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean, median

from nnkit.course.manifest import Chapter, Course

__all__ = ["ClassData", "ChapterScores", "StudentScore", "ExerciseStats", "Misconception",
           "class_data", "render_html", "build_report", "percent"]

NOT_IMPLEMENTED_STEP = "is implemented"          # the ladder's rung for a stub that still raises
NOT_SUBMITTED_STEP = "notebook submitted"        # trusted.py: the notebook is missing or unreadable


def percent(part: int | float, whole: int | float) -> int:
    """``part / whole`` in whole percent, halves rounded up (3 of 8 -> 38); 0 when ``whole`` is 0."""
    if not whole:
        return 0
    return int(math.floor(100.0 * part / whole + 0.5))


# --------------------------------------------------------------------------- the numbers
@dataclass(frozen=True)
class StudentScore:
    """One student's final score on one chapter.

    Attributes
    ----------
    student, chapter : str
    auto : float
        Points of cells scored by the grader and not overridden by a person.
    manual : float
        Points given by a person (written answers; an overridden autograded cell).
    late_penalty : float
        Points taken off for lateness (the course's rule on the current score, as
        ``nnkit export`` computes it).
    max_score : float
        The chapter's points.
    seconds_late : float
        How late the submission was (0: on time or no due date).
    """

    student: str
    chapter: str
    auto: float
    manual: float
    late_penalty: float
    max_score: float
    seconds_late: float = 0.0

    @property
    def final(self) -> float:
        """``auto + manual - late_penalty``: the grade of the export."""
        return self.auto + self.manual - self.late_penalty

    @property
    def late(self) -> bool:
        return self.seconds_late > 0

    @property
    def final_percent(self) -> float:
        """The final score as a percentage of the chapter's points."""
        return 100.0 * self.final / self.max_score if self.max_score else 0.0


@dataclass
class ChapterScores:
    """The submissions of one chapter.

    Attributes
    ----------
    chapter, title : str
    max_score : float
        The chapter's points (``course.yml``).
    scores : list of StudentScore
        One per student who handed the chapter in, sorted by student id.
    source : str
        ``"gradebook"``, ``"results"`` (no gradebook entry: the grader's results) or ``"none"``.
    graded : int
        Submissions the trusted grader has results for: the denominator of the misconceptions.
    """

    chapter: str
    title: str
    max_score: float
    scores: list[StudentScore] = field(default_factory=list)
    source: str = "none"
    graded: int = 0

    @property
    def submissions(self) -> int:
        return len(self.scores)

    @property
    def late(self) -> int:
        """Submissions handed in after the chapter's due date (extensions counted)."""
        return sum(s.late for s in self.scores)

    @property
    def finals(self) -> list[float]:
        """The final scores, in points, by student id."""
        return [s.final for s in self.scores]

    @property
    def median(self) -> float | None:
        return median(self.finals) if self.scores else None

    @property
    def mean(self) -> float | None:
        return mean(self.finals) if self.scores else None


@dataclass
class ExerciseStats:
    """How the class did on one exercise.

    For an autograded exercise ``passed`` counts the submissions with full marks on its test
    cell ``test_<id>`` (a grader's override counts). For a written answer (``manual``)
    ``graded`` counts answers a person has scored, ``waiting`` those still flagged for
    manual grading, ``blank`` those left untouched (scored 0 automatically).
    ``submissions`` is the chapter's number of submissions, the denominator of each.
    """

    chapter: str
    exercise: str
    points: float
    manual: bool
    submissions: int
    passed: int = 0
    graded: int = 0
    waiting: int = 0
    blank: int = 0

    @property
    def pass_rate(self) -> float | None:
        """``passed / submissions`` (None for a written answer or no submissions)."""
        if self.manual or not self.submissions:
            return None
        return self.passed / self.submissions


@dataclass
class Misconception:
    """Students whose answer to one exercise failed the same way.

    Attributes
    ----------
    chapter, exercise : str
    label : str
        The mistake the hint ladder recognised (the first level of its hint), or
        ``"failed at: <rung>"`` when the answer failed without a recognised mistake,
        ``"not implemented yet"`` / ``"notebook not submitted"`` when there was no answer.
    kind : str
        ``"diagnosed"``, ``"undiagnosed"`` (a failed rung, no known mistake) or ``"missing"``.
    hidden : bool
        The answer passed the visible checks and failed the hidden tests.
    students : tuple of str
        Who (each once), sorted.
    graded : int
        Submissions of the chapter the grader has results for: the denominator.
    """

    chapter: str
    exercise: str
    label: str
    kind: str
    hidden: bool
    students: tuple[str, ...]
    graded: int

    @property
    def count(self) -> int:
        return len(self.students)

    @property
    def share(self) -> float:
        """``count / graded``: the fraction of the chapter's graded submissions."""
        return self.count / self.graded if self.graded else 0.0

    @property
    def percent(self) -> int:
        return percent(self.count, self.graded)


@dataclass
class ClassData:
    """Everything the class report shows, as numbers (built by :func:`class_data`).

    Attributes
    ----------
    course_id, title : str
    term : Path
    generated : datetime
        When the data was read (UTC).
    students : list of str
        Every student id known to the term: the gradebook's students and everyone with a
        submission or a grader result, sorted.
    chapters : list of ChapterScores
        Every chapter of ``course.yml``, in course order (those without submissions too).
    exercises : list of ExerciseStats
        Every exercise of the chapters with submissions, in course order.
    misconceptions : list of Misconception
        Per chapter and exercise (course order), most frequent first.
    gradebook : bool
        Whether ``TERM/gradebook.db`` was read.
    notes : list of str
        Anything the reader should know (unreadable results, unknown chapters).
    """

    course_id: str
    title: str
    term: Path
    generated: _dt.datetime
    students: list[str]
    chapters: list[ChapterScores]
    exercises: list[ExerciseStats]
    misconceptions: list[Misconception]
    gradebook: bool
    notes: list[str] = field(default_factory=list)

    def chapter(self, chapter_id: str) -> ChapterScores:
        return next(c for c in self.chapters if c.chapter == chapter_id)

    def exercise(self, exercise_id: str) -> ExerciseStats:
        return next(e for e in self.exercises if e.exercise == exercise_id)

    def mistakes(self, exercise_id: str) -> dict[str, int]:
        """``label -> number of students`` for one exercise (hidden-test failures prefixed)."""
        return {("hidden tests: " if m.hidden else "") + m.label: m.count
                for m in self.misconceptions if m.exercise == exercise_id}

    @property
    def late(self) -> int:
        """Late submissions, all chapters."""
        return sum(c.late for c in self.chapters)


def _read_results(results_dir: Path, course: Course, notes: list[str]) -> dict[tuple[str, str], dict]:
    """``(student, chapter) -> results JSON`` of the trusted grader (the newest file wins)."""
    found: dict[tuple[str, str], tuple[float, dict]] = {}
    if not results_dir.is_dir():
        return {}
    known = set(course.chapter_ids)
    for path in sorted(results_dir.glob("*.json")):
        if path.is_symlink() or not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            key = (str(data["student"]), str(data["chapter"]))
        except (ValueError, KeyError, TypeError, OSError) as exc:
            notes.append(f"{path.name}: not a grader result ({type(exc).__name__}); skipped")
            continue
        if key[1] not in known:
            notes.append(f"{path.name}: chapter {key[1]!r} is not in course.yml; skipped")
            continue
        mtime = path.stat().st_mtime
        if key not in found or mtime >= found[key][0]:
            found[key] = (mtime, data)
    return {k: v for k, (_, v) in found.items()}


def _seconds_late(term: Path, student: str, chapter: Chapter) -> float:
    """Lateness from ``TERM/submitted/<student>/<chapter>/timestamp.txt`` (no gradebook)."""
    if chapter.due is None:
        return 0.0
    from nbgrader.utils import parse_utc

    from nnkit.course.term import read_timestamp

    stamp = read_timestamp(term / "submitted" / student / chapter.id)
    if stamp is None:
        return 0.0
    return max(0.0, (parse_utc(stamp) - chapter.due).total_seconds())


def _from_results(data: dict, chapter: Chapter, course: Course, term: Path) -> tuple[StudentScore, dict[str, tuple]]:
    """A student's score and cells from a results JSON: ``grade_id -> (score, max, needs_manual)``."""
    cells = {}
    auto = 0.0
    for c in data.get("cells", []):
        gid = str(c.get("grade_id"))
        score, mx = float(c.get("score") or 0.0), float(c.get("max_score") or 0.0)
        cells[gid] = (score, mx, bool(c.get("needs_manual_grade")), None)
        if c.get("kind") == "test":
            auto += score
    late = _seconds_late(term, str(data["student"]), chapter)
    penalty = course.late_penalty.penalty(auto, late)
    return StudentScore(str(data["student"]), chapter.id, auto, 0.0, penalty, chapter.points, late), cells


def _from_gradebook(gb, chapter: Chapter, course: Course) -> dict[str, tuple[StudentScore, dict[str, tuple]]]:
    """``student -> (score, cells)`` of one chapter's gradebook submissions.

    ``cells``: ``grade_id -> (score, max_score, needs_manual_grade, manual_score)``. The late
    penalty is the course's rule on the current score, manual grades included
    (:func:`nnkit.course.term.late_penalties`, what ``nnkit export`` writes).
    """
    from nnkit.course.term import late_penalties

    out = {}
    for sub in gb.assignment_submissions(chapter.id):
        cells: dict[str, tuple] = {}
        auto = manual = 0.0
        seconds_late = float(sub.total_seconds_late or 0.0)
        for nb in sub.notebooks:
            for g in nb.grades:
                if g.manual_score is not None:
                    manual += float(g.manual_score)
                else:
                    auto += float(g.auto_score or 0.0)
                cells[g.name] = (float(g.score or 0.0), float(g.max_score or 0.0), bool(g.needs_manual_grade),
                                 g.manual_score)
        penalty = sum(p or 0.0 for p in late_penalties(course.late_penalty, sub))
        out[sub.student_id] = (StudentScore(sub.student_id, chapter.id, auto, manual, penalty,
                                            chapter.points, seconds_late), cells)
    return out


def _label(failure: dict) -> tuple[str, str]:
    """``(label, kind)`` of one failed exercise of a results JSON's ``diagnoses``."""
    diagnosis, step = failure.get("diagnosis"), failure.get("step")
    if diagnosis:
        return str(diagnosis), "diagnosed"
    if step == NOT_IMPLEMENTED_STEP:
        return "not implemented yet", "missing"
    if step == NOT_SUBMITTED_STEP:
        return "notebook not submitted", "missing"
    return f"failed at: {step if step else 'an unnamed rung'}", "undiagnosed"


def class_data(course: Course, term_dir: str | Path, now: _dt.datetime | None = None) -> ClassData:
    """Read the term folder ``term_dir`` into the numbers of the class report.

    Scores come from ``TERM/gradebook.db`` (read only) where the chapter has gradebook
    submissions, otherwise from ``TERM/grading/results/*.json``; misconceptions always come
    from the results' ``diagnoses`` (a student counts once per exercise and mistake).
    """
    term = Path(term_dir)
    notes: list[str] = []
    results = _read_results(term / "grading" / "results", course, notes)
    db = term / "gradebook.db"
    students: set[str] = set()
    per_chapter: dict[str, dict[str, tuple[StudentScore, dict]]] = {}
    sources: dict[str, str] = {}
    if db.is_file():
        from nbgrader.api import Gradebook

        from nnkit.course import nbgrader_env

        nbgrader_env.prepare_nbgrader()
        with Gradebook(f"sqlite:///{db}", course_id=course.id) as gb:
            students |= {s.id for s in gb.students}
            names = {a.name for a in gb.assignments}
            for chapter in course.chapters:
                if chapter.id in names:
                    rows = _from_gradebook(gb, chapter, course)
                    if rows:
                        per_chapter[chapter.id] = rows
                        sources[chapter.id] = "gradebook"
            for extra in sorted(names - set(course.chapter_ids)):
                notes.append(f"gradebook assignment {extra!r} is not a chapter of course.yml; not shown")
    for (student, cid), data in sorted(results.items()):
        rows = per_chapter.setdefault(cid, {})
        if student not in rows:
            rows[student] = _from_results(data, course.chapter(cid), course, term)
            sources.setdefault(cid, "results")
            if sources[cid] == "gradebook":
                notes.append(f"{student}/{cid}: graded but not in the gradebook; scores from the grader's results")

    chapters, exercises, misconceptions = [], [], []
    for chapter in course.chapters:
        rows = per_chapter.get(chapter.id, {})
        graded = sorted(s for (s, c) in results if c == chapter.id)
        cs = ChapterScores(chapter.id, chapter.title, chapter.points,
                           [rows[s][0] for s in sorted(rows)], sources.get(chapter.id, "none"), len(graded))
        chapters.append(cs)
        students |= set(rows) | set(graded)
        if not rows:
            continue
        for ex in chapter.exercises:
            st = ExerciseStats(chapter.id, ex.id, float(ex.points), ex.manual, len(rows))
            for _, cells in rows.values():
                if ex.manual:
                    score, mx, needs, manual = cells.get(ex.id, (0.0, 0.0, False, None))
                    if manual is not None:
                        st.graded += 1
                    elif needs:
                        st.waiting += 1
                    else:
                        st.blank += 1
                else:
                    score, mx, _, _ = cells.get(f"test_{ex.id}", (0.0, 0.0, False, None))
                    st.passed += bool(mx > 0 and score >= mx)
            exercises.append(st)
            groups: dict[tuple[str, str, bool], set[str]] = defaultdict(set)
            for student in graded:
                failure = (results[(student, chapter.id)].get("diagnoses") or {}).get(ex.id)
                if not isinstance(failure, dict):
                    continue
                label, kind = _label(failure)
                groups[(label, kind, bool(failure.get("hidden")))].add(student)
            found = [Misconception(chapter.id, ex.id, label, kind, hidden, tuple(sorted(who)), len(graded))
                     for (label, kind, hidden), who in groups.items()]
            found.sort(key=lambda m: (-m.count, m.kind == "missing", m.hidden, m.label))
            misconceptions += found
    return ClassData(course.id, course.title, term,
                     now or _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0),
                     sorted(students), chapters, exercises, misconceptions, db.is_file(), notes)


# --------------------------------------------------------------------------- the drawing
_INK, _GRID = "#222222", "#dddddd"
_COLOURS = {"pass": "#2e7d32", "fail": "#e0e0e0", "graded": "#1565c0", "waiting": "#ef8f00",
            "blank": "#bdbdbd", "diagnosed": "#c62828", "undiagnosed": "#ef8f00", "missing": "#9e9e9e",
            "hist": "#1565c0"}


def _figure(width: float, height: float):
    """A matplotlib Figure on the Agg canvas (no pyplot, no global backend change)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _plain(text: str) -> str:
    """Text for matplotlib as typed (``$`` would start mathtext)."""
    return str(text).replace("$", r"\$")


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(_plain(text), width, max_lines=3, placeholder=" ...")) or " "


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=_INK, labelsize=9)
    ax.grid(axis="x", color=_GRID, linewidth=0.8)
    ax.set_axisbelow(True)


def plot_scores(data: ClassData) -> str | None:
    """Histogram of final scores (% of the chapter's points), one panel per chapter; base64 PNG."""
    chapters = [c for c in data.chapters if c.scores]
    if not chapters:
        return None
    fig = _figure(10, 0.4 + 1.6 * len(chapters))
    axes = fig.subplots(len(chapters), 1, sharex=True, squeeze=False)[:, 0]
    bins = [10 * k for k in range(11)]
    for ax, ch in zip(axes, chapters):
        values = [min(100.0, max(0.0, s.final_percent)) for s in ch.scores]
        ax.hist(values, bins=bins, color=_COLOURS["hist"], edgecolor="white")
        med = 100.0 * ch.median / ch.max_score if ch.max_score else 0.0
        ax.axvline(med, color=_INK, linestyle="--", linewidth=1)
        ax.set_title(_plain(f"{ch.chapter}: {ch.submissions} submission(s), median {med:.0f} %"
                            + (f", {ch.late} late" if ch.late else "")), loc="left", fontsize=10, color=_INK)
        ax.set_ylabel("students", fontsize=9)
        ax.yaxis.get_major_locator().set_params(integer=True)
        _style(ax)
    axes[-1].set_xlim(0, 100)
    axes[-1].set_xlabel("final score (auto + manual - late penalty), % of the chapter's points", fontsize=9)
    fig.tight_layout()
    return _png(fig)


def plot_exercises(data: ClassData, chapter_id: str) -> str | None:
    """Pass rate of each exercise (written answers: graded / waiting / blank); base64 PNG."""
    rows = [e for e in data.exercises if e.chapter == chapter_id]
    if not rows:
        return None
    fig = _figure(10, 0.6 + 0.42 * len(rows))
    ax = fig.subplots()
    y = list(range(len(rows)))[::-1]
    for yi, e in zip(y, rows):
        n = e.submissions or 1
        if e.manual:
            left = 0.0
            for part in ("graded", "waiting", "blank"):
                width = 100.0 * getattr(e, part) / n
                ax.barh(yi, width, left=left, color=_COLOURS[part], height=0.6,
                        label=f"written answer: {part}" if part not in ax.get_legend_handles_labels()[1] else None)
                left += width
            text = f"{e.graded} graded, {e.waiting} waiting, {e.blank} blank"
        else:
            rate = 100.0 * e.passed / n
            ax.barh(yi, 100.0, color=_COLOURS["fail"], height=0.6)
            ax.barh(yi, rate, color=_COLOURS["pass"], height=0.6)
            text = f"{e.passed} of {e.submissions} passed ({percent(e.passed, e.submissions)} %)"
        ax.text(101, yi, _plain(text), va="center", fontsize=9, color=_INK)
    ax.set_yticks(y)
    ax.set_yticklabels([_plain(e.exercise + (" (written)" if e.manual else "")) for e in rows], fontsize=9)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of the chapter's submissions", fontsize=9)
    _style(ax)
    fig.tight_layout()
    return _png(fig)


def plot_misconceptions(data: ClassData, chapter_id: str, top: int = 20) -> str | None:
    """The chapter's most frequent mistakes (share of graded submissions); base64 PNG."""
    rows = sorted((m for m in data.misconceptions if m.chapter == chapter_id and m.kind != "missing"),
                  key=lambda m: -m.count)[:top]
    if not rows:
        return None
    fig = _figure(10, 0.6 + 0.55 * len(rows))
    ax = fig.subplots()
    y = list(range(len(rows)))[::-1]
    for yi, m in zip(y, rows):
        ax.barh(yi, 100.0 * m.share, color=_COLOURS[m.kind], height=0.6, hatch="//" if m.hidden else None,
                edgecolor="white")
        ax.text(100.0 * m.share + 1, yi, f"{m.count} of {m.graded} ({m.percent} %)", va="center",
                fontsize=9, color=_INK)
    ax.set_yticks(y)
    ax.set_yticklabels([_wrap(f"{m.exercise}: " + ("[hidden tests] " if m.hidden else "") + m.label, 60)
                        for m in rows], fontsize=8)
    ax.set_xlim(0, 112)
    ax.set_xlabel("% of the chapter's graded submissions (red: recognised mistake; "
                  "orange: failed rung, no known mistake; hatched: hidden tests)", fontsize=8)
    _style(ax)
    fig.tight_layout()
    return _png(fig)


_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;max-width:1100px;margin:24px auto;padding:0 16px}
h1{font-size:26px;margin-bottom:4px} h2{font-size:20px;margin-top:36px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:16px;margin-bottom:6px} .meta{color:#666;margin-top:0}
table{border-collapse:collapse;margin:8px 0} td,th{padding:3px 12px;border-bottom:1px solid #eee;text-align:left}
th{font-weight:600} td.n{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;display:block;margin:8px 0}
ul.mis{list-style:none;padding-left:0} ul.mis li{margin:2px 0}
.pct{display:inline-block;min-width:3.2em;text-align:right;font-weight:600;font-variant-numeric:tabular-nums}
.cnt{color:#666;display:inline-block;min-width:5.5em} .ex{font-family:ui-monospace,monospace;font-size:13px}
.tag{font-size:12px;background:#eee;border-radius:3px;padding:0 4px;margin-right:4px}
.none{color:#888} .notes{color:#8a4b00}
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _img(b64: str | None, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{b64}">' if b64 else ""


def _num(x: float | None) -> str:
    return "" if x is None else f"{round(x, 2):g}"


def render_html(data: ClassData) -> str:
    """The class report page for ``data`` (self-contained: plots embedded as base64 PNG)."""
    with_subs = [c for c in data.chapters if c.scores]
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Class report: {_e(data.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Class report: {_e(data.title)}</h1>",
        f'<p class="meta">course <span class="ex">{_e(data.course_id)}</span> &middot; generated '
        f"{_e(data.generated.strftime('%Y-%m-%d %H:%M UTC'))} &middot; {len(data.students)} students &middot; "
        f"{sum(c.submissions for c in data.chapters)} submissions, {data.late} late &middot; scores from "
        f"{'the gradebook' if data.gradebook else 'the grader results (no gradebook: written answers count 0)'}</p>",
        "<table><tr><th>chapter</th><th>submissions</th><th>late</th><th>median final score</th>"
        "<th>mean</th><th>points</th></tr>",
    ]
    for c in data.chapters:
        if c.scores:
            parts.append(f'<tr><td>{_e(c.chapter)}</td><td class="n">{c.submissions}</td><td class="n">{c.late}</td>'
                         f'<td class="n">{_num(c.median)}</td><td class="n">{_num(c.mean)}</td>'
                         f'<td class="n">{_num(c.max_score)}</td></tr>')
        else:
            parts.append(f'<tr class="none"><td>{_e(c.chapter)}</td><td colspan="5">no submissions</td></tr>')
    parts.append("</table>")
    if data.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in data.notes) + "</ul>")
    if not with_subs:
        parts.append('<p class="none">No submissions yet.</p></body></html>')
        return "\n".join(parts)
    parts += ["<h2>Score distribution</h2>",
              _img(plot_scores(data), "histogram of final scores per chapter")]
    for c in with_subs:
        parts.append(f"<h2>{_e(c.chapter)}: {_e(c.title)}</h2>")
        parts.append(f'<p class="meta">{c.submissions} submissions ({c.late} late), {c.graded} with grader '
                     f"results; final scores: median {_num(c.median)}, mean {_num(c.mean)} of "
                     f"{_num(c.max_score)} points</p>")
        parts += ["<h3>Pass rate per exercise</h3>", _img(plot_exercises(data, c.chapter),
                                                           f"pass rate per exercise of {c.chapter}")]
        rows = [m for m in data.misconceptions if m.chapter == c.chapter]
        parts.append("<h3>Misconceptions</h3>")
        if not c.graded:
            parts.append('<p class="none">No grader results (TERM/grading/results) for this chapter.</p>')
            continue
        if not rows:
            parts.append('<p class="none">Every graded answer passed.</p>')
            continue
        parts.append(_img(plot_misconceptions(data, c.chapter), f"most frequent mistakes in {c.chapter}"))
        parts.append(f'<p class="meta">How many of the {c.graded} graded submissions failed each exercise '
                     f"in each way (a student counts once per exercise).</p>")
        for ex in [e.exercise for e in data.exercises if e.chapter == c.chapter]:
            mine = [m for m in rows if m.exercise == ex]
            if not mine:
                continue
            parts.append(f'<h3 class="ex">{_e(ex)}</h3><ul class="mis">')
            for m in mine:
                tags = ('<span class="tag">hidden tests</span>' if m.hidden else "") + \
                       ('<span class="tag">no answer</span>' if m.kind == "missing" else "")
                parts.append(f'<li><span class="pct">{m.percent} %</span> <span class="cnt">{m.count} of '
                             f'{m.graded}</span> {tags}{_e(m.label)}</li>')
            parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def build_report(course: Course, term_dir: str | Path, out: str | Path | None = None,
                 now: _dt.datetime | None = None) -> Path:
    """Read the term, draw the class report and write it; returns the page's path.

    Parameters
    ----------
    course : Course
        ``nnkit.course.manifest.load_course(...)``.
    term_dir : path
        The term folder (``gradebook.db``, ``grading/results/``, ``submitted/``).
    out : path, optional
        Default ``TERM/reports/class-report.html``.
    now : datetime, optional
        The "generated" time shown (default: now, UTC).
    """
    page = Path(out) if out is not None else Path(term_dir) / "reports" / "class-report.html"
    text = render_html(class_data(course, term_dir, now))
    page.parent.mkdir(parents=True, exist_ok=True)
    tmp = page.with_name(page.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(page)
    return page
