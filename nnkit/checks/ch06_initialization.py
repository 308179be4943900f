"""Checks for chapter 06, *Weight initialization*.

One check per exercise; each takes the student's function and prints a hint ladder
(see :mod:`nnkit.checks._ladder`)::

    checks.z_std(z_std)               # visible ladder
    checks.z_std(z_std, hidden=True)  # hidden: inputs drawn at grading time vs the nnkit kernel

======================================  =========================================================
hidden_units_identical(W_in, b_in,      are all hidden units copies of unit 0 (incoming column,
W_out, atol)                            bias, outgoing row), within ``atol``? (a bool)
z_std(x, weight_std, bias_std)          std of ``z = w . x + b`` over random weights (a float)
scaled_normal_init(n_in, n_out, rng)    ``(W, b)``: W ~ N(0, 1/n_in) of shape (n_in, n_out), b ~ N(0, 1)
he_normal_init(n_in, n_out, rng)        ``(W, b)``: W ~ N(0, 2/n_in), b = 0
activation_stds(X, weights, biases, f)  std of every layer's activations, shape (L,)
backward_deltas(X, weights, biases,     every layer's delta = dC/dZ for an upstream dC/dA^L
f, f_prime, grad_out)                   (a list of L arrays)
======================================  =========================================================

Oracles are the nnkit kernels (:mod:`nnkit.propagation`, :mod:`nnkit.init`), called outside
the trap. The initialisers are random, so their checks compare *statistics* (shape, use of the
given generator, mean, standard deviation, the Gaussian's share within one standard deviation)
with stated tolerances that a right answer misses with probability below 1e-9.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnkit import init as _init
from nnkit import propagation as _prop
from nnkit.activations import relu, relu_prime, sigmoid, sigmoid_prime, tanh, tanh_prime

from ._ladder import Ladder, diagnosis_label, fmt

__all__ = [
    "hidden_units_identical",
    "z_std",
    "scaled_normal_init",
    "he_normal_init",
    "activation_stds",
    "backward_deltas",
]


def _identity(z):
    return np.asarray(z, dtype=float)


def _one(z):
    return np.ones_like(np.asarray(z, dtype=float))


_ACTIVATIONS = {"sigmoid": (sigmoid, sigmoid_prime), "tanh": (tanh, tanh_prime),
                "relu": (relu, relu_prime), "linear": (_identity, _one)}


# --------------------------------------------------------------------------- symmetry
def _is_bool(out) -> bool:
    return isinstance(out, (bool, np.bool_))


def hidden_units_identical(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``hidden_units_identical(W_in, b_in, W_out, atol=1e-12) -> bool``.

    Ladder: returns a bool; three copies -> True; a unit differing only in its outgoing weights,
    only in its bias, only in the last unit -> False; columns vs rows of ``W_in``; an absolute
    tolerance (round-off below ``atol`` is still "identical", large weights do not loosen it);
    one hidden unit.
    Hidden: 20 networks drawn at grading time (half symmetric up to round-off, half with one
    entry moved by more than ``atol``) vs :func:`nnkit.propagation.hidden_units_identical`.
    """
    lad = Ladder("hidden_units_identical", student, hidden=hidden)
    names = ("W_in", "b_in", "W_out", "atol")
    ref = _prop.hidden_units_identical
    if hidden:
        def draw(g):
            D, H, C = (int(v) for v in g.integers(1, 9, size=3))
            H += 1
            atol = float(10.0 ** g.uniform(-12, -4))
            W_in = np.tile(g.normal(size=(D, 1)), (1, H))
            b_in = np.full(H, g.normal())
            W_out = np.tile(g.normal(size=(1, C)), (H, 1))
            arrays = [W_in, b_in, W_out]
            for A in arrays:  # round-off: well inside atol
                A += g.uniform(-0.3, 0.3, size=A.shape) * atol
            if g.random() < 0.5:
                A = arrays[int(g.integers(0, 3))]
                idx = tuple(int(g.integers(0, s)) for s in A.shape)
                if A.ndim == 2 and A is W_in:
                    idx = (idx[0], int(g.integers(1, H)))
                elif A is W_out:
                    idx = (int(g.integers(1, H)), idx[1])
                else:
                    idx = (int(g.integers(1, H)),)
                A[idx] += g.choice([-1.0, 1.0]) * atol * g.uniform(3, 1e4)
            return W_in, b_in, W_out, atol

        def compare(got, expected, args):
            if not _is_bool(got):
                return f"return True or False, got {type(got).__name__}"
            if bool(got) != expected:
                return "your function disagrees with nnkit's hidden_units_identical on these weights"
            return None

        lad.compare_random(draw, ref, reference_name="nnkit.propagation.hidden_units_identical", names=names,
                           rng=rng, compare=compare, tolerance="the same True/False")
        return lad.passed()

    def run(W_in, b_in, W_out, atol, step, hint, mistake=None):
        shown = dict(zip(names, (W_in, b_in, W_out, atol)))
        out = lad.call(W_in, b_in, W_out, atol, inputs=shown)
        if not _is_bool(out):
            lad.fail("returns True or False", inputs=shown, expected="a bool", got=fmt(out) if out is not None else "None",
                     hint=("the answer is a yes/no question: return a bool",
                           "combine the comparisons with `and`; np.all(...) gives a numpy bool, which is fine"))
        lad.ok("returns True or False")
        expected = ref(W_in, b_in, W_out, atol)
        if bool(out) != expected:
            lad.fail(step, inputs=shown, expected=expected, got=bool(out), hint=mistake or hint,
                     diagnosis=diagnosis_label(mistake))
        lad.ok(step)

    W_in = np.array([[0.5, 0.5, 0.5], [-1.0, -1.0, -1.0]])
    b_in = np.array([0.1, 0.1, 0.1])
    W_out = np.array([[2.0, -3.0], [2.0, -3.0], [2.0, -3.0]])
    run(W_in, b_in, W_out, 1e-12, "tiny case: three copies of one unit (D = 2, H = 3, C = 2) -> True",
        ("hidden unit j is column j of W_in, entry j of b_in and row j of W_out",
         "here every column of W_in is [0.5, -1], every bias 0.1, every row of W_out [2, -3]"))

    W_out2 = W_out.copy()
    W_out2[1] = [2.0, -2.0]
    run(W_in, b_in, W_out2, 1e-12, "unit 1 differs only in its OUTGOING weights -> False",
        ("a hidden unit is also what it sends on: its row of W_out",
         "two units with the same inputs but different rows of W_out get different gradients",
         "compare W_out[j, :] with W_out[0, :] for every j, as well as W_in[:, j] and b_in[j]"))

    b_in2 = b_in.copy()
    b_in2[1] = 0.0
    run(W_in, b_in2, W_out, 1e-12, "unit 1 differs only in its bias -> False",
        ("the bias is part of the unit", "compare b_in[j] with b_in[0] too"))

    W_in3 = np.array([[0.5, 0.5, 0.5, 0.5], [1.0, 1.0, 1.0, 1.5]])
    run(W_in3, np.zeros(4), np.ones((4, 1)), 1e-12,
        "the LAST of four units differs (in W_in) -> False",
        ("every unit must be compared, not only the first two",
         "loop over all H units (or compare the whole array with its first column at once)"))

    W_rows = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])  # identical COLUMNS, different rows
    run(W_rows, b_in, W_out, 1e-12, "columns vs rows: W_in's columns agree, its rows do not -> True",
        ("W_in has shape (D, H): unit j's incoming weights are the COLUMN W_in[:, j]",
         "you compared rows (inputs) instead of columns (units)"))
    W_cols = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])  # identical rows, different columns
    run(W_cols, b_in, W_out, 1e-12, "columns vs rows: W_in's rows agree, its columns do not -> False",
        ("W_in has shape (D, H): unit j's incoming weights are the COLUMN W_in[:, j]",
         "you compared rows (inputs) instead of columns (units)"))

    noise = np.array([[0.0, 3e-14, -2e-14], [1e-14, 0.0, 4e-14]])
    run(W_in + noise, b_in, W_out, 1e-12, "round-off of 4e-14 with atol = 1e-12 -> True",
        ("after training, copies can differ by round-off: compare within atol, not with ==",
         "np.all(np.abs(W_in - W_in[:, :1]) <= atol) and the same for b_in and W_out"))
    run(W_in + 1e-6 * np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]), b_in, W_out, 1e-5,
        "a difference of 1e-6 with atol = 1e-5 -> True (use the atol you are given)",
        "compare with the atol argument, not a fixed tolerance")
    big_in, big_b = 1000.0 * W_in, np.array([500.0, 500.0, 500.001])
    run(big_in, big_b, W_out, 1e-6, "large weights: biases 500 and 500.001 with atol = 1e-6 -> False",
        ("atol is an ABSOLUTE tolerance: |difference| <= atol",
         "np.allclose/np.isclose add a relative tolerance (rtol = 1e-5 of 500 is 0.005): use "
         "np.abs(...) <= atol, or np.allclose(..., rtol=0, atol=atol)"))
    run(np.array([[0.3], [0.7]]), np.array([0.2]), np.array([[1.0, -1.0]]), 1e-12,
        "edge case: one hidden unit -> True", "a single unit is trivially a copy of itself")
    lad.passed()


# --------------------------------------------------------------------------- the std of z
def z_std(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``z_std(x, weight_std, bias_std) = sqrt(weight_std^2 sum_j x_j^2 + bias_std^2)``.

    Ladder: returns a number; a 3-input pattern by hand; the book's 1000 inputs with 500 on
    (22.4 and 1.22); real-valued inputs (x_j^2, not x_j or |x_j|); standard deviations, not
    variances, as arguments; weights of zero; agreement with sampling.
    Hidden: 20 input patterns and standard deviations drawn at grading time vs
    :func:`nnkit.propagation.z_std`, ``rtol=1e-9``.
    """
    lad = Ladder("z_std", student, hidden=hidden)
    names = ("x", "weight_std", "bias_std")
    ref = _prop.z_std
    if hidden:
        def draw(g):
            D = int(g.integers(1, 2001))
            x = (g.random(D) < g.random()).astype(float) if g.random() < 0.5 else g.normal(0, 2, size=D)
            return x, float(g.uniform(0, 2)), float(g.uniform(0, 2))

        lad.compare_random(draw, ref, reference_name="nnkit.propagation.z_std", names=names,
                           rtol=1e-9, atol=1e-12, rng=rng, label="(up to 2000 inputs)")
        return lad.passed()

    def case(x, sw, sb, step, hint, mistakes=()):
        shown = dict(zip(names, (x, sw, sb)))
        got = lad.number(lad.call(x, sw, sb, inputs=shown))
        lad.close(got, ref(x, sw, sb), step, inputs=shown, rtol=1e-9, hint=hint, mistakes=mistakes)

    x = np.array([1.0, 0.0, 1.0])
    S = 2.0  # sum of x_j^2
    case(x, 1.0, 1.0, "tiny case: x = [1, 0, 1], weight_std = bias_std = 1",
         ("z is a sum of independent zero-mean terms w_j x_j and b: their VARIANCES add",
          "Var(w_j x_j) = x_j^2 Var(w_j); the input that is 0 contributes nothing",
          "std(z) = sqrt(weight_std^2 * sum(x**2) + bias_std^2) = sqrt(1 + 0 + 1 + 1) = sqrt(3)"),
         mistakes=[(3.0, "that is the variance: take the square root to get the standard deviation"),
                   (np.sqrt(S), "you left out the bias: b is a random term of z too"),
                   (2.0, "the inputs that are 0 add nothing: only sum over x_j^2, and add the bias once"),
                   (S * 1.0 + 1.0, "standard deviations do not add; variances of independent terms do")])

    x = np.r_[np.ones(500), np.zeros(500)]
    case(x, 1.0, 1.0, "the book's example: 1000 inputs, 500 of them 1, N(0, 1) weights and bias (about 22.4)",
         ("500 weights meet a 1 and 500 meet a 0", "Var(z) = 500 * 1 + 1 = 501"),
         mistakes=[(np.sqrt(1001.0), "the 500 inputs that are 0 contribute nothing to z"),
                   (501.0, "that is the variance: the standard deviation is its square root")])
    case(x, 1 / np.sqrt(1000), 1.0, "the book's example with weight_std = 1/sqrt(1000) (about 1.22)",
         ("weight_std is a standard deviation: its variance is weight_std**2 = 1/1000",
          "Var(z) = 500 / 1000 + 1 = 3/2"),
         mistakes=[(np.sqrt(500 / np.sqrt(1000) + 1.0),
                    "weight_std is a standard deviation: square it to get the variance 1/1000")])

    x = np.array([2.0, -1.0, 0.5, 0.0])
    case(x, 0.5, 0.0, "real-valued inputs x = [2, -1, 0.5, 0], weight_std = 0.5, bias_std = 0",
         ("an input of 2 scales its term w_j x_j by 2, so its variance by 4",
          "Var(w_j x_j) = x_j^2 weight_std^2: square the inputs, do not just add them up"),
         mistakes=[(0.5 * np.sqrt(abs(np.sum(x))), "square each input: sum(x**2), not sum(x)"),
                   (0.5 * np.sqrt(np.sum(np.abs(x))), "square each input: sum(x**2), not sum(|x|)"),
                   (0.5 * np.sqrt(np.count_nonzero(x)), "the inputs are not all 0 or 1 here: use x_j^2")])
    case(np.array([1.0, 1.0]), 2.0, 3.0, "standard deviations as arguments: weight_std = 2, bias_std = 3",
         ("square both standard deviations before adding variances",
          "Var(z) = 2^2 * 2 + 3^2 = 17"),
         mistakes=[(np.sqrt(2.0 * 2 + 3.0), "weight_std and bias_std are standard deviations: square them")])
    case(np.ones(7), 0.0, 0.25, "edge case: weight_std = 0 leaves only the bias", "std(z) = bias_std")

    g = np.random.default_rng(6)
    x = (g.random(300) < 0.3).astype(float)
    got = lad.number(lad.call(x, 0.2, 0.5, inputs=dict(zip(names, (x, 0.2, 0.5)))))
    z = g.normal(0, 0.2, size=(20000, 300)) @ x + g.normal(0, 0.5, size=20000)
    sampled = float(np.std(z))
    lad.check(abs(got - sampled) <= 0.03 * sampled,
              f"agrees with 20000 sampled neurons (sampled std {sampled:.4f}, 3% tolerance)",
              expected=sampled, got=got, hint="compare your formula with np.std of sampled z = W @ x + b")
    lad.passed()


# --------------------------------------------------------------------------- initialisers
def _gaussian_share(W) -> float:
    """Share of the entries within one standard deviation of 0 (0.683 for a Gaussian)."""
    s = float(np.std(W))
    return float(np.mean(np.abs(W) <= s)) if s > 0 else 1.0


def _init_problem(got, n_in, n_out, want_w_std, want_b_std, label):
    """Why ``got`` is not a draw of the initialiser (None if it looks right). Tolerances in the docstrings."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return f"return a pair (W, b), got {type(got).__name__}"
    W, b = (np.asarray(v) for v in got)
    if W.shape != (n_in, n_out) or b.shape != (n_out,):
        return f"W must have shape {(n_in, n_out)} and b shape {(n_out,)}, got {W.shape} and {b.shape}"
    W = W.astype(float)
    b = b.astype(float)
    M = W.size
    sw = float(np.std(W))
    if abs(float(np.mean(W))) > 6 * want_w_std / np.sqrt(M) + 1e-300:
        return f"the weights should have mean 0, their mean is {np.mean(W):.4g}"
    if not abs(sw / want_w_std - 1) <= max(0.05, 7 / np.sqrt(2 * M)):
        return (f"std of W is {sw:.4g}; {label} needs {want_w_std:.4g} "
                f"(ratio {sw / want_w_std:.3f})")
    share = _gaussian_share(W)
    if M >= 2000 and not abs(share - 0.6827) <= max(0.03, 7 * 0.47 / np.sqrt(M)):
        return (f"{share:.1%} of the weights lie within one standard deviation of 0; a Gaussian has "
                f"68.3% (a uniform 57.7%): draw from a normal distribution")
    if want_b_std == 0:
        if np.any(b != 0):
            return "the biases should all be exactly 0"
    else:
        sb = float(np.std(b))
        if not abs(sb / want_b_std - 1) <= max(0.1, 7 / np.sqrt(2 * n_out)):
            return f"std of b is {sb:.4g}; {label} needs {want_b_std:.4g}"
    return None


def _init_ladder(lad: Ladder, w_std: Callable[[int, int], float], b_std: float, label: str, hints: dict,
                 mistakes: Callable[[int, int], list]) -> None:

    def call(n_in, n_out, seed):
        g = np.random.default_rng(seed)
        return lad.call(n_in, n_out, g, inputs={"n_in": n_in, "n_out": n_out, "rng": f"np.random.default_rng({seed})"})

    out = call(3, 2, 0)
    W, b = lad.pair(out, ("W", "b"))
    if not isinstance(W, np.ndarray) or not isinstance(b, np.ndarray):
        lad.fail("returns numpy arrays", expected="W and b as numpy arrays", got=f"{type(W).__name__} and {type(b).__name__}",
                 hint="draw them with rng.normal(...) or rng.standard_normal(...), which return arrays")
    lad.ok("returns numpy arrays")
    if W.shape != (3, 2):
        lad.fail("W has shape (n_in, n_out) = (3, 2)", expected="shape (3, 2)", got=f"shape {W.shape}",
                 hint=("a layer computes z = x @ W + b for a row x of n_in inputs",
                       "so W has one row per input and one column per neuron: shape (n_in, n_out)"))
    lad.ok("W has shape (n_in, n_out) = (3, 2)")
    if b.shape != (2,):
        lad.fail("b has shape (n_out,) = (2,)", expected="shape (2,)", got=f"shape {b.shape}",
                 hint="one bias per neuron of the layer: a 1-D array of length n_out")
    lad.ok("b has shape (n_out,) = (2,)")

    W1, b1 = call(40, 30, 11)
    W2, b2 = call(40, 30, 11)
    W3, b3 = call(40, 30, 12)
    same = np.array_equal(W1, W2) and np.array_equal(b1, b2)
    if not same:
        lad.fail("uses the generator it is given (same seed, same weights)",
                 got="two calls with np.random.default_rng(11) gave different weights",
                 hint=("draw every random number from `rng`, the Generator passed in",
                       "np.random.randn / np.random.normal use numpy's global state, not rng: "
                       "write rng.normal(...) or rng.standard_normal(...)"))
    if np.array_equal(W1, W3):
        lad.fail("uses the generator it is given (another seed, other weights)",
                 got="np.random.default_rng(11) and np.random.default_rng(12) gave the same weights",
                 hint=("draw from the `rng` argument; do not create your own generator with a fixed seed",))
    lad.ok("uses the generator it is given (same seed, same weights; other seed, other weights)")

    for n_in, n_out, what in ((400, 300, "W"), (250, 4000, "b")):
        W, b = (np.asarray(v, dtype=float) for v in call(n_in, n_out, 7 + n_in))
        if W.shape != (n_in, n_out) or b.shape != (n_out,):
            lad.fail(f"shapes for n_in = {n_in}, n_out = {n_out}", expected=f"{(n_in, n_out)} and {(n_out,)}",
                     got=f"{W.shape} and {b.shape}", hint="W is (n_in, n_out), b is (n_out,)")
        want = w_std(n_in, n_out)
        sw = float(np.std(W))
        if what == "W":
            step = f"std of W for n_in = {n_in}, n_out = {n_out} is {want:.4g} (within 5%)"
            if not abs(sw / want - 1) <= 0.05:
                why = hints["w"]
                for value, text in mistakes(n_in, n_out):
                    if value > 0 and abs(sw / value - 1) <= 0.05:
                        why = text
                        break
                lad.fail(step, inputs={"n_in": n_in, "n_out": n_out}, expected=want, got=f"std of your W: {sw:.4g}",
                         hint=why)
            lad.ok(step)
            mean = float(np.mean(W))
            lad.check(abs(mean) <= 6 * want / np.sqrt(W.size), "mean of W is 0 (within 6 standard errors)",
                      expected=0.0, got=mean, hint="zero-mean weights: rng.normal(0.0, std, size=...)")
            share = _gaussian_share(W)
            lad.check(abs(share - 0.6827) <= 0.03,
                      "W is Gaussian: 68% of the weights within one standard deviation (within 3 points)",
                      expected="68.3%", got=f"{share:.1%}",
                      hint=("a uniform distribution with the same variance has only 57.7% there",
                            "use rng.normal / rng.standard_normal, not rng.uniform"))
        else:
            if b_std == 0:
                lad.check(not np.any(b), "all biases are 0", expected="np.zeros(n_out)", got=b,
                          hint=hints["b"])
            else:
                sb = float(np.std(b))
                lad.check(abs(sb / b_std - 1) <= 0.06 and abs(float(np.mean(b))) <= 6 * b_std / np.sqrt(n_out),
                          f"b ~ N(0, {b_std:g}) (std within 6%, n_out = {n_out})", expected=f"std {b_std:g}",
                          got=f"std {sb:.4g}, mean {np.mean(b):.3g}", hint=hints["b"])


def _init_hidden(lad: Ladder, reference, reference_name, w_std, b_std, label, rng):
    def draw(g):
        n_in, n_out = int(g.integers(20, 801)), int(g.integers(200, 601))
        return n_in, n_out, np.random.default_rng(int(g.integers(2**63)))

    def ref(n_in, n_out, g):
        return reference(n_in, n_out, np.random.default_rng(int(g.integers(2**63))))

    def compare(got, expected, args):
        n_in, n_out, _ = args
        problem = _init_problem(got, n_in, n_out, w_std(n_in, n_out), b_std, label)
        if problem is None and expected is not None:  # sanity: the reference meets the same test
            assert _init_problem(expected, n_in, n_out, w_std(n_in, n_out), b_std, label) is None
        return problem

    lad.compare_random(draw, ref, reference_name=reference_name, names=("n_in", "n_out", "rng"), rng=rng,
                       compare=compare, trials=10,
                       tolerance=("shapes exact; mean of W within 6 standard errors of 0; std of W within 5%; "
                                  "68.3% +- 3 points of W within one std; b as stated"),
                       label="(n_in 20-800, n_out 200-600: the statistics of a draw)")


def scaled_normal_init(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``scaled_normal_init(n_in, n_out, rng) -> (W, b)``, W ~ N(0, 1/n_in), b ~ N(0, 1).

    Ladder: a pair of arrays; shapes (n_in, n_out) and (n_out,); draws from the given generator
    (same seed -> same arrays, other seed -> other arrays); std of W within 5% of
    1/sqrt(n_in) for 120,000 weights (diagnosed: 1/n_in, 1/sqrt(n_out), 1); mean 0; Gaussian
    (68.3% +- 3 points within one std); b ~ N(0, 1) (std within 6% for 4000 biases).
    Hidden: 10 layer sizes drawn at grading time; the statistics of the draw agree with
    :func:`nnkit.init.scaled_normal` (tolerances above; a right answer fails with probability < 1e-9).
    """
    lad = Ladder("scaled_normal_init", student, hidden=hidden)

    def w_std(n_in, n_out):
        return 1 / np.sqrt(n_in)

    if hidden:
        _init_hidden(lad, _init.scaled_normal, "nnkit.init.scaled_normal", w_std, 1.0, "N(0, 1/n_in)", rng)
        return lad.passed()
    _init_ladder(
        lad, w_std, 1.0, "N(0, 1/n_in)",
        hints={"w": ("the VARIANCE of each weight is 1/n_in", "its standard deviation is 1/sqrt(n_in)",
                     "W = rng.normal(0.0, 1 / np.sqrt(n_in), size=(n_in, n_out))"),
               "b": ("the biases stay N(0, 1), as in the book (see the written question)",
                     "b = rng.standard_normal(n_out)")},
        mistakes=lambda n_in, n_out: [
            (1 / n_in, "1/n_in is the variance; numpy's `scale` is the standard deviation 1/sqrt(n_in)"),
            (1 / np.sqrt(n_out), "scale by the number of INPUTS of a neuron, n_in, not by n_out"),
            (1.0, "the weights are not scaled: divide the standard normal draws by sqrt(n_in)"),
            (np.sqrt(2 / n_in), "that is He's variance 2/n_in; this initialiser uses 1/n_in"),
        ])
    lad.passed()


def he_normal_init(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``he_normal_init(n_in, n_out, rng) -> (W, b)``, W ~ N(0, 2/n_in), b = 0.

    Ladder as :func:`scaled_normal_init` (std of W within 5% of sqrt(2/n_in) for n_in = 400,
    n_out = 300; diagnosed: 1/n_in, 2/(n_in + n_out) (Glorot), 2/n_in as a std, 1/sqrt(n_in));
    biases exactly 0.
    Hidden: 10 layer sizes drawn at grading time vs the statistics of :func:`nnkit.init.he_normal`.
    """
    lad = Ladder("he_normal_init", student, hidden=hidden)

    def w_std(n_in, n_out):
        return np.sqrt(2.0 / n_in)

    if hidden:
        _init_hidden(lad, _init.he_normal, "nnkit.init.he_normal", w_std, 0.0, "He, N(0, 2/n_in)", rng)
        return lad.passed()
    _init_ladder(
        lad, w_std, 0.0, "He, N(0, 2/n_in)",
        hints={"w": ("a ReLU passes on only half of the second moment of its input: E[relu(z)^2] = Var(z)/2",
                     "to keep Var(z) the same from layer to layer, n_in * Var(w) * 1/2 = 1",
                     "Var(w) = 2/n_in: W = rng.normal(0.0, np.sqrt(2 / n_in), size=(n_in, n_out))"),
               "b": ("He initialisation starts the biases at 0", "b = np.zeros(n_out)")},
        mistakes=lambda n_in, n_out: [
            (1 / np.sqrt(n_in), "that is variance 1/n_in: a ReLU halves the second moment, so double it"),
            (np.sqrt(2 / (n_in + n_out)), "that is Glorot's 2/(n_in + n_out), meant for tanh; for ReLU use 2/n_in"),
            (2 / n_in, "2/n_in is the variance; numpy's `scale` is the standard deviation sqrt(2/n_in)"),
            (np.sqrt(2 / n_out), "scale by the number of INPUTS of a neuron, n_in, not by n_out"),
        ])
    lad.passed()


# --------------------------------------------------------------------------- through the layers
def _stack(g, sizes, w_scale=1.0, b_scale=0.3):
    Ws = [g.normal(0, w_scale / np.sqrt(a), size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [g.normal(0, b_scale, size=b) for b in sizes[1:]]
    return Ws, bs


def _random_stack(g):
    L = int(g.integers(1, 7))
    sizes = [int(v) for v in g.integers(1, 13, size=L + 1)]
    N = int(g.integers(1, 30))
    Ws, bs = _stack(g, sizes, w_scale=float(g.uniform(0.3, 3.0)), b_scale=float(g.uniform(0, 1)))
    name = str(g.choice(sorted(_ACTIVATIONS)))
    return g.normal(0, 1.5, size=(N, sizes[0])), Ws, bs, name


def activation_stds(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``activation_stds(X, weights, biases, f) -> ndarray (L,)``: np.std of every layer's A.

    Ladder: an array of one entry per layer; one linear layer (std of X @ W + b, all entries,
    ddof 0); the given activation and biases used; two tanh layers (diagnosed: std of Z instead
    of A, the input X included, ddof=1, per-unit stds averaged); ten ReLU layers.
    Hidden: 20 stacks drawn at grading time (1-6 layers, widths 1-12, sigmoid/tanh/relu/linear)
    vs :func:`nnkit.propagation.activation_stds`, ``rtol=1e-9``.
    """
    lad = Ladder("activation_stds", student, hidden=hidden)
    names = ("X", "weights", "biases", "f")
    if hidden:
        def draw(g):
            X, Ws, bs, name = _random_stack(g)
            return X, Ws, bs, _ACTIVATIONS[name][0]

        def ref(X, Ws, bs, f):
            return _prop.activation_stds(X, Ws, bs, f)

        lad.compare_random(draw, ref, reference_name="nnkit.propagation.activation_stds", names=names,
                           rtol=1e-9, atol=1e-12, rng=rng, label="(1-6 layers, 4 activations)")
        return lad.passed()

    def case(X, Ws, bs, f, fname, step, hint, mistakes=()):
        shown = {"X": X, "weights": Ws, "biases": bs, "f": fname}
        out = lad.array(lad.call(X, [w.copy() for w in Ws], [b.copy() for b in bs], f, inputs=shown), (len(Ws),),
                        hint="one number per layer: a 1-D array of length L = len(weights), "
                             "e.g. np.array([...]) of the per-layer stds")
        lad.close(out, _prop.activation_stds(X, Ws, bs, f), step, inputs=shown, rtol=1e-9, hint=hint,
                  mistakes=mistakes)

    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    W = [np.eye(2)]
    b = [np.zeros(2)]
    case(X, W, b, _identity, "identity", "tiny case: one layer, W = I, b = 0, f = identity (std of X = 1.118)",
         ("with W = I, b = 0 and f(z) = z, the layer's activations are X itself",
          "np.std over ALL entries of the (N, n) array: np.std([[1, 2], [3, 4]]) = 1.118 (ddof = 0)"),
         mistakes=[(np.array([np.std(X, ddof=1)]), "use numpy's default np.std (ddof = 0), not ddof = 1"),
                   (np.array([np.mean(np.std(X, axis=0))]), "one std over all entries of the layer, not per unit then averaged")])

    X = np.array([[1.0, -1.0, 0.5]])
    W = [np.array([[0.5, -1.0], [1.0, 0.5], [2.0, 0.0]])]
    b = [np.array([3.0, -0.5])]
    Z = X @ W[0] + b[0]
    case(X, W, b, np.sin, "np.sin", "one layer with biases and f = np.sin: A = f(X @ W + b)",
         ("use the f you are given, and add the biases", "A = f(X @ weights[0] + biases[0]); return [np.std(A)]"),
         mistakes=[(np.array([np.std(np.sin(X @ W[0]))]), "add the biases: Z = A @ W + b"),
                   (np.array([np.std(Z)]), "apply the activation: the std of A = f(Z), not of Z")])

    g = np.random.default_rng(3)
    X = g.normal(size=(5, 4))
    Ws, bs = _stack(g, [4, 4, 4], w_scale=2.0)
    Zs, As = _prop.deep_forward(X, Ws, bs, tanh)
    case(X, Ws, bs, tanh, "tanh", "two tanh layers: layer 2 takes layer 1's activations as input",
         ("A^0 = X, then for every layer A^l = f(A^{l-1} W^l + b^l)",
          "feed each layer's activations (not X, not Z) into the next layer; return one std per layer"),
         mistakes=[(np.array([np.std(Z) for Z in Zs]), "the std of the activations A^l = f(Z^l), not of Z^l"),
                   (np.array([np.std(As[0]), np.std(tanh(Zs[0] @ Ws[1] + bs[1]))]),
                    "layer 2's input is layer 1's activation A^1 = f(Z^1), not Z^1"),
                   (np.array([np.std(A, ddof=1) for A in As]), "use np.std with its default ddof = 0"),
                   (np.array([np.mean(np.std(A, axis=0)) for A in As]),
                    "one std over all entries of each layer, not per unit then averaged")])

    X = g.normal(size=(50, 30))
    Ws, bs = _stack(g, [30] * 11, w_scale=np.sqrt(2.0), b_scale=0.0)
    case(X, Ws, bs, relu, "relu", "ten ReLU layers (He-scaled weights)",
         "loop over all L layers; return an array of L stds (not including X)")
    lad.passed()


def backward_deltas(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``backward_deltas(X, weights, biases, f, f_prime, grad_out) -> list of L arrays``.

    Ladder: a list of L arrays of shapes (N, n_l), first layer first; one linear layer
    (delta = grad_out); one sigmoid layer (delta = grad_out * f'(Z), not f'(A)); two layers
    (diagnosed: W not transposed, the wrong layer's W, f' missing in the hidden layer, the list
    reversed); a gradient check of every layer (dC/dW^l = A^{l-1 T} delta^l for
    C = sum(grad_out * A^L) by centred differences).
    Hidden: 20 stacks drawn at grading time vs :func:`nnkit.propagation.backward_deltas`,
    ``rtol=1e-9`` on every layer.
    """
    lad = Ladder("backward_deltas", student, hidden=hidden)
    names = ("X", "weights", "biases", "f", "f_prime", "grad_out")
    if hidden:
        def draw(g):
            X, Ws, bs, name = _random_stack(g)
            f, fp = _ACTIVATIONS[name]
            return X, Ws, bs, f, fp, g.normal(size=(X.shape[0], Ws[-1].shape[1]))

        def compare(got, expected, args):
            if not isinstance(got, (list, tuple)) or len(got) != len(expected):
                return f"return a list of {len(expected)} arrays (one per layer), got {type(got).__name__}"
            for l, (d, e) in enumerate(zip(got, expected)):
                d = np.asarray(d, dtype=float)
                if d.shape != e.shape:
                    return f"deltas[{l}] has shape {d.shape}, expected {e.shape}"
                if not np.all(np.abs(d - e) <= 1e-12 + 1e-9 * np.abs(e)):
                    return f"deltas[{l}] disagrees with nnkit.propagation.backward_deltas"
            return None

        lad.compare_random(draw, _prop.backward_deltas, reference_name="nnkit.propagation.backward_deltas",
                           names=names, rng=rng, compare=compare,
                           tolerance="|student - reference| <= 1e-12 + 1e-9 * |reference| in every layer",
                           label="(1-6 layers, 4 activations)")
        return lad.passed()

    def run(X, Ws, bs, fname, G, step, hint, mistakes=()):
        f, fp = _ACTIVATIONS[fname] if fname in _ACTIVATIONS else (np.sin, np.cos)
        shown = {"X": X, "weights": Ws, "biases": bs, "f": fname, "f_prime": f"{fname}'", "grad_out": G}
        out = lad.call(X, [w.copy() for w in Ws], [b.copy() for b in bs], f, fp, G, inputs=shown)
        L = len(Ws)
        if not isinstance(out, (list, tuple)) or len(out) != L:
            lad.fail(f"returns a list of L = {L} arrays", inputs=shown, expected=f"a list of {L} arrays",
                     got=(f"{type(out).__name__} of length {len(out)}" if isinstance(out, (list, tuple))
                          else type(out).__name__),
                     hint=("one delta per layer, first layer first: [delta^1, ..., delta^L]",
                           "build the list backwards from the last layer, then return it in layer order"))
        lad.ok("returns a list with one array per layer")
        expected = _prop.backward_deltas(X, Ws, bs, f, fp, G)
        for l, (d, e) in enumerate(zip(out, expected)):
            if not isinstance(d, np.ndarray) or d.shape != e.shape:
                lad.fail(f"deltas[{l}] has shape (N, n_{l + 1}) = {e.shape}", inputs=shown, expected=f"shape {e.shape}",
                         got=(f"shape {d.shape}" if isinstance(d, np.ndarray) else type(d).__name__),
                         hint=("delta^l has the shape of Z^l: one row per example, one column per unit of layer l",
                               "the list must be in layer order: deltas[0] belongs to the first layer"))
        lad.ok("every delta has the shape of its layer's Z")
        got = [np.asarray(d, dtype=float) for d in out]
        diagnosis = hint
        for wrong, why in mistakes:  # a typical mistake explains every layer at once
            if all(np.shape(w) == g.shape and np.allclose(g, w, rtol=1e-9, atol=1e-13) for w, g in zip(wrong, got)):
                diagnosis = why
                break
        for l, (d, e) in enumerate(zip(got, expected)):
            lad.close(d, e, f"{step}: deltas[{l}]", inputs=shown, rtol=1e-9, atol=1e-13, hint=diagnosis)
        return got

    G = np.array([[1.0, -2.0]])
    X = np.array([[0.5, 1.0, -1.0]])
    W = [np.array([[1.0, 0.0], [0.5, -1.0], [0.0, 2.0]])]
    b = [np.array([0.1, -0.2])]
    run(X, W, b, "linear", G, "tiny case: one layer with f(z) = z: delta = grad_out",
        ("with f(z) = z, f'(z) = 1, so dC/dZ = dC/dA", "return [grad_out * f_prime(Z)] with Z = X @ W + b"))

    Z = X @ W[0] + b[0]
    run(X, W, b, "sigmoid", G, "one sigmoid layer: delta = grad_out * f'(Z)",
        ("the chain rule through A = f(Z): dC/dZ = dC/dA * f'(Z), elementwise",
         "delta^L = grad_out * f_prime(Z^L), with Z^L = A^{L-1} @ W^L + b^L"),
        mistakes=[([G], "multiply by f'(Z): delta = grad_out * f_prime(Z)"),
                  ([G * sigmoid_prime(sigmoid(Z))], "f_prime takes the pre-activation Z, not the activation A = f(Z)"),
                  ([G * sigmoid_prime(X @ W[0])], "Z includes the bias: Z = X @ W + b")])

    g = np.random.default_rng(8)
    X = g.normal(size=(4, 3))
    Ws, bs = _stack(g, [3, 3, 3], w_scale=1.5)
    G = g.normal(size=(4, 3))
    Zs, As = _prop.deep_forward(X, Ws, bs, tanh)
    dL = G * tanh_prime(Zs[1])
    right1 = (dL @ Ws[1].T) * tanh_prime(Zs[0])
    run(X, Ws, bs, "tanh", G, "two tanh layers (3 units each): delta^1 = (delta^2 W^2 transposed) * f'(Z^1)",
        ("the error of layer l comes from layer l+1 through the weights that connect them",
         "Z^2 = A^1 W^2 + b^2, so dC/dA^1 = delta^2 @ W^2.T, then times f'(Z^1)",
         "delta^l = (delta^{l+1} @ weights[l+1].T) * f_prime(Z^l), for l from L-1 down to 1"),
        mistakes=[([(dL @ Ws[1]) * tanh_prime(Zs[0]), dL], "transpose the weights going backwards: delta^2 @ W^2.T"),
                  ([(dL @ Ws[0].T) * tanh_prime(Zs[0]), dL],
                   "delta^l uses W^{l+1}, the weights of the layer ABOVE (weights[l+1] in 0-based Python)"),
                  ([dL @ Ws[1].T, dL], "multiply by f'(Z^l) in every layer, not only in the last one"),
                  ([dL, right1], "return the list in layer order: deltas[0] is the first layer's"),
                  ([(dL @ Ws[1].T) * tanh_prime(As[0]), dL], "f_prime takes Z^l, not A^l")])

    X = g.normal(size=(3, 4))
    Ws, bs = _stack(g, [4, 5, 3, 2], w_scale=1.2)
    G = g.normal(size=(3, 2))
    deltas = run(X, Ws, bs, "sigmoid", G, "three sigmoid layers of widths 5, 3, 2",
                 "loop from the last layer down to the first, carrying delta backwards")
    _, As = _prop.deep_forward(X, Ws, bs, sigmoid)
    inputs = [X] + As[:-1]
    for l in range(len(Ws)):
        def cost(Wl, l=l):
            W2 = list(Ws)
            W2[l] = Wl
            return float(np.sum(G * _prop.deep_forward(X, W2, bs, sigmoid)[1][-1]))

        lad.gradient(cost, Ws[l], inputs[l].T @ deltas[l],
                     f"gradient: A^{l} transposed @ your delta^{l + 1} = dC/dW^{l + 1} by finite differences",
                     hint="your deltas disagree with the slope of C = sum(grad_out * A^L)")
    lad.passed()
