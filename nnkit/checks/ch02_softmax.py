"""Checks for chapter 02 (softmax and the log-likelihood cost): one hint ladder per exercise.

=============================  ==============================================================
check                          what the student writes
=============================  ==============================================================
``softmax(f)``                 ``softmax(z)``: stable row-wise softmax of an (N, C) batch
``log_softmax(f)``             ``log_softmax(z)``: ``ln softmax(z)`` row by row, by the log-sum-exp
                               (finite where ``np.log(softmax(z))`` gives ``-inf``)
``log_likelihood_cost(f)``     ``log_likelihood_cost(a, y)``: ``-(1/N) sum_x ln a_y(x)``
``log_likelihood_delta(f)``    ``log_likelihood_delta(z, a, y)``: ``a - y``, per example
``train_softmax_classifier``   ``train_softmax_classifier(X, Y, epochs, eta, rng) -> (W, b)``:
                               full-batch gradient descent of one softmax layer
=============================  ==============================================================

Each check is a :class:`~nnkit.checks._ladder.Ladder`: type, shape, a hand-checkable case, a
batch, the edge cases (logits near +-1000, rows 2000 apart, probabilities of exactly 0 or 1), and a
finite-difference gradient, with a diagnosis when the answer matches a typical mistake (sum
over the wrong axis, log of the wrong class, missing minus sign, ...). ``hidden=True`` runs
the grading version: inputs drawn at grading time, compared with the nnkit reference.

The oracles run *outside* the trap; while the student's function runs, the kernels of the
chapter's forbidden concepts (``course.yml``) are switched off.
"""

from __future__ import annotations

import numpy as np

from nnkit import costs as _costs
from nnkit.activations import _log_softmax, _softmax, _softmax_jvp
from nnkit.costs import _log_likelihood_logit_terms, _output_error
from nnkit import gradcheck as _gc
from nnkit.data import load_digits_8x8

from ._ladder import Ladder

__all__ = ["softmax", "log_softmax", "log_likelihood_cost", "log_likelihood_delta", "train_softmax_classifier"]

#: Validation accuracy the trained classifier must reach (epochs=100, eta=2.0 on the 8x8 digits).
CLASSIFIER_MIN_ACCURACY = 0.90
CLASSIFIER_EPOCHS = 100
CLASSIFIER_ETA = 2.0


# --------------------------------------------------------------------------- small helpers
def _ref_softmax(z: np.ndarray) -> np.ndarray:
    """The oracle: nnkit's softmax kernel, on a float copy of ``z``."""
    return _softmax(np.array(z, dtype=float))


def _one_hot(labels, C: int) -> np.ndarray:
    return np.eye(C)[np.asarray(labels)]


def _naive_exp_norm(z: np.ndarray, axis=1) -> np.ndarray:
    """exp(z) normalised along ``axis`` without the max-shift (may be nan/inf: that is the point)."""
    with np.errstate(all="ignore"):
        e = np.exp(z)
        return e / (e.sum() if axis is None else e.sum(axis=axis, keepdims=True))


def _global_shift(z: np.ndarray) -> np.ndarray:
    """Softmax shifted by ONE maximum for the whole batch (a classic slip): nan where a row underflows."""
    with np.errstate(all="ignore"):
        e = np.exp(z - z.max())
        return e / e.sum(axis=1, keepdims=True)


_GLOBAL_MAX = ("you subtracted ONE maximum for the whole batch (z.max()): the second row sits 2000 below "
               "it, so every exp in that row underflows to 0 and 0/0 = nan. Subtract each row's own maximum, "
               "z.max(axis=1, keepdims=True)")

_LL_DC_DA = ("that is dC/da = -y / a, the derivative with respect to the OUTPUTS a; delta is dC/dz, "
             "with respect to the logits: push it through the softmax (its Jacobian) and it simplifies")

_LL_CLIPPED = ("your cost is off by a tiny amount: the signature of clipping a, or adding eps inside the log. "
               "The exercise asks for the exact cost: a perfect answer costs exactly 0, and a tiny but "
               "nonzero probability keeps its true (large, finite) cost. Read the true-class probability "
               "first, then take its log; no epsilon is needed")


def _jacobian_rung(lad, z, v, jv, step):
    """Gradient rung: d/dz of sum(v * f(z)) by finite differences against ``jv`` (= J^T v, row by row)."""
    def f(zz):
        return float(np.sum(np.asarray(lad.call(zz, inputs={"z": zz}), dtype=float) * v))

    lad.gradient(f, z, jv, step, inputs={"z": z}, tol=1e-6,
                 hint="if the values above are right this follows; check you use the same formula for every row")


def _draw_logits(g: np.random.Generator) -> tuple[np.ndarray]:
    """Random logits (N, C): moderate, large-spread, shifted near +-1000, and rows 2000 apart."""
    n, c = int(g.integers(1, 21)), int(g.integers(2, 13))
    scale = float(g.choice([0.5, 3.0, 30.0, 300.0]))
    shift = float(g.choice([0.0, 0.0, 1000.0, -1000.0]))
    z = g.normal(shift, scale, size=(n, c))
    if n > 1 and g.random() < 0.4:  # one row 2000 below the others: each row needs its OWN maximum
        z[int(g.integers(0, n))] -= 2000.0
    return (z,)


def _draw_probs_targets(g: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n, c = int(g.integers(1, 31)), int(g.integers(2, 13))
    a = _ref_softmax(g.normal(0.0, float(g.choice([0.5, 2.0, 6.0])), size=(n, c)))
    y = _one_hot(g.integers(0, c, size=n), c)
    return a, y


# --------------------------------------------------------------------------- softmax
def softmax(student, *, hidden: bool = False, rng=None) -> None:
    """Hint ladder for ``softmax(z)``: a stable softmax of each row of an (N, C) batch.

    Visible rungs: array of the right shape; the tiny case ``[[0, ln 3]] -> [[0.25, 0.75]]``;
    a batch of rows (normalised per row, not per column or over everything); logits near
    +1000 and -1000 (finite, no overflow warning); far-apart logits (exact 0 allowed);
    shift invariance; the Jacobian ``diag(a) - a a^T`` by finite differences.
    Hidden: random batches (including logits near +-1000) vs ``nnkit.activations.softmax``,
    ``|student - reference| <= 1e-12 + 1e-7 |reference|``.
    """
    lad = Ladder("softmax", student, hidden=hidden)
    if hidden:
        lad.compare_random(_draw_logits, _ref_softmax, reference_name="nnkit.activations.softmax",
                           rng=rng, names=["z"], rtol=1e-7, atol=1e-12,
                           label="(batches of 1-20 rows, logits up to about +-3000, some rows 2000 apart)")
        return lad.passed()

    # tiny case ------------------------------------------------------------------------
    z = np.array([[0.0, np.log(3.0)]])
    out = lad.array(lad.call(z, inputs={"z": z}), (1, 2))
    lad.close(out, [[0.25, 0.75]], "tiny case: z = [[0, ln 3]] gives [[0.25, 0.75]]", inputs={"z": z},
              hint=("softmax turns a row of logits into positive numbers that sum to 1",
                    "exponentiate each logit, then divide by the row's total",
                    "exp(0) = 1 and exp(ln 3) = 3; divide each by their total 4"),
              mistakes=[([[1.0, 3.0]], "you exponentiated but did not divide by the row sum"),
                        ([[1.0 / 3.0, 1.0]], "you shifted and exponentiated but did not divide by the row sum"),
                        ([[1.0, 1.0]], "you divided by the sum over axis 0 (down the column, across examples); "
                                       "each ROW is one example: use axis=1, keepdims=True")])

    # a batch of rows -------------------------------------------------------------------
    z = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0], [-1.0, 0.0, 1.0, 5.0]])
    expected = _ref_softmax(z)
    out = lad.array(lad.call(z, inputs={"z": z}), (3, 4), step="keeps the batch shape (3, 4)",
                    hint="return an array shaped like z (N rows, C classes); keepdims=True keeps "
                         "the row sums as a column (N, 1) that broadcasts against z")
    lad.close(out, expected, "a batch of 3 rows: each row is its own distribution", inputs={"z": z},
              hint=("each row is one example with its own distribution over the classes",
                    "take max and sum along axis=1 (over the classes of one example) with keepdims=True"),
              mistakes=[(_naive_exp_norm(z, axis=0), "your columns sum to 1 instead of your rows: normalise along "
                                                     "axis=1 (one example per row), not axis=0"),
                        (_naive_exp_norm(z, axis=None), "you divided by the sum over the WHOLE batch: each row needs "
                                                        "its own total, e.sum(axis=1, keepdims=True)")])
    lad.check(bool(np.allclose(out.sum(axis=1), 1.0, rtol=0, atol=1e-12) and (out > 0).all()),
              "outputs are positive and every row sums to 1", expected="row sums [1, 1, 1]",
              got=out.sum(axis=1), hint="divide each row by its own sum")

    # overflow: logits near +1000 and -1000 ------------------------------------------------
    z = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1002.0]])
    out = lad.array(lad.call(z, inputs={"z": z}), (2, 3), step="keeps the shape (2, 3) for huge logits")
    lad.close(out, _ref_softmax(z), "logits near +1000 and -1000: finite, same answer as for [0, -1, -2]",
              inputs={"z": z},
              mistakes=[(_global_shift(z), _GLOBAL_MAX)],
              nonfinite_hint=("exp(1000) overflows to inf (and exp(-1000) underflows to 0), giving inf/inf or "
                              "0/0 = nan; softmax does not change when one constant is added to a whole row",
                              "shift each row so that its largest logit is 0 before exponentiating",
                              "subtract each row's maximum first, z - z.max(axis=1, keepdims=True)"),
              hint="subtract each row's OWN maximum (axis=1, keepdims=True), not one number for the whole batch")
    overflow = [w for w in lad.last_warnings if "overflow" in w or "invalid" in w]
    lad.check(not overflow, "no overflow warnings from numpy", expected="no RuntimeWarning",
              got="; ".join(sorted(set(overflow))),
              hint="compute exp only of the shifted logits (z - row max <= 0), never of z itself")

    # far apart logits: tiny probabilities may underflow to exactly 0 ----------------------
    z = np.array([[0.0, -800.0, 5.0]])
    lad.close(lad.call(z, inputs={"z": z}), _ref_softmax(z), "logits 800 apart: the far one gets probability 0",
              inputs={"z": z},
              nonfinite_hint="exp(-800) is 0 in float64; after the max-shift the denominator is at least 1, so no 0/0")

    # shift invariance ---------------------------------------------------------------------
    g = np.random.default_rng(20)
    z = g.normal(0.0, 2.0, size=(4, 5))
    base = np.asarray(lad.call(z, inputs={"z": z}), dtype=float)
    shifted = np.asarray(lad.call(z + 500.0, inputs={"z + 500": z + 500.0}), dtype=float)
    lad.close(shifted, base, "adding 500 to every logit changes nothing", inputs={"z": z},
              rtol=1e-9, atol=1e-12, hint="softmax(z + c) = softmax(z): only differences between logits matter")

    # gradient: the Jacobian diag(a) - a a^T ---------------------------------------------
    z = np.array([[0.5, -1.0, 2.0], [0.0, 0.3, -0.4]])
    v = np.array([[1.0, -2.0, 0.5], [0.7, 0.2, -1.5]])
    a = _ref_softmax(z)
    jv = _softmax_jvp(a, v)  # J v = (diag(a) - a a^T) v, per row

    _jacobian_rung(lad, z, v, jv, "its derivative is the softmax Jacobian diag(a) - a a^T (finite differences)")
    lad.passed()


# --------------------------------------------------------------------------- log softmax
def _ref_log_softmax(z: np.ndarray) -> np.ndarray:
    """The oracle: nnkit's log-softmax kernel, on a float copy of ``z``."""
    return _log_softmax(np.array(z, dtype=float))


def _ls_variants(z: np.ndarray) -> dict[str, np.ndarray]:
    """What the typical slips give on ``z`` (nan/inf where they break: that is the point)."""
    z = np.array(z, dtype=float)
    m = z.max(axis=1, keepdims=True)
    s = z - m
    with np.errstate(all="ignore"):
        e = np.exp(s)
        lse_rows = np.log(e.sum(axis=1, keepdims=True))
        out = {
            "log_of_softmax": np.log(e / e.sum(axis=1, keepdims=True)),
            "log_of_naive_softmax": np.log(np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)),
            "naive_lse": z - np.log(np.exp(z).sum(axis=1, keepdims=True)),
            "shift_only": s,
            "dropped_m": z - lse_rows,
            "sign": lse_rows - s,
            "softmax": e / e.sum(axis=1, keepdims=True),
            "log10_of_softmax": np.log10(e / e.sum(axis=1, keepdims=True)),
            "log10_lse": s - np.log10(e.sum(axis=1, keepdims=True)),
            "global_max": (z - z.max()) - np.log(np.exp(z - z.max()).sum(axis=1, keepdims=True)),
            "lse_axis0": s - np.log(e.sum(axis=0, keepdims=True)),
            "lse_axis0_unshifted": z - np.log(np.exp(z).sum(axis=0, keepdims=True)),
            "lse_batch": s - np.log(e.sum()),
            "lse_batch_unshifted": z - (z.max() + np.log(np.exp(z - z.max()).sum())),
        }
        if z.shape[0] == z.shape[1]:  # a square batch: (N,) broadcasts against the COLUMNS without an error
            m_flat = z.max(axis=1)
            s_flat = z - m_flat
            out["no_keepdims"] = s_flat - np.log(np.exp(s_flat).sum(axis=1))
            out["no_keepdims_lse"] = s - np.log(e.sum(axis=1))
    return out


_LS_LOG_OF_SOFTMAX = (
    "you took np.log of the softmax: e^-1000 is 0 in float64 and ln 0 = -inf, although the true log-probability is "
    "a finite -1000. Never form the tiny probability: compute its logarithm directly from the logits",
    "ln softmax(z)_j = z_j - ln sum_k e^(z_k), and ln sum_k e^(z_k) = m + ln sum_k e^(z_k - m) with m the row "
    "maximum: every exp is then at most 1 and the sum at least 1",
    "s = z - z.max(axis=1, keepdims=True); return s - np.log(np.exp(s).sum(axis=1, keepdims=True))")
_LS_EPS = ("you took the log of the softmax with a small epsilon or clipping to avoid ln 0: it stays finite but "
           "is wrong, because the true log-probability (-1000 here) is far below ln(eps)",
           "compute the log directly, never the probability: ln softmax(z)_j = (z_j - m) - ln sum_k e^(z_k - m), "
           "m the row maximum")
_LS_NAIVE_LSE = ("you computed ln sum_k e^(z_k) as written: e^1000 overflows to inf (and e^-1000 underflows to 0, "
                 "whose log is -inf)",
                 "shift first: ln sum_k e^(z_k) = m + ln sum_k e^(z_k - m), m the row maximum")
_LS_SHIFT_ONLY = ("you subtracted the row maximum but not the log-sum-exp: z - m is the log of the UNnormalised "
                  "exp(z - m)",
                  "ln a_j = (z_j - m) - ln sum_k e^(z_k - m)")
_LS_DROPPED_M = ("you subtracted ln sum_k e^(z_k - m), the log-sum-exp of the SHIFTED logits, from the unshifted "
                 "z: the shift m is missing",
                 "ln sum_k e^(z_k) = m + ln sum_k e^(z_k - m): subtract m too, e.g. s = z - m, then "
                 "s - ln sum_k e^(s_k)")
_LS_SIGN = "the sign is flipped: ln a_j = z_j - logsumexp(z) is at most 0 (a probability is at most 1)"
_LS_SOFTMAX = "that is softmax(z) itself; this exercise wants its natural logarithm, computed without forming it"
_LS_LOG10 = ("you used np.log10; the log-softmax is the NATURAL log (np.log), the inverse of the np.exp inside "
             "the softmax")
_LS_AXIS0 = ("your log-sum-exp runs down the columns (axis=0, across examples); each ROW is one example: take the "
             "max and the sum along axis=1 with keepdims=True")
_LS_BATCH = ("you took ONE log-sum-exp over the whole batch; each row needs its own, along axis=1 with "
             "keepdims=True")
_LS_KEEPDIMS = ("your row maxima or row sums lost their axis (shape (N,) instead of (N, 1)), so they broadcast "
                "against the COLUMNS of this square batch: use keepdims=True")
_LS_GLOBAL_MAX = ("you subtracted ONE maximum for the whole batch (z.max()): the second row sits 2000 below it, so "
                  "every exp in that row underflows to 0 and ln 0 = -inf. Subtract each row's own maximum, "
                  "z.max(axis=1, keepdims=True)")


def _ls_mistakes(z: np.ndarray, *names: str) -> list[tuple[np.ndarray, str | tuple[str, ...]]]:
    why = {"log_of_softmax": _LS_LOG_OF_SOFTMAX, "log_of_naive_softmax": _LS_LOG_OF_SOFTMAX,
           "naive_lse": _LS_NAIVE_LSE,
           "shift_only": _LS_SHIFT_ONLY, "dropped_m": _LS_DROPPED_M, "sign": _LS_SIGN, "softmax": _LS_SOFTMAX,
           "log10_of_softmax": _LS_LOG10, "log10_lse": _LS_LOG10, "global_max": _LS_GLOBAL_MAX,
           "lse_axis0": _LS_AXIS0, "lse_axis0_unshifted": _LS_AXIS0, "lse_batch": _LS_BATCH,
           "lse_batch_unshifted": _LS_BATCH, "no_keepdims": _LS_KEEPDIMS, "no_keepdims_lse": _LS_KEEPDIMS}
    wrong = _ls_variants(z)
    return [(wrong[n], why[n]) for n in names if n in wrong]


def _eps_mistakes(z: np.ndarray) -> list[tuple[np.ndarray, str | tuple[str, ...]]]:
    """np.log(softmax + eps) and np.log(np.clip(softmax, eps, 1)) for the usual epsilons."""
    a = _ref_softmax(z)
    out = []
    for eps in (1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15, 1e-16, 1e-20, 1e-30, 1e-100):
        out += [(np.log(a + eps), _LS_EPS), (np.log(np.clip(a, eps, 1.0)), _LS_EPS)]
    return out


_LS_ALL = ("shift_only", "dropped_m", "sign", "softmax", "log10_of_softmax", "log10_lse", "lse_axis0",
           "lse_axis0_unshifted", "lse_batch", "lse_batch_unshifted", "no_keepdims", "no_keepdims_lse")

#: Tolerance of the log-softmax check: ``|student - reference| <= LS_ATOL + LS_RTOL |reference|``. The
#: absolute part admits the rounding of the equally right ``z - (m + ln sum e^(z - m))`` (about one unit in
#: the last place of |z|, 1e-13 for logits near 1000) where the answer itself is tiny.
LS_RTOL, LS_ATOL = 1e-7, 1e-10


def log_softmax(student, *, hidden: bool = False, rng=None) -> None:
    """Hint ladder for ``log_softmax(z)``: ``ln softmax(z)`` of each row of an (N, C) batch, by the log-sum-exp.

    Visible rungs: array of the right shape; the tiny case ``[[0, ln 3]] -> [[ln 1/4, ln 3/4]]``
    (diagnosing a missing log-sum-exp, a dropped shift, a flipped sign, softmax itself, log base 10);
    a square batch of rows (log-sum-exp per row, not per column or over the batch; keepdims);
    ``[[0, 1000]] -> [[-1000, 0]]`` where ``np.log(softmax(z))`` gives ``-inf`` (also with an epsilon
    or clipping, diagnosed) and logits near +-1000 without numpy warnings; two rows 2000 apart (each
    row shifted by its own maximum); a batch of one example; a single class (``ln 1 = 0``); the
    Jacobian ``I - 1 a^T`` per row by finite differences.
    Hidden: random batches (logits up to about +-3000, some rows 2000 apart, where
    ``np.log(softmax(z))`` underflows) vs ``nnkit.activations.log_softmax``,
    ``|student - reference| <= 1e-10 + 1e-7 |reference|``.
    """
    lad = Ladder("log_softmax", student, hidden=hidden)
    tol = {"rtol": LS_RTOL, "atol": LS_ATOL}
    if hidden:
        lad.compare_random(_draw_logits, _ref_log_softmax, reference_name="nnkit.activations.log_softmax",
                           rng=rng, names=["z"], **tol,
                           label="(batches of 1-20 rows, logits up to about +-3000, some rows 2000 apart)")
        return lad.passed()

    # tiny case ------------------------------------------------------------------------
    z = np.array([[0.0, np.log(3.0)]])
    out = lad.array(lad.call(z, inputs={"z": z}), (1, 2))
    lad.close(out, np.log([[0.25, 0.75]]), "tiny case: z = [[0, ln 3]] gives [[ln 1/4, ln 3/4]]", inputs={"z": z},
              **tol,
              hint=("the log of softmax(z)_j = e^(z_j) / sum_k e^(z_k) splits into two terms: z_j minus the log of "
                    "the row's total",
                    "ln softmax(z)_j = z_j - ln sum_k e^(z_k); here sum_k e^(z_k) = 1 + 3 = 4",
                    "ln softmax(z)_j = z_j - ln sum_k e^(z_k): [[0 - ln 4, ln 3 - ln 4]]"),
              mistakes=_ls_mistakes(z, *_LS_ALL))

    # a batch of rows (square, so that a missing keepdims broadcasts without an error) -------
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-1.0, 4.0, 0.5]])
    out = lad.array(lad.call(z, inputs={"z": z}), (3, 3), step="keeps the batch shape (3, 3)",
                    hint="return an array shaped like z (N rows, C classes); keepdims=True keeps the row maxima "
                         "and row sums as a column (N, 1) that broadcasts against z")
    lad.close(out, _ref_log_softmax(z), "a batch of 3 rows: a log-sum-exp for each row", inputs={"z": z}, **tol,
              hint=("each row is one example with its own distribution over the classes",
                    "take the max and the sum along axis=1 (over the classes of one example) with keepdims=True"),
              mistakes=_ls_mistakes(z, *_LS_ALL))
    lad.check(bool(np.allclose(np.exp(out).sum(axis=1), 1.0, rtol=0, atol=1e-9) and (out <= 0).all()),
              "every entry is <= 0 and exp of every row sums to 1", expected="row sums of exp [1, 1, 1]",
              got=np.exp(out).sum(axis=1),
              hint="subtract each row's own log-sum-exp (and put no epsilon or clipping inside a log)")

    # huge logits: where np.log(softmax(z)) gives -inf ---------------------------------------
    warned = []
    z = np.array([[0.0, 1000.0]])
    out = lad.array(lad.call(z, inputs={"z": z}), (1, 2), step="keeps the shape (1, 2) for huge logits")
    warned += lad.last_warnings
    lad.close(out, [[-1000.0, 0.0]],
              "z = [[0, 1000]] gives [[-1000, 0]]: finite, where np.log(softmax(z)) is [[-inf, 0]]",
              inputs={"z": z}, **tol,
              mistakes=(_ls_mistakes(z, "log_of_softmax", "log_of_naive_softmax", "naive_lse", *_LS_ALL)
                        + _eps_mistakes(z)),
              nonfinite_hint=_LS_LOG_OF_SOFTMAX, hint=_LS_EPS)
    z = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1002.0]])
    out = lad.array(lad.call(z, inputs={"z": z}), (2, 3), step="keeps the shape (2, 3) for logits near +-1000")
    warned += lad.last_warnings
    lad.close(out, _ref_log_softmax(z), "logits near +1000 and -1000: the same answer as for [0, -1, -2]",
              inputs={"z": z}, **tol,
              mistakes=_ls_mistakes(z, "global_max", "log_of_naive_softmax", "naive_lse", *_LS_ALL),
              nonfinite_hint=("exp(1000) overflows to inf (and exp(-1000) underflows to 0); the log-softmax does "
                              "not change when one constant is added to a whole row",
                              "shift each row so that its largest logit is 0 before exponentiating",
                              "s = z - z.max(axis=1, keepdims=True); return s - np.log(np.exp(s).sum(axis=1, "
                              "keepdims=True))"),
              hint="subtract each row's OWN maximum (axis=1, keepdims=True) and its own log-sum-exp")
    bad = [w for w in warned if "overflow" in w or "invalid" in w or "divide" in w]
    lad.check(not bad, "no overflow or log-of-zero warnings from numpy", expected="no RuntimeWarning",
              got="; ".join(sorted(set(bad))),
              hint="exponentiate only the shifted logits (z - row max <= 0) and take the log only of their sum "
                   "(at least 1), never of a single probability")

    # each row its own shift: two rows 2000 apart ------------------------------------------
    z = np.array([[0.0, 1.0, 2.0], [-2000.0, -1999.0, -1998.0]])
    lad.close(lad.call(z, inputs={"z": z}), _ref_log_softmax(z),
              "two rows 2000 apart: each row shifted by its OWN maximum (both rows give the same answer)",
              inputs={"z": z}, **tol,
              mistakes=_ls_mistakes(z, "global_max", "lse_batch", "lse_batch_unshifted", "lse_axis0",
                                    "lse_axis0_unshifted"),
              nonfinite_hint=_LS_GLOBAL_MAX,
              hint="the row maximum and the log-sum-exp belong to each row: axis=1, keepdims=True")

    # a batch of one example ----------------------------------------------------------------
    z = np.array([[2.5, -1.0, 0.0, 7.0, -30.0, 3.0]])
    out = lad.array(lad.call(z, inputs={"z": z}), (1, 6), step="a batch of one example keeps the shape (1, 6)",
                    hint="keep the batch axis: no squeeze, ravel or [0] on the result")
    lad.close(out, _ref_log_softmax(z), "a batch of one example with 6 classes", inputs={"z": z}, **tol,
              mistakes=_ls_mistakes(z, *_LS_ALL))

    # a single class: probability 1, log 0 -----------------------------------------------------
    z = np.array([[3.0], [-700.0]])
    out = lad.array(lad.call(z, inputs={"z": z}), (2, 1), step="one class keeps the shape (2, 1)")
    lad.close(out, [[0.0], [0.0]], "a single class has probability 1: ln 1 = 0 for any logit", inputs={"z": z},
              **tol, mistakes=_ls_mistakes(z, "shift_only", "dropped_m", "lse_axis0", "lse_batch"),
              hint="with one class, sum_k e^(z_k) = e^(z_1), so z_1 - ln e^(z_1) = 0")

    # gradient: the Jacobian I - 1 a^T, per row --------------------------------------------------
    z = np.array([[0.5, -1.0, 2.0], [0.0, 0.3, -0.4]])
    v = np.array([[1.0, -2.0, 0.5], [0.7, 0.2, -1.5]])
    a = _ref_softmax(z)
    jv = v - a * v.sum(axis=1, keepdims=True)  # d/dz of sum(v * log_softmax(z)), row by row

    _jacobian_rung(lad, z, v, jv, "its derivative: d ln a_j / d z_k = [j = k] - a_k (finite differences)")
    lad.passed()


# --------------------------------------------------------------------------- log-likelihood cost
def log_likelihood_cost(student, *, hidden: bool = False, rng=None) -> None:
    """Hint ladder for ``log_likelihood_cost(a, y)`` = ``-(1/N) sum_x ln a_{y(x)}``.

    Visible rungs: a single number; the tiny case ``-ln 0.75`` (diagnosing the wrong class,
    a missing minus sign, the summed cross-entropy); the batch mean (not the sum, not a mean
    over all N*C entries); a perfect answer with exact zeros (0, not nan); a tiny true-class
    probability (no clipping); the gradient ``dC/da = -y / (N a)`` by finite differences.
    Hidden: random softmax outputs and one-hot targets vs ``nnkit.costs.log_likelihood``,
    ``|student - reference| <= 1e-12 + 1e-7 |reference|``.
    """
    lad = Ladder("log_likelihood_cost", student, hidden=hidden)
    if hidden:
        lad.compare_random(_draw_probs_targets, _costs.log_likelihood, reference_name="nnkit.costs.log_likelihood",
                           rng=rng, names=["a", "y"], rtol=1e-7, atol=1e-12,
                           label="(batches of 1-30 examples, 2-12 classes)")
        return lad.passed()

    # tiny case --------------------------------------------------------------------------
    a, y = np.array([[0.25, 0.75]]), np.array([[0.0, 1.0]])
    c = lad.number(lad.call(a, y, inputs={"a": a, "y": y}),
                   hint="a cost is ONE number for the whole batch: pick ln a_y per row, then average the rows")
    lad.close(c, -np.log(0.75), "tiny case: true class 2 with probability 0.75 costs -ln 0.75",
              inputs={"a": a, "y": y},
              hint=("an example's cost depends only on the probability it gives its true class",
                    "find each row's true-class probability (where y is 1), then take a log",
                    "C = -ln a_y: the log of the probability where y is 1, with a minus sign"),
              mistakes=[(np.log(0.75), "the sign is flipped: the cost is MINUS the log (ln of a probability is <= 0)"),
                        (-np.log(0.25), "that is -ln of the WRONG class: use the entry where y is 1 (e.g. np.sum(a * y, axis=1))"),
                        (-2 * np.log(0.75), "that is the summed binary cross-entropy of chapter 1; the log-likelihood "
                                            "only reads the true class: C = -ln a_y"),
                        (-np.log(0.75) / 2, "you averaged over all N*C entries; sum over the classes, then average over "
                                            "the N examples")])

    # batch mean --------------------------------------------------------------------------
    a = np.array([[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]])
    y = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    per = -np.log(np.array([0.25, 0.8]))
    c = lad.number(lad.call(a, y, inputs={"a": a, "y": y}), step="returns a single number for a batch")
    lad.close(c, per.mean(), "a batch of 2 (the first one misclassified): the MEAN of -ln 0.25 and -ln 0.8",
              inputs={"a": a, "y": y}, hint="(-ln 0.25 - ln 0.8) / 2 = 0.804719...",
              mistakes=[(per.sum(), "you summed over the batch: divide by the number of examples N (the mean)"),
                        (per.sum() / a.size, "you divided by N*C (np.mean of an (N, C) array); divide by N only"),
                        (-np.log(a.max(axis=1)).mean(), "you used the LARGEST probability of each row (the predicted "
                                                        "class); the cost reads the TRUE class, where y is 1"),
                        (-np.log(a).sum(axis=1).mean(), "you added the logs of ALL classes; only the true class "
                                                        "counts (multiply by y or index with y.argmax(axis=1))")])

    # edge: perfect answer with exact zeros -----------------------------------------------
    a, y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    lad.close(lad.call(a, y, inputs={"a": a, "y": y}), 0.0, "a perfect answer (a = y, with exact zeros) costs 0",
              inputs={"a": a, "y": y}, atol=0.0, near_hint=_LL_CLIPPED,
              nonfinite_hint=("y * np.log(a) computes 0 * ln 0 = 0 * (-inf) = nan for the wrong classes: pick the "
                              "true-class probability first, a_y = np.sum(a * y, axis=1), then take the log"))

    # edge: a tiny true-class probability (no clipping) ------------------------------------
    a, y = np.array([[1e-200, 1.0]]), np.array([[1.0, 0.0]])
    lad.close(lad.call(a, y, inputs={"a": a, "y": y}), 200 * np.log(10.0),
              "a_y = 1e-200 costs -ln 1e-200 = 460.5, exactly (no clipping)", inputs={"a": a, "y": y}, rtol=1e-9,
              hint=_LL_CLIPPED)

    # gradient with respect to a ------------------------------------------------------------
    a = np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1], [0.25, 0.25, 0.5]])
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    analytic = -y / (a * len(a))

    def f(aa):
        return float(lad.call(aa, y, inputs={"a": aa, "y": y}))

    lad.gradient(f, a, analytic, "dC/da = -y / (N a): only the true class, scaled by 1/N (finite differences)",
                 inputs={"a": a, "y": y}, tol=1e-6,
                 hint="the cost must depend only on a_y of each row, through -ln, averaged over the N rows "
                      "(do not renormalise a inside the cost)")
    lad.passed()


# --------------------------------------------------------------------------- delta
def _ref_delta(z, a, y):
    return _output_error(z, a, y)


def _dc_da_ll(a, y):
    """-y / a (0 where y is 0): the derivative with respect to a, a wrong answer for delta."""
    with np.errstate(all="ignore"):
        return np.where(y > 0, -y / a, 0.0)


def log_likelihood_delta(student, *, hidden: bool = False, rng=None) -> None:
    """Hint ladder for ``log_likelihood_delta(z, a, y)`` = ``a - y`` (per example, shape (N, C)).

    Visible rungs: array of shape (1, 3) then (3, 4); the tiny case (diagnosing ``y - a``, an
    extra softmax-derivative factor, a division by N); logits of +-1000; the gradient of the
    batch-mean cost of ``softmax(z)`` by finite differences equals ``delta / N``.
    Hidden: random batches vs ``nnkit.costs.LogLikelihoodCost().delta``, ``<= 1e-12 + 1e-7 |ref|``.
    """
    lad = Ladder("log_likelihood_delta", student, hidden=hidden)
    if hidden:
        def draw(g):
            (z,) = _draw_logits(g)
            return z, _ref_softmax(z), _one_hot(g.integers(0, z.shape[1], size=len(z)), z.shape[1])

        lad.compare_random(draw, _ref_delta, reference_name="nnkit.costs.LogLikelihoodCost().delta",
                           rng=rng, names=["z", "a", "y"], rtol=1e-7, atol=1e-12,
                           label="(batches of 1-20 examples, logits up to about +-2000)")
        return lad.passed()

    # tiny case --------------------------------------------------------------------------
    a = np.array([[0.2, 0.7, 0.1]])
    z = np.log(a)
    y = np.array([[0.0, 1.0, 0.0]])
    out = lad.array(lad.call(z, a, y, inputs={"z": z, "a": a, "y": y}), (1, 3))
    lad.close(out, a - y, "tiny case: a = [[0.2, 0.7, 0.1]], true class 2 gives [[0.2, -0.3, 0.1]]",
              inputs={"z": z, "a": a, "y": y},
              hint=("delta is dC/dz for one example: differentiate -ln softmax(z)_y with respect to the logits",
                    "write -ln softmax(z)_y = -z_y + ln sum_k exp(z_k) and differentiate each term",
                    "delta = a - y: subtract the one-hot target from the outputs"),
              mistakes=[(_dc_da_ll(a, y), _LL_DC_DA),
                        (y - a, "the sign is flipped: delta = a - y (raising the true logit lowers the cost, so "
                                "its entry is negative)"),
                        ((a - y) * a * (1 - a), "no softmax-derivative factor: with the log-likelihood it cancels, "
                                                "delta = a - y exactly")])

    # a batch: per example, no 1/N ----------------------------------------------------------
    g = np.random.default_rng(7)
    z = g.normal(0.0, 2.0, size=(3, 4))
    a = _ref_softmax(z)
    y = _one_hot([2, 0, 3], 4)
    out = lad.array(lad.call(z, a, y, inputs={"z": z, "a": a, "y": y}), (3, 4), step="keeps the batch shape (3, 4)")
    lad.close(out, a - y, "a batch of 3 examples: a - y row by row", inputs={"z": z, "a": a, "y": y},
              hint=("one row of delta per example, no averaging over the batch",
                    "delta = a - y for every row"),
              mistakes=[(_dc_da_ll(a, y), _LL_DC_DA),
                        ((a - y) / 3, "delta is per example: don't divide by N here (the 1/N of the mean cost "
                                      "comes in when the gradients of W and b are averaged)"),
                        (y - a, "the sign is flipped: delta = a - y")])

    # edge: huge logits ---------------------------------------------------------------------
    z = np.array([[1000.0, -1000.0, 0.0]])
    a = _ref_softmax(z)
    y = np.array([[0.0, 0.0, 1.0]])
    lad.close(lad.call(z, a, y, inputs={"z": z, "a": a, "y": y}), a - y,
              "logits of +-1000 (a is one-hot on the wrong class): delta = [[1, 0, -1]]",
              inputs={"z": z, "a": a, "y": y},
              nonfinite_hint="you don't need z at all (a is already softmax(z)); if you recompute it, use your "
                             "stable softmax")

    # gradient: delta / N is the gradient of the mean cost ---------------------------------
    z = np.array([[0.3, -1.2, 2.0, 0.1], [1.5, 0.4, -0.7, -2.0]])
    y = _one_hot([1, 0], 4)
    a = _ref_softmax(z)
    out = np.asarray(lad.call(z, a, y, inputs={"z": z, "a": a, "y": y}), dtype=float)

    def f(zz):  # the batch-mean log-likelihood of softmax(zz), computed with the reference
        return _costs.log_likelihood(_ref_softmax(zz), y)

    lad.gradient(f, z, out / len(z), "delta / N is the gradient of the mean cost -ln softmax(z)_y (finite differences)",
                 inputs={"z": z, "y": y}, tol=1e-6,
                 hint="differentiate C = -z_y + ln sum_k exp(z_k): the result is softmax(z) - y")
    lad.passed()


# --------------------------------------------------------------------------- classifier
def _accuracy(W, b, X, labels) -> float:
    return float(np.mean(np.argmax(X @ W + b, axis=1) == labels))


def _mean_ll_from_logits(Z, Y) -> float:
    """Batch-mean -ln softmax(Z)_y (the log-likelihood kernel, from the logits)."""
    return float(np.mean(_log_likelihood_logit_terms(Z, Y)))


def _mean_ll_grad(W, b, X, Y):
    """Exact gradients of the batch-mean log-likelihood of softmax(X W + b)."""
    Z = X @ W + b
    d = _output_error(Z, _ref_softmax(Z), Y)
    return X.T @ d / len(X), d.mean(axis=0)


def _params(lad: Ladder, out, D: int, C: int, label: str):
    W, b = lad.pair(out, ("W", "b"), step=f"returns a pair (W, b) {label}")
    W = lad.array(W, (D, C), step=f"W has shape ({D}, {C}) = (inputs, classes)",
                  hint="W maps the D inputs of a row to C class scores: shape (D, C), so that X @ W is (N, C)")
    b = lad.array(b, (C,), step=f"b has shape ({C},)", hint="one bias per class: shape (C,), e.g. np.zeros(C)")
    return W, b


def _one_step(lad: Ladder, X, Y, eta, seed, numeric: bool):
    """Rungs: epochs=0 deterministic; one epoch moves (W, b) by -eta times the mean-cost gradient."""
    D, C = X.shape[1], Y.shape[1]
    kw = {"X": X, "Y": Y}
    W0, b0 = _params(lad, lad.call(X, Y, 0, eta, seed, inputs={**kw, "epochs": 0, "eta": eta, "rng": seed}),
                     D, C, "(epochs=0: the starting point)")
    W0b, b0b = lad.call(X, Y, 0, eta, seed, inputs={**kw, "epochs": 0, "eta": eta, "rng": seed})
    same = np.array_equal(np.asarray(W0b), W0) and np.array_equal(np.asarray(b0b), b0)
    lad.check(same, "the same seed gives the same starting point", expected="identical (W, b) from two calls with rng=seed",
              got="different arrays",
              hint="make the generator from the argument inside the function, rng = np.random.default_rng(rng), "
                   "and draw from it (never np.random.seed / np.random.normal)")
    lad.check(bool(np.isfinite(W0).all() and np.isfinite(b0).all() and np.abs(W0).max() < 1.0),
              "starts from small finite weights", expected="|W| well below 1 (W = 0.01 * rng.normal(size=(D, C)))",
              got=f"max |W| = {np.abs(W0).max():.3g}")
    W1, b1 = _params(lad, lad.call(X, Y, 1, eta, seed, inputs={**kw, "epochs": 1, "eta": eta, "rng": seed}),
                     D, C, "(epochs=1)")
    step_W, step_b = (W0 - W1) / eta, (b0 - b1) / eta  # should be the gradient at (W0, b0)
    if numeric:
        gW = _gc.numerical_gradient(lambda w: _mean_ll_from_logits(X @ w + b0, Y), W0.copy())
        gb = _gc.numerical_gradient(lambda bb: _mean_ll_from_logits(X @ W0 + bb, Y), b0.copy())
        source = "finite differences of the mean cost"
    else:
        gW, gb = _mean_ll_grad(W0, b0, X, Y)
        source = "X^T (softmax(X W + b) - Y) / N"
    err = max(np.linalg.norm(step_W - gW) / max(np.linalg.norm(gW), 1e-12),
              np.linalg.norm(step_b - gb) / max(np.linalg.norm(gb), 1e-12))
    n = len(X)
    mistakes = [
        (np.linalg.norm(step_W + gW) / np.linalg.norm(gW) < 1e-4,
         "your step goes UP the gradient: W = W - eta * dC/dW (check the minus sign, and that your "
         "log_likelihood_delta returns a - y, not y - a)"),
        (np.linalg.norm(step_W - n * gW) / np.linalg.norm(n * gW) < 1e-4,
         "your step is N times too large: the gradient of the MEAN cost is X.T @ delta / N"),
        (np.linalg.norm(step_W - gW / n) / np.linalg.norm(gW / n) < 1e-4,
         "your step is N times too small: divide by N once (your log_likelihood_delta must not divide by N too)"),
        (np.linalg.norm(step_W - gW) / np.linalg.norm(gW) < 1e-4 and np.linalg.norm(step_b - gb) > 1e-6 * np.linalg.norm(gb),
         "W moves correctly but b does not: dC/db = delta.mean(axis=0)"),
    ]
    hint = next((why for cond, why in mistakes if cond),
                "one epoch = one full-batch step: Z = X @ W + b, delta = log_likelihood_delta(Z, softmax(Z), Y), "
                "W -= eta * X.T @ delta / N, b -= eta * delta.mean(axis=0) (this uses your softmax and "
                "log_likelihood_delta: make sure their checks pass first)")
    lad.check(err < 1e-6, f"one epoch moves (W, b) by -eta * gradient ({source})",
              inputs={"X": X, "Y": Y, "eta": eta, "rng": seed},
              expected=f"(W0 - W1) / eta = dC/dW {_fmt_short(gW)}", got=_fmt_short(step_W),
              tolerance=f"relative error {err:.2e} should be < 1e-6", hint=hint)


def _fmt_short(x: np.ndarray) -> str:
    """First few entries of a gradient, for messages."""
    flat = np.asarray(x, dtype=float).ravel()
    return "[" + ", ".join(f"{v:.4g}" for v in flat[:4]) + (", ...]" if flat.size > 4 else "]")


def train_softmax_classifier(student, *, hidden: bool = False, rng=None) -> None:
    """Hint ladder for ``train_softmax_classifier(X, Y, epochs, eta, rng) -> (W, b)``.

    Visible rungs (8x8 digits, ``load_digits_8x8(rng=0)``): ``(W, b)`` of shapes (64, 10) and
    (10,); ``epochs=0`` returns the same small starting point for the same seed; one epoch
    moves (W, b) by ``-eta`` times the finite-difference gradient of the mean cost (30
    examples); a huge learning rate (``eta=500``, 20 epochs) keeps everything finite (stable
    softmax); ``epochs=100, eta=2.0`` reaches at least 90 % validation accuracy.
    Hidden: a split and seeds drawn at grading time: the one-epoch step vs the exact gradient
    (relative error < 1e-6) and at least 90 % validation accuracy.
    """
    lad = Ladder("train_softmax_classifier", student, hidden=hidden)
    if rng is None and hidden:
        rng = np.random.default_rng()
    g = np.random.default_rng(rng) if hidden else np.random.default_rng(0)
    split_seed = int(g.integers(1, 10_000)) if hidden else 0
    seed = int(g.integers(0, 10_000)) if hidden else 0
    data = load_digits_8x8(rng=split_seed)
    Xtr, Ytr = data.X_train, data.Y_train

    # one step = the gradient -----------------------------------------------------------
    idx = g.choice(len(Xtr), size=30, replace=False) if hidden else np.arange(30)
    eta_small = float(g.uniform(0.1, 1.0)) if hidden else 0.5
    _one_step(lad, Xtr[idx], Ytr[idx], eta_small, seed, numeric=not hidden)

    # huge learning rate: logits grow past the overflow zone ------------------------------
    if not hidden:
        Xs, Ys = Xtr[:100], Ytr[:100]
        W, b = _params(lad, lad.call(Xs, Ys, 20, 500.0, seed, inputs={"X": Xs, "Y": Ys, "epochs": 20, "eta": 500.0,
                                                                      "rng": seed}),
                       Xs.shape[1], Ys.shape[1], "(eta=500)")
        finite = bool(np.isfinite(W).all() and np.isfinite(b).all())
        lad.check(finite, "a huge learning rate (eta=500, 20 epochs) keeps W and b finite",
                  expected="finite numbers", got="nan or inf in W or b" + (
                      f" (numpy warned: {'; '.join(sorted(set(lad.last_warnings)))})" if lad.last_warnings else ""),
                  hint="the logits X @ W + b grow past 1000 here; use your stable softmax (max-shift), not np.exp(Z) "
                       "directly")

    # it learns -------------------------------------------------------------------------
    kw = {"X": f"{Xtr.shape} 8x8 digits", "Y": f"{Ytr.shape} one-hot", "epochs": CLASSIFIER_EPOCHS,
          "eta": CLASSIFIER_ETA, "rng": seed}
    W, b = _params(lad, lad.call(Xtr, Ytr, CLASSIFIER_EPOCHS, CLASSIFIER_ETA, seed, inputs=kw),
                   Xtr.shape[1], Ytr.shape[1], f"(epochs={CLASSIFIER_EPOCHS})")
    lad.check(bool(np.isfinite(W).all() and np.isfinite(b).all()), "trained W and b are finite",
              expected="finite numbers", got="nan or inf", hint="use your stable softmax")
    acc = _accuracy(W, b, data.X_val, data.y_val)
    base = _accuracy(np.zeros_like(W), np.zeros_like(b), data.X_val, data.y_val)
    lad.check(acc >= CLASSIFIER_MIN_ACCURACY,
              f"learns: {acc:.1%} validation accuracy after {CLASSIFIER_EPOCHS} epochs "
              f"(needs >= {CLASSIFIER_MIN_ACCURACY:.0%})",
              inputs=kw, expected=f"at least {CLASSIFIER_MIN_ACCURACY:.0%} (untrained: about {base:.0%})",
              got=f"{acc:.1%}",
              hint="loop `epochs` times; each time recompute Z, softmax and delta from the CURRENT W and b, and "
                   "step against the gradient")
    lad.passed()
