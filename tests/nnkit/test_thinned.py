"""nnkit.thinned: the variance of inverted dropout and the average of thinned networks."""

from __future__ import annotations

import numpy as np
import pytest

from nnkit import concepts
from nnkit.dropout import dropout_forward
from nnkit.network import Network
from nnkit.thinned import dropout_variance, thinned_ensemble_average


def test_variance_formula_and_monte_carlo():
    x = np.array([[0.5, -2.0, 0.0, 1.0]])
    for keep_prob in (0.2, 0.5, 0.9):
        expected = x ** 2 * (1 - keep_prob) / keep_prob
        np.testing.assert_allclose(dropout_variance(x, keep_prob), expected, rtol=1e-12)
        draws = dropout_forward(np.repeat(x, 200_000, axis=0), keep_prob, np.random.default_rng(0))[0]
        np.testing.assert_allclose(draws.var(axis=0), expected[0], rtol=0.03, atol=1e-12)
        np.testing.assert_allclose(draws.mean(axis=0), x[0], rtol=0.03, atol=0.01)  # the mean is kept
    np.testing.assert_array_equal(dropout_variance(x, 1.0), np.zeros_like(x))


def test_variance_validates_its_inputs():
    with pytest.raises(ValueError, match="keep_prob"):
        dropout_variance(np.ones(3), 0.0)
    with pytest.raises(TypeError, match="x"):
        dropout_variance("abc", 0.5)


def _net_params(seed=0, D=5, H=4, C=3):
    net = Network([D, H, C], rng=seed)
    return net, (net.weights[0], net.biases[0], net.weights[1], net.biases[1])


def test_all_ones_mask_is_the_full_network():
    net, params = _net_params()
    X = np.random.default_rng(1).random((7, 5))
    np.testing.assert_allclose(thinned_ensemble_average(X, *params, np.ones((1, 4))), net.feedforward(X), rtol=1e-12)


def test_one_mask_equals_the_network_with_those_units_removed_and_rescaled():
    net, (W1, b1, W2, b2) = _net_params()
    X = np.random.default_rng(2).random((6, 5))
    mask = np.array([[2.0, 0.0, 2.0, 0.0]])
    thinned = Network([5, 4, 3], rng=0)
    thinned.weights[1][...] = W2 * mask[0][:, None]
    np.testing.assert_allclose(thinned_ensemble_average(X, W1, b1, W2, b2, mask), thinned.feedforward(X), rtol=1e-12)


def test_ensemble_is_the_mean_over_networks_and_order_free():
    _, params = _net_params(3)
    X = np.random.default_rng(4).random((8, 5))
    masks = dropout_forward(np.ones((5, 4)), 0.5, np.random.default_rng(5))[1]
    each = [thinned_ensemble_average(X, *params, m[None]) for m in masks]
    np.testing.assert_allclose(thinned_ensemble_average(X, *params, masks), np.mean(each, axis=0), rtol=1e-12)
    np.testing.assert_allclose(thinned_ensemble_average(X, *params, masks[::-1]),
                               thinned_ensemble_average(X, *params, masks), rtol=1e-12)


def test_many_thinned_networks_approach_the_full_network():
    """The weight-scaling rule: the full network approximates the ensemble average (closer with many masks)."""
    net, params = _net_params(6, D=5, H=40, C=3)
    X = np.random.default_rng(7).random((30, 5))
    masks = dropout_forward(np.ones((2000, 40)), 0.5, np.random.default_rng(8))[1]
    gap_many = np.abs(thinned_ensemble_average(X, *params, masks) - net.feedforward(X)).mean()
    gap_one = np.abs(thinned_ensemble_average(X, *params, masks[:1]) - net.feedforward(X)).mean()
    assert gap_many < gap_one and gap_many < 0.05


def test_ensemble_shape_errors_name_the_argument():
    _, params = _net_params()
    X = np.ones((2, 5))
    with pytest.raises(ValueError, match="masks"):
        thinned_ensemble_average(X, *params, np.ones((1, 3)))
    with pytest.raises(ValueError, match="X"):
        thinned_ensemble_average(np.ones((2, 4)), *params, np.ones((1, 4)))


def test_kernels_are_registered_as_concepts():
    assert [f.__name__ for f in concepts.functions("dropout_variance")] == ["_dropout_variance"]
    assert [f.__name__ for f in concepts.functions("thinned_ensemble")] == ["_thinned_ensemble_average"]
