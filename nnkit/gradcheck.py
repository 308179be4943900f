r"""Gradient checking by centred finite differences.

The centred difference

.. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

has error :math:`O(h^2)` (the one-sided version only :math:`O(h)`); with float64 and
``h = 1e-5`` a correct analytic gradient typically agrees to a relative error of 1e-7 or
better. Compare with :func:`rel_error`: around 1e-7 or smaller is good, 1e-4 or larger almost
always means a bug (or a kink such as ReLU at 0 between x - h and x + h).

These helpers loop over the entries of ``x`` in Python (two calls of ``f`` each): fine for the
small arrays of a check, not meant for training.
"""

from __future__ import annotations

import numbers

import numpy as np

from nnkit._validate import as_array, check_same_shape

__all__ = [
    "assert_gradient_close",
    "check_gradient",
    "numerical_gradient",
    "numerical_gradient_array",
    "numerical_jvp",
    "rel_error",
]


def _point(x) -> np.ndarray:
    """``x`` as a float64 array: the caller's own array if it already is one (perturbed in place)."""
    if isinstance(x, np.ndarray) and x.dtype == np.float32:
        raise ValueError("x: expected float64 (finite differences in float32 are swamped by rounding), got float32")
    return as_array(x, "x")


def _step(h) -> float:
    if isinstance(h, bool) or not isinstance(h, numbers.Real):
        raise TypeError(f"h: expected a small positive number, got {type(h).__name__}")
    h = float(h)
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"h: expected a small positive number, got {h!r}")
    return h


def _callable(f, name: str = "f"):
    if not callable(f):
        raise TypeError(f"{name}: expected a callable, got {type(f).__name__}")


def _scalar_value(v) -> float:
    arr = np.asarray(v)
    if arr.size != 1:
        raise ValueError(f"f: expected a scalar value, got an array of shape {arr.shape}")
    return float(arr)


def numerical_gradient(f, x, h=1e-5):
    r"""Centred-difference gradient of a scalar function ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. It is called with the perturbed array ``x`` itself; if ``x`` is a
        float64 ndarray, it is modified in place (one entry at a time) and restored exactly,
        so closures that read the same array also see the perturbation.
    x : array_like, any shape (float64)
    h : float > 0, default 1e-5

    Returns
    -------
    ndarray, same shape as ``x``
        ``grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h)``.
    """
    _callable(f)
    x = _point(x)
    h = _step(h)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = _scalar_value(f(x))
        x[i] = old - h
        fm = _scalar_value(f(x))
        x[i] = old
        grad[i] = (fp - fm) / (2.0 * h)
    return grad


def numerical_gradient_array(f, x, df, h=1e-5):
    r"""Centred-difference gradient of :math:`\sum f(x) \odot df` for an array-valued ``f``.

    This is the vector-Jacobian product :math:`J^T df` (what a ``*_backward`` function returns
    for upstream gradient ``df``), CS231n style.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray`` (same shape on every call); called with ``x`` perturbed in place.
    x : array_like (float64)
    df : array_like, shape of ``f(x)``
        Upstream gradient.
    h : float > 0

    Returns
    -------
    ndarray, same shape as ``x``
    """
    _callable(f)
    x = _point(x)
    h = _step(h)
    df = as_array(df, "df")
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = np.array(f(x), dtype=np.float64)  # copies: f may return x itself or a view of it
        x[i] = old - h
        fm = np.array(f(x), dtype=np.float64)
        x[i] = old
        if fp.shape != df.shape:
            raise ValueError(f"df: expected shape {fp.shape} to match f(x), got {df.shape}")
        grad[i] = np.sum((fp - fm) * df) / (2.0 * h)
    return grad


def numerical_jvp(f, x, v, h=1e-5):
    r"""Centred-difference Jacobian-vector product (directional derivative) of ``f`` at ``x``.

    .. math:: J v \approx \frac{f(x + h v) - f(x - h v)}{2h}

    Only two calls of ``f``. ``x`` is not modified.

    Parameters
    ----------
    f : callable, ``f(x) -> ndarray``
    x : array_like (float64)
    v : array_like, same shape as ``x``
    h : float > 0

    Returns
    -------
    ndarray, shape of ``f(x)``
    """
    _callable(f)
    x = _point(x)
    v = as_array(v, "v")
    check_same_shape(x, v, "x", "v")
    h = _step(h)
    fp = np.array(f(x + h * v), dtype=np.float64)
    fm = np.array(f(x - h * v), dtype=np.float64)
    return (fp - fm) / (2.0 * h)


def rel_error(a, b):
    r"""Largest elementwise relative error :math:`\max_i |a_i - b_i| / \max(10^{-8}, |a_i| + |b_i|)`.

    Parameters
    ----------
    a, b : array_like, same shape (scalars allowed)

    Returns
    -------
    float
        0 for identical inputs; ~1e-7 or less is what a correct gradient check gives.
    """
    a = as_array(a, "a")
    b = as_array(b, "b")
    check_same_shape(a, b, "a", "b")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def check_gradient(f, grad, x, tol=1e-6, h=1e-5, name=None, verbose=False):
    r"""Relative error between an analytic gradient and the centred-difference one.

    Parameters
    ----------
    f : callable, ``f(x) -> float``
    grad : array_like or callable
        The analytic gradient at ``x`` (shape of ``x``), or a function ``grad(x)`` giving it.
    x : array_like (float64)
    tol : float > 0
        Only used for the printed verdict (the function never raises on a large error; see
        :func:`assert_gradient_close`).
    h : float > 0
    name : str, optional
        Label for the printed line.
    verbose : bool
        Print e.g. ``sigmoid_prime: relative error 3.1e-11 (tol 1e-06) OK``.

    Returns
    -------
    float
        :func:`rel_error` of analytic vs numerical gradient.
    """
    x = _point(x)
    g = grad(x) if callable(grad) else grad
    g = as_array(g, "grad")
    check_same_shape(x, g, "x", "grad")
    num = numerical_gradient(f, x, h=h)
    err = rel_error(g, num)
    if verbose:
        verdict = "OK" if err <= tol else "TOO LARGE"
        print(f"{name or 'gradient'}: relative error {err:.1e} (tol {tol:.0e}) {verdict}")
    return err


def assert_gradient_close(f, grad, x, tol=1e-6, h=1e-5, name=None):
    """Like :func:`check_gradient` but raise ``AssertionError`` (showing both gradients) above ``tol``.

    Returns the relative error when it passes.
    """
    x = _point(x)
    g = as_array(grad(x) if callable(grad) else grad, "grad")
    check_same_shape(x, g, "x", "grad")
    num = numerical_gradient(f, x, h=h)
    err = rel_error(g, num)
    if not err <= tol:
        raise AssertionError(
            f"{name or 'gradient'}: relative error {err:.2e} exceeds tol {tol:.0e}\n"
            f"analytic:\n{g}\nnumerical:\n{num}"
        )
    return err
