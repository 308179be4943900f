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

__all__ = ["dropout_backward", "dropout_forward"]


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
    gen = as_generator(rng)
    mask = gen.random(x.shape, dtype=x.dtype) < keep_prob
    mask = mask.astype(x.dtype)
    mask *= 1.0 / keep_prob
    return x * mask, mask


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
    return dout * mask
