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
