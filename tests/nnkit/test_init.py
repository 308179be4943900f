"""Tests for nnkit.init: shapes, statistics (with statistically sound tolerances at fixed
seeds), the docstring's claim about the spread of z, reproducibility and the registry."""

import math

import numpy as np
import pytest

from nnkit import init

NAMES = ["large_normal", "scaled_normal", "zeros", "xavier_normal", "xavier_uniform", "he_normal"]


def expected_weight_var(name, n_in, n_out):
    return {
        "large_normal": 1.0,
        "scaled_normal": 1.0 / n_in,
        "zeros": 0.0,
        "xavier_normal": 2.0 / (n_in + n_out),
        "xavier_uniform": 2.0 / (n_in + n_out),
        "he_normal": 2.0 / n_in,
    }[name]


def test_registry():
    assert sorted(init.INITIALIZERS) == sorted(NAMES)
    for name in NAMES:
        assert init.get_initializer(name) is getattr(init, name)
    assert init.get_initializer(init.he_normal) is init.he_normal


@pytest.mark.parametrize("name", NAMES)
def test_shapes_dtype_and_reproducibility(name):
    f = init.INITIALIZERS[name]
    W, b = f(7, 3, np.random.default_rng(0))
    assert W.shape == (7, 3) and b.shape == (3,)
    assert W.dtype == np.float64 and b.dtype == np.float64
    W2, b2 = f(7, 3, 0)  # an int seed is the same as default_rng(seed)
    np.testing.assert_array_equal(W, W2)
    np.testing.assert_array_equal(b, b2)


@pytest.mark.parametrize("name", NAMES)
def test_weight_variance(name):
    """M = 200,000 iid weights: the sample variance has relative standard error sqrt(2/M)
    ~ 0.0032 for a normal (sqrt(0.8/M) for a uniform), the sample mean sqrt(var/M).
    We allow 6 standard errors."""
    n_in, n_out = 400, 500
    M = n_in * n_out
    W, _ = init.INITIALIZERS[name](n_in, n_out, np.random.default_rng(123))
    var = expected_weight_var(name, n_in, n_out)
    if var == 0:
        np.testing.assert_array_equal(W, 0.0)
        return
    assert abs(W.mean()) <= 6 * math.sqrt(var / M)
    assert W.var() == pytest.approx(var, rel=6 * math.sqrt(2 / M))


@pytest.mark.parametrize("name", NAMES)
def test_biases(name):
    _, b = init.INITIALIZERS[name](3, 20_000, np.random.default_rng(9))
    if name in ("large_normal", "scaled_normal"):  # the book's N(0, 1) biases
        assert b.var() == pytest.approx(1.0, rel=6 * math.sqrt(2 / b.size))
    else:
        np.testing.assert_array_equal(b, 0.0)


def test_xavier_uniform_bounds():
    W, _ = init.xavier_uniform(30, 20, 0)
    limit = math.sqrt(6 / 50)
    assert np.all(np.abs(W) <= limit)
    assert np.abs(W).max() > 0.95 * limit


@pytest.mark.parametrize("name,expected_std", [("large_normal", math.sqrt(501)), ("scaled_normal", math.sqrt(1.5))])
def test_spread_of_z_claimed_in_docstring(name, expected_std):
    """1000 inputs, 500 of them 1: std(z) is sqrt(501) ~ 22.4 under N(0,1) and sqrt(3/2) ~ 1.22
    under N(0, 1/n_in). 8000 neurons: relative standard error of the sample std ~ 1/sqrt(2*8000)."""
    x = np.r_[np.ones(500), np.zeros(500)]
    W, b = init.INITIALIZERS[name](1000, 8000, np.random.default_rng(1))
    z = x @ W + b
    assert z.std() == pytest.approx(expected_std, rel=6 / math.sqrt(2 * 8000))
    doc = init.INITIALIZERS[name].__doc__ + init.__doc__
    assert f"{expected_std:.1f}" in doc or f"{expected_std:.2f}" in doc


def test_zeros_ignores_rng_and_shows_symmetry():
    W, b = init.zeros(4, 3)
    W2, _ = init.zeros(4, 3, rng=5)
    np.testing.assert_array_equal(W, W2)
    x = np.random.default_rng(0).normal(size=(2, 4))
    z = x @ W + b
    assert np.all(z == z[:, :1])  # every hidden unit computes the same thing
