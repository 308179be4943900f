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
# # Chapter 04 · Overfitting and regularization
#
# A network with about 24,000 weights (section 1 prints the exact count) can memorise 1,000 training
# images. It then scores perfectly on
# them and noticeably worse on images it has not seen: it has **overfitted**. This chapter shows
# overfitting on real digits, then four cures: penalising large weights (**L2** and **L1**
# regularization), stopping at the right time (**early stopping**), and **more data**, real or
# made by shifting the images we have.
#
# **After this chapter you can**
#
# 1. recognise overfitting in training and validation curves, and say why hyper-parameters are
#    chosen on validation data, never on test data;
# 2. write the L2 and L1 penalties, derive their gradients and the SGD steps they lead to
#    (weight decay), and explain why the biases are left out;
# 3. explain why L1 makes many weights exactly (or nearly) zero and L2 does not;
# 4. write an early-stopping rule with a patience;
# 5. expand a training set by shifting its images, and measure what that buys.
#
# **How this notebook works.** Exercises are functions whose body says `raise NotImplementedError()`.
# Replace that line with your code and run the cell, then run the check cell below it: it tries
# your function on harder and harder inputs and prints one line per step, `✓` or `✗` with what
# was expected, what came back and a hint (run the check again, or `checks.hint("<name>")`, for
# more help). The check cells are also how the notebook is graded, with more inputs you do not
# see. Inside a check the nnkit reference implementations of what you write here (the penalties
# and update rules of `nnkit.regularization`, `nnkit.data.shift_images` and the early-stopping
# rule) are switched off: calling them scores zero, so write them yourself with numpy.
#
# **Notation** (as in chapter 3 of Nielsen's *Neural Networks and Deep Learning*, which this
# chapter follows). $n$ is the number of **training** examples, $m$ the mini-batch size, $\eta$
# the learning rate and $\lambda$ the regularization parameter. $C_0$ is the usual cost (here the
# cross-entropy, averaged over the examples); $w$ runs over all the **weights** of the network.
# A network's weights are a list of matrices, `weights[l]` of shape `(n_in, n_out)`, and its biases
# a list of vectors, `biases[l]` of shape `(n_out,)`.

# %%
# %matplotlib inline
import time

import matplotlib.pyplot as plt
import numpy as np
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from nnkit import checks
from nnkit.data import load_mnist, load_mnist_5k
from nnkit.network import Network
from nnkit.widgets import regularization_explorer
from nnkit.widgets.ch04_regularization import Run

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Overfitting, seen
#
# The book's experiment: a 784-30-10 network of sigmoid neurons (784 pixels in, 30 hidden
# neurons, 10 outputs), cross-entropy cost, $\eta = 0.5$, mini-batches of $m = 10$, weights
# started from the standard normal distribution $N(0, 1)$, trained on only **1,000** training
# images for 400 epochs. We do the same on 1,000 of the offline MNIST digits that ship with
# nnkit, and watch a second set of 1,000 digits, the **validation set**, that the network never
# trains on.
#
# To fit this notebook's time budget we train for fewer epochs than the book (the next cell prints
# how many); everything else is the book's setting. The next cell also trains *all* the networks
# the chapter looks at (the same network with different penalties) in one go, with a progress
# bar, and prints how long that took; the sections below then read the results.

# %% tags=["nbval-check-output"]
digits = load_mnist_5k(rng=0)
N_TRAIN = 1000
X_small, y_small = digits.X_train[:N_TRAIN], digits.y_train[:N_TRAIN]
Y_small = digits.Y_train[:N_TRAIN]
validation = (digits.X_val, digits.Y_val)
counts = np.bincount(y_small, minlength=10)
print(f"training images {X_small.shape}, each digit {counts.min()} to {counts.max()} times; "
      f"validation images {digits.X_val.shape}; test images {digits.X_test.shape}")

SETTINGS = dict(batch_size=10, eta=0.5)    # the book's mini-batch size and learning rate
EPOCHS, BOOK_EPOCHS = 60, 400
n_weights = sum(n_in * n_out for n_in, n_out in zip([784, 30], [30, 10]))
print(f"784-30-10 network: {n_weights:,} weights and {30 + 10} biases; mini-batch size "
      f"{SETTINGS['batch_size']}, eta = {SETTINGS['eta']}; epochs: {EPOCHS} here, {BOOK_EPOCHS} in the book")


def train(X, Y, epochs=EPOCHS, lmbda=0.0, l1=0.0, seed=1, **fit_options):
    """A fresh 784-30-10 network with N(0, 1) weights, trained with the book's settings."""
    net = Network([784, 30, 10], cost="cross_entropy", init="large_normal", rng=seed)
    with threadpool_limits(1, user_api="blas"):   # mini-batches of 10 are faster on one core
        history = net.fit(X, Y, epochs=epochs, lmbda=lmbda, l1=l1, validation=validation, progress=False,
                          **SETTINGS, **fit_options)
    return net, history


GRID = [("L2", 0.0), ("L2", 0.1), ("L2", 1.0), ("L2", 5.0), ("L1", 0.5)]
nets, runs = {}, {}
start = time.perf_counter()
for penalty, lmbda in tqdm(GRID, desc="training the chapter's networks"):
    net, history = train(X_small, Y_small, **({"lmbda": lmbda} if penalty == "L2" else {"l1": lmbda}))
    nets[penalty, lmbda] = net
    runs[penalty, lmbda] = Run.from_fit(penalty, lmbda, net, history, eta=SETTINGS["eta"], n=N_TRAIN,
                                        batch_size=SETTINGS["batch_size"])

# %%
print(f"trained {len(GRID)} networks for {EPOCHS} epochs each in {time.perf_counter() - start:.1f} s")

# %% [markdown]
# First the network without any penalty. The table prints the cost and the accuracy on the
# training images and on the validation images at a few epochs.

# %% tags=["nbval-check-output"]
plain = runs["L2", 0.0]


def first_epoch(mask):
    """1-based number of the first epoch where `mask` is true (None if never)."""
    hits = np.flatnonzero(mask)
    return int(hits[0]) + 1 if hits.size else None


print("epoch   train cost  validation cost   train acc  validation acc")
for e in (1, 5, 10, 20, 40, EPOCHS):
    print(f"{e:5d}   {plain.train_cost[e - 1]:10.3f}  {plain.validation_cost[e - 1]:15.3f}   "
          f"{plain.train_accuracy[e - 1]:9.1%}  {plain.validation_accuracy[e - 1]:14.1%}")
best_val_cost_epoch = int(np.argmin(plain.validation_cost)) + 1
print(f"training accuracy first reaches 100% at epoch {first_epoch(plain.train_accuracy >= 1.0)}")
print(f"validation cost is lowest at epoch {best_val_cost_epoch} ({plain.validation_cost.min():.3f}) "
      f"and then RISES to {plain.validation_cost[-1]:.3f}, while the training cost falls from "
      f"{plain.train_cost[best_val_cost_epoch - 1]:.3f} to {plain.train_cost[-1]:.3f}")
print(f"validation accuracy: best {plain.validation_accuracy.max():.1%} "
      f"(epoch {int(np.argmax(plain.validation_accuracy)) + 1}), final {plain.validation_accuracy[-1]:.1%}")

# %%
fig, (ax_cost, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.4))
epochs = np.arange(1, EPOCHS + 1)
ax_cost.plot(epochs, plain.train_cost, color="tab:blue", label="training")
ax_cost.plot(epochs, plain.validation_cost, color="tab:orange", label="validation")
ax_cost.axvline(best_val_cost_epoch, color="0.6", ls=":", lw=1)
ax_cost.set(xlabel="epoch", ylabel="cross-entropy cost", title="cost: validation turns up, training keeps falling",
            yscale="log")
ax_acc.plot(epochs, plain.train_accuracy, color="tab:blue", label="training")
ax_acc.plot(epochs, plain.validation_accuracy, color="tab:orange", label="validation")
ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy: 100% on training data, stalled on new data",
           ylim=(0.6, 1.01))
ax_acc.legend(loc="lower right")
plt.show()

# %% [markdown]
# This is the book's picture. The training cost keeps falling epoch after epoch, and the training
# accuracy reaches 100% (the cell above prints when). On the validation images the cost stops
# improving early and then *rises*, and the accuracy stalls: everything the network learns after
# that point is about the 1,000 training images in particular (their quirks, the strokes of the
# people who wrote them), not about digits in general. That is overfitting.
#
# **The book's numbers** (full MNIST images, test data, 400 epochs): the test accuracy stalls near
# 82% (best 82.27%) while the training accuracy reaches 100% by epoch ~67, and the test cost turns
# up after about 15 epochs. Our offline digits are a bit easier (the numbers above are ours), but
# the shape is the same. With all 50,000 training images the same network reaches 95.49% in 30
# epochs: plenty of data is the first cure for overfitting.
#
# If you have the full MNIST files, the next cell reproduces the book's run at full scale: set
# `MNIST_PATH` to the book's `mnist.pkl.gz` or to a folder holding the four IDX files (it takes
# a few minutes, so it is off by default).

# %%
MNIST_PATH = None  # e.g. "~/data/mnist.pkl.gz"
if MNIST_PATH is not None:
    full = load_mnist(MNIST_PATH)
    for lmbda in (0.0, 0.1):
        net = Network([784, 30, 10], cost="cross_entropy", init="large_normal", rng=1)
        hist = net.fit(full.X_train[:1000], full.Y_train[:1000], epochs=400, batch_size=10, eta=0.5, lmbda=lmbda,
                       validation=(full.X_test, full.Y_test))
        print(f"lambda = {lmbda}: best test accuracy {max(hist.validation_accuracy):.2%} "
              f"(the book: {'82.27%' if lmbda == 0 else 'about 87.1%'})")

# %% [markdown]
# ## 2. Validation data, bias and variance
#
# We split the digits three ways: the network **trains** on the training set; we choose
# everything else (how many epochs, which $\lambda$, which architecture) by looking at the
# **validation** set; and we look at the **test** set once, at the very end, to report how good
# the final choice is. If we chose $\lambda$ by its test accuracy, the test set would become part
# of training: with enough tries we would find settings that happen to suit those particular
# 1,000 test images, and the reported accuracy would be optimistic. (The book calls the
# validation set "hold out" data.)
#
# Two ways to be wrong:
#
# * **high bias** (underfitting): the model is too simple or too constrained, and it is wrong on
#   the training data too; training and validation accuracy are both low and close together;
# * **high variance** (overfitting): the model fits the training data too well; training accuracy
#   is far above validation accuracy. The size of that **gap** is the symptom to watch.

# %% tags=["nbval-check-output"]
print(f"no penalty, after {EPOCHS} epochs: training {plain.train_accuracy[-1]:.1%}, "
      f"validation {plain.validation_accuracy[-1]:.1%}, gap {100 * plain.gap:.1f} percentage points")

# %% [markdown]
# ## 3. L2 regularization (weight decay)
#
# L2 regularization adds a penalty on the size of the weights to the cost:
#
# $$C = C_0 + \frac{\lambda}{2n} \sum_w w^2 ,$$
#
# where the sum runs over **every weight of every layer** and $n$ is the size of the training set.
# The biases are not in the sum: a bias only shifts a neuron's input, and a large bias does not make
# the network sensitive to small changes of the input the way large weights do. With $\lambda$
# large the network prefers small weights; with $\lambda$ small it prefers to make $C_0$ small.
#
# **Exercise 1.** Write `l2_penalty_and_grad(weights, lmbda, n)`: the penalty term for a whole
# network and its gradient with respect to each weight matrix. Derive the gradient yourself (one
# term of the sum at a time); the check compares it with finite differences of your penalty.

# %% nbgrader={"grade": false, "grade_id": "l2_penalty_and_grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
def l2_penalty_and_grad(weights, lmbda, n):
    """The L2 penalty (lambda / 2n) sum_w w^2 of a network, and its gradient.

    Parameters
    ----------
    weights : list of ndarray
        The weight matrices of every layer, weights[l] of shape (n_in, n_out); biases are not
        passed (they are not penalised).
    lmbda : float >= 0
        Regularization parameter.
    n : int
        Size of the training set.

    Returns
    -------
    penalty : float
        One number for the whole network.
    grads : list of ndarray
        grads[l] is the gradient of the penalty with respect to weights[l] (same shape).
        New arrays; the inputs are not modified.
    """
    ### BEGIN SOLUTION
    penalty = lmbda / (2 * n) * sum(float(np.sum(W ** 2)) for W in weights)
    grads = [lmbda / n * W for W in weights]
    return penalty, grads
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_l2_penalty_and_grad", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that l2_penalty_and_grad returns (lambda/2n) sum w^2 over every layer and its gradients."""
checks.l2_penalty_and_grad(l2_penalty_and_grad)
### BEGIN HIDDEN TESTS
checks.l2_penalty_and_grad(l2_penalty_and_grad, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### The update rule
#
# Gradient descent now follows the gradient of the whole cost $C = C_0 + \text{penalty}$. The
# mini-batch gives us $\partial C_0 / \partial w$ (the average over the batch, as in every chapter
# so far); the penalty's gradient you have just derived.
#
# **Exercise 2.** Write `weight_decay_step`: one SGD step on the L2-regularised cost for a whole
# network, given the gradients of $C_0$. Before you code it, work out on paper what the step does to
# a weight when $\partial C_0/\partial w = 0$: that is where the name "weight decay" comes from.

# %% nbgrader={"grade": false, "grade_id": "weight_decay_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def weight_decay_step(weights, biases, grads_W, grads_b, eta, lmbda, n):
    """One gradient-descent step on the L2-regularised cost C = C0 + (lambda / 2n) sum_w w^2.

    Parameters
    ----------
    weights, biases : list of ndarray
        weights[l] of shape (n_in, n_out), biases[l] of shape (n_out,).
    grads_W, grads_b : list of ndarray
        Gradients of the UNregularised cost C0 (mean over the mini-batch), shaped like
        weights and biases.
    eta : float
        Learning rate.
    lmbda : float >= 0
        Regularization parameter.
    n : int
        Size of the whole training set (not of the mini-batch).

    Returns
    -------
    (new_weights, new_biases) : tuple of two lists of ndarray
        The parameters after the step, as new arrays (the inputs are not modified).
    """
    ### BEGIN SOLUTION
    decay = 1.0 - eta * lmbda / n
    new_weights = [decay * W - eta * gW for W, gW in zip(weights, grads_W)]
    new_biases = [b - eta * gb for b, gb in zip(biases, grads_b)]
    return new_weights, new_biases
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_weight_decay_step", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that weight_decay_step takes one SGD step on the L2-regularised cost (biases not decayed)."""
checks.weight_decay_step(weight_decay_step)
### BEGIN HIDDEN TESTS
checks.weight_decay_step(weight_decay_step, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Rearranged, your step is
#
# $$w \;\rightarrow\; \Big(1 - \frac{\eta\lambda}{n}\Big)\, w \;-\; \eta\, \frac{\partial C_0}{\partial w},
#   \qquad b \;\rightarrow\; b - \eta\, \frac{\partial C_0}{\partial b}:$$
#
# before the usual step, every weight is multiplied by the same factor $1 - \eta\lambda/n$, a
# little less than 1. Is your function the same as a plain gradient step on the regularised cost
# as the nnkit network computes it (its `backprop` adds the penalty's gradient when given
# $\lambda$ and $n$)? The cell takes one mini-batch of ten digits and prints the largest difference.

# %% tags=["uses-stubs", "nbval-check-output"]
probe_net = Network([784, 30, 10], init="large_normal", rng=5)
Xb, Yb = X_small[:10], Y_small[:10]
grads_W, grads_b = probe_net.backprop(Xb, Yb)                               # gradients of C0 only
mine_W, mine_b = weight_decay_step(probe_net.weights, probe_net.biases, grads_W, grads_b, 0.5, 5.0, N_TRAIN)
full_W, full_b = probe_net.backprop(Xb, Yb, lmbda=5.0, n=N_TRAIN)           # gradients of C0 + penalty
plain_W = [W - 0.5 * g for W, g in zip(probe_net.weights, full_W)]
print("largest difference to a plain step on the regularised cost: "
      f"{max(np.max(np.abs(a - b)) for a, b in zip(mine_W + mine_b, plain_W + [b - 0.5 * g for b, g in zip(probe_net.biases, full_b)])):.1e}")

# %% [markdown]
# **How strong is the decay?** Only the combination $\eta\lambda/n$ matters. The book uses
# $\lambda = 0.1$ for 1,000 images and $\lambda = 5.0$ for all 50,000, and scales $\lambda$ with
# the size of the training set on purpose: the factor per step stays the same. Per *epoch* it
# is not the same, because an epoch of 50,000 images has 50 times more steps:

# %% tags=["nbval-check-output"]
for lmbda, n in ((0.1, 1000), (5.0, 50000)):
    factor = 1 - SETTINGS["eta"] * lmbda / n
    steps = n // SETTINGS["batch_size"]
    print(f"lambda = {lmbda}, n = {n:6d}: factor per step {factor:.5f}; {steps:5d} steps per epoch -> "
          f"factor per epoch {factor ** steps:.3f}")

# %% [markdown]
# ### What it does to the 1,000-image network
#
# The training cell of section 1 also trained the same network with $\lambda = 0.1$ (the book's
# choice), $1$ and $5$. For each: the best and the final validation accuracy, the training
# accuracy, the gap, and the size of the weights $\sum w^2$.

# %% tags=["nbval-check-output"]
print(" lambda   best val   final val   final train    gap   sum of w^2")
for lmbda in (0.0, 0.1, 1.0, 5.0):
    r = runs["L2", lmbda]
    size = sum(float(np.sum(W ** 2)) for W in nets["L2", lmbda].weights)
    print(f"{lmbda:7g}   {r.validation_accuracy.max():8.1%}   {r.validation_accuracy[-1]:9.1%}   "
          f"{r.train_accuracy[-1]:11.1%}   {100 * r.gap:4.1f}   {size:10.0f}")

# %%
fig, ax = plt.subplots(figsize=(7, 3.4))
for lmbda, color in ((0.0, "0.5"), (0.1, "tab:blue"), (1.0, "tab:green"), (5.0, "tab:red")):
    ax.plot(epochs, runs["L2", lmbda].validation_accuracy, color=color, label=f"lambda = {lmbda:g}")
ax.set(xlabel="epoch", ylabel="validation accuracy", title="L2 regularization on 1,000 training images",
       ylim=(0.7, 0.93))
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# Every penalty shrinks the weights a lot (the last column), and the book's $\lambda = 0.1$
# already beats no penalty; $\lambda = 1$ does better still on our digits. Too much ($\lambda = 5$)
# starts to hurt the *training* accuracy: the model is now too constrained (bias). The book's
# figures: with $\lambda = 0.1$ the best test accuracy on 1,000 images rises from 82.27% to about
# 87.1% over 400 epochs, and on the full 50,000 images $\lambda = 5.0$ gives 96.49% (vs 95.49%
# without). Choosing $\lambda$ is a job for the validation set.
#
# ### Why do small weights help?
#
# A network with small weights changes its output only a little when the input changes a little:
# it cannot afford to react strongly to a few particular pixels, so it cannot learn the noise
# of individual training images; it has to rely on patterns that many images share. A network
# with large weights can turn a small change of the input into a large change of the output. We
# can measure that: add a little noise (standard deviation 0.05, on pixels in $[0, 1]$) to the
# validation images and count how many predictions change.

# %% tags=["nbval-check-output"]
noise = np.random.default_rng(7).normal(0, 0.05, size=digits.X_val.shape)
print(" lambda   predictions changed by the noise   mean |change| of the outputs")
for lmbda in (0.0, 0.1, 1.0):
    net = nets["L2", lmbda]
    before, after = net.feedforward(digits.X_val), net.feedforward(digits.X_val + noise)
    changed = np.mean(before.argmax(axis=1) != after.argmax(axis=1))
    print(f"{lmbda:7g}   {changed:32.1%}   {np.mean(np.abs(after - before)):28.4f}")

# %% [markdown]
# The regularised networks are steadier. This is a heuristic, not a theorem (the book is frank
# that nobody fully understands why regularization generalises as well as it does), but it is the
# right picture to keep in mind: among all the functions that fit the training data, the penalty
# prefers the smoother ones.
#
# ## 4. L1 regularization
#
# L1 regularization penalises the absolute values instead:
#
# $$C = C_0 + \frac{\lambda}{n} \sum_w |w| .$$
#
# $|w|$ has no derivative at $w = 0$; we use $\operatorname{sgn}(0) = 0$ there (so a weight that is
# exactly zero feels no pull), which is what `np.sign` does.
#
# **Exercise 3.** Write `l1_penalty_and_grad(weights, lmbda, n)`, the L1 counterpart of exercise 1.

# %% nbgrader={"grade": false, "grade_id": "l1_penalty_and_grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
def l1_penalty_and_grad(weights, lmbda, n):
    """The L1 penalty (lambda / n) sum_w |w| of a network, and its gradient.

    Parameters
    ----------
    weights : list of ndarray
        The weight matrices of every layer, weights[l] of shape (n_in, n_out) (no biases).
    lmbda : float >= 0
        Regularization parameter.
    n : int
        Size of the training set.

    Returns
    -------
    penalty : float
        One number for the whole network.
    grads : list of ndarray
        grads[l] is the gradient of the penalty with respect to weights[l] (same shape), using
        sgn(0) = 0 where a weight is exactly 0. New arrays; the inputs are not modified.
    """
    ### BEGIN SOLUTION
    penalty = lmbda / n * sum(float(np.sum(np.abs(W))) for W in weights)
    grads = [lmbda / n * np.sign(W) for W in weights]
    return penalty, grads
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_l1_penalty_and_grad", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that l1_penalty_and_grad returns (lambda/n) sum |w| over every layer and its gradients."""
checks.l1_penalty_and_grad(l1_penalty_and_grad)
### BEGIN HIDDEN TESTS
checks.l1_penalty_and_grad(l1_penalty_and_grad, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 4.** Write `l1_step`, the SGD step on the L1-regularised cost (same arguments as
# `weight_decay_step`).

# %% nbgrader={"grade": false, "grade_id": "l1_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def l1_step(weights, biases, grads_W, grads_b, eta, lmbda, n):
    """One gradient-descent step on the L1-regularised cost C = C0 + (lambda / n) sum_w |w|.

    Parameters
    ----------
    weights, biases : list of ndarray
        weights[l] of shape (n_in, n_out), biases[l] of shape (n_out,).
    grads_W, grads_b : list of ndarray
        Gradients of the UNregularised cost C0 (mean over the mini-batch), shaped like
        weights and biases.
    eta : float
        Learning rate.
    lmbda : float >= 0
        Regularization parameter.
    n : int
        Size of the whole training set.

    Returns
    -------
    (new_weights, new_biases) : tuple of two lists of ndarray
        The parameters after the step, as new arrays (sgn(0) = 0; the inputs are not modified).
    """
    ### BEGIN SOLUTION
    shrink = eta * lmbda / n
    new_weights = [W - shrink * np.sign(W) - eta * gW for W, gW in zip(weights, grads_W)]
    new_biases = [b - eta * gb for b, gb in zip(biases, grads_b)]
    return new_weights, new_biases
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_l1_step", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that l1_step takes one SGD step on the L1-regularised cost (biases not penalised)."""
checks.l1_step(l1_step)
### BEGIN HIDDEN TESTS
checks.l1_step(l1_step, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Both penalties shrink the weights, but differently. Take weights of different sizes, no data
# gradient, and ten epochs of steps of the 1,000-image network with $\lambda = 1$ (your two
# functions do the stepping):

# %% tags=["uses-stubs", "nbval-check-output"]
w_demo = np.array([[2.0, 0.5, 0.05, -0.05, -0.5, -2.0]])
steps = 10 * N_TRAIN // SETTINGS["batch_size"]
after = {}
for name, step_fn in (("L2", weight_decay_step), ("L1", l1_step)):
    W, b = [w_demo], [np.zeros(6)]
    for _ in range(steps):
        W, b = step_fn(W, b, [np.zeros_like(w_demo)], [np.zeros(6)], SETTINGS["eta"], 1.0, N_TRAIN)
    after[name] = W[0]
print(f"after {steps} steps with eta = {SETTINGS['eta']}, lambda = 1, n = {N_TRAIN}:")
print("  w before:  ", w_demo[0])
print("  L2 after:  ", after["L2"][0] + 0.0, "  (every weight times", f"{after['L2'][0, 0] / w_demo[0, 0]:.3f})")
print("  L1 after:  ", np.round(after["L1"][0], 10) + 0.0, "  (every large weight moved", f"{w_demo[0, 0] - after['L1'][0, 0]:.3f} towards 0)")

# %% [markdown]
# L2 shrinks each weight in proportion to its size: big weights lose a lot, small ones hardly
# anything, and none reaches 0. L1 moves every weight by the same amount towards 0: a small
# weight gets there and then only jitters around 0 (by at most one step, $\eta\lambda/n$). The
# trained networks show the consequence. Here are the first-layer weights (784 x 30 of them) of
# the network trained with L2 ($\lambda = 1$) and with L1 ($\lambda = 0.5$), and for comparison
# without a penalty (their best validation accuracies are printed too).

# %% tags=["nbval-check-output"]
for key in (("L2", 0.0), ("L2", 1.0), ("L1", 0.5)):
    r = runs[key]
    print(f"{key[0]} lambda = {key[1]:<4g}: |w| < 0.01 for {r.near_zero:6.1%} of the first-layer weights; "
          f"best validation accuracy {r.validation_accuracy.max():.1%}")

# %%
fig, ax = plt.subplots(figsize=(7, 3.2))
bins = np.linspace(-1.5, 1.5, 121)
for key, color in ((("L2", 1.0), "tab:green"), (("L1", 0.5), "tab:purple")):
    ax.hist(runs[key].W1.ravel(), bins=bins, histtype="step", lw=1.8, color=color,
            label=f"{key[0]}, lambda = {key[1]:g}")
ax.set(yscale="log", xlabel="first-layer weight", ylabel="number of weights",
       title="L1 piles weights up at 0; L2 keeps a smooth bell")
ax.legend()
plt.show()

# %% [markdown]
# **Question (written, graded by hand).** Why does L1 regularization drive many weights to (almost)
# exactly zero, while L2 leaves them small but nonzero? Argue from the two update rules (what each
# does to a weight that is already small, and how that compares with the pull of the data gradient
# $\partial C_0/\partial w$), and use the numbers printed above. What does a first-layer weight
# that is zero mean for the network (think of the pixels)?

# %% [markdown] nbgrader={"grade": true, "grade_id": "why_l1_sparse", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# L2 changes a weight by $-\eta\lambda w/n$ per step, in proportion to $w$: as a weight gets small
# its pull towards 0 vanishes too, so a weight whose data gradient is even slightly nonzero
# settles where the two balance, at a small but nonzero value; L2 never makes a weight exactly 0
# (the cell above: every weight is multiplied by the same factor). L1 changes a weight by
# $-\eta\lambda\,\mathrm{sgn}(w)/n$, a pull of constant size however small the weight is. A weight
# whose data gradient is smaller than $\lambda/n$ in size is pushed all the way to 0 and kept there
# (it jitters by at most one step); only weights the data really need (gradient larger than
# $\lambda/n$) survive, and they are shrunk by a constant amount. Hence the spike at 0 in the
# histogram: many more first-layer weights with $|w| < 0.01$ under L1 than under L2 (the printed
# fractions). A zero first-layer weight means that hidden neuron ignores that pixel: L1 selects a
# few important pixels per neuron (e.g. the border pixels, which are always 0, get no weight at
# all), a sparse model, while L2 spreads small weights over all pixels.
#
# Rubric (2 points): 1 point for the mechanism (L2 shrink proportional to $w$, vanishing near 0;
# L1 constant-size shrink that beats a small data gradient and reaches 0), 1 point for using the
# chapter's numbers (fractions near zero or the demo) and saying what a zero weight means
# (feature/pixel selection, sparsity). Half a point off for only restating "L1 gives sparse
# weights" without the argument.
# ### END SOLUTION

# %% [markdown]
# ## 5. Early stopping
#
# Look again at the first plot: validation accuracy stops improving long before training ends.
# **Early stopping** watches the validation accuracy after every epoch and stops when it has not
# improved for a while, keeping the weights of the best epoch. "A while" is the **patience**: the
# number of epochs in a row without a new best that we are willing to wait (a single bad epoch is
# noise; many in a row are a trend). The number of epochs becomes a hyper-parameter chosen on
# validation data, for free.
#
# **Exercise 5.** Write `early_stopping(history, patience)`. Given the validation accuracies after
# each epoch, return which epoch was the best and how many epochs training would have run before
# the rule stopped it.

# %% nbgrader={"grade": false, "grade_id": "early_stopping", "locked": false, "schema_version": 3, "solution": true, "task": false}
def early_stopping(history, patience):
    """Apply an early-stopping rule with a patience to a validation history.

    Parameters
    ----------
    history : list of float
        history[k] is the validation accuracy after epoch k (k = 0, 1, ...; 0-based).
    patience : int > 0
        Training stops once `patience` epochs in a row brought no improvement, i.e. no
        accuracy strictly higher than the best one so far.

    Returns
    -------
    (best_epoch, epochs_run) : tuple of int
        best_epoch: the 0-based index of the best accuracy among the epochs that were run (the
        first one if several are equal). epochs_run: how many epochs were trained when the rule
        stopped training (len(history) if it never did).
    """
    ### BEGIN SOLUTION
    best, best_epoch, since_best = -np.inf, 0, 0
    for epoch, accuracy in enumerate(history):
        if accuracy > best:
            best, best_epoch, since_best = accuracy, epoch, 0
        else:
            since_best += 1
            if since_best >= patience:
                return best_epoch, epoch + 1
    return best_epoch, len(history)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_early_stopping", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that early_stopping returns the best epoch and the number of epochs run under the patience rule."""
checks.early_stopping(early_stopping)
### BEGIN HIDDEN TESTS
checks.early_stopping(early_stopping, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Your rule on the unregularised run's validation history, for a few patiences, and the same rule
# inside the nnkit network (`fit(..., early_stopping=3)` stops, and restores the best weights):

# %% tags=["uses-stubs", "nbval-check-output"]
for patience in (3, 10, 20):
    best, ran = early_stopping(list(plain.validation_accuracy), patience)
    print(f"patience {patience:2d}: stop after {ran:2d} of {EPOCHS} epochs, keep epoch {best + 1} "
          f"(validation accuracy {plain.validation_accuracy[best]:.1%}; best of all {EPOCHS}: "
          f"{plain.validation_accuracy.max():.1%})")
es_net, es_history = train(X_small, Y_small, early_stopping=3)
best, ran = early_stopping(list(plain.validation_accuracy), 3)
print(f"Network.fit(early_stopping=3): ran {es_history.epochs_run} epochs, kept epoch {es_history.best_epoch + 1} "
      f"(your rule: {ran} epochs, epoch {best + 1})")

# %% [markdown]
# A small patience stops early and cheaply but may stop on a temporary dip; a large one wastes
# epochs but rarely misses a late improvement. Early stopping also needs no change to the cost: it
# regularises by limiting how far the weights can travel from their start.
#
# ## 6. More data: shifting the digits
#
# The most reliable cure for overfitting is more training data, and for images we can *make* more:
# a digit moved by one pixel is still the same digit. The book's chapter 3 reports how far this
# goes (Simard, Steinkraus and Platt, 2003): a network with 800 hidden neurons goes from 98.4% to
# 98.9% on MNIST when trained on images expanded with small rotations, translations and skewing,
# and to 99.3% with "elastic" distortions.
#
# **Exercise 6.** Write `shift_images(X, shape)`: each image, followed by copies moved by one pixel
# up, down, left and right. The pixels that move in at an edge are background (0); nothing wraps
# around to the other side.

# %% nbgrader={"grade": false, "grade_id": "shift_images", "locked": false, "schema_version": 3, "solution": true, "task": false}
def shift_images(X, shape=(28, 28)):
    """Expand a batch of images with their 1-pixel shifts up, down, left and right.

    Parameters
    ----------
    X : ndarray, shape (N, H*W)
        Flattened images, one per row.
    shape : tuple (H, W)
        The shape of one image (rows, columns).

    Returns
    -------
    ndarray, shape (5N, H*W)
        Five blocks of N rows: the originals, then the images moved up, down, left, right (in
        that order). "Up" means the content moves up by one row (the bottom row becomes 0);
        likewise for the others. So out[:N] equals X, and the labels of out are np.tile(y, 5).
    """
    ### BEGIN SOLUTION
    H, W = shape
    imgs = X.reshape(-1, H, W)
    out = np.zeros((5,) + imgs.shape)
    out[0] = imgs
    out[1, :, :-1, :] = imgs[:, 1:, :]    # up
    out[2, :, 1:, :] = imgs[:, :-1, :]    # down
    out[3, :, :, :-1] = imgs[:, :, 1:]    # left
    out[4, :, :, 1:] = imgs[:, :, :-1]    # right
    return out.reshape(5 * imgs.shape[0], H * W)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_shift_images", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that shift_images returns the originals and their four 1-pixel shifts, zero-filled."""
checks.shift_images(shift_images)
### BEGIN HIDDEN TESTS
checks.shift_images(shift_images, hidden=True)
### END HIDDEN TESTS

# %% tags=["uses-stubs"]
five = shift_images(X_small[:1])
fig, axes = plt.subplots(1, 5, figsize=(8, 1.9))
for ax, img, title in zip(axes, five, ("original", "up", "down", "left", "right")):
    ax.imshow(img.reshape(28, 28), cmap="gray_r")
    ax.set(title=title, xticks=[], yticks=[])
plt.show()

# %% [markdown]
# Does it help? We train the same network (no penalty) three ways, each with the **same number of
# SGD steps** as the unregularised run of section 1, so that no run simply trains longer:
#
# * the 1,000 original images (that run already exists);
# * the 1,000 images plus their four shifts (5,000 images, a fifth of the epochs);
# * 3,000 *real* training images (a third of the epochs).

# %% tags=["uses-stubs"]
X_shifted = shift_images(X_small)
Y_shifted = np.tile(Y_small, (5, 1))
data_runs = {"1,000 originals": plain}
for label, X, Y in tqdm([("1,000 + their shifts", X_shifted, Y_shifted),
                         ("3,000 originals", digits.X_train, digits.Y_train)], desc="more data"):
    net, history = train(X, Y, epochs=EPOCHS * N_TRAIN // len(X))
    data_runs[label] = Run.from_fit("L2", 0.0, net, history, n=len(X), **SETTINGS)

# %% tags=["uses-stubs", "nbval-check-output"]
print("training data          images  epochs  best val  final val  final train")
for label, r in data_runs.items():
    print(f"{label:21s} {r.n:7d} {r.validation_accuracy.size:7d}  {r.validation_accuracy.max():8.1%}  "
          f"{r.validation_accuracy[-1]:9.1%}  {r.train_accuracy[-1]:11.1%}")

# %% [markdown]
# On our digits four shifted copies of each image are worth about as much as two thousand more
# real images (compare the rows), and the gap between training and validation accuracy shrinks:
# the network can no longer memorise the exact position of every stroke. (`nnkit.data.rotate_images`
# makes rotated copies the same way, if you want to try the book's rotations.)
#
# Finally, the test set, once. We pick the run with the best validation accuracy among all the
# runs of this chapter, and only now look at its test accuracy:

# %% tags=["nbval-check-output"]
candidates = {f"{p} lambda = {lm:g}": (r, nets[p, lm]) for (p, lm), r in runs.items()}
best_label = max(candidates, key=lambda k: candidates[k][0].validation_accuracy[-1])
best_run, best_net = candidates[best_label]
print(f"chosen on validation data: {best_label} (final validation accuracy {best_run.validation_accuracy[-1]:.1%})")
print(f"its test accuracy: {best_net.accuracy(digits.X_test, digits.y_test):.1%}; "
      f"the unregularised network's: {nets['L2', 0.0].accuracy(digits.X_test, digits.y_test):.1%}")

# %% [markdown]
# ## 7. Explore
#
# Pick a penalty and a $\lambda$. Left: training and validation accuracy of that run (the faint
# curves are the unregularised network) and the gap between them. Middle: its first-layer weights
# (grey: without a penalty). Right: the mechanism, what the penalty alone does to a weight in ten
# epochs of steps; once your `weight_decay_step` and `l1_step` work, the widget runs them the same
# way and draws your curve dashed on top (until then it says "not implemented yet").
#
# Things to try: which $\lambda$ closes the gap without lowering the validation accuracy? Why does
# the L1 curve on the right have a flat piece around 0, and how does that piece show up in the
# histogram? At which $\lambda$ does the training accuracy start to suffer (bias)?
#
# If the widget shows "Error displaying widget: model not found", the kernel that drew it is gone:
# run its cell again.

# %%
regularization_explorer(runs, student={"L2": "weight_decay_step", "L1": "l1_step"})

# %% [markdown]
# ## Summary
#
# * **Overfitting**: training accuracy far above validation accuracy, validation cost rising while
#   training cost falls. Choose every hyper-parameter on validation data; touch the test set once.
# * **L2** adds $\frac{\lambda}{2n}\sum w^2$ (weights only): each step first multiplies every weight
#   by $1 - \eta\lambda/n$ (weight decay). Small weights make a smoother, steadier function.
# * **L1** adds $\frac{\lambda}{n}\sum |w|$: each step moves every weight a constant $\eta\lambda/n$
#   towards 0, so weights the data do not need end up at 0 (sparse weights).
# * **Early stopping** keeps the best epoch on validation data and stops after `patience` epochs
#   without improvement.
# * **More data** is the surest cure; shifted copies of the images are a cheap substitute for new ones.
#
# One regularizer of the book's chapter 3 is left for the next chapter: dropout.

# %%
checks.summary("04-regularization")
