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
# # Chapter 06 · Weight initialization
#
# Before a network learns anything, someone has to pick its first weights. That choice decides
# whether the first gradient steps are useful or wasted: equal weights make every hidden unit a
# copy of the others forever; weights that are too large saturate the sigmoid neurons (the
# learning slowdown of [chapter 01](../01-cost-functions/cost_functions.ipynb), now in the
# hidden layers); weights that are a little too small or too large make the signal shrink or
# blow up layer after layer in a deep network. This chapter works out the right *size* of
# random weights from one rule: **keep the variance of the signal the same from layer to
# layer**, forwards and backwards.
#
# **After this chapter you can**
#
# 1. explain why equal (for example zero) weights never become different, and test a network for it;
# 2. compute the spread of a neuron's weighted input $z$ from the spread of its weights, and
#    reproduce the book's $\sqrt{501} \approx 22.4$ versus $\sqrt{3/2} \approx 1.22$;
# 3. write the $N(0, 1/n_{\text{in}})$ and He initializers with an explicit random generator;
# 4. follow activations forwards and errors $\delta$ backwards through ten layers, and say which
#    initializer suits which activation (Glorot for tanh, He for ReLU);
# 5. measure the effect on learning real handwritten digits.
#
# **How this notebook works.** Exercises are functions whose body says `raise NotImplementedError()`.
# Replace that line with your code and run the cell, then run the check cell below it: it tries
# your function on harder and harder inputs and prints one line per step, `✓` or `✗` with what
# was expected, what came back and a hint (run `checks.hint("<exercise>")` for more help). The
# check cells also grade the notebook, with more inputs you do not see. Inside a check, nnkit's
# own versions of these functions are switched off: write them with numpy. You may use the
# activations and their derivatives from `nnkit.activations`.
#
# **Notation.** A batch holds $N$ examples as the **rows** of `X`. A layer with $n_{\text{in}}$
# inputs and $n_{\text{out}}$ neurons has weights `W` of shape `(n_in, n_out)` and biases `b` of
# shape `(n_out,)`, and computes $Z = XW + b$, $A = f(Z)$. Layers are numbered $l = 1, \dots, L$;
# $A^0 = X$. Randomness always comes from a `numpy.random.Generator` passed as `rng`.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from nnkit import checks
from nnkit.activations import relu, relu_prime, sigmoid, sigmoid_prime, tanh, tanh_prime
from nnkit.data import load_digits_8x8, load_mnist_5k, one_hot
from nnkit.init import large_normal, xavier_normal
from nnkit.network import Network
from nnkit.widgets import init_explorer
from nnkit.widgets.ch06_initialization import histogram_grid

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Equal weights: the symmetry problem
#
# Why not start every weight at zero, the most "neutral" choice? Take a network with one hidden
# layer. If every weight and bias is 0, every hidden unit computes the same $z = 0$ and the same
# activation $\sigma(0) = 0.5$, whatever the input. Every hidden unit sends the same signal to
# the outputs, so the outgoing weights of all hidden units receive the same gradient. Going
# backwards, the error of hidden unit $j$ is
#
# $$\delta_j = \Big(\sum_k \delta^{\text{out}}_k\, W^{\text{out}}_{jk}\Big)\, \sigma'(z_j),$$
#
# the same for every $j$ because the rows $W^{\text{out}}_{j\cdot}$ are equal and so are the
# $z_j$. So the incoming weights (the columns of $W^{\text{in}}$) get equal updates too. After the
# step the hidden units are still copies of each other, and by the same argument after every
# later step: gradient descent can never tell them apart. A layer of 20 identical units is no
# better than one unit. Zero is not special: any initialization that makes the units equal has
# the problem; what breaks it is making them *different*, with random numbers. (The biases may
# start at zero once the weights are random: the units already differ.)
#
# A hidden unit $j$ is fully described by three things: its incoming weights `W_in[:, j]`, its
# bias `b_in[j]` and its outgoing weights `W_out[j, :]`.
#
# **Exercise 1.** Write `hidden_units_identical(W_in, b_in, W_out, atol)`: are all hidden units
# copies of the first one, up to an absolute difference `atol`?

# %% nbgrader={"grade": false, "grade_id": "hidden_units_identical", "locked": false, "schema_version": 3, "solution": true, "task": false}
def hidden_units_identical(W_in, b_in, W_out, atol=1e-12):
    """Whether every hidden unit of a one-hidden-layer network is a copy of hidden unit 0.

    Parameters
    ----------
    W_in : ndarray, shape (D, H)
        Weights from the D inputs into the H hidden units.
    b_in : ndarray, shape (H,)
        Biases of the hidden units.
    W_out : ndarray, shape (H, C)
        Weights from the hidden units to the C outputs.
    atol : float >= 0
        Two numbers count as equal when their absolute difference is at most atol.

    Returns
    -------
    bool
        True if every hidden unit agrees with unit 0 in all of its incoming weights, its bias
        and all of its outgoing weights (within atol); always True for H = 1.
    """
    ### BEGIN SOLUTION
    same_in = np.all(np.abs(W_in - W_in[:, :1]) <= atol)
    same_bias = np.all(np.abs(b_in - b_in[0]) <= atol)
    same_out = np.all(np.abs(W_out - W_out[:1, :]) <= atol)
    return bool(same_in and same_bias and same_out)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_hidden_units_identical", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that hidden_units_identical compares every unit's incoming weights, bias and outgoing weights."""
checks.hidden_units_identical(hidden_units_identical)
### BEGIN HIDDEN TESTS
checks.hidden_units_identical(hidden_units_identical, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Now train a network with 20 hidden sigmoid units on the 8x8 digits that ship with
# scikit-learn, once from all-zero weights and once from random $N(0, 1/n_{\text{in}})$ weights
# (the book's choice, section 2), and ask your function whether the hidden units are still copies
# of each other after 5 epochs. The tolerance is $10^{-9}$: the arithmetic of the computer
# rounds, so "identical" means identical up to round-off.

# %%
digits8 = load_digits_8x8(rng=0)
Y8_train = one_hot(digits8.y_train)
SYM_EPOCHS = 5


def train_digits8(init, epochs, hidden=20, rng=0):
    """A 64-hidden-10 sigmoid network trained on the 8x8 digits (batch 10, eta 0.5)."""
    net = Network([64, hidden, 10], init=init, rng=rng)
    net.fit(digits8.X_train, Y8_train, epochs=epochs, batch_size=10, eta=0.5, progress=False,
            monitor_training=False)
    return net


nets8 = {init: train_digits8(init, SYM_EPOCHS) for init in ("zeros", "scaled_normal")}
one_unit = train_digits8("scaled_normal", SYM_EPOCHS, hidden=1)

# %% tags=["uses-stubs", "nbval-check-output"]
for init, net in nets8.items():
    W_in, b_in, W_out = net.weights[0], net.biases[0], net.weights[1]
    print(f"{init:>13} start, after {SYM_EPOCHS} epochs: hidden units identical? "
          f"{hidden_units_identical(W_in, b_in, W_out, atol=1e-9)}; "
          f"validation accuracy {net.accuracy(digits8.X_val, digits8.y_val):.1%}")
print(f"for comparison, ONE hidden unit (random start), after {SYM_EPOCHS} epochs: "
      f"validation accuracy {one_unit.accuracy(digits8.X_val, digits8.y_val):.1%}")

# %% [markdown]
# The zero-initialized network has trained, and its 20 hidden units are still one unit in 20
# copies: its accuracy is in the range of a network with a single hidden unit (the cell prints
# all three).
#
# **A footnote on round-off.** In exact arithmetic the copies would stay copies forever. A
# computer rounds, and the matrix products do not always add the same numbers in the same
# order for every column, so the copies differ in the 16th digit. Is the symmetric state
# stable? Train longer and watch the largest difference between two hidden units:

# %%
net_zero = Network([64, 20, 10], init="zeros", rng=0)
spread = []
for epoch in range(30):
    net_zero.fit(digits8.X_train, Y8_train, epochs=1, batch_size=10, eta=0.5, progress=False,
                 monitor_training=False)
    W_in = net_zero.weights[0]
    spread.append(np.abs(W_in - W_in[:, :1]).max())
spread = np.array(spread)
first_big = int(np.argmax(spread > 1e-3)) + 1
growth = (spread[first_big - 1] / spread[0]) ** (1 / (first_big - 1))
print(f"largest difference between two hidden units after epoch 1: {spread[0]:.0e}; "
      f"first above 1e-3 after epoch {first_big}; growth about x{growth:.0f} per epoch until then")
print(f"after 30 epochs: validation accuracy {net_zero.accuracy(digits8.X_val, digits8.y_val):.0%} "
      f"(from zeros) vs {train_digits8('scaled_normal', 30).accuracy(digits8.X_val, digits8.y_val):.0%} (random)")

# %%
fig, ax = plt.subplots(figsize=(6.5, 2.8))
ax.semilogy(np.arange(1, 31), np.maximum(spread, 1e-17), "o-", ms=3, color="tab:purple")
ax.set(xlabel="epoch", ylabel="max |W_in[:, j] - W_in[:, 0]|",
       title="zero initialization: round-off differences between hidden units grow")
plt.show()

# %% [markdown]
# The differences grow by a roughly constant factor per epoch (the cell above prints it): the
# symmetric state is unstable, and round-off eventually breaks it, but only after many wasted
# epochs (the cell prints when, and how far behind the zero-started network still is after 30
# epochs). Random weights break the symmetry from the first step.
#
# ## 2. Random, but how large? Saturation
#
# Early networks drew every weight and bias from the standard normal distribution $N(0, 1)$. The
# book explains what goes wrong with an example: a hidden neuron with $n_{\text{in}} = 1000$
# inputs, of which 500 are 1 and 500 are 0. Its weighted input is
#
# $$z = \sum_{j=1}^{1000} w_j x_j + b,$$
#
# a sum of 500 weights (those that meet a 1) and the bias: 501 independent $N(0, 1)$ numbers.
# The variances of independent random numbers add, so $\operatorname{Var}(z) = 501$ and the
# standard deviation of $z$ is $\sqrt{501} \approx 22.4$. Let us check by sampling 10,000 such
# neurons:

# %% tags=["nbval-check-output"]
N_IN = 1000
x_half = np.r_[np.ones(500), np.zeros(500)]           # 500 inputs on, 500 off
rng = np.random.default_rng(0)
W_big = rng.standard_normal((10_000, N_IN))           # 10,000 neurons, N(0, 1) weights
b_big = rng.standard_normal(10_000)
z_big = W_big @ x_half + b_big
print(f"sqrt(501) = {np.sqrt(501):.1f}; sampled std of z = {z_big.std():.1f}")
print(f"|z| > 5 (sigma'(z) < {sigmoid_prime(5.0):.4f}) for {np.mean(np.abs(z_big) > 5):.0%} of the neurons")

# %% [markdown]
# Most of these neurons start with $|z|$ far beyond 5, where the sigmoid is flat and
# $\sigma'(z)$ nearly zero (the cell prints the share). A saturated hidden neuron passes
# almost no gradient to its weights: the slowdown of chapter 01, now in the hidden layer, where
# no choice of cost can cancel $\sigma'$.
#
# In general, for fixed inputs $x_j$ and independent zero-mean weights with standard deviation
# $\sigma_w$ and a bias with standard deviation $\sigma_b$, each term $w_j x_j$ has variance
# $x_j^2 \sigma_w^2$.
#
# **Exercise 2.** Write `z_std(x, weight_std, bias_std)`: the standard deviation of $z$ over
# the random weights, for one given input pattern `x`. Derive it; do not sample.

# %% nbgrader={"grade": false, "grade_id": "z_std", "locked": false, "schema_version": 3, "solution": true, "task": false}
def z_std(x, weight_std, bias_std):
    """Standard deviation of z = sum_j w_j x_j + b over random weights, for a fixed input.

    The weights w_j and the bias b are independent random numbers with mean 0; each weight
    has standard deviation weight_std, the bias bias_std.

    Parameters
    ----------
    x : ndarray, shape (D,)
        One input pattern (any real numbers).
    weight_std, bias_std : float >= 0
        Standard deviations (not variances).

    Returns
    -------
    float
    """
    ### BEGIN SOLUTION
    return float(np.sqrt(weight_std**2 * np.sum(x**2) + bias_std**2))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_z_std", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that z_std adds the variances of the weighted inputs and the bias."""
checks.z_std(z_std)
### BEGIN HIDDEN TESTS
checks.z_std(z_std, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# The book's fix: draw each weight from $N(0, 1/n_{\text{in}})$, standard deviation
# $1/\sqrt{n_{\text{in}}}$, and keep the bias $N(0, 1)$. Then the 500 active weights contribute
# $500 \cdot \frac{1}{1000} = \frac12$ to the variance, the bias 1, and the standard deviation
# of $z$ is $\sqrt{3/2} \approx 1.22$:

# %% tags=["uses-stubs", "nbval-check-output"]
print(f"N(0, 1) weights:        z_std = {z_std(x_half, 1.0, 1.0):.1f}  (sqrt(501) = {np.sqrt(501):.1f})")
print(f"N(0, 1/n_in) weights:   z_std = {z_std(x_half, 1 / np.sqrt(N_IN), 1.0):.2f} (sqrt(3/2) = {np.sqrt(1.5):.2f})")

# %% [markdown]
# **Exercise 3.** Write the book's initializer `scaled_normal_init(n_in, n_out, rng)`. Draw
# every random number from the generator `rng` you are given (`rng.normal`,
# `rng.standard_normal`), never from `np.random.*`: the same generator state must give the same
# weights, so that experiments can be repeated.

# %% nbgrader={"grade": false, "grade_id": "scaled_normal_init", "locked": false, "schema_version": 3, "solution": true, "task": false}
def scaled_normal_init(n_in, n_out, rng):
    """The book's initialization of one layer: W ~ N(0, 1/n_in), b ~ N(0, 1).

    Parameters
    ----------
    n_in : int
        Inputs of each neuron of the layer.
    n_out : int
        Neurons in the layer.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    W : ndarray, shape (n_in, n_out)
        Independent Gaussian weights with mean 0 and VARIANCE 1/n_in.
    b : ndarray, shape (n_out,)
        Independent standard normal biases.
    """
    ### BEGIN SOLUTION
    W = rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out))
    b = rng.standard_normal(n_out)
    return W, b
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_scaled_normal_init", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that scaled_normal_init draws W ~ N(0, 1/n_in) and b ~ N(0, 1) from the given generator."""
checks.scaled_normal_init(scaled_normal_init)
### BEGIN HIDDEN TESTS
checks.scaled_normal_init(scaled_normal_init, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Sampling 10,000 neurons of a layer made by your initializer gives the book's second number
# (the same experiment as above, new weights):

# %% tags=["uses-stubs", "nbval-check-output"]
W_small, b_small = scaled_normal_init(N_IN, 10_000, np.random.default_rng(1))
z_small = x_half @ W_small + b_small
print(f"sqrt(3/2) = {np.sqrt(1.5):.2f}; sampled std of z = {z_small.std():.2f}; "
      f"|z| > 5 for {np.mean(np.abs(z_small) > 5):.2%} of the neurons")

# %% tags=["uses-stubs"]
fig, ax = plt.subplots(figsize=(7, 2.8))
bins = np.linspace(-40, 40, 161)
ax.hist(z_big, bins=bins, density=True, color="tab:red", alpha=0.6, label="N(0, 1) weights")
ax.hist(z_small, bins=bins, density=True, color="tab:blue", alpha=0.6, label="N(0, 1/n_in) weights")
ax.set(xlabel="z", ylabel="density", title="weighted input of a neuron with 500 of 1000 inputs on",
       ylim=(0, 0.12))
ax.legend(loc="upper left")
plt.show()

# %% [markdown]
# The narrow distribution keeps the neuron where the sigmoid is steep (the share beyond 5 is
# printed above; the density of the narrow one is cut off at the top of the plot).
#
# **Question (written, graded by hand).** The book scales the *weights* by $1/\sqrt{n_{\text{in}}}$
# but keeps the *biases* $N(0, 1)$. Why do the biases not need the scaling? Use the variance of
# $z$ in your answer. (Two to four sentences.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "why_biases_unscaled", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# A neuron has $n_{\text{in}}$ weights but only one bias. In
# $\operatorname{Var}(z) = \sigma_w^2 \sum_j x_j^2 + \sigma_b^2$ the weights contribute a sum of
# up to $n_{\text{in}}$ terms, which grows with the width of the layer unless $\sigma_w^2$ shrinks
# like $1/n_{\text{in}}$; the bias contributes the single term $\sigma_b^2 = 1$, whatever
# $n_{\text{in}}$ is. With scaled weights $\operatorname{Var}(z)$ stays of order 1
# ($500/1000 + 1 = 3/2$ in the example), so an $N(0, 1)$ bias cannot saturate the neuron.
# (Biases do not break or create symmetry either once the weights are random; many libraries
# simply start them at 0.)
#
# **Rubric (2 points).** 1 point: one bias versus $n_{\text{in}}$ weights, i.e. the weights'
# contribution to $\operatorname{Var}(z)$ grows with $n_{\text{in}}$, the bias's does not. 1 point:
# concludes with the variance that $z$ stays of order 1 (e.g. $3/2$), so the bias does not cause
# saturation. Half a point off for answers that only say "biases are few" without the variance.
# ### END SOLUTION

# %% [markdown]
# ## 3. Deep networks: keep the variance constant, forwards and backwards
#
# In a deep network the question becomes: does the spread of the signal stay the same from
# layer to layer? Take layer $l$ with $n_{\text{in}}$ inputs $a_j$ (the activations of layer
# $l-1$), independent zero-mean weights of variance $\operatorname{Var}(w)$ and zero biases. Then
#
# $$\operatorname{Var}(z^l) = n_{\text{in}} \operatorname{Var}(w)\; \mathbb{E}\big[(a^{l-1})^2\big].$$
#
# * **tanh** (Glorot and Bengio, 2010). Near 0, $\tanh(z) \approx z$, so $\mathbb{E}[a^2] \approx
#   \operatorname{Var}(z)$ of the layer below, and the forward signal keeps its variance when
#   $n_{\text{in}} \operatorname{Var}(w) = 1$. Going backwards,
#   $\delta^{l-1} = (\delta^l W^{lT}) \odot f'(z^{l-1})$ sums over the $n_{\text{out}}$ units
#   of the layer above, so the gradients keep their variance when $n_{\text{out}} \operatorname{Var}(w) = 1$.
#   Both cannot hold when $n_{\text{in}} \ne n_{\text{out}}$; Glorot's compromise is their harmonic
#   mean, $\operatorname{Var}(w) = 2/(n_{\text{in}} + n_{\text{out}})$ (for equal widths, simply $1/n_{\text{in}}$).
# * **ReLU** (He et al., 2015). A ReLU sets the negative half of a symmetric $z$ to zero, so
#   $\mathbb{E}[\mathrm{relu}(z)^2] = \frac12 \operatorname{Var}(z)$: half of the second moment is
#   lost at every layer. To keep $\operatorname{Var}(z)$ constant the weights must make up for it.
#
# A quick check of the ReLU fact by sampling:

# %% tags=["nbval-check-output"]
z_samples = np.random.default_rng(2).normal(0.0, 1.7, size=1_000_000)
print(f"Var(z) = {z_samples.var():.3f}; E[relu(z)^2] = {np.mean(relu(z_samples) ** 2):.3f}; "
      f"ratio {np.mean(relu(z_samples) ** 2) / z_samples.var():.3f}")

# %% [markdown]
# **Exercise 4.** Write He's initializer `he_normal_init(n_in, n_out, rng)`: Gaussian weights
# whose variance keeps $\operatorname{Var}(z)$ constant from one ReLU layer to the next (derive it
# from the two facts above), and zero biases.

# %% nbgrader={"grade": false, "grade_id": "he_normal_init", "locked": false, "schema_version": 3, "solution": true, "task": false}
def he_normal_init(n_in, n_out, rng):
    """He initialization of one ReLU layer: Gaussian weights, zero biases.

    Parameters
    ----------
    n_in : int
        Inputs of each neuron of the layer.
    n_out : int
        Neurons in the layer.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    W : ndarray, shape (n_in, n_out)
        Independent zero-mean Gaussian weights whose variance keeps Var(z) the same from one
        ReLU layer to the next.
    b : ndarray, shape (n_out,)
        Zeros.
    """
    ### BEGIN SOLUTION
    W = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
    return W, np.zeros(n_out)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_he_normal_init", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that he_normal_init draws W ~ N(0, 2/n_in) from the given generator and zero biases."""
checks.he_normal_init(he_normal_init)
### BEGIN HIDDEN TESTS
checks.he_normal_init(he_normal_init, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# To see the rule at work we need to measure the spread of every layer of a deep stack. The
# stack has $L$ layers, all with the same activation $f$ (no special output layer: we only watch
# the signal):
#
# $$A^0 = X, \qquad Z^l = A^{l-1} W^l + b^l, \qquad A^l = f(Z^l), \qquad l = 1, \dots, L.$$
#
# **Exercise 5.** Write `activation_stds(X, weights, biases, f)`: push the batch through the
# stack and return the standard deviation of each layer's activations $A^l$ (over all entries of
# the layer, numpy's default `np.std`). In Python the lists are 0-based: `weights[0]` is $W^1$.

# %% nbgrader={"grade": false, "grade_id": "activation_stds", "locked": false, "schema_version": 3, "solution": true, "task": false}
def activation_stds(X, weights, biases, f):
    """Standard deviation of every layer's activations in a stack of L layers.

    Parameters
    ----------
    X : ndarray, shape (N, n_0)
        The input batch, one example per row.
    weights : list of L ndarrays
        weights[l] has shape (n_l, n_{l+1}): the weights of layer l + 1.
    biases : list of L ndarrays
        biases[l] has shape (n_{l+1},).
    f : function
        The activation of every layer, applied elementwise: A = f(Z).

    Returns
    -------
    ndarray, shape (L,)
        np.std of each layer's activations A (over all N * n entries), first layer first.
        The input X is not included.
    """
    ### BEGIN SOLUTION
    stds = []
    A = X
    for W, b in zip(weights, biases):
        A = f(A @ W + b)
        stds.append(np.std(A))
    return np.array(stds)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_activation_stds", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that activation_stds returns the standard deviation of every layer's activations."""
checks.activation_stds(activation_stds)
### BEGIN HIDDEN TESTS
checks.activation_stds(activation_stds, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Ten layers of 100 units, a batch of 200 standard-normal inputs, four initializers and three
# activations. `large_normal` is the old $N(0, 1)$ and `xavier_normal` Glorot's
# $N(0, 2/(n_{\text{in}} + n_{\text{out}}))$, both from `nnkit.init`; the other two are yours.

# %% tags=["uses-stubs", "nbval-check-output"]
DEPTH, WIDTH = 10, 100
ACTS = {"sigmoid": (sigmoid, sigmoid_prime), "tanh": (tanh, tanh_prime), "relu": (relu, relu_prime)}
INITS = {"N(0, 1)": large_normal, "N(0, 1/n_in)": scaled_normal_init, "Glorot": xavier_normal,
         "He": he_normal_init}
X_deep = np.random.default_rng(3).standard_normal((200, WIDTH))


def make_stack(init, seed=4):
    """DEPTH layers of WIDTH units drawn by init(n_in, n_out, rng)."""
    g = np.random.default_rng(seed)
    layers = [init(WIDTH, WIDTH, g) for _ in range(DEPTH)]
    return [W for W, _ in layers], [b for _, b in layers]


stacks = {name: make_stack(init) for name, init in INITS.items()}
deep_stds = {(name, act): activation_stds(X_deep, *stacks[name], ACTS[act][0]) for name in INITS for act in ACTS}
print("std of the activations in layers 1 / 5 / 10")
print(f"{'weights':>13}" + "".join(f"{act:>29}" for act in ACTS))
for name in INITS:
    cells = [" / ".join(f"{deep_stds[name, act][l - 1]:.3g}" for l in (1, 5, 10)) for act in ACTS]
    print(f"{name:>13}" + "".join(f"{c:>29}" for c in cells))
per_layer = {name: (deep_stds[name, "relu"][-1] / deep_stds[name, "relu"][0]) ** (1 / (DEPTH - 1))
             for name in ("N(0, 1)", "Glorot")}
print(f"ReLU, growth of the std per layer: N(0, 1) x{per_layer['N(0, 1)']:.2f} "
      f"(sqrt(n_in / 2) = {np.sqrt(WIDTH / 2):.2f}); Glorot x{per_layer['Glorot']:.2f} (1/sqrt(2) = {1 / np.sqrt(2):.2f})")

# %% tags=["uses-stubs"]
fig, axes = plt.subplots(1, 3, figsize=(10, 3), sharey=True)
for ax, act in zip(axes, ACTS):
    for name in INITS:
        ax.semilogy(range(1, DEPTH + 1), deep_stds[name, act], "o-", ms=3, label=name)
    ax.set(title=act, xlabel="layer")
axes[0].set(ylabel="std of the activations")
axes[-1].legend(loc="upper left", bbox_to_anchor=(1.02, 1))
plt.show()

# %% [markdown]
# Read the table with the two rules in mind:
#
# * with $N(0, 1)$ weights the sigmoid and tanh layers are saturated (their activations pile
#   up at the ends of the range, the largest spread a bounded activation can have) and the ReLU
#   activations explode by a factor of about $\sqrt{n_{\text{in}}/2}$ per layer (each layer
#   multiplies the second moment by $n_{\text{in}} \cdot 1 \cdot \tfrac12$);
# * with He weights the ReLU signal keeps its size through all ten layers, while Glorot's
#   variance, half of He's for equal widths, makes ReLU activations shrink by about $1/\sqrt{2}$
#   per layer (the cell prints both measured factors next to these predictions);
# * with Glorot weights the tanh signal neither saturates nor collapses; it shrinks slowly,
#   because tanh's slope is below 1 away from 0, so each layer passes on a little less than the
#   linear argument assumes;
# * the book's $N(0, 1/n_{\text{in}})$ initializer keeps $N(0, 1)$ biases, which add 1 to the
#   variance of every $z$: in this deep stack they, not the weights, keep the signal up;
# * the sigmoid is not centred at 0 ($\sigma(0) = \tfrac12$), so its activations never have mean
#   0 and the derivation above does not apply to it: one reason tanh and ReLU replaced it in
#   deep networks.
#
# The histograms show more than the standard deviations: one panel per initializer and
# activation, one histogram per layer, layer 1 at the bottom; for ReLU only the positive
# activations, since about half are exactly 0 (reference computations from the chapter's widget
# module, with the same sizes as the explorer of the next section, where you can move the knobs).

# %%
fig = histogram_grid()
fig

# %% [markdown]
# ### Backwards: the errors $\delta$
#
# Learning needs the gradients, and they travel the other way. For an upstream gradient
# $G = \partial C/\partial A^L$ (whatever the cost), the chain rule gives, per example (row),
#
# $$\delta^L = G \odot f'(Z^L), \qquad \delta^l = \big(\delta^{l+1}\, W^{l+1\,T}\big) \odot f'(Z^l),
#   \qquad \frac{\partial C}{\partial W^l} = A^{l-1\,T} \delta^l .$$
#
# The weight gradient of layer $l$ is as large as its $\delta^l$: if the $\delta$s shrink from
# layer to layer (vanishing gradients), the first layers hardly learn.
#
# **Exercise 6.** Write `backward_deltas(X, weights, biases, f, f_prime, grad_out)`: the forward
# pass (keep the $Z^l$), then the backward pass; return $[\delta^1, \dots, \delta^L]$.

# %% nbgrader={"grade": false, "grade_id": "backward_deltas", "locked": false, "schema_version": 3, "solution": true, "task": false}
def backward_deltas(X, weights, biases, f, f_prime, grad_out):
    """Backpropagate an upstream gradient through a stack of L layers.

    Parameters
    ----------
    X, weights, biases, f
        As in activation_stds.
    f_prime : function
        The derivative of f, as a function of the pre-activation: f_prime(Z).
    grad_out : ndarray, shape (N, n_L)
        dC/dA^L, the gradient of some cost with respect to the last layer's activations.

    Returns
    -------
    list of L ndarrays
        deltas[l] = dC/dZ of layer l + 1, shape (N, n_{l+1}), first layer first, per example
        (nothing summed or averaged over the batch).
    """
    ### BEGIN SOLUTION
    Zs = []
    A = X
    for W, b in zip(weights, biases):
        Z = A @ W + b
        Zs.append(Z)
        A = f(Z)
    deltas = [None] * len(weights)
    delta = grad_out * f_prime(Zs[-1])
    deltas[-1] = delta
    for l in range(len(weights) - 2, -1, -1):
        delta = (delta @ weights[l + 1].T) * f_prime(Zs[l])
        deltas[l] = delta
    return deltas
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_backward_deltas", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Check that backward_deltas returns every layer's delta, gradient-checked layer by layer."""
checks.backward_deltas(backward_deltas)
### BEGIN HIDDEN TESTS
checks.backward_deltas(backward_deltas, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# The same stacks, a standard-normal upstream gradient, and the ratio of the first layer's
# $\delta$ to the last layer's (1 means the gradient arrives at layer 1 at full strength):

# %% tags=["uses-stubs", "nbval-check-output"]
G_deep = np.random.default_rng(5).standard_normal((200, WIDTH))
print("std(delta^1) / std(delta^10)")
print(f"{'weights':>13}" + "".join(f"{act:>12}" for act in ACTS))
grad_ratio = {}
for name in INITS:
    for act, (f, fp) in ACTS.items():
        d = backward_deltas(X_deep, *stacks[name], f, fp, G_deep)
        grad_ratio[name, act] = np.std(d[0]) / np.std(d[-1])
    print(f"{name:>13}" + "".join(f"{grad_ratio[name, act]:12.3g}" for act in ACTS))

# %% [markdown]
# He weights bring the ReLU gradients to layer 1 at full strength, and Glorot weights leave the
# tanh gradients a sizeable fraction; the book's $N(0, 1/n_{\text{in}})$ initializer loses much
# more with tanh, because its $N(0, 1)$ biases push many units into the flat tails, where
# $\tanh'$ is small. $N(0, 1)$ weights make the tanh and ReLU gradients explode: a per-layer
# factor above 1, raised to the ninth power (the table prints every ratio). With every scaled
# initializer the sigmoid's gradients shrink by orders of magnitude over ten layers, because
# $\sigma'(z) \le \tfrac14$ at every layer: the vanishing-gradient problem that the activations of
# [chapter 03](../03-activations/activations.ipynb) address ($N(0, 1)$ weights avoid it only by being
# so large that the activations saturate).
#
# ## 4. Explore
#
# The explorer builds the same kind of stack (ten layers of 100 units at most, 100 input rows)
# and shows every layer's activations (left) and errors $\delta$ (middle, in units of the top
# layer's spread), and the standard deviations of both (right, log scale). *scale* multiplies
# every weight of the chosen initializer. Your `activation_stds` and `backward_deltas` are
# drawn dashed on the right as soon as they exist.
#
# Things to try: sigmoid with $N(0, 1)$ weights (saturated: activations at 0 and 1); tanh with
# Glorot weights, then scale 0.5 (the signal collapses to 0 and the $\delta$s shrink towards
# layer 1) and 2 (saturation); ReLU with He weights and the scale a factor $\sqrt 2$ up or down;
# zeros with any activation (every unit of a layer outputs the same value, and with all weights 0
# no error reaches any layer below the top one).

# %%
init_explorer(init="N(0, 1)", activation="sigmoid")

# %% [markdown]
# ## 5. Real data: the effect on learning
#
# The book compares the two initializations of section 2 on MNIST with a 784-30-10 network,
# cross-entropy cost, mini-batches of 10, $\eta = 0.1$ and L2 regularization $\lambda = 5.0$.
# After the first epoch of 50,000 images the old $N(0, 1)$ weights give 86.4% accuracy and the
# new $N(0, 1/n_{\text{in}})$ weights 92.7%; after 30 epochs both end at about the same
# accuracy: the better start makes learning *faster*, not (here) better in the end.
#
# We repeat it at small scale on 3,000 real MNIST digits (validated on 1,000 others), with the
# same network and settings, your `scaled_normal_init` against `large_normal`, two seeds
# each. With 3,000 images an epoch has far fewer mini-batch steps than the book's (printed
# below), so our first-epoch numbers are lower than the book's; what should reproduce is the
# gap early on and its disappearance later.

# %% tags=["nbval-check-output"]
BOOK = {"large_normal": 86.4, "scaled_normal": 92.7}
print(f"book, full MNIST, after epoch 1: N(0, 1) {BOOK['large_normal']}%, N(0, 1/n_in) {BOOK['scaled_normal']}%")
mnist = load_mnist_5k(rng=0)
Y_train, Y_val = one_hot(mnist.y_train), one_hot(mnist.y_val)
print(f"training images {mnist.X_train.shape}, validation images {mnist.X_val.shape}")
EPOCHS, SEEDS, BATCH = 30, (1, 2), 10
print(f"mini-batch steps per epoch: {len(mnist.X_train) // BATCH} here, {50_000 // BATCH} in the book")

# %% tags=["uses-stubs"]
curves = {}
for label, init in (("N(0, 1)", large_normal), ("N(0, 1/n_in)", scaled_normal_init)):
    runs = []
    for seed in SEEDS:
        net = Network([784, 30, 10], cost="cross_entropy", init=init, rng=seed)
        hist = net.fit(mnist.X_train, Y_train, epochs=EPOCHS, batch_size=BATCH, eta=0.1, lmbda=5.0,
                       validation=(mnist.X_val, Y_val), progress=True, monitor_training=False)
        runs.append(hist.validation_accuracy)
    curves[label] = np.mean(runs, axis=0)

# %% tags=["uses-stubs", "nbval-check-output"]
print(f"validation accuracy, mean of {len(SEEDS)} seeds (784-30-10, eta = 0.1, lambda = 5, batch 10)")
print(f"{'epoch':>14}" + "".join(f"{e:>7d}" for e in (1, 2, 3, 5, 10, 20, 30)))
for label, acc in curves.items():
    print(f"{label:>14}" + "".join(f"{acc[e - 1]:7.1%}" for e in (1, 2, 3, 5, 10, 20, 30)))
gap = {e: curves["N(0, 1/n_in)"][e - 1] - curves["N(0, 1)"][e - 1] for e in (1, EPOCHS)}
print(f"gap after epoch 1: {100 * gap[1]:.1f} points; after epoch {EPOCHS}: {100 * gap[EPOCHS]:.1f} points")

# %% tags=["uses-stubs"]
fig, ax = plt.subplots(figsize=(6.5, 3.2))
for (label, acc), color in zip(curves.items(), ("tab:red", "tab:blue")):
    ax.plot(range(1, EPOCHS + 1), acc, "o-", ms=3, color=color, label=f"{label} weights")
ax.set(xlabel="epoch", ylabel="validation accuracy", title="3,000 MNIST digits, 784-30-10, lambda = 5")
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# The scaled weights are far ahead after the first epoch and the old weights catch up over the
# thirty epochs (the table prints both gaps): the same story as the book's, with smaller
# numbers because our epochs are shorter. With the four MNIST files (or the book's
# `mnist.pkl.gz`) on your disk, the same cells reproduce the book's figures at full scale:
#
# ```python
# from nnkit.data import load_mnist
# mnist = load_mnist("path/to/mnist.pkl.gz")   # 50,000 training, 10,000 validation images
# ```
#
# ## Summary
#
# * Equal weights make equal hidden units, and gradient descent keeps them equal: initialize the
#   weights at random (the biases may start at 0 or small random values).
# * The variance of a neuron's weighted input is $\sigma_w^2 \sum_j x_j^2 + \sigma_b^2$: with
#   $N(0, 1)$ weights it grows with the number of inputs and saturates sigmoid neurons
#   ($\sqrt{501} \approx 22.4$ in the book's example), with $N(0, 1/n_{\text{in}})$ weights it stays of
#   order 1 ($\sqrt{3/2} \approx 1.22$).
# * In deep networks choose the variance that keeps the signal's variance constant across
#   layers: Glorot, $2/(n_{\text{in}} + n_{\text{out}})$, for tanh; He, $2/n_{\text{in}}$, for ReLU.
#   The same choice keeps the backpropagated errors from vanishing or exploding.
# * A good initialization makes networks learn faster from the first epoch.

# %% [markdown]
# ## Your progress
#
# The cell below lists this chapter's exercises: ✓ passed, ✗ failed, · not run yet in this
# session (re-run a test cell after changing its function), ✎ written answers.

# %%
checks.summary("06-initialization")
