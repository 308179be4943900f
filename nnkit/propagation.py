r"""How the scale of signals travels through a network at initialisation (chapter 06).

A stack of ``L`` fully connected layers, examples as rows (the nnkit convention):

.. math::

    A^0 = X, \qquad Z^l = A^{l-1} W^l + b^l, \qquad A^l = f(Z^l), \qquad l = 1, \dots, L,

with ``W[l-1]`` of shape ``(n_{l-1}, n_l)`` and ``b[l-1]`` of shape ``(n_l,)`` (Python lists
are 0-based: ``weights[0]`` is :math:`W^1`). Every layer uses the same activation ``f``; there
is no special output layer, because the question here is how the *spread* of activations and
gradients changes with depth, not what the network computes.

Backward, for an upstream gradient :math:`G = \partial C/\partial A^L` (any cost), the error
of layer ``l`` with respect to its pre-activation is

.. math::

    \delta^L = G \odot f'(Z^L), \qquad \delta^l = (\delta^{l+1} W^{l+1\,T}) \odot f'(Z^l),
    \qquad \frac{\partial C}{\partial W^l} = A^{l-1\,T} \delta^l,

so the gradient of a layer's weights is as large as its :math:`\delta^l` (times its input).

Functions (each the one kernel of the concept of the same name, :mod:`nnkit.concepts`;
``activation_stds`` and ``backward_deltas`` call ``deep_forward``):

* :func:`z_std` - the standard deviation of one neuron's weighted input
  :math:`z = \sum_j w_j x_j + b` over random Gaussian weights, for a given input pattern:
  :math:`\sqrt{\sigma_w^2 \sum_j x_j^2 + \sigma_b^2}`. The book's example (1000 inputs, 500
  of them 1): :math:`\sqrt{501} \approx 22.4` for :math:`\sigma_w = \sigma_b = 1`,
  :math:`\sqrt{3/2} \approx 1.22` for :math:`\sigma_w = 1/\sqrt{1000}, \sigma_b = 1`.
* :func:`deep_forward` - every layer's ``Z`` and ``A``.
* :func:`activation_stds` - the standard deviation of each layer's activations.
* :func:`backward_deltas` - every layer's :math:`\delta^l`.
* :func:`hidden_units_identical` - whether the hidden units of a one-hidden-layer network
  are copies of each other (the symmetry that zero initialisation never breaks).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from nnkit._validate import as_array, check_nonnegative
from nnkit.concepts import implements

__all__ = ["activation_stds", "backward_deltas", "deep_forward", "hidden_units_identical", "z_std"]


def _layers(X, weights, biases):
    """Validate a stack of layers; return (X, [W], [b]) as float arrays."""
    X = as_array(X, "X", ndim=2)
    if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence) or not weights:
        raise TypeError("weights: expected a non-empty list of 2-D arrays, one per layer")
    if isinstance(biases, np.ndarray) or not isinstance(biases, Sequence) or len(biases) != len(weights):
        raise TypeError(f"biases: expected a list of {len(weights)} 1-D arrays (one per layer), "
                        f"got {type(biases).__name__}" + (f" of length {len(biases)}" if isinstance(biases, Sequence) else ""))
    Ws, bs = [], []
    width = X.shape[1]
    for l, (W, b) in enumerate(zip(weights, biases)):
        W = as_array(W, f"weights[{l}]", ndim=2)
        b = as_array(b, f"biases[{l}]", ndim=1)
        if W.shape[0] != width:
            raise ValueError(f"weights[{l}]: expected {width} rows (the width of the layer below), got shape {W.shape}")
        if b.shape != (W.shape[1],):
            raise ValueError(f"biases[{l}]: expected shape {(W.shape[1],)} to match weights[{l}], got {b.shape}")
        Ws.append(W)
        bs.append(b)
        width = W.shape[1]
    return X, Ws, bs


def _callable(f, name):
    if not callable(f):
        raise TypeError(f"{name}: expected a function of the pre-activation z, got {type(f).__name__}")
    return f


@implements("z_std")
def z_std(x, weight_std, bias_std):
    r"""Standard deviation of :math:`z = \sum_j w_j x_j + b` over random weights, for a fixed input.

    The weights :math:`w_j` and the bias :math:`b` are independent, zero-mean, with standard
    deviations ``weight_std`` and ``bias_std``. Variances of independent terms add, and
    :math:`\operatorname{Var}(w_j x_j) = x_j^2 \sigma_w^2`, so

    .. math:: \operatorname{std}(z) = \sqrt{\sigma_w^2 \textstyle\sum_j x_j^2 + \sigma_b^2}.

    Parameters
    ----------
    x : array_like, shape (D,)
        One input pattern (e.g. 500 ones and 500 zeros).
    weight_std, bias_std : float >= 0

    Returns
    -------
    float
    """
    x = as_array(x, "x", ndim=1)
    sw = check_nonnegative(weight_std, "weight_std")
    sb = check_nonnegative(bias_std, "bias_std")
    return float(np.sqrt(sw * sw * np.sum(x * x) + sb * sb))


@implements("deep_forward")
def deep_forward(X, weights, biases, f):
    r"""Forward pass through a stack of layers, all with activation ``f``.

    Parameters
    ----------
    X : array_like, shape (N, n_0)
    weights : list of L arrays, ``weights[l]`` of shape (n_l, n_{l+1})
    biases : list of L arrays, ``biases[l]`` of shape (n_{l+1},)
    f : callable
        Elementwise activation, ``f(Z) -> A``.

    Returns
    -------
    Zs, As : lists of L arrays
        ``Zs[l] = As[l-1] @ weights[l] + biases[l]`` (with ``As[-1]`` read as ``X``) and
        ``As[l] = f(Zs[l])``, each of shape (N, n_{l+1}).
    """
    A, Ws, bs = _layers(X, weights, biases)
    f = _callable(f, "f")
    Zs, As = [], []
    for W, b in zip(Ws, bs):
        Z = A @ W + b
        A = np.asarray(f(Z), dtype=np.float64)
        Zs.append(Z)
        As.append(A)
    return Zs, As


@implements("activation_stds")
def activation_stds(X, weights, biases, f):
    """Standard deviation of every layer's activations :math:`A^l`, over all its entries.

    Parameters as in :func:`deep_forward`.

    Returns
    -------
    ndarray, shape (L,)
        ``np.std(A^l)`` over the whole (N, n_l) array (population std, ``ddof=0``), layer 1 first.
    """
    _, As = deep_forward(X, weights, biases, f)
    return np.array([float(np.std(A)) for A in As])


@implements("backward_deltas")
def backward_deltas(X, weights, biases, f, f_prime, grad_out):
    r"""Backpropagate an upstream gradient through the stack: every layer's :math:`\delta^l`.

    .. math:: \delta^L = G \odot f'(Z^L), \qquad \delta^l = (\delta^{l+1} W^{l+1\,T}) \odot f'(Z^l)

    with :math:`G` = ``grad_out`` :math:`= \partial C/\partial A^L` and :math:`\delta^l =
    \partial C/\partial Z^l`, per example (row by row, nothing averaged). For the cost
    :math:`C = \sum G \odot A^L`, :math:`\partial C / \partial W^l = A^{l-1\,T}\delta^l`.

    Parameters
    ----------
    X, weights, biases, f
        As in :func:`deep_forward`.
    f_prime : callable
        Derivative of ``f`` as a function of the pre-activation, ``f_prime(Z)``.
    grad_out : array_like, shape (N, n_L)
        :math:`\partial C/\partial A^L`.

    Returns
    -------
    list of L arrays
        ``deltas[l]`` of shape (N, n_{l+1}): :math:`\delta^{l+1}` in the 1-based notation above.
    """
    Zs, _ = deep_forward(X, weights, biases, f)
    f_prime = _callable(f_prime, "f_prime")
    G = as_array(grad_out, "grad_out", ndim=2)
    if G.shape != Zs[-1].shape:
        raise ValueError(f"grad_out: expected shape {Zs[-1].shape} (the last layer's activations), got {G.shape}")
    L = len(Zs)
    deltas = [None] * L
    d = G * f_prime(Zs[-1])
    deltas[-1] = d
    for l in range(L - 2, -1, -1):
        d = (d @ np.asarray(weights[l + 1], dtype=np.float64).T) * f_prime(Zs[l])
        deltas[l] = d
    return deltas


@implements("hidden_units_identical")
def hidden_units_identical(W_in, b_in, W_out, atol=1e-12):
    """Whether every hidden unit of a one-hidden-layer network is a copy of the first one.

    Hidden unit ``j`` is described by its incoming weights ``W_in[:, j]``, its bias ``b_in[j]``
    and its outgoing weights ``W_out[j, :]``. Two units are copies when all three agree within
    ``atol`` (absolute difference). Copies compute the same activation for every input and get
    the same gradient, so gradient descent keeps them copies.

    Parameters
    ----------
    W_in : array_like, shape (D, H)
    b_in : array_like, shape (H,)
    W_out : array_like, shape (H, C)
    atol : float >= 0

    Returns
    -------
    bool
        True if all H units agree with unit 0 within ``atol`` (always True for H = 1).
    """
    W_in = as_array(W_in, "W_in", ndim=2)
    b_in = as_array(b_in, "b_in", ndim=1)
    W_out = as_array(W_out, "W_out", ndim=2)
    H = W_in.shape[1]
    if b_in.shape != (H,):
        raise ValueError(f"b_in: expected shape {(H,)} (one bias per hidden unit), got {b_in.shape}")
    if W_out.shape[0] != H:
        raise ValueError(f"W_out: expected {H} rows (one per hidden unit), got shape {W_out.shape}")
    if isinstance(atol, bool) or not isinstance(atol, numbers.Real):
        raise TypeError(f"atol: expected a number >= 0, got {type(atol).__name__}")
    atol = check_nonnegative(atol, "atol")
    return bool(np.all(np.abs(W_in - W_in[:, :1]) <= atol)
                and np.all(np.abs(b_in - b_in[0]) <= atol)
                and np.all(np.abs(W_out - W_out[:1, :]) <= atol))
