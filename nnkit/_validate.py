"""Input validation shared by every public nnkit function.

Each helper either returns a clean ``numpy.ndarray`` (float64 unless the caller passed
float32) or raises a ``TypeError``/``ValueError`` whose message names the argument and
states what was expected and what came back, e.g.::

    ValueError: y: expected shape (10, 3) to match a, got (10, 4)

Nothing here broadcasts silently: shapes must match exactly where the math needs it.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_array",
    "check_finite",
    "check_same_shape",
    "check_probabilities",
    "check_probability",
    "check_one_hot",
    "check_positive_int",
    "check_nonnegative",
    "as_generator",
    "as_labels",
    "lookup",
]


def as_array(x, name: str, ndim: int | tuple[int, ...] | None = None, finite: bool = True) -> np.ndarray:
    """Return ``x`` as a float ndarray, or raise a clear error.

    float32 input stays float32; every other real dtype (ints, bools, float16, lists) becomes
    float64. ``ndim`` may be an int or a tuple of accepted ranks. With ``finite=True`` NaN and
    inf are rejected.
    """
    if isinstance(x, (str, bytes, dict, set)) or x is None:
        raise TypeError(f"{name}: expected an array of numbers, got {type(x).__name__}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name}: could not be read as an array of numbers ({exc})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name}: expected an array of real numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name}: expected real numbers, got complex dtype {arr.dtype}")
    arr = arr.astype(np.float32 if arr.dtype == np.float32 else np.float64, copy=False)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name}: expected a {want} array, got shape {arr.shape} ({arr.ndim}-D)")
    if finite:
        check_finite(arr, name)
    return arr


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` if ``arr`` holds NaN or +-inf, saying where the first one is."""
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name}: expected finite numbers, got {arr[idx]!r} at index {idx}")


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have exactly the same shape (no broadcasting)."""
    if a.shape != b.shape:
        raise ValueError(f"{name_b}: expected shape {a.shape} to match {name_a}, got {b.shape}")


def check_probabilities(arr: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` unless every entry lies in the closed interval [0, 1]."""
    bad = (arr < 0) | (arr > 1)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name}: expected probabilities in [0, 1], got {arr[idx]!r} at index {idx}")


def check_probability(p, name: str, *, allow_zero: bool = True, allow_one: bool = True) -> float:
    """Return ``p`` as a float after checking it is a real number in [0, 1] (ends as allowed)."""
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"{name}: expected a real number in [0, 1], got {type(p).__name__}")
    p = float(p)
    lo_ok = p > 0 or (allow_zero and p == 0)
    hi_ok = p < 1 or (allow_one and p == 1)
    if not (np.isfinite(p) and lo_ok and hi_ok):
        lo = "[0" if allow_zero else "(0"
        hi = "1]" if allow_one else "1)"
        raise ValueError(f"{name}: expected a probability in {lo}, {hi}, got {p!r}")
    return p


def check_one_hot(y: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` unless ``y`` is 2-D with rows that are one-hot (one 1, rest 0)."""
    if y.ndim != 2:
        raise ValueError(f"{name}: expected one-hot rows of shape (N, C), got shape {y.shape}")
    ok = ((y == 0) | (y == 1)).all(axis=1) & (y.sum(axis=1) == 1)
    if not ok.all():
        row = int(np.argmin(ok))
        raise ValueError(f"{name}: expected one-hot rows (a single 1, zeros elsewhere), row {row} is {y[row]!r}")


def check_positive_int(n, name: str) -> int:
    """Return ``n`` as an int after checking it is a positive integer."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name}: expected a positive integer, got {type(n).__name__}")
    if n <= 0:
        raise ValueError(f"{name}: expected a positive integer, got {n}")
    return int(n)


def check_nonnegative(x, name: str) -> float:
    """Return ``x`` as a float after checking it is a finite real number >= 0."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name}: expected a non-negative number, got {type(x).__name__}")
    x = float(x)
    if not (np.isfinite(x) and x >= 0):
        raise ValueError(f"{name}: expected a finite number >= 0, got {x!r}")
    return x


def as_generator(rng, name: str = "rng") -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a Generator or an integer seed.

    ``None`` is refused on purpose: nnkit never draws from hidden global state.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{name}: expected a numpy.random.Generator or an integer seed, got {type(rng).__name__} "
        "(nnkit never uses numpy's global random state; pass np.random.default_rng(seed))"
    )


def lookup(registry: dict, name: str, arg: str, kind: str):
    """``registry[name]``, or a ``ValueError`` naming ``arg`` that lists the known names."""
    try:
        return registry[name]
    except KeyError:
        raise ValueError(f"{arg}: unknown {kind} {name!r}; expected one of {sorted(registry)}") from None


def as_labels(labels, n_classes: int, name: str = "labels", n: int | None = None) -> np.ndarray:
    """Return integer class labels as a 1-D int64 array, or raise naming ``name``.

    Accepts integers and integer-valued floats (``3.0``) in ``0 .. n_classes - 1``; with ``n``
    the shape must be ``(n,)`` (one label per row of the inputs). Bools, strings and complex
    numbers are a ``TypeError``; other shapes, fractions, NaN and labels out of range a ``ValueError``.
    """
    if isinstance(labels, (str, bytes)) or labels is None:
        raise TypeError(f"{name}: expected a 1-D array of integer class labels, got {type(labels).__name__}")
    arr = np.asarray(labels)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise TypeError(f"{name}: expected integer class labels, got dtype {arr.dtype}")
    if n is not None and arr.shape != (n,):
        raise ValueError(f"{name}: expected shape ({n},) (one label per row of X), got shape {arr.shape}")
    if arr.ndim != 1:
        hint = " (already one-hot? pass the labels, e.g. Y.argmax(axis=1))" if arr.ndim == 2 else ""
        raise ValueError(f"{name}: expected a 1-D array of shape (N,), got shape {arr.shape}{hint}")
    if not np.issubdtype(arr.dtype, np.integer):
        whole = np.isfinite(arr) & (np.rint(np.nan_to_num(arr)) == arr)
        if not whole.all():
            bad = int(np.argmin(whole))
            raise ValueError(f"{name}: expected whole numbers, got {arr[bad]!r} at index {bad}")
    arr = arr.astype(np.int64)
    out_of_range = (arr < 0) | (arr >= n_classes)
    if out_of_range.any():
        bad = int(np.argmax(out_of_range))
        raise ValueError(f"{name}: expected class labels in 0..{n_classes - 1}, got {int(arr[bad])} at index {bad}")
    return arr
