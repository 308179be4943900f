"""Helpers shared by the tests in tests/course (imported by conftest.py and the test modules)."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "minicourse"


def copy_course(dest: Path) -> Path:
    """Copy the fixture course (and the repository's real nbgrader_config.py) to ``dest``."""
    shutil.copytree(FIXTURE, dest, ignore=shutil.ignore_patterns("*.ipynb", "chapters", "__pycache__"))
    shutil.copyfile(REPO / "nbgrader_config.py", dest / "nbgrader_config.py")
    return dest


def clone(src: Path, dest: Path) -> Path:
    """Copy a built course tree (timestamps kept, so jupytext sees the same pair state)."""
    shutil.copytree(src, dest)
    return dest


def real_course_view(dest: Path, edit_manifest=None) -> Path:
    """The repository's course seen from ``dest``: its folders linked, ``course.yml`` copied.

    ``edit_manifest(data)`` may change the parsed manifest (due dates, the late rule) before
    it is written; nothing of the repository is modified.
    """
    import yaml

    dest.mkdir(parents=True)
    for name in ("solutions", "chapters", "tests"):
        (dest / name).symlink_to(REPO / name, target_is_directory=True)
    shutil.copyfile(REPO / "nbgrader_config.py", dest / "nbgrader_config.py")
    data = yaml.safe_load((REPO / "course.yml").read_text(encoding="utf-8"))
    if edit_manifest is not None:
        edit_manifest(data)
    (dest / "course.yml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return dest


def with_answers(nb, replacements: dict):
    """A copy of notebook ``nb`` with the cells of these grade_ids given new sources."""
    import json

    import nbformat

    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in replacements:
            cell.source = replacements[gid]
    return nb
