"""Tests for nnkit.network: gradients, training rules, symmetry, determinism, persistence,
early stopping, dropout, input errors, and the chapter-3 acceptance run on real digits.

Speed is measured in benchmarks/, never here.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnkit import activations as act
from nnkit import network as nw
from nnkit.costs import CrossEntropyCost, get_cost
from nnkit.data import load_mnist_5k, one_hot
from nnkit.dropout import dropout_forward
from nnkit.gradcheck import numerical_gradient
from nnkit.network import History, Network
from nnkit.optim import Momentum
from nnkit.regularization import l1_update, weight_decay_update

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "linear"]
COSTS = ["cross_entropy", "log_likelihood", "quadratic", "quadratic_linear"]


def toy(rng, n=6, sizes=(4, 5, 3), cost="cross_entropy"):
    """Random inputs and matching targets for a small network."""
    rng = np.random.default_rng(rng)
    X = rng.normal(size=(n, sizes[0]))
    if cost == "quadratic_linear":
        Y = rng.normal(size=(n, sizes[-1]))
    else:
        Y = one_hot(rng.integers(0, sizes[-1], n), sizes[-1])
    return X, Y


def numerical_grads(net, X, Y, **kw):
    f = lambda _: net.total_cost(X, Y, **kw)
    return ([numerical_gradient(f, W) for W in net.weights], [numerical_gradient(f, b) for b in net.biases])


def assert_grads_close(got, want, rtol=1e-5, atol=1e-8):
    for kind, g_list, w_list in (("W", got[0], want[0]), ("b", got[1], want[1])):
        for l, (g, w) in enumerate(zip(g_list, w_list)):
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=f"d cost / d {kind}[{l}]")


@pytest.fixture(scope="module")
def digits():
    return load_mnist_5k(rng=0)


# --------------------------------------------------------------------------- construction


def test_shapes_and_defaults():
    net = Network([784, 30, 10])
    assert [W.shape for W in net.weights] == [(784, 30), (30, 10)]
    assert [b.shape for b in net.biases] == [(30,), (10,)]
    assert net.hidden.name == "sigmoid" and net.cost.output == "sigmoid" and net.num_layers == 3
    assert all(W.dtype == np.float64 for W in net.weights)
    # book's default initializer: W ~ N(0, 1/n_in)
    assert abs(net.weights[0].std() - 1 / np.sqrt(784)) < 0.1 / np.sqrt(784)
    assert "784, 30, 10" in repr(net)


def test_output_activation_comes_from_the_cost():
    X = np.random.default_rng(0).normal(size=(5, 4))
    soft = Network([4, 3, 6], cost="log_likelihood").feedforward(X)
    np.testing.assert_allclose(soft.sum(axis=1), 1.0)
    lin = Network([4, 3, 2], cost="quadratic_linear", hidden="tanh")
    A = lin.feedforward(X)
    np.testing.assert_allclose(A, np.tanh(X @ lin.weights[0] + lin.biases[0]) @ lin.weights[1] + lin.biases[1])
    sig = Network([4, 3, 2], cost="cross_entropy")
    h = act.sigmoid(X @ sig.weights[0] + sig.biases[0])
    np.testing.assert_allclose(sig.feedforward(X), act.sigmoid(h @ sig.weights[1] + sig.biases[1]))


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("cost", COSTS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_backprop_matches_finite_differences(hidden, cost):
    net = Network([4, 5, 3], hidden=hidden, cost=cost, rng=1)
    X, Y = toy(2, cost=cost)
    kw = {"lmbda": 0.7, "l1": 0.3, "n": 20}
    assert_grads_close(net.backprop(X, Y, **kw), numerical_grads(net, X, Y, **kw))


def test_backprop_deeper_network_without_penalty():
    net = Network([3, 6, 5, 4, 2], hidden="tanh", cost="log_likelihood", rng=3)
    X, Y = toy(4, n=7, sizes=(3, 2))
    assert_grads_close(net.backprop(X, Y), numerical_grads(net, X, Y))


def test_backprop_custom_activation_and_cost_use_the_slow_path():
    softplus = act.Activation("softplus", lambda z: np.logaddexp(0.0, z), act.sigmoid)

    class HalfSquares:  # not a registry cost: only fn / delta / output
        output = "linear"

        def fn(self, a, y):
            return 0.5 * np.sum((a - y) ** 2) / a.shape[0]

        def delta(self, z, a, y):
            return a - y

    net = Network([3, 4, 2], hidden=softplus, cost=HalfSquares(), rng=5)
    assert net._kernels()[0] is None and net._kernels()[3] is None
    X, Y = toy(6, n=5, sizes=(3, 2), cost="quadratic_linear")
    assert_grads_close(net.backprop(X, Y, lmbda=0.4, n=10), numerical_grads(net, X, Y, lmbda=0.4, n=10))


def test_float32_network_gives_float32_gradients_close_to_float64():
    X, Y = toy(7)
    n64, n32 = Network([4, 5, 3], rng=2), Network([4, 5, 3], rng=2, dtype=np.float32)
    g64, g32 = n64.backprop(X, Y), n32.backprop(X.astype(np.float32), Y)
    for a, b in zip(g64[0] + g64[1], g32[0] + g32[1]):
        assert b.dtype == np.float32
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", sorted(n for n, a in act.ACTIVATIONS.items() if a.prime is not None))
def test_registry_kernels_agree_with_the_public_functions_in_place(name):
    """The kernels Network runs (in place, into its buffers) give what the validated functions give."""
    reference = act.ACTIVATIONS[name]
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(scale=3, size=(4, 6)), np.array([[-800.0, -40.0, 0.0, 1e-3, 40.0, 800.0]])])
    a = z.copy()
    with np.errstate(over="ignore"):
        assert reference.kernel(a, out=a) is a
        t = np.empty_like(z)
        assert reference.kernel_prime(z, out=t) is t
    np.testing.assert_array_equal(a, reference.fn(z))
    np.testing.assert_array_equal(t, reference.prime(z))


def test_network_output_kernels_are_the_activation_kernels():
    net = Network([3, 4, 2], cost="log_likelihood")
    assert net._kernels()[2] is act.ACTIVATIONS["softmax"].kernel
    assert Network([3, 4, 2])._kernels()[2] is act.ACTIVATIONS["sigmoid"].kernel
    assert Network([3, 4, 2], cost="quadratic_linear")._kernels()[2] is None  # a = z


# --------------------------------------------------------------------------- training rules


def test_one_epoch_is_minibatch_sgd_with_a_short_last_batch():
    X, Y = toy(8, n=7)
    net, ref = Network([4, 5, 3], rng=4), Network([4, 5, 3], rng=4)
    net.fit(X, Y, epochs=1, batch_size=3, eta=0.8, progress=False, rng=np.random.default_rng(11))
    perm = np.random.default_rng(11).permutation(7)
    for idx in (perm[0:3], perm[3:6], perm[6:7]):  # 3 + 3 + 1 rows, each a mean gradient
        gW, gb = ref.backprop(X[idx], Y[idx])
        for p, g in zip(ref.weights + ref.biases, gW + gb):
            p -= 0.8 * g
    for a, b in zip(net.weights + net.biases, ref.weights + ref.biases):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def full_batch_step(net, X, Y, **kw):
    net.fit(X, Y, epochs=1, batch_size=X.shape[0], progress=False, monitor_training=False, **kw)


def test_l2_step_is_the_books_weight_decay_rule():
    X, Y = toy(9, n=8)
    net, ref = Network([4, 5, 3], rng=6), Network([4, 5, 3], rng=6)
    gW, gb = ref.backprop(X, Y)  # unregularised mean-cost gradient
    full_batch_step(net, X, Y, eta=0.5, lmbda=3.0)
    for l in range(2):
        np.testing.assert_allclose(net.weights[l], weight_decay_update(ref.weights[l], gW[l], 0.5, 3.0, 8), rtol=1e-12)
        np.testing.assert_allclose(net.biases[l], ref.biases[l] - 0.5 * gb[l], rtol=1e-12)  # biases: no decay


def test_l1_step_matches_nnkit_regularization():
    X, Y = toy(10, n=8)
    net, ref = Network([4, 5, 3], rng=7), Network([4, 5, 3], rng=7)
    gW, _ = ref.backprop(X, Y)
    full_batch_step(net, X, Y, eta=0.5, l1=2.0)
    for l in range(2):
        np.testing.assert_allclose(net.weights[l], l1_update(ref.weights[l], gW[l], 0.5, 2.0, 8), rtol=1e-12)


def test_momentum_matches_nnkit_optim_over_two_steps():
    X, Y = toy(11, n=8)
    net, ref = Network([4, 5, 3], rng=8), Network([4, 5, 3], rng=8)
    net.fit(X, Y, epochs=2, batch_size=8, eta=0.3, momentum=0.9, lmbda=1.0, progress=False, monitor_training=False)
    opt = Momentum(0.3, 0.9)
    for _ in range(2):
        gW, gb = ref.backprop(X, Y, lmbda=1.0, n=8)  # the penalty is part of the gradient with momentum
        opt.step(ref.weights + ref.biases, gW + gb)
    for a, b in zip(net.weights + net.biases, ref.weights + ref.biases):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_lambda_zero_is_no_regularization_and_positive_lambda_shrinks(digits):
    X, Y = digits.X_train[:300], digits.Y_train[:300]
    runs = {}
    for key, kw in {"none": {}, "zero": {"lmbda": 0.0, "l1": 0.0}, "l2": {"lmbda": 20.0}}.items():
        net = Network([784, 10, 10], rng=3)
        runs[key] = (net, net.fit(X, Y, epochs=2, batch_size=10, eta=0.5, progress=False, **kw))
    for a, b in zip(runs["none"][0].weights, runs["zero"][0].weights):
        np.testing.assert_array_equal(a, b)
    assert runs["none"][1].train_cost == runs["zero"][1].train_cost
    norm = lambda net: sum(float(np.sum(W**2)) for W in net.weights)
    assert norm(runs["l2"][0]) < 0.8 * norm(runs["none"][0])


def test_fast_kernels_train_exactly_like_the_generic_path():
    # the same functions wrapped as *custom* objects force the slow, fully validated path
    slow_sigmoid = act.Activation("my_sigmoid", act.sigmoid, act.sigmoid_prime)

    class MyCrossEntropy:
        output = "sigmoid"

        def fn(self, a, y):
            return CrossEntropyCost().fn(a, y)

        def delta(self, z, a, y):
            return CrossEntropyCost().delta(z, a, y)

    X, Y = toy(12, n=40, sizes=(6, 3))
    fast = Network([6, 7, 3], rng=9)
    slow = Network([6, 7, 3], hidden=slow_sigmoid, cost=MyCrossEntropy(), rng=9)
    h_fast = fast.fit(X, Y, epochs=3, batch_size=7, eta=1.0, momentum=0.5, lmbda=0.5, progress=False)
    h_slow = slow.fit(X, Y, epochs=3, batch_size=7, eta=1.0, momentum=0.5, lmbda=0.5, progress=False)
    for a, b in zip(fast.weights + fast.biases, slow.weights + slow.biases):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(h_fast.train_cost, h_slow.train_cost, rtol=1e-9)


# --------------------------------------------------------------------------- symmetry


@settings(max_examples=25, deadline=None)
@given(
    n_in=st.integers(2, 6), n_hidden=st.integers(2, 6), n_out=st.integers(2, 4),
    seed=st.integers(0, 2**16), epochs=st.integers(1, 3), batch=st.integers(1, 5),
    cost=st.sampled_from(["cross_entropy", "log_likelihood", "quadratic"]),
)
def test_zero_init_keeps_hidden_units_identical(n_in, n_hidden, n_out, seed, epochs, batch, cost):
    X, _ = toy(seed, n=10, sizes=(n_in, n_out))
    # Every target is class 0: with balanced one-hot targets a zero network's mean output error
    # can vanish for a whole batch (a = 1/2 or 1/C everywhere), and then nothing would move.
    Y = np.zeros((len(X), n_out))
    Y[:, 0] = 1.0
    net = Network([n_in, n_hidden, n_out], init="zeros", cost=cost, rng=seed)
    net.fit(X, Y, epochs=epochs, batch_size=batch, eta=2.0, progress=False, monitor_training=False)
    W1, b1, W2 = net.weights[0], net.biases[0], net.weights[1]
    # every hidden unit has the same incoming weights, bias and outgoing weights
    np.testing.assert_allclose(W1, np.repeat(W1[:, :1], n_hidden, axis=1), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(b1, np.full(n_hidden, b1[0]), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(W2, np.repeat(W2[:1], n_hidden, axis=0), rtol=1e-12, atol=1e-15)
    assert np.any(W2 != 0)  # training did move the weights


def test_random_init_breaks_the_symmetry():
    X, Y = toy(0, n=10)
    net = Network([4, 5, 3], rng=0)
    net.fit(X, Y, epochs=2, batch_size=5, eta=1.0, progress=False)
    assert not np.allclose(net.weights[0], net.weights[0][:, :1])


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_result_other_seed_differs(digits):
    X, Y = digits.X_train[:200], digits.Y_train[:200]

    def run(seed, **kw):
        net = Network([784, 8, 10], rng=seed)
        h = net.fit(X, Y, epochs=2, batch_size=10, eta=0.5, keep_prob=0.8, progress=False,
                    validation=(digits.X_val[:100], digits.Y_val[:100]), **kw)
        return net, h

    (a, ha), (b, hb), (c, _) = run(5), run(5), run(6)
    for x, y in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_array_equal(x, y)
    assert ha == hb
    assert not np.array_equal(a.weights[1], c.weights[1])
    # an explicit fit rng changes the shuffling (and dropout) but not the initial weights
    d, _ = run(5, rng=123)
    assert not np.array_equal(a.weights[1], d.weights[1])


# --------------------------------------------------------------------------- persistence


@pytest.mark.parametrize("cost, hidden, dtype", [("cross_entropy", "sigmoid", np.float64),
                                                 ("quadratic_linear", "elu", np.float64),
                                                 ("log_likelihood", "relu", np.float32)])
def test_save_load_round_trip(tmp_path, cost, hidden, dtype):
    net = Network([4, 6, 5, 3], cost=cost, hidden=hidden, rng=3, dtype=dtype)
    X, Y = toy(1, n=9, cost=cost)
    net.fit(X, Y, epochs=2, batch_size=4, eta=0.1, progress=False)
    path = tmp_path / "net.npz"
    net.save(path)
    back = Network.load(path)
    assert back.sizes == net.sizes and back.hidden is net.hidden and back.cost == net.cost
    assert back.dtype == dtype
    for a, b in zip(net.weights + net.biases, back.weights + back.biases):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(net.feedforward(X), back.feedforward(X))


def test_save_refuses_custom_objects_and_load_refuses_other_files(tmp_path):
    custom = act.Activation("cube", lambda z: z**3, lambda z: 3 * z**2)
    with pytest.raises(ValueError, match="custom hidden activation"):
        Network([2, 2, 2], hidden=custom).save(tmp_path / "a.npz")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="not a network saved by nnkit"):
        Network.load(tmp_path / "other.npz")


# --------------------------------------------------------------------------- monitoring / early stopping


def test_history_records_every_epoch(digits, capsys):
    net = Network([784, 10, 10], rng=0)
    h = net.fit(digits.X_train[:500], digits.Y_train[:500], epochs=3, batch_size=10, eta=0.5, lmbda=1.0,
                validation=(digits.X_val[:200], digits.Y_val[:200]), progress=False)
    assert isinstance(h, History)
    assert len(h.train_cost) == len(h.train_accuracy) == len(h.validation_cost) == len(h.validation_accuracy) == 3
    assert h.epochs_run == 3 and not h.stopped_early
    assert h.best_epoch == int(np.argmax(h.validation_accuracy))
    # the recorded train cost is total_cost with the penalty scaled by the training-set size
    assert h.train_cost[-1] == pytest.approx(net.total_cost(digits.X_train[:500], digits.Y_train[:500], lmbda=1.0))
    assert h.train_accuracy[-1] == pytest.approx(net.accuracy(digits.X_train[:500], digits.y_train[:500]))
    assert h.train_cost[-1] < h.train_cost[0]
    assert capsys.readouterr().err == ""  # progress=False is silent
    h2 = Network([784, 10, 10]).fit(digits.X_train[:50], digits.Y_train[:50], epochs=1, batch_size=10, eta=0.5,
                                    progress=False, monitor_training=False)
    assert h2.train_cost == [] and h2.validation_accuracy == [] and h2.best_epoch is None


def test_progress_bar_is_shown(capsys):
    X, Y = toy(0, n=10)
    Network([4, 5, 3]).fit(X, Y, epochs=2, batch_size=5, eta=0.1, progress=True)
    assert "epoch" in capsys.readouterr().err


def test_early_stopping_with_no_improvement_stops_after_patience():
    X, Y = toy(1, n=20)
    net = Network([4, 5, 3])
    h = net.fit(X, Y, epochs=30, batch_size=5, eta=0.0, validation=(X, Y), early_stopping=3, progress=False)
    assert h.stopped_early and h.best_epoch == 0 and h.epochs_run == 4  # epoch 0, then 3 without improvement


def test_early_stopping_restores_the_best_weights(digits):
    Xv, Yv = digits.X_val[:300], digits.Y_val[:300]
    net = Network([784, 30, 10], rng=0)
    # 300 training digits: validation accuracy rises for a few epochs, then wanders (seed 0: best epoch 7)
    h = net.fit(digits.X_train[:300], digits.Y_train[:300], epochs=40, batch_size=10, eta=1.0,
                validation=(Xv, Yv), early_stopping=3, progress=False)
    assert h.best_epoch >= 2  # a real run, not a stop right after the first epoch
    assert h.stopped_early and h.epochs_run == h.best_epoch + 1 + 3
    assert h.validation_accuracy[h.best_epoch] == max(h.validation_accuracy)
    assert h.validation_accuracy[-1] < h.validation_accuracy[h.best_epoch]  # the last epoch was worse ...
    assert net.accuracy(Xv, Yv.argmax(axis=1)) == h.validation_accuracy[h.best_epoch]  # ... and was undone
    assert net.total_cost(Xv, Yv) == pytest.approx(h.validation_cost[h.best_epoch])
    assert h.best_validation_accuracy == h.validation_accuracy[h.best_epoch]


# --------------------------------------------------------------------------- dropout


def test_dropout_only_during_training(digits):
    X, Y = digits.X_train[:300], digits.Y_train[:300]
    net = Network([784, 20, 10], rng=2)
    net.fit(X, Y, epochs=2, batch_size=10, eta=0.5, keep_prob=0.5, progress=False)
    A1, A2 = net.feedforward(X[:20]), net.feedforward(X[:20])
    np.testing.assert_array_equal(A1, A2)  # evaluation is deterministic: no units dropped, no rescaling
    h = act.sigmoid(X[:20] @ net.weights[0] + net.biases[0])
    np.testing.assert_allclose(A1, act.sigmoid(h @ net.weights[1] + net.biases[1]), rtol=1e-12)
    plain = Network([784, 20, 10], rng=2)
    plain.fit(X, Y, epochs=2, batch_size=10, eta=0.5, progress=False)
    assert not np.allclose(plain.weights[0], net.weights[0])  # dropout did act during training


def test_dropout_gradient_uses_the_same_mask_forward_and_backward():
    X, Y = toy(3, n=6, sizes=(4, 3))
    net = Network([4, 5, 5, 3], hidden="tanh", rng=4)
    with np.errstate(over="ignore"):
        gW, gb = net._make_step(6, keep_prob=0.6, rng=np.random.default_rng(7))(X, Y, 1.0 / 6)
    gW, gb = [g.copy() for g in gW], [g.copy() for g in gb]
    # replay the masks: the step draws them in this order from the same generator
    rng = np.random.default_rng(7)
    h1 = np.tanh(X @ net.weights[0] + net.biases[0])
    _, m1 = dropout_forward(h1, 0.6, rng)
    h2 = np.tanh((h1 * m1) @ net.weights[1] + net.biases[1])
    _, m2 = dropout_forward(h2, 0.6, rng)
    cost = get_cost("cross_entropy")

    def f(_):
        a = X
        for l, mask in enumerate((m1, m2)):
            a = np.tanh(a @ net.weights[l] + net.biases[l]) * mask
        return cost.fn_from_logits(a @ net.weights[2] + net.biases[2], Y)

    assert_grads_close((gW, gb), ([numerical_gradient(f, W) for W in net.weights],
                                  [numerical_gradient(f, b) for b in net.biases]))


# --------------------------------------------------------------------------- regression output


def test_linear_output_network_learns_a_regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    Y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    net = Network([3, 8, 1], hidden="tanh", cost="quadratic_linear", rng=0)
    before = net.total_cost(X, Y)
    h = net.fit(X, Y, epochs=30, batch_size=10, eta=0.05, validation=(X, Y), early_stopping=5, progress=False)
    assert h.train_cost[-1] < 0.02 * before
    assert np.isnan(h.train_accuracy).all()
    with pytest.raises(ValueError, match="regression"):
        net.accuracy(X, np.zeros(200, dtype=int))


# --------------------------------------------------------------------------- acceptance (issue)


def test_mnist_784_30_10_reaches_well_above_85_percent(digits):
    """Book setup: 784-30-10, sigmoid, cross-entropy, eta 0.5, batch 10; 5 epochs on 3,000 digits.

    Measured with seed 0: test accuracy 0.929 (validation 0.919) on the 1,000 test digits.
    """
    accs = []
    for _ in range(2):
        net = Network([784, 30, 10], hidden="sigmoid", cost="cross_entropy", rng=0)
        net.fit(digits.X_train, digits.Y_train, epochs=5, batch_size=10, eta=0.5, progress=False,
                monitor_training=False)
        accs.append(net.accuracy(digits.X_test, digits.y_test))
    assert accs[0] == accs[1]  # reproducible for a seed
    assert accs[0] > 0.85, f"test accuracy {accs[0]:.4f}"


# --------------------------------------------------------------------------- wrong input


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"X": np.zeros((5, 3))}, ValueError, r"X: expected shape \(N, 4\).*got \(5, 3\)"),
        ({"X": np.zeros(4)}, ValueError, "X: expected a 2-D"),
        ({"X": np.full((5, 4), np.nan)}, ValueError, "X: expected finite"),
        ({"Y": np.array([0, 1, 2, 0, 1])}, ValueError, "one_hot"),
        ({"Y": np.zeros((5, 4))}, ValueError, r"Y: expected shape \(5, 3\)"),
        ({"Y": np.full((5, 3), 2.0)}, ValueError, "Y: expected probabilities"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"batch_size": 2.5}, TypeError, "batch_size"),
        ({"eta": -1.0}, ValueError, "eta"),
        ({"lmbda": -0.1}, ValueError, "lmbda"),
        ({"momentum": 1.0}, ValueError, "momentum"),
        ({"keep_prob": 0.0}, ValueError, "keep_prob"),
        ({"early_stopping": 3}, ValueError, "early_stopping: needs validation"),
        ({"validation": np.zeros((2, 4))}, TypeError, "validation"),
        ({"validation": (np.zeros((2, 5)), np.zeros((2, 3)))}, ValueError, r"validation\[0\]"),
        ({"rng": "seed"}, TypeError, "rng"),
    ],
)
def test_fit_rejects_wrong_input(kwargs, exc, match):
    X, Y = toy(0, n=5)
    args = {"X": X, "Y": Y, "epochs": 1, "batch_size": 2, "eta": 0.1, "progress": False}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        Network([4, 5, 3]).fit(**args)


def test_softmax_network_needs_one_hot_targets():
    X, _ = toy(0, n=2)
    Y = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    with pytest.raises(ValueError, match="one-hot"):
        Network([4, 5, 3], cost="log_likelihood").fit(X, Y, 1, 1, 0.1, progress=False)
    with pytest.raises(ValueError, match="one-hot"):
        Network([4, 5, 3], cost="log_likelihood").total_cost(X, Y)


def test_accuracy_and_predict_errors():
    net = Network([4, 5, 3])
    X = np.zeros((3, 4))
    assert net.predict(X).shape == (3,)
    assert net.accuracy(X, one_hot([0, 1, 2], 3)) == net.accuracy(X, [0, 1, 2])
    with pytest.raises(ValueError, match=r"labels: expected class labels in 0\.\.2, got 3"):
        net.accuracy(X, [0, 1, 3])
    with pytest.raises(ValueError, match=r"labels: expected shape \(3,\)"):
        net.accuracy(X, [0, 1])
    with pytest.raises(ValueError, match="X: expected shape"):
        net.feedforward(np.zeros((3, 5)))


@pytest.mark.parametrize(
    "args, exc, match",
    [
        ({"sizes": [4]}, ValueError, "at least 2"),
        ({"sizes": [4, 0, 3]}, ValueError, r"sizes\[1\]"),
        ({"sizes": "4,5"}, TypeError, "sizes"),
        ({"sizes": [4, 3], "hidden": "softmax"}, ValueError, "hidden"),
        ({"sizes": [4, 3], "hidden": "swish"}, ValueError, "unknown activation"),
        ({"sizes": [4, 3], "cost": "hinge"}, ValueError, "unknown cost"),
        ({"sizes": [4, 3], "rng": None}, TypeError, "rng"),
        ({"sizes": [4, 3], "dtype": np.int64}, ValueError, "dtype"),
    ],
)
def test_constructor_errors(args, exc, match):
    with pytest.raises(exc, match=match):
        Network(**args)


def test_replaced_weights_are_checked():
    net = Network([4, 5, 3])
    net.weights[0] = np.zeros((5, 4))
    with pytest.raises(ValueError, match=r"weights\[0\]"):
        net.feedforward(np.zeros((1, 4)))
