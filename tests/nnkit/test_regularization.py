"""Tests for nnkit.regularization: values, gradients vs finite differences (random and
extreme weights), update rules as gradient steps, lambda = 0, biases never involved."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnkit import regularization as reg
from nnkit.gradcheck import numerical_gradient


def weights(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    ws = [rng.normal(size=(4, 3)) * scale, rng.normal(size=(3, 2)) * scale]
    # keep |w| away from 0 so the L1 kink is never inside +-h
    return [np.where(np.abs(w) < 1e-3, 1e-3, w) for w in ws]


def test_known_values():
    W = np.array([[1.0, -2.0], [3.0, -4.0]])
    V = np.array([[0.5]])
    assert reg.l2_penalty([W, V], lmbda=2.0, n=10) == pytest.approx(2.0 / 20 * (30 + 0.25), rel=1e-15)
    assert reg.l1_penalty([W, V], lmbda=2.0, n=10) == pytest.approx(2.0 / 10 * (10 + 0.5), rel=1e-15)
    np.testing.assert_allclose(reg.l2_grad(W, 2.0, 10), 0.2 * W)
    np.testing.assert_allclose(reg.l1_grad(W, 2.0, 10), 0.2 * np.sign(W))
    assert reg.l2_penalty([], 1.0, 5) == 0.0


@pytest.mark.parametrize("scale", [1.0, 1000.0], ids=["random", "extreme"])
@pytest.mark.parametrize("penalty,grad", [(reg.l2_penalty, reg.l2_grad), (reg.l1_penalty, reg.l1_grad)],
                         ids=["l2", "l1"])
def test_grad_matches_finite_differences(penalty, grad, scale):
    ws = weights(0, scale)
    lmbda, n = 3.0, 50
    for i in range(len(ws)):
        def f(w, i=i):
            return penalty([w if j == i else ws[j] for j in range(len(ws))], lmbda, n)

        num = numerical_gradient(f, ws[i].copy())
        # noise of the differences grows with the size of the penalty (~1e6 at |w| ~ 1e3)
        np.testing.assert_allclose(grad(ws[i], lmbda, n), num, rtol=1e-6, atol=1e-9 * scale**2)


def test_updates_are_gradient_steps_on_the_regularised_cost():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(3, 4))
    g = rng.normal(size=(3, 4))
    eta, lmbda, n = 0.5, 5.0, 100
    np.testing.assert_allclose(reg.weight_decay_update(W, g, eta, lmbda, n), W - eta * (g + reg.l2_grad(W, lmbda, n)))
    np.testing.assert_allclose(reg.weight_decay_update(W, g, eta, lmbda, n), (1 - eta * lmbda / n) * W - eta * g)
    np.testing.assert_allclose(reg.l1_update(W, g, eta, lmbda, n), W - eta * (g + reg.l1_grad(W, lmbda, n)))


def test_updates_return_new_arrays_and_leave_inputs_alone():
    W = np.array([[1.0, -1.0, 0.0]])
    g = np.zeros_like(W)
    W0 = W.copy()
    out2 = reg.weight_decay_update(W, g, eta=1.0, lmbda=1.0, n=10)
    out1 = reg.l1_update(W, g, eta=1.0, lmbda=1.0, n=10)
    np.testing.assert_array_equal(W, W0)
    assert out1 is not W and out2 is not W
    np.testing.assert_allclose(out2, [[0.9, -0.9, 0.0]])  # proportional shrink
    np.testing.assert_allclose(out1, [[0.9, -0.9, 0.0]])  # constant shrink; sign(0) = 0 keeps 0 at 0
    np.testing.assert_allclose(reg.l1_update([[5.0]], [[0.0]], 1.0, 1.0, 10), [[4.9]])
    np.testing.assert_allclose(reg.weight_decay_update([[5.0]], [[0.0]], 1.0, 1.0, 10), [[4.5]])


weight_arrays = hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=5),
                           elements=st.floats(-1e3, 1e3, allow_nan=False))


@settings(max_examples=50, deadline=None)
@given(weight_arrays, st.floats(0, 10), st.integers(1, 10_000))
def test_lambda_zero_is_no_regularisation(W, eta, n):
    g = np.ones_like(W)
    assert reg.l2_penalty([W], 0.0, n) == 0.0
    assert reg.l1_penalty([W], 0.0, n) == 0.0
    np.testing.assert_array_equal(reg.l2_grad(W, 0.0, n), 0.0)
    np.testing.assert_array_equal(reg.l1_grad(W, 0.0, n), 0.0)
    np.testing.assert_array_equal(reg.weight_decay_update(W, g, eta, 0.0, n), W - eta * g)
    np.testing.assert_array_equal(reg.l1_update(W, g, eta, 0.0, n), W - eta * g)


@settings(max_examples=50, deadline=None)
@given(weight_arrays, st.floats(0.01, 10), st.integers(1, 1000))
def test_penalties_are_nonnegative_and_scale_with_lambda_over_n(W, lmbda, n):
    p2, p1 = reg.l2_penalty([W], lmbda, n), reg.l1_penalty([W], lmbda, n)
    assert p2 >= 0 and p1 >= 0
    assert reg.l2_penalty([W], 2 * lmbda, n) == pytest.approx(2 * p2, rel=1e-12)
    assert reg.l1_penalty([W], lmbda, 2 * n) == pytest.approx(p1 / 2, rel=1e-12)
