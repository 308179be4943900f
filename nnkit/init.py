r"""Weight initialisers, each with the variance it produces and why.

Every initialiser has the signature ``f(n_in, n_out, rng)`` and returns ``(W, b)`` with ``W`` of
shape ``(n_in, n_out)`` (so a layer computes ``z = x @ W + b`` for row-batches ``x``) and ``b`` of
shape ``(n_out,)``, float64.

Why the variance matters: a neuron computes :math:`z = \sum_{j=1}^{n_{in}} w_j x_j + b`. With
independent zero-mean weights of variance :math:`\sigma_w^2` and a bias of variance
:math:`\sigma_b^2`, :math:`\operatorname{Var}(z) = \sigma_w^2 \sum_j x_j^2 + \sigma_b^2`. For the
book's example of 1000 inputs of which 500 are 1 and 500 are 0:

* ``large_normal`` (:math:`\sigma_w^2 = \sigma_b^2 = 1`): :math:`\operatorname{Var}(z) = 501`, std
  :math:`\sqrt{501} \approx 22.4`, so :math:`|z|` is usually far beyond where the sigmoid is
  flat: the hidden neuron starts saturated and learns slowly.
* ``scaled_normal`` (:math:`\sigma_w^2 = 1/n_{in}`, :math:`\sigma_b^2 = 1`):
  :math:`\operatorname{Var}(z) = 500/1000 + 1 = 3/2`, std :math:`\sqrt{3/2} \approx 1.22`:
  the neuron starts in the sensitive region.
"""

from __future__ import annotations

import numpy as np

from nnkit._validate import as_generator, check_positive_int, lookup
from nnkit.concepts import implements

__all__ = [
    "INITIALIZERS",
    "get_initializer",
    "he_normal",
    "large_normal",
    "scaled_normal",
    "xavier_normal",
    "xavier_uniform",
    "zeros",
]


@implements("normal_init")
def _normal_init(n_in, n_out, g):
    r"""W ~ N(0, 1) of shape (n_in, n_out), b ~ N(0, 1) of shape (n_out,)."""
    return g.standard_normal((n_in, n_out)), g.standard_normal(n_out)


@implements("scaled_normal_init")
def _scaled_normal_init(n_in, n_out, g):
    r"""W ~ N(0, 1/n_in), b ~ N(0, 1)."""
    return g.standard_normal((n_in, n_out)) / np.sqrt(n_in), g.standard_normal(n_out)


@implements("xavier_init")
def _xavier_normal_init(n_in, n_out, g):
    r"""W ~ N(0, 2/(n_in + n_out)), b = 0."""
    return g.standard_normal((n_in, n_out)) * np.sqrt(2.0 / (n_in + n_out)), np.zeros(n_out)


@implements("xavier_init")
def _xavier_uniform_init(n_in, n_out, g):
    r"""W ~ U(-L, L), :math:`L = \sqrt{6/(n_{in}+n_{out})}` (variance 2/(n_in + n_out)), b = 0."""
    limit = np.sqrt(6.0 / (n_in + n_out))
    return g.uniform(-limit, limit, size=(n_in, n_out)), np.zeros(n_out)


@implements("he_init")
def _he_normal_init(n_in, n_out, g):
    r"""W ~ N(0, 2/n_in), b = 0."""
    return g.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in), np.zeros(n_out)


def _args(n_in, n_out, rng):
    return check_positive_int(n_in, "n_in"), check_positive_int(n_out, "n_out"), as_generator(rng)


def large_normal(n_in, n_out, rng):
    r"""The book's original ("large") initialisation: every weight and bias ~ N(0, 1).

    :math:`\operatorname{Var}(w) = \operatorname{Var}(b) = 1`, so
    :math:`\operatorname{Var}(z) = \sum_j x_j^2 + 1` grows with the number of active inputs
    (std :math:`\sqrt{501} \approx 22.4` for 500 active inputs): sigmoid neurons start
    saturated. Kept for comparison.

    Parameters
    ----------
    n_in, n_out : int > 0
    rng : numpy.random.Generator or int seed

    Returns
    -------
    W : ndarray, shape (n_in, n_out)
    b : ndarray, shape (n_out,)
    """
    return _normal_init(*_args(n_in, n_out, rng))


def scaled_normal(n_in, n_out, rng):
    r"""The book's default: W ~ N(0, 1/n_in), b ~ N(0, 1).

    Weight variance :math:`1/n_{in}` (std :math:`1/\sqrt{n_{in}}`) keeps
    :math:`\operatorname{Var}(z) = (\text{fraction of active inputs}) + 1` of order 1 whatever
    the layer width (std :math:`\sqrt{3/2} \approx 1.22` for 500 of 1000 inputs active).

    Parameters and returns as in :func:`large_normal`.
    """
    return _scaled_normal_init(*_args(n_in, n_out, rng))


def zeros(n_in, n_out, rng=None):
    r"""All weights and biases 0 (variance 0).

    Shown to demonstrate the **symmetry problem**: every hidden unit computes the same
    function and receives the same gradient, so they stay identical forever. ``rng`` is
    accepted for a uniform signature and ignored.
    """
    n_in = check_positive_int(n_in, "n_in")
    n_out = check_positive_int(n_out, "n_out")
    if rng is not None:
        as_generator(rng)
    return np.zeros((n_in, n_out)), np.zeros(n_out)


def xavier_normal(n_in, n_out, rng):
    r"""Glorot/Xavier normal: W ~ N(0, 2 / (n_in + n_out)), b = 0.

    The variance :math:`2/(n_{in}+n_{out})` is a compromise between keeping the forward signal's
    variance (needs :math:`n_{in}\operatorname{Var}(w) = 1`) and the backward gradient's variance
    (needs :math:`n_{out}\operatorname{Var}(w) = 1`) for roughly linear (tanh/sigmoid-centre) units.

    Parameters and returns as in :func:`large_normal`.
    """
    return _xavier_normal_init(*_args(n_in, n_out, rng))


def xavier_uniform(n_in, n_out, rng):
    r"""Glorot/Xavier uniform: W ~ U(-L, L) with :math:`L = \sqrt{6/(n_{in}+n_{out})}`, b = 0.

    A uniform on (-L, L) has variance :math:`L^2/3 = 2/(n_{in}+n_{out})`, the same as
    :func:`xavier_normal`, with bounded weights.

    Parameters and returns as in :func:`large_normal`.
    """
    return _xavier_uniform_init(*_args(n_in, n_out, rng))


def he_normal(n_in, n_out, rng):
    r"""He (Kaiming) normal: W ~ N(0, 2 / n_in), b = 0.

    A ReLU zeroes about half of its inputs, halving the second moment passed on; doubling the
    :math:`1/n_{in}` variance compensates so activations keep their scale through deep ReLU stacks.

    Parameters and returns as in :func:`large_normal`.
    """
    return _he_normal_init(*_args(n_in, n_out, rng))


INITIALIZERS = {
    "large_normal": large_normal,
    "scaled_normal": scaled_normal,
    "zeros": zeros,
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "he_normal": he_normal,
}
"""Initialisers by name."""


def get_initializer(name):
    """Return the initialiser called ``name`` (a callable is returned unchanged)."""
    if callable(name):
        return name
    if not isinstance(name, str):
        raise TypeError(f"name: expected an initializer name (str) or callable, got {type(name).__name__}")
    return lookup(INITIALIZERS, name, "name", "initializer")
