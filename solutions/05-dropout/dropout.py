# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Chapter 05 · Dropout: training a crowd of thinned networks
#
# Averaging the predictions of many different models almost always beats any one of them.
# For neural networks that is expensive twice over: training many large networks takes long,
# and running them all on every new input is slow. **Dropout** gets most of the benefit for
# the price of one network: while training, it switches off a random half (say) of the hidden
# units on every example, so each step trains a different *thinned* network, and all of these
# networks share one set of weights. At test time the full network stands in for the average
# of all of them.
#
# **After this chapter you can**
#
# 1. write inverted dropout (forward and backward) with an explicit random generator, and say
#    what the keep probability `keep_prob` does in training and at test time;
# 2. derive the mean and the variance of a dropped-out unit, and explain why the kept units are
#    scaled by `1 / keep_prob`;
# 3. backpropagate through a two-layer network with a dropout mask on its hidden layer;
# 4. measure what dropout does to overfitting on real digits, and what goes wrong when dropout is
#    left on (or the rescaling forgotten) at test time;
# 5. compute the average of many thinned networks and compare it with the single full network.
#
# **How this notebook works.** Exercises are functions whose body says
# `raise NotImplementedError()`. Replace that line with your code and run the cell, then run the
# check cell below it: it tries your function on small cases you can verify by hand, then on
# harder ones, and prints one line per step, `✓` or `✗` with what it expected, what came back
# and a hint (ask `checks.hint("<exercise>")` for the next hint). The same checks, with inputs
# you do not see, grade your work. While a check runs, nnkit's own dropout functions are
# switched off: calling them scores zero. You may use `sigmoid` and `sigmoid_prime` from
# `nnkit.activations`, and your own earlier functions.
#
# **Notation.** A batch holds $N$ examples as the **rows** of an array; a hidden layer has $H$
# units, so its activations form an `(N, H)` array. The keep probability is `keep_prob` in code
# and $p_{\text{keep}}$ in formulas: each unit is **kept** with probability $p_{\text{keep}}$ and
# dropped with probability $1 - p_{\text{keep}}$. Randomness always comes from a
# `numpy.random.Generator` passed in as `rng`, never from numpy's global state, so every run of
# this notebook draws the same masks.
#
# About 90 minutes. No internet needed: the digits ship with the course's Python packages.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from nnkit import checks
from nnkit.activations import sigmoid, sigmoid_prime
from nnkit.data import load_mnist, load_mnist_5k, one_hot
from nnkit.gradcheck import numerical_gradient, rel_error
from nnkit.network import Network
from nnkit.widgets import dropout_explorer

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. One network, many thinned networks
#
# During training, every hidden unit is kept with probability $p_{\text{keep}}$ and otherwise
# removed, together with all its incoming and outgoing connections, for that one example. The
# units that survive form a **thinned network**. A fresh choice is made for every example of
# every mini-batch, independently for every unit.
#
# A hidden layer of $H$ units can be thinned in $2^H$ ways (each unit is in or out), so the
# network holds $2^H$ thinned networks. They are not separate models: they all use the same
# weights (a thinned network simply ignores the weights of its missing units), so the number
# of parameters does not grow at all. Training with dropout trains this whole family at
# once, each member very rarely, many members never.
#
# The network we train on digits later in this chapter has 784 inputs, 100 hidden units and
# 10 outputs:

# %% tags=["nbval-check-output"]
SIZES = [784, 100, 10]
H_REAL = SIZES[1]
n_params = sum(n_in * n_out + n_out for n_in, n_out in zip(SIZES[:-1], SIZES[1:]))
print(f"thinned networks: 2**{H_REAL} = {2 ** H_REAL:.3e}, all sharing {n_params:,} parameters")
print(f"with keep_prob = 0.5 a thinned network has on average {0.5 * H_REAL:.0f} of the {H_REAL} hidden units")

# %% [markdown]
# Here is one random draw for a layer of 12 units: `True` means kept. The generator `rng` is
# created once from a seed; every call to it continues the same stream of random numbers.

# %% tags=["nbval-check-output"]
rng = np.random.default_rng(0)
keep = rng.random(12) < 0.5
print("kept:", keep.astype(int), f"-> {keep.sum()} of 12 units kept in this draw")

# %% [markdown]
# ## 2. Inverted dropout
#
# Write $h$ for a hidden unit's activation and $r \sim \mathrm{Bernoulli}(p_{\text{keep}})$ for
# its random "kept" indicator (1 with probability $p_{\text{keep}}$, else 0).
#
# * **Direct dropout** (the original paper) passes $r\,h$ on during training. On average that
#   is $E[r\,h] = p_{\text{keep}}\,h$, less than the full network will give the next layer at
#   test time. So at test time the outgoing weights must be multiplied by $p_{\text{keep}}$.
# * **Inverted dropout** (what every library does) scales the kept units up *during training*:
#
#   $$\tilde h = \frac{r}{p_{\text{keep}}}\,h, \qquad E[\tilde h] = \frac{p_{\text{keep}}}{p_{\text{keep}}}\,h = h.$$
#
#   The next layer sees, on average, exactly the activation it will see at test time, so the
#   test-time network is the trained network, unchanged.
#
# The factor $m = r / p_{\text{keep}}$ (0 or $1/p_{\text{keep}}$) is the **mask**. Keep it: the
# backward pass needs the very same mask.
#
# **Exercise 1.** Write `dropout_forward`. It must draw its random numbers exactly as the
# docstring says (one call `rng.random(x.shape)`), so that the same generator state always gives
# the same mask, yours and the reference's alike. At test time (`train=False`) dropout does
# nothing and draws nothing.

# %% nbgrader={"grade": false, "grade_id": "dropout_forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def dropout_forward(x, keep_prob, rng, train=True):
    """Inverted dropout of a batch of activations.

    Parameters
    ----------
    x : ndarray, shape (N, H)
        Activations (any shape works).
    keep_prob : float in (0, 1]
        Probability of KEEPING each unit.
    rng : numpy.random.Generator
        The only source of randomness. Draw u = rng.random(x.shape) once (in training mode);
        an entry is kept where u < keep_prob.
    train : bool
        True: training mode. False: test time - return (x, None) and draw nothing.

    Returns
    -------
    out : ndarray, same shape as x
        The activations after dropout: dropped entries are 0, and kept entries are rescaled so
        that the expected value of out (over the random draw) equals x.
    mask : ndarray, same shape as x, or None
        The factor each entry of x was multiplied by (out = x * mask); None at test time.
        x itself is not modified.
    """
    ### BEGIN SOLUTION
    if not train:
        return x, None
    keep = rng.random(x.shape) < keep_prob
    mask = keep / keep_prob
    return x * mask, mask
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_dropout_forward", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that dropout_forward applies inverted dropout with the given generator."""
checks.dropout_forward(dropout_forward)
### BEGIN HIDDEN TESTS
checks.dropout_forward(dropout_forward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### The expected activation is preserved
#
# A Monte Carlo check of $E[\tilde h] = h$: take five units with activations $h$, stack 20,000
# copies of them as the rows of a batch (every row gets its own random mask) and average the
# rows after dropout. The last column is direct dropout, $r\,h$ without the rescaling, whose mean
# is $p_{\text{keep}}\,h$.

# %% tags=["uses-stubs", "nbval-check-output"]
KEEP = 0.5
N_DRAWS = 20_000
h_demo = np.array([[0.1, 0.3, 0.5, 0.8, 1.0]])
rng = np.random.default_rng(1)
out_mc, mask_mc = dropout_forward(np.repeat(h_demo, N_DRAWS, axis=0), KEEP, rng)
direct_mc = out_mc * KEEP        # r h: the same draws without the 1 / keep_prob
print(f"keep_prob = {KEEP}, {N_DRAWS:,} draws")
print("   h    mean of inverted   mean of direct   keep_prob * h")
for j in range(h_demo.shape[1]):
    print(f"{h_demo[0, j]:5.2f}  {out_mc[:, j].mean():16.4f}  {direct_mc[:, j].mean():15.4f}  {KEEP * h_demo[0, j]:14.4f}")

# %% [markdown]
# The inverted means agree with $h$ to within the Monte Carlo noise; the direct means are half
# of $h$. If you train with direct dropout and forget the test-time factor $p_{\text{keep}}$, the
# next layer receives at test time $1/p_{\text{keep}}$ times the input it was trained on
# (twice as much for $p_{\text{keep}} = 0.5$). Section 5 shows what that does to a real network.
#
# ### The spread
#
# The mean is right, but a single draw is far from it: $\tilde h$ is either 0 or
# $h / p_{\text{keep}}$. How noisy is it? That is the **variance** $\mathrm{Var}[\tilde h] =
# E[\tilde h^2] - (E[\tilde h])^2$.
#
# **Exercise 2.** Derive the variance of an inverted-dropout output from the two values
# $\tilde h$ can take and their probabilities, and write `dropout_variance`. (Hint for the
# derivation: $r^2 = r$ for a 0/1 variable.)

# %% nbgrader={"grade": false, "grade_id": "dropout_variance", "locked": false, "schema_version": 3, "solution": true, "task": false}
def dropout_variance(x, keep_prob):
    """Variance of the inverted-dropout output, entry by entry, over the random mask.

    Parameters
    ----------
    x : ndarray, any shape
        Activations before dropout (fixed numbers; only the mask is random).
    keep_prob : float in (0, 1]
        Probability of keeping each unit.

    Returns
    -------
    ndarray, same shape as x
        Var[out] for out = x * mask, mask as in dropout_forward (0 or 1 / keep_prob).
    """
    ### BEGIN SOLUTION
    return x ** 2 * (1 - keep_prob) / keep_prob
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_dropout_variance", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that dropout_variance returns the variance of an inverted-dropout output."""
checks.dropout_variance(dropout_variance)
### BEGIN HIDDEN TESTS
checks.dropout_variance(dropout_variance, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Your formula next to the variance of the 20,000 draws above, and how the noise grows as
# $p_{\text{keep}}$ shrinks (the standard deviation relative to $h$ is
# $\sqrt{(1 - p_{\text{keep}})/p_{\text{keep}}}$, the same for every unit):

# %% tags=["uses-stubs", "nbval-check-output"]
print("   h    sample variance   dropout_variance")
for j in range(h_demo.shape[1]):
    print(f"{h_demo[0, j]:5.2f}  {out_mc[:, j].var():15.4f}  {dropout_variance(h_demo, KEEP)[0, j]:17.4f}")
for kp in (0.9, 0.75, 0.5, 0.25, 0.1):
    ratio = np.sqrt(dropout_variance(np.ones(1), kp))[0]
    print(f"keep_prob = {kp:4.2f}: standard deviation = {ratio:.2f} x h")

# %% [markdown]
# With $p_{\text{keep}} = 0.5$ the noise is as large as the signal; with $p_{\text{keep}} = 0.1$
# it is three times larger. Dropout is a strong, deliberate source of noise: the network must
# learn to give the right answer whatever subset of its hidden units happens to be present.
#
# ## 3. The backward pass: the same mask
#
# $\tilde h = h \odot m$ is an elementwise product with a fixed (already drawn) mask, so by the
# chain rule
#
# $$\frac{\partial C}{\partial h} = \frac{\partial C}{\partial \tilde h} \odot m .$$
#
# A dropped unit ($m = 0$) gets no gradient: it took no part in this example, so nothing flows
# back through it, and the weights into it are not changed by this example. A kept unit's
# gradient is scaled by $1/p_{\text{keep}}$, exactly like its activation was.
#
# **Exercise 3.** Write `dropout_backward`, including the test-time case where
# `dropout_forward` returned no mask.

# %% nbgrader={"grade": false, "grade_id": "dropout_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def dropout_backward(dout, mask):
    """Backward pass of dropout_forward.

    Parameters
    ----------
    dout : ndarray, shape (N, H)
        Upstream gradient dC/d(out), same shape as the forward input x.
    mask : ndarray, shape (N, H), or None
        The mask dropout_forward returned (None: it ran at test time).

    Returns
    -------
    ndarray, shape (N, H)
        dC/dx.
    """
    ### BEGIN SOLUTION
    if mask is None:
        return dout
    return dout * mask
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_dropout_backward", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check that dropout_backward passes the gradient through the same mask."""
checks.dropout_backward(dropout_backward)
### BEGIN HIDDEN TESTS
checks.dropout_backward(dropout_backward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# A gradient check with `nnkit.gradcheck`: for a fixed mask, $f(x) = \sum (\text{out} \odot g)$ with
# a random upstream gradient $g$ has the gradient `dropout_backward(g, mask)`. We draw the mask
# once and then *re-use* it: a new mask on every evaluation of $f$ would make the finite
# differences meaningless.

# %% tags=["uses-stubs", "nbval-check-output"]
rng = np.random.default_rng(2)
x_gc = rng.normal(size=(4, 6))
g_gc = rng.normal(size=(4, 6))
_, mask_gc = dropout_forward(x_gc, 0.6, rng)
numeric = numerical_gradient(lambda v: np.sum(v * mask_gc * g_gc), x_gc)
print(f"relative error of dropout_backward: {rel_error(dropout_backward(g_gc, mask_gc), numeric):.1e} (should be < 1e-7)")

# %% [markdown]
# ## 4. Backpropagation through a network with dropout
#
# Now a whole network: sigmoid hidden units with dropout on them, sigmoid outputs and the
# cross-entropy cost of chapter 01 (the network nnkit trains below). For a batch `X` (N, D), targets `Y`
# (N, C), weights `W1` (D, H), `W2` (H, C) and biases `b1` (H,), `b2` (C,):
#
# $$Z_1 = X W_1 + b_1,\quad h = \sigma(Z_1),\quad \tilde h = h \odot m,\quad
#   Z_2 = \tilde h W_2 + b_2,\quad a = \sigma(Z_2),$$
#
# $$C = -\frac1N \sum_{x} \sum_j \big[y_j \ln a_j + (1 - y_j)\ln(1 - a_j)\big].$$
#
# The mask `m` (N, H) is given: one row per example, as `dropout_forward` makes it. Work out the
# backward pass yourself, layer by layer, from the output error $\partial C_x / \partial Z_2 = a - y$
# (chapter 01). Remember that the cost is the **mean** over the batch.
#
# **Exercise 4.** Write `dropout_gradients`: the cost and the gradients of the cost with respect to
# all four parameters, for a fixed mask.

# %% nbgrader={"grade": false, "grade_id": "dropout_gradients", "locked": false, "schema_version": 3, "solution": true, "task": false}
def dropout_gradients(X, Y, W1, b1, W2, b2, mask):
    """Cost and gradients of a sigmoid network with dropout on its hidden layer, for a fixed mask.

    Parameters
    ----------
    X : ndarray, shape (N, D)
        Inputs, one example per row.
    Y : ndarray, shape (N, C)
        Targets in [0, 1].
    W1 : ndarray, shape (D, H)
    b1 : ndarray, shape (H,)
    W2 : ndarray, shape (H, C)
    b2 : ndarray, shape (C,)
    mask : ndarray, shape (N, H)
        Dropout mask of the hidden layer (0 or 1 / keep_prob), as dropout_forward returns it.

    Returns
    -------
    cost : float
        Binary cross-entropy of the sigmoid outputs, summed over the C outputs and averaged
        over the N examples.
    grads : tuple (dW1, db1, dW2, db2)
        Gradients of cost, with the shapes of W1, b1, W2, b2.
    """
    ### BEGIN SOLUTION
    n = X.shape[0]
    h = sigmoid(X @ W1 + b1)
    h_tilde = h * mask
    a = sigmoid(h_tilde @ W2 + b2)
    cost = -np.sum(Y * np.log(a) + (1 - Y) * np.log(1 - a)) / n
    d2 = (a - Y) / n                                   # dC/dZ2 of the mean cost
    dW2 = h_tilde.T @ d2
    db2 = d2.sum(axis=0)
    d1 = dropout_backward(d2 @ W2.T, mask) * h * (1 - h)   # dC/dZ1
    dW1 = X.T @ d1
    db1 = d1.sum(axis=0)
    return float(cost), (dW1, db1, dW2, db2)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_dropout_gradients", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Check that dropout_gradients returns the cost and all four gradients for a fixed mask."""
checks.dropout_gradients(dropout_gradients)
### BEGIN HIDDEN TESTS
checks.dropout_gradients(dropout_gradients, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# The gradient check of every parameter, with one mask drawn by your `dropout_forward` and held
# fixed, and the rows of the weights into the dropped units:

# %% tags=["uses-stubs", "nbval-check-output"]
rng = np.random.default_rng(3)
N_gc, D_gc, H_gc, C_gc = 2, 4, 6, 3
X_gc = rng.normal(size=(N_gc, D_gc))
Y_gc = one_hot(rng.integers(0, C_gc, N_gc), C_gc)
params = [rng.normal(size=(D_gc, H_gc)), rng.normal(size=H_gc), rng.normal(size=(H_gc, C_gc)), rng.normal(size=C_gc)]
_, mask_net = dropout_forward(np.ones((N_gc, H_gc)), 0.5, rng)
cost_gc, grads_gc = dropout_gradients(X_gc, Y_gc, *params, mask_net)
print(f"cost {cost_gc:.4f}")
for i, name in enumerate(["W1", "b1", "W2", "b2"]):
    def cost_of(v, i=i):
        trial = list(params)
        trial[i] = v
        return dropout_gradients(X_gc, Y_gc, *trial, mask_net)[0]
    print(f"d cost / d {name}: relative error {rel_error(grads_gc[i], numerical_gradient(cost_of, params[i])):.1e}")
dropped_everywhere = np.flatnonzero(mask_net.sum(axis=0) == 0)
print(f"hidden units dropped for every example of this batch: {dropped_everywhere}; "
      f"their columns of dW1: largest |entry| = {np.abs(grads_gc[0][:, dropped_everywhere]).max(initial=0.0):.1f}")

# %% [markdown]
# ## 5. Real digits: does dropout reduce overfitting?
#
# The book's setting for overfitting: only **1,000 training digits**, many epochs. We train the 784-100-10 sigmoid network (cross-entropy, $\eta = 0.5$, mini-batches of
# 10) from the same starting weights with several keep probabilities, and once with dropout
# and L2 weight decay together ($\lambda = 0.1$, the book's value for this setting), and
# watch the accuracy on 1,000 validation digits after every epoch.
#
# The book (chapter 3 of Nielsen's *Neural Networks and Deep Learning*) trains a 784-30-10
# network on the first 1,000 full-MNIST training images for 400 epochs: the training accuracy
# reaches 100% by epoch ~67 while the test accuracy stalls near 82% (peak 82.27%); L2
# regularization with $\lambda = 0.1$ lifts the peak to about 87.1%. For dropout the book quotes
# the original paper on full MNIST: the best result with such a plain feedforward network had
# been 98.4%, and dropout together with a modified L2 regularization reached 98.7%. Our 5,000
# digits give validation digits that are easier than the book's test set, so our accuracies
# are higher; what we compare is the effect of dropout, not the absolute numbers.

# %% tags=["nbval-check-output"]
digits = load_mnist_5k(rng=0)
X_small, Y_small = digits.X_train[:1000], one_hot(digits.y_train[:1000])
X_val, Y_val = digits.X_val, one_hot(digits.y_val)
print(f"training digits {X_small.shape}, per class {np.bincount(digits.y_train[:1000]).min()} to "
      f"{np.bincount(digits.y_train[:1000]).max()}; validation digits {X_val.shape}")

# %%
EPOCHS, ETA, BATCH = 40, 0.5, 10
RUNS = {  # label -> (keep_prob, lmbda)
    "no dropout": (1.0, 0.0),
    "keep_prob 0.5": (0.5, 0.0),
    "keep_prob 0.25": (0.25, 0.0),
    "keep_prob 0.5 + L2": (0.5, 0.1),
}
nets, histories = {}, {}
for label, (keep_prob, lmbda) in RUNS.items():
    nets[label] = Network(SIZES, rng=1)
    histories[label] = nets[label].fit(X_small, Y_small, epochs=EPOCHS, batch_size=BATCH, eta=ETA,
                                       keep_prob=keep_prob, lmbda=lmbda, validation=(X_val, Y_val),
                                       progress=True)

# %% tags=["nbval-check-output"]
print(f"{EPOCHS} epochs on 1,000 training digits; validation: 1,000 other digits")
print("run                  training acc   best val acc (epoch)   val acc, last 10 epochs   lowest val cost   "
      "val cost - training cost")
for label, h in histories.items():
    print(f"{label:20s} {h.train_accuracy[-1]:12.1%}   {h.best_validation_accuracy:12.1%} ({h.best_epoch + 1:2d})"
          f"   {np.mean(h.validation_accuracy[-10:]):23.1%}   {min(h.validation_cost):15.3f}   "
          f"{h.validation_cost[-1] - h.train_cost[-1]:24.3f}")
print(f"noise of an accuracy measured on 1,000 digits: about +-{np.sqrt(0.9 * 0.1 / 1000):.1%} (one standard error at 90%)")

# %%
COLORS = {"no dropout": "tab:red", "keep_prob 0.5": "tab:blue",
          "keep_prob 0.25": "tab:purple", "keep_prob 0.5 + L2": "tab:green"}
epochs_axis = np.arange(1, EPOCHS + 1)
fig, (ax_acc, ax_cost) = plt.subplots(1, 2, figsize=(11, 3.8))
for label in ("no dropout", "keep_prob 0.5"):
    h = histories[label]
    ax_acc.plot(epochs_axis, h.train_accuracy, ls="--", color=COLORS[label], label=f"{label}: training")
    ax_acc.plot(epochs_axis, h.validation_accuracy, color=COLORS[label], label=f"{label}: validation")
for label, h in histories.items():
    ax_cost.plot(epochs_axis, h.validation_cost, color=COLORS[label], label=label)
ax_acc.set(xlabel="epoch", ylabel="accuracy", ylim=(0.8, 1.005), title="1,000 training digits")
ax_cost.set(xlabel="epoch", ylabel="validation cost", ylim=(0.6, 1.3), title="validation cost (lower is better)")
ax_acc.legend(fontsize=8, loc="lower right")
ax_cost.legend(fontsize=8, loc="upper left")
fig.tight_layout()
plt.show()

# %% [markdown]
# Without dropout the network memorizes its 1,000 digits (the training accuracy reaches 100%)
# and the validation cost turns upward after its minimum: the network grows ever more confident
# about digits it has not seen, including the ones it gets wrong. That is overfitting; the last
# column of the table measures it as the distance between the validation cost and the training
# cost (for the L2 run both costs include the weight penalty). With dropout that distance is smaller, the lowest validation cost is lower and the best
# validation accuracy is a little higher. The accuracy differences are small, of the order of the
# noise of a 1,000-digit measurement (printed under the table), much like the paper's 98.4% to
# 98.7% on full MNIST; the costs show the effect more clearly. Very strong dropout
# ($p_{\text{keep}} = 0.25$) regularizes most but learns more slowly. Adding L2 to dropout
# changes little in these 40 epochs; the two attack overfitting differently (noise in the
# units, a pull on the weights), and large networks often use both.
#
# Dropout helps most where overfitting is worst: **large networks trained on little data**. It is
# a regularizer, so on a small network with plenty of data it mostly slows training down.
#
# **At full scale.** With the full MNIST files (see `nnkit.data.load_mnist`), set `FULL_MNIST` to
# their path to run the book's setting (784-30-10, the first 1,000 training images, 400 epochs,
# test set as validation) with and without dropout; it takes a few minutes.

# %%
FULL_MNIST = None  # e.g. "~/data/mnist.pkl.gz" (the book's file) or a folder with the four IDX files
if FULL_MNIST:
    full = load_mnist(FULL_MNIST)
    for keep_prob in (1.0, 0.5):
        h = Network([784, 30, 10], rng=1).fit(
            full.X_train[:1000], one_hot(full.y_train[:1000]), epochs=400, batch_size=10, eta=0.5,
            keep_prob=keep_prob, validation=(full.X_test, one_hot(full.y_test)), progress=True)
        print(f"keep_prob {keep_prob}: peak test accuracy {h.best_validation_accuracy:.2%} "
              f"(epoch {h.best_epoch + 1}), final training accuracy {h.train_accuracy[-1]:.2%}")

# %% [markdown]
# ## 6. Train mode and test mode
#
# Inverted dropout belongs to training only. Take the network trained with $p_{\text{keep}} = 0.5$
# and compute its validation accuracy three ways, with your `dropout_forward` on its hidden
# layer:
#
# * **test mode** (`train=False`): the full network, as it should be used;
# * **dropout left on** (`train=True`): every prediction comes from a random thinned network, so
#   the answers are noisy and change from run to run (five runs below);
# * **rescaling forgotten**: as if it had been trained with direct dropout and evaluated without
#   the factor $p_{\text{keep}}$: the hidden layer hands the output layer $1/p_{\text{keep}}$ times
#   what it was trained with.

# %%
net05 = nets["keep_prob 0.5"]
W1, W2 = net05.weights
b1, b2 = net05.biases
h_val = sigmoid(X_val @ W1 + b1)   # hidden activations of the validation digits, shape (1000, 100)


def accuracy_and_cost(h_tilde):
    """Validation accuracy and cross-entropy of the output layer fed with hidden activations h_tilde."""
    a = sigmoid(h_tilde @ W2 + b2)
    ce = -np.sum(Y_val * np.log(a) + (1 - Y_val) * np.log(1 - a)) / len(a)
    return np.mean(a.argmax(axis=1) == digits.y_val), ce


# %% tags=["uses-stubs", "nbval-check-output"]
rng = np.random.default_rng(4)
acc_test, ce_test = accuracy_and_cost(dropout_forward(h_val, 0.5, rng, train=False)[0])
runs_on = [accuracy_and_cost(dropout_forward(h_val, 0.5, rng, train=True)[0]) for _ in range(5)]
acc_forgot, ce_forgot = accuracy_and_cost(h_val / 0.5)
print(f"test mode:          accuracy {acc_test:.1%}, cost {ce_test:.3f}  (Network.accuracy says {net05.accuracy(X_val, digits.y_val):.1%})")
print(f"dropout left on:    accuracy " + ", ".join(f"{acc:.1%}" for acc, _ in runs_on)
      + f"; cost about {np.mean([ce for _, ce in runs_on]):.3f}")
print(f"scaling forgotten:  accuracy {acc_forgot:.1%}, cost {ce_forgot:.3f}")

# %% [markdown]
# Leaving dropout on costs accuracy and makes the same digit get different answers on different
# runs: evaluating a model in training mode is a classic bug (libraries have an explicit
# `train` / `eval` switch for this reason). Forgetting the rescaling shifts every input of the
# output layer. In this one-hidden-layer network the largest output still mostly points at the
# right digit, so the accuracy hardly moves, but the cost shows that the output values are now
# far off: the network is confidently wrong about its own certainty. In a deeper network the
# error compounds from layer to layer and the predictions themselves break down.
#
# ## 7. The ensemble view, made concrete
#
# The test-mode network is a cheap stand-in for the average of the thinned networks. We can
# also compute that average the honest, expensive way: sample $K$ thinned networks (one mask
# per *network*, shared by all examples), run each on every validation digit and average their
# outputs.
#
# **Exercise 5.** Write `thinned_ensemble_average`. Each row of `masks` defines one thinned
# network. Compose it from what you know; a loop over the $K$ networks is fine.

# %% nbgrader={"grade": false, "grade_id": "thinned_ensemble_average", "locked": false, "schema_version": 3, "solution": true, "task": false}
def thinned_ensemble_average(X, W1, b1, W2, b2, masks):
    """Average output of K thinned networks of a sigmoid 2-layer network.

    Parameters
    ----------
    X : ndarray, shape (N, D)
    W1 : ndarray, shape (D, H)
    b1 : ndarray, shape (H,)
    W2 : ndarray, shape (H, C)
    b2 : ndarray, shape (C,)
    masks : ndarray, shape (K, H)
        Row k is the dropout mask (0 or 1 / keep_prob) of thinned network k; it applies to the
        hidden layer for every example.

    Returns
    -------
    ndarray, shape (N, C)
        The sigmoid outputs of the K thinned networks, averaged over the K networks.
    """
    ### BEGIN SOLUTION
    h = sigmoid(X @ W1 + b1)
    total = np.zeros((X.shape[0], W2.shape[1]))
    for m in masks:
        total += sigmoid((h * m) @ W2 + b2)
    return total / len(masks)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_thinned_ensemble_average", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that thinned_ensemble_average averages the outputs of the thinned networks."""
checks.thinned_ensemble_average(thinned_ensemble_average)
### BEGIN HIDDEN TESTS
checks.thinned_ensemble_average(thinned_ensemble_average, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Ensembles of $K$ thinned networks of the $p_{\text{keep}} = 0.5$ network, their masks drawn by
# your `dropout_forward`, against the single full network:

# %% tags=["uses-stubs", "nbval-check-output"]
rng = np.random.default_rng(5)
single = net05.feedforward(X_val)
_, masks_all = dropout_forward(np.ones((100, H_REAL)), 0.5, rng)
print(f"single full network: accuracy {np.mean(single.argmax(axis=1) == digits.y_val):.1%}")
for K in (1, 3, 10, 30, 100):
    ens = thinned_ensemble_average(X_val, W1, b1, W2, b2, masks_all[:K])
    print(f"average of {K:3d} thinned networks: accuracy {np.mean(ens.argmax(axis=1) == digits.y_val):.1%}, "
          f"mean |output - full network's| = {np.mean(np.abs(ens - single)):.4f}")

# %% [markdown]
# One thinned network is worse than the full network; averaging a few of them closes the gap,
# and from about ten networks on the ensemble is as good as the single full network, which costs
# one forward pass instead of ten or a hundred. The outputs of the two never become identical:
# the difference stops shrinking, because what is left is not sampling noise but the gap
# between an average of sigmoids and the sigmoid of an average, the price of the cheap
# approximation. That is the promise of dropout: model combination without training or running
# many models.
#
# ## 8. Explore
#
# The explorer below: a small network with its dropped units greyed out for a sampled mask
# (**sample again** draws a new one), the training and validation accuracy of the runs of
# section 5 for the chosen `keep_prob`, and the distribution of one hidden unit's activation over
# the validation digits in test mode and in training mode. As soon as your `dropout_forward`
# works, the training-mode distribution is also drawn with **your** function (dashed).
#
# Things to try: how does the spike at 0 grow as `keep_prob` falls, and what happens to the
# rest of the distribution? Why do the two means stay equal? Which keep probability gives the
# best validation curve?

# %%
unit = int(np.argmax(h_val.std(axis=0)))  # the hidden unit whose activation varies most
dropout_explorer(histories={RUNS[label][0]: histories[label] for label in RUNS if RUNS[label][1] == 0},
                 unit_values=h_val[:, unit])

# %% [markdown]
# ## 9. Why does dropout work?
#
# Two explanations are usually given. The **ensemble** one you have just measured. The other is
# about **co-adaptation**: in a network trained without dropout, a hidden unit can become useful
# only in combination with a few particular other units, each correcting the others' mistakes
# on the training data. Such conspiracies fit the training set well and generalize badly.
#
# **Question (written, graded by hand).** In a few sentences: why does dropout reduce the
# co-adaptation of hidden units? Refer to what a unit can and cannot rely on during training,
# and connect your answer to one number printed in this notebook.

# %% [markdown] nbgrader={"grade": true, "grade_id": "why_dropout_reduces_coadaptation", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# With dropout every other hidden unit is absent with probability $1 - p_{\text{keep}}$ on each
# example, independently, so a unit cannot count on any particular partner being present to
# fix its mistakes: a feature that is only useful together with specific other units is
# useless most of the time and gets no consistent gradient. Each unit is pushed to detect
# something that helps the output on its own, in many different company, which is a feature
# that is more robust and generalizes better. (Equivalently: the weights must work for
# exponentially many thinned networks at once, so no fine-tuned combination survives.)
#
# Rubric (2 points): 1 point for the mechanism (partners are randomly absent, so a unit cannot
# rely on specific other units / must be useful on its own); 1 point for linking it to a printed
# number, e.g. the lower validation cost or higher best validation accuracy with dropout in
# section 5 (less overfitting), or the noise as large as the signal at keep_prob = 0.5 in
# section 2. Half a point if the answer only restates "dropout prevents overfitting" without
# the mechanism.
# ### END SOLUTION

# %% [markdown]
# ## Summary
#
# * Dropout keeps each hidden unit with probability $p_{\text{keep}}$ on each training example;
#   every step trains one of $2^H$ thinned networks that share the same weights.
# * **Inverted dropout** scales the kept units by $1/p_{\text{keep}}$, so the expected activation is
#   unchanged, $E[\tilde h] = h$, and the test-time network needs no change. Its variance is
#   $h^2 (1 - p_{\text{keep}}) / p_{\text{keep}}$: a lot of noise on purpose.
# * The backward pass multiplies by the **same mask**: dropped units get no gradient.
# * Dropout is for training only: left on at test time it makes predictions noisy and worse.
# * The full network approximates the average of many thinned networks, which is why dropout
#   reduces overfitting at the cost of a single network; it helps most for large networks and
#   little data.
#
# Your progress in this chapter:

# %%
checks.summary("05-dropout")
