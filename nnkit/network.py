r"""A mini-batch-vectorised multilayer perceptron trained by SGD (chapter 3 of the book, in rows).

Conventions (as everywhere in nnkit): examples are **rows**. For a mini-batch ``X`` of shape
(m, D) and layer ``l`` with weights ``W[l]`` of shape (n_in, n_out) and biases ``b[l]`` of
shape (n_out,):

.. math::

    Z^{l} = A^{l-1} W^{l} + b^{l}, \qquad A^{l} = f(Z^{l}), \qquad A^{0} = X,

with ``f`` the hidden activation (by name) and, in the last layer, the output activation
the cost asks for (``cost.output``: sigmoid, softmax or linear). Backpropagation, for the
**mean** cost over the batch, with ``delta`` the per-example output error of the cost:

.. math::

    \Delta^{L} = \frac{1}{m}\,\mathrm{delta}(Z^L, A^L, Y), \qquad
    \Delta^{l} = (\Delta^{l+1} W^{l+1\,T}) \odot f'(Z^{l}), \\
    \frac{\partial C}{\partial W^{l}} = A^{l-1\,T} \Delta^{l}, \qquad
    \frac{\partial C}{\partial b^{l}} = \textstyle\sum_{\text{rows}} \Delta^{l}.

One matrix product per layer and direction handles the whole mini-batch (no loop over
examples). Training (:meth:`Network.fit`) is the course's pieces put together: for each
mini-batch, backpropagation, then the penalties' gradients (:class:`nnkit.regularization.L2`
/ :class:`~nnkit.regularization.L1`, scaled by ``n`` = the training-set size, the book's
convention) and a step of the optimizer (:class:`nnkit.optim.SGD` or
:class:`~nnkit.optim.Momentum`); inverted dropout (``nnkit.dropout``) on hidden layers, early
stopping on validation accuracy, a per-epoch :class:`History` and a ``tqdm`` progress bar.

Every formula is computed by its one kernel (:mod:`nnkit.concepts`): the activations'
``kernel`` / ``kernel_prime``, the cost's ``delta_kernel``, the dropout, penalty and optimizer
kernels. Performance notes (see ``benchmarks/``): inputs are validated once when a public
method is entered; the loop then runs the unvalidated kernels on preallocated buffers
(``out=``), scales the output error by ``eta/m`` once (the book's ``eta/len(mini_batch)``) so
every gradient comes out already multiplied by the learning rate, and updates the
parameters in place (``net.weights[l]`` stays the same array object). Custom
:class:`~nnkit.activations.Activation` or cost objects work too, through their (validated,
slower) ``fn``/``prime``/``delta``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from nnkit import costs as _costs
from nnkit._validate import (
    as_array,
    as_generator,
    as_labels,
    check_nonnegative,
    check_one_hot,
    check_positive_int,
    check_probabilities,
    check_probability,
)
from nnkit.activations import ACTIVATIONS, get_activation
from nnkit.dropout import _dropout_apply, _dropout_mask
from nnkit.init import get_initializer
from nnkit.optim import SGD, Momentum
from nnkit.regularization import L1, L2
from nnkit.stopping import _patience_update

__all__ = ["History", "Network"]

_EVAL_CHUNK = 8192  # rows per forward pass when evaluating a whole data set (bounds memory)


# --------------------------------------------------------------------------- history


def _few_blas_threads(batch_size: int):
    """One BLAS thread for small mini-batches: handing tiny products to a second thread costs
    more than it saves (1.5-2x slower epochs at batch 10 on a 2-core machine)."""
    import contextlib

    if batch_size > 100:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1, user_api="blas")


@dataclass
class History:
    """What happened during :meth:`Network.fit`, one entry per epoch.

    Attributes
    ----------
    train_cost, train_accuracy : list of float
        Total cost (mean cost + the L2/L1 penalty, with ``n`` = training-set size) and
        accuracy on the whole training set after each epoch (empty if
        ``monitor_training=False``).
    validation_cost, validation_accuracy : list of float
        The same on the validation data (empty if no ``validation`` was given). The cost
        includes the same penalty term as ``train_cost`` (the objective being minimised,
        evaluated on the validation data), so the two curves are comparable.
    best_epoch : int or None
        0-based index (into the lists above) of the epoch with the highest validation
        accuracy (the first one on ties; lowest validation cost for a linear output);
        ``None`` without validation data.
    stopped_early : bool
        True if early stopping ended training before ``epochs``.
    epochs_run : int
        Number of epochs actually trained.

    Accuracies are NaN for a network with a linear (regression) output.
    """

    train_cost: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    validation_cost: list = field(default_factory=list)
    validation_accuracy: list = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    epochs_run: int = 0

    @property
    def best_validation_accuracy(self) -> float | None:
        """Validation accuracy at ``best_epoch`` (None without validation data)."""
        return None if self.best_epoch is None else self.validation_accuracy[self.best_epoch]


_OUTPUTS = ("sigmoid", "softmax", "linear")  # output activations a cost may ask for


def _regularizers(lmbda, l1):
    """The penalties in use: ``L2(lmbda)`` and/or ``L1(l1)`` (none for zero parameters)."""
    return [r for r in (L2(lmbda), L1(l1)) if r.lmbda]


# --------------------------------------------------------------------------- network


class Network:
    r"""A fully connected feed-forward network, trained by mini-batch SGD.

    Parameters
    ----------
    sizes : sequence of int
        Neurons per layer, input first: ``[784, 30, 10]`` is 784 inputs, 30 hidden, 10 outputs.
        At least two entries.
    hidden : str or Activation, default "sigmoid"
        Activation of every hidden layer: a name from ``nnkit.activations.ACTIVATIONS``
        (not "softmax") or an :class:`~nnkit.activations.Activation`.
    cost : str or cost object, default "cross_entropy"
        ``"cross_entropy"`` (sigmoid outputs), ``"log_likelihood"`` (softmax outputs),
        ``"quadratic"`` (sigmoid outputs) or ``"quadratic_linear"`` (linear outputs, for
        regression), or a cost object with ``fn``, ``delta`` and ``output``. The output
        activation is ``cost.output``.
    init : str or callable, default "scaled_normal"
        Initializer ``f(n_in, n_out, rng) -> (W, b)`` or its name in
        ``nnkit.init.INITIALIZERS`` (the book's default draws W ~ N(0, 1/n_in), b ~ N(0, 1)).
    rng : int or numpy.random.Generator, default 0
        Seed or generator for the initial weights; kept as ``self.rng`` and, unless
        :meth:`fit` gets its own ``rng``, also used for shuffling and dropout. Same seed and
        same calls give bit-identical results.
    dtype : {numpy.float64, numpy.float32}, default float64
        Floating type of the parameters and of the training arithmetic.

    Attributes
    ----------
    sizes : tuple of int
    weights : list of ndarray, ``weights[l]`` of shape (sizes[l], sizes[l+1])
    biases : list of ndarray, ``biases[l]`` of shape (sizes[l+1],)
    hidden : Activation
    cost : cost object (``cost.output`` is the output activation's name)
    rng : numpy.random.Generator

    Examples
    --------
    >>> from nnkit.data import load_mnist_5k
    >>> d = load_mnist_5k()
    >>> net = Network([784, 30, 10])
    >>> hist = net.fit(d.X_train, d.Y_train, epochs=5, batch_size=10, eta=0.5,
    ...                validation=(d.X_val, d.Y_val), progress=False)
    >>> round(net.accuracy(d.X_test, d.y_test), 3)  # doctest: +SKIP
    0.929
    """

    def __init__(self, sizes, hidden="sigmoid", cost="cross_entropy", init="scaled_normal", rng=0,
                 dtype=np.float64):
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
            raise TypeError(f"sizes: expected a sequence of layer sizes like [784, 30, 10], got {type(sizes).__name__}")
        if len(sizes) < 2:
            raise ValueError(f"sizes: expected at least 2 layers (inputs and outputs), got {list(sizes)!r}")
        self.sizes = tuple(check_positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes))
        self.hidden = get_activation(hidden)
        if self.hidden.prime is None:
            raise ValueError(f"hidden: {self.hidden.name!r} has no elementwise derivative and cannot be a hidden activation")
        self.cost = _costs.get_cost(cost)
        if self.cost.output not in _OUTPUTS:
            raise ValueError(f"cost: output activation must be one of {sorted(_OUTPUTS)}, got {self.cost.output!r}")
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float64, np.float32):
            raise ValueError(f"dtype: expected float64 or float32, got {self.dtype}")
        self.rng = as_generator(rng)
        init_fn = get_initializer(init)
        self.init = init if isinstance(init, str) else getattr(init, "__name__", "custom")
        self.weights, self.biases = [], []
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            W, b = init_fn(n_in, n_out, self.rng)
            W = np.array(W, dtype=self.dtype)
            b = np.array(b, dtype=self.dtype)
            if W.shape != (n_in, n_out) or b.shape != (n_out,):
                raise ValueError(
                    f"init: expected W of shape {(n_in, n_out)} and b of shape {(n_out,)}, got {W.shape} and {b.shape}"
                )
            self.weights.append(W)
            self.biases.append(b)

    # ------------------------------------------------------------------ helpers

    def __repr__(self) -> str:
        return (f"Network(sizes={list(self.sizes)}, hidden={self.hidden.name!r}, cost={self.cost!r}, "
                f"dtype={self.dtype.name})")

    @property
    def num_layers(self) -> int:
        """Number of layers including the input layer (``len(sizes)``)."""
        return len(self.sizes)

    def _kernels(self):
        """(f, f_prime, output, delta): the unvalidated kernels, or None where the validated
        ``hidden.fn`` / ``hidden.prime`` / ``cost.delta`` must be used (custom objects).
        ``output`` is None for a linear output (a = z)."""
        h, c = self.hidden, self.cost
        fast = h.kernel is not None and h.kernel_prime is not None
        out = None if c.output == "linear" else ACTIVATIONS[c.output].kernel
        delta = c.delta_kernel if isinstance(c, _costs._Cost) else None
        return (h.kernel if fast else None), (h.kernel_prime if fast else None), out, delta

    def _check_params(self):
        """Weights/biases may have been replaced by hand: re-check shapes and dtype."""
        for l, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            W, b = self.weights[l], self.biases[l]
            if not isinstance(W, np.ndarray) or W.shape != (n_in, n_out) or W.dtype != self.dtype:
                raise ValueError(f"weights[{l}]: expected a {self.dtype} array of shape {(n_in, n_out)}, got "
                                 f"{getattr(W, 'shape', type(W).__name__)} {getattr(W, 'dtype', '')}")
            if not isinstance(b, np.ndarray) or b.shape != (n_out,) or b.dtype != self.dtype:
                raise ValueError(f"biases[{l}]: expected a {self.dtype} array of shape {(n_out,)}, got "
                                 f"{getattr(b, 'shape', type(b).__name__)} {getattr(b, 'dtype', '')}")

    def _check_X(self, X, name="X"):
        X = as_array(X, name, ndim=2)
        if X.shape[1] != self.sizes[0]:
            raise ValueError(f"{name}: expected shape (N, {self.sizes[0]}) for a network with {self.sizes[0]} inputs, "
                             f"got {X.shape}")
        return X.astype(self.dtype, copy=False)

    def _check_Y(self, Y, N, name="Y"):
        Y = as_array(Y, name, ndim=(1, 2))
        C = self.sizes[-1]
        if Y.ndim == 1:
            raise ValueError(f"{name}: expected targets of shape ({N}, {C}) (one-hot rows), got shape {Y.shape}; "
                             "turn labels into targets with nnkit.data.one_hot(labels, C)")
        if Y.shape != (N, C):
            raise ValueError(f"{name}: expected shape ({N}, {C}) to match the {N} inputs and {C} outputs, got {Y.shape}")
        if self.cost.output == "softmax":
            check_one_hot(Y, name)
        elif self.cost.output == "sigmoid":
            check_probabilities(Y, name)
        return Y.astype(self.dtype, copy=False)

    def _check_data(self, X, Y, lmbda, l1, n, what="example"):
        """Validated (X, Y, lmbda, l1, n) for total_cost / backprop / fit; n defaults to len(X)."""
        self._check_params()
        X = self._check_X(X)
        Y = self._check_Y(Y, X.shape[0])
        if X.shape[0] == 0:
            raise ValueError(f"X: expected at least one {what}, got 0 rows")
        lmbda, l1 = check_nonnegative(lmbda, "lmbda"), check_nonnegative(l1, "l1")
        return X, Y, lmbda, l1, X.shape[0] if n is None else check_positive_int(n, "n")

    def _check_labels(self, labels, N):
        """Class labels (N,) as int64 (one-hot targets (N, C) accepted); a single sigmoid output has classes 0, 1."""
        C = self.sizes[-1]
        arr = labels if isinstance(labels, (str, bytes)) or labels is None else np.asarray(labels)
        if getattr(arr, "shape", None) == (N, C) and C > 1:  # one-hot targets are accepted too
            Y = as_array(arr, "labels")
            check_one_hot(Y, "labels")
            return Y.argmax(axis=1)
        return as_labels(labels, max(C, 2), "labels", n=N)

    # ------------------------------------------------------------------ forward

    def _forward(self, X):
        """Output activations for validated X (rows in self.dtype), chunked; also returns the logits."""
        f, _, out_f, _ = self._kernels()
        L = len(self.weights)
        outs, logits = [], []
        with np.errstate(over="ignore"):
            for s in range(0, X.shape[0], _EVAL_CHUNK):
                a = X[s:s + _EVAL_CHUNK]
                for l in range(L):
                    z = a @ self.weights[l]
                    z += self.biases[l]
                    if l < L - 1:
                        a = f(z, out=z) if f is not None else np.asarray(self.hidden.fn(z), dtype=self.dtype)
                    else:
                        logits.append(z.copy())
                        outs.append(z if out_f is None else out_f(z, out=z))
        if not outs:  # N = 0
            C = self.sizes[-1]
            return np.empty((0, C), self.dtype), np.empty((0, C), self.dtype)
        return np.concatenate(outs), np.concatenate(logits)

    def feedforward(self, X):
        """Network outputs for a batch (no dropout: test-time behaviour).

        Parameters
        ----------
        X : array_like, shape (N, sizes[0])

        Returns
        -------
        A : ndarray, shape (N, sizes[-1])
            Output activations (sigmoid / softmax probabilities, or linear values).
        """
        self._check_params()
        return self._forward(self._check_X(X))[0]

    def predict(self, X):
        """Predicted class of each row: ``argmax`` of the outputs (a single sigmoid output: ``a > 0.5``).

        Returns
        -------
        ndarray of int64, shape (N,)
        """
        A = self.feedforward(X)
        if A.shape[1] == 1:
            return (A[:, 0] > 0.5).astype(np.int64)
        return A.argmax(axis=1)

    def accuracy(self, X, labels):
        """Fraction of rows of ``X`` whose predicted class equals ``labels``.

        Parameters
        ----------
        X : array_like, shape (N, sizes[0])
        labels : array_like of int, shape (N,), values in 0..C-1 (or one-hot targets (N, C))

        Returns
        -------
        float in [0, 1]
        """
        if self.cost.output == "linear":
            raise ValueError("accuracy: the network has a linear (regression) output; there are no classes to compare")
        X = self._check_X(X)
        y = self._check_labels(labels, X.shape[0])
        if X.shape[0] == 0:
            raise ValueError("X: expected at least one example to compute an accuracy, got 0 rows")
        pred = self.predict(X)
        return float(np.mean(pred == y))

    # ------------------------------------------------------------------ cost

    def _penalty(self, lmbda, l1, n):
        return sum(r.penalty_kernel(self.weights, r.lmbda, n) for r in _regularizers(lmbda, l1))

    def _data_cost(self, A, Z, Y):
        """Mean cost from outputs A / logits Z (the stable from-logits form where the cost has one)."""
        f = getattr(self.cost, "fn_from_logits", None)
        Z64, Y64 = Z.astype(np.float64, copy=False), Y.astype(np.float64, copy=False)
        if f is not None:
            try:
                return float(f(Z64, Y64))
            except NotImplementedError:
                pass
        return float(self.cost.fn(A.astype(np.float64, copy=False), Y64))

    def total_cost(self, X, Y, lmbda=0.0, l1=0.0, n=None):
        r"""Mean cost over the rows plus the weight penalties (biases are never penalised).

        .. math:: C = \frac{1}{N}\sum_x C_x + \frac{\lambda}{2n}\sum_l \lVert W^l\rVert^2
                  + \frac{\lambda_1}{n}\sum_l \sum |W^l|

        The data term is computed from the logits where the cost allows it (finite even for
        saturated outputs).

        Parameters
        ----------
        X : array_like, shape (N, sizes[0])
        Y : array_like, shape (N, sizes[-1])  (one-hot for softmax outputs)
        lmbda, l1 : float >= 0
            L2 and L1 regularisation parameters.
        n : int, optional
            Training-set size in the penalty (default ``N``, as the book's ``total_cost``).

        Returns
        -------
        float
        """
        X, Y, lmbda, l1, n = self._check_data(X, Y, lmbda, l1, n)
        A, Z = self._forward(X)
        return self._data_cost(A, Z, Y) + self._penalty(lmbda, l1, n)

    # ------------------------------------------------------------------ backprop (shared kernel)

    def _make_step(self, m_max, keep_prob=1.0, rng=None):
        r"""Build ``step(X, Y, scale) -> (gW, gb)``: backpropagation for one mini-batch.

        For a validated, C-contiguous batch X (m, D), Y (m, C) with m <= m_max, ``step``
        returns the gradients of ``scale * sum_x C_x`` (no penalty; ``scale = 1/m``: the mean
        cost; :meth:`fit` passes ``eta/m``), written into reused buffers (also listed, weights
        first, as ``step.grads``). The book's four equations, in rows:

        * forward: :math:`Z^l = A^{l-1} W^l + b^l`, :math:`A^l = f(Z^l)` (inverted dropout
          on hidden layers), the output activation of the cost in the last layer;
        * output error: :math:`\Delta^L = \text{scale} \cdot \delta(Z^L, A^L, Y)` (the cost's delta);
        * backward: :math:`\Delta^{l} = (\Delta^{l+1} W^{l+1\,T}) \odot f'(Z^{l})`;
        * gradients: :math:`\partial C/\partial W^l = A^{l-1\,T}\Delta^l`,
          :math:`\partial C/\partial b^l = \sum_\text{rows} \Delta^l`.

        Kernels and buffers are resolved here, once. Must run inside ``np.errstate(over="ignore")``.
        """
        f, f_prime, out_f, delta = self._kernels()
        dt = self.dtype
        W, b = self.weights, self.biases
        last = len(W) - 1
        outs = self.sizes[1:]
        Z_full = [np.empty((m_max, k), dt) for k in outs]   # weighted inputs Z
        A_full = [np.empty((m_max, k), dt) for k in outs]   # activations A = f(Z)
        D_full = [np.empty((m_max, k), dt) for k in outs]   # errors Delta
        T_full = [np.empty((m_max, k), dt) for k in outs]   # f'(Z)
        gW = [np.empty_like(w) for w in W]
        gb = [np.empty_like(v) for v in b]
        WT = [w.T for w in W]                                # views: follow in-place updates
        hidden_fn, hidden_prime, cost_delta = self.hidden.fn, self.hidden.prime, self.cost.delta
        dropout = keep_prob < 1.0
        matmul, add_reduce = np.matmul, np.add.reduce

        def step(X, Y, scale):
            m = X.shape[0]
            Zs, As, Ds, Ts = (Z_full, A_full, D_full, T_full) if m == m_max else (
                [v[:m] for v in Z_full], [v[:m] for v in A_full], [v[:m] for v in D_full], [v[:m] for v in T_full])
            inputs, masks, a = [X], [], X      # inputs[l] = A^{l-1} after dropout
            for l in range(last):              # forward through the hidden layers
                z = matmul(a, W[l], Zs[l])     # positional out: cheaper per call
                z += b[l]
                a = f(z, out=As[l]) if f is not None else np.asarray(hidden_fn(z), dtype=dt)
                if dropout:
                    masks.append(_dropout_mask(a.shape, keep_prob, rng, dt))
                    a = _dropout_apply(a, masks[-1])
                inputs.append(a)
            z = matmul(a, W[last], Zs[last])
            z += b[last]
            a = z if out_f is None else out_f(z, out=As[last])
            if delta is not None:              # output error Delta^L
                d = delta(z, a, Y, out=Ds[last])
            else:
                d = Ds[last]
                d[...] = cost_delta(z, a, Y)
            d *= scale
            for l in range(last, -1, -1):      # backward
                matmul(inputs[l].T, d, gW[l])
                add_reduce(d, 0, None, gb[l])
                if l:
                    d = matmul(d, WT[l], Ds[l - 1])
                    if dropout:
                        _dropout_apply(d, masks[l - 1], out=d)
                    d *= f_prime(Zs[l - 1], out=Ts[l - 1]) if f_prime is not None else hidden_prime(Zs[l - 1])
            return gW, gb

        step.grads = gW + gb
        return step

    def backprop(self, X, Y, lmbda=0.0, l1=0.0, n=None):
        r"""Gradients of :meth:`total_cost` with respect to every weight and bias.

        For the mean cost over the N rows of ``X`` (plus the L2/L1 penalty when ``lmbda`` /
        ``l1`` > 0: :math:`\frac{\lambda}{n} W` and :math:`\frac{\lambda_1}{n}\operatorname{sign}(W)`).
        No dropout. This is the quantity a finite-difference check of ``total_cost`` approximates.

        Parameters
        ----------
        X : array_like, shape (N, sizes[0])
        Y : array_like, shape (N, sizes[-1])
        lmbda, l1 : float >= 0
        n : int, optional
            Training-set size in the penalty (default N).

        Returns
        -------
        grads_W : list of ndarray, shapes of ``weights``
        grads_b : list of ndarray, shapes of ``biases``
        """
        X, Y, lmbda, l1, n = self._check_data(X, Y, lmbda, l1, n)
        N = X.shape[0]
        X = np.ascontiguousarray(X)
        with np.errstate(over="ignore"):
            gW, gb = self._make_step(N)(X, np.ascontiguousarray(Y), 1.0 / N)
        grads_W = [g.copy() for g in gW]
        for r in _regularizers(lmbda, l1):
            r.add_gradient(self.weights, grads_W, n)
        return grads_W, [g.copy() for g in gb]

    # ------------------------------------------------------------------ training

    def fit(self, X, Y, epochs, batch_size, eta, lmbda=0.0, l1=0.0, momentum=0.0, keep_prob=1.0,
            validation=None, early_stopping=None, progress=True, rng=None, monitor_training=True):
        r"""Train by mini-batch stochastic gradient descent.

        Each epoch shuffles the training rows (with ``rng``), splits them into mini-batches
        of ``batch_size`` (the last one may be smaller) and for each batch of size m applies

        .. math::

            v \leftarrow \mu v - \eta\left(\frac{1}{m}\sum_x \frac{\partial C_x}{\partial w}
                + \frac{\lambda}{n} w + \frac{\lambda_1}{n}\operatorname{sign}(w)\right),
            \qquad w \leftarrow w + v

        to weights (biases: without the penalty terms). With ``momentum = 0`` this is the
        book's rule, :math:`w \leftarrow (1 - \eta\lambda/n) w - \frac{\eta}{m}\sum_x \nabla C_x`
        (weight decay), where ``n = len(X)``. Velocities start at zero on every call.

        Parameters
        ----------
        X : array_like, shape (n, sizes[0])
            Training inputs, one per row.
        Y : array_like, shape (n, sizes[-1])
            Targets: one-hot rows for a softmax output, values in [0, 1] for sigmoid outputs
            (one-hot for classification), any reals for a linear output.
        epochs : int > 0
        batch_size : int > 0
            Mini-batch size m.
        eta : float >= 0
            Learning rate.
        lmbda : float >= 0, default 0
            L2 regularisation parameter (weight decay), scaled by ``1/n``.
        l1 : float >= 0, default 0
            L1 regularisation parameter, scaled by ``1/n``.
        momentum : float in [0, 1), default 0
            Momentum coefficient :math:`\mu` (0: plain SGD).
        keep_prob : float in (0, 1], default 1
            Inverted dropout on every hidden layer during training (``nnkit.dropout``);
            evaluation never drops units.
        validation : tuple (X_val, Y_val), optional
            Evaluated after every epoch (cost and accuracy into the history).
        early_stopping : int, optional
            Patience: stop when the validation accuracy has not improved on its best value
            for this many consecutive epochs (a linear-output network watches the validation
            cost instead). When training ends, early-stopped or not, the **weights of the best
            epoch are restored** (``history.best_epoch``). Needs ``validation``. Without
            ``early_stopping``, training runs all epochs and keeps the final weights.
        progress : bool, default True
            Show a ``tqdm.auto`` progress bar over epochs.
        rng : int or numpy.random.Generator, optional
            Randomness for shuffling and dropout; default: the network's own ``self.rng``.
        monitor_training : bool, default True
            Record cost and accuracy on the whole training set after each epoch (one extra
            forward pass per epoch); False skips it (faster).

        Returns
        -------
        History
        """
        # ---- validate everything once; the loop below trusts its inputs
        X, Y, lmbda, l1, n = self._check_data(X, Y, lmbda, l1, None, "training example")
        epochs = check_positive_int(epochs, "epochs")
        batch_size = check_positive_int(batch_size, "batch_size")
        eta = check_nonnegative(eta, "eta")
        mu = check_probability(momentum, "momentum", allow_one=False)
        keep_prob = check_probability(keep_prob, "keep_prob", allow_zero=False)
        if validation is not None:
            if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
                raise TypeError(f"validation: expected a tuple (X_val, Y_val), got {type(validation).__name__}")
            Xv = self._check_X(validation[0], "validation[0]")
            Yv = self._check_Y(validation[1], Xv.shape[0], "validation[1]")
            if Xv.shape[0] == 0:
                raise ValueError("validation[0]: expected at least one example, got 0 rows")
        if early_stopping is not None:
            early_stopping = check_positive_int(early_stopping, "early_stopping")
            if validation is None:
                raise ValueError("early_stopping: needs validation=(X_val, Y_val) to watch the validation accuracy")
        gen = self.rng if rng is None else as_generator(rng)
        for flag_name, flag in (("progress", progress), ("monitor_training", monitor_training)):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"{flag_name}: expected True or False, got {type(flag).__name__}")

        classify = self.cost.output != "linear"
        labels = self._targets_to_labels(Y) if classify and monitor_training else None
        labels_v = self._targets_to_labels(Yv) if classify and validation is not None else None

        hist = History()
        m_full = min(batch_size, n)
        step = self._make_step(m_full, keep_prob, gen)
        # mini-batches are gathered row by row into these (small, cache-resident) buffers
        Xb_full = np.empty((m_full, X.shape[1]), self.dtype)
        Yb_full = np.empty((m_full, Y.shape[1]), self.dtype)
        W, b = self.weights, self.biases
        optimizer = Momentum(eta, mu) if mu > 0 else SGD(eta)   # velocities start at zero
        penalties = _regularizers(lmbda, l1)                     # L2 and/or L1, scaled by 1/n
        params, grads = W + b, step.grads                        # step() refills the same buffers
        batches = [(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]
        take = np.take
        patience_state, best_params = (-np.inf, 0, 0), None  # (best score, best epoch, epochs since)

        bar = None
        epoch_iter = range(epochs)
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(epoch_iter, desc="epochs", unit="epoch")
            epoch_iter = bar
        try:
            with np.errstate(over="ignore"), _few_blas_threads(batch_size):
                for epoch in epoch_iter:
                    perm = gen.permutation(n)
                    for s, e in batches:
                        idx = perm[s:e]
                        m = e - s
                        if m == m_full:
                            Xb = take(X, idx, axis=0, out=Xb_full, mode="clip")
                            Yb = take(Y, idx, axis=0, out=Yb_full, mode="clip")
                        else:
                            Xb = take(X, idx, axis=0, out=Xb_full[:m], mode="clip")
                            Yb = take(Y, idx, axis=0, out=Yb_full[:m], mode="clip")
                        gW, gb = step(Xb, Yb, eta / m)    # backpropagation: eta x mean-cost gradients
                        for r in penalties:                # + eta lambda/n W, + eta lambda_1/n sign(W)
                            r.add_gradient(W, gW, n, eta)
                        optimizer.apply(params, grads, eta=1.0)  # SGD or momentum step (eta already in)
                    hist.epochs_run = epoch + 1
                    # ---- monitoring (once per epoch)
                    penalty = self._penalty(lmbda, l1, n) if (monitor_training or validation is not None) else 0.0
                    postfix = {}
                    if monitor_training:
                        A, Z = self._forward(X)
                        hist.train_cost.append(self._data_cost(A, Z, Y) + penalty)
                        hist.train_accuracy.append(self._acc(A, labels))
                        postfix["train_acc"] = hist.train_accuracy[-1]
                    if validation is not None:
                        A, Z = self._forward(Xv)
                        hist.validation_cost.append(self._data_cost(A, Z, Yv) + penalty)
                        acc = self._acc(A, labels_v)
                        hist.validation_accuracy.append(acc)
                        postfix["val_acc"] = acc
                        score = acc if classify else -hist.validation_cost[-1]
                        patience_state = _patience_update(patience_state, epoch, score)
                        hist.best_epoch = patience_state[1]
                        if patience_state[2] == 0 and early_stopping is not None:
                            best_params = ([w.copy() for w in W], [v.copy() for v in b])
                    if bar is not None and postfix:
                        bar.set_postfix({k: f"{v:.4f}" for k, v in postfix.items()}, refresh=False)
                    if early_stopping is not None and patience_state[2] >= early_stopping:
                        hist.stopped_early = epoch + 1 < epochs
                        break
        finally:
            if bar is not None:
                bar.close()
        if best_params is not None:  # early stopping: go back to the best epoch
            for w, bw in zip(W, best_params[0]):
                w[...] = bw
            for v, bv in zip(b, best_params[1]):
                v[...] = bv
        return hist

    def _targets_to_labels(self, Y):
        if Y.shape[1] == 1:
            return (Y[:, 0] >= 0.5).astype(np.int64)
        return Y.argmax(axis=1)

    @staticmethod
    def _acc(A, labels):
        if labels is None:
            return float("nan")
        pred = (A[:, 0] > 0.5) if A.shape[1] == 1 else A.argmax(axis=1)
        return float(np.mean(pred == labels))

    # ------------------------------------------------------------------ persistence

    def save(self, path):
        """Save sizes, activation and cost names, dtype and all weights to a ``.npz`` file.

        Only registry activations/costs/names can be saved (custom objects raise ``ValueError``).
        ``numpy.savez`` appends ``.npz`` to a path without that suffix.
        """
        if ACTIVATIONS.get(self.hidden.name) is not self.hidden:
            raise ValueError(f"save: custom hidden activation {self.hidden.name!r} cannot be saved by name")
        cost_name = getattr(self.cost, "name", None)
        if cost_name == "quadratic" and self.cost.output == "linear":
            cost_name = "quadratic_linear"
        if cost_name not in _costs.COSTS or _costs.get_cost(cost_name) != self.cost:
            raise ValueError(f"save: custom cost {self.cost!r} cannot be saved by name")
        self._check_params()
        arrays = {f"W{l}": w for l, w in enumerate(self.weights)}
        arrays.update({f"b{l}": v for l, v in enumerate(self.biases)})
        np.savez(
            os.fspath(path),
            format=np.array("nnkit.Network/1"),
            sizes=np.array(self.sizes, dtype=np.int64),
            hidden=np.array(self.hidden.name),
            cost=np.array(cost_name),
            dtype=np.array(self.dtype.name),
            **arrays,
        )

    @classmethod
    def load(cls, path, rng=0):
        """Rebuild a network saved with :meth:`save` (weights identical, bit for bit).

        Parameters
        ----------
        path : str or os.PathLike
            The ``.npz`` file.
        rng : int or Generator, default 0
            Generator for later training of the loaded network.
        """
        with np.load(os.fspath(path), allow_pickle=False) as f:
            if "format" not in f or str(f["format"]) != "nnkit.Network/1":
                raise ValueError(f"{path}: not a network saved by nnkit.Network.save")
            sizes = [int(s) for s in f["sizes"]]
            net = cls(sizes, hidden=str(f["hidden"]), cost=str(f["cost"]), init="zeros", rng=rng,
                      dtype=np.dtype(str(f["dtype"])))
            for l in range(len(sizes) - 1):
                net.weights[l][...] = f[f"W{l}"]
                net.biases[l][...] = f[f"b{l}"]
        return net
