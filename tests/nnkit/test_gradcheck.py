"""Tests for nnkit.gradcheck against functions with known derivatives."""

import numpy as np
import pytest

from nnkit import gradcheck as gc


def test_numerical_gradient_of_known_function():
    x = np.array([[0.5, -1.5], [2.0, 0.1]])
    num = gc.numerical_gradient(lambda t: np.sum(t**3) + 2 * t[0, 1], x)
    expected = 3 * x**2
    expected[0, 1] += 2
    assert gc.rel_error(num, expected) < 1e-7  # truncation error h^2 f'''/6 ~ 1e-10


def test_numerical_gradient_restores_x_and_perturbs_in_place():
    x = np.random.default_rng(0).normal(size=(3, 4))
    x0 = x.copy()
    seen = []

    def f(t):
        seen.append(t is x)
        return float(np.sum(np.sin(x)))  # closure reads the same array

    num = gc.numerical_gradient(f, x)
    np.testing.assert_array_equal(x, x0)  # restored bit for bit
    assert all(seen)
    assert gc.rel_error(num, np.cos(x0)) < 1e-8


def test_numerical_gradient_array_is_the_vjp():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5, 3))
    W = rng.normal(size=(3, 2))
    df = rng.normal(size=(5, 2))
    num = gc.numerical_gradient_array(lambda t: X @ t, W.copy(), df)
    assert gc.rel_error(num, X.T @ df) < 1e-8
    # f returning its argument itself must not fool the helper
    x = rng.normal(size=4)
    d = rng.normal(size=4)
    assert gc.rel_error(gc.numerical_gradient_array(lambda t: t, x, d), d) < 1e-8


def test_numerical_jvp():
    rng = np.random.default_rng(2)
    A = rng.normal(size=(3, 4))
    x = rng.normal(size=4)
    v = rng.normal(size=4)
    x0 = x.copy()
    assert gc.rel_error(gc.numerical_jvp(lambda t: A @ t, x, v), A @ v) < 1e-8
    assert gc.rel_error(gc.numerical_jvp(np.exp, x, v), np.exp(x) * v) < 1e-8
    np.testing.assert_array_equal(x, x0)


def test_rel_error_values():
    assert gc.rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert gc.rel_error([1.0], [1.1]) == pytest.approx(0.1 / 2.1)
    assert gc.rel_error(0.0, 0.0) == 0.0
    assert gc.rel_error([0.0], [1e-9]) == pytest.approx(0.1)  # the 1e-8 floor
    assert gc.rel_error([1.0, 100.0], [1.0, 101.0]) == pytest.approx(1 / 201)  # elementwise max


def test_centred_beats_one_sided_accuracy():
    """Sanity of the method: the centred difference of exp at 1 is accurate to ~h^2."""
    num = gc.numerical_gradient(lambda t: float(np.exp(t[0])), np.array([1.0]), h=1e-4)
    assert abs(num[0] - np.e) < 1e-7


def test_check_gradient_and_assert(capsys):
    x = np.array([0.3, -0.7, 1.2])
    f = lambda t: float(np.sum(t**2))
    err = gc.check_gradient(f, 2 * x, x, name="square", verbose=True)
    assert isinstance(err, float) and err < 1e-9
    assert "square: relative error" in capsys.readouterr().out
    assert gc.check_gradient(f, lambda t: 2 * t, x) < 1e-9  # callable gradient
    bad = gc.check_gradient(f, 3 * x, x, name="square", verbose=True)
    assert bad > 0.1
    assert "TOO LARGE" in capsys.readouterr().out
    assert gc.assert_gradient_close(f, 2 * x, x) < 1e-9
    with pytest.raises(AssertionError, match="square: relative error .* exceeds"):
        gc.assert_gradient_close(f, 3 * x, x, name="square")
