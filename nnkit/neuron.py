r"""The single sigmoid neuron of chapter 01: one gradient step, a training run, and when it learns.

The neuron computes :math:`a = \sigma(w x + b)` for one input ``x`` and is trained on one
example ``(x, y)`` by gradient descent. With ``delta(z, a, y)`` the output error
:math:`\partial C/\partial z` of the cost (``nnkit.costs``: ``(a - y)\sigma'(z)`` for the
quadratic cost, ``a - y`` for cross-entropy), one step is

.. math:: z = w x + b, \qquad w \leftarrow w - \eta\,\delta\,x, \qquad b \leftarrow b - \eta\,\delta.

The chapter's experiment uses ``x = 1, y = 0`` and starts from ``(w, b) = (0.6, 0.9)`` or
``(2, 2)`` with ``eta = 0.15``: under the quadratic cost the saturated neuron (2, 2) learns
slowly at first (:math:`\sigma'(4) \approx 0.018`), under cross-entropy it does not.

Every function works elementwise on arrays too (K neurons at once, ``w`` and ``b`` of shape
(K,)), which is how the chapter-01 widget simulates a whole trajectory in one call.
The kernels here are the one implementation used by the widget and the checks' oracles.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from nnkit._validate import check_nonnegative
from nnkit.activations import _sigmoid
from nnkit.concepts import implements
from nnkit.costs import _output_error, _quadratic_sigmoid_delta

__all__ = ["DELTAS", "epochs_until_below", "neuron_step", "trajectory"]

DELTAS: dict[str, Callable] = {"quadratic": _quadratic_sigmoid_delta, "cross_entropy": _output_error}
"""The output error ``delta(z, a, y)`` of each chapter-01 cost for a sigmoid neuron (the cost kernels)."""


@implements("neuron_step")
def _neuron_step(w, b, x, y, eta, delta):
    r"""One step: ``z = w x + b``, ``d = delta(z, sigma(z), y)``; returns ``(w - eta d x, b - eta d)``."""
    z = w * x + b
    with np.errstate(over="ignore"):
        d = delta(z, _sigmoid(np.asarray(z, dtype=float)), y)
    return w - eta * d * x, b - eta * d


@implements("neuron_trajectory")
def _neuron_trajectory(w, b, x, y, eta, delta, epochs):
    """Weights and biases before each step ``0 .. epochs``: two arrays of shape ``(epochs + 1,) + shape of w``."""
    w, b = np.broadcast_arrays(np.asarray(w, dtype=float), np.asarray(b, dtype=float))
    ws = np.empty((epochs + 1,) + w.shape)
    bs = np.empty_like(ws)
    ws[0], bs[0] = w, b
    for k in range(epochs):
        ws[k + 1], bs[k + 1] = _neuron_step(ws[k], bs[k], x, y, eta, delta)
    return ws, bs


@implements("epochs_until_below")
def _epochs_until_below(w, b, eta, delta, threshold, max_epochs):
    """Steps (x = 1, y = 0) until ``sigma(w + b) < threshold``: 0 if already below, None after ``max_epochs``."""
    ws, bs = _neuron_trajectory(w, b, 1.0, 0.0, eta, delta, max_epochs)
    with np.errstate(over="ignore"):
        below = np.flatnonzero(_sigmoid(ws + bs) < threshold)
    return int(below[0]) if below.size else None


def _delta(delta) -> Callable:
    if isinstance(delta, str):
        if delta not in DELTAS:
            raise ValueError(f"delta: expected one of {sorted(DELTAS)} or a function delta(z, a, y), got {delta!r}")
        return DELTAS[delta]
    if not callable(delta):
        raise TypeError(f"delta: expected a cost name or a function delta(z, a, y), got {type(delta).__name__}")
    return delta


def _real(v, name: str) -> float:
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
        raise TypeError(f"{name}: expected a finite real number, got {v!r}")
    return float(v)


def neuron_step(w, b, x, y, eta, delta="quadratic"):
    """One gradient-descent step of the neuron ``a = sigma(w x + b)`` on the example ``(x, y)``.

    Parameters
    ----------
    w, b, x, y : float
    eta : float >= 0
        Learning rate.
    delta : {"quadratic", "cross_entropy"} or callable ``delta(z, a, y)``
        The cost's output error dC/dz.

    Returns
    -------
    (float, float)
        ``(w - eta * delta * x, b - eta * delta)``.
    """
    args = [_real(v, n) for v, n in ((w, "w"), (b, "b"), (x, "x"), (y, "y"))]
    w, b = _neuron_step(*args, check_nonnegative(eta, "eta"), _delta(delta))
    return float(w), float(b)


def trajectory(w, b, eta, delta="quadratic", epochs=300, x=1.0, y=0.0):
    """Weights, biases and outputs of the neuron before each of the steps ``0 .. epochs``.

    Parameters
    ----------
    w, b : float or array_like of shape (K,)
        Starting weight(s) and bias(es); arrays train K independent neurons at once.
    eta : float >= 0
    delta : {"quadratic", "cross_entropy"} or callable ``delta(z, a, y)``
    epochs : int >= 0
    x, y : float
        The training example (the chapter uses 1 -> 0).

    Returns
    -------
    ws, bs, outputs : ndarray of shape ``(epochs + 1,)`` (or ``(epochs + 1, K)``)
        Row k is the state after k steps; ``outputs = sigma(ws * x + bs)``.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 0:
        raise ValueError(f"epochs: expected an integer >= 0, got {epochs!r}")
    ws, bs = _neuron_trajectory(w, b, _real(x, "x"), _real(y, "y"), check_nonnegative(eta, "eta"), _delta(delta),
                                int(epochs))
    with np.errstate(over="ignore"):
        return ws, bs, _sigmoid(ws * x + bs)


def epochs_until_below(w, b, eta, delta="quadratic", threshold=0.5, max_epochs=1000):
    """Number of steps (x = 1, y = 0) until the output ``sigma(w + b)`` is first below ``threshold``.

    Returns 0 if it already is, ``None`` if that takes more than ``max_epochs`` steps (the output
    is tested after each step, the last time after step ``max_epochs``).
    """
    if isinstance(max_epochs, bool) or not isinstance(max_epochs, numbers.Integral) or max_epochs < 0:
        raise ValueError(f"max_epochs: expected an integer >= 0, got {max_epochs!r}")
    return _epochs_until_below(_real(w, "w"), _real(b, "b"), check_nonnegative(eta, "eta"), _delta(delta),
                               _real(threshold, "threshold"), int(max_epochs))
