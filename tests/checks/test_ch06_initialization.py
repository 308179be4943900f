"""Chapter-06 checks and widget: the solutions pass, every mutant fails at its intended rung,
the references are trapped, and the explorer's callbacks work without a browser."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from nnkit import activations, checks
from nnkit.checks import CheckFailed

from notebook_cells import notebook_namespace, solution_sources  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "solutions" / "06-initialization" / "initialization.py"
MUTANTS = ROOT / "tests" / "mutants" / "06-initialization.yml"
EXERCISES = ["hidden_units_identical", "z_std", "scaled_normal_init", "he_normal_init", "activation_stds",
             "backward_deltas"]


def namespace(overrides: dict[str, str] | None = None) -> dict:
    """The notebook's imports + all solution cells, with ``overrides`` (grade_id -> source) applied."""
    names = ("sigmoid", "sigmoid_prime", "tanh", "tanh_prime", "relu", "relu_prime")
    return notebook_namespace(SOURCE, overrides, np=np, **{n: getattr(activations, n) for n in names})


def run_check(name, fn, hidden=False, rng=None):
    check = getattr(checks, name)
    return check(fn, hidden=True, rng=rng) if hidden else check(fn)


def test_the_solution_notebook_defines_every_exercise():
    assert set(solution_sources(SOURCE)) == set(EXERCISES)


@pytest.mark.parametrize("name", EXERCISES)
def test_solutions_pass_visible_and_hidden(name, capsys):
    ns = namespace()
    run_check(name, ns[name])
    for seed in (7, 8, 9):
        run_check(name, ns[name], hidden=True, rng=seed)
    out = capsys.readouterr().out
    assert f"✓ {name} passed all" in out and f"✓ {name} passed the hidden tests." in out


# mutant id -> words of the rung it must fail at (the intended rung of the visible ladder)
RUNG = {
    "hidden_units_identical_ignores_outgoing": "OUTGOING",
    "hidden_units_identical_compares_rows": "tiny case",
    "hidden_units_identical_exact_equality": "round-off",
    "hidden_units_identical_allclose": "large weights",
    "hidden_units_identical_first_two": "LAST of four",
    "z_std_variance": "tiny case",
    "z_std_no_bias": "tiny case",
    "z_std_sum_not_squares": "real-valued inputs",
    "z_std_unsquared_stds": "book's example with weight_std",
    "z_std_counts_all_inputs": "tiny case",
    "scaled_normal_init_variance_as_std": "std of W",
    "scaled_normal_init_global_state": "uses the generator",
    "scaled_normal_init_transposed": "W has shape",
    "scaled_normal_init_scales_bias": "b ~ N(0, 1)",
    "scaled_normal_init_by_n_out": "std of W",
    "scaled_normal_init_uniform": "W is Gaussian",
    "scaled_normal_init_fixed_seed": "other seed",
    "he_normal_init_missing_factor_two": "std of W",
    "he_normal_init_glorot": "std of W",
    "he_normal_init_variance_as_std": "std of W",
    "he_normal_init_random_bias": "all biases are 0",
    "he_normal_init_global_state": "uses the generator",
    "activation_stds_of_z": "one layer with biases",
    "activation_stds_ddof1": "tiny case",
    "activation_stds_feeds_z": "two tanh layers",
    "activation_stds_includes_input": "has shape",
    "activation_stds_no_bias": "one layer with biases",
    "activation_stds_per_unit": "tiny case",
    "backward_deltas_not_transposed": "two tanh layers",
    "backward_deltas_same_layer_weights": "two tanh layers",
    "backward_deltas_prime_of_a": "one sigmoid layer",
    "backward_deltas_no_prime_at_top": "one sigmoid layer",
    "backward_deltas_reversed": "two tanh layers",
}
# mutant id -> words its diagnosis (hint) must contain
HINT = {
    "z_std_variance": "square root",
    "z_std_no_bias": "bias",
    "z_std_sum_not_squares": "sum(x**2)",
    "scaled_normal_init_variance_as_std": "1/n_in is the variance",
    "scaled_normal_init_by_n_out": "n_in, not by n_out",
    "he_normal_init_missing_factor_two": "double",
    "he_normal_init_glorot": "Glorot",
    "activation_stds_of_z": "not of Z",
    "activation_stds_feeds_z": "not Z^1",
    "backward_deltas_not_transposed": "transpose",
    "backward_deltas_reversed": "layer order",
    "backward_deltas_prime_of_a": "not the activation",
}


def load_mutants():
    return yaml.safe_load(MUTANTS.read_text(encoding="utf-8"))["mutants"]


def test_every_exercise_has_three_mutants_and_every_mutant_a_rung():
    mutants = load_mutants()
    for name in EXERCISES:
        assert sum(m["cell"] == name for m in mutants) >= 3, name
    assert {m["id"] for m in mutants} == set(RUNG)


@pytest.mark.parametrize("mutant", load_mutants(), ids=lambda m: m["id"])
def test_mutant_fails_its_visible_check_at_the_intended_rung(mutant):
    from nnkit.checks import _ladder

    _ladder.reset_session()
    ns = namespace({mutant["cell"]: mutant["source"]})
    for kill in mutant["kills"]:
        name = kill.removeprefix("test_")
        with pytest.raises(CheckFailed) as info:
            run_check(name, ns[name])
        first = info.value.report.splitlines()[0]
        assert RUNG[mutant["id"]] in first, first
        if mutant["id"] in HINT:
            assert HINT[mutant["id"]] in info.value.report, info.value.report


REFERENCE_CALLS = {
    "hidden_units_identical": "from nnkit.propagation import hidden_units_identical as r\n"
                              "    return r(W_in, b_in, W_out, atol)",
    "z_std": "from nnkit.propagation import z_std as r\n    return r(x, weight_std, bias_std)",
    "scaled_normal_init": "from nnkit.init import scaled_normal as r\n    return r(n_in, n_out, rng)",
    "he_normal_init": "from nnkit.init import he_normal as r\n    return r(n_in, n_out, rng)",
    "activation_stds": "from nnkit.propagation import activation_stds as r\n    return r(X, weights, biases, f)",
    "backward_deltas": "from nnkit.propagation import backward_deltas as r\n"
                       "    return r(X, weights, biases, f, f_prime, grad_out)",
}
SIGNATURES = {
    "hidden_units_identical": "W_in, b_in, W_out, atol=1e-12", "z_std": "x, weight_std, bias_std",
    "scaled_normal_init": "n_in, n_out, rng", "he_normal_init": "n_in, n_out, rng",
    "activation_stds": "X, weights, biases, f", "backward_deltas": "X, weights, biases, f, f_prime, grad_out",
}


@pytest.mark.parametrize("name", EXERCISES)
def test_calling_the_nnkit_reference_fails(name):
    src = f"def {name}({SIGNATURES[name]}):\n    {REFERENCE_CALLS[name]}\n"
    ns = namespace({name: src})
    for hidden in (False, True):
        with pytest.raises(CheckFailed, match="uses its own code"):
            run_check(name, ns[name], hidden=hidden, rng=0)


def test_he_from_xavier_rescaled_is_caught_as_a_reference_call():
    """xavier_init is allowed, but he_init is forbidden, and the two kernels must not be chained."""
    src = ("def he_normal_init(n_in, n_out, rng):\n"
           "    from nnkit.init import xavier_normal\n"
           "    W, b = xavier_normal(n_in, n_out, rng)\n"
           "    return W * np.sqrt((n_in + n_out) / n_in), b\n")
    ns = namespace({"he_normal_init": src})
    run_check("he_normal_init", ns["he_normal_init"])  # allowed: the student derived the scale


# --------------------------------------------------------------------------- widget
from nnkit.widgets import ch06_initialization as W  # noqa: E402


def test_layer_signals_shapes_and_determinism():
    s = W.layer_signals("He", "relu", 4, 1.0)
    assert len(s.activations) == len(s.deltas) == 4
    assert all(a.shape == (W.BATCH, W.WIDTH) for a in s.activations)
    s2 = W.layer_signals("He", "relu", 4, 1.0)
    np.testing.assert_array_equal(s.delta_std, s2.delta_std)
    # He keeps ReLU activations' scale; N(0, 1) blows them up
    assert 0.3 < s.activation_std[-1] / s.activation_std[0] < 3
    big = W.layer_signals("N(0, 1)", "relu", 4, 1.0)
    assert big.activation_std[-1] > 100 * big.activation_std[0]
    with pytest.raises(ValueError, match="depth"):
        W.layer_signals("He", "relu", 11, 1.0)


def test_ridge_curves_count_outliers_in_the_edge_bins():
    x, ys = W.ridge_curves([np.array([-5.0, 0.1, 0.2, 5.0]), np.zeros(3)], -1.0, 1.0, bins=4)
    assert x.shape == ys[0].shape == (8,)
    assert ys[0].min() == pytest.approx(1.0) and ys[1].max() == pytest.approx(2.85)
    assert ys[0][0] > 1.0 and ys[0][-1] > 1.0  # -5 and 5 land in the edge bins


def test_student_stds_reports_missing_stub_and_matching_functions():
    s = W.layer_signals("Glorot (Xavier)", "tanh", 5, 1.0)
    act, sa, d, sb = W.student_stds(s, "tanh", namespace={})
    assert act is None and d is None and sa == sb == "not defined yet"
    stub = namespace({n: f"def {n}(*a):\n    raise NotImplementedError()" for n in ("activation_stds", "backward_deltas")})
    act, sa, d, sb = W.student_stds(s, "tanh", namespace=stub)
    assert sa == sb == "not implemented yet"
    ns = namespace()
    act, sa, d, sb = W.student_stds(s, "tanh", namespace=ns)
    np.testing.assert_allclose(act, s.activation_std, rtol=1e-12)
    np.testing.assert_allclose(d, s.delta_std, rtol=1e-12)


def test_explorer_update_reuses_the_figure_and_draws_the_student():
    view = W.InitExplorerView()
    ns = namespace()
    view.update("N(0, 1)", "sigmoid", 10, 1.0, namespace=ns)
    full = view.view.full_redraws
    axes = list(view.view.figure.axes)
    times = []
    for act, init, depth, scale in (("tanh", "Glorot (Xavier)", 10, 0.5), ("relu", "He", 6, 2.0),
                                    ("relu", "zeros", 3, 1.0), ("sigmoid", "N(0, 1/n_in)", 8, 1.5)):
        view.update(init, act, depth, scale, namespace=ns)
        times.append(view.last_update_seconds)
        assert len(view.my_a.get_xdata()) == depth and "match the reference" in view.note.get_text()
        assert sum(line.get_visible() for line in view.a_lines) == depth
    assert view.view.full_redraws == full, "a control change must not redraw the static background"
    assert list(view.view.figure.axes) == axes
    assert min(times) < 0.15  # kernel side; about 30 ms on an idle laptop
    view.update("He", "relu", 4, 1.0, namespace={})
    assert len(view.my_a.get_xdata()) == 0 and "not defined yet" in view.note.get_text()


def test_explorer_widget_builds_and_redraws():
    box = W.init_explorer(init="He", activation="relu")
    before = box.view.view.image.value
    box.controls["scale"].value = 2.0
    assert box.view.view.image.value != before


def test_histogram_grid_has_a_panel_per_pair():
    fig = W.histogram_grid(inits=("He", "zeros"), activations=("relu",), depth=3)
    assert len(fig.axes) == 2
