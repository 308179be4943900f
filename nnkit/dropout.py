r"""Inverted dropout.

During training every unit is kept with probability ``keep_prob`` and dropped (set to 0)
otherwise; kept units are scaled by ``1 / keep_prob`` so the **expected activation is
unchanged**: :math:`E[\text{out}] = \text{keep\_prob} \cdot x / \text{keep\_prob} = x`. At test
time dropout is the identity, with no rescaling needed (that is the point of the "inverted"
form). The mask is returned explicitly so backprop can reuse it, and randomness comes only from
the ``rng`` you pass.
"""

from __future__ import annotations

import numpy as np

from nnkit._validate import as_array, as_generator, check_probability, check_same_shape

from nnkit.concepts import implements

__all__ = ["dropout_backward", "dropout_forward"]


@implements("dropout_forward")
def _dropout_mask(shape, keep_prob, rng, dtype=np.float64):
    r"""Inverted-dropout mask: entries :math:`r/p` with :math:`r \sim \mathrm{Bernoulli}(p)`, ``p = keep_prob``."""
    mask = (rng.random(shape, dtype=dtype) < keep_prob).astype(dtype)
    mask *= 1.0 / keep_prob
    return mask


@implements("dropout_forward", "dropout_backward")
def _dropout_apply(x, mask, out=None):
    r"""``x * mask``: the forward output (x = activations) and the backward pass (x = upstream gradient)."""
    return np.multiply(x, mask, out=out)


def dropout_forward(x, keep_prob, rng, train=True):
    r"""Apply inverted dropout to a batch of activations.

    Parameters
    ----------
    x : array_like, shape (N, H) (any shape works)
        Activations.
    keep_prob : float in (0, 1]
        Probability of **keeping** a unit (``keep_prob = 1`` keeps everything).
    rng : numpy.random.Generator or int
        Source of randomness (an int is used as a seed). ``None`` raises ``TypeError`` when
        ``train=True``; it is allowed (and unused) when ``train=False``.
    train : bool, default True
        ``False`` means test time: return ``(x, None)`` unchanged.

    Returns
    -------
    out : ndarray, same shape as ``x``
        ``x * mask``.
    mask : ndarray, same shape as ``x``, or None
        Entries are 0 (dropped) or ``1 / keep_prob`` (kept, rescaled); ``None`` at test time.
    """
    x = as_array(x, "x")
    keep_prob = check_probability(keep_prob, "keep_prob", allow_zero=False)
    if not isinstance(train, (bool, np.bool_)):
        raise TypeError(f"train: expected True or False, got {type(train).__name__}")
    if not train:
        if rng is not None:
            as_generator(rng)
        return x, None
    mask = _dropout_mask(x.shape, keep_prob, as_generator(rng), x.dtype)
    return _dropout_apply(x, mask), mask


def dropout_backward(dout, mask):
    r"""Backward pass of :func:`dropout_forward`: :math:`dx = dout \odot \text{mask}`.

    Parameters
    ----------
    dout : array_like
        Upstream gradient dC/dout, same shape as the forward input.
    mask : ndarray or None
        The mask returned by :func:`dropout_forward`; ``None`` (test time) returns ``dout``.

    Returns
    -------
    ndarray, same shape as ``dout``
    """
    dout = as_array(dout, "dout")
    if mask is None:
        return dout
    mask = as_array(mask, "mask")
    check_same_shape(dout, mask, "dout", "mask")
    return _dropout_apply(dout, mask)
