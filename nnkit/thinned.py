r"""Dropout's thinned networks: the spread of a dropped-out unit and the average of many networks.

Inverted dropout (:mod:`nnkit.dropout`) multiplies a unit's activation :math:`x` by
:math:`r / p_{\text{keep}}`, with :math:`r \sim \mathrm{Bernoulli}(p_{\text{keep}})` and
:math:`p_{\text{keep}}` = ``keep_prob``. So the unit's training-time output is
:math:`x / p_{\text{keep}}` with probability :math:`p_{\text{keep}}` and 0 otherwise:

.. math::

    E[\text{out}] = x, \qquad
    \mathrm{Var}[\text{out}] = E[\text{out}^2] - x^2 = \frac{x^2}{p_{\text{keep}}} - x^2
    = x^2\,\frac{1 - p_{\text{keep}}}{p_{\text{keep}}}.

A network whose hidden layer has :math:`H` units contains :math:`2^H` *thinned* networks, one
per subset of kept units; they all share the same weights. Dropout trains a random one on
every example, and at test time the full network (no mask, no rescaling: the inverted form
already rescaled during training) stands in for the average of all of them.
:func:`thinned_ensemble_average` computes that average explicitly over a given set of masks,
so the approximation can be measured.

Conventions as everywhere in nnkit: examples are rows; ``W1`` (D, H), ``b1`` (H,), ``W2``
(H, C), ``b2`` (C,); sigmoid hidden and output units (:class:`nnkit.network.Network` with its
defaults). Each formula here has one implementation, a private kernel registered with
:func:`nnkit.concepts.implements` (concepts ``dropout_variance`` and ``thinned_ensemble``); the
public, validated functions call it, and so do the chapter-05 checks' oracles.
"""

from __future__ import annotations

import numpy as np

from nnkit._validate import as_array, check_probability
from nnkit.activations import sigmoid
from nnkit.concepts import implements

__all__ = ["dropout_variance", "thinned_ensemble_average"]


@implements("dropout_variance")
def _dropout_variance(x, keep_prob):
    """Kernel: x^2 (1 - keep_prob) / keep_prob, elementwise (no validation)."""
    return x * x * ((1.0 - keep_prob) / keep_prob)


@implements("thinned_ensemble")
def _thinned_ensemble_average(X, W1, b1, W2, b2, masks):
    """Kernel: mean over the rows m of masks of sigmoid((sigmoid(X W1 + b1) * m) W2 + b2)."""
    h = sigmoid(X @ W1 + b1)
    total = np.zeros((X.shape[0], W2.shape[1]))
    for m in masks:
        total += sigmoid((h * m) @ W2 + b2)
    return total / masks.shape[0]


def dropout_variance(x, keep_prob):
    r"""Variance of each inverted-dropout output over the random mask.

    .. math:: \mathrm{Var}[\text{out}] = x^2\,(1 - \text{keep\_prob})/\text{keep\_prob}.

    Parameters
    ----------
    x : array_like, any shape
        Activations before dropout.
    keep_prob : float in (0, 1]
        Probability of keeping a unit (``keep_prob = 1``: no dropout, variance 0).

    Returns
    -------
    ndarray, same shape as ``x``
        Elementwise variance (the mean is ``x`` itself).
    """
    x = as_array(x, "x")
    keep_prob = check_probability(keep_prob, "keep_prob", allow_zero=False)
    return _dropout_variance(x, keep_prob)


def thinned_ensemble_average(X, W1, b1, W2, b2, masks):
    r"""Average output of K thinned networks, one per row of ``masks``.

    Thinned network k keeps the hidden units where ``masks[k]`` is non-zero and rescales them
    by the mask value (inverted dropout):

    .. math:: \bar a = \frac1K \sum_{k=1}^{K} \sigma\big((\sigma(X W_1 + b_1) \odot m_k)\, W_2 + b_2\big).

    Parameters
    ----------
    X : array_like, shape (N, D)
    W1 : array_like, shape (D, H)
    b1 : array_like, shape (H,)
    W2 : array_like, shape (H, C)
    b2 : array_like, shape (C,)
    masks : array_like, shape (K, H)
        One mask per thinned network (the same for every example), entries 0 (dropped) or
        ``1 / keep_prob`` (kept), as :func:`nnkit.dropout.dropout_forward` makes them.

    Returns
    -------
    ndarray, shape (N, C)
        The mean over the K networks of their sigmoid outputs. With a single all-ones mask
        this is the output of the full network (:meth:`nnkit.network.Network.feedforward`).
    """
    X = as_array(X, "X", ndim=2)
    W1, b1 = as_array(W1, "W1", ndim=2), as_array(b1, "b1", ndim=1)
    W2, b2 = as_array(W2, "W2", ndim=2), as_array(b2, "b2", ndim=1)
    masks = as_array(masks, "masks", ndim=2)
    D, H = W1.shape
    C = W2.shape[1]
    if X.shape[1] != D or b1.shape != (H,) or W2.shape[0] != H or b2.shape != (C,):
        raise ValueError(f"expected X (N, {D}), b1 ({H},), W2 ({H}, C), b2 (C,); got X {X.shape}, "
                         f"b1 {b1.shape}, W2 {W2.shape}, b2 {b2.shape}")
    if masks.shape[1] != H or masks.shape[0] == 0:
        raise ValueError(f"masks: expected shape (K, {H}) with K >= 1, got {masks.shape}")
    return _thinned_ensemble_average(X, W1, b1, W2, b2, masks)
