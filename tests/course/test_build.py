"""`nnkit build` on the fixture course, and every static check failing on a tree broken for it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nnkit.course.build import BANNER_ID, build, sync_pair
from nnkit.course.verify import (
    verify_fresh_build,
    verify_manifest,
    verify_pairs,
    verify_references,
    verify_secrets,
    run_verify,
)
from nnkit.course.cli import main
from nnkit.course.grade import workspace
from nnkit.course.manifest import load_course
from nnkit.course.notebooks import grade_id, read_notebook, tags, write_notebook

from course_fixtures import clone, copy_course

CHAPTER = "00-mini"


def _tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _release(root: Path):
    return read_notebook(root / "chapters" / CHAPTER / "mini.ipynb")


def _cells(nb):
    return {grade_id(c) or c.source.splitlines()[0]: c for c in nb.cells}


# ----------------------------------------------------------------------------- build


def test_build_is_deterministic(built_course, tmp_path):
    first = _tree_bytes(built_course / "chapters")
    again = clone(built_course, tmp_path / "again")
    build(load_course(again))
    assert _tree_bytes(again / "chapters") == first, "rebuilding changed chapters/"
    # the same sources built elsewhere, with no chapters/ yet (new temp dirs, new gradebook)
    other = tmp_path / "other"
    shutil.copytree(built_course, other, ignore=shutil.ignore_patterns("chapters"))
    build(load_course(other))
    assert _tree_bytes(other / "chapters") == first


def test_release_tags_and_stubs(built_course):
    cells = _cells(_release(built_course))
    assert "raises-exception" in tags(cells["double"]), "solution cells may fail in a fresh chapter"
    assert "raises-exception" in tags(cells["test_double"]), "graded test cells may fail in a fresh chapter"
    demo = next(c for c in _release(built_course).cells if c.source.startswith("print(f\"double(21)"))
    assert tags(demo) == ["raises-exception"], "uses-stubs becomes raises-exception; nbval tags go"
    assert "raises-exception" not in tags(cells["import numpy as np"]), "ordinary cells must run"
    assert "NotImplementedError" in cells["double"].source and "doubled_secret_value" not in cells["double"].source
    assert "hidden_marker" not in cells["test_double"].source
    assert cells["why_linear"].source == "YOUR ANSWER HERE"
    for cell in _release(built_course).cells:
        assert cell.get("outputs", []) == [] and cell.get("execution_count") is None


def test_release_provenance_is_in_metadata_not_in_a_banner(built_course):
    nb = _release(built_course)
    assert not any(c.get("id") == BANNER_ID or "nnkit build" in c.source for c in nb.cells)
    assert nb.metadata["nnkit"]["source"] == "solutions/00-mini/mini.py"
    assert nb.metadata["nnkit"]["generated_by"] == "nnkit build"
    assert "jupytext" not in nb.metadata, "a release must not be jupytext-paired on students' machines"
    text = (built_course / "chapters" / CHAPTER / "mini.ipynb").read_text()
    assert json.loads(text) and text.endswith("}\n")


def test_no_py_ships_but_data_files_do(course_copy):
    src = course_copy / "solutions" / CHAPTER
    (src / "helper.py").write_text("SECRET = 42\n")
    (src / "table.csv").write_text("x,y\n1,2\n")
    build(load_course(course_copy))
    shipped = sorted(p.name for p in (course_copy / "chapters" / CHAPTER).iterdir())
    assert shipped == ["mini.ipynb", "table.csv"]


def test_build_creates_the_missing_ipynb_and_syncs_edits(course_copy):
    course = load_course(course_copy)
    paths = course.chapter(CHAPTER).notebook("mini")
    paths.source_ipynb.unlink()
    build(course)
    assert paths.source_ipynb.is_file()
    assert verify_pairs(course).ok


def test_build_execute_refreshes_stored_outputs(course_copy):
    course = load_course(course_copy)
    paths = course.chapter(CHAPTER).notebook("mini")
    build(course, execute=True)
    nb = read_notebook(paths.source_ipynb)
    demo = next(c for c in nb.cells if "double(21)" in c.source and "print" in c.source)
    assert demo.outputs and demo.outputs[0]["text"] == "double(21) = 42\n"
    assert all("execution" not in c.metadata for c in nb.cells), "no timing metadata in the stored notebook"
    assert verify_pairs(course).ok and verify_fresh_build is not None


# ----------------------------------------------------------------------------- static checks


def test_static_checks_pass_on_a_good_tree(built_course):
    course = load_course(built_course)
    for check in (verify_manifest, verify_pairs, verify_secrets, verify_references):
        result = check(course)
        assert result.ok, result.lines()
    with workspace(course, list(course.chapters)) as ws:
        assert verify_fresh_build(course, ws.releases).ok


def test_local_jupyter_caches_are_not_flagged(course_copy):
    cache = course_copy / "chapters" / CHAPTER / ".ipynb_checkpoints"
    cache.mkdir()
    (cache / "mini-checkpoint.ipynb").write_text("{}")
    course = load_course(course_copy)
    assert verify_secrets(course).ok
    with workspace(course, list(course.chapters)) as ws:
        assert verify_fresh_build(course, ws.releases).ok


def test_out_of_sync_pair_is_detected(course_copy):
    py = course_copy / "solutions" / CHAPTER / "mini.py"
    py.write_text(py.read_text().replace("# Write `double(x)`", "# Please write `double(x)`"))
    result = verify_pairs(load_course(course_copy))
    assert not result.ok
    assert any("source differ" in d for d in result.details), result.details
    # and `nnkit build` repairs it
    sync_pair(load_course(course_copy).chapter(CHAPTER).notebook("mini"))
    assert verify_pairs(load_course(course_copy)).ok


def test_hand_edited_chapter_is_not_a_fresh_build(course_copy):
    path = course_copy / "chapters" / CHAPTER / "mini.ipynb"
    nb = read_notebook(path)
    nb.cells[1].source += "\nEdited by hand."
    write_notebook(nb, path)
    (path.parent / "notes.txt").write_text("stray")
    course = load_course(course_copy)
    with workspace(course, list(course.chapters)) as ws:
        result = verify_fresh_build(course, ws.releases)
    assert not result.ok
    assert any("mini.ipynb differs from a fresh build" in d for d in result.details)
    assert any("notes.txt is not produced by the build" in d for d in result.details)


@pytest.mark.parametrize("kind", ["marker", "hidden-test", "solution-line", "py-file", "outputs"])
def test_planted_secret_is_detected(course_copy, kind):
    path = course_copy / "chapters" / CHAPTER / "mini.ipynb"
    nb = read_notebook(path)
    cells = _cells(nb)
    if kind == "marker":
        nb.cells[1].source += "\n### BEGIN SOLUTION"
        expected = "contains the marker 'BEGIN SOLUTION'"
    elif kind == "hidden-test":
        cells["test_double"].source += (
            '\nassert np.array_equal(double(np.arange(5)), np.arange(0, 10, 2)), "hidden_marker_arange_check"')
        expected = "line of a solution or hidden test"
    elif kind == "solution-line":
        nb.cells[1].source += "\n    doubled_secret_value = 2 * np.asarray(x)"
        expected = "doubled_secret_value"
    elif kind == "py-file":
        (path.parent / "mini.py").write_text("# the solution source\n")
        expected = "mini.py: must not ship"
    else:
        cells["import numpy as np"].outputs = [nbformat.v4.new_output("stream", name="stdout", text="42\n")]
        expected = "has stored outputs"
    write_notebook(nb, path)
    result = verify_secrets(load_course(course_copy))
    assert not result.ok
    assert any(expected in d for d in result.details), result.details


def test_written_answer_leak_is_detected(course_copy):
    path = course_copy / "chapters" / CHAPTER / "mini.ipynb"
    nb = read_notebook(path)
    _cells(nb)["why_linear"].source = "Because twice a sum is the sum of the doubles: a secret written answer."
    write_notebook(nb, path)
    assert not verify_secrets(load_course(course_copy)).ok


@pytest.mark.parametrize("kind", ["extra-chapter-dir", "points", "renamed-exercise", "exercise-order",
                                  "unknown-concept", "unlisted-notebook", "missing-mutants", "missing-release"])
def test_manifest_mismatch_is_detected(course_copy, kind):
    if kind == "extra-chapter-dir":
        (course_copy / "chapters" / "99-extra").mkdir()
        expected = "chapters/99-extra/ is not a chapter of course.yml"
    elif kind == "points":
        yml = course_copy / "course.yml"
        yml.write_text(yml.read_text().replace("{id: double, points: 2}", "{id: double, points: 3}"))
        expected = "course.yml says 4 points (the sum of its exercises), the notebooks hold 3"
    elif kind == "renamed-exercise":
        yml = course_copy / "course.yml"
        yml.write_text(yml.read_text().replace("{id: double,", "{id: twice,"))
        expected = "exercise 'twice' has no code solution cell with grade_id 'twice'"
    elif kind == "exercise-order":
        yml = course_copy / "course.yml"
        text = yml.read_text()
        a, b = "      - {id: double, points: 2}\n", "      - {id: why_linear, points: 1, manual: true}\n"
        yml.write_text(text.replace(a + b, b + a))
        expected = "the notebook has them in the order ['double', 'why_linear']"
    elif kind == "unknown-concept":
        yml = course_copy / "course.yml"
        yml.write_text(yml.read_text().replace("forbidden: [quadratic_cost]", "forbidden: [quadratic_kost]"))
        expected = "forbidden concepts ['quadratic_kost'] are implemented by no nnkit kernel"
    elif kind == "unlisted-notebook":
        (course_copy / "solutions" / CHAPTER / "scratch.ipynb").write_text("{}")
        expected = "scratch.ipynb is not listed in course.yml"
    elif kind == "missing-mutants":
        (course_copy / "tests" / "mutants" / f"{CHAPTER}.yml").unlink()
        expected = f"tests/mutants/{CHAPTER}.yml is missing"
    else:
        (course_copy / "chapters" / CHAPTER / "mini.ipynb").unlink()
        expected = "chapters/00-mini/mini.ipynb is missing"
    result = verify_manifest(load_course(course_copy))
    assert not result.ok
    assert any(expected in d for d in result.details), result.details


def test_forbidden_reference_in_a_chapter_is_detected(course_copy):
    path = course_copy / "chapters" / CHAPTER / "mini.ipynb"
    nb = read_notebook(path)
    _cells(nb)["import numpy as np"].source += "\nfrom nnkit.costs import quadratic_cost"
    write_notebook(nb, path)
    result = verify_references(load_course(course_copy))
    assert not result.ok
    assert any("uses nnkit.costs.quadratic_cost" in d for d in result.details), result.details


def test_run_check_without_grading_reports_each_check(course_copy):
    (course_copy / "chapters" / CHAPTER / "leak.py").write_text("x = 1\n")
    report = run_verify(load_course(course_copy), grade=False)
    verdicts = {r.name: r.ok for r in report.results}
    assert verdicts == {"manifest": True, "pairs": True, "fresh-build": False, "secrets": False,
                        "references": True, "grading": True}
    assert not report.ok
    assert report.lines()[-1].startswith("FAILED: 4/6 checks passed (failed: fresh-build, secrets)")


# ----------------------------------------------------------------------------- command line


def _nnkit(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "nnkit.course.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_cli_help_and_usage_errors(tmp_path):
    for args in (["--help"], ["build", "--help"], ["verify", "--help"], ["grade", "--help"], ["mutants", "--help"]):
        proc = _nnkit(*args)
        assert proc.returncode == 0 and "usage: nnkit" in proc.stdout
    proc = _nnkit("verify", cwd=tmp_path)  # no course.yml anywhere up from tmp_path
    assert proc.returncode == 2 and "no course.yml" in proc.stderr
    proc = _nnkit("frobnicate")
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def test_cli_check_exit_status(course_copy, capsys, monkeypatch):
    monkeypatch.chdir(course_copy)
    assert main(["verify", "--no-grade"]) == 0
    out = capsys.readouterr().out
    assert "PASS secrets" in out and "SKIP grading" in out
    (course_copy / "chapters" / CHAPTER / "mini.py").write_text("leak\n")
    assert main(["--root", str(course_copy), "verify", "--no-grade"]) == 1
    out = capsys.readouterr().out
    assert "FAIL secrets" in out and "mini.py: must not ship" in out
    assert main(["build", "--chapter", "42-nope", "--root", str(course_copy)]) == 2
    assert "42-nope" in capsys.readouterr().err


def test_cli_build_writes_chapters(tmp_path, capsys):
    root = copy_course(tmp_path / "course")
    assert main(["build", "--root", str(root)]) == 0
    assert (root / "chapters" / CHAPTER / "mini.ipynb").is_file()
    assert "built 00-mini" in capsys.readouterr().out
    assert not (root / "gradebook.db").exists(), "the build must use a throwaway gradebook"
