"""Cost functions: value ``fn(a, y)`` and output error ``delta(z, a, y)``.

Notation (rows are examples): ``a`` network outputs (N, C), ``y`` targets (N, C), ``z`` output
pre-activations (N, C), ``a = f(z)`` for the output activation ``f``.

* Every cost **value is the mean over the batch** (the 1/N of the formulas), summed over the
  C output units.
* ``delta(z, a, y)`` is the error **per example**, row by row: row x holds dC_x/dz_x, the
  derivative of that example's own cost C_x. The gradient of the batch-mean cost with respect
  to ``z`` is therefore ``delta / N`` (cheapest to divide once, after the matrix products).

Which cost goes with which output layer:

=====================  =================  =============================================
cost                   output activation  delta = dC_x/dz
=====================  =================  =============================================
QuadraticCost          sigmoid / linear   (a - y) * sigma'(z)   /   (a - y)
CrossEntropyCost       sigmoid            a - y   (the sigma'(z) cancels: no learning slowdown)
LogLikelihoodCost      softmax            a - y   (y one-hot)
=====================  =================  =============================================

Behaviour at the edges of [0, 1] (binary cross-entropy and log-likelihood work on exact
probabilities, **no clipping**): a term ``0 * ln 0`` counts as 0, so a perfect answer costs
exactly 0; a confidently wrong answer (``a = 1`` with ``y = 0``, or ``a_y = 0``) costs
``+inf``, returned without a RuntimeWarning. Because float64 sigmoid rounds to exactly 1.0 for
z > ~36.7, use the ``*_from_logits`` forms (or ``Cost.fn_from_logits``) when you have ``z``:
they are finite for every finite ``z``.
"""

from __future__ import annotations

import numpy as np

from nnkit._validate import (
    as_array,
    check_one_hot,
    check_probabilities,
    check_same_shape,
    lookup,
)
from nnkit.activations import _log_softmax, _sigmoid, _sigmoid_prime
from nnkit.concepts import implements

__all__ = [
    "COSTS",
    "CrossEntropyCost",
    "LogLikelihoodCost",
    "QuadraticCost",
    "binary_cross_entropy",
    "binary_cross_entropy_from_logits",
    "get_cost",
    "log_likelihood",
    "mse",
    "quadratic_cost",
    "softmax_cross_entropy_from_logits",
]


# --------------------------------------------------------------------------- validation


def _pair(a, y, a_name: str = "a", probs: bool = False, one_hot: bool = False):
    """Validate outputs/logits ``a`` and targets ``y``: 2-D (N, C), finite, same shape."""
    a = as_array(a, a_name, ndim=2)
    y = as_array(y, "y", ndim=2)
    check_same_shape(a, y, a_name, "y")
    if probs:
        check_probabilities(a, a_name)
    if one_hot:
        check_one_hot(y, "y")
    return a, y


# --------------------------------------------------------------------------- kernels
#
# The one implementation of each cost formula (nnkit.concepts). Kernels trust their input
# (float arrays of matching shapes, any number of dimensions) and return the cost of every
# entry ("terms": the cost is their sum over outputs, mean over examples) or the error delta.


@implements("quadratic_cost")
def _quadratic_terms(a, y):
    r"""Per-entry quadratic cost :math:`\tfrac12 (a - y)^2`."""
    d = a - y
    d *= d
    d *= 0.5
    return d


@implements("mse")
def _mse(a, y):
    r"""Mean squared error over every entry, :math:`2 \cdot \operatorname{mean}(\tfrac12 (a-y)^2)`."""
    return 2.0 * float(_quadratic_terms(a, y).mean())


@implements("cross_entropy_cost")
def _bce_terms(a, y):
    r"""Per-entry binary cross-entropy :math:`-[y \ln a + (1-y)\ln(1-a)]`, with ``0 ln 0 = 0`` (+inf, no warning, when wrong for sure)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = np.where(y > 0, y * np.log(a), 0.0)
        neg = np.where(y < 1, (1.0 - y) * np.log1p(-a), 0.0)
    return -(pos + neg)


@implements("cross_entropy_cost")
def _bce_logit_terms(z, y):
    r"""Per-entry binary cross-entropy of :math:`\sigma(z)` from the logit: :math:`\max(z,0) - yz + \ln(1+e^{-|z|})`."""
    return np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))


@implements("log_likelihood_cost")
def _log_likelihood_terms(a, y):
    r"""Per-example :math:`-\ln a_{y}` (``y`` one-hot along the last axis); +inf, no warning, where a_y = 0."""
    with np.errstate(divide="ignore"):
        return -np.log((a * y).sum(axis=-1))


@implements("log_likelihood_cost")
def _log_likelihood_logit_terms(z, y):
    r"""Per-example :math:`-\ln \operatorname{softmax}(z)_{y}` from the logits, finite for finite z."""
    return -(_log_softmax(z) * y).sum(axis=-1)


@implements("cross_entropy_delta", "log_likelihood_delta")
def _output_error(z, a, y, out=None):
    r"""Per-example output error :math:`\partial C_x/\partial z = a - y` (``z`` unused; ``out`` may be ``a``)."""
    return np.subtract(a, y, out=out)


@implements("quadratic_delta")
def _quadratic_sigmoid_delta(z, a, y, out=None):
    r"""Per-example :math:`(a - y)\,\sigma'(z)` for a sigmoid output (``out`` may be ``a``)."""
    out = np.subtract(a, y, out=out)
    with np.errstate(over="ignore"):  # cosh(z) = inf for |z| > ~710 gives the exact sigma'(z) = 0
        out *= _sigmoid_prime(z)
    return out


def _batch_mean(terms, n: int) -> float:
    """Sum of the per-entry costs divided by the number of examples (``+ 0.0`` turns -0.0 into 0.0)."""
    return float(terms.sum() / n) + 0.0


# --------------------------------------------------------------------------- plain functions


def quadratic_cost(a, y):
    r"""Quadratic cost, mean over the batch:

    .. math:: C = \frac{1}{N} \sum_x \tfrac12 \lVert a_x - y_x \rVert^2

    Parameters
    ----------
    a : array_like, shape (N, C)
        Network outputs (any real numbers: also used for regression with a linear output).
    y : array_like, shape (N, C)
        Targets.

    Returns
    -------
    float
        Summed over the C outputs, averaged over the N examples. Note
        ``quadratic_cost = mse * C / 2``.
    """
    a, y = _pair(a, y)
    return _batch_mean(_quadratic_terms(a, y), a.shape[0])


def mse(a, y):
    r"""Mean squared error, averaged over **every entry** (N examples and C outputs):

    .. math:: \mathrm{MSE} = \frac{1}{N C} \sum_x \lVert a_x - y_x \rVert^2
              = \frac{2}{C}\,\text{quadratic\_cost}(a, y)

    This is the usual statistics / scikit-learn convention (no 1/2, divide by all entries);
    the course's training cost is :func:`quadratic_cost`.

    Parameters
    ----------
    a, y : array_like, shape (N, C)

    Returns
    -------
    float
    """
    a, y = _pair(a, y)
    return _mse(a, y)


def binary_cross_entropy(a, y):
    r"""Binary cross-entropy for sigmoid outputs, summed over output units, mean over the batch:

    .. math:: C = -\frac{1}{N} \sum_x \sum_j \left[ y_j \ln a_j + (1 - y_j) \ln(1 - a_j) \right]

    Parameters
    ----------
    a : array_like, shape (N, C)
        Sigmoid outputs, each in [0, 1].
    y : array_like, shape (N, C)
        Targets in [0, 1] (usually 0/1; soft targets allowed).

    Returns
    -------
    float
        ``0 * ln 0`` is taken as 0 (so ``a == y`` in {0, 1} costs 0); a term with ``a = 0``
        and ``y > 0`` (or ``a = 1`` and ``y < 1``) makes the cost ``+inf`` (no warning, no
        clipping). For inputs given as logits use :func:`binary_cross_entropy_from_logits`.

    Raises
    ------
    ValueError
        Shapes differ or are not 2-D, NaN/inf, or ``a``/``y`` outside [0, 1].
    """
    a, y = _pair(a, y, probs=True)
    check_probabilities(y, "y")
    return _batch_mean(_bce_terms(a, y), a.shape[0])


def binary_cross_entropy_from_logits(z, y):
    r"""Binary cross-entropy computed from the logits ``z`` (with ``a = sigmoid(z)``).

    Uses :math:`-[y \ln\sigma(z) + (1-y)\ln(1-\sigma(z))] = \max(z,0) - y z + \ln(1 + e^{-|z|})`,
    which is finite for every finite ``z`` (e.g. ``z = 1000, y = 0`` costs 1000, where
    ``binary_cross_entropy(sigmoid(z), y)`` would be inf).

    Parameters
    ----------
    z : array_like, shape (N, C)
        Output pre-activations (any finite reals).
    y : array_like, shape (N, C)
        Targets in [0, 1].

    Returns
    -------
    float
        Summed over output units, mean over the batch.
    """
    z, y = _pair(z, y, a_name="z")
    check_probabilities(y, "y")
    return _batch_mean(_bce_logit_terms(z, y), z.shape[0])


def log_likelihood(a, y):
    r"""Log-likelihood cost for softmax outputs, mean over the batch:

    .. math:: C = -\frac{1}{N} \sum_x \ln a_{x, y(x)}

    where :math:`y(x)` is the correct class of example x (the position of the 1 in ``y``).

    Parameters
    ----------
    a : array_like, shape (N, C)
        Softmax outputs, entries in [0, 1] (rows are not required to sum to 1).
    y : array_like, shape (N, C)
        One-hot targets.

    Returns
    -------
    float
        ``+inf`` (no warning) if some correct-class probability is exactly 0. From logits use
        :func:`softmax_cross_entropy_from_logits`.
    """
    a, y = _pair(a, y, probs=True, one_hot=True)
    return _batch_mean(_log_likelihood_terms(a, y), a.shape[0])


def softmax_cross_entropy_from_logits(z, y):
    r"""Log-likelihood of ``softmax(z)`` computed stably from the logits:

    .. math:: C = -\frac{1}{N} \sum_x \left[ z_{x,y(x)} - \log\sum_k e^{z_{x,k}} \right]

    Finite for every finite ``z`` (no softmax underflow to 0 and log of it).

    Parameters
    ----------
    z : array_like, shape (N, C)
    y : array_like, shape (N, C), one-hot

    Returns
    -------
    float
    """
    z, y = _pair(z, y, a_name="z", one_hot=True)
    return _batch_mean(_log_likelihood_logit_terms(z, y), z.shape[0])


# --------------------------------------------------------------------------- cost objects


class _Cost:
    """Shared parts of the cost objects (Nielsen's ``fn`` / ``delta`` pattern).

    A subclass names its validated value functions (``_fn``, ``_fn_from_logits``) and what
    ``delta`` checks (``_probs``: ``a`` in [0, 1]; ``_one_hot``: ``y`` one-hot).
    ``delta_kernel(z, a, y, out=None)`` is the unvalidated kernel behind ``delta`` (used by
    :class:`~nnkit.network.Network`).
    """

    name: str = ""
    output: str = ""
    _probs = False
    _one_hot = False

    def fn(self, a, y):
        return self._fn(a, y)

    def fn_from_logits(self, z, y):
        return self._fn_from_logits(z, y)

    def delta(self, z, a, y):
        z = as_array(z, "z", ndim=2)
        a, y = _pair(a, y, probs=self._probs, one_hot=self._one_hot)
        check_same_shape(a, z, "a", "z")
        return self.delta_kernel(z, a, y)

    @property
    def delta_kernel(self):
        """The kernel behind :meth:`delta`: ``a - y`` unless a subclass says otherwise."""
        return _output_error

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.output == other.output

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.output))


class QuadraticCost(_Cost):
    r"""Quadratic cost :math:`C_x = \tfrac12\lVert a - y\rVert^2` (value: mean over the batch).

    Parameters
    ----------
    output : {"sigmoid", "linear"}, default "sigmoid"
        Output activation the network uses with this cost (``linear`` for regression).

    Methods
    -------
    fn(a, y) -> float
        :func:`quadratic_cost`, mean over the batch.
    delta(z, a, y) -> ndarray (N, C)
        Per-example dC_x/dz: ``(a - y) * sigmoid_prime(z)`` for a sigmoid output (the factor
        that causes the learning slowdown of saturated neurons), ``a - y`` for a linear output.
        The gradient of the batch-mean cost is ``delta / N``.
    fn_from_logits(z, y) -> float
        ``fn(output(z), y)``.
    """

    name = "quadratic"

    def __init__(self, output: str = "sigmoid"):
        if not isinstance(output, str):
            raise TypeError(f"output: expected 'sigmoid' or 'linear', got {type(output).__name__}")
        if output not in ("sigmoid", "linear"):
            raise ValueError(f"output: expected 'sigmoid' or 'linear', got {output!r}")
        self.output = output

    def __repr__(self) -> str:
        return f"QuadraticCost(output={self.output!r})"

    @property
    def delta_kernel(self):
        """``(a - y) sigma'(z)`` for a sigmoid output, ``a - y`` for a linear one."""
        return _quadratic_sigmoid_delta if self.output == "sigmoid" else _output_error

    def fn(self, a, y):
        return quadratic_cost(a, y)

    def fn_from_logits(self, z, y):
        z = as_array(z, "z", ndim=2)
        if self.output == "sigmoid":
            with np.errstate(over="ignore"):
                z = _sigmoid(z)
        return quadratic_cost(z, y)


class CrossEntropyCost(_Cost):
    r"""Binary cross-entropy for a sigmoid output layer (value: mean over the batch).

    Methods
    -------
    fn(a, y) -> float
        :func:`binary_cross_entropy` (``0 ln 0 = 0``; a confidently wrong ``a`` in {0, 1}
        gives ``+inf``, see the module docstring).
    delta(z, a, y) -> ndarray (N, C)
        Per-example dC_x/dz = ``a - y`` (``z`` unused: the sigma'(z) of the chain rule cancels).
        The gradient of the batch-mean cost is ``delta / N``.
    fn_from_logits(z, y) -> float
        :func:`binary_cross_entropy_from_logits`, finite for every finite z.
    """

    name = "cross_entropy"
    output = "sigmoid"
    _probs = True
    _fn = staticmethod(binary_cross_entropy)
    _fn_from_logits = staticmethod(binary_cross_entropy_from_logits)


class LogLikelihoodCost(_Cost):
    r"""Log-likelihood cost for a softmax output layer, ``y`` one-hot (value: mean over the batch).

    Methods
    -------
    fn(a, y) -> float
        :func:`log_likelihood`, :math:`-\frac1N\sum_x \ln a_{y(x)}`.
    delta(z, a, y) -> ndarray (N, C)
        Per-example dC_x/dz = ``a - y`` with ``a = softmax(z)`` (``z`` unused). The gradient
        of the batch-mean cost is ``delta / N``.
    fn_from_logits(z, y) -> float
        :func:`softmax_cross_entropy_from_logits`, finite for every finite z.
    """

    name = "log_likelihood"
    output = "softmax"
    _probs = True
    _one_hot = True
    _fn = staticmethod(log_likelihood)
    _fn_from_logits = staticmethod(softmax_cross_entropy_from_logits)


COSTS = {
    "quadratic": lambda: QuadraticCost("sigmoid"),
    "quadratic_linear": lambda: QuadraticCost("linear"),
    "cross_entropy": CrossEntropyCost,
    "log_likelihood": LogLikelihoodCost,
}
"""Factories by name: ``COSTS[name]()`` returns a fresh cost object."""


def get_cost(name_or_obj):
    """Return a cost object for a name, a cost class, or a cost object.

    Names: ``"quadratic"`` (sigmoid output), ``"quadratic_linear"`` (linear output, regression),
    ``"cross_entropy"``, ``"log_likelihood"``. A class such as ``CrossEntropyCost`` (Nielsen
    style) is instantiated; an object with ``fn``, ``delta`` and ``output`` is returned as is.
    """
    if isinstance(name_or_obj, str):
        return lookup(COSTS, name_or_obj, "name_or_obj", "cost")()
    if isinstance(name_or_obj, type) and issubclass(name_or_obj, _Cost):
        return name_or_obj()
    if all(hasattr(name_or_obj, attr) for attr in ("fn", "delta", "output")) and not isinstance(name_or_obj, type):
        return name_or_obj
    raise TypeError(
        f"name_or_obj: expected a cost name (str), cost class or object with fn/delta/output, "
        f"got {type(name_or_obj).__name__}"
    )

