"""Checks for chapter 01, *Cost functions and the learning slowdown*.

One check per exercise; each takes the student's function and prints a hint ladder
(see :mod:`nnkit.checks._ladder`)::

    checks.quadratic_cost(quadratic_cost)               # visible ladder
    checks.quadratic_cost(quadratic_cost, hidden=True)  # hidden: random inputs vs nnkit.costs

Exercises (shapes: ``a``, ``y``, ``z`` are ``(N, C)``, rows are examples):

=====================  ==============================================================
quadratic_cost(a, y)   ``(1/N) sum_x 1/2 ||a_x - y_x||^2`` (a float)
quadratic_delta        ``(a - y) * sigma'(z)``, per example, shape (N, C)
cross_entropy_cost     ``-(1/N) sum_x sum_j [y ln a + (1 - y) ln(1 - a)]``, ``0 ln 0 = 0``
cross_entropy_delta    ``a - y``, per example, shape (N, C)
neuron_step            one gradient step ``(w, b) -> (w - eta*delta*x, b - eta*delta)``
epochs_until_below     steps until the neuron's output ``sigma(w + b)`` drops below a threshold
=====================  ==============================================================

While the student's function runs, the kernels of the chapter's forbidden concepts
(``course.yml``) are trapped.
The single-neuron checks pass the student the nnkit cost kernels as ``delta`` (wrapped so they
run while the trap is on), so they test ``neuron_step`` on its own, not the student's earlier
answers. Expected values come from the kernels (:mod:`nnkit.costs`, :mod:`nnkit.neuron`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnkit import costs as _ref
from nnkit.activations import sigmoid, sigmoid_prime
from nnkit.costs import _bce_logit_terms, _output_error, _quadratic_sigmoid_delta, _quadratic_terms
from nnkit.neuron import DELTAS, _epochs_until_below, _neuron_step, _neuron_trajectory

from ._ladder import Ladder, fmt
from ._trap import exempt

__all__ = [
    "quadratic_cost",
    "quadratic_delta",
    "cross_entropy_cost",
    "cross_entropy_delta",
    "neuron_step",
    "epochs_until_below",
]


# --------------------------------------------------------------------------- oracles
# Expected values come from the nnkit kernels (nnkit.concepts), called outside the trap. The
# delta functions handed to the student's neuron_step are the cost kernels wrapped fresh for
# each check by _trap.exempt (they may run while the trap is on), so no module-level callable
# here can stand in for an exercise.
def _deltas() -> dict[str, Callable]:
    """``{"quadratic": ..., "cross_entropy": ...}``: this check's own delta(z, a, y) functions."""
    return {name: exempt(kernel) for name, kernel in DELTAS.items()}


def _outputs(w, b, eta, delta, max_epochs) -> np.ndarray:
    """Outputs sigma(w + b) of the neuron (x = 1, y = 0) after 0, 1, ..., max_epochs steps."""
    ws, bs = _neuron_trajectory(w, b, 1.0, 0.0, eta, delta, max_epochs)
    return sigmoid(ws + bs)


def _ladder(name, student, hidden):
    return Ladder(name, student, hidden=hidden)


def _rand_ay(g: np.random.Generator, probs: bool):
    n, c = int(g.integers(1, 41)), int(g.integers(1, 11))
    if probs:
        a = g.uniform(0.001, 0.999, size=(n, c))
        y = (g.random((n, c)) < 0.5).astype(float)
        if g.random() < 0.3:  # soft targets sometimes
            y = g.random((n, c))
        if g.random() < 0.3:  # exact hits a == y in {0, 1}: 0 ln 0 must count as 0
            hit = g.random((n, c)) < 0.3
            y = np.where(hit, np.round(y), y)
            a = np.where(hit, np.round(y), a)
    else:
        a, y = g.normal(0, 2, size=(n, c)), g.normal(0, 2, size=(n, c))
    return a, y


def _rand_zay(g: np.random.Generator):
    n, c = int(g.integers(1, 41)), int(g.integers(1, 11))
    z = g.normal(0, 4, size=(n, c))
    if g.random() < 0.3:
        z[g.random((n, c)) < 0.2] = g.choice([-1000.0, -60.0, 60.0, 1000.0])
    y = (g.random((n, c)) < 0.5).astype(float)
    return z, sigmoid(z), y


# --------------------------------------------------------------------------- quadratic cost
def quadratic_cost(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``quadratic_cost(a, y) = (1/N) sum_x 1/2 ||a_x - y_x||^2`` (returns a float).

    Ladder: returns a number; one example by hand; a batch of two (the 1/N and the sum over
    outputs); a perfect answer costs 0; regression targets outside [0, 1]; a batch of one with
    10 outputs; the derivative dC/da = (a - y)/N by finite differences.
    Hidden: 20 random batches (N up to 40, C up to 10) vs :func:`nnkit.costs.quadratic_cost`,
    ``rtol=1e-9``.
    """
    lad = _ladder("quadratic_cost", student, hidden)
    if hidden:
        lad.compare_random(lambda g: _rand_ay(g, probs=False), _ref.quadratic_cost,
                           reference_name="nnkit.costs.quadratic_cost", names=("a", "y"),
                           rtol=1e-9, atol=1e-12, rng=rng, label="(batches of 1-40 examples)")
        return lad.passed()

    a, y = np.array([[0.8]]), np.array([[0.0]])
    c = lad.number(lad.call(a, y, inputs={"a": a, "y": y}))
    lad.close(c, 0.32, "tiny case: one example, one output", inputs={"a": a, "y": y},
              hint=("the cost of one example is half its squared distance to the target",
                    "one example, one output: half of (a - y) squared",
                    "C = 1/2 (a - y)^2 = 0.5 * 0.8**2 = 0.32"),
              mistakes=[(0.64, "you dropped the 1/2: C_x = 1/2 ||a - y||^2"),
                        (0.8, "square the difference: (a - y)**2"),
                        (0.4, "square the difference before halving: 0.5 * (a - y)**2")])

    a = np.array([[0.8, 0.1], [0.5, 0.5]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    lad.close(lad.number(lad.call(a, y, inputs={"a": a, "y": y})), 0.1375,
              "batch of 2 examples, 2 outputs each", inputs={"a": a, "y": y},
              hint=("sum over the outputs of one example, then average over the examples",
                    "per example 1/2 ||a - y||^2 = 0.025 and 0.25 (summed over the outputs); the cost is "
                    "their mean",
                    "0.5 * np.sum((a - y) ** 2) / n with n = a.shape[0] = 2 gives 0.1375"),
              mistakes=[(0.275, "you summed over the batch: divide by the number of examples n = a.shape[0] (the 1/n)"),
                        (0.06875, "you averaged over every entry (n * C); average over examples only and SUM over the outputs"),
                        (0.55, "two slips: the 1/2 and the 1/n are both missing")])

    a = np.array([[0.2, 0.7, 0.1]])
    lad.close(lad.number(lad.call(a, a.copy(), inputs={"a": a, "y": a})), 0.0,
              "edge case: a == y costs exactly 0", inputs={"a": a, "y": a},
              hint="the cost measures the distance between a and y; when they agree it must be 0")

    a, y = np.array([[3.0, -2.0]]), np.array([[1.0, 1.0]])
    lad.close(lad.number(lad.call(a, y, inputs={"a": a, "y": y})), 6.5,
              "edge case: regression values outside [0, 1]", inputs={"a": a, "y": y},
              hint="1/2 ((3 - 1)^2 + (-2 - 1)^2) = 6.5; nothing in the formula assumes a or y lie in [0, 1]")

    g = np.random.default_rng(1)
    a, y = g.random((1, 10)), np.eye(10)[[3]]
    lad.close(lad.number(lad.call(a, y, inputs={"a": a, "y": y})), float(np.sum(_quadratic_terms(a, y))),
              "edge case: a batch of one example with 10 outputs", inputs={"a": a, "y": y}, rtol=1e-9,
              hint="with n = 1 the cost is just 1/2 sum_j (a_j - y_j)^2; check how you take n and the sum")

    a, y = g.random((4, 3)), g.random((4, 3))
    lad.gradient(lambda v: float(lad.call(v, y, inputs={"a": v, "y": y})), a, (a - y) / a.shape[0],
                 "gradient: dC/da = (a - y) / n by finite differences",
                 hint="your cost's slope disagrees with (a - y)/n: check the 1/2 and the 1/n")
    lad.passed()


_DC_DA_QUAD = ("that is dC/da, the derivative with respect to the OUTPUT a; delta is dC/dz, with respect "
               "to the weighted input: the chain rule adds the factor da/dz = sigma'(z)")
_DC_DA_CE = ("that is dC/da, the derivative with respect to the OUTPUT a; delta is dC/dz: multiply by "
             "da/dz = sigma'(z) = a (1 - a) and simplify on paper")
_CLIPPED = ("your cost is off by a tiny amount: the signature of clipping a into [eps, 1 - eps] or of "
            "adding eps inside the log. The exercise asks for the exact cost, with 0 ln 0 = 0 (its limit): "
            "a perfect answer costs exactly 0, and a valid output such as a = 1e-15 must keep its true cost. "
            "Take the log only where its factor is not 0 (np.where, with np.errstate to silence the warning)")

_PRIME_OF_A = ("use sigma'(z), not sigma'(a): the derivative is taken at the weighted input z "
               "(sigmoid_prime(z), or equivalently a * (1 - a))")


def quadratic_delta(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``quadratic_delta(z, a, y) = (a - y) * sigma'(z)`` per example, shape (N, C).

    Ladder: returns an array of the input shape; one value by hand at z = 0; a 2x3 batch
    (diagnoses: missing sigma', sign, sigma'(a) instead of sigma'(z), dividing by N);
    saturated z = +-1000 gives a finite 0; a batch of one; finite differences of the summed cost.
    Hidden: 20 random batches (some saturated) vs ``nnkit.costs.QuadraticCost().delta``, ``rtol=1e-9``.
    """
    lad = _ladder("quadratic_delta", student, hidden)
    names = ("z", "a", "y")
    if hidden:
        lad.compare_random(_rand_zay, _ref.QuadraticCost("sigmoid").delta,
                           reference_name="nnkit.costs.QuadraticCost().delta", names=names,
                           rtol=1e-9, atol=1e-15, rng=rng, label="(some saturated at |z| up to 1000)")
        return lad.passed()

    z = np.array([[0.0]])
    a, y = sigmoid(z), np.array([[0.0]])
    shown = dict(zip(names, (z, a, y)))
    d = lad.array(lad.call(z, a, y, inputs=shown), (1, 1))
    lad.close(d, np.array([[0.125]]), "tiny case: z = 0, a = 0.5, y = 0", inputs=shown,
              hint=("delta is the derivative of the example's cost with respect to z, not with respect to a",
                    "chain rule: dC/dz = dC/da * da/dz, and da/dz = sigma'(0) = 0.25 here",
                    "(a - y) * sigma'(z) = 0.5 * 0.25 = 0.125"),
              mistakes=[(np.array([[0.5]]), _DC_DA_QUAD),
                        (np.array([[-0.125]]), "sign: the delta is (a - y) sigma'(z), not (y - a) sigma'(z)"),
                        (0.5 * sigmoid_prime(np.array([[0.5]])), _PRIME_OF_A)])

    z = np.array([[-2.0, 0.5, 3.0], [1.0, -0.5, 0.0]])
    a, y = sigmoid(z), np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    shown = dict(zip(names, (z, a, y)))
    expected = _quadratic_sigmoid_delta(z, a, y)
    d = lad.array(lad.call(z, a, y, inputs=shown), (2, 3))
    lad.close(d, expected, "batch of 2 examples, 3 outputs", inputs=shown, rtol=1e-9,
              hint=("one delta per example and output: no sum, no mean",
                    "the same chain rule as in the tiny case, entry by entry",
                    "elementwise (a - y) * sigma'(z), with sigma'(z) = sigma(z)(1 - sigma(z)); no sum, no mean"),
              mistakes=[(a - y, _DC_DA_QUAD),
                        (-expected, "sign: the delta is (a - y) sigma'(z), not (y - a) sigma'(z)"),
                        ((a - y) * sigmoid_prime(a), _PRIME_OF_A),
                        (expected / 2, "the delta is per example: do not divide by n here"),
                        (expected / 6, "the delta is per example and per output: no averaging here")])

    z = np.array([[1000.0, -1000.0, 40.0]])
    a, y = sigmoid(z), np.array([[0.0, 1.0, 0.0]])
    shown = dict(zip(names, (z, a, y)))
    d = lad.array(lad.call(z, a, y, inputs=shown), (1, 3))
    lad.close(d, _quadratic_sigmoid_delta(z, a, y), "edge case: saturated neurons, |z| up to 1000", inputs=shown,
              rtol=1e-7, atol=1e-300,
              nonfinite_hint="sigma'(z) must be a finite (tiny) number at |z| = 1000: use sigmoid_prime from "
                             "nnkit.activations, or a * (1 - a), rather than exp(-z) / (1 + exp(-z))**2")

    g = np.random.default_rng(2)
    z = g.normal(0, 2, size=(1, 4))
    a, y = sigmoid(z), np.array([[0.0, 1.0, 1.0, 0.0]])
    shown = dict(zip(names, (z, a, y)))
    d = lad.array(lad.call(z, a, y, inputs=shown), (1, 4))
    lad.close(d, _quadratic_sigmoid_delta(z, a, y), "edge case: a batch of one example", inputs=shown, rtol=1e-9)

    z = g.normal(0, 1.5, size=(3, 2))
    y = (g.random((3, 2)) < 0.5).astype(float)
    d = lad.call(z, sigmoid(z), y, inputs=dict(zip(names, (z, sigmoid(z), y))))
    lad.gradient(lambda v: float(0.5 * np.sum((sigmoid(v) - y) ** 2)), z, d,
                 "gradient: delta = dC_x/dz of 1/2 ||sigma(z) - y||^2 by finite differences",
                 hint="finite differences of the per-example quadratic cost disagree with your delta")
    lad.passed()


# --------------------------------------------------------------------------- cross-entropy
def cross_entropy_cost(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``cross_entropy_cost(a, y) = -(1/N) sum_x sum_j [y ln a + (1 - y) ln(1 - a)]``.

    Ladder: a number; one example by hand (diagnoses: log10, missing minus sign); a 2x2 batch
    (1/N, the (1 - y) term, averaging over outputs); close to 0 when right; ``a == y`` in
    {0, 1} costs exactly 0 (``0 ln 0 = 0``, no nan); a soft target; finite differences of
    dC/da = (a - y) / (N a (1 - a)).
    Hidden: 20 random batches (soft targets and exact 0/1 hits included) vs
    :func:`nnkit.costs.binary_cross_entropy`, ``rtol=1e-9``.
    """
    lad = _ladder("cross_entropy_cost", student, hidden)
    if hidden:
        lad.compare_random(lambda g: _rand_ay(g, probs=True), _ref.binary_cross_entropy,
                           reference_name="nnkit.costs.binary_cross_entropy", names=("a", "y"),
                           rtol=1e-9, atol=1e-12, rng=rng, label="(soft targets and exact 0/1 included)")
        return lad.passed()

    a, y = np.array([[0.8]]), np.array([[1.0]])
    c = lad.number(lad.call(a, y, inputs={"a": a, "y": y}))
    lad.close(c, -np.log(0.8), "tiny case: one example, a = 0.8, y = 1", inputs={"a": a, "y": y},
              hint=("with y = 1, one of the two terms of the cost vanishes",
                    "with y = 1 only the y ln a term is left, with the minus sign in front",
                    "C = -ln 0.8 = 0.2231"),
              mistakes=[(-np.log10(0.8), "that is log base 10: use the natural log np.log"),
                        (np.log(0.8), "sign: C = -[y ln a + (1 - y) ln(1 - a)], with the minus in front"),
                        (-np.log(0.2), "swapped terms: y goes with ln a, (1 - y) with ln(1 - a)")])

    a = np.array([[0.9, 0.2], [0.3, 0.6]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    per = -(y * np.log(a) + (1 - y) * np.log(1 - a)).sum(axis=1)
    c = lad.number(lad.call(a, y, inputs={"a": a, "y": y}))
    lad.close(c, per.mean(), "batch of 2 examples, 2 outputs", inputs={"a": a, "y": y}, rtol=1e-9,
              hint=f"per example (summed over outputs) {per[0]:.4f} and {per[1]:.4f}; the cost is their mean",
              mistakes=[(per.sum(), "you summed over the batch: divide by the number of examples n = a.shape[0]"),
                        (per.mean() / 2, "you averaged over every entry (n * C): average over examples, SUM over outputs"),
                        (-(y * np.log(a)).sum() / 2, "the (1 - y) ln(1 - a) term is missing: it punishes outputs that "
                                                     "should be 0"),
                        (-(y * np.log10(a) + (1 - y) * np.log10(1 - a)).sum() / 2, "that is log base 10: use np.log")])

    a, y = np.array([[0.999]]), np.array([[1.0]])
    c = lad.number(lad.call(a, y, inputs={"a": a, "y": y}))
    lad.close(c, -np.log(0.999), "close to 0 when the output is nearly right", inputs={"a": a, "y": y}, rtol=1e-9,
              hint="-ln 0.999 = 0.0010005: a good answer should cost almost nothing")

    a = np.array([[1.0, 0.0, 1.0]])
    c = lad.number(lad.call(a, a.copy(), inputs={"a": a, "y": a}))
    lad.close(c, 0.0, "edge case: a == y with a exactly 0 or 1 costs exactly 0 (no nan)", inputs={"a": a, "y": a},
              atol=0.0, hint="a perfect answer costs 0", near_hint=_CLIPPED,
              nonfinite_hint=("0 * ln(0) must count as 0, but np.log(0) is -inf and 0 * -inf is nan",
                              "take the log only where its factor (y or 1 - y) is not 0: np.where, inside "
                              "np.errstate(divide='ignore', invalid='ignore')"))

    a, y = np.array([[1e-200, 0.5]]), np.array([[1.0, 0.5]])
    c = lad.number(lad.call(a, y, inputs={"a": a, "y": y}))
    lad.close(c, 200 * np.log(10.0) + np.log(2.0), "edge case: an output of 1e-200 keeps its exact cost "
              "(no clipping)", inputs={"a": a, "y": y}, rtol=1e-9,
              hint=_CLIPPED, nonfinite_hint=("1e-200 is a valid output: its log is -460.5, finite",
                                             "the log of a tiny but nonzero number is finite; look for an "
                                             "underflow or 0 * ln 0 elsewhere"))

    a, y = np.array([[0.3]]), np.array([[0.3]])
    c = lad.number(lad.call(a, y, inputs={"a": a, "y": y}))
    lad.close(c, -(0.3 * np.log(0.3) + 0.7 * np.log(0.7)), "edge case: a soft target y = 0.3", inputs={"a": a, "y": y},
              rtol=1e-9, hint="the formula works for any y in [0, 1]: -(0.3 ln 0.3 + 0.7 ln 0.7) = 0.6109 (its minimum "
                              "over a, reached at a = y, is not 0 when y is not 0 or 1)")

    g = np.random.default_rng(3)
    a, y = g.uniform(0.1, 0.9, size=(3, 2)), (g.random((3, 2)) < 0.5).astype(float)
    lad.gradient(lambda v: float(lad.call(v, y, inputs={"a": v, "y": y})), a, (a - y) / (a * (1 - a)) / a.shape[0],
                 "gradient: dC/da = (a - y) / (n a (1 - a)) by finite differences",
                 hint="your cost's slope disagrees with the formula: check the signs, the logs and the 1/n")
    lad.passed()


def cross_entropy_delta(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``cross_entropy_delta(z, a, y) = a - y`` per example, shape (N, C).

    Ladder: an array of the input shape; one value by hand (diagnoses: the quadratic's
    sigma'(z) kept, sign); a batch; a saturated wrong neuron (z = 1000, y = 0) must give the
    full error 1, not nan; a batch of one; finite differences of the summed cross-entropy in z.
    Hidden: 20 random batches vs ``nnkit.costs.CrossEntropyCost().delta``, ``rtol=1e-12``.
    """
    lad = _ladder("cross_entropy_delta", student, hidden)
    names = ("z", "a", "y")
    if hidden:
        lad.compare_random(_rand_zay, _ref.CrossEntropyCost().delta,
                           reference_name="nnkit.costs.CrossEntropyCost().delta", names=names,
                           rtol=1e-12, atol=1e-15, rng=rng, label="(some saturated at |z| up to 1000)")
        return lad.passed()

    z = np.array([[0.0]])
    a, y = sigmoid(z), np.array([[0.0]])
    shown = dict(zip(names, (z, a, y)))
    d = lad.array(lad.call(z, a, y, inputs=shown), (1, 1))
    lad.close(d, np.array([[0.5]]), "tiny case: z = 0, a = 0.5, y = 0", inputs=shown,
              hint=("delta is dC/dz: differentiate the example's cross-entropy with respect to z",
                    "chain rule: dC/da times da/dz = sigma'(z) = a (1 - a); most of it cancels",
                    "for cross-entropy the sigma'(z) cancels: delta = a - y = 0.5"),
              mistakes=[(np.array([[2.0]]), _DC_DA_CE), (np.array([[0.125]]), "that is the quadratic delta: with cross-entropy the sigma'(z) "
                                              "cancels, leaving a - y"),
                        (np.array([[-0.5]]), "sign: the delta is a - y")])

    z = np.array([[-2.0, 0.5, 3.0], [1.0, -0.5, 0.0]])
    a, y = sigmoid(z), np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    shown = dict(zip(names, (z, a, y)))
    d = lad.array(lad.call(z, a, y, inputs=shown), (2, 3))
    lad.close(d, _output_error(z, a, y), "batch of 2 examples, 3 outputs", inputs=shown, rtol=1e-12,
              hint=("one delta per example and output: no sum, no mean",
                    "elementwise a - y; no sum, no mean (the delta is per example)"),
              mistakes=[((a - y) / (a * (1 - a)), _DC_DA_CE), ((a - y) * sigmoid_prime(z), "that is the quadratic delta: with cross-entropy the "
                                                      "sigma'(z) cancels, leaving a - y"),
                        (y - a, "sign: the delta is a - y"),
                        ((a - y) / 2, "the delta is per example: do not divide by n here")])

    z = np.array([[1000.0, -1000.0, 1000.0]])
    a, y = sigmoid(z), np.array([[0.0, 1.0, 1.0]])
    shown = dict(zip(names, (z, a, y)))
    d = lad.array(lad.call(z, a, y, inputs=shown), (1, 3))
    lad.close(d, _output_error(z, a, y), "edge case: saturated and completely wrong (z = +-1000) gives the full error +-1",
              inputs=shown, rtol=1e-12,
              hint="this is the point of cross-entropy: a badly wrong, saturated neuron still gets delta = a - y",
              nonfinite_hint="do not divide by a (1 - a): it is 0 here. Simplify on paper first: the delta is a - y",
              mistakes=[(np.zeros((1, 3)), "you multiplied by sigma'(z), which is 0 here: that is exactly the "
                                           "slowdown cross-entropy removes; the delta is a - y")])

    g = np.random.default_rng(4)
    z = g.normal(0, 2, size=(1, 5))
    a, y = sigmoid(z), np.array([[1.0, 0.0, 0.0, 1.0, 0.0]])
    shown = dict(zip(names, (z, a, y)))
    d = lad.array(lad.call(z, a, y, inputs=shown), (1, 5))
    lad.close(d, _output_error(z, a, y), "edge case: a batch of one example", inputs=shown, rtol=1e-12)

    z = g.normal(0, 1.5, size=(3, 2))
    y = (g.random((3, 2)) < 0.5).astype(float)
    d = lad.call(z, sigmoid(z), y, inputs=dict(zip(names, (z, sigmoid(z), y))))
    lad.gradient(lambda v: float(np.sum(_bce_logit_terms(v, y))), z, d,
                 "gradient: delta = dC_x/dz of the cross-entropy by finite differences",
                 hint="finite differences of -[y ln sigma(z) + (1 - y) ln(1 - sigma(z))] disagree with your delta")
    lad.passed()


# --------------------------------------------------------------------------- the single neuron
def _check_pair_numbers(lad: Ladder, out, first: bool) -> tuple[float, float]:
    """Validate a ``(w_new, b_new)`` result; print the type rungs only the ``first`` time."""
    if first or not (isinstance(out, (tuple, list)) and len(out) == 2):
        w_new, b_new = lad.pair(out, ("w_new", "b_new"))
    else:
        w_new, b_new = out
    if first:
        lad.number(w_new, "w_new is a single number",
                   hint="w, b, x, y are numbers here; make sure your result is not wrapped in an array or list")
        lad.number(b_new, "b_new is a single number",
                   hint="w, b, x, y are numbers here; make sure your result is not wrapped in an array or list")
    try:
        return float(w_new), float(b_new)
    except (TypeError, ValueError):
        lad.fail("returns numbers", expected="two numbers (w_new, b_new)", got=f"({fmt(w_new)}, {fmt(b_new)})",
                 hint="return two floats")


def neuron_step(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``neuron_step(w, b, x, y, eta, delta) -> (w_new, b_new)``, one gradient-descent step.

    The neuron computes ``a = sigma(w x + b)``; ``delta(z, a, y)`` is dC/dz; the step is
    ``w - eta * delta * x``, ``b - eta * delta``. The check passes its own delta functions
    (quadratic: ``(a - y) sigma'(z)``, cross-entropy: ``a - y``), so earlier exercises do not matter.

    Ladder: returns a pair of numbers; the chapter's neuron (0.6, 0.9) by hand with the
    quadratic delta (diagnoses: sign of the update, not using ``delta``); the same with the
    cross-entropy delta (is ``delta`` really used?); ``x = 2`` (the ``x`` factor goes on
    ``w`` only); a saturated neuron; finite differences: the step equals ``-eta`` times the
    true gradient of 1/2 (sigma(w x + b) - y)^2.
    Hidden: 20 random neurons and learning rates, both deltas, vs a reference step, ``rtol=1e-9``.
    """
    lad = _ladder("neuron_step", student, hidden)
    deltas = _deltas()
    names = ("w", "b", "x", "y", "eta", "delta")
    if hidden:
        def draw(g):
            return (float(g.normal(0, 2)), float(g.normal(0, 2)), float(g.uniform(-2, 2)),
                    float(g.integers(0, 2)), float(g.uniform(0.01, 2.0)),
                    deltas["quadratic" if g.random() < 0.5 else "cross_entropy"])

        def compare(got, expected, args):
            if not isinstance(got, (tuple, list)) or len(got) != 2:
                return "return the pair (w_new, b_new)"
            try:
                g = np.array([float(got[0]), float(got[1])])
            except (TypeError, ValueError):
                return "return two numbers (w_new, b_new)"
            e = np.array(expected, dtype=float)
            if not np.all(np.abs(g - e) <= 1e-12 + 1e-9 * np.abs(e)):
                return "one gradient step: z = w x + b, a = sigma(z), d = delta(z, a, y); w - eta d x, b - eta d"
            return None

        lad.compare_random(draw, _neuron_step, reference_name="nnkit's gradient step", names=names,
                           rtol=1e-9, atol=1e-12, rng=rng, compare=compare,
                           label="(random w, b, x, y, eta; both deltas)",
                           tolerance="|student - reference| <= 1e-12 + 1e-9 * |reference| for w_new and b_new")
        return lad.passed()

    def run(w, b, x, y, eta, cost):
        args = (w, b, x, y, eta, deltas[cost])
        shown = dict(zip(names, args))
        shown["delta"] = f"{cost} delta"
        return lad.call(*args, inputs=shown), shown

    out, shown = run(0.6, 0.9, 1.0, 0.0, 0.15, "quadratic")
    got = _check_pair_numbers(lad, out, first=True)
    z = 1.5
    d = float(deltas["quadratic"](z, sigmoid(z), 0.0))
    exp = tuple(float(v) for v in _neuron_step(0.6, 0.9, 1.0, 0.0, 0.15, deltas["quadratic"]))
    lad.close(got, exp, "tiny case: w = 0.6, b = 0.9, x = 1, y = 0, eta = 0.15, quadratic delta", inputs=shown,
              rtol=1e-9, hint=("the step goes against the gradient, and the gradient comes from `delta`",
                               f"z = w x + b = 1.5, a = sigma(z) = {sigmoid(z):.4f}, delta(z, a, y) = {d:.4f}; "
                               "then the chain rule gives dC/dw and dC/db",
                               f"w - eta*delta*x = {exp[0]:.5f}, b - eta*delta = {exp[1]:.5f}"),
              mistakes=[((0.6 + 0.15 * d, 0.9 + 0.15 * d), "gradient DEScent: subtract eta * gradient (w - eta*delta*x)"),
                        ((0.6 - 0.15 * float(sigmoid(z)), 0.9 - 0.15 * float(sigmoid(z))),
                         "call the `delta` you are given: delta(z, a, y) (here it includes sigma'(z))")])

    out, shown = run(0.6, 0.9, 1.0, 0.0, 0.15, "cross_entropy")
    got = _check_pair_numbers(lad, out, first=False)
    lad.close(got, _neuron_step(0.6, 0.9, 1.0, 0.0, 0.15, deltas["cross_entropy"]), "same neuron with the cross-entropy delta (a - y)", inputs=shown,
              rtol=1e-9, hint="use the `delta` argument: delta(z, a, y); do not hard-code one cost",
              mistakes=[(exp, "you ignored the `delta` argument: call delta(z, a, y)")])

    out, shown = run(0.5, -0.3, 2.0, 1.0, 0.5, "cross_entropy")
    got = _check_pair_numbers(lad, out, first=False)
    a = float(sigmoid(0.5 * 2.0 - 0.3))
    lad.close(got, _neuron_step(0.5, -0.3, 2.0, 1.0, 0.5, deltas["cross_entropy"]), "edge case: input x = 2, target y = 1",
              inputs=shown, rtol=1e-9,
              hint="z = w x + b; dC/dw = delta * x but dC/db = delta (no x)",
              mistakes=[((0.5 - 0.5 * (a - 1), -0.3 - 0.5 * (a - 1)), "the weight's gradient is delta * x (x = 2 here)"),
                        ((0.5 - 0.5 * (a - 1) * 2.0, -0.3 - 0.5 * (a - 1) * 2.0), "the bias gradient has no x: b - eta * delta"),
                        ((0.5 - 0.5 * a * 2.0, -0.3 - 0.5 * a), "the target is y = 1 here: pass y to delta(z, a, y)")])

    out, shown = run(500.0, 500.0, 1.0, 0.0, 0.15, "quadratic")
    got = _check_pair_numbers(lad, out, first=False)
    lad.close(got, _neuron_step(500.0, 500.0, 1.0, 0.0, 0.15, deltas["quadratic"]), "edge case: saturated, z = 1000 (quadratic "
              "delta: the step is 0 - the slowdown in its extreme form)", inputs=shown, rtol=1e-9, atol=1e-12)

    w, b, x, y, eta = -0.7, 0.4, 1.5, 1.0, 0.1
    got = _check_pair_numbers(lad, run(w, b, x, y, eta, "quadratic")[0], first=False)
    grad = (np.array([w, b]) - np.array(got)) / eta
    lad.gradient(lambda p: float(0.5 * (sigmoid(p[0] * x + p[1]) - y) ** 2), np.array([w, b]), grad,
                 "gradient: (w - w_new)/eta and (b - b_new)/eta match finite differences of 1/2 (a - y)^2",
                 hint="the step must be -eta times the true gradient (dC/dw, dC/db)",
                 inputs={"w": w, "b": b, "x": x, "y": y, "eta": eta})
    lad.passed()


def epochs_until_below(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``epochs_until_below(w, b, eta, delta, threshold, max_epochs)``.

    The neuron (input x = 1, target y = 0) takes gradient steps; the answer is the number of
    steps after which its output ``sigma(w + b)`` is first below ``threshold``: 0 if it already
    is, ``None`` if that takes more than ``max_epochs`` steps.

    Ladder: returns an int; 0 when already below (off-by-one); the chapter's neurons with both
    deltas; ``None`` when out of epochs; reached exactly at ``max_epochs``, and ``None`` when
    it needs one step more than ``max_epochs`` (off-by-one at both ends). Hidden: 12 random
    neurons/thresholds, half of them with ``max_epochs`` at the boundary, vs a reference loop
    (answers may differ by one only when the output lands within 1e-9 of the threshold).
    """
    lad = _ladder("epochs_until_below", student, hidden)
    deltas = _deltas()
    names = ("w", "b", "eta", "delta", "threshold", "max_epochs")

    def count(out, expected, shown, step, hint, mistakes=()):
        if expected is None:
            diag = dict(mistakes)
            wrong = int(out) if isinstance(out, (int, np.integer)) and not isinstance(out, (bool, np.bool_)) else None
            lad.check(out is None, step, inputs=shown, expected=None, got=out, hint=diag.get(wrong, hint))
            return
        if out is not None and (isinstance(out, (bool, np.bool_)) or not isinstance(out, (int, np.integer))):
            lad.fail(step, inputs=shown, expected=f"the integer {expected}", got=f"{fmt(out)} ({type(out).__name__})",
                     hint="return a whole number of epochs (an int), or None if the threshold is never reached")
        if out is None:
            lad.fail(step, inputs=shown, expected=f"the integer {expected}", got="None", hint=hint)
        diag = dict(mistakes)
        lad.check(int(out) == expected, step, inputs=shown, expected=expected, got=int(out),
                  hint=diag.get(int(out), hint))

    def run(w, b, eta, cost, threshold, max_epochs):
        args = (w, b, eta, deltas[cost], threshold, max_epochs)
        shown = dict(zip(names, args))
        shown["delta"] = f"{cost} delta"
        return lad.call(*args, inputs=shown), shown, _epochs_until_below(*args)

    if hidden:
        def draw(g):
            args = [float(g.normal(0, 2)), float(g.normal(0, 2)), float(g.uniform(0.05, 1.0)),
                    deltas["quadratic" if g.random() < 0.5 else "cross_entropy"],
                    float(g.uniform(0.05, 0.95)), int(g.integers(1, 400))]
            if g.random() < 0.5:  # the boundary: max_epochs is exactly the answer, or one less
                needed = _epochs_until_below(*args[:5], 400)
                if needed is not None and needed > 1:
                    args[5] = needed - int(g.integers(0, 2))
            return tuple(args)

        def compare(got, expected, args):
            if expected is None:
                return None if got is None else "the threshold is not reached within max_epochs: return None"
            if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
                return "return an int number of epochs (or None)"
            if int(got) == expected:
                return None
            outs = _outputs(*args[:4], args[5])
            near = np.abs(outs[max(expected - 1, 0):expected + 2] - args[4]) < 1e-9
            return None if abs(int(got) - expected) == 1 and near.any() else (
                "count the gradient steps taken until sigma(w + b) < threshold (0 if it already is)")

        lad.compare_random(draw, _epochs_until_below, reference_name="nnkit's training loop", names=names, trials=12,
                           rng=rng, compare=compare, label="(random neurons, thresholds, both deltas)",
                           tolerance="exact; off by one allowed only if the output lands within 1e-9 of the threshold")
        return lad.passed()

    out, shown, exp = run(-1.0, -1.0, 0.15, "quadratic", 0.5, 10)
    if out is not None and not isinstance(out, (bool, np.bool_)) and isinstance(out, (int, np.integer)):
        lad.ok("returns an int")
    elif out is None:
        lad.fail("returns an int", expected="an int", got="None",
                 hint="did you forget `return`? (None is only for 'not reached within max_epochs')")
    else:
        lad.fail("returns an int", expected="an int", got=f"{fmt(out)} ({type(out).__name__})",
                 hint="count with an int: epochs = 0, then epochs += 1 after each step")
    count(out, 0, shown, "edge case: output already below the threshold (sigma(-2) = 0.12 < 0.5) -> 0 epochs",
          "check the output BEFORE the first step: no training is needed", mistakes=[(1, "off by one: check the output "
                                                                                       "before taking the first step")])

    out, shown, exp = run(0.6, 0.9, 0.15, "quadratic", 0.5, 1000)
    count(out, exp, shown, f"tiny case: the chapter's first neuron, quadratic cost -> {exp} epochs",
          "take a step, then test sigma(w + b) < threshold; count the steps",
          mistakes=[(exp + 1, "off by one: you counted one step too many"),
                    (exp - 1, "off by one: you counted one step too few")])

    out, shown, exp = run(2.0, 2.0, 0.15, "quadratic", 0.5, 1000)
    count(out, exp, shown, f"the saturated neuron (2, 2), quadratic cost -> {exp} epochs",
          "use the given delta in every step", mistakes=[(exp + 1, "off by one"), (exp - 1, "off by one")])

    out, shown, exp_ce = run(2.0, 2.0, 0.15, "cross_entropy", 0.5, 1000)
    count(out, exp_ce, shown, f"the same neuron, cross-entropy delta -> {exp_ce} epochs",
          "pass the `delta` argument on to neuron_step (do not hard-code the quadratic delta)",
          mistakes=[(exp, "you used the quadratic delta: pass the `delta` argument on")])

    out, shown, _ = run(2.0, 2.0, 0.15, "quadratic", 0.5, 50)
    count(out, None, shown, "out of epochs: (2, 2) needs more than 50 epochs -> None",
          "return None when the threshold is not reached within max_epochs")

    out, shown, _ = run(2.0, 2.0, 0.15, "quadratic", 0.5, exp)
    count(out, exp, shown, f"edge case: reached exactly at the last allowed epoch (max_epochs = {exp}) -> {exp}",
          "after the last allowed step, test the output once more before giving up")

    out, shown, _ = run(2.0, 2.0, 0.15, "quadratic", 0.5, exp - 1)
    count(out, None, shown, f"edge case: needs {exp} epochs but max_epochs = {exp - 1} -> None",
          ("at most max_epochs gradient steps are allowed",
           "stop after max_epochs steps; if the output is still not below the threshold, return None"),
          mistakes=[(exp, "off by one: you allowed max_epochs + 1 steps; at most max_epochs are allowed")])
    lad.passed()
