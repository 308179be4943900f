"""nnkit.depth: per-layer gradient norms (gradient-checked), dead units, random stacks."""

from __future__ import annotations

import numpy as np
import pytest

from nnkit import activations as act
from nnkit import concepts
from nnkit.depth import dead_unit_fraction, layer_gradient_norms, random_stack
from nnkit.gradcheck import numerical_gradient
from nnkit.network import Network

ACTS = {"sigmoid": (act.sigmoid, act.sigmoid_prime), "tanh": (act.tanh, act.tanh_prime),
        "elu": (act.elu, act.elu_prime)}


def _cost(X, weights, biases, f, G):
    A = X
    for W, b in zip(weights, biases):
        A = f(A @ W + b)
    return float(np.sum(G * A))


@pytest.mark.parametrize("name", sorted(ACTS))
@pytest.mark.parametrize("sizes", [[3, 4], [4, 5, 3, 2], [2, 6, 6, 6, 6, 3]])
def test_norms_are_the_lengths_of_finite_difference_bias_gradients(name, sizes):
    g = np.random.default_rng(len(sizes))
    f, fp = ACTS[name]
    weights = [g.normal(0, 1.5 / np.sqrt(m), size=(m, n)) for m, n in zip(sizes[:-1], sizes[1:])]
    biases = [g.normal(0, 0.5, size=n) for n in sizes[1:]]
    X, G = g.normal(size=(7, sizes[0])), g.normal(size=(7, sizes[-1]))
    norms = layer_gradient_norms(X, weights, biases, f, fp, G)
    assert norms.shape == (len(weights),)
    for l in range(len(weights)):
        def C(bl, l=l):
            return _cost(X, weights, [bl if i == l else b for i, b in enumerate(biases)], f, G)

        numeric = numerical_gradient(C, biases[l].copy())
        assert norms[l] == pytest.approx(np.linalg.norm(numeric), rel=1e-6)


def test_norms_agree_with_network_backprop_on_the_hidden_layers():
    g = np.random.default_rng(0)
    net = Network([8, 5, 5, 5, 3], hidden="sigmoid", cost="cross_entropy", rng=2)
    X = g.random((12, 8))
    Y = np.eye(3)[g.integers(0, 3, size=12)]
    A = X
    for W, b in zip(net.weights[:-1], net.biases[:-1]):
        A = act.sigmoid(A @ W + b)
    a_out = act.sigmoid(A @ net.weights[-1] + net.biases[-1])
    grad_top = ((a_out - Y) / len(X)) @ net.weights[-1].T
    mine = layer_gradient_norms(X, net.weights[:-1], net.biases[:-1], act.sigmoid, act.sigmoid_prime, grad_top)
    _, grads_b = net.backprop(X, Y)
    assert np.allclose(mine, [np.linalg.norm(gb) for gb in grads_b[:-1]], rtol=1e-10)


def test_sigmoid_gradients_vanish_and_relu_gradients_explode_with_large_weights():
    g = np.random.default_rng(1)
    X, G = g.normal(size=(64, 30)), g.normal(size=(64, 30)) / 64
    weights, biases = random_stack(12, 30, 1.0, rng=3)
    sig = layer_gradient_norms(X, weights, biases, act.sigmoid, act.sigmoid_prime, G)
    assert np.all(np.diff(np.log(sig)) > 0)          # every layer learns slower than the one above
    weights, biases = random_stack(12, 30, 4.0, rng=3)
    rel = layer_gradient_norms(X, weights, biases, act.relu, act.relu_prime, G)
    assert rel[0] > 1e3 * rel[-1]


def test_dead_unit_fraction():
    Z = np.array([[-1.0, 2.0, -3.0], [-0.5, -1.0, 0.0]])
    assert dead_unit_fraction(Z) == pytest.approx(2 / 3)
    assert dead_unit_fraction(np.array([[1.0, 0.1]])) == 0.0
    assert dead_unit_fraction(np.zeros((4, 5))) == 1.0
    with pytest.raises(ValueError, match="Z"):
        dead_unit_fraction(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="Z"):
        dead_unit_fraction(np.zeros(3))


def test_random_stack_shapes_and_scale():
    weights, biases = random_stack(3, 200, 2.0, n_in=50, rng=0)
    assert [w.shape for w in weights] == [(50, 200), (200, 200), (200, 200)]
    assert all(np.all(b == 0) and b.shape == (200,) for b in biases)
    assert np.std(weights[1]) == pytest.approx(2.0 / np.sqrt(200), rel=0.02)
    w2, _ = random_stack(3, 200, 2.0, n_in=50, rng=0)
    assert all(np.array_equal(a, b) for a, b in zip(weights, w2))
    with pytest.raises(TypeError, match="scale"):
        random_stack(2, 3, "big")
    with pytest.raises(ValueError, match="depth"):
        random_stack(0, 3)
    with pytest.raises(TypeError, match="rng"):
        random_stack(2, 3, rng=None)


def test_kernels_are_registered():
    assert concepts.functions("layer_gradient_norms") == [layer_gradient_norms]
    assert concepts.functions("dead_units") == [dead_unit_fraction]
