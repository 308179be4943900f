"""The student copy: the student's own working copy of the chapters (what ``make lab`` opens).

(Not to be confused with the grader's *workspace*, nbgrader's temporary course folder in
:mod:`nnkit.course.grade`.)

``chapters/`` is generated and committed; a student who typed into it would lose the work on the
next ``git pull`` (and make ``nnkit verify`` fail). So ``make lab`` opens ``work/`` instead, a
git-ignored folder filled from ``chapters/`` by :func:`prepare_student_copy`:

* a chapter notebook that is not in ``work/`` yet is copied there;
* a notebook that is already there is **never** overwritten: it holds the student's answers.
  When the release has changed since, the fresh copy is put beside it as
  ``<name>.updated.ipynb`` so nothing is lost either way.
"""

from __future__ import annotations

import filecmp
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .manifest import load_course

__all__ = ["StudentCopyReport", "prepare_student_copy"]


@dataclass
class StudentCopyReport:
    """What :func:`prepare_student_copy` did, path by path (relative to the student copy)."""

    copied: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    updated_beside: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"  new      {p}" for p in self.copied]
        lines += [f"  kept     {p} (your work; not overwritten)" for p in self.kept]
        lines += [f"  updated  {p} (a newer release, next to your copy)" for p in self.updated_beside]
        return "\n".join(lines) if lines else "  nothing to do"


def prepare_student_copy(root: str | Path, folder: str | Path = "work") -> StudentCopyReport:
    """Copy every released chapter notebook listed in ``course.yml`` into ``folder`` (the student copy).

    The release each copy was taken from is remembered in ``<folder>/.releases/``; when
    ``chapters/`` later holds a different release, it is written next to the student's copy as
    ``<name>.updated.ipynb`` (the student's own file is never touched).

    Parameters
    ----------
    root : path
        The course folder (holding ``course.yml`` and ``chapters/``).
    folder : path
        The student copy, relative to ``root`` unless absolute. Created when missing.

    Returns
    -------
    StudentCopyReport
        Which notebooks were copied, kept untouched, or refreshed beside the student's copy.
    """
    course = load_course(root)
    target_root = Path(folder) if Path(folder).is_absolute() else Path(course.root) / folder
    report = StudentCopyReport()
    for chapter in course.chapters:
        for paths in chapter.notebook_paths:
            release = paths.release_ipynb
            if not release.exists():
                raise FileNotFoundError(f"{release}: chapter notebook missing; run `nnkit build` first")
            rel = Path(chapter.id) / release.name
            target, base = target_root / rel, target_root / ".releases" / rel
            if not target.exists():
                _copy(release, target)
                _copy(release, base)
                report.copied.append(str(rel))
                continue
            report.kept.append(str(rel))
            if not (base.exists() and filecmp.cmp(release, base, shallow=False)):
                beside = target.with_name(target.stem + ".updated.ipynb")
                _copy(release, beside)
                _copy(release, base)
                report.updated_beside.append(str(beside.relative_to(target_root)))
    return report


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def main(argv: list[str] | None = None) -> int:
    """``python -m nnkit.course.student_copy [FOLDER]``: prepare the student copy and print a summary."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    folder = args[0] if args else "work"
    report = prepare_student_copy(Path.cwd(), folder)
    print(f"Your working copies are in {folder}/:")
    print(report.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
