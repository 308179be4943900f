"""Tests for nnkit.neuron: the chapter-01 neuron's step is minus eta times the true gradient,
trajectories are repeated steps (scalar and vectorised), and the epoch count's boundaries."""

import numpy as np
import pytest

from nnkit import neuron
from nnkit.activations import sigmoid
from nnkit.costs import binary_cross_entropy_from_logits
from nnkit.gradcheck import numerical_gradient


@pytest.mark.parametrize("cost", ["quadratic", "cross_entropy"])
@pytest.mark.parametrize("w,b,x,y", [(0.6, 0.9, 1.0, 0.0), (-0.7, 0.4, 1.5, 1.0), (2.0, 2.0, -0.5, 1.0)])
def test_step_is_minus_eta_times_the_gradient(cost, w, b, x, y):
    eta = 0.1
    if cost == "quadratic":
        c = lambda p: 0.5 * float(sigmoid(p[0] * x + p[1]) - y) ** 2
    else:
        c = lambda p: binary_cross_entropy_from_logits([[p[0] * x + p[1]]], [[y]])
    grad = numerical_gradient(c, np.array([w, b]))
    w1, b1 = neuron.neuron_step(w, b, x, y, eta, cost)
    np.testing.assert_allclose([(w - w1) / eta, (b - b1) / eta], grad, rtol=1e-7, atol=1e-10)


def test_trajectory_is_repeated_steps_and_vectorises():
    ws, bs, out = neuron.trajectory(0.6, 0.9, 0.15, "quadratic", epochs=5)
    w, b = 0.6, 0.9
    for k in range(6):
        assert (ws[k], bs[k]) == pytest.approx((w, b), rel=1e-15)
        w, b = neuron.neuron_step(w, b, 1.0, 0.0, 0.15, "quadratic")
    np.testing.assert_allclose(out, sigmoid(ws + bs), rtol=1e-15)
    W, B, OUT = neuron.trajectory(np.array([0.6, 2.0]), np.array([0.9, 2.0]), 0.15, "quadratic", epochs=5)
    assert W.shape == (6, 2)
    np.testing.assert_allclose(W[:, 0], ws, rtol=1e-15)


def test_epochs_until_below_boundaries():
    assert neuron.epochs_until_below(-1.0, -1.0, 0.15) == 0           # already below
    k = neuron.epochs_until_below(2.0, 2.0, 0.15, "quadratic", 0.5, 1000)
    assert neuron.epochs_until_below(2.0, 2.0, 0.15, "quadratic", 0.5, k) == k   # reached at the last step
    assert neuron.epochs_until_below(2.0, 2.0, 0.15, "quadratic", 0.5, k - 1) is None
    assert neuron.epochs_until_below(2.0, 2.0, 0.15, "cross_entropy", 0.5, 1000) < k   # no slowdown
    with pytest.raises(ValueError, match="delta"):
        neuron.neuron_step(0.6, 0.9, 1.0, 0.0, 0.15, "mse")
    with pytest.raises(TypeError, match="w"):
        neuron.neuron_step("0.6", 0.9, 1.0, 0.0, 0.15)
