"""checks.summary: the progress cell that ends every chapter (exercises from the manifest)."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest

from nnkit import checks
from nnkit.checks import CheckFailed, Ladder
from nnkit.checks import _ladder as ladder_module
from nnkit.checks._progress import chapter_exercises

ROOT = Path(__file__).resolve().parents[2]


class FakeCourse:
    """A small in-test manifest: one chapter, three checked exercises and a written answer."""

    def __init__(self):
        self.chapter_ids = ["07-demo"]
        self._chapter = SimpleNamespace(id="07-demo", exercises=[
            {"id": "double", "points": 2},
            {"id": "triple", "points": 3},
            {"id": "why_double", "points": 1, "manual": True},
            {"id": "square", "points": 2},
        ])

    def chapter(self, chapter_id):
        if chapter_id != "07-demo":
            raise KeyError(chapter_id)
        return self._chapter


@pytest.fixture(autouse=True)
def fresh_session(monkeypatch):
    monkeypatch.setattr(ladder_module, "forbidden_for", lambda name: [])
    ladder_module.reset_session()
    yield
    ladder_module.reset_session()


def run(name, ok: bool):
    lad = Ladder(name, lambda x: x, stream=io.StringIO())
    if ok:
        lad.passed()
    else:
        with pytest.raises(CheckFailed):
            lad.fail("tiny case: x = 1")


def test_summary_lists_every_exercise_with_its_state_points_and_what_is_left(capsys):
    run("double", ok=True)
    run("triple", ok=False)
    checks.summary("07-demo", course=FakeCourse())
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Progress in 07-demo: 1 of 3 checked exercises pass (2 of 8 points)"
    assert lines[1].split() == ["✓", "double", "2", "pts"]
    assert lines[2].split()[:4] == ["✗", "triple", "3", "pts"] and 'failed at "tiny case: x = 1"' in lines[2]
    assert lines[3].split()[:4] == ["✎", "why_double", "1", "pt"] and "graded by your instructor" in lines[3]
    assert lines[4].split()[:4] == ["·", "square", "2", "pts"] and "not run yet" in lines[4]
    assert lines[5].startswith("Left: triple, square (5 points).")


def test_a_fixed_exercise_turns_green_and_all_done_says_so(capsys):
    for name in ("double", "triple", "square"):
        run(name, ok=False)
        run(name, ok=True)
    checks.summary("07-demo", course=FakeCourse())
    out = capsys.readouterr().out
    assert "3 of 3 checked exercises pass (7 of 8 points)" in out
    assert "Every checked exercise passes" in out and "Left:" not in out


def test_a_failed_hidden_test_counts_as_failed(capsys):
    run("double", ok=True)
    lad = Ladder("double", lambda x: x, hidden=True, stream=io.StringIO())
    with pytest.raises(CheckFailed):
        lad.fail("random case 3 of 20")
    checks.summary("07-demo", course=FakeCourse())
    assert "✗ double" in capsys.readouterr().out


def test_unknown_chapter_is_a_clear_error():
    with pytest.raises(KeyError, match="no chapter '99-nothing'"):
        chapter_exercises("99-nothing", course=FakeCourse())


def test_the_real_manifest_lists_the_chapter_exercises_in_notebook_order():
    names = [e.id for e in chapter_exercises("02-softmax")]
    assert names[0] == "softmax" and "train_softmax_classifier" in names
    checked = [n for n, e in zip(names, chapter_exercises("02-softmax")) if not e.manual]
    for name in checked:
        assert callable(getattr(checks, name)), name


@pytest.mark.parametrize("path, chapter", [("solutions/01-cost-functions/cost_functions.py", "01-cost-functions"),
                                           ("solutions/02-softmax/softmax.py", "02-softmax")])
def test_chapters_end_with_the_progress_cell(path, chapter):
    text = (ROOT / path).read_text(encoding="utf-8").rstrip()
    last_cell = text.rsplit("# %%", 1)[1]
    assert last_cell.strip() == f'checks.summary("{chapter}")'


def test_long_lines_are_cut_near_90_columns(capsys):
    lad = Ladder("triple", lambda x: x, stream=io.StringIO())
    with pytest.raises(CheckFailed):
        lad.fail("a very long rung name that goes on and on about logits near +1000 and -1000 and more")
    checks.summary("07-demo", course=FakeCourse())
    assert max(len(line) for line in capsys.readouterr().out.splitlines()) <= 90
