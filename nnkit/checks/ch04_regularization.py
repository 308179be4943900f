"""Checks for chapter 04, *Overfitting and regularization*.

One check per exercise; each takes the student's function and prints a hint ladder
(see :mod:`nnkit.checks._ladder`)::

    checks.weight_decay_step(weight_decay_step)               # visible ladder
    checks.weight_decay_step(weight_decay_step, hidden=True)  # hidden: random inputs vs nnkit

Exercises (``weights`` is a list of weight matrices, ``W_l`` of shape (n_in, n_out); biases
``b_l`` of shape (n_out,); ``n`` is the size of the whole training set):

=======================  ===================================================================
l2_penalty_and_grad      ``(lambda/2n) sum_l ||W_l||^2`` and its gradients ``[(lambda/n) W_l]``
l1_penalty_and_grad      ``(lambda/n) sum_l sum |W_l|`` and ``[(lambda/n) sign(W_l)]``, sign(0) = 0
weight_decay_step        one SGD step on the L2-regularised cost; biases not decayed
l1_step                  one SGD step on the L1-regularised cost; biases not penalised
early_stopping           ``(best_epoch, epochs_run)`` of the patience rule on a validation history
shift_images             originals + 1-pixel shifts up, down, left, right (zero fill, no wrap)
=======================  ===================================================================

Oracles are the nnkit kernels (:mod:`nnkit.regularization`, :func:`nnkit.stopping.early_stopping`,
:func:`nnkit.data.shift_images`), called outside the trap. While the student's function runs,
the kernels of the chapter's forbidden concepts (``course.yml``) are trapped.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnkit import data as _data
from nnkit import regularization as _reg
from nnkit import stopping as _stop

from ._ladder import Ladder, fmt

__all__ = [
    "l2_penalty_and_grad",
    "l1_penalty_and_grad",
    "weight_decay_step",
    "l1_step",
    "early_stopping",
    "shift_images",
]


# --------------------------------------------------------------------------- oracles (nnkit kernels)
def _ref_penalty_and_grad(kind: str):
    penalty, grad = (_reg.l2_penalty, _reg.l2_grad) if kind == "l2" else (_reg.l1_penalty, _reg.l1_grad)

    def ref(weights, lmbda, n):
        return penalty(weights, lmbda, n), [grad(W, lmbda, n) for W in weights]

    return ref


def _ref_step(kind: str):
    update = _reg.weight_decay_update if kind == "l2" else _reg.l1_update

    def ref(weights, biases, grads_W, grads_b, eta, lmbda, n):
        new_W = [update(W, g, eta, lmbda, n) for W, g in zip(weights, grads_W)]
        new_b = [b - eta * g for b, g in zip(biases, grads_b)]   # biases: the plain gradient step
        return new_W, new_b

    return ref


# --------------------------------------------------------------------------- helpers
def _copy(x):
    if isinstance(x, np.ndarray):
        return x.copy()
    if isinstance(x, (list, tuple)):
        return type(x)(_copy(v) for v in x)
    return x


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return True


def _call(lad: Ladder, args: tuple, names: tuple[str, ...]):
    """Call the student on deep copies of ``args`` (lists of arrays too) and insist nothing was modified."""
    mine = _copy(args)
    shown = dict(zip(names, args))
    out = lad.call(*mine, inputs=shown)
    for name, orig, passed in zip(names, args, mine):
        if not _same(orig, passed):
            lad.fail("leaves its inputs unchanged", inputs=shown, expected=f"{name} unchanged",
                     got=f"{name} was modified in place",
                     hint=("return NEW arrays: build the results in new lists",
                           "`W = W - ...` makes a new array; `W -= ...` or `W *= ...` overwrites the caller's "
                           "weights, which the caller may still need"))
    return out, shown


def _array_list(lad: Ladder, out, like: list[np.ndarray], what: str, step: str) -> list[np.ndarray]:
    """Rung: ``out`` is a list of arrays shaped like ``like`` (one per layer)."""
    if not isinstance(out, (list, tuple)) or len(out) != len(like):
        lad.fail(step, expected=f"a list of {len(like)} arrays (one per layer)", got=_describe(out),
                 hint=f"return a list with one entry per layer: [... for W in {what}]")
    arrays = []
    for i, (g, ref) in enumerate(zip(out, like)):
        if not isinstance(g, np.ndarray) or g.dtype.kind not in "iuf" or g.shape != ref.shape:
            lad.fail(step, expected=f"entry {i}: an array of shape {ref.shape}",
                     got=f"entry {i}: {_describe(g)}",
                     hint=f"entry l has the shape of {what}[l]: compute it from that layer alone")
        arrays.append(g.astype(np.float64, copy=False))
    lad.ok(step)
    return arrays


def _describe(x) -> str:
    if isinstance(x, np.ndarray):
        return f"numpy array of shape {x.shape}"
    if isinstance(x, (list, tuple)):
        return f"{type(x).__name__} of length {len(x)}"
    return "None" if x is None else type(x).__name__


def _close_list(lad: Ladder, got: list, expected: list, step: str, *, inputs, hint=None, mistakes=(), rtol=1e-9,
                atol=1e-12, nonfinite_hint=None) -> None:
    """``close`` on a list of arrays, flattened into one vector (so mistakes can be diagnosed)."""
    g = np.concatenate([np.ravel(x) for x in got]) if got else np.zeros(0)
    e = np.concatenate([np.ravel(x) for x in expected]) if expected else np.zeros(0)
    flat_mistakes = [(np.concatenate([np.ravel(x) for x in wrong]), why) for wrong, why in mistakes]
    lad.close(g, e, step, inputs=inputs, hint=hint, mistakes=flat_mistakes, rtol=rtol, atol=atol,
              nonfinite_hint=nonfinite_hint)


def _rand_weights(g: np.random.Generator, zeros: bool = False) -> list[np.ndarray]:
    sizes = [int(s) for s in g.integers(1, 7, size=int(g.integers(2, 5)))]
    ws = [g.normal(0, float(g.choice([0.1, 1.0, 5.0])), size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    if zeros:
        for W in ws:
            W[g.random(W.shape) < 0.2] = 0.0
    return ws


def _rand_hyper(g: np.random.Generator) -> tuple[float, int]:
    return float(g.choice([0.0, g.uniform(0.01, 10.0)], p=[0.1, 0.9])), int(g.integers(1, 60001))


def _compare_lists(got, expected, rtol=1e-9, atol=1e-12) -> str | None:
    if not isinstance(got, (list, tuple)) or len(got) != len(expected):
        return f"expected a list of {len(expected)} arrays (one per layer), got {_describe(got)}"
    for i, (g, e) in enumerate(zip(got, expected)):
        try:
            g = np.asarray(g, dtype=float)
        except (TypeError, ValueError):
            return f"entry {i} is not an array of numbers"
        if g.shape != e.shape:
            return f"entry {i} has shape {g.shape}, expected {e.shape}"
        if not np.all(np.abs(g - e) <= atol + rtol * np.abs(e)):
            return f"entry {i} disagrees with the reference (largest difference {np.max(np.abs(g - e)):.3g})"
    return None


# --------------------------------------------------------------------------- penalties and their gradients
def _penalty_ladder(kind: str, student: Callable, hidden: bool, rng) -> None:
    name = f"{kind}_penalty_and_grad"
    lad = Ladder(name, student, hidden=hidden)
    ref = _ref_penalty_and_grad(kind)
    names = ("weights", "lmbda", "n")
    l2 = kind == "l2"

    if hidden:
        def draw(g):
            return (_rand_weights(g, zeros=not l2), *_rand_hyper(g))

        def compare(got, expected, args):
            if not isinstance(got, (tuple, list)) or len(got) != 2:
                return "return the pair (penalty, grads)"
            p, grads = got
            try:
                p = float(p)
            except (TypeError, ValueError):
                return "the penalty must be one number"
            if not abs(p - expected[0]) <= 1e-12 + 1e-9 * abs(expected[0]):
                return f"penalty {fmt(p)} disagrees with the reference {fmt(expected[0])}"
            return _compare_lists(grads, expected[1])

        lad.compare_random(draw, ref, reference_name=f"nnkit.regularization.{kind}_penalty / {kind}_grad",
                           names=names, rng=rng, compare=compare,
                           label="(1-3 layers, random lambda and n" + ("" if l2 else ", exact zeros") + ")",
                           tolerance="|student - reference| <= 1e-12 + 1e-9 * |reference|, penalty and every gradient")
        return lad.passed()

    def run(weights, lmbda, n):
        out, shown = _call(lad, (weights, lmbda, n), names)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            lad.fail("returns a pair (penalty, grads)", inputs=shown, expected="a tuple (penalty, grads)",
                     got=_describe(out),
                     hint=(f"{name} returned None - did you forget `return penalty, grads`?" if out is None
                           else "return both: `return penalty, grads` (a number and a list of arrays)"))
        lad.ok("returns a pair (penalty, grads)")
        p = lad.number(out[0], "the penalty is a single number",
                       hint="sum over every weight of every layer: one number for the whole network")
        grads = _array_list(lad, out[1], weights, "weights", "grads: one array per layer, shaped like that layer")
        return p, grads, shown

    # tiny case: one layer, by hand
    W = np.array([[1.0, -2.0]])
    lmbda, n = 0.5, 5
    p, grads, shown = run([W], lmbda, n)
    if l2:
        lad.close(p, 0.25, "tiny case: W = [[1, -2]], lambda = 0.5, n = 5 (penalty)", inputs=shown,
                  hint=("the penalty is (lambda / 2n) times the sum of the squared weights",
                        "sum of squares 1 + 4 = 5; lambda / 2n = 0.05",
                        "penalty = lmbda / (2 * n) * sum(np.sum(W**2) for W in weights) = 0.05 * 5 = 0.25"),
                  mistakes=[(0.5, "the L2 penalty has a 1/2: (lambda / 2n) sum w^2"),
                            (1.25, "divide by n, the size of the training set: (lambda / 2n) sum w^2"),
                            (0.15, "square the weights (w^2, not |w|)"),
                            (0.05 * np.sqrt(5.0), "square every weight and add them up (no square root): "
                                                  "sum w^2, not the norm ||W||")])
        expected = [0.1 * W]
        grad_mistakes = [([0.05 * W], "differentiate (lambda / 2n) w^2: the 2 of the square cancels the 1/2, "
                                      "giving (lambda / n) w"),
                         ([0.2 * W], "d/dw of (lambda/2n) w^2 is (lambda/n) w, not (2 lambda / n) w"),
                         ([0.5 * W], "divide by n: the gradient is (lambda / n) w")]
        grad_hint = ("the penalty is a sum of independent terms (lambda/2n) w^2: differentiate one term",
                     "d/dw [(lambda/2n) w^2] = (lambda/n) w, elementwise",
                     "grads = [lmbda / n * W for W in weights]")
    else:
        lad.close(p, 0.3, "tiny case: W = [[1, -2]], lambda = 0.5, n = 5 (penalty)", inputs=shown,
                  hint=("the penalty is (lambda / n) times the sum of the absolute values of the weights",
                        "sum of |w| = 1 + 2 = 3; lambda / n = 0.1",
                        "penalty = lmbda / n * sum(np.sum(np.abs(W)) for W in weights) = 0.1 * 3 = 0.3"),
                  mistakes=[(-0.1, "take absolute values: sum |w|, not sum w"),
                            (0.15, "the L1 penalty has no 1/2: (lambda / n) sum |w|"),
                            (1.5, "divide by n, the size of the training set: (lambda / n) sum |w|"),
                            (0.5, "that is the L2 penalty (squares): L1 adds up |w|")])
        expected = [0.1 * np.sign(W)]
        grad_mistakes = [([0.1 * W], "that is the L2 gradient: d|w|/dw is sign(w), not w"),
                         ([0.1 * np.ones_like(W)], "d|w|/dw is sign(w): -1 for negative weights, +1 for positive ones"),
                         ([0.5 * np.sign(W)], "divide by n: the gradient is (lambda / n) sign(w)")]
        grad_hint = ("the penalty is a sum of independent terms (lambda/n) |w|: differentiate one term",
                     "d|w|/dw = +1 for w > 0 and -1 for w < 0: the sign of w",
                     "grads = [lmbda / n * np.sign(W) for W in weights]")
    _close_list(lad, grads, expected, "tiny case: the gradient with respect to W", inputs=shown,
                hint=grad_hint, mistakes=grad_mistakes)

    # two layers: the sum runs over every layer
    W1 = np.array([[0.5, -1.0, 2.0], [0.25, 1.5, -0.5]])
    W2 = np.array([[1.0], [-3.0], [0.25]])
    lmbda, n = 2.0, 10
    p, grads, shown = run([W1, W2], lmbda, n)
    f = (lambda W: np.sum(W ** 2)) if l2 else (lambda W: np.sum(np.abs(W)))
    scale = lmbda / (2 * n) if l2 else lmbda / n
    want = scale * (f(W1) + f(W2))
    lad.close(p, want, "two layers: the penalty adds up the weights of EVERY layer", inputs=shown,
              hint=("one number for the whole network: sum over the layers too",
                    f"layer sums {f(W1):g} and {f(W2):g}, times {scale:g}"),
              mistakes=[(scale * f(W1), "you only used the first layer: loop over every matrix in `weights`"),
                        (scale * f(W2), "you only used the last layer: loop over every matrix in `weights`"),
                        (scale * (f(W1) / W1.size + f(W2) / W2.size), "SUM over the weights, do not average"),
                        (scale * (f(W1) + f(W2)) / 2, "sum over the layers, do not average over them")])
    g_fn = (lambda W: lmbda / n * W) if l2 else (lambda W: lmbda / n * np.sign(W))
    _close_list(lad, grads, [g_fn(W1), g_fn(W2)], "two layers: one gradient per layer", inputs=shown,
                hint="each layer's gradient depends on that layer's weights only")

    # lambda = 0: no regularisation at all
    p, grads, shown = run([W1, W2], 0.0, 10)
    lad.close(p, 0.0, "edge case: lambda = 0 gives a zero penalty", inputs=shown)
    _close_list(lad, grads, [0 * W1, 0 * W2], "edge case: lambda = 0 gives zero gradients", inputs=shown)

    if not l2:
        # sign(0) = 0: a weight that is exactly zero feels no pull
        W0 = np.array([[0.0, 0.3], [-0.7, 0.0]])
        p, grads, shown = run([W0], 1.0, 4)
        _close_list(lad, grads, [0.25 * np.sign(W0)], "edge case: sign(0) = 0 for weights that are exactly 0",
                    inputs=shown,
                    hint=("|w| has no slope at w = 0; the convention is sign(0) = 0",
                          "np.sign gives 0 at 0; W / np.abs(W) gives nan there, and (W >= 0) * 2 - 1 gives +1"),
                    nonfinite_hint="W / |W| is 0/0 = nan at w = 0: use np.sign(W), which is 0 there")

    # gradient rung: the student's gradient matches finite differences of the student's penalty
    g = np.random.default_rng(41)
    W1 = g.normal(size=(3, 2))
    W1[np.abs(W1) < 0.05] = 0.3          # keep clear of the kink of |w| at 0
    W2 = g.normal(size=(2, 2))
    lmbda, n = 3.0, 7
    _, grads, shown = run([W1, W2], lmbda, n)
    lad.gradient(lambda v: float(_call(lad, ([v, W2], lmbda, n), names)[0][0]), W1, grads[0],
                 "gradient: grads[0] matches finite differences of your penalty in W1",
                 hint="your penalty and your gradient disagree: differentiate your own penalty term by term",
                 inputs={"lmbda": lmbda, "n": n})
    lad.passed()


def l2_penalty_and_grad(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``l2_penalty_and_grad(weights, lmbda, n) -> (penalty, grads)``.

    ``penalty = (lambda / 2n) sum_l ||W_l||^2`` (a float), ``grads[l] = (lambda / n) W_l``.

    Ladder: a pair (number, list of arrays shaped like the layers); one 1x2 layer by hand
    (diagnoses: no 1/2, no 1/n, |w| or the norm instead of squares; gradient with the 1/2 kept
    or doubled); two layers (only one layer used, averaged instead of summed); lambda = 0; the
    gradient against finite differences of the student's own penalty; inputs left unchanged.
    Hidden: 20 random networks (1-3 layers) and (lambda, n) vs :func:`nnkit.regularization.l2_penalty`
    and :func:`~nnkit.regularization.l2_grad`, ``rtol=1e-9``.
    """
    _penalty_ladder("l2", student, hidden, rng)


def l1_penalty_and_grad(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``l1_penalty_and_grad(weights, lmbda, n) -> (penalty, grads)``.

    ``penalty = (lambda / n) sum_l sum |W_l|``, ``grads[l] = (lambda / n) sign(W_l)`` with sign(0) = 0.

    Ladder: as for L2, plus exact zeros (sign(0) = 0, no nan from W / |W|). Hidden: 20 random
    networks with some exact zeros vs :func:`nnkit.regularization.l1_penalty` /
    :func:`~nnkit.regularization.l1_grad`, ``rtol=1e-9``.
    """
    _penalty_ladder("l1", student, hidden, rng)


# --------------------------------------------------------------------------- one SGD step
def _step_ladder(kind: str, student: Callable, hidden: bool, rng) -> None:
    name = "weight_decay_step" if kind == "l2" else "l1_step"
    lad = Ladder(name, student, hidden=hidden)
    ref = _ref_step(kind)
    names = ("weights", "biases", "grads_W", "grads_b", "eta", "lmbda", "n")
    l2 = kind == "l2"

    if hidden:
        def draw(g):
            ws = _rand_weights(g, zeros=not l2)
            bs = [g.normal(size=W.shape[1]) for W in ws]
            gws = [g.normal(size=W.shape) for W in ws]
            gbs = [g.normal(size=b.shape) for b in bs]
            if not l2:   # some weights exactly 0 with a zero data gradient: they must stay 0
                for W, G in zip(ws, gws):
                    G[W == 0] = 0.0
            lmbda, n = _rand_hyper(g)
            return ws, bs, gws, gbs, float(g.uniform(0.001, 3.0)), lmbda, n

        def compare(got, expected, args):
            if not isinstance(got, (tuple, list)) or len(got) != 2:
                return "return the pair (new_weights, new_biases)"
            for what, mine, want in (("new_weights", got[0], expected[0]), ("new_biases", got[1], expected[1])):
                problem = _compare_lists(mine, want)
                if problem:
                    return f"{what}: {problem}"
            return None

        refname = "nnkit.regularization.weight_decay_update" if l2 else "nnkit.regularization.l1_update"
        lad.compare_random(draw, ref, reference_name=f"{refname} (biases: b - eta * grad_b)", names=names,
                           rng=rng, compare=compare, label="(1-3 layers, random eta, lambda, n)",
                           tolerance="|student - reference| <= 1e-12 + 1e-9 * |reference|, every weight and bias")
        return lad.passed()

    def run(args):
        out, shown = _call(lad, args, names)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            lad.fail("returns a pair (new_weights, new_biases)", inputs=shown,
                     expected="a tuple (new_weights, new_biases) of two lists", got=_describe(out),
                     hint=(f"{name} returned None - did you forget `return new_weights, new_biases`?"
                           if out is None else "return both lists: `return new_weights, new_biases`"))
        lad.ok("returns a pair (new_weights, new_biases)")
        new_W = _array_list(lad, out[0], args[0], "weights", "new_weights: one array per layer, shaped like it")
        new_b = _array_list(lad, out[1], args[1], "biases", "new_biases: one array per layer, shaped like it")
        return new_W, new_b, shown

    # tiny case by hand: one weight, one bias
    W, b, gW, gb = np.array([[2.0]]), np.array([1.0]), np.array([[0.5]]), np.array([0.25])
    eta, lmbda, n = 0.1, 10.0, 100
    new_W, new_b, shown = run(([W], [b], [gW], [gb], eta, lmbda, n))
    if l2:
        want_W = 0.99 * 2.0 - 0.05
        lad.close(float(new_W[0][0, 0]), want_W, "tiny case: w = 2, dC0/dw = 0.5, eta = 0.1, lambda = 10, n = 100",
                  inputs=shown,
                  hint=("step against the gradient of the WHOLE cost C0 + (lambda/2n) sum w^2",
                        "dC/dw = dC0/dw + (lambda/n) w = 0.5 + 0.1 * 2 = 0.7, and w - eta * 0.7 = 1.93",
                        "W_new = (1 - eta * lmbda / n) * W - eta * grad_W = 0.99 * 2 - 0.1 * 0.5 = 1.93"),
                  mistakes=[(2.0 - 0.05, "the penalty is missing: add (lambda/n) w to the gradient (weight decay)"),
                            (0.9 * 2.0 - 0.05, "the decay term is multiplied by eta too: (1 - eta lambda / n) w"),
                            (0.995 * 2.0 - 0.05, "the gradient of (lambda/2n) w^2 is (lambda/n) w: the 1/2 cancels"),
                            (1.01 * 2.0 - 0.05, "sign: the penalty pulls weights TOWARDS 0, (1 - eta lambda / n) w"),
                            (0.99 * 2.0 + 0.05, "gradient DEScent: subtract eta * grad_W")])
    else:
        want_W = 2.0 - 0.01 - 0.05
        lad.close(float(new_W[0][0, 0]), want_W, "tiny case: w = 2, dC0/dw = 0.5, eta = 0.1, lambda = 10, n = 100",
                  inputs=shown,
                  hint=("step against the gradient of the WHOLE cost C0 + (lambda/n) sum |w|",
                        "dC/dw = dC0/dw + (lambda/n) sign(w) = 0.5 + 0.1 = 0.6, and w - eta * 0.6 = 1.94",
                        "W_new = W - eta * lmbda / n * np.sign(W) - eta * grad_W = 2 - 0.01 - 0.05 = 1.94"),
                  mistakes=[(2.0 - 0.05, "the penalty is missing: add (lambda/n) sign(w) to the gradient"),
                            (0.99 * 2.0 - 0.05, "that is L2 weight decay (shrinks in proportion to w); L1 subtracts "
                                                "a constant eta lambda / n times sign(w)"),
                            (2.0 - 0.1 - 0.05, "multiply the penalty's gradient by eta too: eta (lambda/n) sign(w)"),
                            (2.0 + 0.01 - 0.05, "sign: the penalty pulls weights TOWARDS 0, w - eta (lambda/n) sign(w)"),
                            (2.0 - 0.01 + 0.05, "gradient DEScent: subtract eta * grad_W")])
    lad.close(new_b[0], [1.0 - 0.025], "tiny case: the bias, b = 1, dC0/db = 0.25", inputs=shown,
              hint=("the penalty involves the weights only: what is its derivative with respect to a bias?",
                    "biases are not regularised: b - eta * grad_b, nothing else"),
              mistakes=[(np.array([0.99 * 1.0 - 0.025]) if l2 else np.array([1.0 - 0.01 - 0.025]),
                         "biases are not regularised: the penalty sums over weights only, so b - eta * grad_b"),
                        (np.array([1.0 + 0.025]), "gradient DEScent: subtract eta * grad_b")])

    # no data gradient: only the penalty acts
    W = np.array([[3.0, -1.0, 0.5], [-0.2, 0.0, 2.0]])
    Z = np.zeros_like(W)
    eta, lmbda, n = 0.5, 4.0, 20
    new_W, _, shown = run(([W], [np.zeros(3)], [Z], [np.zeros(3)], eta, lmbda, n))
    if l2:
        lad.close(new_W[0], 0.9 * W, "zero data gradient: L2 shrinks every weight by the same FACTOR", inputs=shown,
                  hint="with grad_W = 0 the step is W -> (1 - eta lambda / n) W = 0.9 W here")
    else:
        lad.close(new_W[0], W - 0.1 * np.sign(W), "zero data gradient: L1 moves every weight by the same AMOUNT "
                  "towards 0 (a weight at exactly 0 stays 0)", inputs=shown,
                  hint=("with grad_W = 0 the step is W -> W - eta (lambda / n) sign(W): 0.1 towards 0 here",
                        "sign(0) = 0, so a weight that is exactly 0 does not move: use np.sign"),
                  nonfinite_hint="W / |W| is nan at w = 0: use np.sign(W)")

    # two layers, lambda = 0 is plain SGD
    g = np.random.default_rng(42)
    ws = [g.normal(size=(3, 4)), g.normal(size=(4, 2))]
    bs = [g.normal(size=4), g.normal(size=2)]
    gws = [g.normal(size=(3, 4)), g.normal(size=(4, 2))]
    gbs = [g.normal(size=4), g.normal(size=2)]
    new_W, new_b, shown = run((ws, bs, gws, gbs, 0.3, 0.0, 50))
    _close_list(lad, new_W + new_b, [W - 0.3 * G for W, G in zip(ws, gws)] + [b - 0.3 * G for b, G in zip(bs, gbs)],
                "edge case: lambda = 0 is plain gradient descent on every layer", inputs=shown,
                hint="with lambda = 0 every parameter takes the step p - eta * grad_p")

    eta, lmbda, n = 0.3, 5.0, 50
    new_W, new_b, shown = run((ws, bs, gws, gbs, eta, lmbda, n))
    want_W, want_b = ref(ws, bs, gws, gbs, eta, lmbda, n)
    _close_list(lad, new_W + new_b, want_W + want_b, "two layers, lambda = 5, n = 50", inputs=shown,
                hint="apply the same rule to every layer; biases are never regularised",
                mistakes=[(want_W[:1] + ws[1:] + want_b[:1] + bs[1:], "you updated only the first layer")])

    # gradient rung: (W - W_new) / eta is the gradient of the regularised cost
    W = g.normal(size=(2, 3))
    W[np.abs(W) < 0.05] = 0.4
    G = g.normal(size=(2, 3))
    b0, gb0 = np.zeros(3), np.zeros(3)
    eta, lmbda, n = 0.05, 6.0, 9
    new_W, _, shown = run(([W], [b0], [G], [gb0], eta, lmbda, n))
    penalty = (lambda V: lmbda / (2 * n) * np.sum(V ** 2)) if l2 else (lambda V: lmbda / n * np.sum(np.abs(V)))
    lad.gradient(lambda V: float(np.sum(G * V) + penalty(V)), W, (W - new_W[0]) / eta,
                 "gradient: (W - W_new) / eta matches finite differences of C0 + penalty "
                 "(with C0 = sum(grad_W * W), so dC0/dW = grad_W)",
                 hint="the step must be -eta times the gradient of the regularised cost", inputs={"eta": eta,
                                                                                                "lmbda": lmbda, "n": n})
    lad.passed()


def weight_decay_step(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``weight_decay_step(weights, biases, grads_W, grads_b, eta, lmbda, n) -> (new_weights, new_biases)``.

    One gradient step on ``C = C0 + (lambda/2n) sum w^2``: ``W <- (1 - eta lambda/n) W - eta grad_W``
    and ``b <- b - eta grad_b`` (biases are not regularised), layer by layer, new arrays.

    Ladder: a pair of lists shaped like the inputs; inputs not modified; one weight and bias by
    hand (diagnoses: no penalty, decay without eta, the 1/2 kept, sign, ascent, decayed bias);
    zero data gradient (pure decay by a factor); lambda = 0 (plain SGD); two layers; the step
    against finite differences of the regularised cost.
    Hidden: 20 random networks vs :func:`nnkit.regularization.weight_decay_update` (biases:
    ``b - eta * grad_b``), ``rtol=1e-9``.
    """
    _step_ladder("l2", student, hidden, rng)


def l1_step(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``l1_step(weights, biases, grads_W, grads_b, eta, lmbda, n) -> (new_weights, new_biases)``.

    One gradient step on ``C = C0 + (lambda/n) sum |w|``: ``W <- W - eta (lambda/n) sign(W) - eta grad_W``
    (sign(0) = 0) and ``b <- b - eta grad_b``.

    Ladder: as :func:`weight_decay_step`, with the L1 diagnoses (L2's factor, the constant
    step, sign(0) = 0 at exact zeros). Hidden: 20 random networks (exact zeros included) vs
    :func:`nnkit.regularization.l1_update`, ``rtol=1e-9``.
    """
    _step_ladder("l1", student, hidden, rng)


# --------------------------------------------------------------------------- early stopping
def early_stopping(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``early_stopping(history, patience) -> (best_epoch, epochs_run)``.

    ``history[k]`` is the validation accuracy after epoch k (0-based). The best epoch is the
    first highest score among the epochs run; training stops after ``patience`` epochs in a
    row without a strictly higher score; ``epochs_run`` counts the epochs trained.

    Ladder: a pair of ints; a hand case (diagnoses: 1-based epochs, the last epoch instead of
    the best, off-by-one in the count, looking at the whole history instead of stopping);
    a tie is not an improvement; the rule never fires; patience 1; the counter restarts after
    an improvement. Hidden: 30 random histories (ties and plateaus included) vs
    :func:`nnkit.stopping.early_stopping`, exact.
    """
    lad = Ladder("early_stopping", student, hidden=hidden)
    names = ("history", "patience")

    def valid(out):
        return (isinstance(out, (tuple, list)) and len(out) == 2
                and all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in out))

    if hidden:
        def draw(g):
            h = np.round(g.uniform(0.5, 0.9, size=int(g.integers(1, 40))), int(g.choice([1, 2, 3])))
            if g.random() < 0.5:   # an improving start, then noise: the usual shape of a validation curve
                k = int(g.integers(0, h.size + 1))
                h[:k] = np.sort(h[:k])
            return [float(v) for v in h], int(g.integers(1, 9))

        def compare(got, expected, args):
            if not valid(got):
                return "return a pair of ints (best_epoch, epochs_run)"
            return None if tuple(int(v) for v in got) == tuple(expected) else (
                "best = first highest score among the epochs run; stop after `patience` epochs in a row "
                "without a strictly higher score")

        lad.compare_random(draw, _stop.early_stopping, reference_name="nnkit.stopping.early_stopping",
                           names=names, trials=30, rng=rng, compare=compare,
                           label="(ties and plateaus included)", tolerance="exact")
        return lad.passed()

    def run(history, patience):
        out = lad.call(list(history), patience, inputs={"history": history, "patience": patience})
        if not valid(out):
            lad.fail("returns a pair of ints (best_epoch, epochs_run)", inputs={"history": history,
                                                                               "patience": patience},
                     expected="a tuple of two ints", got=fmt(out) if out is not None else "None",
                     hint=("early_stopping returned None - did you forget `return best_epoch, epochs_run`?"
                           if out is None else "return two whole numbers: `return best_epoch, epochs_run`"))
        lad.ok("returns a pair of ints (best_epoch, epochs_run)")
        return tuple(int(v) for v in out), {"history": history, "patience": patience}

    def expect(history, patience, step, hint=None, mistakes=()):
        got, shown = run(history, patience)
        want = _stop.early_stopping(history, patience)
        diag = {tuple(k): v for k, v in mistakes}
        lad.check(got == want, step, inputs=shown, expected=want, got=got, hint=diag.get(got, hint))

    h = [0.50, 0.62, 0.70, 0.71, 0.69, 0.70, 0.66, 0.75]
    expect(h, 3, "hand case: best 0.71 after epoch index 3, then 3 epochs without improvement -> (3, 7)",
           hint=("keep the best score so far and count the epochs since it; stop when the count reaches patience",
                 "epochs 4, 5, 6 do not beat 0.71: after epoch 6 the count is 3 = patience, so 7 epochs ran",
                 "best, since = -inf, 0; for k, s in enumerate(history): if s > best: best, best_epoch, since = "
                 "s, k, 0 else: since += 1; if since >= patience: return best_epoch, k + 1"),
           mistakes=[((4, 7), "epochs are 0-based indices into history: the best epoch is 3"),
                     ((7, 8), "you looked at the whole history: training STOPS after epoch 6, so the "
                              "late 0.75 is never seen"),
                     ((6, 7), "best_epoch is the epoch with the best score, not the last one run"),
                     ((3, 6), "off by one: epochs_run counts epochs, so stopping after index 6 means 7 epochs"),
                     ((3, 8), "off by one: stop when `patience` epochs in a row brought no improvement")])
    expect([0.8, 0.8, 0.8, 0.7], 2, "a tie is not an improvement: [0.8, 0.8, 0.8, 0.7], patience 2 -> (0, 3)",
           hint=("only a strictly higher score counts as an improvement (keep the FIRST best epoch)",
                 "use `score > best`, not `>=`"),
           mistakes=[((2, 4), "a tie is not an improvement: use `score > best`, not `>=`"),
                     ((1, 4), "a tie is not an improvement: use `score > best`, not `>=`")])
    expect([0.3, 0.5, 0.4, 0.6, 0.55], 3, "the rule never fires: all 5 epochs run -> (3, 5)",
           hint="if the patience never runs out, all len(history) epochs are trained")
    expect([0.9, 0.8, 0.95], 1, "patience 1 stops at the first epoch without improvement -> (0, 2)",
           hint="with patience 1, a single epoch without a higher score ends training")
    expect([0.5, 0.6, 0.55, 0.58, 0.65, 0.6, 0.61, 0.62, 0.63], 3,
           "an improvement restarts the count: -> (4, 8)",
           hint="after a new best score the number of epochs without improvement starts again from 0",
           mistakes=[((4, 6), "after a new best score the count of epochs without improvement starts again from 0")])
    expect([0.7], 4, "edge case: a history of one epoch -> (0, 1)", hint="one epoch: it is the best, and it ran")
    lad.passed()


# --------------------------------------------------------------------------- expanding the data
def shift_images(student: Callable, *, hidden: bool = False, rng=None) -> None:
    """Check ``shift_images(X, shape=(28, 28)) -> (5N, H*W)``: originals, then 1-pixel shifts up, down,
    left, right, in blocks of N rows, zero-filled (nothing wraps around).

    Ladder: an array of shape (5N, H*W); one 3x3 image with pixels 1..9 by hand, block by block
    (diagnoses: np.roll wrap-around, up/down or left/right swapped, missing originals, shifting
    the flat row); a non-square 2x4 image (the ``shape`` argument used); two images (blocks of N,
    not interleaved); the default shape on a 28x28 image.
    Hidden: 20 random batches (N 1-5, H and W 1-8) vs :func:`nnkit.data.shift_images`, exact.
    """
    lad = Ladder("shift_images", student, hidden=hidden)
    if hidden:
        def draw(g):
            h, w = int(g.integers(1, 9)), int(g.integers(1, 9))
            return g.random((int(g.integers(1, 6)), h * w)), (h, w)

        lad.compare_random(draw, _data.shift_images, reference_name="nnkit.data.shift_images", names=("X", "shape"),
                           rng=rng, rtol=0.0, atol=0.0, label="(N 1-5 images of random H x W)")
        return lad.passed()

    img = np.arange(1.0, 10.0).reshape(1, 9)
    shown = {"X": img, "shape": (3, 3)}
    out = lad.array(lad.call(img, (3, 3), inputs=shown), (5, 9), "has shape (5N, H*W) = (5, 9)",
                    hint=("one row per image: the originals and four shifted copies, stacked",
                          "np.vstack of five (N, H*W) blocks gives (5N, H*W)"))
    want = _data.shift_images(img, (3, 3))
    sq = img.reshape(3, 3)
    rolled = [np.roll(sq, s, axis=a).ravel() for s, a in ((-1, 0), (1, 0), (-1, 1), (1, 1))]
    blocks = ["the original", "shifted up (content moves up, bottom row 0)", "shifted down (top row 0)",
              "shifted left (right column 0)", "shifted right (left column 0)"]
    for k, label in enumerate(blocks):
        mistakes = [(rolled[k - 1], "nothing may wrap around: the row or column that moves in is 0 (background), "
                                    "np.roll brings the opposite edge back in")] if k else []
        if k in (1, 2):
            mistakes.append((want[3 - k], "up and down are swapped: 'up' means the digit moves up, "
                                          "up[r, c] = X[r + 1, c]"))
        if k in (3, 4):
            mistakes.append((want[7 - k], "left and right are swapped: 'left' means the digit moves left, "
                                          "left[r, c] = X[r, c + 1]"))
        if k in (3, 4):   # shifting the flat row by one pixel carries pixels into the next image row
            row = img[0]
            flat = np.concatenate([row[1:], [0.0]]) if k == 3 else np.concatenate([[0.0], row[:-1]])
            mistakes.append((flat, "shift the 2-D image, not the flat row: reshape to (H, W) first, "
                                   "otherwise pixels move from the end of one image row into the next"))
        if k == 0:
            mistakes.append((want[1], "the first block is the original images (the shifted copies follow)"))
        lad.close(out[k], want[k], f"3x3 image with pixels 1..9, row {k}: {label}", inputs=shown, rtol=0, atol=0,
                  hint=("unflatten each row to (H, W), shift it with slicing into a zero array, flatten back",
                        "up: out[:, :-1, :] = imgs[:, 1:, :]; down: out[:, 1:, :] = imgs[:, :-1, :]; "
                        "left/right the same on axis 2"),
                  mistakes=mistakes)

    img = np.arange(1.0, 9.0).reshape(1, 8)
    shown = {"X": img, "shape": (2, 4)}
    out = lad.array(lad.call(img, (2, 4), inputs=shown), (5, 8), "non-square image: shape (5, 8) for a 2x4 image",
                    hint="use the `shape` argument (H, W) to unflatten; do not assume a square image")
    lad.close(out, _data.shift_images(img, (2, 4)), "non-square image 2x4: every block", inputs=shown, rtol=0, atol=0,
              hint="reshape with X.reshape(N, H, W) where (H, W) = shape; a square root of the row length "
                   "only works for square images")

    g = np.random.default_rng(43)
    X = g.random((2, 9))
    shown = {"X": X, "shape": (3, 3)}
    out = lad.array(lad.call(X, (3, 3), inputs=shown), (10, 9), "two images: shape (10, 9)")
    want = _data.shift_images(X, (3, 3))
    inter = want.reshape(5, 2, 9).transpose(1, 0, 2).reshape(10, 9)
    lad.close(out, want, "two images: blocks of N rows (all originals, then all 'up' copies, ...)", inputs=shown,
              rtol=0, atol=0, hint="out[:N] are the originals, out[N:2N] the 'up' copies, and so on "
                                   "(so the labels are np.tile(y, 5))",
              mistakes=[(inter, "keep blocks of N rows: all originals first, then all 'up' copies, ... "
                                "(not the five versions of image 0, then of image 1)")])

    X = g.random((3, 784))
    shown = {"X": X}
    out = lad.call(X, inputs=shown)
    lad.array(out, (15, 784), "default shape (28, 28): three MNIST-sized images -> (15, 784)",
              hint="give `shape` the default (28, 28)")
    lad.close(out, _data.shift_images(X), "default shape (28, 28): every block", inputs=shown, rtol=0, atol=0)
    lad.passed()
