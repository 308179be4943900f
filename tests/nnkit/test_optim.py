"""Tests for nnkit.optim: SGD and momentum update in place, match hand-computed steps,
mu = 0 is SGD, momentum converges on a quadratic bowl."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnkit.optim import SGD, Momentum


def test_sgd_step_in_place():
    W = np.array([[1.0, 2.0], [3.0, 4.0]])
    b = np.array([0.5, -0.5])
    params = [W, b]
    SGD(eta=0.1).step(params, [np.ones((2, 2)), np.array([1.0, -2.0])])
    assert params[0] is W and params[1] is b
    np.testing.assert_allclose(W, [[0.9, 1.9], [2.9, 3.9]])
    np.testing.assert_allclose(b, [0.4, -0.3])


def test_momentum_hand_computed():
    w = np.array([1.0])
    opt = Momentum(eta=0.1, mu=0.5)
    g = np.array([2.0])
    opt.step([w], [g])  # v = -0.2, w = 0.8
    np.testing.assert_allclose(w, [0.8])
    np.testing.assert_allclose(opt.velocities[0], [-0.2])
    opt.step([w], [g])  # v = 0.5 * -0.2 - 0.2 = -0.3, w = 0.5
    np.testing.assert_allclose(w, [0.5])
    opt.step([w], [np.array([0.0])])  # v = -0.15, w = 0.35 (keeps rolling with no gradient)
    np.testing.assert_allclose(w, [0.35])
    opt.reset()
    assert opt.velocities is None


@settings(max_examples=25, deadline=None)
@given(st.floats(0.0, 1.0), st.integers(0, 10_000))
def test_momentum_with_mu_zero_is_sgd(eta, seed):
    rng = np.random.default_rng(seed)
    p1 = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    p2 = [p.copy() for p in p1]
    sgd, mom = SGD(eta), Momentum(eta, mu=0.0)
    for _ in range(3):
        grads = [rng.normal(size=(3, 2)), rng.normal(size=2)]
        sgd.step(p1, grads)
        mom.step(p2, grads)
    for a, b in zip(p1, p2):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_momentum_matches_reference_loop_and_converges():
    """Minimise 0.5 * ||w||^2 (gradient w); compare with a plain-Python transcription of the rule."""
    w = np.array([3.0, -2.0])
    w_ref, v_ref = [3.0, -2.0], [0.0, 0.0]
    opt = Momentum(eta=0.1, mu=0.9)
    for _ in range(300):
        opt.step([w], [w.copy()])
        for i in range(2):
            v_ref[i] = 0.9 * v_ref[i] - 0.1 * w_ref[i]
            w_ref[i] += v_ref[i]
    np.testing.assert_allclose(w, w_ref, rtol=1e-10, atol=1e-14)
    assert np.abs(w).max() < 1e-3


def test_eta_can_change_between_steps():
    w = np.array([1.0])
    opt = SGD(0.5)
    opt.eta = 0.25
    opt.step([w], [np.array([1.0])])
    assert w[0] == pytest.approx(0.75)
