"""Check that `make lab`'s student copy copies the chapters and never overwrites a student's work."""

from __future__ import annotations

import shutil
from pathlib import Path

from nnkit.course.manifest import load_course
from nnkit.course.student_copy import prepare_student_copy

ROOT = Path(__file__).resolve().parents[2]


def _course_copy(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(ROOT / "course.yml", root / "course.yml")
    shutil.copytree(ROOT / "chapters", root / "chapters")
    return root


def test_first_run_copies_every_chapter_notebook(tmp_path):
    root = _course_copy(tmp_path)
    report = prepare_student_copy(root, "work")
    expected = sorted(f"{c.id}/{p.release_ipynb.name}" for c in load_course(ROOT).chapters for p in c.notebook_paths)
    assert sorted(report.copied) == expected
    for rel in expected:
        assert (root / "work" / rel).read_bytes() == (root / "chapters" / rel).read_bytes()


def test_student_work_is_kept_and_a_new_release_goes_beside_it(tmp_path):
    root = _course_copy(tmp_path)
    prepare_student_copy(root, "work")
    rel = sorted((root / "work").glob("*/*.ipynb"))[0].relative_to(root / "work")
    mine = root / "work" / rel
    mine.write_text('{"my": "answers"}')

    again = prepare_student_copy(root, "work")
    assert str(rel) in again.kept and not again.copied and not again.updated_beside
    assert mine.read_text() == '{"my": "answers"}'

    release = root / "chapters" / rel
    release.write_bytes(release.read_bytes() + b"\n")  # the instructor publishes a fix
    third = prepare_student_copy(root, "work")
    beside = mine.with_name(mine.stem + ".updated.ipynb")
    assert third.updated_beside == [str(beside.relative_to(root / "work"))]
    assert beside.read_bytes() == release.read_bytes()
    assert mine.read_text() == '{"my": "answers"}', "the student's own notebook must never be overwritten"
    assert not prepare_student_copy(root, "work").updated_beside, "an unchanged release is not copied again"
