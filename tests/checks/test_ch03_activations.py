"""Chapter-03 checks and widget: solutions pass, each wrong answer fails at its intended rung with a
useful hint, the nnkit references are trapped, and the explorer's callbacks work without a browser.

The solution cells and the mutants are read from the repo (solutions/03-activations/activations.py,
tests/mutants/03-activations.yml).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from nnkit import checks
from nnkit.activations import relu, relu_prime, sigmoid, sigmoid_prime
from nnkit.checks import CheckFailed
from nnkit.checks._ladder import reset_session
from nnkit.course.manifest import load_course
from nnkit.widgets import ch03_activations as widget

from notebook_cells import notebook_namespace, solution_sources  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "solutions" / "03-activations" / "activations.py"
MUTANTS = ROOT / "tests" / "mutants" / "03-activations.yml"
EXERCISES = ["tanh_from_sigmoid", "leaky_relu_backward", "elu_prime_from_output", "prelu_alpha_grad",
             "layer_gradient_norms", "dead_unit_fraction"]
_MARKER = re.compile(r"^# %%(?P<md> \[markdown\])?(?P<meta>.*)$")


# --------------------------------------------------------------------------- reading the chapter
def cells() -> list[tuple[bool, dict, str]]:
    """(is_markdown, nbgrader metadata, source) of every cell of the percent source."""
    out, meta, lines, md = [], None, [], False
    for line in SOURCE.read_text(encoding="utf-8").splitlines():
        m = _MARKER.match(line)
        if m:
            if meta is not None:
                out.append((md, meta, "\n".join(lines).strip("\n")))
            md = m.group("md") is not None
            nb = re.search(r"nbgrader=(\{.*?\})", m.group("meta"))
            meta, lines = (json.loads(nb.group(1)) if nb else {}), []
        elif meta is not None:
            lines.append(line)
    if meta is not None:
        out.append((md, meta, "\n".join(lines).strip("\n")))
    return out


def namespace(overrides: dict[str, str] | None = None) -> dict:
    """A fresh 'notebook' namespace: the imports exercises may use + every solution cell (+ overrides)."""
    return notebook_namespace(SOURCE, overrides, np=np, sigmoid=sigmoid, sigmoid_prime=sigmoid_prime, relu=relu,
                              relu_prime=relu_prime)


def mutants() -> list[dict]:
    return yaml.safe_load(MUTANTS.read_text(encoding="utf-8"))["mutants"]


@pytest.fixture(autouse=True)
def _fresh_session():
    """Hint levels depend on how often an exercise failed in this session: start every test afresh."""
    reset_session()
    yield
    reset_session()


def run_check(name, fn, hidden=False, rng=None):
    check = getattr(checks, name)
    return check(fn, hidden=True, rng=rng) if hidden else check(fn)


# --------------------------------------------------------------------------- the solutions
def test_the_solution_notebook_defines_every_exercise_in_manifest_order():
    chapter = load_course(ROOT).chapter("03-activations")
    graded = [ex.id for ex in chapter.exercises if not ex.manual]
    assert graded == EXERCISES
    assert list(solution_sources(SOURCE)) == EXERCISES


def test_manifest_points_match_the_notebook_cells():
    chapter = load_course(ROOT).chapter("03-activations")
    points = {meta["grade_id"]: meta["points"] for md, meta, src in cells() if meta.get("grade")}
    expected = {("test_" + ex.id if not ex.manual else ex.id): ex.points for ex in chapter.exercises}
    assert points == expected


@pytest.mark.parametrize("name", EXERCISES)
def test_solutions_pass_visible_and_hidden(name, capsys):
    ns = namespace()
    run_check(name, ns[name])
    for seed in (7, 8):
        run_check(name, ns[name], hidden=True, rng=seed)
    out = capsys.readouterr().out
    assert f"✓ {name} passed all" in out and f"✓ {name} passed the hidden tests." in out
    assert "✗" not in out


# --------------------------------------------------------------------------- wrong answers
# mutant id -> (words of the failing rung, words the hint must contain)
RUNGS = {
    "tanh_from_sigmoid_argument_not_doubled": ("a = tanh(z) at z = 0", "argument of sigma must be 2z"),
    "tanh_from_sigmoid_chain_factor_missing": ("a_prime = tanh'(z)", "one factor 2 is missing"),
    "tanh_from_sigmoid_uses_np_tanh": ("uses the sigma it is given", "build tanh from the sigma you are given"),
    "tanh_from_sigmoid_slope_one_minus_a_squared": ("uses the sigma_prime it is given", "sigma_prime(2z)"),
    "tanh_from_sigmoid_overflows": ("|z| up to 1000", "nan/inf"),
    "leaky_relu_backward_no_upstream": ("negative upstream", "multiply the slope by the upstream"),
    "leaky_relu_backward_forward_formula": ("slopes with upstream 1", "the sign of z decides"),
    "leaky_relu_backward_alpha_times_z": ("slopes with upstream 1", "not alpha z"),
    "leaky_relu_backward_kink_slope_one": ("at the kink z = 0", "slope 1 only where z > 0"),
    "elu_prime_from_output_exp_of_a": ("alpha = 1", "alpha e^z = a + alpha"),
    "elu_prime_from_output_assumes_alpha_one": ("alpha = 2", "right only for alpha = 1"),
    "elu_prime_from_output_kink_slope_one": ("at the kink", "use a > 0"),
    "elu_prime_from_output_returns_exp_z": ("alpha = 2", "that is e^z"),
    "prelu_alpha_grad_includes_positive_entries": ("by hand", "do not depend on alpha"),
    "prelu_alpha_grad_wrong_axis": ("one number per slope", "sum over the examples (axis=0)"),
    "prelu_alpha_grad_mean_over_batch": ("by hand", "do not average"),
    "prelu_alpha_grad_slope_instead_of_z": ("by hand", "the derivative with respect to alpha is z"),
    "prelu_alpha_grad_no_upstream": ("by hand", "multiply by the upstream gradient"),
    "layer_gradient_norms_reversed": ("3 sigmoid layers", "reverse order"),
    "layer_gradient_norms_no_top_slope": ("3 sigmoid layers", "needs its f'(Z^L) too"),
    "layer_gradient_norms_prime_of_activation": ("3 sigmoid layers", "not the activation"),
    "layer_gradient_norms_norm_of_delta": ("one linear layer by hand", "sums delta over the examples first"),
    "layer_gradient_norms_weight_gradient": ("one linear layer by hand", "norm of dC/dW"),
    "dead_unit_fraction_of_entries": ("by hand", "fraction of ENTRIES"),
    "dead_unit_fraction_strict_inequality": ("by hand", "use <= 0"),
    "dead_unit_fraction_any_example": ("by hand", "on EVERY example"),
    "dead_unit_fraction_count": ("by hand", "not a count"),
    "dead_unit_fraction_rows": ("by hand", "units are the columns"),
}


def test_every_mutant_has_an_expected_rung():
    assert {m["id"] for m in mutants()} == set(RUNGS)


@pytest.mark.parametrize("mutant", mutants(), ids=lambda m: m["id"])
def test_mutants_fail_at_their_rung_with_a_diagnosis(mutant):
    ns = namespace({mutant["cell"]: mutant["source"]})
    name = mutant["cell"]
    rung, words = RUNGS[mutant["id"]]
    with pytest.raises(CheckFailed) as info:  # the first failure of a fresh session
        run_check(name, ns[name])
    report = str(info.value)
    failing = [line for line in report.splitlines() if line.strip().startswith("✗")]
    assert len(failing) == 1 and rung in failing[0], report
    assert words in " ".join(report.split()), report   # hints are wrapped: compare with single spaces


# --------------------------------------------------------------------------- the trap
CALLS_REFERENCE = {
    "tanh_from_sigmoid": "from nnkit.activations import tanh, tanh_prime\n    return tanh(z), tanh_prime(z)",
    "leaky_relu_backward": "from nnkit.activations import leaky_relu_prime\n    return dout * leaky_relu_prime(z, alpha)",
    "elu_prime_from_output": ("from nnkit.activations import elu_prime\n"
                              "    z = np.where(a > 0, a, np.log(np.maximum(a / max(alpha, 1e-300) + 1, 1e-300)))\n"
                              "    return elu_prime(z, alpha)"),
    "prelu_alpha_grad": "import nnkit.activations as act\n    return act.prelu_alpha_grad(z, alpha, dout)",
    "layer_gradient_norms": ("from nnkit.depth import layer_gradient_norms as ref\n"
                             "    return ref(X, weights, biases, f, f_prime, grad_out)"),
    "dead_unit_fraction": "from nnkit import depth\n    return depth.dead_unit_fraction(Z)",
}
PARAMS = {"tanh_from_sigmoid": "z, sigma=sigmoid, sigma_prime=sigmoid_prime", "leaky_relu_backward": "dout, z, alpha=0.01",
          "elu_prime_from_output": "a, alpha=1.0", "prelu_alpha_grad": "z, alpha, dout",
          "layer_gradient_norms": "X, weights, biases, f, f_prime, grad_out", "dead_unit_fraction": "Z"}


@pytest.mark.parametrize("name", EXERCISES)
def test_calling_the_nnkit_reference_fails(name):
    ns = namespace({name: f"def {name}({PARAMS[name]}):\n    {CALLS_REFERENCE[name]}"})
    for hidden in (False, True):
        with pytest.raises(CheckFailed, match="uses its own code"):
            run_check(name, ns[name], hidden=hidden, rng=0)


def test_layer_gradient_norms_through_backward_deltas_fails():
    src = ("def layer_gradient_norms(X, weights, biases, f, f_prime, grad_out):\n"
           "    from nnkit.propagation import backward_deltas\n"
           "    return np.array([np.linalg.norm(d.sum(axis=0)) for d in backward_deltas(X, weights, biases, f, f_prime, grad_out)])")
    ns = namespace({"layer_gradient_norms": src})
    with pytest.raises(CheckFailed, match="uses its own code"):
        run_check("layer_gradient_norms", ns["layer_gradient_norms"])


# --------------------------------------------------------------------------- the widget
def test_reference_curves_match_the_formulas():
    z = np.linspace(-3, 3, 61)
    f, fp = widget.reference_curves("tanh", z)
    assert np.allclose(f, np.tanh(z)) and np.allclose(fp, 1 - np.tanh(z) ** 2)
    f, fp = widget.reference_curves("leaky_relu", z, alpha=0.2)
    assert np.allclose(f, np.where(z > 0, z, 0.2 * z)) and np.allclose(fp, np.where(z > 0, 1, 0.2))
    with pytest.raises(ValueError, match="expected one of"):
        widget.reference_curves("softplus", z)


def test_student_curves_report_missing_right_and_wrong_functions():
    assert widget.student_curves("sigmoid", namespace={})[2] == "not an exercise"
    f, fp, status = widget.student_curves("tanh", namespace={})
    assert f is None and fp is None and "not defined yet" in status
    stub = namespace({"tanh_from_sigmoid": "def tanh_from_sigmoid(z, sigma=None, sigma_prime=None):\n"
                                           "    raise NotImplementedError()"})
    assert "not implemented yet" in widget.student_curves("tanh", namespace=stub)[2]
    ns = namespace()
    for name in ("tanh", "leaky_relu", "elu"):
        f, fp, status = widget.student_curves(name, alpha=0.3, namespace=ns)
        assert status.endswith("matches the reference"), status
        assert fp is not None and (f is not None) == (name == "tanh")
    wrong = namespace({"elu_prime_from_output": "def elu_prime_from_output(a, alpha=1.0):\n"
                                                "    return np.where(a > 0, 1.0, a + 1.0)"})
    assert "differs from the reference" in widget.student_curves("elu", alpha=0.3, namespace=wrong)[2]
    crash = namespace({"leaky_relu_backward": "def leaky_relu_backward(dout, z, alpha=0.01):\n"
                                              "    return dout * (1 if z > 0 else alpha)"})
    assert "raised ValueError" in widget.student_curves("leaky_relu", namespace=crash)[2]


def test_depth_profile_shows_vanishing_and_exploding_gradients():
    p = widget.depth_profile(10, 1.0)
    sig = p.norms["sigmoid"]
    assert sig.shape == (10,) and sig[0] < 1e-3 * sig[-1]          # sigmoid vanishes
    assert p.norms["tanh"][0] > 1e-2 * p.norms["tanh"][-1]          # tanh keeps the order of magnitude
    big = widget.depth_profile(10, 4.0)
    assert big.norms["relu"][0] > 100 * big.norms["relu"][-1]        # ReLU explodes with large weights


def test_student_depth_profile_matches_and_reports():
    p = widget.depth_profile(6, 1.5)
    norms, status = widget.student_depth_profile(p, "tanh", namespace=namespace())
    assert status == "layer_gradient_norms matches the reference" and np.allclose(norms, p.norms["tanh"])
    rev = namespace({"layer_gradient_norms": [m for m in mutants() if m["id"] == "layer_gradient_norms_reversed"][0]["source"]})
    assert "differs" in widget.student_depth_profile(p, "sigmoid", namespace=rev)[1]
    assert widget.student_depth_profile(p, "relu", namespace={})[0] is None


def test_explorer_redraws_fast_and_updates_artists_only():
    pytest.importorskip("ipywidgets")
    box = widget.activation_explorer(namespace=namespace())
    fig = box.figure
    axes_before = list(fig.view.figure.axes)
    full_before = fig.view.full_redraws
    times = []  # CPU seconds per redraw (wall time on a loaded CI machine measures the neighbours)
    for name in widget.ACTIVATION_NAMES:
        for depth, scale in ((5, 0.5), (20, 1.0), (30, 3.0)):
            for control, value in (("activation", name), ("depth", depth), ("scale", scale)):
                t0 = time.process_time()
                box.controls[control].value = value
                times.append(time.process_time() - t0)
    assert fig.view.figure.axes == axes_before
    assert fig.view.full_redraws == full_before             # fixed limits: background reused
    assert np.median(times) < 0.05, times                    # contract: at most 50 ms in the kernel
    assert "matches the reference" in fig.note.get_text()
    assert box.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_explorer_draws_nothing_for_missing_functions():
    pytest.importorskip("ipywidgets")
    box = widget.activation_explorer(activation="tanh", namespace={})
    assert not box.figure.mine_f.get_visible() and not box.figure.mine_g.get_visible()
    assert "not defined yet" in box.figure.note.get_text()
    t0 = time.perf_counter()
    box.redraw()
    assert time.perf_counter() - t0 < 1.0
