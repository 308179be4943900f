"""Checks for chapter 05, *Dropout*.

One check per exercise; each takes the student's function and prints a hint ladder
(see :mod:`nnkit.checks._ladder`)::

    checks.dropout_forward(dropout_forward)               # visible ladder
    checks.dropout_forward(dropout_forward, hidden=True)  # hidden: random inputs vs nnkit

Exercises (rows are examples; ``H`` hidden units; ``keep_prob`` = probability of KEEPING a unit):

============================  ==========================================================
dropout_forward               ``(x, keep_prob, rng, train=True) -> (out, mask)``: inverted
                              dropout, ``u = rng.random(x.shape)``, kept where ``u < keep_prob``,
                              ``mask`` 0 or ``1/keep_prob``; ``train=False`` -> ``(x, None)``
dropout_variance              ``x^2 (1 - keep_prob) / keep_prob``, elementwise
dropout_backward              ``dout * mask`` (``dout`` when ``mask is None``)
dropout_gradients             cost and ``(dW1, db1, dW2, db2)`` of a sigmoid D-H-C network
                              with a fixed dropout mask on its hidden layer (mean cross-entropy)
thinned_ensemble_average      mean over the rows ``m`` of ``masks`` of
                              ``sigmoid((sigmoid(X W1 + b1) * m) W2 + b2)``
============================  ==========================================================

Oracles: :func:`nnkit.dropout.dropout_forward` / :func:`~nnkit.dropout.dropout_backward`,
:func:`nnkit.thinned.dropout_variance` / :func:`~nnkit.thinned.thinned_ensemble_average`,
and for the gradients the training step of :class:`nnkit.network.Network` itself, fed the same
generator seed so that it draws the very mask the student is given. All are called outside the
trap; while the student's function runs, the kernels of the chapter's forbidden concepts
(``course.yml``) are trapped.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnkit import dropout as _dropout
from nnkit import thinned as _thinned
from nnkit.activations import sigmoid
from nnkit.costs import binary_cross_entropy_from_logits
from nnkit.network import Network

from ._ladder import Ladder, fmt

__all__ = [
    "dropout_forward",
    "dropout_variance",
    "dropout_backward",
    "dropout_gradients",
    "thinned_ensemble_average",
]

TRIALS = 20


def _generator(rng) -> np.random.Generator:
    """Grading: a fresh unseeded generator (inputs differ on every run); tests pass a seed."""
    if rng is None:
        return np.random.default_rng()
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _ref_mask(shape, keep_prob, seed):
    """The mask the reference draws from ``default_rng(seed)`` for activations of ``shape``."""
    return _dropout.dropout_forward(np.ones(shape), keep_prob, np.random.default_rng(seed))[1]


def _seed_for(pattern, keep_prob):
    """The first seed whose reference mask keeps exactly the units where ``pattern`` is True."""
    pattern = np.asarray(pattern, dtype=bool)
    for seed in range(10_000):
        if np.array_equal(_ref_mask(pattern.shape, keep_prob, seed) > 0, pattern):
            return seed
    raise RuntimeError(f"no seed gives the mask pattern {pattern}")  # pragma: no cover


def _as_float_array(x):
    if isinstance(x, np.ndarray) and x.dtype.kind in "iufb":
        return x.astype(np.float64)
    return None


# =========================================================================== dropout_forward
_SCALE_HINT = ("the mask is the factor each activation is multiplied by; a kept unit must be scaled so "
               "that its expected value stays x",
               "a kept unit survives with probability keep_prob: what factor f makes keep_prob * f = 1?",
               "keep = rng.random(x.shape) < keep_prob;  mask = keep / keep_prob;  return x * mask, mask")
_DRAW_HINT = ("use the generator you are given, once: the same generator state must give the same mask "
              "as the reference",
              "draw u = rng.random(x.shape) in ONE call (not np.random.*, not rng.binomial, not one draw "
              "per unit) and keep the entries where u < keep_prob",
              "keep = rng.random(x.shape) < keep_prob;  mask = keep / keep_prob")


def _forward_pair(lad: Ladder, got, shape, step_prefix=""):
    """Rungs: a pair (out, mask) of float arrays of ``shape`` (mask may be checked separately)."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        lad.fail(f"{step_prefix}returns a pair (out, mask)", expected="a tuple (out, mask)",
                 got="None" if got is None else type(got).__name__ + (f" of length {len(got)}" if hasattr(got, "__len__") else ""),
                 hint="return both arrays: `return x * mask, mask`" if got is not None
                 else "dropout_forward returned None - did you forget `return out, mask`?")
    lad.ok(f"{step_prefix}returns a pair (out, mask)")
    out, mask = got
    for name, arr in (("out", out), ("mask", mask)):
        if _as_float_array(arr) is None:
            lad.fail(f"{step_prefix}{name} is a numpy array", expected=f"a numpy array of shape {shape}",
                     got="None" if arr is None else type(arr).__name__,
                     hint=f"{name} must be an array of numbers the shape of x")
        if arr.shape != tuple(shape):
            lad.fail(f"{step_prefix}{name} has the shape of x", expected=f"shape {tuple(shape)}", got=f"shape {arr.shape}",
                     hint="one mask entry per activation: draw rng.random(x.shape)")
    lad.ok(f"{step_prefix}out and mask have the shape of x")
    return _as_float_array(out), _as_float_array(mask)


def dropout_forward(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``dropout_forward(x, keep_prob, rng, train=True) -> (out, mask)`` (inverted dropout).

    Ladder: a pair of arrays of the shape of x; ``out == x * mask``; mask entries are 0 or
    ``1/keep_prob`` (diagnoses a 0/1 mask and a mask of keep_prob); the same draws as the
    reference for the same generator state (diagnoses keeping with probability 1 - keep_prob
    and other random streams); keep_prob = 1 keeps everything; over 20,000 rows the mean of
    out is x; ``train=False`` returns ``(x, None)`` and draws nothing; a 3-D input.
    Hidden: 20 random batches, keep probabilities and seeds (a few at test time) vs
    :func:`nnkit.dropout.dropout_forward` with a generator of the same seed, ``rtol=1e-12``.
    """
    lad = Ladder("dropout_forward", student, hidden=hidden)
    if hidden:
        g = _generator(rng)
        for t in range(TRIALS):
            shape = (int(g.integers(1, 30)), int(g.integers(1, 30)))
            x = g.normal(0, 2, size=shape)
            keep_prob = 1.0 if t == 3 else float(g.uniform(0.05, 1.0))
            seed = int(g.integers(2**31))
            train = not (t % 7 == 5)
            exp_out, exp_mask = _dropout.dropout_forward(x, keep_prob, np.random.default_rng(seed), train=train)
            shown = {"x": x, "keep_prob": keep_prob, "rng": f"np.random.default_rng({seed})", "train": train}
            got = lad.call(x, keep_prob, np.random.default_rng(seed), train, inputs=shown)
            step = f"random case {t + 1} of {TRIALS}"
            out, mask = _forward_pair(lad, got, shape, step_prefix="") if train else (None, None)
            if not train:
                if not isinstance(got, (tuple, list)) or len(got) != 2 or got[1] is not None:
                    lad.fail(step, inputs=shown, expected="(x, None)", got=got,
                             hint="at test time (train=False) dropout does nothing: return x, None")
                out = _as_float_array(got[0])
                if out is None or out.shape != x.shape or not np.allclose(out, x, rtol=1e-12, atol=0):
                    lad.fail(step, inputs=shown, expected=x, got=got[0], hint="train=False: return x unchanged")
                continue
            for name, g_arr, e_arr in (("mask", mask, exp_mask), ("out", out, exp_out)):
                if not np.allclose(g_arr, e_arr, rtol=1e-12, atol=1e-15):
                    lad.fail(step, inputs=shown, expected=f"{name} = {fmt(e_arr)}", got=f"{name} = {fmt(g_arr)}",
                             hint="your function disagrees with nnkit.dropout.dropout_forward for the same "
                                  "generator seed")
        lad.ok(f"{TRIALS} random batches, keep probabilities and seeds agree with nnkit.dropout.dropout_forward "
               "(same generator seed; |student - reference| <= 1e-15 + 1e-12 * |reference|)")
        return lad.passed()

    # ---- type, shape, out = x * mask
    x = np.array([[0.2, 0.4, 0.6, 0.8], [1.0, 1.2, 1.4, 1.6]])
    keep_prob = 0.5
    shown = {"x": x, "keep_prob": keep_prob, "rng": "np.random.default_rng(0)"}
    got = lad.call(x, keep_prob, np.random.default_rng(0), inputs=shown)
    out, mask = _forward_pair(lad, got, x.shape)
    lad.close(out, x * mask, "out equals x * mask", inputs={**shown, "your mask": mask}, rtol=1e-12,
              hint=("out is x with every entry multiplied by its mask value",
                    "the mask already contains the rescaling: out = x * mask"))

    # ---- mask values
    values = set(np.round(np.unique(mask), 12).tolist())
    allowed = {0.0, round(1 / keep_prob, 12)}
    if not values <= allowed:
        if values <= {0.0, 1.0}:
            hint = (("a mask of 0s and 1s is direct dropout: the expected activation becomes keep_prob * x",)
                    + _SCALE_HINT[1:])
        elif values <= {0.0, keep_prob}:
            hint = ("you multiplied the kept units by keep_prob; inverted dropout DIVIDES by it during "
                    "training (scaling by keep_prob is the test-time rule of direct dropout)",) + _SCALE_HINT[1:]
        else:
            hint = _SCALE_HINT
        lad.fail("mask entries are 0 (dropped) or 1 / keep_prob (kept)", inputs=shown,
                 expected=f"only the values 0 and {1 / keep_prob:g}", got=f"the values {sorted(values)}", hint=hint)
    lad.ok("mask entries are 0 (dropped) or 1 / keep_prob (kept)")

    # ---- the draws
    expected_mask = _ref_mask(x.shape, keep_prob, 0)
    if not np.array_equal(mask, expected_mask):
        u = np.random.default_rng(0).random(x.shape)
        flipped = (u >= keep_prob) / keep_prob
        hint = (("you kept the units where u >= keep_prob, so each unit is kept with probability 1 - keep_prob",
                 "keep where u < keep_prob")
                if np.array_equal(mask, flipped) else _DRAW_HINT)
        lad.fail("the same draws as the reference: kept where rng.random(x.shape) < keep_prob", inputs=shown,
                 expected=f"mask = {fmt(expected_mask)}", got=f"mask = {fmt(mask)}", hint=hint)
    lad.ok("kept where rng.random(x.shape) < keep_prob (the same mask as the reference)")

    # ---- keep_prob = 1
    shown1 = {"x": x, "keep_prob": 1.0, "rng": "np.random.default_rng(1)"}
    out1, mask1 = _forward_pair(lad, lad.call(x, 1.0, np.random.default_rng(1), inputs=shown1), x.shape)
    lad.close(out1, x, "edge case: keep_prob = 1 keeps every unit unchanged", inputs=shown1, rtol=1e-12,
              hint="with keep_prob = 1 every u < 1 is kept and 1 / keep_prob = 1: out must equal x")

    # ---- the expectation is preserved
    h = np.array([[0.1, 0.5, 1.0, 2.0]])
    big = np.repeat(h, 20_000, axis=0)
    shown_mc = {"x": "20,000 copies of the row [0.1, 0.5, 1.0, 2.0]", "keep_prob": 0.3,
                "rng": "np.random.default_rng(2)"}
    out_mc, _ = _forward_pair(lad, lad.call(big, 0.3, np.random.default_rng(2), inputs=shown_mc), big.shape)
    lad.close(out_mc.mean(axis=0), h[0], "the mean of out over 20,000 rows is x within 6% (expected activation "
              "preserved)", inputs=shown_mc, rtol=0.06, hint=_SCALE_HINT)

    # ---- test time
    shown_t = {"x": x, "keep_prob": keep_prob, "rng": "np.random.default_rng(3)", "train": False}
    gen = np.random.default_rng(3)
    state = gen.bit_generator.state
    got_t = lad.call(x, keep_prob, gen, False, inputs=shown_t)
    test_hint = ("inverted dropout already rescaled during training, so at test time it does nothing",
                 "train=False: return x, None (no mask, no random numbers)")
    if not isinstance(got_t, (tuple, list)) or len(got_t) != 2 or got_t[1] is not None:
        lad.fail("test time: train=False returns (x, None)", inputs=shown_t, expected="(x, None)",
                 got=got_t if not isinstance(got_t, (tuple, list)) else f"a {type(got_t).__name__} with mask = {fmt(got_t[1]) if len(got_t) == 2 else '?'}",
                 hint=test_hint)
    out_t = _as_float_array(got_t[0])
    if out_t is None or out_t.shape != x.shape or not np.allclose(out_t, x, rtol=1e-12, atol=0):
        lad.fail("test time: train=False returns (x, None)", inputs=shown_t, expected=x, got=got_t[0],
                 hint=("at test time the network is used as it is: no dropping and no rescaling",) + test_hint[1:])
    lad.ok("test time: train=False returns (x, None)")
    lad.check(gen.bit_generator.state == state, "test time draws no random numbers", inputs=shown_t,
              expected="the generator left untouched", got="your function drew from rng",
              hint="return before drawing: `if not train: return x, None`")

    # ---- any shape
    x3 = np.random.default_rng(4).normal(size=(2, 3, 4))
    shown3 = {"x": x3, "keep_prob": 0.7, "rng": "np.random.default_rng(5)"}
    out3, mask3 = _forward_pair(lad, lad.call(x3, 0.7, np.random.default_rng(5), inputs=shown3), x3.shape)
    e_out3, e_mask3 = _dropout.dropout_forward(x3, 0.7, np.random.default_rng(5))
    lad.close(mask3, e_mask3, "edge case: a 3-D input of shape (2, 3, 4)", inputs=shown3, rtol=1e-12,
              hint="nothing in dropout depends on the number of dimensions: use x.shape, not x.shape[0], x.shape[1]")
    lad.close(out3, e_out3, "edge case: a 3-D input of shape (2, 3, 4)", inputs=shown3, rtol=1e-12)
    lad.passed()


# =========================================================================== dropout_variance
_VAR_HINT = ("out takes two values: x / keep_prob (probability keep_prob) and 0; Var = E[out^2] - (E[out])^2",
             "E[out] = x and E[out^2] = keep_prob * (x / keep_prob)^2 = x^2 / keep_prob",
             "Var[out] = x^2 / keep_prob - x^2 = x**2 * (1 - keep_prob) / keep_prob")


def dropout_variance(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``dropout_variance(x, keep_prob) = x^2 (1 - keep_prob) / keep_prob`` (elementwise).

    Ladder: an array of the shape of x; one value by hand (x = 2, keep_prob = 0.25; diagnoses the
    variance of direct dropout, E[out^2] without the mean, the standard deviation, a missing
    1/keep_prob, drop and keep swapped); a batch with negative entries (x must be squared);
    keep_prob = 1 gives 0; agreement with the sample variance of 400,000 reference draws.
    Hidden: 20 random arrays and keep probabilities vs :func:`nnkit.thinned.dropout_variance`,
    ``rtol=1e-10``.
    """
    lad = Ladder("dropout_variance", student, hidden=hidden)
    if hidden:
        def draw(g):
            shape = tuple(int(s) for s in g.integers(1, 12, size=int(g.integers(1, 4))))
            return g.normal(0, 2, size=shape), float(g.uniform(0.05, 1.0))

        lad.compare_random(draw, _thinned.dropout_variance, reference_name="nnkit.thinned.dropout_variance",
                           names=("x", "keep_prob"), rtol=1e-10, atol=1e-14, rng=rng,
                           label="(1- to 3-D arrays, keep_prob in [0.05, 1))")
        return lad.passed()

    x, kp = np.array([[2.0]]), 0.25
    shown = {"x": x, "keep_prob": kp}
    got = lad.array(lad.call(x, kp, inputs=shown), x.shape,
                    hint="one variance per entry of x: keep the shape of x (no sum or mean)")
    lad.close(got, [[12.0]], "tiny case: x = 2, keep_prob = 0.25", inputs=shown, rtol=1e-10, hint=_VAR_HINT,
              mistakes=[([[0.75]], ("that is x^2 keep_prob (1 - keep_prob), the variance of r x: direct dropout. "
                                    "Here out = r x / keep_prob",) + _VAR_HINT[1:]),
                        ([[16.0]], ("that is E[out^2]; the variance subtracts the square of the mean, (E[out])^2 = x^2",)
                         + _VAR_HINT[1:]),
                        ([[np.sqrt(12.0)]], "that is the standard deviation; the variance is its square"),
                        ([[3.0]], ("Var[r x / keep_prob] = x^2 Var[r] / keep_prob^2: you left out a 1/keep_prob",)
                         + _VAR_HINT[1:]),
                        ([[48.0]], ("one 1/keep_prob too many: Var[r] = keep_prob (1 - keep_prob), then divide by "
                                    "keep_prob^2",) + _VAR_HINT[1:]),
                        ([[6.0]], ("out = x * mask, so Var[out] = x^2 Var[mask]: the variance grows with the "
                                   "SQUARE of x",) + _VAR_HINT[1:]),
                        ([[4.0 / 3.0]], ("keep and drop are swapped: keep_prob is the probability of KEEPING a unit",)
                         + _VAR_HINT[1:])])

    x = np.array([[0.5, -1.0, 0.0], [2.0, -3.0, 0.25]])
    shown = {"x": x, "keep_prob": 0.8}
    got = lad.array(lad.call(x, 0.8, inputs=shown), x.shape)
    lad.close(got, _thinned.dropout_variance(x, 0.8), "a batch with negative activations", inputs=shown, rtol=1e-10,
              hint=("a variance is never negative, and it grows with the SQUARE of the value",) + _VAR_HINT[1:],
              mistakes=[(x * 0.2 / 0.8, "the variance scales with x squared (out = x * mask, so Var = x^2 Var[mask])")])

    shown = {"x": x, "keep_prob": 1.0}
    got = lad.array(lad.call(x, 1.0, inputs=shown), x.shape)
    lad.close(got, np.zeros_like(x), "edge case: keep_prob = 1 (nothing is dropped, no randomness)", inputs=shown,
              atol=1e-14, hint="with keep_prob = 1 out = x always, so its variance is 0")

    x = np.array([[1.5, -0.4]])
    kp = 0.3
    draws = _dropout.dropout_forward(np.repeat(x, 400_000, axis=0), kp, np.random.default_rng(6))[0]
    sample = draws.var(axis=0)
    shown = {"x": x, "keep_prob": kp}
    got = lad.array(lad.call(x, kp, inputs=shown), x.shape)
    lad.close(got[0], sample, "agrees with the sample variance of 400,000 dropout draws (within 2%)",
              inputs=shown, rtol=0.02, hint=_VAR_HINT)
    lad.passed()


# =========================================================================== dropout_backward
_BACK_HINT = ("out = x * mask with a fixed mask, so d out / d x = mask, entry by entry",
              "the upstream gradient is multiplied by the same mask the forward pass used",
              "return dout * mask   (and dout itself when mask is None)")


def dropout_backward(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``dropout_backward(dout, mask) = dout * mask`` (``dout`` when ``mask`` is None).

    Ladder: an array of the shape of dout; one row by hand (diagnoses a 0/1 mask, the mask
    applied twice, the mask alone); test time (``mask=None``) returns dout; finite differences
    of ``sum(dout * x * mask)``; a 3-D batch.
    Hidden: 20 random (dout, mask) pairs, a few with ``mask=None``, vs
    :func:`nnkit.dropout.dropout_backward`, ``rtol=1e-12``.
    """
    lad = Ladder("dropout_backward", student, hidden=hidden)
    if hidden:
        def draw(g):
            shape = (int(g.integers(1, 25)), int(g.integers(1, 25)))
            dout = g.normal(size=shape)
            if g.random() < 0.15:
                return dout, None
            return dout, _ref_mask(shape, float(g.uniform(0.05, 1.0)), int(g.integers(2**31)))

        lad.compare_random(draw, _dropout.dropout_backward, reference_name="nnkit.dropout.dropout_backward",
                           names=("dout", "mask"), rtol=1e-12, atol=1e-15, rng=rng,
                           label="(some at test time, mask=None)")
        return lad.passed()

    dout = np.array([[1.0, 2.0, 3.0, -1.0]])
    mask = np.array([[2.0, 0.0, 2.0, 2.0]])
    shown = {"dout": dout, "mask": mask}
    got = lad.array(lad.call(dout, mask, inputs=shown), dout.shape)
    lad.close(got, dout * mask, "tiny case: keep_prob = 0.5, the second unit dropped", inputs=shown, rtol=1e-12,
              hint=_BACK_HINT,
              mistakes=[(dout * (mask > 0), ("the kept units were multiplied by 1/keep_prob in the forward pass, so "
                                             "their gradient gets the same factor: use the mask as it is",)
                         + _BACK_HINT[1:]),
                        (dout * mask * mask, "the mask already contains 1/keep_prob: multiply by it once"),
                        (mask, "dout is the gradient arriving from above: multiply it by the mask"),
                        (dout, "a dropped unit took no part in the forward pass, so it gets no gradient: "
                               "multiply by the mask")])

    shown = {"dout": dout, "mask": None}
    got = lad.array(lad.call(dout, None, inputs=shown), dout.shape,
                    hint="with mask=None (test time) return dout unchanged")
    lad.close(got, dout, "test time: mask=None returns dout", inputs=shown, rtol=1e-12,
              hint=("at test time dropout was the identity, whose derivative is 1", "if mask is None: return dout"))

    g = np.random.default_rng(7)
    x = g.normal(size=(3, 5))
    up = g.normal(size=(3, 5))
    mask = _ref_mask((3, 5), 0.6, 8)
    shown = {"dout": up, "mask": mask}
    got = lad.array(lad.call(up, mask, inputs=shown), up.shape)
    lad.gradient(lambda v: float(np.sum(up * v * mask)), x, got,
                 "gradient: finite differences of sum(dout * x * mask) with the mask held fixed",
                 hint=_BACK_HINT, inputs=shown)

    d3 = g.normal(size=(2, 3, 4))
    m3 = _ref_mask((2, 3, 4), 0.5, 9)
    shown = {"dout": d3, "mask": m3}
    got = lad.array(lad.call(d3, m3, inputs=shown), d3.shape)
    lad.close(got, d3 * m3, "edge case: a 3-D batch", inputs=shown, rtol=1e-12, hint=_BACK_HINT)
    lad.passed()


# =========================================================================== dropout_gradients
_PARAM_NAMES = ("W1", "b1", "W2", "b2")
_GRAD_NAMES = ("dW1", "db1", "dW2", "db2")
_GRAD_HINTS = {
    "dW2": ("the output layer's input is the hidden layer AFTER dropout",
            "with d2 = dC/dZ2 = (a - Y) / N:  dW2 = h_tilde.T @ d2, where h_tilde = h * mask"),
    "db2": ("the bias gradient sums the output error over the examples",
            "db2 = d2.sum(axis=0) with d2 = (a - Y) / N"),
    "dW1": ("backpropagate through W2, then through the dropout mask, then through the sigmoid",
            "d1 = (d2 @ W2.T) * mask * h * (1 - h);  dW1 = X.T @ d1"),
    "db1": ("backpropagate through W2, then through the dropout mask, then through the sigmoid",
            "d1 = (d2 @ W2.T) * mask * h * (1 - h);  db1 = d1.sum(axis=0)"),
}


def _network_for(W1, b1, W2, b2) -> Network:
    """A :class:`Network` (sigmoid hidden units, sigmoid outputs, cross-entropy) holding these weights."""
    D, H = W1.shape
    net = Network([D, H, W2.shape[1]], hidden="sigmoid", cost="cross_entropy", init="zeros", rng=0)
    for l, (W, b) in enumerate(((W1, b1), (W2, b2))):
        net.weights[l][...] = W
        net.biases[l][...] = b
    return net


def _oracle_gradients(X, Y, W1, b1, W2, b2, keep_prob, seed):
    """(cost, grads, mask) of the thinned network, from nnkit's own training step.

    ``Network``'s step draws its dropout mask from ``default_rng(seed)`` exactly as
    :func:`_ref_mask` does, and returns the gradients of the mean cost for ``scale = 1/N``.
    """
    N, H = X.shape[0], W1.shape[1]
    net = _network_for(W1, b1, W2, b2)
    with np.errstate(over="ignore"):
        step = net._make_step(N, keep_prob, np.random.default_rng(seed))
        gW, gb = step(np.ascontiguousarray(X, dtype=float), np.ascontiguousarray(Y, dtype=float), 1.0 / N)
    grads = (gW[0].copy(), gb[0].copy(), gW[1].copy(), gb[1].copy())
    mask = _ref_mask((N, H), keep_prob, seed)
    cost = binary_cross_entropy_from_logits((sigmoid(X @ W1 + b1) * mask) @ W2 + b2, Y)
    return cost, grads, mask


def _random_problem(g, N, D, H, C):
    X = g.normal(size=(N, D))
    Y = (g.random((N, C)) < 0.5).astype(float)
    W1, b1 = g.normal(0, 0.8, size=(D, H)), g.normal(0, 0.5, size=H)
    W2, b2 = g.normal(0, 0.8, size=(H, C)), g.normal(0, 0.5, size=C)
    return X, Y, W1, b1, W2, b2


def _unpack_gradients(lad: Ladder, got, params, step_prefix=""):
    """Rungs: (cost, (dW1, db1, dW2, db2)) with a number and four arrays of the parameters' shapes."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        lad.fail(f"{step_prefix}returns a pair (cost, grads)", expected="a tuple (cost, (dW1, db1, dW2, db2))",
                 got="None" if got is None else type(got).__name__,
                 hint="dropout_gradients returned None - did you forget `return cost, (dW1, db1, dW2, db2)`?"
                 if got is None else "return cost, (dW1, db1, dW2, db2)")
    cost, grads = got
    cost = lad.number(cost, f"{step_prefix}cost is a single number",
                      hint="the cost is ONE number: sum over the outputs, average over the examples")
    if not isinstance(grads, (tuple, list)) or len(grads) != 4:
        lad.fail(f"{step_prefix}grads is a tuple (dW1, db1, dW2, db2)", expected="a tuple of 4 arrays",
                 got="None" if grads is None else f"{type(grads).__name__}" + (f" of length {len(grads)}" if hasattr(grads, "__len__") else ""),
                 hint="return the four gradients in this order: (dW1, db1, dW2, db2)")
    out = []
    for name, pname, gr, param in zip(_GRAD_NAMES, _PARAM_NAMES, grads, params):
        arr = _as_float_array(gr)
        if arr is None or arr.shape != param.shape:
            lad.fail(f"{step_prefix}each gradient has the shape of its parameter",
                     expected=f"{name} of shape {param.shape} (the shape of {pname})",
                     got=f"{name}: " + ("None" if gr is None else f"shape {getattr(gr, 'shape', type(gr).__name__)}"),
                     hint=f"{name} = dC/d{pname} has one entry per entry of {pname}"
                          + (" (sum the bias gradients over the examples: axis=0)" if pname.startswith("b") else ""))
        out.append(arr)
    lad.ok(f"{step_prefix}returns (cost, (dW1, db1, dW2, db2)) with the parameters' shapes")
    return cost, out


def _compare_gradients(lad, grads, expected, step, shown, N, rtol=1e-7, atol=1e-10):
    for name, g_arr, e_arr in zip(_GRAD_NAMES, grads, expected):
        if not np.allclose(g_arr, e_arr, rtol=rtol, atol=atol):
            if N > 1 and np.allclose(g_arr, N * e_arr, rtol=rtol, atol=atol):
                hint = ("the cost is the MEAN over the batch, so its gradient carries a 1/N",
                        "d2 = (a - Y) / N, where N = X.shape[0]")
            elif np.allclose(g_arr, -e_arr, rtol=rtol, atol=atol):
                hint = ("the sign is flipped: the output error of the cross-entropy with sigmoid outputs is a - Y",)
            else:
                hint = _GRAD_HINTS[name]
            lad.fail(step, inputs=shown, expected=f"{name} = {fmt(e_arr)}", got=f"{name} = {fmt(g_arr)}", hint=hint)


def dropout_gradients(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``dropout_gradients(X, Y, W1, b1, W2, b2, mask) -> (cost, (dW1, db1, dW2, db2))``.

    The network: ``h = sigmoid(X W1 + b1)``, ``h_tilde = h * mask``, ``a = sigmoid(h_tilde W2 + b2)``,
    cost = binary cross-entropy summed over outputs, mean over examples.

    Ladder: the return structure and shapes; one example (keep_prob = 0.5, one of two hidden
    units dropped): the cost of the thinned network (diagnoses: mask ignored, mask used without
    its 1/keep_prob), the dropped unit gets no gradient, all four gradients; a batch of 4 (the
    1/N of the mean); finite differences of the student's own cost for every parameter, the
    mask held fixed. Hidden: 12 random networks, batches, keep probabilities and masks vs the
    training step of :class:`nnkit.network.Network` drawing the same mask (cost ``rtol=1e-9``,
    gradients ``rtol=1e-7, atol=1e-10``).
    """
    lad = Ladder("dropout_gradients", student, hidden=hidden)
    names = ("X", "Y", "W1", "b1", "W2", "b2", "mask")
    if hidden:
        g = _generator(rng)
        trials = 12
        for t in range(trials):
            N, D, H, C = (int(g.integers(1, 16)), int(g.integers(1, 7)), int(g.integers(1, 9)), int(g.integers(1, 5)))
            problem = _random_problem(g, N, D, H, C)
            keep_prob = float(g.uniform(0.2, 1.0))
            cost_e, grads_e, mask = _oracle_gradients(*problem, keep_prob, int(g.integers(2**31)))
            args = problem + (mask,)
            shown = dict(zip(names, args))
            cost, grads = _unpack_gradients(lad, lad.call(*args, inputs=shown), problem[2:])
            step = f"random case {t + 1} of {trials}"
            if not np.isclose(cost, cost_e, rtol=1e-9, atol=1e-12):
                lad.fail(step, inputs=shown, expected=f"cost = {fmt(cost_e)}", got=f"cost = {fmt(cost)}",
                         hint="your cost disagrees with nnkit's network on these inputs")
            _compare_gradients(lad, grads, grads_e, step, shown, N)
        lad.ok(f"{trials} random networks, batches and masks agree with the training step of nnkit.network.Network "
               "(cost: rtol 1e-9; gradients: |student - reference| <= 1e-10 + 1e-7 * |reference|)")
        return lad.passed()

    # ---- one example, two hidden units, one of them dropped
    X = np.array([[1.0, -1.0]])
    Y = np.array([[1.0]])
    W1 = np.array([[0.5, -0.3], [0.2, 0.4]])
    b1 = np.array([0.1, -0.2])
    W2 = np.array([[0.7], [-0.5]])
    b2 = np.array([0.05])
    seed = _seed_for([[False, True]], 0.5)
    cost_e, grads_e, mask = _oracle_gradients(X, Y, W1, b1, W2, b2, 0.5, seed)
    args = (X, Y, W1, b1, W2, b2, mask)
    shown = dict(zip(names, args))
    cost, grads = _unpack_gradients(lad, lad.call(*args, inputs=shown), (W1, b1, W2, b2))
    h = sigmoid(X @ W1 + b1)
    full = binary_cross_entropy_from_logits(h @ W2 + b2, Y)
    unscaled = binary_cross_entropy_from_logits((h * (mask > 0)) @ W2 + b2, Y)
    lad.close(cost, cost_e, "tiny case: one example, keep_prob = 0.5, hidden unit 0 dropped: the cost", inputs=shown,
              rtol=1e-9, hint=("the cost of the THINNED network: its hidden layer is h * mask",
                               "h = sigmoid(X @ W1 + b1); a = sigmoid((h * mask) @ W2 + b2); "
                               "cost = -sum(Y ln a + (1 - Y) ln(1 - a)) / N"),
              mistakes=[(full, "that is the cost of the full network: multiply the hidden activations by the mask "
                               "before W2"),
                        (unscaled, "use the mask as it is given: it already holds 0 or 1 / keep_prob")])
    dropped = np.flatnonzero(mask[0] == 0)
    no_grad = (np.abs(grads[0][:, dropped]).max() == 0 and np.abs(grads[1][dropped]).max() == 0
               and np.abs(grads[2][dropped, :]).max() == 0)
    lad.check(no_grad, "a dropped hidden unit gets no gradient (its column of dW1, its db1 and its row of dW2 are 0)",
              inputs=shown, expected="dW1[:, 0] = 0, db1[0] = 0, dW2[0, :] = 0",
              got=f"dW1[:, 0] = {fmt(grads[0][:, 0])}, db1[0] = {fmt(grads[1][0])}, dW2[0, :] = {fmt(grads[2][0])}",
              hint=("a dropped unit took no part in this example, so nothing flows back through it",
                    "use h_tilde = h * mask for dW2, and multiply the error flowing back into the hidden layer by "
                    "the mask (your dropout_backward)",
                    "d1 = (d2 @ W2.T) * mask * h * (1 - h)"))
    _compare_gradients(lad, grads, grads_e, "tiny case: the four gradients", shown, 1)
    lad.ok("tiny case: the four gradients")

    # ---- a batch: the mean
    g = np.random.default_rng(10)
    problem = _random_problem(g, 4, 3, 5, 2)
    cost_e, grads_e, mask = _oracle_gradients(*problem, 0.6, 11)
    args = problem + (mask,)
    shown = dict(zip(names, args))
    cost, grads = _unpack_gradients(lad, lad.call(*args, inputs=shown), problem[2:])
    lad.close(cost, cost_e, "a batch of 4 examples, 2 outputs: the cost (mean over the examples)", inputs=shown,
              rtol=1e-9, hint="sum over the outputs, average over the N examples",
              mistakes=[(4 * cost_e, "the cost is the MEAN over the batch: divide by N = X.shape[0]")])
    _compare_gradients(lad, grads, grads_e, "a batch of 4 examples, 2 outputs: the four gradients", shown, 4)
    lad.ok("a batch of 4 examples, 2 outputs: the four gradients")

    # ---- finite differences of the student's own cost, mask fixed
    params = list(problem[2:])
    X, Y = problem[0], problem[1]
    for i, pname in enumerate(_PARAM_NAMES):
        def cost_of(v, i=i):
            trial = list(params)
            trial[i] = v
            out = lad.call(X, Y, *trial, mask, inputs=shown)
            return float(out[0])

        lad.gradient(cost_of, params[i], grads[i],
                     f"gradient check of d cost / d {pname} (finite differences, the mask held fixed)",
                     hint=_GRAD_HINTS["d" + pname], inputs=shown, tol=1e-6)
    lad.passed()


# =========================================================================== thinned_ensemble_average
_ENS_HINT = ("each row m of masks is one thinned network: run it on every example, then average the K outputs",
             "h = sigmoid(X @ W1 + b1) is the same for every network; network k outputs sigmoid((h * m) @ W2 + b2)",
             "h = sigmoid(X @ W1 + b1); return np.mean([sigmoid((h * m) @ W2 + b2) for m in masks], axis=0)")


def thinned_ensemble_average(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``thinned_ensemble_average(X, W1, b1, W2, b2, masks)``: mean of K thinned networks' outputs.

    Ladder: an array (N, C); one all-ones mask is the full network; one thinned network
    (diagnoses: mask ignored, mask without its 1/keep_prob); three networks (diagnoses: masks
    averaged before the network, logits averaged before the sigmoid, a sum instead of a mean);
    a batch of one example. Hidden: 20 random networks and mask sets vs
    :func:`nnkit.thinned.thinned_ensemble_average`, ``rtol=1e-9``.
    """
    lad = Ladder("thinned_ensemble_average", student, hidden=hidden)
    names = ("X", "W1", "b1", "W2", "b2", "masks")
    if hidden:
        def draw(g):
            N, D, H, C, K = (int(g.integers(1, 20)), int(g.integers(1, 7)), int(g.integers(1, 10)),
                             int(g.integers(1, 5)), int(g.integers(1, 12)))
            X, _, W1, b1, W2, b2 = _random_problem(g, N, D, H, C)
            masks = _ref_mask((K, H), float(g.uniform(0.2, 1.0)), int(g.integers(2**31)))
            return X, W1, b1, W2, b2, masks

        lad.compare_random(draw, _thinned.thinned_ensemble_average,
                           reference_name="nnkit.thinned.thinned_ensemble_average", names=names,
                           rtol=1e-9, atol=1e-12, rng=rng, label="(1 to 11 thinned networks)")
        return lad.passed()

    ref = _thinned.thinned_ensemble_average
    g = np.random.default_rng(12)
    X, _, W1, b1, W2, b2 = _random_problem(g, 5, 3, 4, 2)
    params = (W1, b1, W2, b2)

    def run(masks, X=X):
        args = (X,) + params + (masks,)
        shown = dict(zip(names, args))
        return lad.array(lad.call(*args, inputs=shown), (X.shape[0], W2.shape[1]),
                         hint="one averaged output per example and output unit: shape (N, C)"), shown

    ones = np.ones((1, 4))
    got, shown = run(ones)
    z_full = sigmoid(X @ W1 + b1) @ W2 + b2
    lad.close(got, ref(X, *params, ones), "one network with the all-ones mask is the full network", inputs=shown,
              rtol=1e-9, hint=("with nothing dropped the thinned network is the full network",
                               "sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2)"),
              mistakes=[(z_full, "those are the weighted inputs z of the outputs: the outputs are sigmoid(z)")])

    one = np.array([[2.0, 0.0, 2.0, 0.0]])
    got, shown = run(one)
    lad.close(got, ref(X, *params, one), "one thinned network (keep_prob = 0.5, units 1 and 3 dropped)", inputs=shown,
              rtol=1e-9, hint=_ENS_HINT,
              mistakes=[(ref(X, *params, ones), "the mask was ignored: multiply the hidden activations by it, h * m"),
                        (ref(X, *params, (one > 0).astype(float)),
                         "use the mask values as given: they include the 1 / keep_prob of inverted dropout")])

    three = _ref_mask((3, 4), 0.5, 13)
    got, shown = run(three)
    h = sigmoid(X @ W1 + b1)
    mean_z = np.mean([(h * m) @ W2 + b2 for m in three], axis=0)
    lad.close(got, ref(X, *params, three), "three thinned networks: the mean of their outputs", inputs=shown,
              rtol=1e-9, hint=_ENS_HINT,
              mistakes=[(ref(X, *params, three.mean(axis=0, keepdims=True)),
                         ("you averaged the masks (or the hidden layers, or the weighted inputs z) and applied the "
                          "output sigmoid once; average the OUTPUTS of the K networks: the sigmoid of an average "
                          "is not the average of the sigmoids",) + _ENS_HINT[1:]),
                        (mean_z, "that is the average weighted input z; each network's output is sigmoid(z), "
                                 "and the ensemble averages those outputs"),
                        (3 * ref(X, *params, three), "that is the sum over the K networks: divide by K = len(masks)")])

    got, shown = run(three, X=X[:1])
    lad.close(got, ref(X[:1], *params, three), "edge case: a batch of one example", inputs=shown, rtol=1e-9,
              hint=_ENS_HINT)
    lad.passed()
