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
from functools import partial

import numpy as np

from nnkit._validate import (
    as_array,
    check_nonnegative,
    check_probabilities,
    check_same_shape,
    lookup,
)
from nnkit.concepts import implements

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "LEAKY_ALPHA",
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


# --------------------------------------------------------------------------- kernels
#
# The one implementation of every formula (nnkit.concepts). Kernels trust their input: ``z``
# is a float ndarray (0-d allowed), ``out`` (optional) a float array of z's shape that may be
# ``z`` itself (in place). They return ``out`` (or a new array shaped and typed like ``z``).
# exp/cosh may overflow to inf for |z| > ~709, which gives the exact limit (0 or 1); callers
# silence that warning with ``np.errstate(over="ignore")`` (the public functions do).


def _buffer(z, out):
    return np.empty_like(z) if out is None else out


def _into(out, value, like):
    """Copy ``value`` (broadcast to ``like``'s shape, cast to its dtype) into ``out`` or a new array."""
    out = _buffer(like, out)
    np.copyto(out, value)
    return out


@implements("sigmoid")
def _sigmoid(z, out=None):
    r""":math:`\sigma(z) = 1 / (1 + e^{-z})` (4 in-place ufuncs; exp(-z) = inf gives the exact 0)."""
    out = np.negative(z, np.empty_like(z) if out is None else out)  # positional out: the hot path of Network
    np.exp(out, out)
    out += 1.0
    return np.reciprocal(out, out)


@implements("sigmoid_prime")
def _sigmoid_prime(z, out=None):
    r""":math:`\sigma'(z) = \sigma(z)\sigma(-z) = 1 / (2 + 2\cosh z)`: even in z, relatively exact in both tails."""
    out = np.cosh(z, np.empty_like(z) if out is None else out)
    out += 1.0
    return np.divide(0.5, out, out)


@implements("tanh")
def _tanh(z, out=None):
    r""":math:`\tanh z` (numpy's own; never computed through the sigmoid or vice versa)."""
    return np.tanh(z, out=_buffer(z, out))


@implements("tanh_prime")
def _tanh_prime(z, out=None):
    r""":math:`\tanh'(z) = 1 - \tanh^2 z = 1 / \cosh^2 z`: relatively exact in the tails, 0 for |z| > ~355."""
    out = np.cosh(z, out=_buffer(z, out))
    np.multiply(out, out, out=out)
    return np.reciprocal(out, out=out)


@implements("relu")
def _relu(z, out=None):
    r""":math:`\max(0, z)`."""
    return np.maximum(z, 0.0, out=_buffer(z, out))


@implements("relu_prime")
def _relu_prime(z, out=None):
    r"""1 where z > 0, else 0 (``relu_prime(0) = 0``)."""
    return np.greater(z, 0.0, out=_buffer(z, out))


@implements("leaky_relu", "prelu")
def _prelu(z, alpha, out=None):
    r""":math:`z` where z > 0, :math:`\alpha z` elsewhere; ``alpha`` a scalar or one slope per unit (last axis).

    Leaky ReLU is this formula with a fixed alpha, PReLU with a learned one: one kernel.
    """
    return _into(out, np.where(z > 0, z, alpha * z), z)


@implements("leaky_relu_prime", "prelu_prime")
def _prelu_prime(z, alpha, out=None):
    r"""d/dz of :func:`_prelu`: 1 where z > 0, ``alpha`` where z <= 0."""
    return _into(out, np.where(z > 0, 1.0, alpha), z)


@implements("prelu_alpha_grad")
def _prelu_alpha_grad(z, alpha, upstream):
    r""":math:`\partial C/\partial\alpha = \sum_{z \le 0} \text{upstream}\cdot z`: a float for scalar alpha, else (H,)."""
    contrib = upstream * np.minimum(z, 0.0)  # dout/dalpha = z where z <= 0, else 0
    if np.ndim(alpha) == 0:
        return float(contrib.sum())
    return contrib.reshape(-1, z.shape[-1]).sum(axis=0)


@implements("elu")
def _elu(z, alpha=1.0, out=None):
    r""":math:`z` where z > 0, :math:`\alpha(e^z - 1)` elsewhere (expm1 of min(z, 0): no overflow)."""
    return _into(out, np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0))), z)


@implements("elu_prime")
def _elu_prime(z, alpha=1.0, out=None):
    r"""1 where z > 0, :math:`\alpha e^z` where z <= 0."""
    return _into(out, np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0))), z)


def _identity(z, out=None):
    """f(z) = z (the linear output; not a concept)."""
    return _into(out, z, z)


def _ones(z, out=None):
    """d/dz of the identity: ones."""
    return _into(out, 1.0, z)


@implements("softmax")
def _softmax(z, out=None):
    r""":math:`e^{z_j - m} / \sum_k e^{z_k - m}` along the last axis, :math:`m` = the row maximum."""
    out = np.subtract(z, z.max(axis=-1, keepdims=True), out=_buffer(z, out))
    np.exp(out, out=out)
    out /= out.sum(axis=-1, keepdims=True)
    return out


@implements("logsumexp")
def _logsumexp(z, keepdims=False):
    r""":math:`m + \log\sum_j e^{z_j - m}` along the last axis, :math:`m` = the row maximum."""
    m = z.max(axis=-1, keepdims=True)
    lse = m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True))
    return lse if keepdims else lse[..., 0]


@implements("log_softmax")
def _log_softmax(z):
    r""":math:`s - \operatorname{logsumexp}(s)` with :math:`s = z - m` (the shifted logits, exact row max 0)."""
    s = z - z.max(axis=-1, keepdims=True)
    return s - _logsumexp(s, keepdims=True)


@implements("softmax_jvp")
def _softmax_jvp(a, v):
    r""":math:`J v = a \odot (v - \langle a, v\rangle)` per row, :math:`J = \operatorname{diag}(a) - a a^T`."""
    return a * (v - (a * v).sum(axis=-1, keepdims=True))


@implements("maxout_forward")
def _maxout_forward(x, W, b):
    r"""Pieces ``z = x W_j + b_j`` (k, N, H); returns ``(max over j, winner index (N, H))``."""
    z = np.matmul(x, W) + b[:, None, :]
    winner = z.argmax(axis=0)
    return np.take_along_axis(z, winner[None], axis=0)[0], winner


@implements("maxout_backward")
def _maxout_backward(dout, x, W, winner):
    r"""Gradient only to the winning piece: ``g_j = dout * [winner == j]``; ``(x^T g_j, sum_n g_j, sum_j g_j W_j^T)``."""
    g = (winner[None] == np.arange(W.shape[0])[:, None, None]) * dout  # (k, N, H)
    return np.einsum("knh,kdh->nd", g, W), np.matmul(x.T, g), g.sum(axis=1)


# --------------------------------------------------------------------------- sigmoid / tanh


def _elementwise(kernel, z, *args):
    """Validate ``z``, run ``kernel`` with overflow silenced; a 0-d input gives a numpy scalar."""
    z = as_array(z, "z")
    with np.errstate(over="ignore"):
        return kernel(z, *args)[()]


def sigmoid(z):
    r"""Logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`, elementwise.

    Parameters
    ----------
    z : array_like, any shape
        Pre-activations (finite).

    Returns
    -------
    ndarray, same shape as ``z``
        Values in [0, 1]. ``sigmoid(1000.0) == 1.0`` and ``sigmoid(-1000.0) == 0.0`` without
        an overflow warning (exp(1000) = inf gives the exact limit); in float64 ``sigmoid(z)``
        rounds to exactly 1.0 for z > ~36.7 and underflows to 0 below about -709.
    """
    return _elementwise(_sigmoid, z)


def sigmoid_prime(z):
    r"""Derivative of the sigmoid, :math:`\sigma'(z) = \sigma(z)(1-\sigma(z))`.

    Computed as :math:`1 / (2 + 2\cosh z)` (the same number: :math:`\sigma(z)\sigma(-z)`),
    which keeps full relative accuracy in both tails and gives exactly 0.0 (not NaN) at
    |z| = 1000.

    Parameters
    ----------
    z : array_like, any shape

    Returns
    -------
    ndarray, same shape as ``z``
        Values in [0, 1/4]; ``sigmoid_prime(0) == 0.25``.
    """
    return _elementwise(_sigmoid_prime, z)


def tanh(z):
    r"""Hyperbolic tangent :math:`\tanh(z) = 2\sigma(2z) - 1`, elementwise; values in [-1, 1]."""
    return _elementwise(_tanh, z)


def tanh_prime(z):
    r"""Derivative of tanh, :math:`1 - \tanh^2(z) = 1/\cosh^2 z = 4 e^{-2|z|} / (1 + e^{-2|z|})^2`.

    The :math:`1/\cosh^2` form keeps full relative accuracy in the tails (``1 - t*t`` loses
    all digits once tanh rounds to 1 near |z| = 19); 1 at z = 0, exactly 0.0 at |z| = 1000.
    """
    return _elementwise(_tanh_prime, z)


# --------------------------------------------------------------------------- ReLU family


def relu(z):
    r"""Rectified linear unit :math:`\max(0, z)`, elementwise."""
    return _elementwise(_relu, z)


def relu_prime(z):
    r"""Derivative of ReLU: 1 where z > 0, else 0 (the convention ``relu_prime(0) = 0``)."""
    return _elementwise(_relu_prime, z)


LEAKY_ALPHA = 0.01
"""Default negative slope of :func:`leaky_relu` (also what ``ACTIVATIONS["leaky_relu"]`` uses)."""


def leaky_relu(z, alpha=LEAKY_ALPHA):
    r"""Leaky ReLU: :math:`z` for z > 0, :math:`\alpha z` otherwise.

    Parameters
    ----------
    z : array_like, any shape
    alpha : float >= 0, default 0.01
        Slope for negative inputs (fixed, not learned; see :func:`prelu` for a learned slope).
    """
    return _elementwise(_prelu, z, check_nonnegative(alpha, "alpha"))


def leaky_relu_prime(z, alpha=LEAKY_ALPHA):
    r"""Derivative of leaky ReLU: 1 where z > 0, ``alpha`` where z <= 0 (so the value at 0 is alpha)."""
    return _elementwise(_prelu_prime, z, check_nonnegative(alpha, "alpha"))


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
    return _prelu(z, _prelu_alpha(z, alpha))[()]


def prelu_prime(z, alpha):
    r"""Derivative of PReLU with respect to ``z``: 1 where z > 0, ``alpha`` where z <= 0.

    Shapes as in :func:`prelu`; returns an array shaped like ``z``.
    """
    z = as_array(z, "z")
    return _prelu_prime(z, _prelu_alpha(z, alpha))[()]


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
    return _prelu_alpha_grad(z, a, upstream)


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
    return _elementwise(_elu, z, check_nonnegative(alpha, "alpha"))


def elu_prime(z, alpha=1.0):
    r"""Derivative of ELU: 1 for z > 0, :math:`\alpha e^{z}` for z <= 0 (= alpha at z = 0)."""
    return _elementwise(_elu_prime, z, check_nonnegative(alpha, "alpha"))


def linear(z):
    r"""Identity :math:`f(z) = z` (output activation for regression).

    Returns a copy, so callers may modify the output in place without touching ``z``.
    """
    return _elementwise(_identity, z)


def linear_prime(z):
    r"""Derivative of the identity: an array of ones shaped like ``z``."""
    return _elementwise(_ones, z)


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
    return _logsumexp(_rows(z, "z"))


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
    return _softmax(_rows(z, "z"))


def log_softmax(z):
    r"""Log of the softmax, :math:`z_j - \operatorname{logsumexp}(z)`, stable (finite for finite z).

    Parameters
    ----------
    z : array_like, shape (N, C) or (C,)

    Returns
    -------
    ndarray, same shape as ``z`` (entries <= 0)
    """
    return _log_softmax(_rows(z, "z"))


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
    return _softmax_jvp(a, v)


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
    out, winner = _maxout_forward(x, W, b)
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
    return _maxout_backward(dout, x, W, winner)


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Activation:
    """A named activation: ``fn(z)`` and its elementwise derivative ``prime(z)``.

    ``prime`` is ``None`` for softmax (not elementwise; use :func:`softmax_jvp`).
    ``kernel(z, out=None)`` / ``kernel_prime(z, out=None)`` are the unvalidated kernels behind
    ``fn`` / ``prime`` (``out`` may be ``z``: in place); :class:`~nnkit.network.Network` uses
    them when present and falls back to ``fn`` / ``prime`` for a custom activation.
    """

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    prime: Callable[[np.ndarray], np.ndarray] | None
    kernel: Callable | None = None
    kernel_prime: Callable | None = None

    def __call__(self, z):
        return self.fn(z)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_prime, _sigmoid, _sigmoid_prime),
    "tanh": Activation("tanh", tanh, tanh_prime, _tanh, _tanh_prime),
    "relu": Activation("relu", relu, relu_prime, _relu, _relu_prime),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_prime,
                             partial(_prelu, alpha=LEAKY_ALPHA), partial(_prelu_prime, alpha=LEAKY_ALPHA)),
    "elu": Activation("elu", elu, elu_prime, _elu, _elu_prime),
    "linear": Activation("linear", linear, linear_prime, _identity, _ones),
    "softmax": Activation("softmax", softmax, None, _softmax, None),
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
    return lookup(ACTIVATIONS, name_or_obj, "name_or_obj", "activation")
