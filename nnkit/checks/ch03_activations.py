"""Checks for chapter 03 (activation functions and how gradients flow through depth).

==================================  ==========================================================
check                               what the student writes
==================================  ==========================================================
``tanh_from_sigmoid(f)``            ``tanh_from_sigmoid(z, sigma, sigma_prime) -> (a, a_prime)``:
                                    ``2 sigma(2z) - 1`` and its derivative, built from the
                                    logistic function it is given
``leaky_relu_backward(f)``          ``leaky_relu_backward(dout, z, alpha) -> dz``
``elu_prime_from_output(f)``        ``elu_prime_from_output(a, alpha)``: ELU's slope from its
                                    output ``a`` alone
``prelu_alpha_grad(f)``             ``prelu_alpha_grad(z, alpha, dout) -> dC/dalpha``, shape (H,)
``layer_gradient_norms(f)``         ``layer_gradient_norms(X, weights, biases, f, f_prime,
                                    grad_out)``: ``||dC/db^l||`` of every layer of a stack
``dead_unit_fraction(f)``           ``dead_unit_fraction(Z)``: the fraction of units with
                                    ``z <= 0`` on every example
==================================  ==========================================================

Each check is a :class:`~nnkit.checks._ladder.Ladder`: type, shape, a hand-checkable case, the
typical mistakes diagnosed by the value they produce, edge cases (the kink at ``z = 0``,
``|z| = 1000``), and a finite-difference rung (:mod:`nnkit.gradcheck`). ``hidden=True`` is the
grading version: inputs drawn at grading time, compared with the nnkit kernels
(:mod:`nnkit.activations`, :mod:`nnkit.depth`) within the stated tolerance.

The oracles run *outside* the trap; while the student's function runs, the kernels of the
chapter's forbidden concepts (``course.yml``) are switched off.
"""

from __future__ import annotations

import numpy as np

from nnkit import activations as _act
from nnkit import depth as _depth
from nnkit import gradcheck as _gc

from ._ladder import Ladder, fmt

__all__ = [
    "tanh_from_sigmoid",
    "leaky_relu_backward",
    "elu_prime_from_output",
    "prelu_alpha_grad",
    "layer_gradient_norms",
    "dead_unit_fraction",
]


# --------------------------------------------------------------------------- helpers
def _hard_sigmoid(z):
    """A piecewise-linear 'sigmoid': clip(1/2 + z/4, 0, 1) (same value and slope as sigma at 0)."""
    return np.clip(0.5 + 0.25 * np.asarray(z, dtype=float), 0.0, 1.0)


def _hard_sigmoid_prime(z):
    return np.where(np.abs(np.asarray(z, dtype=float)) < 2.0, 0.25, 0.0)


def _identity(z):
    return np.array(z, dtype=float, copy=True)


def _ones_like(z):
    return np.ones_like(np.asarray(z, dtype=float))


def _pair_of_arrays(lad: Ladder, out, shape, names=("a", "a_prime")):
    """Rungs: a pair, then two arrays shaped like ``z`` (a rung already passed is not printed again)."""
    a, a_prime = lad.pair(out, names)
    a = lad.array(a, shape, f"{names[0]} has the shape of z")
    a_prime = lad.array(a_prime, shape, f"{names[1]} has the shape of z")
    return a, a_prime


def _close_or(problem: str | None, got, expected, rtol, atol) -> str | None:
    g, e = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if g.shape != e.shape:
        return f"expected shape {e.shape}, got {g.shape}"
    with np.errstate(invalid="ignore"):
        ok = np.abs(g - e) <= atol + rtol * np.abs(e)
    if not np.all(ok):
        idx = tuple(int(i) for i in np.argwhere(~ok)[0])
        return (problem or "disagrees with the reference") + f" (first at {list(idx)}: expected {fmt(float(e[idx]))}, " \
                                                            f"got {fmt(float(g[idx]))})"
    return None


# --------------------------------------------------------------------------- tanh from sigma
_TANH_GIVEN_SIGMA = ("build tanh from the sigma you are given (the arguments sigma and sigma_prime), not from "
                     "np.tanh or a formula that only holds for the logistic function",
                     "with the hard sigmoid clip(1/2 + z/4, 0, 1) the same recipe gives the 'hard tanh' "
                     "clip(z, -1, 1), whose slope is 1 inside (-1, 1) and 0 outside",
                     "a = 2 * sigma(2 * z) - 1 and a_prime = 4 * sigma_prime(2 * z), using only the two functions "
                     "passed in")


def tanh_from_sigmoid(student, *, hidden: bool = False, rng=None) -> None:
    """Check ``tanh_from_sigmoid(z, sigma, sigma_prime) -> (2 sigma(2z) - 1, 4 sigma'(2z))``.

    Ladder: a pair of arrays shaped like ``z``; tanh at 0 and +-1 (diagnoses: ``2 sigma(z) - 1``,
    ``sigma(2z)``); its slope there (diagnoses: ``2 sigma'(2z)``, ``sigma'(2z)``); |z| = 1000 gives
    finite values (+-1 and 0); with the hard sigmoid it must give the hard tanh (so it composes
    the functions it is given, not ``np.tanh``); ``a_prime`` agrees with finite differences of
    ``a``. Hidden: 20 random batches (some |z| up to 1000) vs ``nnkit.activations.tanh`` and
    ``tanh_prime``, ``|student - reference| <= 1e-12 + 1e-9 |reference|``.
    """
    lad = Ladder("tanh_from_sigmoid", student, hidden=hidden)
    sig, sig_p = _act.sigmoid, _act.sigmoid_prime
    if hidden:
        trial = iter(range(10**6))

        def draw(g):
            z = g.normal(0.0, 3.0, size=(int(g.integers(1, 30)), int(g.integers(1, 8))))
            if g.random() < 0.3:
                z[g.random(z.shape) < 0.2] = g.choice([-1000.0, -25.0, 25.0, 1000.0])
            if next(trial) % 4 == 3:  # every 4th case: the recipe must compose the sigma it is given
                return np.where(np.abs(np.abs(z) - 1.0) < 1e-6, 0.5, z), _hard_sigmoid, _hard_sigmoid_prime
            return z, sig, sig_p

        def reference(z, s, sp):
            if s is _hard_sigmoid:  # 2 hard_sigmoid(2z) - 1 is the hard tanh clip(z, -1, 1)
                return np.clip(z, -1.0, 1.0), (np.abs(z) < 1.0).astype(float)
            return _act.tanh(z), _act.tanh_prime(z)

        def compare(got, expected, args):
            if not (isinstance(got, (tuple, list)) and len(got) == 2):
                return "return a pair (a, a_prime)"
            return (_close_or("a = 2 sigma(2z) - 1", got[0], expected[0], 1e-9, 1e-12)
                    or _close_or("a_prime", got[1], expected[1], 1e-9, 1e-12))

        lad.compare_random(draw, reference,
                           reference_name="nnkit.activations.tanh / tanh_prime (and the hard tanh for the hard sigmoid)",
                           names=("z", "sigma", "sigma_prime"), compare=compare, rng=rng,
                           label="(some |z| up to 1000; some with the hard sigmoid)",
                           tolerance="|student - reference| <= 1e-12 + 1e-9 |reference|, for a and a_prime")
        return lad.passed()

    z = np.array([0.0, 1.0, -1.0])
    shown = {"z": z, "sigma": "sigmoid", "sigma_prime": "sigmoid_prime"}
    a, a_prime = _pair_of_arrays(lad, lad.call(z, sig, sig_p, inputs=shown), z.shape)
    lad.close(a, _act.tanh(z), "a = tanh(z) at z = 0, 1, -1", inputs=shown, rtol=1e-9, atol=1e-12,
              hint=("tanh is the sigmoid stretched to (-1, 1) and squeezed horizontally by 2",
                    "start from sigma(2z), which runs from 0 to 1; map it to (-1, 1)",
                    "a = 2 * sigma(2 * z) - 1"),
              mistakes=[(2 * sig(z) - 1, "that is 2 sigma(z) - 1 = tanh(z/2): the argument of sigma must be 2z"),
                        (sig(2 * z), "sigma(2z) runs from 0 to 1; tanh runs from -1 to 1: 2 sigma(2z) - 1"),
                        (2 * sig(2 * z), "almost: 2 sigma(2z) runs from 0 to 2; subtract 1")])
    lad.close(a_prime, _act.tanh_prime(z), "a_prime = tanh'(z) at z = 0, 1, -1 (tanh'(0) = 1)", inputs=shown,
              rtol=1e-9, atol=1e-12,
              hint=("differentiate a = 2 sigma(2z) - 1 with the chain rule",
                    "d/dz sigma(2z) = sigma'(2z) * 2, and there is a factor 2 in front of sigma",
                    "a_prime = 4 * sigma_prime(2 * z)   (which equals 1 - a**2 for the logistic sigma)"),
              mistakes=[(2 * sig_p(2 * z), "one factor 2 is missing: the chain rule gives d/dz sigma(2z) = 2 sigma'(2z), "
                                           "and a = 2 sigma(2z) - 1 has another 2 in front"),
                        (sig_p(2 * z), "chain rule: d/dz [2 sigma(2z) - 1] = 2 * 2 * sigma'(2z)"),
                        (2 * sig_p(z), "the derivative is taken at 2z: 4 sigma'(2z)"),
                        (4 * sig_p(z), "the derivative is taken at 2z: 4 sigma'(2z)"),
                        (1 - z ** 2, "1 - a^2 uses the output a = tanh(z), not z")])

    z = np.array([[-1000.0, 1000.0], [-40.0, 40.0]])
    shown = {"z": z, "sigma": "sigmoid", "sigma_prime": "sigmoid_prime"}
    a, a_prime = _pair_of_arrays(lad, lad.call(z, sig, sig_p, inputs=shown), z.shape)
    nonfinite = ("got nan/inf at |z| = 1000: compute through sigma and sigma_prime (they are stable), not "
                 "through exp(z) or exp(-z)")
    lad.close(a, _act.tanh(z), "edge case: |z| up to 1000 gives a = -1 or +1", inputs=shown, rtol=1e-12, atol=1e-12,
              nonfinite_hint=nonfinite)
    lad.close(a_prime, _act.tanh_prime(z), "edge case: |z| up to 1000 gives a tiny slope (not nan)", inputs=shown,
              rtol=1e-7, atol=1e-12, nonfinite_hint=nonfinite)

    z = np.array([-3.0, -1.5, -0.5, 0.25, 0.8, 2.5])
    shown = {"z": z, "sigma": "hard_sigmoid = clip(1/2 + z/4, 0, 1)", "sigma_prime": "its slope"}
    a, a_prime = _pair_of_arrays(lad, lad.call(z, _hard_sigmoid, _hard_sigmoid_prime, inputs=shown), z.shape)
    lad.close(a, np.clip(z, -1.0, 1.0), "uses the sigma it is given: the hard sigmoid gives a = clip(z, -1, 1)",
              inputs=shown, rtol=1e-12, atol=1e-12, hint=_TANH_GIVEN_SIGMA)
    lad.close(a_prime, (np.abs(z) < 1.0).astype(float),
              "uses the sigma_prime it is given: the hard sigmoid gives slope 1 inside (-1, 1), 0 outside",
              inputs=shown, rtol=1e-12, atol=1e-12, hint=_TANH_GIVEN_SIGMA,
              mistakes=[(1 - np.clip(z, -1, 1) ** 2, "1 - a^2 is tanh's slope only for the logistic sigma; write the "
                                                     "slope through sigma_prime: 4 sigma_prime(2z)")])

    z = np.random.default_rng(30).normal(0, 1.5, size=(2, 3))
    _, a_prime = lad.call(z, sig, sig_p, inputs={"z": z})
    lad.gradient(lambda v: float(np.sum(lad.call(v, sig, sig_p, inputs={"z": v})[0])), z, a_prime,
                 "gradient: a_prime agrees with finite differences of your a",
                 hint="your a_prime is not the slope of your a: differentiate 2 sigma(2z) - 1 with the chain rule")
    lad.passed()


# --------------------------------------------------------------------------- leaky ReLU backward
def leaky_relu_backward(student, *, hidden: bool = False, rng=None) -> None:
    """Check ``leaky_relu_backward(dout, z, alpha) = dout * (1 if z > 0 else alpha)``.

    Ladder: an array shaped like ``z``; slopes on a row with upstream 1; a batch with negative
    upstream values (diagnoses: slope without ``dout``, ``max(alpha dout, dout)``, ``alpha z``
    as the slope, the forward value); the kink ``z = 0`` takes slope ``alpha``; ``alpha = 0`` is
    ReLU; finite differences of ``sum(dout * leaky_relu(z))``.
    Hidden: 20 random batches (exact zeros included) vs ``dout * nnkit.activations.leaky_relu_prime``,
    ``rtol=1e-12``.
    """
    lad = Ladder("leaky_relu_backward", student, hidden=hidden)
    names = ("dout", "z", "alpha")
    if hidden:
        def draw(g):
            shape = (int(g.integers(1, 30)), int(g.integers(1, 10)))
            z = g.normal(0.0, 2.0, size=shape)
            z[g.random(shape) < 0.1] = 0.0
            return g.normal(0.0, 1.0, size=shape), z, float(g.choice([0.0, 0.01, 0.1, g.uniform(0, 0.5)]))

        lad.compare_random(draw, lambda dout, z, alpha: dout * _act.leaky_relu_prime(z, alpha),
                           reference_name="dout * nnkit.activations.leaky_relu_prime", names=names,
                           rtol=1e-12, atol=1e-15, rng=rng, label="(with exact zeros in z)")
        return lad.passed()

    dout, z, alpha = np.ones((1, 4)), np.array([[-2.0, -0.5, 0.5, 3.0]]), 0.1
    shown = dict(zip(names, (dout, z, alpha)))
    dz = lad.array(lad.call(dout, z, alpha, inputs=shown), z.shape)
    slope = _act.leaky_relu_prime(z, alpha)
    lad.close(dz, slope, "slopes with upstream 1: alpha for z < 0, 1 for z > 0", inputs=shown, rtol=1e-12,
              hint=("the leaky ReLU is z for z > 0 and alpha z otherwise: what is its slope on each side?",
                    "slope 1 where z > 0, alpha where z <= 0; multiply by dout",
                    "dz = dout * np.where(z > 0, 1.0, alpha)"),
              mistakes=[(np.where(z > 0, z, alpha * z), "that is the forward value leaky_relu(z); the backward pass "
                                                        "returns dout times the SLOPE (1 or alpha)"),
                        (dout, "you passed dout through unchanged: where z <= 0 the slope is alpha (the sign of z "
                               "decides, not the sign of dout)"),
                        (np.where(z > 0, 1.0, alpha * z), "for z <= 0 the slope of alpha z is alpha, not alpha z")])

    dout = np.array([[1.5, -2.0, 0.5], [-1.0, 3.0, -0.5]])
    z = np.array([[-1.0, -3.0, 2.0], [0.5, -0.2, 4.0]])
    alpha = 0.05
    shown = dict(zip(names, (dout, z, alpha)))
    slope = _act.leaky_relu_prime(z, alpha)
    dz = lad.array(lad.call(dout, z, alpha, inputs=shown), z.shape)
    lad.close(dz, dout * slope, "batch of 2 examples with negative upstream gradients", inputs=shown, rtol=1e-12,
              hint=("chain rule: dC/dz = dC/dout * dout/dz, entry by entry",
                    "dz = dout * slope, slope = 1 where z > 0 and alpha where z <= 0",
                    "dz = dout * np.where(z > 0, 1.0, alpha)"),
              mistakes=[(slope, "multiply the slope by the upstream gradient dout (chain rule)"),
                        (np.maximum(alpha * dout, dout), "max(alpha x, x) is the FORWARD formula; in the backward pass the "
                                                         "slope depends on the sign of z, not of dout"),
                        (dout * np.where(z > 0, 1.0, alpha * z), "for z <= 0 the slope of alpha z is alpha, not alpha z"),
                        (dout * np.where(z > 0, z, alpha * z), "that multiplies dout by the forward value; use the slope"),
                        (dout * np.where(z > 0, alpha, 1.0), "slopes swapped: 1 for z > 0, alpha for z <= 0")])

    dout, z, alpha = np.array([[2.0, -3.0, 1.0]]), np.array([[0.0, 0.0, -0.0]]), 0.05
    shown = dict(zip(names, (dout, z, alpha)))
    dz = lad.array(lad.call(dout, z, alpha, inputs=shown), z.shape, "returns the shape of z")
    lad.close(dz, dout * _act.leaky_relu_prime(z, alpha), "edge case: at the kink z = 0 the slope is alpha",
              inputs=shown, rtol=1e-12,
              hint=("the function has no derivative at 0; code must still pick a number: the docstring says alpha",
                    "use z > 0 (strict) for slope 1, so z = 0 gets alpha (as relu'(0) = 0 in nnkit)"),
              mistakes=[(dout, "at z = 0 you used slope 1 (z >= 0); the convention here is alpha: slope 1 only where "
                               "z > 0")])

    dout, z = np.array([[1.0, 2.0, 3.0]]), np.array([[-1.0, 0.5, -0.1]])
    shown = dict(zip(names, (dout, z, 0.0)))
    dz = lad.array(lad.call(dout, z, 0.0, inputs=shown), z.shape, "returns the shape of z")
    lad.close(dz, dout * _act.relu_prime(z), "edge case: alpha = 0 is the ReLU", inputs=shown, rtol=1e-12,
              hint="with alpha = 0 nothing passes back where z <= 0")

    g = np.random.default_rng(31)
    z = g.normal(0, 1.0, size=(3, 2))
    z = np.where(np.abs(z) < 0.05, 0.3, z)  # stay away from the kink
    dout, alpha = g.normal(size=(3, 2)), 0.2
    dz = lad.call(dout, z, alpha, inputs=dict(zip(names, (dout, z, alpha))))
    lad.gradient(lambda v: float(np.sum(dout * _act.leaky_relu(v, alpha))), z, dz,
                 "gradient: dz agrees with finite differences of sum(dout * leaky_relu(z))",
                 hint="the chain rule: dz = dout * leaky_relu'(z)")
    lad.passed()


# --------------------------------------------------------------------------- ELU slope from its output
def elu_prime_from_output(student, *, hidden: bool = False, rng=None) -> None:
    """Check ``elu_prime_from_output(a, alpha)``: ELU's slope at z, given only ``a = elu(z, alpha)``.

    For z > 0 (a > 0) the slope is 1; for z <= 0, ``alpha e^z = a + alpha``. Ladder: an array shaped
    like ``a``; alpha = 1 by hand (diagnosis: ``alpha e^a``); alpha = 2 (diagnosis: ``a + 1``);
    the kink a = 0 gets alpha; alpha = 0 (ReLU); finite differences of ``elu``.
    Hidden: 20 random batches (alpha in [0.1, 3]) vs ``nnkit.activations.elu_prime`` at the z
    that produced ``a``, ``|student - reference| <= 1e-12 + 1e-9 |reference|``.
    """
    lad = Ladder("elu_prime_from_output", student, hidden=hidden)
    if hidden:
        g = np.random.default_rng() if rng is None else np.random.default_rng(rng)
        trials = 20
        for t in range(trials):
            z = g.normal(0.0, 2.0, size=(int(g.integers(1, 30)), int(g.integers(1, 8))))
            z[g.random(z.shape) < 0.05] = 0.0
            alpha = float(g.uniform(0.1, 3.0))
            a = _act.elu(z, alpha)
            expected = _act.elu_prime(z, alpha)
            shown = {"a": a, "alpha": alpha}
            got = lad.call(a, alpha, inputs=shown)
            problem = _close_or(None, got, expected, 1e-9, 1e-12) if got is not None else "returned None"
            if problem:
                lad.fail(f"random case {t + 1} of {trials}", inputs=shown, expected=expected, got=got,
                         hint=f"your function disagrees with nnkit.activations.elu_prime here: {problem}")
        lad.ok(f"{trials} random inputs agree with nnkit.activations.elu_prime "
               "(|student - reference| <= 1e-12 + 1e-9 |reference|)")
        return lad.passed()

    z, alpha = np.array([-1.0, 0.5, -3.0]), 1.0
    a = _act.elu(z, alpha)
    shown = {"a": a, "alpha": alpha, "(z that made a)": z}
    d = lad.array(lad.call(a, alpha, inputs={"a": a, "alpha": alpha}), a.shape)
    lad.close(d, _act.elu_prime(z, alpha), "alpha = 1: slope e^z for z <= 0, 1 for z > 0", inputs=shown, rtol=1e-9,
              hint=("you do not have z, only a; for z <= 0, a = alpha (e^z - 1): solve for e^z",
                    "the slope for z <= 0 is alpha e^z, and alpha e^z = a + alpha",
                    "np.where(a > 0, 1.0, a + alpha)"),
              mistakes=[(np.where(a > 0, 1.0, alpha * np.exp(a)), "alpha e^a evaluates the formula at the output a; "
                                                                  "the slope is alpha e^z, and alpha e^z = a + alpha"),
                        (np.where(a > 0, 1.0, a), "for z <= 0 the slope is alpha e^z = a + alpha, not a")])

    z, alpha = np.array([[-2.0, -0.3, 1.5], [0.2, -5.0, -0.01]]), 2.0
    a = _act.elu(z, alpha)
    shown = {"a": a, "alpha": alpha, "(z that made a)": z}
    d = lad.array(lad.call(a, alpha, inputs={"a": a, "alpha": alpha}), a.shape)
    lad.close(d, _act.elu_prime(z, alpha), "alpha = 2, a batch of 2 examples", inputs=shown, rtol=1e-9,
              hint="for z <= 0: a = alpha (e^z - 1), so the slope alpha e^z = a + alpha",
              mistakes=[(np.where(a > 0, 1.0, a + 1.0), "a + 1 is right only for alpha = 1; in general alpha e^z = "
                                                        "a + alpha"),
                        (np.where(a > 0, 1.0, alpha * np.exp(a)), "alpha e^a evaluates the formula at the output a; "
                                                                  "alpha e^z = a + alpha"),
                        (np.where(a > 0, 1.0, (a + alpha) / alpha), "that is e^z; the slope is alpha e^z = a + alpha")])

    a, alpha = np.array([0.0, 0.0]), 0.7
    shown = {"a": a, "alpha": alpha, "(z that made a)": np.zeros(2)}
    d = lad.array(lad.call(a, alpha, inputs={"a": a, "alpha": alpha}), a.shape, "returns the shape of a")
    lad.close(d, _act.elu_prime(np.zeros(2), alpha), "edge case: at the kink (z = 0, a = 0) the slope is alpha",
              inputs=shown, rtol=1e-12,
              hint="the convention of the docstring (and nnkit): z = 0 counts as the left side, slope alpha e^0 = alpha; "
                   "test a > 0, not a >= 0",
              mistakes=[(np.ones(2), "at a = 0 you used slope 1; the convention is the left slope alpha: use a > 0 "
                                     "for slope 1")])

    z = np.array([[-1.0, 2.0, -0.2]])
    a = _act.elu(z, 0.0)
    shown = {"a": a, "alpha": 0.0, "(z that made a)": z}
    d = lad.array(lad.call(a, 0.0, inputs={"a": a, "alpha": 0.0}), a.shape, "returns the shape of a")
    lad.close(d, _act.elu_prime(z, 0.0), "edge case: alpha = 0 is the ReLU (slope 0 where a = 0)", inputs=shown,
              rtol=1e-12, hint="with alpha = 0 the negative side is flat: slope a + alpha = 0")

    g = np.random.default_rng(32)
    z = g.normal(0, 1.0, size=(2, 3))
    z = np.where(np.abs(z) < 0.05, -0.4, z)
    alpha = 1.5
    d = lad.call(_act.elu(z, alpha), alpha, inputs={"a": _act.elu(z, alpha), "alpha": alpha})
    lad.gradient(lambda v: float(np.sum(_act.elu(v, alpha))), z, d,
                 "gradient: your slope agrees with finite differences of elu(z)",
                 hint="for z <= 0 the slope of alpha (e^z - 1) is alpha e^z, which is a + alpha")
    lad.passed()


# --------------------------------------------------------------------------- PReLU: gradient w.r.t. alpha
def prelu_alpha_grad(student, *, hidden: bool = False, rng=None) -> None:
    """Check ``prelu_alpha_grad(z, alpha, dout)``: dC/dalpha_j = sum over rows with z <= 0 of dout * z.

    ``z`` and ``dout`` are (N, H), ``alpha`` is (H,) (one slope per unit); the answer has shape (H,).
    Ladder: shape (H,) (diagnoses: summed over the wrong axis or over everything); a 3x2 case by
    hand (diagnoses: positive entries included, dout forgotten, alpha z instead of z, mean over
    the batch); all-positive z gives 0; a batch of one; finite differences of
    ``sum(dout * prelu(z, alpha))`` in alpha.
    Hidden: 20 random batches vs ``nnkit.activations.prelu_alpha_grad``, ``rtol=1e-9``.
    """
    lad = Ladder("prelu_alpha_grad", student, hidden=hidden)
    names = ("z", "alpha", "dout")
    if hidden:
        def draw(g):
            n, h = int(g.integers(1, 40)), int(g.integers(1, 10))
            return g.normal(0.0, 2.0, size=(n, h)), g.uniform(0.0, 0.5, size=h), g.normal(0.0, 1.0, size=(n, h))

        lad.compare_random(draw, _act.prelu_alpha_grad, reference_name="nnkit.activations.prelu_alpha_grad",
                           names=names, rtol=1e-9, atol=1e-12, rng=rng, label="(batches of 1-39 examples, 1-9 units)")
        return lad.passed()

    z = np.array([[-2.0, 3.0], [1.0, -1.0], [-0.5, -4.0]])
    alpha = np.array([0.1, 0.25])
    dout = np.array([[1.0, 2.0], [-1.0, 0.5], [2.0, -1.0]])
    shown = dict(zip(names, (z, alpha, dout)))
    expected = _act.prelu_alpha_grad(z, alpha, dout)
    out = lad.call(z, alpha, dout, inputs=shown)
    if isinstance(out, np.ndarray) and out.shape == (3,):
        lad.fail("has shape (H,) = (2,), one number per slope", inputs=shown, expected="shape (2,)", got="shape (3,)",
                 hint="you summed over the units (axis=1): alpha_j is shared by all examples, so sum over the "
                      "examples (axis=0)")
    if isinstance(out, (float, np.floating)) or (isinstance(out, np.ndarray) and out.ndim == 0):
        lad.fail("has shape (H,) = (2,), one number per slope", inputs=shown, expected="shape (2,)", got="one number",
                 hint="each unit has its own alpha_j: sum over the examples (axis=0) only, keep one entry per unit")
    d = lad.array(out, alpha.shape, "has shape (H,) = (2,), one number per slope")
    neg = np.minimum(z, 0.0)
    lad.close(d, expected, "3 examples, 2 units, by hand", inputs=shown, rtol=1e-9,
              hint=("alpha_j only appears where z <= 0: out = alpha_j z there, out = z elsewhere",
                    "d out / d alpha_j = z where z <= 0 and 0 where z > 0; chain rule: times dout; add up over the "
                    "examples",
                    "np.sum(dout * np.minimum(z, 0), axis=0)"),
              mistakes=[((dout * z).sum(axis=0), "entries with z > 0 do not depend on alpha (out = z there): keep "
                                                 "only z <= 0"),
                        (neg.sum(axis=0), "multiply by the upstream gradient dout (chain rule)"),
                        ((dout * neg).mean(axis=0), "sum over the examples, do not average: if dout carries a 1/N, "
                                                    "the sum already has it"),
                        ((dout * alpha * neg).sum(axis=0), "d(alpha z)/d alpha = z, not alpha z"),
                        ((dout * np.where(z <= 0, alpha, 0.0)).sum(axis=0),
                         "that is d out/dz (the slope alpha); the derivative with respect to alpha is z")])

    z = np.array([[0.5, 2.0], [1.0, 3.0]])
    shown = dict(zip(names, (z, alpha, dout[:2])))
    d = lad.array(lad.call(z, alpha, dout[:2], inputs=shown), alpha.shape, "returns shape (H,)")
    lad.close(d, np.zeros(2), "edge case: all z > 0, alpha has no effect: gradient 0", inputs=shown, atol=1e-15,
              hint="where z > 0 the unit outputs z whatever alpha is")

    g = np.random.default_rng(33)
    z, alpha, dout = g.normal(size=(1, 4)), g.uniform(0, 0.3, size=4), g.normal(size=(1, 4))
    shown = dict(zip(names, (z, alpha, dout)))
    d = lad.array(lad.call(z, alpha, dout, inputs=shown), (4,), "returns shape (H,)")
    lad.close(d, _act.prelu_alpha_grad(z, alpha, dout), "edge case: a batch of one example", inputs=shown, rtol=1e-9)

    z, alpha, dout = g.normal(0, 1.5, size=(5, 3)), g.uniform(0, 0.3, size=3), g.normal(size=(5, 3))
    d = lad.call(z, alpha, dout, inputs=dict(zip(names, (z, alpha, dout))))
    lad.gradient(lambda al: float(np.sum(dout * _act.prelu(z, al))), alpha, d,
                 "gradient: agrees with finite differences of C = sum(dout * prelu(z, alpha)) in alpha",
                 hint="the finite differences change one alpha_j at a time and see the cost change: only entries with "
                      "z <= 0 of column j respond")
    lad.passed()


# --------------------------------------------------------------------------- per-layer gradient norms
def _mistaken_norms(mistake, X, Ws, bs, f, fp, G):
    """Norms from a backward pass with one typical slip (diagnostics only, never the oracle).

    ``mistake``: ``"no_top_slope"`` (grad_out taken as delta^L), ``"prime_of_a"`` (f' of the
    activation) or ``"norm_of_delta"`` (no sum over the examples). Always one of them: this
    function never computes the right answer.
    """
    if mistake not in ("no_top_slope", "prime_of_a", "norm_of_delta"):
        raise ValueError(f"mistake: unknown {mistake!r}")
    Zs, As, A = [], [], X
    for W, b in zip(Ws, bs):
        Z = A @ W + b
        A = f(Z)
        Zs.append(Z)
        As.append(A)
    slopes = As if mistake == "prime_of_a" else Zs
    d = G if mistake == "no_top_slope" else G * fp(slopes[-1])
    out = [d]
    for l in range(len(Ws) - 2, -1, -1):
        d = (d @ Ws[l + 1].T) * fp(slopes[l])
        out.append(d)
    out.reverse()
    return np.array([float(np.linalg.norm(x if mistake == "norm_of_delta" else x.sum(axis=0))) for x in out])


def _stack(g, sizes, scale=1.0):
    Ws = [g.normal(0.0, scale / np.sqrt(m), size=(m, n)) for m, n in zip(sizes[:-1], sizes[1:])]
    bs = [g.normal(0.0, 0.5, size=n) for n in sizes[1:]]
    return Ws, bs


def _np_tanh(z):
    return np.tanh(z)


def _np_tanh_prime(z):
    return 1.0 / np.cosh(np.clip(z, -350.0, 350.0)) ** 2


# Activations handed to the student's layer_gradient_norms. They must not be kernels of a concept the
# chapter forbids (tanh is one): the trap would fire inside a correct answer. So tanh is numpy's here.
_ACTS = {"sigmoid": (_act.sigmoid, _act.sigmoid_prime), "tanh": (_np_tanh, _np_tanh_prime),
         "relu": (_act.relu, _act.relu_prime), "linear": (_identity, _ones_like)}


def layer_gradient_norms(student, *, hidden: bool = False, rng=None) -> None:
    """Check ``layer_gradient_norms(X, weights, biases, f, f_prime, grad_out)``: ||dC/db^l|| per layer.

    Ladder: an array of shape (L,); one linear layer by hand (the norm of the column sums of
    grad_out); a 3-layer sigmoid stack of different widths (diagnoses: the last layer's f'
    forgotten, f' of the activation instead of z, layers in reverse order, the norm of delta
    without the sum over examples); norms agree with finite differences of
    C = sum(grad_out * A^L) in every bias; a 6-layer sigmoid stack vanishes.
    Hidden: 20 random stacks (1-6 layers, widths 1-8, sigmoid/tanh/relu) vs
    ``nnkit.depth.layer_gradient_norms``, ``rtol=1e-9``.
    """
    lad = Ladder("layer_gradient_norms", student, hidden=hidden)
    names = ("X", "weights", "biases", "f", "f_prime", "grad_out")
    if hidden:
        def draw(g):
            L = int(g.integers(1, 7))
            sizes = [int(s) for s in g.integers(1, 9, size=L + 1)]
            Ws, bs = _stack(g, sizes, scale=float(g.uniform(0.5, 3.0)))
            n = int(g.integers(1, 20))
            f, fp = _ACTS[str(g.choice(["sigmoid", "tanh", "relu"]))]
            return g.normal(size=(n, sizes[0])), Ws, bs, f, fp, g.normal(size=(n, sizes[-1])) / n

        lad.compare_random(draw, _depth.layer_gradient_norms, reference_name="nnkit.depth.layer_gradient_norms",
                           names=names, rtol=1e-9, atol=1e-14, rng=rng,
                           label="(1-6 layers of widths 1-8; sigmoid, tanh, relu)")
        return lad.passed()

    X = np.array([[1.0, 2.0], [0.0, -1.0]])
    W, b = np.array([[1.0, -1.0, 0.5], [2.0, 0.0, 1.0]]), np.zeros(3)
    G = np.array([[3.0, 0.0, 1.0], [1.0, -4.0, 1.0]])
    f, fp = _ACTS["linear"]
    shown = {"X": X, "weights": [W], "biases": [b], "f": "identity", "f_prime": "ones", "grad_out": G}
    norms = lad.array(lad.call(X, [W], [b], f, fp, G, inputs=shown), (1,), "returns shape (L,) = (1,)")
    lad.close(norms, _depth.layer_gradient_norms(X, [W], [b], f, fp, G),
              "one linear layer by hand: ||column sums of grad_out|| = ||(4, -4, 2)|| = 6", inputs=shown, rtol=1e-9,
              hint=("for one linear layer delta = grad_out; dC/db is its sum over the examples (rows)",
                    "dC/db = grad_out.sum(axis=0) = (4, -4, 2); its length is sqrt(16 + 16 + 4) = 6",
                    "np.linalg.norm(delta.sum(axis=0)) for each layer's delta"),
              mistakes=[(np.array([float(np.linalg.norm(G))]), "that is the norm of delta over all entries; dC/db "
                                                               "sums delta over the examples first, then take the norm"),
                        (np.array([float(np.linalg.norm(X.T @ G))]), "that is the norm of dC/dW; the exercise asks for "
                                                                     "the bias gradient dC/db = sum of delta over rows")])

    g = np.random.default_rng(34)
    sizes = [4, 5, 3, 2]
    Ws, bs = _stack(g, sizes, scale=2.0)
    X, G = g.normal(size=(6, 4)), g.normal(size=(6, 2)) / 6
    f, fp = _ACTS["sigmoid"]
    shown = {"X": X, "weights": "3 matrices (4, 5), (5, 3), (3, 2)", "biases": "3 vectors", "f": "sigmoid",
             "f_prime": "sigmoid_prime", "grad_out": G}
    expected = _depth.layer_gradient_norms(X, Ws, bs, f, fp, G)
    norms = lad.array(lad.call(X, Ws, bs, f, fp, G, inputs=shown), (3,), "returns shape (L,) = (3,) for 3 layers")
    lad.close(norms, expected, "3 sigmoid layers of widths 5, 3, 2", inputs=shown, rtol=1e-9,
              hint=("backpropagate from the top: delta^L from grad_out, then one layer down at a time",
                    "delta^L = grad_out * f'(Z^L); delta^l = (delta^(l+1) @ W^(l+1).T) * f'(Z^l); norms[l] = "
                    "||delta^l summed over the rows||, the first layer first",
                    "forward: keep every Z; backward: d = G * f_prime(Zs[-1]); for l from L-2 down to 0: "
                    "d = (d @ weights[l+1].T) * f_prime(Zs[l]); norms[l] = np.linalg.norm(d.sum(axis=0))"),
              mistakes=[(expected[::-1], "your norms are in reverse order: norms[0] is the FIRST layer (next to the "
                                         "inputs)"),
                        (_mistaken_norms("no_top_slope", X, Ws, bs, f, fp, G),
                         "grad_out is dC/dA^L; the last layer's delta = dC/dZ^L needs its f'(Z^L) too"),
                        (_mistaken_norms("prime_of_a", X, Ws, bs, f, fp, G),
                         "f_prime takes the pre-activation Z (f_prime(Z)), not the activation A = f(Z)"),
                        (_mistaken_norms("norm_of_delta", X, Ws, bs, f, fp, G),
                         "that is the norm of delta over all entries; dC/db sums delta over the examples first")])

    def cost_in_bias(l):
        def C(bl):
            bs_ = [bb if i != l else bl for i, bb in enumerate(bs)]
            A = X
            for W, bb in zip(Ws, bs_):
                A = f(A @ W + bb)
            return float(np.sum(G * A))
        return C

    numeric = np.array([float(np.linalg.norm(_gc.numerical_gradient(cost_in_bias(l), bs[l].copy())))
                        for l in range(len(Ws))])
    lad.close(norms, numeric, "gradient: the norms agree with finite differences of C = sum(grad_out * A^L) in each b^l",
              inputs=shown, rtol=1e-6, atol=1e-12,
              hint="nudge one bias, watch C = sum(grad_out * A^L) change: that is dC/db^l; your norms disagree")

    Ws, bs = _stack(g, [8] * 7, scale=1.0)
    X, G = g.normal(size=(10, 8)), g.normal(size=(10, 8)) / 10
    shown = {"X": X, "weights": "6 matrices (8, 8)", "biases": "6 vectors", "f": "sigmoid", "f_prime": "sigmoid_prime",
             "grad_out": G}
    norms = lad.array(lad.call(X, Ws, bs, f, fp, G, inputs=shown), (6,), "returns shape (L,) = (6,) for 6 layers")
    lad.close(norms, _depth.layer_gradient_norms(X, Ws, bs, f, fp, G),
              "6 sigmoid layers: the first layer's gradient is the smallest", inputs=shown, rtol=1e-9, atol=1e-15)
    lad.passed()


# --------------------------------------------------------------------------- dead units
def dead_unit_fraction(student, *, hidden: bool = False, rng=None) -> None:
    """Check ``dead_unit_fraction(Z)``: the fraction of columns of Z that are <= 0 on every row.

    Ladder: one number; a 2x3 case by hand (diagnoses: fraction of entries, a count, ``< 0``
    instead of ``<= 0``, "some example" instead of "every example", rows instead of columns);
    no dead unit gives 0; a batch of one example.
    Hidden: 20 random batches with planted dead columns vs ``nnkit.depth.dead_unit_fraction``,
    ``atol=1e-12``.
    """
    lad = Ladder("dead_unit_fraction", student, hidden=hidden)
    if hidden:
        def draw(g):
            n, h = int(g.integers(1, 40)), int(g.integers(1, 30))
            Z = g.normal(0.0, 1.0, size=(n, h)) + g.normal(0.0, 1.0, size=h)
            dead = g.random(h) < g.uniform(0.0, 0.7)
            Z[:, dead] = -np.abs(Z[:, dead])
            Z[g.random((n, h)) < 0.05] = 0.0
            return (Z,)

        lad.compare_random(draw, _depth.dead_unit_fraction, reference_name="nnkit.depth.dead_unit_fraction",
                           names=("Z",), rtol=0.0, atol=1e-12, rng=rng, label="(planted dead units, exact zeros)")
        return lad.passed()

    Z = np.array([[-1.0, 2.0, -3.0], [-0.5, -1.0, 0.0]])
    frac = lad.number(lad.call(Z, inputs={"Z": Z}),
                      hint="return one float: the fraction of units (columns) that are dead")
    lad.close(frac, _depth.dead_unit_fraction(Z), "2 examples, 3 units by hand: units 0 and 2 are dead, 2/3",
              inputs={"Z": Z}, rtol=1e-12,
              hint=("a unit is a column; it is dead on this batch if it never has z > 0",
                    "unit 2 has z = -3 and z = 0: relu'(0) = 0, so it never passes a gradient: dead",
                    "np.mean(np.all(Z <= 0, axis=0))"),
              mistakes=[(5 / 6, "that is the fraction of ENTRIES <= 0; a unit (column) is dead only if it is <= 0 on "
                                "every example"),
                        (2.0, "return a fraction of the units (divide by H = Z.shape[1]), not a count"),
                        (1 / 3, "z = 0 counts as dead: relu(0) = 0 and relu'(0) = 0, so use <= 0"),
                        (1.0, "dead means <= 0 on EVERY example (np.all), not on some example"),
                        (0.5, "units are the columns (axis 0 runs over examples): test each column")])

    Z = np.array([[0.1, -2.0], [-3.0, 0.5]])
    lad.close(lad.number(lad.call(Z, inputs={"Z": Z})), 0.0, "edge case: every unit fires on some example",
              inputs={"Z": Z}, atol=1e-15, hint="each column has a positive entry, so no unit is dead: 0.0")

    Z = np.array([[-0.2, 1.0, 0.0, 3.0]])
    lad.close(lad.number(lad.call(Z, inputs={"Z": Z})), _depth.dead_unit_fraction(Z),
              "edge case: a batch of one example", inputs={"Z": Z}, rtol=1e-12)
    lad.passed()
