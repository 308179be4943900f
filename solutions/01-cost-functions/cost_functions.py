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
# # Chapter 01 · Cost functions and the learning slowdown
#
# A network learns by gradient descent: it nudges every weight against the slope of a
# **cost function**. If the slope is small, learning is slow, whatever the network's mistake.
# This chapter shows a single neuron that is badly wrong and yet hardly learns, finds the
# culprit in the derivative of the sigmoid, and fixes it by changing the cost.
#
# **After this chapter you can**
#
# 1. write the quadratic and the binary cross-entropy cost for a batch, and their output errors $\delta$;
# 2. explain, with a formula, why a saturated sigmoid neuron learns slowly under the quadratic cost;
# 3. derive the cross-entropy from the wish that $\sigma'(z)$ should cancel;
# 4. pick the output activation and the cost that fit a problem (regression, yes/no, one of many classes);
# 5. see the effect on real handwritten digits.
#
# **How this notebook works.** Exercises are functions whose body says `raise NotImplementedError()`.
# Replace that line with your code and run the cell, then run the check cell below it: it tries
# your function on harder and harder inputs and prints one line per step, `✓` or `✗` with what
# was expected, what came back and a hint. The hint gets more specific each time the same
# exercise fails again; `checks.hint("quadratic_cost")` shows all of them at once, down to the
# formula. The check cells are also how the notebook is graded (with a few more inputs you do
# not see), and the last cell lists your progress. Inside a check, the nnkit reference
# implementations of these costs are switched off: calling them scores zero, so write the
# formulas yourself with numpy. You may use `sigmoid` and `sigmoid_prime` from `nnkit.activations`.
#
# **Notation.** A batch holds $n$ examples as the **rows** of an array: outputs `a` and targets
# `y` have shape `(n, C)` for $C$ output neurons. For one neuron, $z = wx + b$ is its weighted
# input and $a = \sigma(z) = 1/(1 + e^{-z})$ its output; $\eta$ is the learning rate.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from nnkit import checks
from nnkit.activations import sigmoid, sigmoid_prime
from nnkit.data import load_mnist_5k, one_hot
from nnkit.network import Network
from nnkit.widgets import slowdown_explorer
from nnkit.widgets.ch01_cost_functions import simulate

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. A neuron that is very wrong and learns very slowly
#
# Take the smallest possible network: one sigmoid neuron with one input. We want it to turn
# the input $x = 1$ into the output $y = 0$. Its cost on this one example is the
# **quadratic cost**
#
# $$C = \tfrac12 (a - y)^2, \qquad a = \sigma(wx + b).$$
#
# We run gradient descent with $\eta = 0.15$ for 300 epochs (with a single training example an
# epoch is a single step) from two starting points:
#
# * neuron **A**: $w = 0.6$, $b = 0.9$;
# * neuron **B**: $w = 2$, $b = 2$.
#
# `simulate` (from the chapter's widget module) does the training; the next cell prints where
# each neuron starts.

# %% tags=["nbval-check-output"]
ETA, EPOCHS = 0.15, 300
STARTS = {"A": (0.6, 0.9), "B": (2.0, 2.0)}

quad_runs = {name: simulate(w, b, ETA, "quadratic", EPOCHS) for name, (w, b) in STARTS.items()}
for name, (w, b) in STARTS.items():
    print(f"neuron {name}: w = {w}, b = {b}, z = {w + b:.1f}, starting output a = {quad_runs[name].output[0]:.2f}")

# %% [markdown]
# Both answers are wrong (the target is 0), and B is *more* wrong than A. You would expect B to
# learn at least as fast. Here is what happens:

# %% tags=["nbval-check-output"]
CHECKPOINTS = [0, 50, 100, 150, 200, 250, 300]


def print_outputs(runs, title):
    """Print a small table: the neurons' outputs at the checkpoint epochs."""
    print(title)
    print("epoch     " + "".join(f"{e:>7d}" for e in CHECKPOINTS))
    for name, run in runs.items():
        print(f"neuron {name}  " + "".join(f"{run.output[e]:7.3f}" for e in CHECKPOINTS))


print_outputs(quad_runs, "output a, quadratic cost, eta = 0.15")
for name, run in quad_runs.items():
    print(f"neuron {name}: the output dropped by {run.output[0] - run.output[150]:.3f} in the first 150 epochs")

# %%
NEURON_COLORS = {"A": "tab:green", "B": "tab:purple"}
fig, ax = plt.subplots(figsize=(6.5, 3.2))
for name, run in quad_runs.items():
    ax.plot(run.epoch, run.output, lw=2, color=NEURON_COLORS[name], label=f"neuron {name} (w, b = {STARTS[name]})")
ax.set(xlabel="epoch", ylabel="output a", title="Quadratic cost: the target is 0", ylim=(0, 1))
ax.legend()
plt.show()

# %% [markdown]
# Neuron A's output falls at once. Neuron B sits on a plateau: in its first 150 epochs the
# output moves by only a small fraction of what A's moves (the table above prints both drops),
# then it suddenly speeds up. Learning is slowest exactly when the neuron is most wrong. People
# do not learn like that; let us find out why this neuron does.
#
# ## 2. The quadratic cost for a batch
#
# With many examples and several output neurons, the quadratic cost averages over the $n$
# examples $x$ of the batch and sums over the outputs:
#
# $$C = \frac{1}{2n} \sum_x \lVert a_x - y_x \rVert^2 = \frac{1}{n}\sum_x \frac12 \sum_j (a_{x,j} - y_{x,j})^2 .$$
#
# Averaging (the $1/n$) makes the cost, and so the size of a gradient step, independent of the
# batch size. The $\tfrac12$ only tidies the derivative: $\partial C_x / \partial a = a - y$.
#
# **Exercise 1.** Write `quadratic_cost(a, y)`. Rows are examples; return one number.

# %% nbgrader={"grade": false, "grade_id": "quadratic_cost", "locked": false, "schema_version": 3, "solution": true, "task": false}
def quadratic_cost(a, y):
    """Quadratic cost of a batch, averaged over the examples.

    Parameters
    ----------
    a : ndarray, shape (n, C)
        Outputs, one row per example.
    y : ndarray, shape (n, C)
        Targets.

    Returns
    -------
    float
        One number: each example's cost summed over its C outputs, then the mean over the n
        examples (over rows, not over all n * C entries).
    """
    ### BEGIN SOLUTION
    n = a.shape[0]
    return float(0.5 * np.sum((a - y) ** 2) / n)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_quadratic_cost", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that quadratic_cost returns the batch-mean quadratic cost."""
checks.quadratic_cost(quadratic_cost)
### BEGIN HIDDEN TESTS
checks.quadratic_cost(quadratic_cost, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Where the slowdown comes from
#
# Gradient descent changes $w$ and $b$ in proportion to $\partial C/\partial w$ and
# $\partial C/\partial b$. For our neuron, with $z = wx + b$ and $a = \sigma(z)$, the chain rule gives
#
# $$\frac{\partial C}{\partial w} = (a - y)\,\sigma'(z)\,x, \qquad
#   \frac{\partial C}{\partial b} = (a - y)\,\sigma'(z).$$
#
# The error $a - y$ is there, as it should be, but it is multiplied by $\sigma'(z)$, the slope of
# the sigmoid at the neuron's weighted input. That slope is $\sigma'(z) = \sigma(z)(1 - \sigma(z))$:
# largest at $z = 0$ and close to zero once $|z|$ is a few units, where the curve is flat (the
# neuron is **saturated**). Compare the two neurons at their starting points:

# %% tags=["nbval-check-output"]
print(f"largest slope of the sigmoid: sigma'(0) = {sigmoid_prime(0.0):.4f}")
for name, (w, b) in STARTS.items():
    z = w * 1.0 + b
    a = sigmoid(z)
    print(f"neuron {name}: z = {z:.1f}, a - y = {a:.4f}, sigma'(z) = {sigmoid_prime(z):.4f}, "
          f"dC/dw = dC/db = {a * sigmoid_prime(z):.4f}")
ratio = (sigmoid(1.5) * sigmoid_prime(1.5)) / (sigmoid(4.0) * sigmoid_prime(4.0))
print(f"A's first step is {ratio:.1f} times as large as B's")

# %%
zs = np.linspace(-7, 7, 400)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3))
ax1.plot(zs, sigmoid(zs), color="0.4")
ax2.plot(zs, sigmoid_prime(zs), color="0.4")
for name, (w, b) in STARTS.items():
    ax1.plot(w + b, sigmoid(w + b), "o", ms=8, color=NEURON_COLORS[name], label=f"neuron {name}")
    ax2.plot(w + b, sigmoid_prime(w + b), "o", ms=8, color=NEURON_COLORS[name], label=f"neuron {name}")
ax1.set(title=r"$\sigma(z)$", xlabel="z")
ax2.set(title=r"$\sigma'(z)$: the factor in the gradient", xlabel="z")
ax2.legend()
plt.show()

# %% [markdown]
# B starts on the flat part of the sigmoid, so every gradient step is tiny, even though its
# error is large. As B's output creeps down, $z$ moves towards the steep middle, the steps grow,
# and learning takes off: that is the sudden drop near the end of the plateau.
#
# In a network the same factor appears in the **output error** of each output neuron,
#
# $$\delta_x = \frac{\partial C_x}{\partial z_x} = (a_x - y_x) \odot \sigma'(z_x),$$
#
# computed per example $x$ (row by row, elementwise over the outputs). Backpropagation starts
# from $\delta$; the gradient of the batch-averaged cost with respect to $z$ is $\delta / n$.
#
# **Exercise 2.** Write `quadratic_delta(z, a, y)`. Make it work for saturated neurons: at
# $z = \pm 1000$ the answer is a (tiny) finite number, not `nan`.

# %% nbgrader={"grade": false, "grade_id": "quadratic_delta", "locked": false, "schema_version": 3, "solution": true, "task": false}
def quadratic_delta(z, a, y):
    """Output error delta = dC_x/dz of the quadratic cost for sigmoid outputs, one row per example.

    The derivative of one example's cost C_x with respect to the weighted input z (not with
    respect to the output a). Finite for saturated neurons: at |z| = 1000 a tiny number, not nan.

    Parameters
    ----------
    z : ndarray, shape (n, C)
        Weighted inputs of the output neurons.
    a : ndarray, shape (n, C)
        Outputs, a = sigmoid(z).
    y : ndarray, shape (n, C)
        Targets.

    Returns
    -------
    ndarray, shape (n, C)
        Per example (not averaged over the batch).
    """
    ### BEGIN SOLUTION
    return (a - y) * sigmoid_prime(z)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_quadratic_delta", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that quadratic_delta returns dC_x/dz per example, finite for saturated neurons."""
checks.quadratic_delta(quadratic_delta)
### BEGIN HIDDEN TESTS
checks.quadratic_delta(quadratic_delta, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 3.** Write one gradient-descent step of the single neuron. The cost is hidden
# behind its output error: `delta(z, a, y)` returns $\partial C/\partial z$ (for example your
# `quadratic_delta`), and the chain rule does the rest:
#
# $$\frac{\partial C}{\partial w} = \delta\, x, \qquad \frac{\partial C}{\partial b} = \delta, \qquad
#   w \leftarrow w - \eta\,\delta\,x, \qquad b \leftarrow b - \eta\,\delta .$$
#
# Here `w, b, x, y` are plain numbers.

# %% nbgrader={"grade": false, "grade_id": "neuron_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def neuron_step(w, b, x, y, eta, delta):
    """One gradient-descent step of a single sigmoid neuron on one example.

    Parameters
    ----------
    w, b : float
        Current weight and bias.
    x, y : float
        The input and its target.
    eta : float
        Learning rate.
    delta : function
        delta(z, a, y) -> dC/dz, e.g. quadratic_delta.

    Returns
    -------
    (float, float)
        The new (w, b) after the step.
    """
    ### BEGIN SOLUTION
    z = w * x + b
    a = sigmoid(z)
    d = delta(z, a, y)
    return w - eta * d * x, b - eta * d
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_neuron_step", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that neuron_step takes one gradient-descent step using the given delta."""
checks.neuron_step(neuron_step)
### BEGIN HIDDEN TESTS
checks.neuron_step(neuron_step, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# With your two functions you can now train neuron B yourself and compare with the curve of
# section 1 (the cell prints the largest difference):

# %% tags=["uses-stubs", "nbval-check-output"]
def train(w, b, delta, epochs=EPOCHS, eta=ETA):
    """Outputs sigma(w + b) of the neuron (x = 1, y = 0) at epochs 0..epochs, using neuron_step."""
    outputs = [sigmoid(w + b)]
    for _ in range(epochs):
        w, b = neuron_step(w, b, 1.0, 0.0, eta, delta)
        outputs.append(sigmoid(w + b))
    return np.array(outputs)


mine = train(*STARTS["B"], quadratic_delta)
print(f"neuron B after {EPOCHS} epochs: output {mine[-1]:.3f}; "
      f"largest difference to simulate(): {np.max(np.abs(mine - quad_runs['B'].output)):.1e}")

# %% [markdown]
# **Exercise 4.** How long is the plateau? Write `epochs_until_below`: train the neuron
# ($x = 1$, $y = 0$) with `neuron_step` and count the steps until its output $\sigma(w + b)$ is
# below `threshold`. If it already is, that takes 0 steps; if it is still not below after
# `max_epochs` steps, return `None`.

# %% nbgrader={"grade": false, "grade_id": "epochs_until_below", "locked": false, "schema_version": 3, "solution": true, "task": false}
def epochs_until_below(w, b, eta, delta, threshold, max_epochs):
    """Number of gradient steps until the neuron's output drops below a threshold.

    The neuron maps x = 1 to the target y = 0; each step is neuron_step(w, b, 1.0, 0.0, eta, delta).

    Parameters
    ----------
    w, b : float
        Starting weight and bias.
    eta : float
        Learning rate.
    delta : function
        delta(z, a, y) -> dC/dz (which cost to train with).
    threshold : float
        Stop as soon as sigmoid(w + b) < threshold.
    max_epochs : int
        At most this many steps are taken.

    Returns
    -------
    int or None
        The number of steps taken (0 if the output starts below the threshold), or None if
        the output is still >= threshold after max_epochs steps.
    """
    ### BEGIN SOLUTION
    epochs = 0
    while sigmoid(w + b) >= threshold:
        if epochs == max_epochs:
            return None
        w, b = neuron_step(w, b, 1.0, 0.0, eta, delta)
        epochs += 1
    return epochs
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_epochs_until_below", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that epochs_until_below counts the gradient steps until the output is below the threshold."""
checks.epochs_until_below(epochs_until_below)
### BEGIN HIDDEN TESTS
checks.epochs_until_below(epochs_until_below, hidden=True)
### END HIDDEN TESTS

# %% tags=["uses-stubs", "nbval-check-output"]
for name, (w, b) in STARTS.items():
    n_quad = epochs_until_below(w, b, ETA, quadratic_delta, 0.5, 1000)
    print(f"neuron {name}, quadratic cost: output below 0.5 after {n_quad} epochs")

# %% [markdown]
# **Question (written, graded by hand).** In a few sentences: why does neuron B learn so
# slowly at first, although its output is further from the target than A's? Use the gradient
# formula and the numbers printed above. Why does its learning speed up later?

# %% [markdown] nbgrader={"grade": true, "grade_id": "why_slowdown", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# The size of each step is set by the gradient $\partial C/\partial w = (a - y)\,\sigma'(z)\,x$.
# B starts at $z = 4$, on the flat tail of the sigmoid, where $\sigma'(z)$ is tiny (the cell in
# section 3 prints it next to A's value at $z = 1.5$), so the gradient is small although
# $a - y$ is large: the neuron is saturated. Each step lowers $z$ a little; once $z$ reaches the
# steep middle of the sigmoid, $\sigma'(z)$ grows and the steps become large, so the output
# suddenly drops. The quadratic cost never "notices" how wrong the neuron is, because its
# gradient is damped by the slope of the activation.
# ### END SOLUTION

# %% [markdown]
# ## 4. The cross-entropy cost
#
# We cannot change the sigmoid's slope, but we can choose a cost whose derivative cancels it.
# The **binary cross-entropy** of a batch of sigmoid outputs is
#
# $$C = -\frac{1}{n} \sum_x \sum_j \Big[\, y_{x,j} \ln a_{x,j} + (1 - y_{x,j}) \ln(1 - a_{x,j}) \Big],$$
#
# with the natural logarithm. Why is this a sensible cost?
#
# * It is **never negative**: $a$ and $1 - a$ lie in $[0, 1]$, so both logarithms are $\le 0$,
#   and with $0 \le y \le 1$ the bracket is $\le 0$; the minus sign makes $C \ge 0$.
# * It is **close to zero when the output is right**: for $y = 1$ only $-\ln a$ is left, which
#   is near 0 when $a$ is near 1; for $y = 0$ only $-\ln(1 - a)$, near 0 when $a$ is near 0.
#   And it grows without bound as the output approaches the wrong end.
#
# When $a$ equals $y$ exactly at 0 or 1, one term reads $0 \cdot \ln 0$. Its limit is 0, and
# your code must treat it as 0 (numpy alone gives `nan`): for example, use `np.where` to put 0
# wherever the factor in front of a logarithm is 0.
#
# **Exercise 5.** Write `cross_entropy_cost(a, y)`. The check wants the exact cost: no
# clipping of `a` to $[\epsilon, 1 - \epsilon]$ and no `+ 1e-12` inside a logarithm. Such a
# patch avoids the `nan` but changes the answer: a perfect output would cost about
# $10^{-12}$ instead of 0, and a valid output of $10^{-200}$ (target 1) would cost
# $-\ln 10^{-12}$ instead of its true $-\ln 10^{-200}$. Deal with $0 \ln 0$ where it happens.

# %% nbgrader={"grade": false, "grade_id": "cross_entropy_cost", "locked": false, "schema_version": 3, "solution": true, "task": false}
def cross_entropy_cost(a, y):
    """Binary cross-entropy of a batch of sigmoid outputs, averaged over the examples.

    Parameters
    ----------
    a : ndarray, shape (n, C)
        Outputs in [0, 1], one row per example.
    y : ndarray, shape (n, C)
        Targets in [0, 1].

    Returns
    -------
    float
        Summed over the C outputs, averaged over the n examples. Exact: a term 0 * ln(0)
        counts as 0 (its limit), so a == y at exactly 0 or 1 costs exactly 0; a is not
        clipped and no epsilon is added inside a log.
    """
    ### BEGIN SOLUTION
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.nan_to_num(y * np.log(a)) + np.nan_to_num((1 - y) * np.log(1 - a))
    return float(-np.sum(terms) / a.shape[0])
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_cross_entropy_cost", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that cross_entropy_cost returns the batch-mean binary cross-entropy."""
checks.cross_entropy_cost(cross_entropy_cost)
### BEGIN HIDDEN TESTS
checks.cross_entropy_cost(cross_entropy_cost, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# A table of the cost of one output, next to the quadratic cost, makes the difference visible:
# for a confidently wrong answer the quadratic cost is stuck below $\tfrac12$, while the
# cross-entropy keeps growing.

# %% tags=["uses-stubs", "nbval-check-output"]
print(" y      a   cross-entropy  quadratic")
for target in (0.0, 1.0):
    for out in (0.001, 0.1, 0.5, 0.9, 0.999):
        a_, y_ = np.array([[out]]), np.array([[target]])
        print(f"{target:2.0f}  {out:5.3f}  {cross_entropy_cost(a_, y_):13.4f}  {quadratic_cost(a_, y_):9.4f}")

# %% [markdown]
# ### The gradient: $\sigma'(z)$ cancels
#
# For one neuron with inputs $x_j$, write $C = -\frac1n \sum_x [y \ln \sigma(z) + (1-y)\ln(1 - \sigma(z))]$
# and differentiate with respect to a weight:
#
# $$\frac{\partial C}{\partial w_j}
#   = -\frac{1}{n}\sum_x \left(\frac{y}{\sigma(z)} - \frac{1 - y}{1 - \sigma(z)}\right)\sigma'(z)\,x_j
#   = \frac{1}{n}\sum_x \frac{\sigma'(z)\,x_j}{\sigma(z)(1 - \sigma(z))}\,\big(\sigma(z) - y\big).$$
#
# Since $\sigma'(z) = \sigma(z)(1 - \sigma(z))$, the fraction is just $x_j$:
#
# $$\frac{\partial C}{\partial w_j} = \frac{1}{n}\sum_x x_j\,(\sigma(z) - y), \qquad
#   \frac{\partial C}{\partial b} = \frac{1}{n}\sum_x (\sigma(z) - y).$$
#
# The speed of learning is now proportional to the error $\sigma(z) - y$ itself: the more wrong
# the neuron, the faster it learns. Per example, the output error is simply
#
# $$\delta_x = \frac{\partial C_x}{\partial z_x} = a_x - y_x .$$
#
# **Exercise 6.** Write `cross_entropy_delta(z, a, y)`. (It has the same signature as
# `quadratic_delta`, so training code can switch costs, even though it does not need `z`.)

# %% nbgrader={"grade": false, "grade_id": "cross_entropy_delta", "locked": false, "schema_version": 3, "solution": true, "task": false}
def cross_entropy_delta(z, a, y):
    """Output error delta = dC_x/dz of the binary cross-entropy for sigmoid outputs, one row per example.

    The derivative of one example's cost C_x with respect to the weighted input z (not with
    respect to the output a). Finite for saturated neurons, also when they are completely wrong.

    Parameters
    ----------
    z : ndarray, shape (n, C)
        Weighted inputs of the output neurons (not needed, kept for a common signature).
    a : ndarray, shape (n, C)
        Outputs, a = sigmoid(z).
    y : ndarray, shape (n, C)
        Targets.

    Returns
    -------
    ndarray, shape (n, C)
        Per example (not averaged over the batch).
    """
    ### BEGIN SOLUTION
    return a - y
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_cross_entropy_delta", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that cross_entropy_delta returns dC_x/dz per example, finite for saturated neurons."""
checks.cross_entropy_delta(cross_entropy_delta)
### BEGIN HIDDEN TESTS
checks.cross_entropy_delta(cross_entropy_delta, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### The same two neurons, trained with cross-entropy
#
# Same starting points, same $\eta = 0.15$, same 300 epochs; only the cost changes.

# %% tags=["nbval-check-output"]
ce_runs = {name: simulate(w, b, ETA, "cross_entropy", EPOCHS) for name, (w, b) in STARTS.items()}
print_outputs(ce_runs, "output a, cross-entropy cost, eta = 0.15")

# %% tags=["uses-stubs", "nbval-check-output"]
for name, (w, b) in STARTS.items():
    n_quad = epochs_until_below(w, b, ETA, quadratic_delta, 0.5, 1000)
    n_ce = epochs_until_below(w, b, ETA, cross_entropy_delta, 0.5, 1000)
    print(f"neuron {name}: output below 0.5 after {n_quad:3d} epochs (quadratic) vs {n_ce:3d} (cross-entropy)")
mine = train(*STARTS["B"], cross_entropy_delta)
print(f"your functions vs simulate(), neuron B with cross-entropy: largest difference "
      f"{np.max(np.abs(mine - ce_runs['B'].output)):.1e}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True)
for ax, name in zip(axes, STARTS):
    ax.plot(quad_runs[name].epoch, quad_runs[name].output, color="tab:red", lw=2, label="quadratic")
    ax.plot(ce_runs[name].epoch, ce_runs[name].output, color="tab:blue", lw=2, label="cross-entropy")
    ax.set(title=f"neuron {name}: w, b = {STARTS[name]}", xlabel="epoch")
axes[0].set(ylabel="output a", ylim=(0, 1))
axes[0].legend()
plt.show()

# %% [markdown]
# Now neuron B, the more wrong one, learns about as fast as A: there is no plateau (the cell
# before the plot prints how many epochs each neuron needs to get below 0.5 with each cost).
#
# **A note on comparing with the book.** This experiment comes from chapter 3 of Michael
# Nielsen's *Neural Networks and Deep Learning*, which shows it as interactive demos. The
# book's cross-entropy demo steps along $\partial C/\partial a$, which for the cross-entropy is
# $(a - y)/(a(1 - a))$, instead of along the true gradient $\partial C/\partial w = (a - y)\,x$
# (and it uses a smaller learning rate, $\eta = 0.005$). This course always steps along the true
# gradient, so our cross-entropy curves do not match the book's. For a saturated neuron the two
# quantities are far apart; the cell below prints both for neuron B at its start.

# %% tags=["nbval-check-output"]
a_B = sigmoid(sum(STARTS["B"]))
print(f"neuron B at the start: a = {a_B:.4f}")
print(f"true gradient dC/dw = (a - y) x  = {a_B:.4f}")
print(f"dC/da = (a - y) / (a (1 - a))    = {a_B / (a_B * (1 - a_B)):.1f}")

# %% [markdown]
# ## 5. Reinventing the cross-entropy
#
# Suppose we did not know the cross-entropy and simply *wished* for a cost whose gradient has
# no $\sigma'(z)$: for one example, $\partial C/\partial b = a - y$. The chain rule says
# $\partial C/\partial b = \frac{dC}{da}\,\sigma'(z) = \frac{dC}{da}\, a(1 - a)$, so the wish is
#
# $$\frac{dC}{da} = \frac{a - y}{a(1 - a)} = -\frac{y}{a} + \frac{1 - y}{1 - a}.$$
#
# Integrating in $a$:
#
# $$C = -\big[\, y \ln a + (1 - y) \ln(1 - a) \big] + \text{const},$$
#
# the cross-entropy of one output on one example; summing over the outputs and averaging over
# the batch gives the full formula of section 4. So the cross-entropy is not a trick pulled out
# of a hat: it is *the* cost (up to a constant) for which a sigmoid output learns in proportion
# to its error.
#
# A numerical check of the integration: integrate $dC/da$ from $a = 0.5$ with the trapezoid
# rule and compare with the formula's difference $C(a) - C(0.5)$.

# %% tags=["nbval-check-output"]
def dC_da(a, y):
    return (a - y) / (a * (1 - a))


def ce_single(a, y):
    return -(y * np.log(a) + (1 - y) * np.log(1 - a))


for y_ in (0.0, 1.0, 0.3):
    worst = 0.0
    for a_end in (0.05, 0.3, 0.7, 0.95):
        grid = np.linspace(0.5, a_end, 20001)
        integral = np.trapezoid(dC_da(grid, y_), grid)
        worst = max(worst, abs(integral - (ce_single(a_end, y_) - ce_single(0.5, y_))))
    print(f"y = {y_}: largest mismatch between the integral and the formula: {worst:.1e}")

# %% [markdown]
# ## 6. Explore
#
# Move the sliders: the starting $w$ and $b$, the learning rate, and the cost. The faint curve
# is the other cost. The right panel shows the cause: the size of the gradient
# $|\partial C/\partial b| = |\partial C/\partial w| = |\delta|$ at every epoch of the run, on
# a log scale, with $\sigma'(z)$ dotted. With the quadratic cost the gradient is
# $a\,\sigma'(z)$, so while the neuron is saturated it is as small as $\sigma'(z)$; with the
# cross-entropy it is $a$, as large as the mistake.
#
# The widget looks for **your** `quadratic_cost`/`quadratic_delta` and
# `cross_entropy_cost`/`cross_entropy_delta` each time it redraws: as soon as they work it
# trains the neuron with them and draws your curves dashed on top ("not implemented yet"
# until then). You do not need to re-run this cell after finishing an exercise; move a slider.
#
# Things to try: how large must $w + b$ be before the quadratic plateau lasts 300 epochs? Does a
# larger $\eta$ rescue the quadratic cost? What happens with a very negative start (the output
# already near the target)?
#
# *If the widget shows "Error displaying widget: model not found", the kernel that drew it is
# gone (restarted, or the notebook was reopened): run this cell again.*

# %%
slowdown_explorer(student={
    "quadratic": ("quadratic_cost", "quadratic_delta"),
    "cross_entropy": ("cross_entropy_cost", "cross_entropy_delta"),
})

# %% [markdown]
# ## 7. Regression: a linear output and the quadratic cost
#
# The slowdown came from the sigmoid's flat tails, not from the quadratic cost alone. When the
# targets are arbitrary real numbers (predicting a price, a temperature), the output neuron is
# usually **linear**, $a = z$. Then $\sigma'(z)$ is replaced by the derivative of the identity,
# which is 1, and the quadratic cost gives
#
# $$\delta = \frac{\partial C_x}{\partial z} = a - y,$$
#
# the same well-behaved error signal the cross-entropy gives a sigmoid. Here is a linear neuron
# fitted by gradient descent to noisy points on a line, starting far from the answer (your
# `quadratic_cost` records the cost):

# %% tags=["uses-stubs", "nbval-check-output"]
rng = np.random.default_rng(0)
x_reg = rng.uniform(-1, 1, size=(50, 1))
y_reg = 3.0 * x_reg - 1.0 + rng.normal(0, 0.2, size=(50, 1))

w_lin, b_lin, eta_lin = -4.0, 5.0, 0.3
costs_lin = []
for _ in range(60):
    a_lin = w_lin * x_reg + b_lin          # linear output: a = z
    costs_lin.append(quadratic_cost(a_lin, y_reg))
    d = a_lin - y_reg                      # delta of the quadratic cost for a linear output
    w_lin -= eta_lin * np.mean(d * x_reg)  # gradient of the batch mean: delta / n, summed
    b_lin -= eta_lin * np.mean(d)
print(f"fitted line: a = {w_lin:.2f} x {b_lin:+.2f}   (the data were made from 3 x - 1 plus noise)")
print("cost at epochs 0, 10, 20, 40, 59: " + ", ".join(f"{costs_lin[e]:.3f}" for e in (0, 10, 20, 40, 59)))

# %% [markdown]
# Statisticians and libraries such as scikit-learn usually report the **mean squared error**,
# $\mathrm{MSE} = \frac{1}{nC}\sum_x \lVert a_x - y_x\rVert^2$, where $C$ is the number of
# outputs (the columns of `a`), not the cost: no $\tfrac12$, and an average over all $nC$ entries
# rather than over the $n$ examples. So the MSE is our quadratic cost times the constant $2/C$:
# both have their minimum in the same place and their gradients point the same way; only the
# effective learning rate changes. For the fit above (one output, so $C = 1$ and the factor is 2):

# %% tags=["uses-stubs", "nbval-check-output"]
a_fit = w_lin * x_reg + b_lin
mse_fit = np.mean((a_fit - y_reg) ** 2)
print(f"quadratic cost {quadratic_cost(a_fit, y_reg):.4f}, MSE {mse_fit:.4f}, "
      f"ratio MSE / quadratic = {mse_fit / quadratic_cost(a_fit, y_reg):.1f}")

# %% [markdown]
# ### Which output layer, which cost?
#
# | problem | targets | output activation | cost | output error $\delta$ |
# |---|---|---|---|---|
# | regression | any real numbers | linear, $a = z$ | quadratic (or MSE) | $a - y$ |
# | yes/no, or several independent yes/no labels | 0 or 1 per output | sigmoid | binary cross-entropy | $a - y$ |
# | one class out of $C$ | one-hot | softmax | log-likelihood (chapter 02) | $a - y$ |
# | (avoid) classification with sigmoid outputs and the quadratic cost | 0 or 1 | sigmoid | quadratic | $(a - y)\,\sigma'(z)$: slowdown |
#
# In each recommended pairing the output error is $a - y$: the cost is matched to the
# activation so that the activation's slope drops out.
#
# ## 8. Real data: handwritten digits
#
# Does any of this matter in a real network? We train a 784-30-10 network (sigmoid neurons,
# 784 pixels in, 10 outputs, one per digit) on 3,000 real MNIST digits and measure the accuracy on
# 1,000 held-out validation digits after every epoch, once with each cost. We use the
# reference `Network` from nnkit here: building a whole network is not this chapter's topic.
#
# To make saturation likely, the weights start the way early networks did: drawn from a
# standard normal distribution, $N(0, 1)$. A hidden neuron adds up 784 weighted pixels, so its
# weighted input $z$ is typically several units large: most **hidden** neurons start
# saturated. The outputs, which see only the 30 hidden neurons, start saturated less often.
# The cross-entropy removes the $\sigma'(z)$ factor of the **output** layer only; the saturated
# hidden neurons still pass their small $\sigma'(z)$ into every gradient below the output, with
# either cost. (The second pair of runs uses a better start, $N(0, 1/n_{\text{in}})$ with
# $n_{\text{in}}$ the number of inputs of the layer, which keeps $z$ near 1 whatever the size
# of the layer.) The next cell prints, for each start, the typical size of a hidden neuron's
# $z$ and how many hidden neurons and outputs start saturated.

# %% tags=["nbval-check-output"]
digits = load_mnist_5k(rng=0)
Y_train, Y_val = one_hot(digits.y_train), one_hot(digits.y_val)
print(f"training images {digits.X_train.shape}, validation images {digits.X_val.shape}")


def saturated(a):
    """Fraction of the activations below 0.02 or above 0.98 (sigma'(z) < 0.02)."""
    return np.mean((a < 0.02) | (a > 0.98))


for init, label in (("large_normal", "N(0, 1)     "), ("scaled_normal", "N(0, 1/n_in)")):
    net0 = Network([784, 30, 10], cost="quadratic", init=init, rng=1)
    z_hidden = digits.X_train @ net0.weights[0] + net0.biases[0]
    print(f"{label} start: median |z| of a hidden neuron {np.median(np.abs(z_hidden)):.1f}; saturated: "
          f"{saturated(sigmoid(z_hidden)):.0%} of the hidden activations, "
          f"{saturated(net0.feedforward(digits.X_train)):.0%} of the outputs")

# %%
EXPERIMENTS = [(init, cost) for init in ("large_normal", "scaled_normal") for cost in ("quadratic", "cross_entropy")]
histories = {}
for init, cost in EXPERIMENTS:
    net = Network([784, 30, 10], cost=cost, init=init, rng=1)
    histories[init, cost] = net.fit(digits.X_train, Y_train, epochs=10, batch_size=10, eta=0.5,
                                    validation=(digits.X_val, Y_val), progress=True, monitor_training=False)

# %% tags=["nbval-check-output"]
print("validation accuracy after epochs 1, 2, 5, 10 (eta = 0.5, batch size 10)")
for init, cost in EXPERIMENTS:
    acc = histories[init, cost].validation_accuracy
    start = "N(0, 1) weights      " if init == "large_normal" else "N(0, 1/n_in) weights "
    print(f"{start}{cost:>14}: " + "  ".join(f"{acc[e - 1]:.0%}" for e in (1, 2, 5, 10)))

# %%
fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.4), sharey=True)
titles = {"large_normal": "weights start N(0, 1): saturated", "scaled_normal": "weights start N(0, 1/n_in)"}
for ax, init in zip(axes, titles):
    for cost, color in (("quadratic", "tab:red"), ("cross_entropy", "tab:blue")):
        acc = histories[init, cost].validation_accuracy
        ax.plot(range(1, len(acc) + 1), acc, "o-", color=color, label=cost.replace("_", "-"))
    ax.set(title=titles[init], xlabel="epoch")
axes[0].set(ylabel="validation accuracy")
axes[0].legend()
plt.show()

# %% [markdown]
# With saturated starting weights the quadratic cost starts far behind and catches up only
# slowly; the cross-entropy network is useful after the first epoch (the table above the plot
# prints the accuracies). With sensible starting weights neither the hidden neurons nor the
# outputs start saturated (the first cell of this section prints the fractions) and the gap
# shrinks, but the cross-entropy is still no worse: it is the safe default for sigmoid outputs.
#
# ## Summary
#
# * Gradient descent learns at a speed set by the gradient. With sigmoid outputs and the quadratic
#   cost the gradient carries a factor $\sigma'(z)$, which is nearly zero for a saturated neuron:
#   a badly wrong neuron can be stuck on a plateau.
# * The binary cross-entropy $-[y\ln a + (1-y)\ln(1-a)]$ is non-negative, near zero for right
#   answers, and its output error is $\delta = a - y$: the $\sigma'(z)$ cancels, so the neuron
#   learns fastest when it is most wrong. It is the cost you get by *asking* for that property.
# * Match the cost to the output activation: linear + quadratic (MSE) for regression, sigmoid +
#   cross-entropy for yes/no outputs, softmax + log-likelihood for one-of-$C$ classes (next chapter).

# %% [markdown]
# ## Your progress
#
# The cell below lists this chapter's exercises: ✓ passed, ✗ failed, · not run yet in this
# session (re-run a test cell after changing its function), ✎ written answers.

# %%
checks.summary("01-cost-functions")
