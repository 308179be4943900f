"""Adding a chapter = its source, checks module, widget module, mutants file and manifest entry.

``fixtures/newchapter`` holds exactly those five things for a chapter ``07-newchapter``. This
test adds them to a copy of the fixture course (the two modules go where the naming rule says,
``nnkit/checks/ch07_newchapter.py`` and ``nnkit/widgets/ch07_newchapter.py``, which the test
makes importable by extending the two packages' ``__path__``) and shows that every part of the
pipeline finds the chapter from its manifest entry alone: the build, ``nnkit verify``'s static
verifications (exercises against cells, modules by rule, references of its concepts),
the generated reference-calling mutants, the in-process mutant replay, the check's trap (the
forbidden concepts read through ``exercise(id)``) and the packages' re-export of the new check
and widget. Nothing else was edited.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from course_fixtures import copy_course
from nnkit.course.build import build
from nnkit.course.manifest import load_course, use_course
from nnkit.course.mutants import load_mutants, replay
from nnkit.course.verify import run_verify

NEW = Path(__file__).resolve().parent / "fixtures" / "newchapter"
CHAPTER = "07-newchapter"


@pytest.fixture(scope="module")
def course_root(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("newchapter") / "course")
    for rel in (f"solutions/{CHAPTER}/newchapter.py", "nnkit/checks/ch07_newchapter.py",
                "nnkit/widgets/ch07_newchapter.py", f"tests/mutants/{CHAPTER}.yml"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NEW / rel, root / rel)
    manifest = yaml.safe_load((root / "course.yml").read_text())
    # The mini chapter has no checks/widget modules (its course has no nnkit/ tree): drop it.
    shutil.rmtree(root / "solutions" / "00-mini")
    (root / "tests" / "mutants" / "00-mini.yml").unlink()
    manifest["chapters"] = yaml.safe_load((NEW / "course_entry.yml").read_text())
    (root / "course.yml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    build(load_course(root))
    return root


@pytest.fixture(scope="module")
def packages(course_root):
    """The chapter's modules importable under their rule names, re-exported by nnkit.checks/widgets."""
    import nnkit.checks
    import nnkit.widgets

    import sys

    added = []
    for pkg, sub in ((nnkit.checks, "checks"), (nnkit.widgets, "widgets")):
        path = str(course_root / "nnkit" / sub)
        pkg.__path__.append(path)
        # Run the package's own __init__ again, as importing it fresh would, and take what it exports.
        ns = {"__name__": pkg.__name__, "__package__": pkg.__name__, "__path__": pkg.__path__,
              "__file__": pkg.__file__}
        exec(compile(Path(pkg.__file__).read_text(), pkg.__file__, "exec"), ns)
        new = [n for n in ns["__all__"] if not hasattr(pkg, n)]
        for name in new:
            setattr(pkg, name, ns[name])
        added.append((pkg, path, new))
    yield
    for pkg, path, new in added:
        pkg.__path__.remove(path)
        for name in new:
            delattr(pkg, name)
        sys.modules.pop(f"{pkg.__name__}.ch07_newchapter", None)


def test_names_follow_from_the_manifest_entry(course_root):
    chapter = load_course(course_root).chapter(CHAPTER)
    assert chapter.checks_module == "nnkit.checks.ch07_newchapter" and chapter.checks_file.is_file()
    assert chapter.widgets_module == "nnkit.widgets.ch07_newchapter" and chapter.widgets_file.is_file()
    assert chapter.mutants_file.is_file() and chapter.release_dir.joinpath("newchapter.ipynb").is_file()
    assert chapter.points == 3


def test_packages_export_the_new_check_and_widget(packages):
    from nnkit import checks, widgets

    assert callable(checks.half_squared_error) and widgets.newchapter_explorer() == "explorer"


def test_verify_finds_the_chapter_and_passes(course_root, packages):
    report = run_verify(load_course(course_root), grade=False)
    assert report.ok, "\n".join(report.lines())


def test_generated_and_written_mutants_are_replayed_and_killed(course_root, packages):
    course = load_course(course_root)
    chapter = course.chapter(CHAPTER)
    mutants = load_mutants(chapter).mutants
    assert [m.id for m in mutants] == ["forgets_the_mean", "half_squared_error_calls_quadratic_cost"]
    with use_course(course):
        assert replay(chapter) == {"test_half_squared_error": None}
        for m in mutants:
            result = replay(chapter, {m.cell: m.source}, only=list(m.kills))
            assert result["test_half_squared_error"] is not None, m.id


def test_the_check_traps_the_chapters_concepts(course_root, packages):
    from nnkit import checks
    from nnkit.checks import CheckFailed
    from nnkit.costs import quadratic_cost

    with use_course(load_course(course_root)):
        checks.half_squared_error(lambda a, y: float(0.5 * np.sum((a - y) ** 2) / a.shape[0]))
        with pytest.raises(CheckFailed, match="nnkit"):
            checks.half_squared_error(lambda a, y: quadratic_cost(a, y))
