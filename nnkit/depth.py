r"""How the hidden activation shapes learning through depth (chapter 03): per-layer gradient
norms and dead ReLU units.

A stack of ``L`` fully connected layers, examples as rows (the nnkit convention, the same
stack as :mod:`nnkit.propagation`):

.. math::

    A^0 = X, \qquad Z^l = A^{l-1} W^l + b^l, \qquad A^l = f(Z^l), \qquad l = 1, \dots, L .

Backpropagating an upstream gradient :math:`G = \partial C / \partial A^L` gives every layer's
error :math:`\delta^l = \partial C / \partial Z^l` (:func:`nnkit.propagation.backward_deltas`):

.. math::

    \delta^L = G \odot f'(Z^L), \qquad \delta^l = (\delta^{l+1} W^{l+1\,T}) \odot f'(Z^l),

so :math:`\delta^1` carries one factor :math:`f'(Z^l)` and one weight matrix per layer above
it. A bias gradient is a column sum, :math:`\partial C/\partial b^l = \sum_{\text{rows}}
\delta^l`; its length :math:`\lVert \partial C/\partial b^l \rVert` is what the book (chapter 5)
calls the *speed of learning* of layer ``l``.

Functions (each the one kernel of its concept, :mod:`nnkit.concepts`):

* :func:`layer_gradient_norms` - :math:`\lVert \partial C/\partial b^l \rVert` for every layer
  (concept ``layer_gradient_norms``): the vanishing-gradient measurement.
* :func:`dead_unit_fraction` - the fraction of units whose pre-activation is :math:`\le 0` on
  every example of a batch (concept ``dead_units``): a dead ReLU unit outputs 0 and gets a
  zero gradient on all of them, so gradient descent never revives it.
* :func:`random_stack` - weights and biases of a random stack (not a concept; a helper for the
  widget and the notebook): :math:`W^l \sim N(0, \text{scale}^2 / n_{l-1})`, :math:`b^l = 0`.
"""

from __future__ import annotations

import numbers

import numpy as np

from nnkit._validate import as_array, as_generator, check_nonnegative, check_positive_int
from nnkit.concepts import implements
from nnkit.propagation import backward_deltas

__all__ = ["dead_unit_fraction", "layer_gradient_norms", "random_stack"]


@implements("layer_gradient_norms")
def layer_gradient_norms(X, weights, biases, f, f_prime, grad_out):
    r"""Length of the bias gradient of every layer of a stack: :math:`\lVert \partial C/\partial b^l \rVert`.

    .. math::

        \frac{\partial C}{\partial b^l} = \sum_{\text{rows } x} \delta^l_x, \qquad
        \text{norms}[l] = \Big\lVert \frac{\partial C}{\partial b^l} \Big\rVert_2

    with :math:`\delta^l` backpropagated from ``grad_out`` :math:`= \partial C/\partial A^L` through
    every layer's :math:`f'` (the last layer's included). Nothing is averaged here: if
    ``grad_out`` carries the 1/N of a batch-mean cost, the norms are those of the mean cost's
    gradient.

    Parameters
    ----------
    X : array_like, shape (N, n_0)
        Inputs, one example per row.
    weights : list of L arrays, ``weights[l]`` of shape (n_l, n_{l+1})
    biases : list of L arrays, ``biases[l]`` of shape (n_{l+1},)
    f, f_prime : callable
        Elementwise activation of every layer and its derivative, both functions of ``Z``.
    grad_out : array_like, shape (N, n_L)
        Upstream gradient :math:`\partial C/\partial A^L`.

    Returns
    -------
    ndarray, shape (L,)
        ``norms[0]`` is the first layer (next to the inputs), ``norms[-1]`` the last.
    """
    deltas = backward_deltas(X, weights, biases, f, f_prime, grad_out)
    return np.array([float(np.linalg.norm(d.sum(axis=0))) for d in deltas])


@implements("dead_units")
def dead_unit_fraction(Z):
    r"""Fraction of units (columns of ``Z``) whose pre-activation is :math:`\le 0` on every row.

    A ReLU unit with :math:`z \le 0` outputs 0 and has slope :math:`\mathrm{relu}'(z) = 0` (the
    convention at 0), so on such a batch it neither contributes nor learns: it is *dead*.

    Parameters
    ----------
    Z : array_like, shape (N, H)
        Pre-activations of one layer, one example per row (N >= 1).

    Returns
    -------
    float
        In [0, 1]: (number of columns with ``Z[:, j] <= 0`` everywhere) / H.
    """
    Z = as_array(Z, "Z", ndim=2)
    if Z.shape[0] == 0 or Z.shape[1] == 0:
        raise ValueError(f"Z: expected at least one example and one unit, got shape {Z.shape}")
    return float(np.mean(np.all(Z <= 0, axis=0)))


def random_stack(depth, width, scale=1.0, n_in=None, rng=0):
    r"""Weights and biases of a random stack of ``depth`` layers of ``width`` units each.

    :math:`W^l \sim N(0, \text{scale}^2 / n_{l-1})` (``scale = 1`` is the book's
    :math:`N(0, 1/n_\text{in})`, ``scale`` :math:`= \sqrt 2` is He's ReLU choice) and
    :math:`b^l = 0`, so the only thing that changes a signal's size from layer to layer is the
    weights and the activation.

    Parameters
    ----------
    depth, width : int >= 1
    scale : float >= 0, default 1
    n_in : int, optional
        Inputs of the first layer (default ``width``).
    rng : int or numpy.random.Generator, default 0

    Returns
    -------
    weights : list of ``depth`` arrays, shapes (n_in, width), (width, width), ...
    biases : list of ``depth`` zero arrays of shape (width,)
    """
    depth = check_positive_int(depth, "depth")
    width = check_positive_int(width, "width")
    n_in = width if n_in is None else check_positive_int(n_in, "n_in")
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real):
        raise TypeError(f"scale: expected a number >= 0, got {type(scale).__name__}")
    scale = check_nonnegative(scale, "scale")
    g = as_generator(rng)
    weights, biases, fan_in = [], [], n_in
    for _ in range(depth):
        weights.append(g.normal(0.0, scale / np.sqrt(fan_in), size=(fan_in, width)))
        biases.append(np.zeros(width))
        fan_in = width
    return weights, biases
