"""Activation functions and their derivatives.

Each activation ``f`` comes with ``f_prime`` (the elementwise derivative df/dz evaluated at the
same ``z``), so backprop can form ``delta = upstream * f_prime(z)``. Softmax is not elementwise,
so instead of a derivative it has :func:`softmax_jvp` (Jacobian-vector product). Maxout has its
own ``*_forward`` / ``*_backward`` pair with a cache, CS231n style.

Conventions
-----------
* ``z`` is any real array (typically ``(N, H)``: N examples as rows, H units). Elementwise
  functions return an array of the same shape and dtype (float64, or float32 if given).
* Softmax-type functions work along the last axis (one distribution per row).
* All functions are numerically stable for finite inputs: ``sigmoid(1000.0) == 1.0`` and
  ``sigmoid_prime(1000.0) == 0.0`` with no overflow warning; softmax uses the max-shift.
* Inputs are validated once at the boundary (type, NaN/inf, shapes); the checks are vectorised,
  so the cost is a couple of passes over the array and never a Python loop over examples.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnkit._validate import (
    as_array,
    check_nonnegative,
    check_probabilities,
    check_same_shape,
)

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "elu",
    "elu_prime",
    "get_activation",
    "leaky_relu",
    "leaky_relu_prime",
    "linear",
    "linear_prime",
    "log_softmax",
    "logsumexp",
    "maxout_backward",
    "maxout_forward",
    "prelu",
    "prelu_alpha_grad",
    "prelu_prime",
    "relu",
    "relu_prime",
    "sigmoid",
    "sigmoid_prime",
    "softmax",
    "softmax_jvp",
    "tanh",
    "tanh_prime",
]


# --------------------------------------------------------------------------- helpers


def _scalar(alpha, name: str) -> float:
    """Return a finite real ``alpha`` as float (any sign), or raise naming ``name``."""
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {type(alpha).__name__}")
    alpha = float(alpha)
    if not np.isfinite(alpha):
        raise ValueError(f"{name}: expected a finite number, got {alpha!r}")
    return alpha


def _prelu_alpha(z: np.ndarray, alpha) -> np.ndarray | float:
    """Validate a PReLU slope: a scalar, or one slope per unit (shape ``(H,)`` = ``z.shape[-1:]``)."""
    if isinstance(alpha, numbers.Real) and not isinstance(alpha, bool):
        return _scalar(alpha, "alpha")
    arr = as_array(alpha, "alpha", ndim=(0, 1))
    if arr.ndim == 0:
        return float(arr)
    if z.ndim == 0 or z.shape[-1] != arr.shape[0]:
        raise ValueError(
            f"alpha: expected a scalar or shape ({z.shape[-1] if z.ndim else '?'},) "
            f"(one slope per unit, the last axis of z {z.shape}), got {arr.shape}"
        )
    return arr


# --------------------------------------------------------------------------- sigmoid / tanh


def sigmoid(z):
    r"""Logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`, elementwise.

    Parameters
    ----------
    z : array_like, any shape
        Pre-activations (finite).

    Returns
    -------
    ndarray, same shape as ``z``
        Values in [0, 1]. Computed from ``e = exp(-|z|)`` (never overflows):
        ``1/(1+e)`` for z >= 0 and ``e/(1+e)`` for z < 0. In float64 ``sigmoid(z)`` rounds to
        exactly 1.0 for z > ~36.7 and underflows towards 0 only below about -745.
    """
    z = as_array(z, "z")
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def sigmoid_prime(z):
    r"""Derivative of the sigmoid, :math:`\sigma'(z) = \sigma(z)(1-\sigma(z))`.

    Computed as ``e / (1 + e)**2`` with ``e = exp(-|z|)`` (the derivative is even in z), which
    keeps full relative accuracy in the tails and gives exactly 0.0 (not NaN) at |z| = 1000.

    Parameters
    ----------
    z : array_like, any shape

    Returns
    -------
    ndarray, same shape as ``z``
        Values in [0, 1/4]; ``sigmoid_prime(0) == 0.25``.
    """
    z = as_array(z, "z")
    e = np.exp(-np.abs(z))
    return e / (1.0 + e) ** 2


def tanh(z):
    r"""Hyperbolic tangent :math:`\tanh(z) = 2\sigma(2z) - 1`, elementwise; values in [-1, 1]."""
    z = as_array(z, "z")
    return np.tanh(z)


def tanh_prime(z):
    r"""Derivative of tanh, :math:`1 - \tanh^2(z) = 4 e^{-2|z|} / (1 + e^{-2|z|})^2`.

    The second form is used: it keeps full relative accuracy in the tails (``1 - t*t`` loses
    all digits once tanh rounds to 1 near |z| = 19) and never overflows; 1 at z = 0, exactly 0.0
    at |z| = 1000.
    """
    z = as_array(z, "z")
    e = np.exp(-2.0 * np.abs(z))
    return 4.0 * e / (1.0 + e) ** 2


# --------------------------------------------------------------------------- ReLU family


def relu(z):
    r"""Rectified linear unit :math:`\max(0, z)`, elementwise."""
    z = as_array(z, "z")
    return np.maximum(z, 0.0).astype(z.dtype, copy=False)


def relu_prime(z):
    r"""Derivative of ReLU: 1 where z > 0, else 0 (the convention ``relu_prime(0) = 0``)."""
    z = as_array(z, "z")
    return (z > 0).astype(z.dtype)


def leaky_relu(z, alpha=0.01):
    r"""Leaky ReLU: :math:`z` for z > 0, :math:`\alpha z` otherwise.

    Parameters
    ----------
    z : array_like, any shape
    alpha : float >= 0, default 0.01
        Slope for negative inputs (fixed, not learned; see :func:`prelu` for a learned slope).
    """
    z = as_array(z, "z")
    alpha = check_nonnegative(alpha, "alpha")
    return np.where(z > 0, z, alpha * z).astype(z.dtype, copy=False)


def leaky_relu_prime(z, alpha=0.01):
    r"""Derivative of leaky ReLU: 1 where z > 0, ``alpha`` where z <= 0 (so the value at 0 is alpha)."""
    z = as_array(z, "z")
    alpha = check_nonnegative(alpha, "alpha")
    return np.where(z > 0, 1.0, alpha).astype(z.dtype, copy=False)


def prelu(z, alpha):
    r"""Parametric ReLU: :math:`z` for z > 0, :math:`\alpha z` otherwise, with a learned slope.

    Parameters
    ----------
    z : array_like, shape (N, H) (or any shape when ``alpha`` is a scalar)
    alpha : float or array_like of shape (H,)
        One shared slope, or one slope per unit (broadcast along the last axis of ``z``).

    Returns
    -------
    ndarray, same shape as ``z``
    """
    z = as_array(z, "z")
    alpha = _prelu_alpha(z, alpha)
    return np.where(z > 0, z, alpha * z).astype(z.dtype, copy=False)


def prelu_prime(z, alpha):
    r"""Derivative of PReLU with respect to ``z``: 1 where z > 0, ``alpha`` where z <= 0.

    Shapes as in :func:`prelu`; returns an array shaped like ``z``.
    """
    z = as_array(z, "z")
    alpha = _prelu_alpha(z, alpha)
    return np.broadcast_to(np.where(z > 0, 1.0, alpha), z.shape).astype(z.dtype)


def prelu_alpha_grad(z, alpha, upstream):
    r"""Gradient of a cost with respect to the PReLU slope(s) ``alpha``.

    With ``out = prelu(z, alpha)`` and ``upstream = dC/dout``:

    .. math:: \frac{\partial C}{\partial \alpha} = \sum_{\text{entries with } z \le 0} \text{upstream} \cdot z

    summed over every entry for a scalar alpha, or over all axes but the last for
    per-unit slopes. (Like every gradient here it is a plain sum: if ``upstream`` already
    carries the 1/N of a batch-mean cost, so does the result.)

    Parameters
    ----------
    z : array_like, shape (N, H)
    alpha : float or array_like of shape (H,)
    upstream : array_like, same shape as ``z``

    Returns
    -------
    float (scalar alpha) or ndarray of shape (H,)
        Same shape as ``alpha``.
    """
    z = as_array(z, "z")
    a = _prelu_alpha(z, alpha)
    upstream = as_array(upstream, "upstream")
    check_same_shape(z, upstream, "z", "upstream")
    contrib = upstream * np.minimum(z, 0.0)  # dout/dalpha = z where z <= 0, else 0
    if isinstance(a, float):
        return float(contrib.sum())
    return contrib.reshape(-1, z.shape[-1]).sum(axis=0)


# --------------------------------------------------------------------------- ELU, linear


def elu(z, alpha=1.0):
    r"""Exponential linear unit: :math:`z` for z > 0, :math:`\alpha (e^{z} - 1)` otherwise.

    Uses ``expm1(min(z, 0))`` so no overflow for large positive z and full accuracy near 0.

    Parameters
    ----------
    z : array_like, any shape
    alpha : float >= 0, default 1.0
        Saturation value for very negative z is ``-alpha``.
    """
    z = as_array(z, "z")
    alpha = check_nonnegative(alpha, "alpha")
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0))).astype(z.dtype, copy=False)


def elu_prime(z, alpha=1.0):
    r"""Derivative of ELU: 1 for z > 0, :math:`\alpha e^{z}` for z <= 0 (= alpha at z = 0)."""
    z = as_array(z, "z")
    alpha = check_nonnegative(alpha, "alpha")
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0))).astype(z.dtype, copy=False)


def linear(z):
    r"""Identity :math:`f(z) = z` (output activation for regression).

    Returns a copy, so callers may modify the output in place without touching ``z``.
    """
    return np.array(as_array(z, "z"), copy=True)


def linear_prime(z):
    r"""Derivative of the identity: an array of ones shaped like ``z``."""
    z = as_array(z, "z")
    return np.ones_like(z)


# --------------------------------------------------------------------------- softmax family


def _rows(z, name: str) -> np.ndarray:
    return as_array(z, name, ndim=(1, 2))


def logsumexp(z):
    r"""Stable :math:`\log \sum_j e^{z_j}` along the last axis (per row).

    Computed as :math:`m + \log \sum_j e^{z_j - m}` with :math:`m = \max_j z_j`.

    Parameters
    ----------
    z : array_like, shape (N, C) or (C,)

    Returns
    -------
    ndarray of shape (N,) (or a 0-d value for a single row)
    """
    z = _rows(z, "z")
    m = z.max(axis=-1, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True)))[..., 0]


def softmax(z):
    r"""Softmax along the last axis: :math:`a_j = e^{z_j} / \sum_k e^{z_k}`, one distribution per row.

    The row maximum is subtracted first (softmax is shift-invariant), so no overflow for any
    finite z.

    Parameters
    ----------
    z : array_like, shape (N, C) or (C,)

    Returns
    -------
    ndarray, same shape as ``z``
        Entries in [0, 1]; each row sums to 1.
    """
    z = _rows(z, "z")
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def log_softmax(z):
    r"""Log of the softmax, :math:`z_j - \operatorname{logsumexp}(z)`, stable (finite for finite z).

    Parameters
    ----------
    z : array_like, shape (N, C) or (C,)

    Returns
    -------
    ndarray, same shape as ``z`` (entries <= 0)
    """
    z = _rows(z, "z")
    s = z - z.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def softmax_jvp(a, v):
    r"""Jacobian-vector product of softmax, row by row.

    For one row with :math:`a = \operatorname{softmax}(z)` the Jacobian is
    :math:`J = \operatorname{diag}(a) - a a^T`, so

    .. math:: J v = a \odot (v - \langle a, v \rangle).

    ``J`` is symmetric, so the same expression is the vector-Jacobian product used in backprop
    (``dC/dz = softmax_jvp(a, dC/da)``).

    Parameters
    ----------
    a : array_like, shape (N, C) or (C,)
        Softmax outputs (entries in [0, 1]).
    v : array_like, same shape as ``a``

    Returns
    -------
    ndarray, same shape as ``a``
    """
    a = _rows(a, "a")
    check_probabilities(a, "a")
    v = as_array(v, "v")
    check_same_shape(a, v, "a", "v")
    return a * (v - (a * v).sum(axis=-1, keepdims=True))


# --------------------------------------------------------------------------- maxout


def maxout_forward(x, W, b):
    r"""Maxout layer: each unit outputs the largest of k affine pieces.

    .. math:: \text{out}_{nh} = \max_{j=1..k} \left( x_n W_j + b_j \right)_h

    Parameters
    ----------
    x : array_like, shape (N, D)
    W : array_like, shape (k, D, H)
        One weight matrix per piece.
    b : array_like, shape (k, H)

    Returns
    -------
    out : ndarray, shape (N, H)
    cache : tuple ``(x, W, winner)``
        ``winner`` (N, H) int: index of the winning piece (the first one on ties);
        pass ``cache`` to :func:`maxout_backward`.
    """
    x = as_array(x, "x", ndim=2)
    W = as_array(W, "W", ndim=3)
    b = as_array(b, "b", ndim=2)
    k, D, H = W.shape
    if x.shape[1] != D:
        raise ValueError(f"W: expected shape (k, {x.shape[1]}, H) to match x {x.shape}, got {W.shape}")
    if b.shape != (k, H):
        raise ValueError(f"b: expected shape {(k, H)} to match W {W.shape}, got {b.shape}")
    z = np.matmul(x, W) + b[:, None, :]  # (k, N, H)
    winner = z.argmax(axis=0)
    out = np.take_along_axis(z, winner[None], axis=0)[0]
    return out, (x, W, winner)


def maxout_backward(dout, cache):
    r"""Backward pass of :func:`maxout_forward`.

    The max passes the gradient only to the winning piece: with ``g = dout`` masked to the
    winner, ``dW_j = x^T g_j``, ``db_j = sum_n g_j`` and ``dx = sum_j g_j W_j^T``.

    Parameters
    ----------
    dout : array_like, shape (N, H)
        Upstream gradient dC/dout.
    cache : tuple from :func:`maxout_forward`

    Returns
    -------
    dx : ndarray, shape (N, D)
    dW : ndarray, shape (k, D, H)
    db : ndarray, shape (k, H)
    """
    if not (isinstance(cache, tuple) and len(cache) == 3):
        raise TypeError(f"cache: expected the (x, W, winner) tuple returned by maxout_forward, got {type(cache).__name__}")
    x, W, winner = cache
    dout = as_array(dout, "dout", ndim=2)
    check_same_shape(winner, dout, "the maxout output", "dout")
    k = W.shape[0]
    g = (winner[None] == np.arange(k)[:, None, None]) * dout  # (k, N, H), zero off the winner
    dW = np.matmul(x.T, g)  # (k, D, H)
    db = g.sum(axis=1)
    dx = np.einsum("knh,kdh->nd", g, W)
    return dx, dW, db


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Activation:
    """A named activation: ``fn(z)`` and its elementwise derivative ``prime(z)``.

    ``prime`` is ``None`` for softmax (not elementwise; use :func:`softmax_jvp`).
    """

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    prime: Callable[[np.ndarray], np.ndarray] | None

    def __call__(self, z):
        return self.fn(z)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_prime),
    "tanh": Activation("tanh", tanh, tanh_prime),
    "relu": Activation("relu", relu, relu_prime),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_prime),
    "elu": Activation("elu", elu, elu_prime),
    "linear": Activation("linear", linear, linear_prime),
    "softmax": Activation("softmax", softmax, None),
}
"""Activations by name (``leaky_relu`` and ``elu`` with their default alpha)."""


def get_activation(name_or_obj) -> Activation:
    """Return the :class:`Activation` for a registry name, or ``name_or_obj`` if it already is one.

    Raises
    ------
    TypeError
        If ``name_or_obj`` is neither a str nor an Activation.
    ValueError
        If the name is unknown (the message lists the known names).
    """
    if isinstance(name_or_obj, Activation):
        return name_or_obj
    if not isinstance(name_or_obj, str):
        raise TypeError(f"name_or_obj: expected an activation name (str) or Activation, got {type(name_or_obj).__name__}")
    try:
        return ACTIVATIONS[name_or_obj]
    except KeyError:
        raise ValueError(
            f"name_or_obj: unknown activation {name_or_obj!r}; expected one of {sorted(ACTIVATIONS)}"
        ) from None
