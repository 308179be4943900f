"""Chapter 05 (dropout): the hint-ladder checks, the dropout explorer's callbacks, and the mutants.

* The solution notebook's functions pass every check, visible and hidden; stubs fail with
  "not implemented yet".
* Typical wrong answers fail at the intended rung, with the diagnosis written for them.
* Calling nnkit's dropout functions is caught (the trap, concepts from course.yml).
* The explorer's numbers, statuses, figure and widget wiring behave as documented, and a redraw
  only moves artists (no new axes).
* In-process replay of ``tests/mutants/05-dropout.yml`` on the solution's cells: the solution
  passes every graded cell and each mutant fails the cells it claims to kill (the nbgrader-based
  runner proves the same through real autograding).
"""

from __future__ import annotations

import contextlib
import importlib
import io
from pathlib import Path

import numpy as np
import pytest
import yaml

from nnkit import checks
from nnkit.checks import CheckFailed
from nnkit.checks import _ladder as ladder_module
from nnkit.network import History

C05 = importlib.import_module("nnkit.checks.ch05_dropout")
W05 = importlib.import_module("nnkit.widgets.ch05_dropout")

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "solutions" / "05-dropout" / "dropout.py"
EXERCISES = ["dropout_forward", "dropout_variance", "dropout_backward", "dropout_gradients",
             "thinned_ensemble_average"]


@pytest.fixture(autouse=True)
def fresh_session():
    """Hints escalate with failures per kernel session: every test starts at the first failure."""
    ladder_module.reset_session()
    yield
    ladder_module.reset_session()


def run(name: str, fn, hidden: bool = False, rng=None) -> tuple[bool, str]:
    """Run a check quietly: (passed, transcript or failure report)."""
    check = getattr(checks, name)
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            check(fn, hidden=True, rng=rng) if hidden else check(fn)
    except CheckFailed as exc:
        return False, str(exc)
    return True, buf.getvalue()


# --------------------------------------------------------------------------- the solution's cells
def _cells():
    import jupytext

    nb = jupytext.read(SOURCE)
    code = [c for c in nb.cells if c.cell_type == "code"]
    by_id = {c.metadata["nbgrader"]["grade_id"]: c for c in code if "nbgrader" in c.metadata}
    solution = [g for g, c in by_id.items() if c.metadata["nbgrader"].get("solution")]
    graded = [g for g, c in by_id.items() if c.metadata["nbgrader"].get("grade")]
    imports = "\n".join(line for line in code[0].source.splitlines() if not line.lstrip().startswith("%"))
    return by_id, solution, graded, imports


def namespace(replace: dict[str, str] | None = None) -> dict:
    """The notebook's imports and solution cells (with replacements), as nbgrader would run them."""
    by_id, solution, _, imports = _cells()
    ns: dict = {"__name__": "__main__"}
    exec(compile(imports, "<imports>", "exec"), ns)
    for gid in solution:
        exec(compile((replace or {}).get(gid, by_id[gid].source), f"<{gid}>", "exec"), ns)
    return ns


def _replace_body(name: str, body: str) -> str:
    """The solution cell of ``name`` with its body replaced by ``body`` (the signature kept)."""
    by_id, *_ = _cells()
    src = by_id[name].source
    head = src[: src.index('    """')]
    return head + "    " + body.replace("\n", "\n    ") + "\n"


def test_the_solution_defines_every_exercise_of_the_manifest():
    from nnkit.course.manifest import load_course

    chapter = load_course(ROOT).chapter("05-dropout")
    coded = [e.id for e in chapter.exercises if not e.manual]
    _, solution, graded, _ = _cells()
    assert coded == EXERCISES
    assert set(EXERCISES) <= set(solution)
    assert {f"test_{e}" for e in EXERCISES} == set(graded)
    assert sum(e.points for e in chapter.exercises) == 12


@pytest.mark.parametrize("name", EXERCISES)
def test_solutions_pass_visible_and_hidden(name):
    ns = namespace()
    ok, text = run(name, ns[name])
    assert ok, text
    assert f"✓ {name} passed all" in text and "✗" not in text
    for seed in (0, 1):
        ok, text = run(name, ns[name], hidden=True, rng=seed)
        assert ok, text
        assert f"✓ {name} passed the hidden tests." in text


def test_checks_are_exported_by_nnkit_checks():
    for name in EXERCISES:
        assert getattr(checks, name) is getattr(C05, name)
    assert not hasattr(C05, "FORBIDDEN")


# --------------------------------------------------------------------------- wrong answers
_FWD = "if not train:\n    return x, None\n"
# (exercise, wrong body, words of the failing rung, words the report must contain)
WRONG = [
    ("dropout_forward", _FWD + "m = (rng.random(x.shape) < keep_prob).astype(float)\nreturn x * m, m",
     "mask entries are 0", "direct dropout"),
    ("dropout_forward", _FWD + "m = (rng.random(x.shape) < keep_prob) * keep_prob\nreturn x * m, m",
     "mask entries are 0", "DIVIDES"),
    ("dropout_forward", _FWD + "m = (rng.random(x.shape) >= keep_prob) / keep_prob\nreturn x * m, m",
     "the same draws as the reference", "1 - keep_prob"),
    ("dropout_forward", _FWD + "m = (np.random.rand(*x.shape) < keep_prob) / keep_prob\nreturn x * m, m",
     "the same draws as the reference", "generator you are given"),
    ("dropout_forward", _FWD + "m = (rng.random(x.shape) < keep_prob) / keep_prob\nreturn x, m",
     "out equals x * mask", "multiplied by its mask"),
    ("dropout_forward", "m = (rng.random(x.shape) < keep_prob) / keep_prob\nreturn x * m, m",
     "test time: train=False returns (x, None)", "does nothing"),
    ("dropout_forward", "m = (rng.random(x.shape) < keep_prob) / keep_prob\nif not train:\n    return x, None\n"
                        "return x * m, m", "test time draws no random numbers", "return before drawing"),
    ("dropout_forward", _FWD + "m = (rng.random(x.shape) < keep_prob) / keep_prob\nreturn x * m",
     "returns a pair (out, mask)", "return both arrays"),
    ("dropout_forward", _FWD + "u = rng.random((x.shape[0], x.shape[1]))\nm = (u < keep_prob) / keep_prob\n"
                        "return x * m, m", "runs without an error", "ValueError"),
    ("dropout_variance", "return x ** 2 * keep_prob * (1 - keep_prob)", "tiny case", "direct dropout"),
    ("dropout_variance", "return x ** 2 / keep_prob", "tiny case", "E[out^2]"),
    ("dropout_variance", "return np.abs(x) * np.sqrt((1 - keep_prob) / keep_prob)", "tiny case",
     "standard deviation"),
    ("dropout_variance", "return x ** 2 * (1 - keep_prob)", "tiny case", "left out a 1/keep_prob"),
    ("dropout_variance", "return x ** 2 * keep_prob / (1 - keep_prob)", "tiny case", "swapped"),
    ("dropout_variance", "return x * (1 - keep_prob) / keep_prob", "tiny case", "SQUARE of x"),
    ("dropout_variance", "return x * np.abs(x) * (1 - keep_prob) / keep_prob", "negative activations", "SQUARE"),
    ("dropout_variance", "return float(np.sum(x ** 2 * (1 - keep_prob) / keep_prob))", "returns a numpy array",
     "numpy array"),
    ("dropout_backward", "if mask is None:\n    return dout\nreturn dout * (mask > 0)", "tiny case",
     "use the mask as it is"),
    ("dropout_backward", "if mask is None:\n    return dout\nreturn dout * mask * mask", "tiny case",
     "multiply by it once"),
    ("dropout_backward", "if mask is None:\n    return np.ones_like(dout)\nreturn mask", "tiny case",
     "gradient arriving from above"),
    ("dropout_backward", "return dout", "tiny case", "no gradient"),
    ("dropout_backward", "return dout * mask", "runs without an error", "TypeError"),
    ("thinned_ensemble_average", "h = sigmoid(X @ W1 + b1)\nreturn sigmoid((h * masks.mean(axis=0)) @ W2 + b2)",
     "three thinned networks", "averaged the masks"),
    ("thinned_ensemble_average", "h = sigmoid(X @ W1 + b1)\n"
                                 "return sigmoid(np.mean([(h * m) @ W2 + b2 for m in masks], axis=0))",
     "three thinned networks", "weighted inputs z"),
    ("thinned_ensemble_average", "h = sigmoid(X @ W1 + b1)\n"
                                 "return np.mean([(h * m) @ W2 + b2 for m in masks], axis=0)",
     "all-ones mask", "the outputs are sigmoid(z)"),
    ("thinned_ensemble_average", "h = sigmoid(X @ W1 + b1)\n"
                                 "return np.sum([sigmoid((h * m) @ W2 + b2) for m in masks], axis=0)",
     "three thinned networks", "divide by K"),
    ("thinned_ensemble_average", "return sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2)", "one thinned network",
     "mask was ignored"),
    ("thinned_ensemble_average", "h = sigmoid(X @ W1 + b1)\n"
                                 "return np.mean([sigmoid((h * (m > 0)) @ W2 + b2) for m in masks], axis=0)",
     "one thinned network", "1 / keep_prob"),
]

_GRAD_HEAD = ("n = X.shape[0]\nh = sigmoid(X @ W1 + b1)\nht = h * mask\na = sigmoid(ht @ W2 + b2)\n"
              "cost = -np.sum(Y * np.log(a) + (1 - Y) * np.log(1 - a)) / n\nd2 = (a - Y) / n\n")
WRONG += [
    ("dropout_gradients", _GRAD_HEAD + "d1 = (d2 @ W2.T) * h * (1 - h)\n"
                                       "return float(cost), (X.T @ d1, d1.sum(axis=0), ht.T @ d2, d2.sum(axis=0))",
     "a dropped hidden unit gets no gradient", "nothing flows back"),
    ("dropout_gradients", _GRAD_HEAD + "d1 = (d2 @ W2.T) * mask * h * (1 - h)\n"
                                       "return float(cost), (X.T @ d1, d1.sum(axis=0), h.T @ d2, d2.sum(axis=0))",
     "a dropped hidden unit gets no gradient", "nothing flows back"),
    ("dropout_gradients", "h = sigmoid(X @ W1 + b1)\na = sigmoid(h @ W2 + b2)\n"
                          "cost = -np.sum(Y * np.log(a) + (1 - Y) * np.log(1 - a))\n"
                          "d1 = ((a - Y) @ W2.T) * mask * h * (1 - h)\n"
                          "return float(cost), (X.T @ d1, d1.sum(axis=0), (h * mask).T @ (a - Y), (a - Y).sum(axis=0))",
     "the cost", "full network"),
    ("dropout_gradients", "h = sigmoid(X @ W1 + b1)\nht = h * mask\na = sigmoid(ht @ W2 + b2)\n"
                          "cost = -np.sum(Y * np.log(a) + (1 - Y) * np.log(1 - a)) / X.shape[0]\nd2 = a - Y\n"
                          "d1 = (d2 @ W2.T) * mask * h * (1 - h)\n"
                          "return float(cost), (X.T @ d1, d1.sum(axis=0), ht.T @ d2, d2.sum(axis=0))",
     "a batch of 4 examples, 2 outputs: the four gradients", "1/N"),
    ("dropout_gradients", "h = sigmoid(X @ W1 + b1)\nht = h * mask\na = sigmoid(ht @ W2 + b2)\n"
                          "cost = -np.sum(Y * np.log(a) + (1 - Y) * np.log(1 - a))\nd2 = a - Y\n"
                          "d1 = (d2 @ W2.T) * mask * h * (1 - h)\n"
                          "return float(cost), (X.T @ d1, d1.sum(axis=0), ht.T @ d2, d2.sum(axis=0))",
     "a batch of 4 examples, 2 outputs: the cost", "MEAN"),
    ("dropout_gradients", _GRAD_HEAD + "d1 = (d2 @ W2.T) * mask * h * (1 - h)\n"
                                       "return float(cost), (X.T @ d1, d1.sum(axis=0), ht.T @ d2)",
     "grads is a tuple (dW1, db1, dW2, db2)", "four gradients"),
    ("dropout_gradients", _GRAD_HEAD + "d1 = (d2 @ W2.T) * mask * h * (1 - h)\n"
                                       "return float(cost), (X.T @ d1, d1, ht.T @ d2, d2.sum(axis=0))",
     "each gradient has the shape of its parameter", "axis=0"),
    ("dropout_gradients", _GRAD_HEAD + "d1 = (d2 @ W2.T) * mask * h\n"
                                       "return float(cost), (X.T @ d1, d1.sum(axis=0), ht.T @ d2, d2.sum(axis=0))",
     "the four gradients", "through the sigmoid"),
]


@pytest.mark.parametrize("case", WRONG, ids=lambda c: f"{c[0]}:{c[1].splitlines()[-1][:40]}")
def test_wrong_answers_fail_at_the_right_rung_with_a_diagnosis(case):
    name, body, rung, words = case
    ns = namespace({name: _replace_body(name, body)})
    ok, text = run(name, ns[name])
    assert not ok, f"passed:\n{text}"
    first = text.splitlines()[0]
    assert rung in first, text
    assert words in " ".join(text.split()), text


def test_hints_escalate_to_the_formula():
    ns = namespace({"dropout_variance": _replace_body("dropout_variance", "return x * 0.0")})
    reports = [run("dropout_variance", ns["dropout_variance"])[1] for _ in range(4)]
    assert "E[out^2] - (E[out])^2" in reports[0] and 'checks.hint("dropout_variance")' in reports[0]
    assert "x**2 * (1 - keep_prob) / keep_prob" in reports[3]
    assert "x**2 * (1 - keep_prob) / keep_prob" not in reports[1]


def test_hidden_tests_use_inputs_the_visible_ladder_never_shows():
    """A function that only knows the visible cases (it answers from a lookup table) fails the hidden tests."""
    good = namespace()["dropout_variance"]
    seen = {}

    def recorder(x, keep_prob):
        seen[(x.tobytes(), keep_prob)] = good(x, keep_prob)
        return seen[(x.tobytes(), keep_prob)]

    assert run("dropout_variance", recorder)[0]

    def memorised(x, keep_prob):
        return seen.get((x.tobytes(), keep_prob), np.zeros_like(x))

    assert run("dropout_variance", memorised)[0]
    ok, text = run("dropout_variance", memorised, hidden=True, rng=5)
    assert not ok and "random case" in text


# --------------------------------------------------------------------------- the trap
def _calls(dotted: str, name: str):
    module, attr = dotted.rsplit(".", 1)
    code = {
        "dropout_forward": f"def dropout_forward(x, keep_prob, rng, train=True):\n"
                           f"    import {module}\n    return {dotted}(x, keep_prob, rng, train)\n",
        "dropout_backward": f"def dropout_backward(dout, mask):\n    import {module}\n    return {dotted}(dout, mask)\n",
        "dropout_variance": f"def dropout_variance(x, keep_prob):\n    import {module}\n    return {dotted}(x, keep_prob)\n",
        "thinned_ensemble_average": f"def thinned_ensemble_average(X, W1, b1, W2, b2, masks):\n    import {module}\n"
                                    f"    return {dotted}(X, W1, b1, W2, b2, masks)\n",
    }[name]
    ns = {"np": np}
    exec(code, ns)
    return ns[name]


@pytest.mark.parametrize("name, dotted", [
    ("dropout_forward", "nnkit.dropout.dropout_forward"),
    ("dropout_backward", "nnkit.dropout.dropout_backward"),
    ("dropout_variance", "nnkit.thinned.dropout_variance"),
    ("thinned_ensemble_average", "nnkit.thinned.thinned_ensemble_average"),
])
@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
def test_calling_the_nnkit_reference_fails(name, dotted, hidden):
    ok, text = run(name, _calls(dotted, name), hidden=hidden, rng=0)
    assert not ok and "its own code" in text, text


def test_gradients_through_nnkit_network_are_caught():
    """A dropout_gradients that lets nnkit's Network do the work reaches the trapped dropout kernel."""
    def dropout_gradients(X, Y, W1, b1, W2, b2, mask):
        from nnkit.network import Network

        net = Network([W1.shape[0], W1.shape[1], W2.shape[1]], init="zeros")
        net.weights[0][...], net.biases[0][...], net.weights[1][...], net.biases[1][...] = W1, b1, W2, b2
        step = net._make_step(X.shape[0], 0.5, np.random.default_rng(0))
        gW, gb = step(X, Y, 1.0 / X.shape[0])
        return 0.0, (gW[0], gb[0], gW[1], gb[1])

    ok, text = run("dropout_gradients", dropout_gradients)
    assert not ok and "its own code" in text, text


def test_references_work_again_after_a_trapped_call():
    from nnkit import dropout, thinned

    x = np.array([[1.0, 2.0]])
    before = dropout.dropout_forward(x, 0.5, np.random.default_rng(0))[1]
    run("dropout_forward", _calls("nnkit.dropout.dropout_forward", "dropout_forward"))
    run("dropout_variance", _calls("nnkit.thinned.dropout_variance", "dropout_variance"))
    np.testing.assert_array_equal(dropout.dropout_forward(x, 0.5, np.random.default_rng(0))[1], before)
    np.testing.assert_allclose(thinned.dropout_variance(x, 0.5), x ** 2)


def test_the_trapped_concepts_come_from_course_yml():
    chapters = {c["id"]: c for c in yaml.safe_load((ROOT / "course.yml").read_text())["chapters"]}
    assert sorted(ladder_module.forbidden_for("dropout_forward")) == sorted(chapters["05-dropout"]["forbidden"])


# --------------------------------------------------------------------------- the explorer
def _histories():
    out = {}
    for i, kp in enumerate((0.25, 0.5, 1.0)):
        h = History()
        h.train_accuracy = list(np.linspace(0.6, 1.0, 12))
        h.validation_accuracy = list(np.linspace(0.6, 0.9 - 0.01 * i, 12))
        out[kp] = h
    return out


UNIT = np.random.default_rng(0).uniform(0.05, 0.95, size=4000)


def test_explore_reference_numbers():
    st = W05.explore(_histories(), UNIT, 0.5, seed=3)
    assert st.student_hist is None and st.student_status == "not passed"
    assert st.hidden_mask.shape == (W05.LAYERS[1],) and set(np.unique(st.hidden_mask)) <= {0.0, 2.0}
    assert st.test_hist.sum() == pytest.approx(1.0) and st.train_hist.sum() == pytest.approx(1.0)
    assert st.test_mean == pytest.approx(UNIT.mean())
    assert st.train_mean == pytest.approx(UNIT.mean(), rel=0.1)            # inverted dropout keeps the mean
    assert 0.4 < st.dropped_fraction < 0.6
    assert st.bins[-1] == pytest.approx(UNIT.max() / 0.25)                  # room for the largest stretch
    again = W05.explore(_histories(), UNIT, 0.5, seed=5)
    assert not np.array_equal(again.hidden_mask, st.hidden_mask) or not np.array_equal(again.train_hist, st.train_hist)


def test_explore_compares_the_student_function():
    good = namespace()["dropout_forward"]
    assert W05.explore(_histories(), UNIT, 0.5, 0, good).student_status == "matches the reference"

    def direct(x, keep_prob, rng, train=True):
        m = (rng.random(x.shape) < keep_prob).astype(float)
        return x * m, m

    st = W05.explore(_histories(), UNIT, 0.5, 0, direct)
    assert st.student_status.startswith("differs") and st.student_hist is not None

    def broken(x, keep_prob, rng, train=True):
        raise ValueError("oops")

    st = W05.explore(_histories(), UNIT, 0.5, 0, broken)
    assert st.student_hist is None and "ValueError" in st.student_status


def test_explorer_widget_finds_the_student_function_when_it_appears():
    ns: dict = {}
    box = W05.dropout_explorer(_histories(), UNIT, namespace=ns)
    assert box.state.student_status == "not defined yet"
    assert "your dropout_forward" in box.readout.value
    ns["dropout_forward"] = namespace()["dropout_forward"]
    box.controls["keep_prob"].value = 0.25
    assert box.state.keep_prob == 0.25 and box.state.student_status == "matches the reference"
    seed = box.seed
    box.sample_again()
    assert box.seed == seed + 2 and box.state.seed == box.seed
    assert box.image.value[:4] == b"\x89PNG"


def test_redraw_moves_artists_only_and_is_fast():
    box = W05.dropout_explorer(_histories(), UNIT, student=None)
    n_axes = len(box.figure.view.figure.axes)
    times = []
    for _ in range(5):
        box.sample_again()
        times.append(box.last_redraw_seconds)
    assert len(box.figure.view.figure.axes) == n_axes
    assert box.figure.view.full_redraws == 1                     # limits never change: cached background
    assert min(times) < 0.05, times                              # kernel side, loaded CI machine: best of 5


def test_explorer_rejects_an_unknown_keep_prob():
    with pytest.raises(ValueError, match="keep_prob"):
        W05.dropout_explorer(_histories(), UNIT, keep_prob=0.3, student=None)
