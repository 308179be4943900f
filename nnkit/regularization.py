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
from nnkit.concepts import implements
from nnkit.optim import _sgd_update

__all__ = [
    "L1",
    "L2",
    "l1_grad",
    "l1_penalty",
    "l1_update",
    "l2_grad",
    "l2_penalty",
    "weight_decay_update",
]


# --------------------------------------------------------------------------- kernels
# The one implementation of each formula (nnkit.concepts); inputs trusted (float arrays).


@implements("l2_penalty")
def _l2_penalty(weights, lmbda, n):
    r""":math:`\frac{\lambda}{2n}\sum_l \lVert W_l\rVert_F^2` for a list of weight matrices."""
    return float(0.5 * (lmbda / n) * sum(float(np.vdot(w, w)) for w in weights))


@implements("l2_gradient")
def _l2_gradient(W, lmbda, n):
    r""":math:`\frac{\lambda}{n} W`."""
    return (lmbda / n) * W


@implements("l1_penalty")
def _l1_penalty(weights, lmbda, n):
    r""":math:`\frac{\lambda}{n}\sum_l \sum_{ij} |W_{l,ij}|`."""
    return float((lmbda / n) * sum(float(np.abs(w).sum()) for w in weights))


@implements("l1_gradient")
def _l1_gradient(W, lmbda, n):
    r""":math:`\frac{\lambda}{n}\operatorname{sign}(W)`, sign(0) = 0."""
    return (lmbda / n) * np.sign(W)


def _penalised_step(W, grad, eta, penalty_gradient):
    r"""A new array: one SGD step on the penalised cost, :math:`W - \eta(\text{grad} + \text{penalty gradient})`."""
    new = W.copy()
    _sgd_update(new, grad + penalty_gradient, eta)
    return new


@implements("weight_decay_update")
def _weight_decay_update(W, grad, eta, lmbda, n):
    r"""New array :math:`W - \eta(\text{grad} + \frac{\lambda}{n}W) = (1 - \frac{\eta\lambda}{n})W - \eta\,\text{grad}`."""
    return _penalised_step(W, grad, eta, _l2_gradient(W, lmbda, n))


@implements("l1_update")
def _l1_update(W, grad, eta, lmbda, n):
    r"""New array :math:`W - \eta(\text{grad} + \frac{\lambda}{n}\operatorname{sign}W)`."""
    return _penalised_step(W, grad, eta, _l1_gradient(W, lmbda, n))


class L2:
    r"""L2 regularisation with parameter ``lmbda``: penalty :math:`\frac{\lambda}{2n}\sum w^2`, gradient :math:`\frac{\lambda}{n}W`.

    ``n`` is the training-set size; apply it to weight matrices only (never biases).
    """

    penalty_kernel = staticmethod(_l2_penalty)
    gradient_kernel = staticmethod(_l2_gradient)

    def __init__(self, lmbda):
        self.lmbda = check_nonnegative(lmbda, "lmbda")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lmbda={self.lmbda})"

    def penalty(self, weights, n):
        """Penalty of a list of weight matrices (float); see :func:`l2_penalty` / :func:`l1_penalty`."""
        return self.penalty_kernel(_weight_list(weights), self.lmbda, check_positive_int(n, "n"))

    def gradient(self, W, n):
        """Gradient of the penalty with respect to one weight matrix (an array shaped like ``W``)."""
        return self.gradient_kernel(as_array(W, "W"), self.lmbda, check_positive_int(n, "n"))

    def add_gradient(self, weights, grads, n, scale=1.0):
        """Add ``scale`` x the penalty's gradient to ``grads`` in place (unvalidated; ``Network.fit``
        passes ``scale = eta`` because its gradients already carry the learning rate)."""
        for W, g in zip(weights, grads):
            g += scale * self.gradient_kernel(W, self.lmbda, n)


class L1(L2):
    r"""L1 regularisation with parameter ``lmbda``: penalty :math:`\frac{\lambda}{n}\sum |w|`, gradient :math:`\frac{\lambda}{n}\operatorname{sign}W`."""

    penalty_kernel = staticmethod(_l1_penalty)
    gradient_kernel = staticmethod(_l1_gradient)


# --------------------------------------------------------------------------- validated functions


def _weight_list(weights) -> list[np.ndarray]:
    if isinstance(weights, np.ndarray) or not isinstance(weights, (list, tuple)):
        raise TypeError(
            f"weights: expected a list of weight matrices (biases excluded), got {type(weights).__name__}; "
            "wrap a single matrix as [W]"
        )
    return [as_array(w, f"weights[{i}]") for i, w in enumerate(weights)]


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
    return L2(lmbda).penalty(weights, n)


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
    return L2(lmbda).gradient(W, n)


def l1_penalty(weights, lmbda, n):
    r"""L1 penalty :math:`\frac{\lambda}{n} \sum_{l} \sum_{ij} |W_{l,ij}|`.

    Parameters and return as in :func:`l2_penalty`.
    """
    return L1(lmbda).penalty(weights, n)


def l1_grad(W, lmbda, n):
    r"""(Sub)gradient of the L1 penalty: :math:`\frac{\lambda}{n} \operatorname{sign}(W)`, with sign(0) = 0.

    Returns an array shaped like ``W``.
    """
    return L1(lmbda).gradient(W, n)


def _update_args(W, grad, eta, lmbda, n):
    W = as_array(W, "W")
    grad = as_array(grad, "grad")
    check_same_shape(W, grad, "W", "grad")
    eta = check_nonnegative(eta, "eta")
    return W, grad, eta, check_nonnegative(lmbda, "lmbda"), check_positive_int(n, "n")


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
    return _weight_decay_update(*_update_args(W, grad, eta, lmbda, n))


def l1_update(W, grad, eta, lmbda, n):
    r"""One gradient step with L1 regularisation.

    .. math:: W \leftarrow W - \frac{\eta\lambda}{n}\operatorname{sign}(W) - \eta\,\text{grad}

    Same parameters as :func:`weight_decay_update`; returns a new array. The L1 step shrinks
    each weight by a constant amount, the L2 step by an amount proportional to the weight.
    """
    return _l1_update(*_update_args(W, grad, eta, lmbda, n))
