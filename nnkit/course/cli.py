"""The ``nnkit`` command: ``build``, ``verify``, ``grade``, ``export``, ``report``, ``mutants``.

``grade``, ``export`` and ``report`` work on a *term* (:mod:`nnkit.course.term`): an nbgrader
course folder with the gradebook, by default the course root, or ``--term DIR``.

Every command finds the course by walking up from the current folder to ``course.yml``
(or takes ``--root``), prints what it does, and exits non-zero on failure:
0 success, 1 a verification or grading failed, 2 bad usage or a broken course/manifest.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nnkit.course.manifest import ManifestError, load_course


def _log(msg: str) -> None:
    print(msg, flush=True)


def _positive(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {value!r}") from None
    if x <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {value!r}")
    return x


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of parallel runs, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 parallel run, got {value!r}")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nnkit",
        description="Instructor tooling for the nnkit course: build releases, verify them, grade submissions.",
    )
    parser.add_argument("--root", type=Path, default=None,
                        help="course folder holding course.yml (default: search upwards from the current folder)")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", type=Path, default=argparse.SUPPRESS,
                        help="course folder holding course.yml (default: search upwards)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    b = sub.add_parser("build", parents=[common], help="sync solutions/*.py with their notebooks and regenerate chapters/",
                       description="jupytext --sync every solution pair, run nbgrader generate_assignment in a "
                                   "throwaway course folder and write the post-processed student notebooks "
                                   "to chapters/<id>/ (deterministic: same sources, same bytes).")
    b.add_argument("--chapter", action="append", metavar="ID", help="only this chapter (repeatable)")
    b.add_argument("--execute", action="store_true",
                   help="re-execute the solution notebooks in place first (refreshes their stored outputs)")

    c = sub.add_parser("verify", parents=[common], help="prove the course right (manifest, sync, fresh build, secrets, grading)",
                       description="Check that course.yml matches the tree, the solution pairs are in sync, "
                                   "chapters/ equals a fresh build, nothing secret ships, no chapter uses its "
                                   "forbidden nnkit references, solutions score full marks and fresh chapters "
                                   "score zero under nbgrader autograde.")
    c.add_argument("--no-grade", action="store_true", help="skip the autograde checks (fast)")
    c.add_argument("--mutants", action="store_true", help="also autograde the mutants (same nbgrader run)")
    c.add_argument("--full", action="store_true", help="grade whole mutant notebooks instead of slimmed ones")
    c.add_argument("--timeout", type=_positive, metavar="S", help="per-cell timeout in seconds for autograde")
    c.add_argument("--jobs", type=_jobs, default=1, metavar="N", help="parallel nbgrader runs, each grading a share of the submissions (default: 1)")

    term = argparse.ArgumentParser(add_help=False)
    term.add_argument("--term", type=Path, default=None, metavar="DIR",
                      help="the term folder (nbgrader course folder with gradebook.db; default: the course root)")

    g = sub.add_parser("grade", parents=[common, term], help="grade the submissions of a term into its nbgrader gradebook",
                       description="Grade a class. Default engine 'trusted': each submission runs in its own "
                                   "bubblewrap sandbox (no network, no other files, memory/CPU/process limits) and "
                                   "the checks that decide points run outside it on data only, with hidden inputs "
                                   "from a secret seed. Results go into the term's nbgrader gradebook (autograded "
                                   "notebooks for Formgrader, scores, submission times, late penalties; manual "
                                   "grades are kept on a regrade) and nbgrader feedback; they are also saved per "
                                   "submission in TERM/grading/results/, so a killed run resumes. "
                                   "Engine 'nbgrader': nbgrader autograde in a temporary course folder, unsandboxed "
                                   "(for notebooks whose tests are plain asserts), writing grades.csv and feedback/ "
                                   "into --out.")
    g.add_argument("submissions", type=Path, metavar="SUBMISSIONS_DIR", nargs="?", default=None,
                   help="<student>/<chapter-id>/<notebook>.ipynb (default: TERM/submitted, where nbgrader collect puts them)")
    g.add_argument("--chapter", action="append", metavar="ID", help="only this chapter (repeatable)")
    g.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="engine nbgrader: output folder for grades.csv and feedback/ (default: ./grading)")
    g.add_argument("--engine", choices=("trusted", "nbgrader"), default="trusted",
                   help="trusted (sandboxed, default) or nbgrader (nbgrader autograde, no sandbox)")
    g.add_argument("--timeout", type=_positive, metavar="S",
                   help="per-cell timeout in seconds (default: 30 for trusted, Execute.timeout for nbgrader)")
    g.add_argument("--no-feedback", action="store_true", help="skip the feedback HTML")
    g.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                   help="parallel workers (default: every core for trusted, 1 for nbgrader)")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="trusted engine on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786")
    g.add_argument("--memory-mb", type=_jobs, default=3072, metavar="MB",
                   help="address-space limit of each sandboxed process (default: 3072)")
    g.add_argument("--unsafe", action="store_true",
                   help="trusted engine without the sandbox (only where bubblewrap cannot be installed)")
    g.add_argument("--verbose", action="store_true", help="echo nbgrader's log / each graded submission")

    e = sub.add_parser("export", parents=[common, term], help="final grades of the term to one CSV (late penalties applied)",
                       description="Recompute every late penalty from the current score (manual grades included) "
                                   "with the course's rule, then write nbgrader's CSV export: one row per student "
                                   "and chapter (timestamp, raw_score, late_submission_penalty, score, max_score).")
    e.add_argument("--to", type=Path, default=None, metavar="FILE", help="output file (default: TERM/grades.csv)")

    r = sub.add_parser("report", parents=[common, term], help="the class report: scores, pass rates, misconceptions (HTML)",
                       description="One HTML page with plots: the score distribution of every chapter, the pass "
                                   "rate of every exercise and how many students made each mistake the checks "
                                   "recognise (from the term's gradebook and TERM/grading/results/).")
    r.add_argument("--to", type=Path, default=None, metavar="FILE",
                   help="output file (default: TERM/reports/class-report.html)")

    m = sub.add_parser("mutants", parents=[common], help="autograde the wrong answers in tests/mutants/ and report what they kill",
                       description="Autograde every mutant of tests/mutants/<chapter-id>.yml in one nbgrader run "
                                   "and report which test cells each one made score 0.")
    m.add_argument("--chapter", action="append", metavar="ID", help="only this chapter (repeatable)")
    m.add_argument("--full", action="store_true", help="grade whole notebooks instead of slimmed ones")
    m.add_argument("--timeout", type=_positive, metavar="S", help="per-cell timeout in seconds")
    m.add_argument("--jobs", type=_jobs, default=1, metavar="N", help="parallel nbgrader runs, each grading a share of the submissions (default: 1)")
    return parser


def _cmd_build(course, args) -> int:
    from nnkit.course.build import build

    result = build(course, args.chapter, execute=args.execute, log=_log)
    _log(f"built {', '.join(result.chapters)} in {result.seconds:.1f} s")
    return 0


def _cmd_verify(course, args) -> int:
    from nnkit.course.verify import run_verify

    report = run_verify(course, grade=not args.no_grade, mutants=args.mutants, slim=not args.full,
                       timeout=args.timeout, log=_log, jobs=args.jobs)
    for line in report.lines():
        _log(line)
    return 0 if report.ok else 1


def _cmd_grade(course, args) -> int:
    if args.engine == "nbgrader":
        from nnkit.course.grade import run_grade

        if args.submissions is None:
            print("nnkit grade: error: --engine nbgrader needs SUBMISSIONS_DIR", file=sys.stderr)
            return 2
        out = args.out or Path("grading")
        results = run_grade(course, args.submissions, out, args.chapter, timeout=args.timeout,
                            feedback=not args.no_feedback, log=_log, echo=args.verbose, jobs=args.jobs or 1)
        where = f"{out / 'grades.csv'}" + ("" if args.no_feedback else f" and {out / 'feedback'}/")
    else:
        from nnkit.course.grading_run import grade_class
        from nnkit.course.sandbox import Limits, SandboxUnavailable, require_bwrap
        from nnkit.course.term import Term
        from nnkit.course.trusted import GradingSettings

        if args.out is not None:
            print("nnkit grade: error: --out is for --engine nbgrader; the trusted engine writes into the term "
                  "(--term DIR)", file=sys.stderr)
            return 2
        term = Term.open(course, args.term)
        submissions = args.submissions or term.submitted
        if not submissions.is_dir():
            print(f"nnkit grade: error: submissions folder not found: {submissions}"
                  + ("" if args.submissions else " (run `nbgrader collect <chapter>` first, or name the folder)"),
                  file=sys.stderr)
            return 2
        if not args.unsafe:
            try:
                require_bwrap()
            except SandboxUnavailable as exc:
                print(f"nnkit grade: error: {exc}", file=sys.stderr)
                return 2
        settings = GradingSettings(cell_timeout=args.timeout or 30.0, limits=Limits(memory_mb=args.memory_mb),
                                   sandbox=not args.unsafe)
        results = grade_class(course, submissions, None, args.chapter, jobs=args.jobs,
                              scheduler=args.scheduler, settings=settings, term=term,
                              feedback=not args.no_feedback, log=_log if args.verbose else (lambda s: None),
                              progress=not args.verbose)
        where = (f"the gradebook {term.root / 'gradebook.db'}, {term.autograded}/"
                 + ("" if args.no_feedback else f", {term.feedback_dir}/") + f" and {term.results_dir.parent / 'grades.csv'}")
    if not results:
        _log("nothing to grade")
        return 1
    for r in results:
        note = f" ({'; '.join(r.messages)})" if r.messages else ""
        _log(f"{r.student:>20} {r.chapter:<22} {r.status:<8} {r.score:g}/{r.max_score:g}{note}")
    _log(f"wrote {where}")
    return 0


def _cmd_export(course, args) -> int:
    from nnkit.course.term import Term, export

    term = Term.open(course, args.term)
    if not (term.root / "gradebook.db").exists():
        print(f"nnkit export: error: no gradebook in {term.root}: grade first (nnkit grade)", file=sys.stderr)
        return 2
    _log(f"wrote {export(term, args.to)}")
    return 0


def _cmd_report(course, args) -> int:
    from nnkit.course.report import build_report

    path = build_report(course, args.term or course.root, args.to)
    _log(f"wrote {path}")
    return 0


def _cmd_mutants(course, args) -> int:
    from nnkit.course.mutants import run_mutants

    report = run_mutants(course, args.chapter, slim=not args.full, timeout=args.timeout, log=_log, jobs=args.jobs)
    for line in report.lines():
        _log(line)
    problems = report.all_problems()
    for p in problems:
        _log(f"FAIL {p}")
    _log("OK: every mutant killed what it lists" if not problems else f"FAILED: {len(problems)} problem(s)")
    return 0 if not problems else 1


COMMANDS = {"build": _cmd_build, "verify": _cmd_verify, "grade": _cmd_grade, "export": _cmd_export,
            "report": _cmd_report, "mutants": _cmd_mutants}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nnkit`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        course = load_course(args.root)
        for cid in getattr(args, "chapter", None) or []:
            course.chapter(cid)
    except ManifestError as exc:
        print(f"nnkit {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyError as exc:
        print(f"nnkit {args.command}: error: {exc.args[0]}", file=sys.stderr)
        return 2

    from nnkit.course.build import BuildError
    from nnkit.course.mutants import MutantError

    try:
        return COMMANDS[args.command](course, args)
    except (BuildError, MutantError, FileNotFoundError, FileExistsError, ValueError) as exc:
        print(f"nnkit {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
