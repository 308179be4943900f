"""Tests for nnkit.data: offline digit loaders, one-hot, and the data-expansion helpers."""

from __future__ import annotations

import gzip
import pickle
import struct

import numpy as np
import pytest

from nnkit import data
from nnkit.data import (
    Digits,
    load_digits_8x8,
    load_mnist,
    load_mnist_5k,
    one_hot,
    rotate_images,
    shift_images,
)

# --------------------------------------------------------------------------- MNIST 5k


@pytest.fixture(scope="module")
def raw_5k():
    """The bundled CSV parsed independently of nnkit: (pixels uint8 (5000, 784), labels)."""
    path = data._mnist_5k_path()
    with gzip.open(path, "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.int64)
    return table[:, :784].astype(np.uint8), table[:, 784]


def test_mnist_5k_shapes_dtypes_and_range():
    d = load_mnist_5k()
    assert isinstance(d, Digits) and isinstance(d, tuple)
    assert [a.shape for a in d] == [(3000, 784), (3000,), (1000, 784), (1000,), (1000, 784), (1000,)]
    for X in (d.X_train, d.X_val, d.X_test):
        assert X.dtype == np.float64
        assert X.min() == 0.0 and X.max() == 1.0
    for y in (d.y_train, d.y_val, d.y_test):
        assert np.issubdtype(y.dtype, np.integer)
    assert d.image_shape == (28, 28) and d.n_classes == 10


def test_mnist_5k_split_is_stratified_shuffled_and_disjoint(raw_5k):
    d = load_mnist_5k(rng=3)
    assert np.bincount(d.y_train, minlength=10).tolist() == [300] * 10
    assert np.bincount(d.y_val, minlength=10).tolist() == [100] * 10
    assert np.bincount(d.y_test, minlength=10).tolist() == [100] * 10
    # shuffled: the file is sorted by label, a split must not be
    assert np.any(np.diff(d.y_train) < 0)
    # together the three splits are exactly the 5000 file rows, each once, with their labels
    X_raw, y_raw = raw_5k
    assert y_raw.tolist() == sorted(y_raw.tolist())  # documented property of the file
    X_all = np.vstack([d.X_train, d.X_val, d.X_test])
    y_all = np.concatenate([d.y_train, d.y_val, d.y_test])
    pixels = np.rint(X_all * 255).astype(np.uint8)
    np.testing.assert_allclose(pixels / 255.0, X_all, atol=1e-12)
    got = sorted(zip(map(bytes, pixels), y_all.tolist()))
    want = sorted(zip(map(bytes, X_raw), y_raw.tolist()))
    assert got == want


def test_mnist_5k_same_seed_same_split_other_seed_differs():
    a, b, c = load_mnist_5k(rng=7), load_mnist_5k(rng=np.random.default_rng(7)), load_mnist_5k(rng=8)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a.y_train, c.y_train)


def test_mnist_5k_is_cached_and_returns_private_copies():
    data._raw_mnist_5k.cache_clear()
    first = load_mnist_5k()
    hits = data._raw_mnist_5k.cache_info().hits
    first.X_train[:] = -1.0  # caller owns its arrays
    first.y_train[:] = 99
    second = load_mnist_5k()
    assert data._raw_mnist_5k.cache_info().hits == hits + 1
    assert second.X_train.min() == 0.0 and second.y_train.max() == 9
    X_raw, _ = data._raw_mnist_5k()
    assert not X_raw.flags.writeable


def test_mnist_5k_rejects_global_random_state():
    with pytest.raises(TypeError, match="rng"):
        load_mnist_5k(rng=None)


def test_digits_one_hot_helpers():
    d = load_mnist_5k()
    Y = d.Y_train
    assert Y.shape == (3000, 10)
    np.testing.assert_array_equal(Y.argmax(axis=1), d.y_train)
    np.testing.assert_array_equal(d.one_hot("val"), one_hot(d.y_val))
    np.testing.assert_array_equal(d.Y_test.sum(axis=1), np.ones(1000))
    with pytest.raises(ValueError, match="split"):
        d.one_hot("training")
    assert "train=(3000, 784)" in repr(d)


# --------------------------------------------------------------------------- 8x8 digits


def test_digits_8x8_split():
    d = load_digits_8x8(rng=0)
    sizes = [d.X_train.shape[0], d.X_val.shape[0], d.X_test.shape[0]]
    assert sum(sizes) == 1797
    assert sizes == [1078, 359, 360]
    assert d.X_train.shape[1] == 64 and d.image_shape == (8, 8)
    assert d.X_train.min() == 0.0 and d.X_train.max() == 1.0
    # stratified: each class has 20 % of its images (to within rounding) in val and in test
    counts = np.bincount(np.concatenate([d.y_train, d.y_val, d.y_test]), minlength=10)
    assert np.all(np.abs(np.bincount(d.y_val, minlength=10) - 0.2 * counts) <= 0.5)
    assert np.all(np.abs(np.bincount(d.y_test, minlength=10) - 0.2 * counts) <= 1.0)
    e = load_digits_8x8(rng=0)
    np.testing.assert_array_equal(d.X_val, e.X_val)


# --------------------------------------------------------------------------- one_hot


def test_one_hot_values():
    Y = one_hot([2, 0, 1, 2], C=3)
    np.testing.assert_array_equal(Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert Y.dtype == np.float64
    np.testing.assert_array_equal(one_hot(np.array([3.0, 0.0]), 4), [[0, 0, 0, 1], [1, 0, 0, 0]])
    assert one_hot(np.array([], dtype=int)).shape == (0, 10)


@pytest.mark.parametrize(
    "labels, C, exc, match",
    [
        ([0, 10], 10, ValueError, r"0\.\.9.*got 10 at index 1"),
        ([-1, 2], 10, ValueError, "got -1 at index 0"),
        ([0.5, 1], 10, ValueError, "whole numbers"),
        ([[0, 1], [1, 0]], 10, ValueError, "1-D"),
        ([0, np.nan], 10, ValueError, "whole numbers"),
        ("012", 10, TypeError, "labels"),
        ([True, False], 10, TypeError, "labels"),
        ([0, 1], 0, ValueError, "C"),
        ([0, 1], 2.0, TypeError, "C"),
    ],
)
def test_one_hot_errors(labels, C, exc, match):
    with pytest.raises(exc, match=match):
        one_hot(labels, C)


# --------------------------------------------------------------------------- full MNIST from local files


def _write_idx(path, arr, compress):
    arr = np.asarray(arr, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, arr.ndim) + b"".join(struct.pack(">I", s) for s in arr.shape)
    payload = header + arr.tobytes()
    if compress:
        with gzip.open(str(path) + ".gz", "wb") as fh:
            fh.write(payload)
    else:
        path.write_bytes(payload)


def _fake_mnist(rng, n_train=12, n_test=5):
    Xtr = rng.integers(0, 256, size=(n_train, 28, 28))
    Xte = rng.integers(0, 256, size=(n_test, 28, 28))
    return Xtr, rng.integers(0, 10, n_train), Xte, rng.integers(0, 10, n_test)


@pytest.mark.parametrize("compress", [False, True])
def test_load_mnist_reads_idx_files(tmp_path, compress):
    Xtr, ytr, Xte, yte = _fake_mnist(np.random.default_rng(0))
    _write_idx(tmp_path / "train-images-idx3-ubyte", Xtr, compress)
    _write_idx(tmp_path / "train-labels-idx1-ubyte", ytr, compress)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", Xte, compress)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", yte, compress)
    d = load_mnist(tmp_path)  # default: last sixth of the training file is validation
    assert [a.shape for a in d] == [(10, 784), (10,), (2, 784), (2,), (5, 784), (5,)]
    np.testing.assert_allclose(d.X_train, Xtr[:10].reshape(10, -1) / 255.0)
    np.testing.assert_array_equal(d.y_val, ytr[10:])
    np.testing.assert_allclose(d.X_test[3].reshape(28, 28), Xte[3] / 255.0)
    np.testing.assert_array_equal(d.y_test, yte)
    d3 = load_mnist(str(tmp_path), n_validation=3)
    assert d3.X_train.shape[0] == 9 and d3.X_val.shape[0] == 3
    with pytest.raises(ValueError, match="n_validation"):
        load_mnist(tmp_path, n_validation=12)


def test_load_mnist_reads_the_books_pickle(tmp_path):
    rng = np.random.default_rng(1)
    parts = [
        (rng.random((n, 784)).astype(np.float32), rng.integers(0, 10, n)) for n in (6, 3, 2)
    ]
    path = tmp_path / "mnist.pkl.gz"
    with gzip.open(path, "wb") as fh:
        pickle.dump(tuple(parts), fh, protocol=2)
    for where in (path, tmp_path):  # the file itself, or a directory holding it
        d = load_mnist(where)
        assert [a.shape for a in d] == [(6, 784), (6,), (3, 784), (3,), (2, 784), (2,)]
        assert d.X_train.dtype == np.float64
        np.testing.assert_allclose(d.X_val, parts[1][0])
        np.testing.assert_array_equal(d.y_test, parts[2][1])


def test_load_mnist_accepts_the_old_numpy_module_name(tmp_path):
    # the book's pickle was written by numpy 1.x under Python 2: it names numpy.core.multiarray
    parts = tuple((np.full((2, 784), k / 4, dtype=np.float32), np.array([k, k])) for k in range(3))
    blob = pickle.dumps(parts, protocol=2)
    assert b"numpy._core.multiarray" in blob
    path = tmp_path / "mnist.pkl"
    path.write_bytes(blob.replace(b"numpy._core.multiarray", b"numpy.core.multiarray"))
    d = load_mnist(path)  # not gzip-compressed: also fine
    np.testing.assert_allclose(d.X_test, 0.5)
    np.testing.assert_array_equal(d.y_val, [1, 1])


def test_load_mnist_refuses_pickles_that_are_not_just_arrays(tmp_path):
    path = tmp_path / "evil.pkl.gz"
    with gzip.open(path, "wb") as fh:
        pickle.dump({"x": print}, fh)  # references builtins.print
    with pytest.raises(ValueError, match="refusing"):
        load_mnist(path)
    with gzip.open(path, "wb") as fh:
        pickle.dump([np.zeros(3)], fh)
    with pytest.raises(ValueError, match="layout"):
        load_mnist(path)


def test_load_mnist_missing_files_say_how_to_get_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist.*load_mnist_5k"):
        load_mnist(tmp_path / "nowhere")
    _write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((2, 28, 28)), False)
    with pytest.raises(FileNotFoundError, match="train-labels-idx1-ubyte.*Download"):
        load_mnist(tmp_path)
    with pytest.raises(TypeError, match="path"):
        load_mnist(3)


def test_load_mnist_rejects_corrupt_idx(tmp_path):
    Xtr, ytr, Xte, yte = _fake_mnist(np.random.default_rng(2))
    _write_idx(tmp_path / "train-images-idx3-ubyte", Xtr, False)
    _write_idx(tmp_path / "train-labels-idx1-ubyte", ytr[:-1], False)  # one label short
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", Xte, False)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", yte, False)
    with pytest.raises(ValueError, match="counts differ"):
        load_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x0d\x01" + b"\x00" * 20)
    with pytest.raises(ValueError, match="not an IDX file"):
        load_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(struct.pack(">HBBI", 0, 8, 1, 50) + b"\x00" * 10)
    with pytest.raises(ValueError, match="header says"):
        load_mnist(tmp_path)


# --------------------------------------------------------------------------- shift_images


def test_shift_images_by_hand():
    img = np.arange(1, 10, dtype=float).reshape(3, 3)  # 1 2 3 / 4 5 6 / 7 8 9
    out = shift_images(img.reshape(1, 9), shape=(3, 3))
    assert out.shape == (5, 9)
    up, down, left, right = (out[k].reshape(3, 3) for k in range(1, 5))
    np.testing.assert_array_equal(out[0], img.ravel())
    np.testing.assert_array_equal(up, [[4, 5, 6], [7, 8, 9], [0, 0, 0]])
    np.testing.assert_array_equal(down, [[0, 0, 0], [1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(left, [[2, 3, 0], [5, 6, 0], [8, 9, 0]])
    np.testing.assert_array_equal(right, [[0, 1, 2], [0, 4, 5], [0, 7, 8]])


def test_shift_images_blocks_follow_the_originals():
    X = load_mnist_5k().X_val[:7]
    out = shift_images(X)
    assert out.shape == (35, 784)
    np.testing.assert_array_equal(out[:7], X)
    # image 3 shifted right is block 4, row 3
    np.testing.assert_array_equal(out[4 * 7 + 3].reshape(28, 28)[:, 1:], X[3].reshape(28, 28)[:, :-1])
    assert shift_images(X.astype(np.float32)).dtype == np.float32


def test_shift_images_errors():
    with pytest.raises(ValueError, match=r"28\*28=784.*\(2, 783\)"):
        shift_images(np.zeros((2, 783)))
    with pytest.raises(ValueError, match="2-D"):
        shift_images(np.zeros(784))
    with pytest.raises(ValueError, match="shape"):
        shift_images(np.zeros((2, 784)), shape=(28,))


# --------------------------------------------------------------------------- rotate_images


def test_rotate_90_degrees_moves_a_pixel_counter_clockwise():
    img = np.zeros((5, 5))
    img[2, 4] = 1.0  # right of the centre (2, 2)
    out = rotate_images(img.reshape(1, 25), 90, shape=(5, 5)).reshape(5, 5)
    expected = np.zeros((5, 5))
    expected[0, 2] = 1.0  # counter-clockwise as displayed: now above the centre
    np.testing.assert_allclose(out, expected, atol=1e-12)
    back = rotate_images(out.reshape(1, 25), -90, shape=(5, 5)).reshape(5, 5)
    np.testing.assert_allclose(back, img, atol=1e-12)


def test_rotate_zero_is_identity_and_angles_per_image():
    X = load_mnist_5k().X_test[:4]
    np.testing.assert_allclose(rotate_images(X, 0.0), X, atol=1e-12)
    per_image = rotate_images(X, [0.0, 10.0, -10.0, 0.0])
    np.testing.assert_allclose(per_image[0], X[0], atol=1e-12)
    np.testing.assert_allclose(per_image[1], rotate_images(X[1:2], 10.0)[0], atol=1e-12)
    np.testing.assert_allclose(per_image[2], rotate_images(X[2:3], -10.0)[0], atol=1e-12)
    assert not np.allclose(per_image[1], X[1])
    # a small turn keeps the ink (digits sit inside the frame)
    np.testing.assert_allclose(per_image[1].sum(), X[1].sum(), rtol=0.03)


def test_rotate_matches_scipy_bilinear():
    ndimage = pytest.importorskip("scipy.ndimage")
    X = load_mnist_5k().X_train[:6]
    for deg in (12.5, -7.0, 33.0):
        ours = rotate_images(X, deg)
        theirs = np.stack([
            ndimage.rotate(x.reshape(28, 28), deg, reshape=False, order=1, mode="constant", cval=0.0).ravel()
            for x in X
        ])
        np.testing.assert_allclose(ours, theirs, atol=1e-10)


def test_rotate_errors():
    with pytest.raises(ValueError, match=r"degrees: expected a scalar or shape \(3,\)"):
        rotate_images(np.zeros((3, 784)), [1.0, 2.0])
    with pytest.raises(ValueError, match="degrees"):
        rotate_images(np.zeros((3, 784)), np.nan)
    with pytest.raises(ValueError, match="X"):
        rotate_images(np.zeros((3, 64)), 5.0)
    assert rotate_images(np.zeros((3, 64)), 5.0, shape=(8, 8)).shape == (3, 64)
