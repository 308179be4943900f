"""nnkit.propagation: the book's numbers, the forward pass, gradient-checked deltas, symmetry."""

from __future__ import annotations

import numpy as np
import pytest

from nnkit import gradcheck
from nnkit.activations import relu, relu_prime, sigmoid, sigmoid_prime, tanh, tanh_prime
from nnkit.network import Network
from nnkit.propagation import activation_stds, backward_deltas, deep_forward, hidden_units_identical, z_std

ACTS = {"sigmoid": (sigmoid, sigmoid_prime), "tanh": (tanh, tanh_prime), "relu": (relu, relu_prime)}


def _stack(g, sizes):
    Ws = [g.normal(0, 1 / np.sqrt(a), size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [g.normal(0, 0.5, size=b) for b in sizes[1:]]
    return Ws, bs


def test_z_std_reproduces_the_book():
    x = np.r_[np.ones(500), np.zeros(500)]
    assert z_std(x, 1.0, 1.0) == pytest.approx(np.sqrt(501))
    assert round(z_std(x, 1.0, 1.0), 1) == 22.4
    assert z_std(x, 1 / np.sqrt(1000), 1.0) == pytest.approx(np.sqrt(1.5))
    assert round(z_std(x, 1 / np.sqrt(1000), 1.0), 2) == 1.22


def test_z_std_agrees_with_sampling():
    g = np.random.default_rng(0)
    x = g.normal(size=40)
    z = g.normal(0, 0.3, size=(200_000, 40)) @ x + g.normal(0, 0.7, size=200_000)
    assert np.std(z) == pytest.approx(z_std(x, 0.3, 0.7), rel=0.01)


def test_z_std_rejects_bad_input():
    with pytest.raises(ValueError, match="x"):
        z_std(np.ones((2, 3)), 1.0, 1.0)
    with pytest.raises(ValueError, match="weight_std"):
        z_std(np.ones(3), -1.0, 1.0)


def test_deep_forward_matches_the_network():
    g = np.random.default_rng(1)
    net = Network([5, 4, 3], hidden="sigmoid", cost="cross_entropy", rng=2)
    X = g.normal(size=(6, 5))
    _, As = deep_forward(X, net.weights, net.biases, sigmoid)
    np.testing.assert_allclose(As[-1], net.feedforward(X), rtol=1e-12)


def test_activation_stds_is_std_of_each_layer():
    g = np.random.default_rng(2)
    Ws, bs = _stack(g, [6, 5, 4, 3])
    X = g.normal(size=(7, 6))
    _, As = deep_forward(X, Ws, bs, tanh)
    np.testing.assert_allclose(activation_stds(X, Ws, bs, tanh), [np.std(A) for A in As])


@pytest.mark.parametrize("act", sorted(ACTS))
def test_backward_deltas_gradient_check(act):
    """dC/dW^l = A^{l-1 T} delta^l for C = sum(G * A^L), by centred differences, every layer."""
    f, fp = ACTS[act]
    g = np.random.default_rng(3)
    Ws, bs = _stack(g, [4, 5, 3, 2])
    X = g.normal(size=(3, 4))
    G = g.normal(size=(3, 2))
    deltas = backward_deltas(X, Ws, bs, f, fp, G)
    _, As = deep_forward(X, Ws, bs, f)
    inputs = [X] + As[:-1]
    for l in range(len(Ws)):
        def cost(W, l=l):
            Ws2 = list(Ws)
            Ws2[l] = W
            return float(np.sum(G * deep_forward(X, Ws2, bs, f)[1][-1]))

        numeric = gradcheck.numerical_gradient(cost, Ws[l].copy())
        analytic = inputs[l].T @ deltas[l]
        assert gradcheck.rel_error(analytic, numeric) < 1e-6, (act, l)
        # and the biases: dC/db^l = sum over rows of delta^l
        def cost_b(b, l=l):
            bs2 = list(bs)
            bs2[l] = b
            return float(np.sum(G * deep_forward(X, Ws, bs2, f)[1][-1]))

        assert gradcheck.rel_error(deltas[l].sum(axis=0), gradcheck.numerical_gradient(cost_b, bs[l].copy())) < 1e-6


def test_backward_deltas_shapes_and_errors():
    g = np.random.default_rng(4)
    Ws, bs = _stack(g, [3, 4, 2])
    X = g.normal(size=(5, 3))
    deltas = backward_deltas(X, Ws, bs, sigmoid, sigmoid_prime, np.ones((5, 2)))
    assert [d.shape for d in deltas] == [(5, 4), (5, 2)]
    with pytest.raises(ValueError, match="grad_out"):
        backward_deltas(X, Ws, bs, sigmoid, sigmoid_prime, np.ones((5, 3)))
    with pytest.raises(ValueError, match=r"weights\[1\]"):
        deep_forward(X, [Ws[0], Ws[0]], bs, sigmoid)
    with pytest.raises(ValueError, match=r"biases\[0\]"):
        deep_forward(X, Ws, [bs[1], bs[1]], sigmoid)


def test_hidden_units_identical():
    W_in, b_in, W_out = np.tile([[1.0], [2.0]], (1, 3)), np.full(3, 0.5), np.tile([[3.0, -1.0]], (3, 1))
    assert hidden_units_identical(W_in, b_in, W_out)
    W_out2 = W_out.copy()
    W_out2[2, 1] += 1e-6
    assert not hidden_units_identical(W_in, b_in, W_out2)
    assert hidden_units_identical(W_in, b_in, W_out2, atol=1e-5)
    b2 = b_in.copy()
    b2[1] = 0.0
    assert not hidden_units_identical(W_in, b2, W_out)
    assert hidden_units_identical(np.ones((4, 1)), np.zeros(1), np.ones((1, 2)))


def test_zero_init_stays_symmetric_and_random_init_does_not():
    g = np.random.default_rng(5)
    X = g.random((40, 6))
    Y = np.eye(3)[g.integers(0, 3, size=40)]
    for init, expected in (("zeros", True), ("scaled_normal", False)):
        net = Network([6, 4, 3], init=init, rng=1)
        net.fit(X, Y, epochs=5, batch_size=8, eta=0.5, progress=False)
        assert hidden_units_identical(net.weights[0], net.biases[0], net.weights[1], atol=1e-10) is expected
        assert np.abs(net.weights[1]).max() > 1e-3  # training did move the weights
