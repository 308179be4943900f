r"""L2 and L1 weight penalties: value, gradient and the matching SGD update rules.

Book convention: ``n`` is the size of the **whole training set** (not the mini-batch) and the
penalty is added to the batch-mean cost, so with regularisation parameter ``lmbda``

* L2: :math:`C = C_0 + \frac{\lambda}{2n} \sum_w w^2`, update
  :math:`w \leftarrow (1 - \eta\lambda/n)\, w - \eta\, \partial C_0/\partial w` (weight decay);
* L1: :math:`C = C_0 + \frac{\lambda}{n} \sum_w |w|`, update
  :math:`w \leftarrow w - (\eta\lambda/n)\,\operatorname{sign}(w) - \eta\, \partial C_0/\partial w`.

**Biases are never regularised**: these functions take weight matrices only (a list of them for
the penalties, one matrix for gradients/updates); pass ``network.weights``, never the biases.
We use ``sign(0) = 0``, so an L1 step leaves an exactly-zero weight alone.

Everything is vectorised; the only Python loop is over the (few) layers in a weight list.
"""

from __future__ import annotations

import numpy as np

from nnkit._validate import (
    as_array,
    check_nonnegative,
    check_positive_int,
    check_same_shape,
)

__all__ = [
    "l1_grad",
    "l1_penalty",
    "l1_update",
    "l2_grad",
    "l2_penalty",
    "weight_decay_update",
]


def _weight_list(weights) -> list[np.ndarray]:
    if isinstance(weights, np.ndarray) or not isinstance(weights, (list, tuple)):
        raise TypeError(
            f"weights: expected a list of weight matrices (biases excluded), got {type(weights).__name__}; "
            "wrap a single matrix as [W]"
        )
    return [as_array(w, f"weights[{i}]") for i, w in enumerate(weights)]


def _scale(lmbda, n) -> float:
    lmbda = check_nonnegative(lmbda, "lmbda")
    n = check_positive_int(n, "n")
    return lmbda / n


def l2_penalty(weights, lmbda, n):
    r"""L2 penalty :math:`\frac{\lambda}{2n} \sum_{l} \lVert W_l \rVert_F^2`.

    Parameters
    ----------
    weights : list of array_like
        Weight matrices only, e.g. shapes ``[(D, H), (H, C)]`` (never the biases).
    lmbda : float >= 0
        Regularisation parameter; ``lmbda = 0`` gives exactly 0.
    n : int > 0
        Training-set size.

    Returns
    -------
    float
    """
    ws = _weight_list(weights)
    s = _scale(lmbda, n)
    return float(0.5 * s * sum(float(np.vdot(w, w)) for w in ws))


def l2_grad(W, lmbda, n):
    r"""Gradient of the L2 penalty with respect to one weight matrix: :math:`\frac{\lambda}{n} W`.

    Parameters
    ----------
    W : array_like, any shape (a weight matrix, not a bias)
    lmbda : float >= 0
    n : int > 0

    Returns
    -------
    ndarray, same shape as ``W``
    """
    W = as_array(W, "W")
    return _scale(lmbda, n) * W


def l1_penalty(weights, lmbda, n):
    r"""L1 penalty :math:`\frac{\lambda}{n} \sum_{l} \sum_{ij} |W_{l,ij}|`.

    Parameters and return as in :func:`l2_penalty`.
    """
    ws = _weight_list(weights)
    s = _scale(lmbda, n)
    return float(s * sum(float(np.abs(w).sum()) for w in ws))


def l1_grad(W, lmbda, n):
    r"""(Sub)gradient of the L1 penalty: :math:`\frac{\lambda}{n} \operatorname{sign}(W)`, with sign(0) = 0.

    Returns an array shaped like ``W``.
    """
    W = as_array(W, "W")
    return _scale(lmbda, n) * np.sign(W)


def _update_args(W, grad, eta, lmbda, n):
    W = as_array(W, "W")
    grad = as_array(grad, "grad")
    check_same_shape(W, grad, "W", "grad")
    eta = check_nonnegative(eta, "eta")
    return W, grad, eta, _scale(lmbda, n)


def weight_decay_update(W, grad, eta, lmbda, n):
    r"""One gradient step with L2 regularisation (weight decay).

    .. math:: W \leftarrow \left(1 - \frac{\eta\lambda}{n}\right) W - \eta\,\text{grad}

    Parameters
    ----------
    W : array_like, shape (n_in, n_out)
    grad : array_like, same shape
        Gradient of the **unregularised** mean cost :math:`C_0` with respect to ``W``.
    eta : float >= 0
        Learning rate.
    lmbda : float >= 0
    n : int > 0
        Training-set size.

    Returns
    -------
    ndarray
        The new weights (a new array; ``W`` is not modified).
    """
    W, grad, eta, s = _update_args(W, grad, eta, lmbda, n)
    return (1.0 - eta * s) * W - eta * grad


def l1_update(W, grad, eta, lmbda, n):
    r"""One gradient step with L1 regularisation.

    .. math:: W \leftarrow W - \frac{\eta\lambda}{n}\operatorname{sign}(W) - \eta\,\text{grad}

    Same parameters as :func:`weight_decay_update`; returns a new array. The L1 step shrinks
    each weight by a constant amount, the L2 step by an amount proportional to the weight.
    """
    W, grad, eta, s = _update_args(W, grad, eta, lmbda, n)
    return W - (eta * s) * np.sign(W) - eta * grad
