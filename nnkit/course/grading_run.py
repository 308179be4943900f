"""A whole class graded by :mod:`nnkit.course.trusted`: in parallel, resumable, on one machine or a cluster.

The unit of work is one submission (a :class:`~nnkit.course.trusted.Task`). Tasks run on a
local process pool (``jobs`` processes, default: every core) or, with ``scheduler``, on a Dask
distributed cluster (``tcp://host:8786``; every worker needs this course tree at the same path
and nnkit installed, e.g. a shared file system and the same container image).

Each finished submission is written at once to ``OUT/results/<student>__<chapter>.json``
together with a fingerprint of what was graded (the submitted notebooks, the release and the
checks). A run that is killed can be started again: submissions whose fingerprint is
unchanged are not graded again. At the end ``OUT/grades.csv`` is written (one column per
exercise). With a term (:mod:`nnkit.course.term`, what ``nnkit grade`` uses; ``OUT`` is then
``TERM/grading``) each submission goes into the term's nbgrader gradebook as soon as it is
graded, and nbgrader renders the feedback at the end; without one, a small page per
submission is written to ``OUT/feedback/<student>/<chapter>.html``.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import os
import secrets
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Callable

from nbgrader.utils import parse_utc
from tqdm import tqdm

import nnkit
from nnkit.course.grade import SubmissionResult, write_grades_csv
from nnkit.course.manifest import Course, load_course
from nnkit.course.sandbox import Limits
from nnkit.course.term import Term, read_timestamp
from nnkit.course.trusted import (GradingSettings, Task, collect, feedback_html, grade_submission,
                                  result_from_json, result_to_json)

__all__ = ["grade_class", "fingerprint"]


def fingerprint(task: Task, course: Course) -> str:
    """Hash of everything a submission's grade depends on (its files, the release, nnkit)."""
    h = hashlib.sha256()
    h.update(f"{task.student}\0{task.chapter}\0{sorted(task.notebooks)}\0{task.messages}".encode())
    for name in sorted(task.notebooks):
        h.update(Path(task.notebooks[name]).read_bytes())
    chapter = course.chapter(task.chapter)
    for paths in chapter.notebook_paths:
        if paths.release_ipynb.exists():
            h.update(paths.release_ipynb.read_bytes())
    pkg = Path(nnkit.__file__).parent
    for py in sorted(pkg.rglob("*.py")):
        if "course" not in py.relative_to(pkg).parts:
            h.update(py.read_bytes())
    return h.hexdigest()


def _grade_task(task_data: dict, settings_data: dict) -> dict:
    """Grade one task given as plain data (what a pool process or a Dask worker runs)."""
    settings_data = dict(settings_data)
    settings_data["limits"] = Limits(**settings_data["limits"])
    settings = GradingSettings(**settings_data)
    task = Task(**task_data)
    try:
        result, transcripts = grade_submission(task, settings)
    except Exception as exc:  # the grader itself failed on this submission: say so on its row
        result = SubmissionResult(task.student, task.chapter, "error", 0.0,
                                  messages=[*task.messages, f"grading failed: {type(exc).__name__}: {exc}"])
        transcripts = {}
        try:
            result.max_score = load_course(task.root).chapter(task.chapter).points
        except Exception:
            pass
    return result_to_json(result, transcripts)


def grade_class(course: Course, submissions_dir: Path, out_dir: Path | None = None, chapter_ids: list[str] | None = None,
                jobs: int | None = None, scheduler: str | None = None, settings: GradingSettings | None = None,
                log: Callable[[str], None] = print, term: Term | None = None,
                feedback: bool = True, progress: bool = False) -> list[SubmissionResult]:
    """Grade every submission under ``submissions_dir``; write results, grades.csv and feedback.

    With a ``term`` (:class:`~nnkit.course.term.Term`, what ``nnkit grade`` uses) every graded
    submission also goes into the term's nbgrader gradebook (autograded notebooks, scores,
    submission time and late penalty; manual grades are kept) and the feedback is nbgrader's
    ``generate_feedback`` in ``TERM/feedback/``. Without one (tests, benchmarks) a small HTML
    page per submission is written to ``out_dir/feedback/``.

    Parameters
    ----------
    course : Course
    submissions_dir : Path
        ``<student>/<chapter-id>/<notebook>.ipynb``.
    out_dir : Path, optional
        Results (``results/``, kept for resuming), ``grades.csv`` (one column per exercise)
        and, without a term, ``feedback/``. Default: ``TERM/grading``.
    chapter_ids : list of str, optional
        Only these chapters.
    jobs : int, optional
        Local processes (default: the number of cores).
    scheduler : str, optional
        Address of a Dask distributed scheduler; tasks then run on its workers.
    settings : GradingSettings, optional
        Timeouts, limits, sandbox on/off; the hidden-test secret is drawn here if not given.
    term : Term, optional
        Also write into this term's nbgrader gradebook (see above).
    feedback : bool
        With a term: let nbgrader render the feedback HTML.
    progress : bool
        Show a progress bar (tqdm, on stderr) while submissions are graded.
    """
    settings = settings or GradingSettings()
    if not settings.secret:
        settings = replace(settings, secret=secrets.randbits(63))
    if out_dir is None:
        if term is None:
            raise ValueError("grade_class needs out_dir or a term")
        out_dir = term.results_dir.parent
    out_dir = Path(out_dir)
    results_dir = out_dir / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    tasks, problems = collect(Path(submissions_dir), course, chapter_ids)
    for p in problems:
        log(f"refused: {p}")
    done: dict[tuple[str, str], dict] = {}
    pending: list[tuple[Task, str]] = []
    for task in tasks:
        key = fingerprint(task, course)
        path = results_dir / f"{task.student}__{task.chapter}.json"
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("fingerprint") == key:
                    done[(task.student, task.chapter)] = data
                    continue
            except ValueError:
                pass
        pending.append((task, key))
    log(f"{len(tasks)} submission(s): {len(done)} already graded, {len(pending)} to grade")
    writer = _TermWriter(term, course, tasks, Path(submissions_dir), log) if term is not None else None
    settings_data = asdict(settings)
    start = time.perf_counter()
    bar = tqdm(total=len(pending), unit="submission", desc="grading", disable=not progress or not pending)

    def finished(task: Task, key: str, data: dict) -> None:
        data["fingerprint"] = key
        path = results_dir / f"{task.student}__{task.chapter}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a killed run never leaves half a result
        done[(task.student, task.chapter)] = data
        log(f"graded {task.student}/{task.chapter}: {sum(c['score'] for c in data['cells']):g}")
        if writer is not None:
            writer.record_quietly(task, data)
        bar.update()

    if pending and scheduler:
        from distributed import Client, as_completed

        with Client(scheduler) as client:
            futures = {client.submit(_grade_task, asdict(t), settings_data, pure=False): (t, k) for t, k in pending}
            for fut in as_completed(futures):
                finished(*futures[fut], fut.result())
    elif pending:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(pending)))
        if workers == 1:
            for t, k in pending:
                finished(t, k, _grade_task(asdict(t), settings_data))
        else:
            with cf.ProcessPoolExecutor(workers) as pool:
                futures = {pool.submit(_grade_task, asdict(t), settings_data): (t, k) for t, k in pending}
                for fut in cf.as_completed(futures):
                    finished(*futures[fut], fut.result())
    bar.close()
    log(f"graded {len(pending)} submission(s) in {time.perf_counter() - start:.1f} s")

    results = []
    if writer is not None:
        writer.catch_up(tasks, done)
        if feedback:
            writer.feedback(jobs=max(1, jobs or os.cpu_count() or 1))
    for task in tasks:
        res, transcripts = result_from_json(done[(task.student, task.chapter)])
        if term is not None:
            res.feedback_files = sorted((term.feedback_dir / task.student / task.chapter).glob("*.html"))
        else:
            page = out_dir / "feedback" / task.student / f"{task.chapter}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(feedback_html(res, transcripts), encoding="utf-8")
            res.feedback_files = [page]
        results.append(res)
    write_grades_csv(course, results, out_dir / "grades.csv")
    return results


class _TermWriter:
    """Puts graded submissions into a term's gradebook, each as soon as it is graded.

    The main process only waits while the workers grade, so recording there costs no time.
    :meth:`catch_up` then records what the gradebook still lacks (results kept from an earlier
    run: not in the gradebook, another submission time, or autograded notebooks gone).
    """

    def __init__(self, term: Term, course: Course, tasks: list[Task], submissions_dir: Path,
                 log: Callable[[str], None]):
        self.term, self.course, self.submissions_dir, self.log = term, course, submissions_dir, log
        for cid in sorted({t.chapter for t in tasks}):
            term.sync_chapter(course.chapter(cid))
        with term.gradebook() as gb:
            self.known = {(s.student_id, a.name): s.timestamp for a in gb.assignments for s in a.submissions}
        self.recorded: set[tuple[str, str]] = set()

    def _folder(self, task: Task) -> Path:
        return self.submissions_dir / task.student / task.chapter

    def record(self, task: Task, data: dict) -> None:
        res, transcripts = result_from_json(data)
        for note in self.term.record(res, transcripts, task.notebooks, read_timestamp(self._folder(task)),
                                     folder=self._folder(task)):
            self.log(f"{task.student}/{task.chapter}: {note}")
        self.recorded.add((task.student, task.chapter))

    def record_quietly(self, task: Task, data: dict) -> None:
        """:meth:`record` during grading: a failure is logged and retried by :meth:`catch_up`."""
        try:
            self.record(task, data)
        except Exception as exc:  # e.g. the gradebook is locked for a moment
            self.log(f"{task.student}/{task.chapter}: not yet in the gradebook ({type(exc).__name__}: {exc})")

    def catch_up(self, tasks: list[Task], done: dict) -> None:
        for task in tasks:
            key = (task.student, task.chapter)
            if key in self.recorded:
                continue
            stamp = read_timestamp(self._folder(task))
            complete = all((self.term.autograded / task.student / task.chapter / f"{name}.ipynb").is_file()
                           for name in self.course.chapter(task.chapter).notebooks)
            if key in self.known and complete and self.known[key] == (parse_utc(stamp) if stamp else None):
                continue
            self.record(task, done[key])
        chapters = sorted({c for _, c in self.recorded})
        self.log(f"gradebook {self.term.root / 'gradebook.db'}: updated {', '.join(chapters) or 'nothing'}")

    def feedback(self, jobs: int) -> None:
        chapters = sorted({c for _, c in self.recorded})
        if chapters:
            for problem in self.term.generate_feedback(chapters, jobs=jobs):
                self.log(problem)
