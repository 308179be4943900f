"""Chapter-04 checks and widget: solutions pass, each mutant fails at its intended rung, callbacks work.

The solution cells and the mutants are read from the repo (solutions/04-regularization/regularization.py,
tests/mutants/04-regularization.yml); the rung each mutant must fail at is the ``(rung: ...)`` of its
``why``.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
import yaml
from notebook_cells import notebook_namespace, solution_sources

from nnkit import checks
from nnkit import regularization as reg
from nnkit.checks import CheckFailed
from nnkit.checks import _ladder as ladder_module
from nnkit.data import shift_images as shift_images_reference
from nnkit.stopping import early_stopping as ref_early_stopping

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
SOURCE = ROOT / "solutions" / "04-regularization" / "regularization.py"
MUTANTS = ROOT / "tests" / "mutants" / "04-regularization.yml"
EXERCISES = ["l2_penalty_and_grad", "weight_decay_step", "l1_penalty_and_grad", "l1_step", "early_stopping",
             "shift_images"]


def namespace(overrides: dict[str, str] | None = None) -> dict:
    return notebook_namespace(SOURCE, overrides, np=np)


def mutants() -> list[dict]:
    return yaml.safe_load(MUTANTS.read_text(encoding="utf-8"))["mutants"]


@pytest.fixture(autouse=True)
def fresh_session():
    ladder_module.reset_session()
    yield
    ladder_module.reset_session()


def run_check(name, fn, hidden=False, rng=None):
    check = getattr(checks, name)
    return check(fn, hidden=True, rng=rng) if hidden else check(fn)


def test_the_notebook_defines_every_exercise():
    assert set(solution_sources(SOURCE)) == set(EXERCISES)


@pytest.mark.parametrize("name", EXERCISES)
def test_solutions_pass_visible_and_hidden(name, capsys):
    fn = namespace()[name]
    run_check(name, fn)
    for seed in (7, 8):
        run_check(name, fn, hidden=True, rng=seed)
    out = capsys.readouterr().out
    assert f"✓ {name} passed all" in out and f"✓ {name} passed the hidden tests." in out
    assert "✗" not in out


@pytest.mark.parametrize("mutant", mutants(), ids=lambda m: m["id"])
def test_each_mutant_fails_at_its_rung_and_in_the_hidden_tests(mutant):
    rung = re.search(r"\(rung: (.*?)\)\s*$", mutant["why"]).group(1)
    fn = namespace({mutant["cell"]: mutant["source"]})[mutant["cell"]]
    with pytest.raises(CheckFailed) as info:
        run_check(mutant["cell"], fn)
    first = info.value.report.splitlines()[0]
    prefix = rung.split("...")[0].strip()
    assert prefix in first, f"{mutant['id']} failed at {first!r}, expected the rung {rung!r}"
    assert "hint:" in info.value.report


@pytest.mark.parametrize("name,reference", [
    ("l2_penalty_and_grad", lambda ws, lm, n: (reg.l2_penalty(ws, lm, n), [reg.l2_grad(W, lm, n) for W in ws])),
    ("l1_penalty_and_grad", lambda ws, lm, n: (reg.l1_penalty(ws, lm, n), [reg.l1_grad(W, lm, n) for W in ws])),
    ("weight_decay_step", lambda ws, bs, gw, gb, eta, lm, n: (
        [reg.weight_decay_update(W, g, eta, lm, n) for W, g in zip(ws, gw)], [b - eta * g for b, g in zip(bs, gb)])),
    ("l1_step", lambda ws, bs, gw, gb, eta, lm, n: (
        [reg.l1_update(W, g, eta, lm, n) for W, g in zip(ws, gw)], [b - eta * g for b, g in zip(bs, gb)])),
    ("early_stopping", ref_early_stopping),
    ("shift_images", shift_images_reference),
])
def test_calling_the_reference_is_caught(name, reference):
    """The public nnkit functions reach the trapped kernels (the generated 'calls reference' mutants)."""
    with pytest.raises(CheckFailed, match="uses its own code"):
        run_check(name, reference)


def test_hints_escalate_to_the_formula():
    fn = namespace({"weight_decay_step": mutants()[5]["source"]})["weight_decay_step"]   # without eta
    reports = []
    for _ in range(4):
        with pytest.raises(CheckFailed) as info:
            checks.weight_decay_step(fn)
        reports.append(info.value.report)
    assert "multiplied by eta too" in reports[0]           # a diagnosed mistake shows its own hint
    assert all("(1 - eta lambda / n) w" in r for r in reports)


# --------------------------------------------------------------------------- widget callbacks
from nnkit.widgets.ch04_regularization import (  # noqa: E402
    ExplorerView,
    Run,
    penalty_only,
    student_penalty_only,
    weight_histogram,
)


def fake_runs(epochs=30):
    g = np.random.default_rng(0)
    runs = {}
    for p, lm in [("L2", 0.0), ("L2", 0.1), ("L2", 1.0), ("L1", 0.5)]:
        acc = np.clip(np.linspace(0.5, 1.0, epochs) + g.normal(0, 0.01, epochs), 0, 1)
        runs[p, lm] = Run(p, lm, 0.5, 1000, 10, acc, acc - 0.1, np.linspace(2, 0.1, epochs),
                          np.linspace(2, 0.8, epochs), g.normal(0, 1, (784, 30)) / (1 + lm))
    return runs


@pytest.mark.parametrize("penalty,lmbda", [("L2", 1.0), ("L1", 0.5), ("L1", 3.0)])
def test_penalty_only_matches_repeated_kernel_steps(penalty, lmbda):
    w = np.array([-2.0, -0.03, 0.0, 0.01, 1.5])
    W = w.reshape(1, -1)
    for _ in range(250):
        W = (reg.weight_decay_update if penalty == "L2" else reg.l1_update)(W, np.zeros_like(W), 0.5, lmbda, 1000)
    np.testing.assert_allclose(penalty_only(w, penalty, lmbda, 0.5, 1000, 250), W.ravel(), rtol=1e-12, atol=1e-15)


def test_student_penalty_only_uses_the_student_step_and_never_raises():
    ns = namespace()
    w = np.linspace(-3, 3, 13)
    for p, name in (("L2", "weight_decay_step"), ("L1", "l1_step")):
        mine, status = student_penalty_only(ns[name], w, 1.0, 0.5, 1000, 100)
        assert status == "ok"
        np.testing.assert_allclose(mine, penalty_only(w, p, 1.0, 0.5, 1000, 100), rtol=1e-9, atol=1e-12)
    stub = namespace({"l1_step": "def l1_step(*a):\n    raise NotImplementedError()"})["l1_step"]
    assert student_penalty_only(stub, w, 1.0, 0.5, 1000, 10) == (None, "raised NotImplementedError")
    broken = namespace({"l1_step": "def l1_step(*a):\n    return 1 / 0"})["l1_step"]
    assert student_penalty_only(broken, w, 1.0, 0.5, 1000, 10)[1].startswith("raised ZeroDivisionError")
    assert student_penalty_only(None, w, 1.0, 0.5, 1000, 10) == (None, "not implemented yet")


def test_weight_histogram_sums_to_one_and_clips_outliers():
    h = weight_histogram(np.array([-10.0, 0.0, 0.005, 10.0]))
    assert h.sum() == pytest.approx(1.0) and h[0] == 0.25 and h[-1] == 0.25


def test_explorer_view_draws_reference_and_student_and_is_fast():
    ns = namespace()
    view = ExplorerView(fake_runs(), student={"L2": "weight_decay_step", "L1": "l1_step"}, namespace=ns)
    assert view.lambdas("L2") == [0.0, 0.1, 1.0] and view.lambdas("L1") == [0.0, 0.5]
    drawn = view.update("L1", 0.5)
    assert drawn["verdict"] == "matches the reference"
    np.testing.assert_allclose(view.m_student.get_ydata(), drawn["reference"], atol=1e-9)
    view.view.png()
    times = []
    for p, lm in [("L2", 0.1), ("L2", 1.0), ("L1", 0.5), ("L2", 0.0)] * 2:
        t0 = time.perf_counter()
        view.update(p, lm)
        view.view.png()
        times.append(time.perf_counter() - t0)
    assert np.median(times[4:]) < 0.15      # cached curves: the render dominates (aim: well under 50 ms)


def test_explorer_view_shows_missing_and_wrong_student_functions():
    wrong = namespace({"weight_decay_step": mutants()[5]["source"]})
    view = ExplorerView(fake_runs(), student={"L2": "weight_decay_step", "L1": "l1_step"}, namespace=wrong)
    assert view.update("L2", 1.0)["verdict"].startswith("differs from the reference")
    empty = ExplorerView(fake_runs(), student={"L2": "weight_decay_step", "L1": "l1_step"}, namespace={})
    assert empty.update("L1", 0.5)["verdict"] == "not defined yet"


def test_explorer_widget_builds_and_switches_penalty():
    from nnkit.widgets import regularization_explorer

    box = regularization_explorer(fake_runs(), student={"L2": "weight_decay_step", "L1": "l1_step"})
    toggle, slider = box.children[0].children
    shown = bytes(box.view.view.image.value)
    toggle.value = "L1"
    assert [v for _, v in slider.options] == [0.0, 0.5] and slider.value == 0.5
    assert bytes(box.view.view.image.value) != shown, "switching the penalty must change the picture"
    shown = bytes(box.view.view.image.value)
    slider.value = 0.0
    assert box.view.last["run"].lmbda == 0.0
    assert box.view.view.image.value[:4] == b"\x89PNG"
    assert bytes(box.view.view.image.value) != shown, "moving the slider must change the picture"
