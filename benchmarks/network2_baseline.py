"""Per-example baseline in the style of the book's network2.py (benchmark use only).

Written for this repository as a *baseline* for ``bench_epoch.py``: it reproduces the
structure of the book's code, not its text. Column vectors (shape (n, 1)), weights
``w[l]`` of shape (n_out, n_in) as in the book, and backpropagation one example at a time;
the per-example gradients of a mini-batch are summed and the average is applied:

    w <- w - eta/m * sum_x dC_x/dw,      b <- b - eta/m * sum_x dC_x/db

Sigmoid neurons everywhere, cross-entropy cost (so the output error is delta = a - y).
Not part of nnkit and not used by the course; nnkit.network is the vectorised version.
"""

from __future__ import annotations

import itertools

import numpy as np


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class PerExampleNetwork:
    """Sigmoid MLP trained by per-example backprop, book-style (column vectors)."""

    def __init__(self, sizes, rng=0):
        rng = np.random.default_rng(rng)
        self.sizes = list(sizes)
        # book's default initialiser: w ~ N(0, 1/n_in), b ~ N(0, 1)
        self.weights = [rng.standard_normal((n_out, n_in)) / np.sqrt(n_in) for n_in, n_out in itertools.pairwise(sizes)]
        self.biases = [rng.standard_normal((n_out, 1)) for n_out in sizes[1:]]

    def feedforward(self, a):
        for w, b in zip(self.weights, self.biases):
            a = _sigmoid(w @ a + b)
        return a

    def backprop(self, x, y):
        """Gradient of the cross-entropy cost C_x of ONE example (x, y are column vectors)."""
        activation = x
        activations = [x]
        for w, b in zip(self.weights, self.biases):
            activation = _sigmoid(w @ activation + b)
            activations.append(activation)
        nabla_w = [None] * len(self.weights)
        nabla_b = [None] * len(self.biases)
        delta = activations[-1] - y  # cross-entropy with sigmoid output
        nabla_b[-1] = delta
        nabla_w[-1] = delta @ activations[-2].T
        for l in range(2, len(self.sizes)):
            a = activations[-l]
            delta = (self.weights[-l + 1].T @ delta) * a * (1 - a)  # sigma'(z) = a (1 - a)
            nabla_b[-l] = delta
            nabla_w[-l] = delta @ activations[-l - 1].T
        return nabla_w, nabla_b

    def update_mini_batch(self, batch, eta):
        sum_w = [np.zeros_like(w) for w in self.weights]
        sum_b = [np.zeros_like(b) for b in self.biases]
        for x, y in batch:
            dw, db = self.backprop(x, y)
            sum_w = [s + d for s, d in zip(sum_w, dw)]
            sum_b = [s + d for s, d in zip(sum_b, db)]
        m = len(batch)
        self.weights = [w - (eta / m) * s for w, s in zip(self.weights, sum_w)]
        self.biases = [b - (eta / m) * s for b, s in zip(self.biases, sum_b)]

    def train_epoch(self, data, batch_size, eta, rng):
        """One epoch of SGD over ``data`` (a list of (x, y) column-vector pairs)."""
        order = rng.permutation(len(data))
        shuffled = [data[i] for i in order]
        for k in range(0, len(shuffled), batch_size):
            self.update_mini_batch(shuffled[k : k + batch_size], eta)

    def accuracy(self, X, labels):
        """Fraction correct on row-major ``X`` (N, D) with integer labels (for sanity checks)."""
        out = self.feedforward(X.T)  # works on columns = examples as well
        return float(np.mean(out.argmax(axis=0) == labels))


def as_column_pairs(X, Y):
    """Rows X (N, D), Y (N, C) -> list of (x (D,1), y (C,1)) pairs like the book's loader."""
    return [(x.reshape(-1, 1), y.reshape(-1, 1)) for x, y in zip(X, Y)]
