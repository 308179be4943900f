"""Grading throughput: nbgrader's own serial autograde vs nnkit's trusted grader, same class, one run.

A synthetic class: ``--students`` students x every chapter of course.yml; even-numbered
students hand in the solution notebook (full marks expected), odd-numbered ones the blank
release (zero expected). Both graders grade the same files in the same run:

1. **nbgrader serial**: ``nnkit.course.grade.grade_submissions(..., jobs=1, feedback=False)``,
   i.e. nbgrader's ``Autograde`` converter over the whole class in one process (every cell of
   every notebook executes, experiments included; no sandbox).
2. **nnkit trusted**: ``nnkit.course.grading_run.grade_class(..., jobs=--jobs)``: one
   bubblewrap sandbox per submission, only what the checks need runs, checks decide outside.

3. with ``--term``, **nnkit trusted into a term**: the same grader writing into a fresh term's
   nbgrader gradebook (autograded notebooks, SaveAutoGrades, late penalties; recorded while the
   workers grade), then nbgrader's feedback HTML for the class, timed apart: together what
   ``nnkit grade`` does. The difference to 2 is the cost of keeping nbgrader as the
   instructor's interface (nbgrader's autograde in 1 writes its gradebook but no feedback).

The script prints the wall times, the throughput ratio and whether the honest students got
identical grades. Usage::

    .venv/bin/python benchmarks/bench_grading.py --students 20 --jobs 2
    .venv/bin/python benchmarks/bench_grading.py --students 20 --jobs 2 --skip-nbgrader --term
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nnkit.course.grade import collect_submissions, grade_submissions  # noqa: E402
from nnkit.course.grading_run import grade_class  # noqa: E402
from nnkit.course.manifest import load_course  # noqa: E402
from nnkit.course.term import Term  # noqa: E402
from nnkit.course.trusted import GradingSettings  # noqa: E402


def make_class(course, dest: Path, students: int) -> None:
    for s in range(students):
        for chapter in course.chapters:
            d = dest / f"s{s:02d}" / chapter.id
            d.mkdir(parents=True)
            for paths in chapter.notebook_paths:
                src = paths.source_ipynb if s % 2 == 0 else paths.release_ipynb
                shutil.copy(src, d / paths.filename)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--skip-nbgrader", action="store_true", help="time only the trusted grader")
    ap.add_argument("--term", action="store_true", help="also grade into a term (gradebook + nbgrader feedback)")
    args = ap.parse_args()
    course = load_course(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "submissions"
        make_class(course, subs, args.students)
        n = args.students * len(course.chapters)
        print(f"class: {args.students} students x {len(course.chapters)} chapters = {n} submissions; "
              f"load average {os.getloadavg()[0]:.1f}")
        nb_scores = None
        if not args.skip_nbgrader:
            t = time.perf_counter()
            results = grade_submissions(course, collect_submissions(course, subs)[0], jobs=1)
            t_nb = time.perf_counter() - t
            nb_scores = {(r.student, r.chapter): r.auto_score for r in results}
            print(f"nbgrader serial autograde: {t_nb:.1f} s ({n / t_nb:.2f} submissions/s)")
        t = time.perf_counter()
        results = grade_class(course, subs, Path(tmp) / "out", jobs=args.jobs,
                              settings=GradingSettings(), log=lambda s: None)
        t_tr = time.perf_counter() - t
        tr_scores = {(r.student, r.chapter): r.auto_score for r in results}
        print(f"nnkit trusted grader, {args.jobs} jobs: {t_tr:.1f} s ({n / t_tr:.2f} submissions/s)")
        if args.term:
            term = Term.open(course, Path(tmp) / "term")
            t = time.perf_counter()
            in_term = grade_class(course, subs, jobs=args.jobs, settings=GradingSettings(), term=term,
                                  feedback=False, log=lambda s: None)
            t_term = time.perf_counter() - t
            t = time.perf_counter()
            problems = term.generate_feedback([c.id for c in course.chapters], jobs=args.jobs)
            t_feedback = time.perf_counter() - t
            with term.gradebook() as gb:
                stored = {(s.student_id, a.name): sum(g.auto_score or 0 for nb in s.notebooks for g in nb.grades)
                          for a in gb.assignments for s in a.submissions}
            print(f"nnkit trusted grader into a term's nbgrader gradebook, {args.jobs} jobs: "
                  f"{t_term:.1f} s ({n / t_term:.2f} submissions/s)")
            print(f"then nbgrader feedback HTML for the class, {args.jobs} processes: {t_feedback:.1f} s"
                  f"{' (problems: ' + '; '.join(problems) + ')' if problems else ''}; "
                  f"nnkit grade in all: {t_term + t_feedback:.1f} s ({n / (t_term + t_feedback):.2f} submissions/s)")
            print(f"gradebook scores equal the trusted scores: "
                  f"{all(stored[k] == tr_scores[k] for k in tr_scores) and len(in_term) == n}")
        if nb_scores is not None:
            print(f"throughput ratio: {t_nb / t_tr:.1f}x")
            same = all(nb_scores[k] == tr_scores[k] for k in nb_scores)
            print(f"identical autograded scores for every submission: {same}")
            for k in sorted(nb_scores):
                if nb_scores[k] != tr_scores[k]:
                    print(f"  differs: {k}: nbgrader {nb_scores[k]} vs trusted {tr_scores[k]}")
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
