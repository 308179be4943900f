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
# # Chapter 03 · Activation functions and how gradients flow through depth
#
# Every hidden neuron computes a weighted input $z = w \cdot x + b$ and passes it through an
# **activation function** $f$. So far that was the sigmoid. This chapter meets its rivals (tanh,
# ReLU, leaky ReLU, PReLU, ELU, maxout), and asks what the choice does to *learning*: during
# backpropagation every layer multiplies the gradient by its slope $f'(z)$, so the slope of the
# activation decides whether the gradient that reaches the first layers is useful, vanishingly
# small, or exploding.
#
# **After this chapter you can**
#
# 1. build tanh from the sigmoid and derive its slope with the chain rule;
# 2. write the backward pass of leaky ReLU, ELU's slope from its output alone, and the gradient of
#    PReLU with respect to its *learned* slope $\alpha$;
# 3. measure the gradient of every layer of a deep stack, and explain vanishing and exploding
#    gradients from the product of slopes;
# 4. count dead ReLU units and explain why leaky ReLU and ELU do not die;
# 5. choose the hidden activation (separately from the output activation), with evidence from
#    real digits.
#
# **How this notebook works.** Exercises are functions whose body says `raise NotImplementedError()`.
# Replace that line with your code and run the cell, then run the check cell below it: it tries
# your function on harder and harder inputs and prints `✓` per step, or `✗` with what was
# expected, what came back and a hint (call `checks.hint("<exercise>")` for more help). The check
# cells also grade the notebook, with more inputs you do not see. Inside a check, nnkit's own
# tanh, leaky ReLU, PReLU, ELU and depth functions are switched off: calling them scores zero,
# so write the formulas yourself with numpy. You may use `sigmoid`, `sigmoid_prime`, `relu` and
# `relu_prime` from `nnkit.activations`.
#
# **Notation.** A batch is a matrix with one example per **row**: a layer's weighted inputs $Z$
# and activations $A = f(Z)$ have shape `(N, H)` for $N$ examples and $H$ units. Layer $l$ computes
# $Z^l = A^{l-1} W^l + b^l$ with $W^l$ of shape $(n_{l-1}, n_l)$; $A^0 = X$ is the input. In code
# `upstream` or `dout` is the gradient of the cost with respect to a function's output,
# $\partial C / \partial \text{out}$, and $\odot$ is the entrywise product.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from nnkit import checks
from nnkit.activations import maxout_forward, relu, relu_prime, sigmoid, sigmoid_prime
from nnkit.data import load_mnist_5k, one_hot
from nnkit.depth import random_stack
from nnkit.network import Network
from nnkit.propagation import deep_forward
from nnkit.widgets import activation_explorer
from nnkit.widgets.ch03_activations import ACTIVATION_NAMES, COLORS, LABELS, reference_curves

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. A gallery of activations
#
# | name | $f(z)$ | $f'(z)$ |
# |---|---|---|
# | sigmoid | $\sigma(z) = 1/(1 + e^{-z})$ | $\sigma(z)\,(1 - \sigma(z))$ |
# | tanh | $(e^z - e^{-z})/(e^z + e^{-z})$ | $1 - \tanh^2 z$ |
# | ReLU | $\max(0, z)$ | $0$ for $z < 0$, $1$ for $z > 0$ |
# | leaky ReLU | $z$ for $z > 0$, $\alpha z$ otherwise | $1$ for $z > 0$, $\alpha$ for $z < 0$ |
# | ELU | $z$ for $z > 0$, $\alpha(e^z - 1)$ otherwise | $1$ for $z > 0$, $\alpha e^z$ for $z < 0$ |
#
# The kinked functions have no derivative at $z = 0$ itself; code must still return a number
# there, and nnkit (like most libraries) uses the left slope: $0$ for ReLU, $\alpha$ for leaky ReLU
# and ELU. PReLU is leaky ReLU with $\alpha$ *learned* by gradient descent; maxout (section 6) takes
# the largest of several affine functions. The usual leak is $\alpha \approx 0.01$; below we use
# larger values where a plot needs to show it.
#
# Each formula for $f'$ above is checked against centred finite differences of $f$ away from the
# kink, and the table prints where each function lives and how steep it is:

# %% tags=["nbval-check-output"]
z_grid = np.linspace(-6, 6, 1201)
z_check = np.concatenate([np.linspace(-6, -0.01, 50), np.linspace(0.01, 6, 50)])
h = 1e-5
print(f"{'activation':>11}  {'range on [-6, 6]':>18}  {'mean of f(z), z~N(0,1)':>22}  "
      f"{'f(0)':>5}  {'f`(0)':>6}  {'f`(-5)':>8}  {'f`(5)':>8}  {'finite-difference error':>23}")
z_normal = np.random.default_rng(0).normal(size=100_000)
for name in ACTIVATION_NAMES:
    alpha = 0.01 if name == "leaky_relu" else 1.0
    f, fp = reference_curves(name, z_grid, alpha)
    numeric = (reference_curves(name, z_check + h, alpha)[0] - reference_curves(name, z_check - h, alpha)[0]) / (2 * h)
    fd_error = np.max(np.abs(numeric - reference_curves(name, z_check, alpha)[1]))
    at = {v: reference_curves(name, np.array([v]), alpha) for v in (0.0, -5.0, 5.0)}
    mean = reference_curves(name, z_normal, alpha)[0].mean()
    print(f"{LABELS[name]:>11}  [{f.min():7.3f}, {f.max():6.3f}]  {mean:22.3f}  {at[0.0][0][0]:5.2f}  "
          f"{at[0.0][1][0]:6.3f}  {at[-5.0][1][0]:8.4f}  {at[5.0][1][0]:8.4f}  {fd_error:23.1e}")

# %%
fig, (ax_f, ax_fp) = plt.subplots(1, 2, figsize=(10, 3.4))
for name in ACTIVATION_NAMES:
    f, fp = reference_curves(name, z_grid, 0.1)
    ax_f.plot(z_grid, f, color=COLORS[name], lw=2, label=LABELS[name] + (" (alpha = 0.1)" if name == "leaky_relu" else ""))
    ax_fp.plot(z_grid, fp, color=COLORS[name], lw=2)
ax_f.set(title="f(z)", xlabel="z", xlim=(-4, 4), ylim=(-1.5, 4))
ax_fp.set(title="slope f'(z)", xlabel="z", xlim=(-4, 4), ylim=(-0.05, 1.1))
for ax in (ax_f, ax_fp):
    ax.axhline(0, color="grey", lw=0.6)
    ax.axvline(0, color="grey", lw=0.6)
fig.legend(loc="center right", fontsize=9)
fig.subplots_adjust(right=0.8)
plt.show()

# %% [markdown]
# Three things to read off the table:
#
# * **Saturation.** Sigmoid and tanh flatten out on both sides: at $|z| = 5$ their slopes are tiny
#   (the `f'(±5)` columns). A neuron whose $z$ sits there passes almost no gradient back: it is
#   *saturated*, the problem of chapter 01, now in every hidden layer. The ReLU family saturates
#   at most on one side (ELU towards $-\alpha$, ReLU flat at 0) and has slope 1 for every $z > 0$.
# * **The largest slope.** $\sigma'(0)$ is the sigmoid's *largest* slope, and it is only a quarter;
#   tanh and the ReLUs reach 1. Section 7 shows why that factor matters so much in deep networks.
# * **Zero-centred outputs.** For inputs spread around 0 the sigmoid's outputs average near $\frac12$
#   and ReLU's are never negative, while tanh averages 0 and ELU sits closer to 0 than ReLU (the
#   `mean` column).
#
# ## 2. tanh is a rescaled sigmoid
#
# Multiply the numerator and denominator of tanh by $e^{-z}$:
#
# $$\tanh z = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}} = \frac{1 - e^{-2z}}{1 + e^{-2z}}
#   = \frac{2}{1 + e^{-2z}} - 1 = 2\,\sigma(2z) - 1 .$$
#
# So tanh is the sigmoid squeezed horizontally by 2 and stretched vertically from $(0, 1)$ to
# $(-1, 1)$: a network of tanh neurons can compute what a sigmoid network computes (with rescaled
# weights and biases). What changes is *learning*.
#
# **Exercise 1.** Write `tanh_from_sigmoid(z, sigma, sigma_prime)`. It receives a sigmoid-like
# function `sigma` and its derivative `sigma_prime` and returns the pair
# $\big(2\sigma(2z) - 1,\ \tfrac{d}{dz}[2\sigma(2z) - 1]\big)$, computed from those two functions only
# (derive the slope with the chain rule; do not use `np.tanh`). With the logistic $\sigma$ this is
# tanh and its slope. The check also hands your function other "sigmoids", and the same recipe
# must work for them.

# %% nbgrader={"grade": false, "grade_id": "tanh_from_sigmoid", "locked": false, "schema_version": 3, "solution": true, "task": false}
def tanh_from_sigmoid(z, sigma=sigmoid, sigma_prime=sigmoid_prime):
    """tanh and its slope, built from a sigmoid: a = 2 sigma(2z) - 1 and a_prime = da/dz.

    Parameters
    ----------
    z : ndarray, any shape
        Weighted inputs.
    sigma : function
        A sigmoid-like function, applied entrywise (default: the logistic sigmoid).
    sigma_prime : function
        Its derivative, as a function of the same argument.

    Returns
    -------
    (ndarray, ndarray)
        a and a_prime, each with the shape of z. Use only sigma and sigma_prime (no np.tanh):
        finite for |z| up to 1000.
    """
    ### BEGIN SOLUTION
    a = 2.0 * sigma(2.0 * z) - 1.0
    a_prime = 4.0 * sigma_prime(2.0 * z)
    return a, a_prime
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_tanh_from_sigmoid", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that tanh_from_sigmoid returns 2 sigma(2z) - 1 and its chain-rule slope."""
checks.tanh_from_sigmoid(tanh_from_sigmoid)
### BEGIN HIDDEN TESTS
checks.tanh_from_sigmoid(tanh_from_sigmoid, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# For the logistic sigmoid your slope must equal the familiar $1 - \tanh^2 z = 1 - a^2$, and your
# $a$ must equal numpy's tanh (the cell prints the largest differences):

# %% tags=["uses-stubs", "nbval-check-output"]
a_mine, a_prime_mine = tanh_from_sigmoid(z_grid)
print(f"largest |a - np.tanh(z)|         on [-6, 6]: {np.max(np.abs(a_mine - np.tanh(z_grid))):.1e}")
print(f"largest |a_prime - (1 - a**2)|   on [-6, 6]: {np.max(np.abs(a_prime_mine - (1 - a_mine ** 2))):.1e}")

# %% [markdown]
# **Why zero-centred outputs help.** The gradient of a weight into unit $k$ of the next layer is
# $\partial C/\partial w_{jk} = a_j\,\delta_k$ (one example): the same $\delta_k$ times each input
# $a_j$. If every $a_j$ is positive, as sigmoid and ReLU outputs are, then on each example *all*
# weights into unit $k$ move in the same direction, all up or all down, and reaching a mixture of
# signs takes a zig-zag of steps. With tanh outputs the signs are mixed. The cell counts, over 1,000
# random examples with 30 inputs, how often the 30 gradient entries into one unit share one sign:

# %% tags=["uses-stubs", "nbval-check-output"]
rng = np.random.default_rng(1)
z_prev = rng.normal(0, 1, size=(1000, 30))      # weighted inputs of the layer below
delta_k = rng.normal(0, 1, size=(1000, 1))      # the error of one unit k above, per example
for label, a_prev in (("sigmoid", sigmoid(z_prev)), ("tanh", tanh_from_sigmoid(z_prev)[0]),
                      ("ReLU", relu(z_prev))):
    grad = a_prev * delta_k                      # dC/dw_jk for j = 1..30, one row per example
    same_sign = np.mean(np.all(grad >= 0, axis=1) | np.all(grad <= 0, axis=1))
    print(f"{label:>8}: mean input {a_prev.mean():6.3f}; the 30 weight gradients share one sign "
          f"on {same_sign:.0%} of the examples")

# %% [markdown]
# ## 3. ReLU and leaky ReLU: the backward pass
#
# In backpropagation an activation layer receives the gradient with respect to its output,
# `dout` $= \partial C/\partial A$, and must return the gradient with respect to its input,
# $\partial C/\partial Z$. Since $A = f(Z)$ entry by entry, the chain rule gives
#
# $$\frac{\partial C}{\partial Z} = \text{dout} \odot f'(Z).$$
#
# ReLU lets the gradient through unchanged where $z > 0$ and blocks it completely where $z < 0$.
# Leaky ReLU lets a fraction $\alpha$ through on the negative side, so a unit with negative input
# still learns, slowly.
#
# At $z = 0$ the two one-sided slopes differ ($\alpha$ on the left, 1 on the right). In practice
# $z$ is almost never exactly 0, so the choice hardly matters, but code must make one: here the
# slope at 0 is $\alpha$ (the left slope, as nnkit's `relu_prime(0) = 0`). A finite-difference
# check straddling the kink sees neither slope but their average (printed for $\alpha = 0.1$, using
# the one-line forward formula):

# %% tags=["nbval-check-output"]
alpha_demo, h = 0.1, 1e-5
def leaky_forward(z):
    return np.where(z > 0, z, alpha_demo * z)
centred = (leaky_forward(h) - leaky_forward(-h)) / (2 * h)
print(f"centred difference at z = 0: {centred:.3f}  (left slope {alpha_demo}, right slope 1.0, "
      f"average {(alpha_demo + 1) / 2:.3f})")

# %% [markdown]
# This is why gradient checks of kinked functions keep their test points away from 0.
#
# **Exercise 2.** Write the backward pass `leaky_relu_backward(dout, z, alpha)`.

# %% nbgrader={"grade": false, "grade_id": "leaky_relu_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def leaky_relu_backward(dout, z, alpha=0.01):
    """Backward pass of the leaky ReLU  out = z (z > 0), alpha * z (z <= 0).

    Parameters
    ----------
    dout : ndarray, shape (N, H)
        Upstream gradient dC/dout.
    z : ndarray, shape (N, H)
        The layer's input (weighted inputs) in the forward pass.
    alpha : float >= 0
        The slope for z <= 0 (alpha = 0 is the ReLU).

    Returns
    -------
    ndarray, shape (N, H)
        dC/dz. At the kink z = 0 use the slope alpha (slope 1 only where z > 0).
    """
    ### BEGIN SOLUTION
    return dout * np.where(z > 0, 1.0, alpha)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_leaky_relu_backward", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that leaky_relu_backward returns dout times the leaky ReLU's slope."""
checks.leaky_relu_backward(leaky_relu_backward)
### BEGIN HIDDEN TESTS
checks.leaky_relu_backward(leaky_relu_backward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# How much gradient reaches the inputs of one layer of 30 units, when a quarter, half or all of
# them have negative input? (Upstream gradient of all ones; the cell prints the fraction of the
# gradient's length that passes.)

# %% tags=["uses-stubs", "nbval-check-output"]
rng = np.random.default_rng(2)
for negative_share in (0.25, 0.5, 1.0):
    z_layer = np.abs(rng.normal(size=(1, 30)))
    z_layer[0, : int(30 * negative_share)] *= -1
    ones = np.ones_like(z_layer)
    passed = {a: np.linalg.norm(leaky_relu_backward(ones, z_layer, a)) / np.linalg.norm(ones) for a in (0.0, 0.01, 0.1)}
    print(f"{negative_share:4.0%} of the units negative: gradient passed by ReLU {passed[0.0]:.2f}, "
          f"leaky ReLU (alpha 0.01) {passed[0.01]:.2f}, (alpha 0.1) {passed[0.1]:.2f}")

# %% [markdown]
# ## 4. ELU: the slope from the output
#
# The **exponential linear unit** is $z$ for $z > 0$ and $\alpha(e^z - 1)$ for $z \le 0$: smooth
# on the negative side, saturating at $-\alpha$, so its outputs average closer to zero than
# ReLU's (section 1's table). Its slope for $z \le 0$ is $\alpha e^z$.
#
# A training loop usually keeps each layer's *output* $A$ for the backward pass (it needs it
# anyway as the input of the next layer's weight gradient) and would rather not keep $Z$ as
# well. The sigmoid allows this: $\sigma'(z) = a(1 - a)$. So does tanh: $1 - a^2$. Can ELU's slope
# be written through its output $a$ alone?
#
# **Exercise 3.** Write `elu_prime_from_output(a, alpha)`: ELU's slope at the $z$ that produced
# `a = elu(z, alpha)`, without computing $z$. (Hint: solve $a = \alpha(e^z - 1)$ for what you need.)

# %% nbgrader={"grade": false, "grade_id": "elu_prime_from_output", "locked": false, "schema_version": 3, "solution": true, "task": false}
def elu_prime_from_output(a, alpha=1.0):
    """Slope of the ELU at z, given only its output a = elu(z, alpha).

    elu(z) = z (z > 0), alpha * (exp(z) - 1) (z <= 0)

    Parameters
    ----------
    a : ndarray, any shape
        Outputs of the ELU.
    alpha : float >= 0

    Returns
    -------
    ndarray, same shape as a
        d elu / dz at the z that produced a. At the kink (z = 0, so a = 0) use the left slope alpha.
    """
    ### BEGIN SOLUTION
    return np.where(a > 0, 1.0, a + alpha)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_elu_prime_from_output", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that elu_prime_from_output returns the ELU's slope computed from its output."""
checks.elu_prime_from_output(elu_prime_from_output)
### BEGIN HIDDEN TESTS
checks.elu_prime_from_output(elu_prime_from_output, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. PReLU: a slope that learns
#
# **PReLU** (parametric ReLU) is the leaky ReLU with one slope $\alpha_j$ per unit $j$, learned
# by gradient descent like a weight. For that we need $\partial C/\partial \alpha_j$. Unit $j$'s
# output on example $x$ is $\text{out}_{xj} = z_{xj}$ if $z_{xj} > 0$ and $\alpha_j z_{xj}$
# otherwise, and every example of the batch uses the same $\alpha_j$.
#
# **Exercise 4.** Derive $\partial C/\partial \alpha_j$ from the chain rule and write
# `prelu_alpha_grad(z, alpha, dout)`. Think about which entries depend on $\alpha_j$ at all, and
# over which axis the contributions add up.

# %% nbgrader={"grade": false, "grade_id": "prelu_alpha_grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
def prelu_alpha_grad(z, alpha, dout):
    """Gradient of the cost with respect to the PReLU slopes alpha (one slope per unit).

    out[x, j] = z[x, j] if z[x, j] > 0, else alpha[j] * z[x, j]

    Parameters
    ----------
    z : ndarray, shape (N, H)
        Inputs of the PReLU layer.
    alpha : ndarray, shape (H,)
        Current slopes.
    dout : ndarray, shape (N, H)
        Upstream gradient dC/dout.

    Returns
    -------
    ndarray, shape (H,)
        dC/dalpha_j, summed over the N examples (not averaged: if dout carries the 1/N of a
        batch-mean cost, so does the result).
    """
    ### BEGIN SOLUTION
    return np.sum(dout * np.minimum(z, 0.0), axis=0)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_prelu_alpha_grad", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that prelu_alpha_grad returns dC/dalpha summed over the batch, one entry per unit."""
checks.prelu_alpha_grad(prelu_alpha_grad)
### BEGIN HIDDEN TESTS
checks.prelu_alpha_grad(prelu_alpha_grad, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# With your gradient, gradient descent can *discover* a slope. Below, 500 examples pass through
# three PReLU units whose true slopes are 0.05, 0.2 and 0.5 (plus a little noise); we start from
# $\alpha = 0$ (plain ReLU) and minimise the quadratic cost $\frac{1}{2N}\sum (\text{out} - y)^2$
# over $\alpha$ alone:

# %% tags=["uses-stubs", "nbval-check-output"]
rng = np.random.default_rng(3)
alpha_true = np.array([0.05, 0.2, 0.5])
z_p = rng.normal(0, 1, size=(500, 3))
y_p = np.where(z_p > 0, z_p, alpha_true * z_p) + rng.normal(0, 0.02, size=z_p.shape)
alpha_p, eta_p = np.zeros(3), 1.0
for step in range(101):
    out_p = np.where(z_p > 0, z_p, alpha_p * z_p)                 # the PReLU forward pass
    if step % 25 == 0:
        cost = 0.5 * np.sum((out_p - y_p) ** 2) / len(z_p)
        print(f"step {step:3d}: alpha = {alpha_p}, cost {cost:.5f}")
    alpha_p = alpha_p - eta_p * prelu_alpha_grad(z_p, alpha_p, (out_p - y_p) / len(z_p))
print(f"true slopes:        {alpha_true}")

# %% [markdown]
# ## 6. Maxout generalises ReLU and leaky ReLU
#
# A **maxout** unit does not apply a fixed function to one weighted input: it computes $k$ weighted
# inputs and outputs the largest, $\max_j (x W_j + b_j)$. With two pieces, one of them fixed to
# zero, it *is* a ReLU unit: $\max(xW + b,\ 0)$. With the second piece $\alpha$ times the first it is
# a leaky ReLU, $\max(u, \alpha u)$ for $0 \le \alpha \le 1$. Learned freely, the pieces give a
# convex piecewise-linear activation of the network's choosing, which never saturates and never
# dies, at the price of $k$ times the parameters. (nnkit's `maxout_forward` returns the output and
# a cache for the backward pass, which routes each gradient to the winning piece only.)

# %% tags=["nbval-check-output"]
rng = np.random.default_rng(4)
x_m = rng.normal(size=(200, 8))
W_m, b_m = rng.normal(size=(8, 5)), rng.normal(size=5)
u = x_m @ W_m + b_m                                         # one ordinary layer's weighted inputs
out_relu, _ = maxout_forward(x_m, np.stack([W_m, np.zeros_like(W_m)]), np.stack([b_m, np.zeros(5)]))
out_leaky, _ = maxout_forward(x_m, np.stack([W_m, 0.1 * W_m]), np.stack([b_m, 0.1 * b_m]))
print(f"maxout with pieces (W, 0):       largest difference to relu(xW + b):           "
      f"{np.max(np.abs(out_relu - relu(u))):.1e}")
print(f"maxout with pieces (W, 0.1 W):   largest difference to max(u, 0.1 u), u = xW + b: "
      f"{np.max(np.abs(out_leaky - np.maximum(u, 0.1 * u))):.1e}")
n_in, n_units = 784, 30
print(f"parameters of a layer {n_in} -> {n_units}: ReLU {n_in * n_units + n_units:,}, "
      f"maxout with k = 2 pieces {2 * (n_in * n_units + n_units):,}")

# %% [markdown]
# ## 7. Through depth: vanishing and exploding gradients
#
# Now the reason the hidden activation matters so much. In a stack of $L$ layers all using $f$,
# backpropagation starts from the gradient at the top, $G = \partial C/\partial A^L$, and goes down
# one layer at a time:
#
# $$\delta^L = G \odot f'(Z^L), \qquad \delta^l = \big(\delta^{l+1}\, W^{l+1\,T}\big) \odot f'(Z^l),
#   \qquad \frac{\partial C}{\partial b^l} = \sum_{\text{examples}} \delta^l .$$
#
# So the error of the first layer is the top gradient multiplied by *one weight matrix and one
# slope per layer above it*. For one path through the network that is a product like
# $w_2\,\sigma'(z_1)\,w_3\,\sigma'(z_2)\cdots$. Every sigmoid slope is at most $\frac14$, so with
# weights of moderate size each layer shrinks the gradient by a factor of four or more: the
# gradient **vanishes** towards the input, and the first layers learn slowest. Make the weights
# large to compensate and the neurons saturate, making $\sigma'$ smaller still. tanh's slope
# reaches 1, ReLU's *is* 1 for active units: the product need not shrink, but with large
# weights it can grow from layer to layer instead (an **exploding** gradient).
#
# The length of $\partial C / \partial b^l$ is what the book calls the **speed of learning** of
# layer $l$.
#
# **Exercise 5.** Write `layer_gradient_norms(X, weights, biases, f, f_prime, grad_out)`: run the
# stack forward (keep what the backward pass needs), backpropagate `grad_out` through every
# layer, and return $\lVert \partial C/\partial b^l \rVert$ for every layer, the first layer first.

# %% nbgrader={"grade": false, "grade_id": "layer_gradient_norms", "locked": false, "schema_version": 3, "solution": true, "task": false}
def layer_gradient_norms(X, weights, biases, f, f_prime, grad_out):
    """Length of the bias gradient, ||dC/db^l||, of every layer of a stack.

    The stack: A^0 = X, Z^l = A^(l-1) @ W^l + b^l, A^l = f(Z^l) for l = 1..L (every layer uses f).

    Parameters
    ----------
    X : ndarray, shape (N, n_0)
        Inputs, one example per row.
    weights : list of L ndarrays
        weights[l] has shape (n_l, n_(l+1)) (Python index l is layer l + 1).
    biases : list of L ndarrays
        biases[l] has shape (n_(l+1),).
    f, f_prime : functions
        The activation and its derivative, both functions of the weighted input Z.
    grad_out : ndarray, shape (N, n_L)
        The gradient of the cost with respect to the last layer's activations, dC/dA^L.

    Returns
    -------
    ndarray, shape (L,)
        The Euclidean length of dC/db^l (dC/db^l summed over the examples, nothing averaged),
        the first layer (next to the inputs) first.
    """
    ### BEGIN SOLUTION
    Zs, A = [], X
    for W, b in zip(weights, biases):
        Z = A @ W + b
        Zs.append(Z)
        A = f(Z)
    L = len(weights)
    norms = np.empty(L)
    delta = grad_out * f_prime(Zs[-1])
    for l in range(L - 1, -1, -1):
        if l < L - 1:
            delta = (delta @ weights[l + 1].T) * f_prime(Zs[l])
        norms[l] = np.linalg.norm(delta.sum(axis=0))
    return norms
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_layer_gradient_norms", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Check that layer_gradient_norms backpropagates through the stack and returns ||dC/db^l|| per layer."""
checks.layer_gradient_norms(layer_gradient_norms)
### BEGIN HIDDEN TESTS
checks.layer_gradient_norms(layer_gradient_norms, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# First on a random stack: 10 layers of 30 units with weights $N(0, 1/30)$ (the book's
# $N(0, 1/n_\text{in})$) and zero biases, 64 random inputs and a random gradient at the top. Your
# function with three activations (tanh is your `tanh_from_sigmoid`):

# %% tags=["uses-stubs", "nbval-check-output"]
rng = np.random.default_rng(5)
X_s, G_s = rng.normal(size=(64, 30)), rng.normal(size=(64, 30)) / 64
W_s, b_s = random_stack(10, 30, scale=1.0, rng=6)
stack_activations = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (lambda z: tanh_from_sigmoid(z)[0], lambda z: tanh_from_sigmoid(z)[1]),
    "ReLU": (relu, relu_prime),
}
print("||dC/db^l|| for layers 1, 4, 7, 10 of the stack, and the ratio first / last")
for label, (f, fp) in stack_activations.items():
    norms = layer_gradient_norms(X_s, W_s, b_s, f, fp, G_s)
    print(f"{label:>8}: " + "  ".join(f"{norms[l]:.2e}" for l in (0, 3, 6, 9)) + f"   first / last = {norms[0] / norms[-1]:.1e}")

# %% [markdown]
# The sigmoid stack's first layer gets a gradient many orders of magnitude smaller than its last
# (the ratio printed above); tanh and ReLU keep the same order of magnitude through all ten layers.
#
# ### The same measurement on real digits
#
# The book (chapter 5) measures exactly this on MNIST for a sigmoid network 784-30-30-30-30-10 at
# initialisation (weights $N(0, 1/n_\text{in})$, biases $N(0, 1)$, cross-entropy cost, the gradient
# of the mean cost over 1,000 training images) and reports the speeds of learning of the four hidden
# layers as about **0.003, 0.017, 0.070 and 0.285**: each layer learns roughly four times slower
# than the one above it. We do the same with nnkit's `Network` (its `backprop` returns the exact
# gradient of every weight and bias) on 1,000 of our offline MNIST digits, for every activation:

# %% tags=["nbval-check-output"]
digits = load_mnist_5k(rng=0)
Y_train, Y_val = one_hot(digits.y_train), one_hot(digits.y_val)
X_1000, Y_1000 = digits.X_train[:1000], Y_train[:1000]
DEEP = [784, 30, 30, 30, 30, 10]
print("speed of learning ||dC/db^l|| of hidden layers 1-4 at initialisation (784-30-30-30-30-10)")
for name in ACTIVATION_NAMES:
    net = Network(DEEP, hidden=name, cost="cross_entropy", rng=1)
    _, grads_b = net.backprop(X_1000, Y_1000)
    speeds = [np.linalg.norm(g) for g in grads_b[:-1]]
    print(f"{LABELS[name]:>11}: " + "  ".join(f"{s:.4f}" for s in speeds) + f"   layer 4 / layer 1 = {speeds[-1] / speeds[0]:5.1f}")
BOOK_SPEEDS = (0.003, 0.017, 0.070, 0.285)  # Nielsen, chapter 5, full MNIST, sigmoid
print(f"{'book':>11}: " + "  ".join(f"{s:.4f}" for s in BOOK_SPEEDS)
      + f"   layer 4 / layer 1 = {BOOK_SPEEDS[-1] / BOOK_SPEEDS[0]:5.1f}   (sigmoid, full MNIST)")

# %% [markdown]
# The sigmoid row reproduces the book's numbers closely: the first hidden layer learns about a
# hundred times slower than the fourth (the last column). With tanh or the ReLU family the
# factor is a few, not a hundred.
#
# Your `layer_gradient_norms` can make the same measurement: feed it the network's *hidden*
# layers, with `grad_out` the gradient that the output layer sends down,
# $\partial C/\partial A^{4} = \delta^{5}\, W^{5\,T}$, where $\delta^5 = (a^5 - y)/N$ is the output
# error of the mean cross-entropy. The cell prints the largest relative difference to `backprop`:

# %% tags=["uses-stubs", "nbval-check-output"]
net = Network(DEEP, hidden="sigmoid", cost="cross_entropy", rng=1)
Zs, As = deep_forward(X_1000, net.weights[:-1], net.biases[:-1], sigmoid)
a_out = sigmoid(As[-1] @ net.weights[-1] + net.biases[-1])
grad_top = ((a_out - Y_1000) / len(X_1000)) @ net.weights[-1].T
mine = layer_gradient_norms(X_1000, net.weights[:-1], net.biases[:-1], sigmoid, sigmoid_prime, grad_top)
book = np.array([np.linalg.norm(g) for g in net.backprop(X_1000, Y_1000)[1][:-1]])
print("your norms:      ", mine)
print(f"largest relative difference to Network.backprop: {np.max(np.abs(mine - book) / book):.1e}")

# %% [markdown]
# **Question (written, graded by hand).** In a few sentences: why does the first hidden layer of a
# deep sigmoid network learn slowest? Use the backpropagation formula of this section and the
# numbers printed above. Why is the effect much weaker with ReLU, and what can go wrong instead when
# the weights are large?

# %% [markdown] nbgrader={"grade": true, "grade_id": "why_first_layer_slowest", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# The gradient of layer $l$'s biases is $\delta^l$ summed over the batch, and $\delta^l =
# (\delta^{l+1} W^{l+1\,T}) \odot \sigma'(Z^l)$: going down one layer multiplies by a weight matrix
# and by the sigmoid's slope. That slope is at most $\frac14$ (and much smaller for saturated
# units), so with weights of order 1 each layer shrinks the gradient by a factor of about four or
# more; the first layer sits under the most such factors and gets the smallest gradient (on the
# digits about a hundredth of the fourth layer's, as in the book). Its weights therefore change
# least per step: it learns slowest. Larger weights do not fix it, because they push $z$ into the
# flat tails and make $\sigma'$ even smaller.
#
# ReLU's slope is exactly 1 for every active unit, so the product does not shrink on its own; the
# size of the gradient is then set by the weights. If they are large (scale well above $\sqrt2$
# for ReLU), the product grows layer after layer: the gradient explodes towards the input, and
# steps become unstable. (Inactive ReLU units pass nothing back; too many of them, e.g. after a
# big step, and the units die.)
#
# Rubric (2 points): 1 point for the product of one slope (at most 1/4) and one weight per layer,
# so the first layer gets the smallest gradient, citing a printed number; 1 point for ReLU's slope
# 1 (no shrinking from the activation) together with exploding gradients for large weights (or dead
# units). Half a point off for a claim without the formula or the numbers.
# ### END SOLUTION

# %% [markdown]
# ## 8. Explore
#
# Pick an activation and move the sliders: `depth` is the number of layers of a random stack of 30
# units, `weight scale` multiplies the weights' standard deviation $1/\sqrt{30}$, `alpha` is the leak
# of leaky ReLU and the saturation value of ELU. The left panels show the function and its slope;
# the right panel shows $\lVert\partial C/\partial b^l\rVert$ for every layer (log scale; the
# chosen activation bold, the others faint). Once your functions pass their checks they are drawn
# dashed (`tanh_from_sigmoid`, `leaky_relu_backward`, `elu_prime_from_output` and
# `layer_gradient_norms`); the line above the figure says whether they match.
#
# Things to try: at which weight scale does the sigmoid stack stop vanishing, and what does its
# slope panel say about the neurons then? For ReLU, find the scale at which the gradient neither
# vanishes nor explodes (compare it with $\sqrt 2 \approx 1.41$, He's initialisation). What does
# tanh do at scale 3? And leaky ReLU with alpha 0 and with alpha 1?
#
# If the widget shows "Error displaying widget: model not found", the kernel that drew it is gone:
# run the cell again.

# %% tags=["uses-stubs"]
activation_explorer(activation="sigmoid", depth=10, scale=1.0)

# %% [markdown]
# ## 9. Dying ReLU units
#
# A ReLU unit whose weighted input is $\le 0$ for *every* training example outputs 0 and has slope 0
# on all of them: no gradient ever reaches its weights, so gradient descent can never bring it back.
# It is **dead**. Units die when a large step (a high learning rate) or a strongly negative bias
# pushes their $z$ below zero everywhere. Leaky ReLU (slope $\alpha$) and ELU (slope $\alpha e^z$)
# still pass a gradient on the negative side, so their units can recover.
#
# **Exercise 6.** Write `dead_unit_fraction(Z)`: the fraction of units (columns of `Z`) whose
# weighted input is $\le 0$ on every example (row) of the batch.

# %% nbgrader={"grade": false, "grade_id": "dead_unit_fraction", "locked": false, "schema_version": 3, "solution": true, "task": false}
def dead_unit_fraction(Z):
    """Fraction of units that are dead on a batch: z <= 0 for every example.

    Parameters
    ----------
    Z : ndarray, shape (N, H)
        Weighted inputs of one layer, one example per row, one unit per column.

    Returns
    -------
    float
        (number of units with Z[:, j] <= 0 on every row) / H, in [0, 1].
    """
    ### BEGIN SOLUTION
    return float(np.mean(np.all(Z <= 0, axis=0)))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_dead_unit_fraction", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Check that dead_unit_fraction counts the units that are <= 0 on every example."""
checks.dead_unit_fraction(dead_unit_fraction)
### BEGIN HIDDEN TESTS
checks.dead_unit_fraction(dead_unit_fraction, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Two ways to kill units, on a 784-30-30-10 network trained on 3,000 digits (the fractions are
# measured on the 1,000 validation digits, for the two hidden layers). First a learning rate that
# is too large for ReLU:

# %% tags=["uses-stubs", "nbval-check-output"]
SHALLOW = [784, 30, 30, 10]


def dead_fractions(net, X):
    """Fraction of dead units in each hidden layer of a Network on the inputs X."""
    Zs, _ = deep_forward(X, net.weights[:-1], net.biases[:-1], net.hidden.fn)
    return [dead_unit_fraction(Z) for Z in Zs]


for eta in (0.1, 0.5):
    net = Network(SHALLOW, hidden="relu", cost="cross_entropy", rng=1)
    before = dead_fractions(net, digits.X_val)
    hist = net.fit(digits.X_train, Y_train, epochs=3, batch_size=10, eta=eta, validation=(digits.X_val, Y_val),
                   progress=False, monitor_training=False)
    after = dead_fractions(net, digits.X_val)
    print(f"ReLU, eta = {eta}: dead units before {before[0]:.0%} / {before[1]:.0%}, after 3 epochs "
          f"{after[0]:.0%} / {after[1]:.0%}; validation accuracy {hist.validation_accuracy[-1]:.1%}")

# %% [markdown]
# Even at initialisation some units are dead on the validation digits (the book's biases are drawn
# from $N(0, 1)$), and a too-large learning rate kills most of them. Second, a bias shift: subtract
# 2 from every hidden bias, so that almost every unit starts dead, and train with a safe learning
# rate. The table follows the dead fraction of the first hidden layer epoch by epoch:

# %% tags=["uses-stubs", "nbval-check-output"]
SHIFT, EPOCHS_SHIFT = 2.0, 4
print(f"hidden biases shifted by -{SHIFT}, eta = 0.1: dead units in hidden layer 1 after each epoch")
print(f"{'':>11}  {'start':>6}" + "".join(f"{e:>7d}" for e in range(1, EPOCHS_SHIFT + 1)) + "   validation accuracy")
for name in ("relu", "leaky_relu", "elu"):
    net = Network(SHALLOW, hidden=name, cost="cross_entropy", rng=1)
    for b in net.biases[:-1]:
        b -= SHIFT
    dead = [dead_fractions(net, digits.X_val)[0]]
    for _ in range(EPOCHS_SHIFT):
        net.fit(digits.X_train, Y_train, epochs=1, batch_size=10, eta=0.1, progress=False, monitor_training=False)
        dead.append(dead_fractions(net, digits.X_val)[0])
    acc = net.accuracy(digits.X_val, digits.y_val)
    print(f"{LABELS[name]:>11}  " + "".join(f"{d:7.0%}" for d in dead) + f"   {acc:.1%}")

# %% [markdown]
# The dead ReLU units stay dead: their fraction does not move, and the network does not learn. The
# leaky units are not dead in principle, but with $\alpha = 0.01$ they receive a hundredth of the
# gradient, too little to bring them back within these four epochs. ELU's units, whose slope just
# below $z = 0$ is close to $\alpha = 1$, revive within the first epoch and the network learns (the
# table prints both). (This is "dead" by our test, $z \le 0$ on every example; a leaky or ELU unit in
# that state is only resting, because its gradient is not zero.)
#
# ## 10. Real digits: the same network with each hidden activation
#
# Finally the full experiment: the same networks, trained the same way, differing only in the
# hidden activation. Both a 784-30-30-10 network and a deeper 784-30-30-30-30-10 one, cross-entropy
# cost with sigmoid outputs (the output layer stays as chapter 01 chose it), $\eta = 0.1$,
# mini-batches of 10, 5 epochs on 3,000 training digits, accuracy on the 1,000 validation digits
# after every epoch.

# %%
EPOCHS = 5
curves = {}
for sizes in (SHALLOW, DEEP):
    for name in ACTIVATION_NAMES:
        net = Network(sizes, hidden=name, cost="cross_entropy", rng=1)
        hist = net.fit(digits.X_train, Y_train, epochs=EPOCHS, batch_size=10, eta=0.1,
                       validation=(digits.X_val, Y_val), progress=True, monitor_training=False)
        curves[len(sizes) - 2, name] = hist.validation_accuracy

# %% tags=["nbval-check-output"]
for hidden_layers in (2, 4):
    print(f"{hidden_layers} hidden layers: validation accuracy after epochs 1, 2, 3, {EPOCHS}")
    for name in ACTIVATION_NAMES:
        acc = curves[hidden_layers, name]
        print(f"  {LABELS[name]:>11}: " + "  ".join(f"{acc[e - 1]:6.1%}" for e in (1, 2, 3, EPOCHS)))

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), sharey=True)
for ax, hidden_layers in zip(axes, (2, 4)):
    for name in ACTIVATION_NAMES:
        acc = curves[hidden_layers, name]
        ax.plot(range(1, EPOCHS + 1), acc, "o-", color=COLORS[name], label=LABELS[name])
    ax.set(title=f"784-{'30-' * hidden_layers}10", xlabel="epoch", ylim=(0, 1))
axes[0].set(ylabel="validation accuracy")
axes[1].legend(loc="lower right", fontsize=9)
plt.show()

# %% [markdown]
# With two hidden layers the sigmoid network starts far behind the others and catches up only
# slowly; with four it does not learn at all in these five epochs, while tanh and the ReLU family
# train about as fast as with two (the table prints every number). This is the vanishing gradient of
# section 7 at work: the sigmoid network's first layers barely move.
#
# **The book's figures (full MNIST).** Nielsen's chapter 3 trains the shallow sigmoid network
# 784-30-10 with the cross-entropy to 95.49% ($\eta = 0.5$, 30 epochs). In chapter 5 he adds sigmoid
# hidden layers (30 epochs, $\eta = 0.1$, L2 regularisation $\lambda = 5$) and the accuracy does not
# improve beyond two hidden layers (the cell below prints his figures beside our final ones). With a
# long training run the deep sigmoid networks do get there, but extra depth brings nothing, and the
# reason is the one measured above: the early layers learn a hundred times slower. Our runs are
# small (3,000 images, 5 epochs, no regularisation), so they show the *speed* difference much more
# starkly than the final accuracies.

# %% tags=["nbval-check-output"]
BOOK_ACCURACY = {  # sigmoid hidden layers, full MNIST, 30 epochs (Nielsen, chapters 3 and 5)
    1: (0.9549, "eta 0.5, no L2 (ch. 3)"),
    2: (0.9690, "eta 0.1, lambda 5 (ch. 5)"),
    3: (0.9657, "eta 0.1, lambda 5 (ch. 5)"),
    4: (0.9653, "eta 0.1, lambda 5 (ch. 5)"),
}
print(f"sigmoid hidden layers   book: full MNIST, 30 epochs             here: 3,000 digits, {EPOCHS} epochs")
for hidden_layers, (book, settings) in BOOK_ACCURACY.items():
    ours = f"{curves[hidden_layers, 'sigmoid'][-1]:.1%}" if (hidden_layers, "sigmoid") in curves else "(not run)"
    print(f"{hidden_layers:>21}   {book:.2%}  {settings:<28}   {ours}")

# %% [markdown]
# With the full data set (the four MNIST files or the book's `mnist.pkl.gz`), the book's deep runs are
#
# ```python
# from nnkit.data import load_mnist
# full = load_mnist("path/to/mnist")          # 50,000 / 10,000 / 10,000 like the book
# for name in ("sigmoid", "tanh", "relu"):
#     net = Network([784, 30, 30, 30, 30, 10], hidden=name, cost="cross_entropy", rng=1)
#     net.fit(full.X_train, one_hot(full.y_train), epochs=30, batch_size=10, eta=0.1, lmbda=5.0,
#             validation=(full.X_val, one_hot(full.y_val)))
# ```
#
# (a few minutes per network on a laptop).
#
# ## 11. Hidden layers and the output layer are separate choices
#
# The output activation is chosen *with the cost*, so that the output error is $a - y$ (chapter 01):
# sigmoid outputs with the cross-entropy, softmax with the log-likelihood (chapter 02), a linear
# output with the quadratic cost for regression. The hidden activation is chosen for how gradients
# flow through the stack, and the evidence of this chapter supports the usual advice:
#
# * use **ReLU** in hidden layers, with a sensible learning rate and initialisation (He's
#   $N(0, 2/n_\text{in})$, chapter 06);
# * try **leaky ReLU, ELU or maxout** if many units die;
# * **tanh** is better than the sigmoid inside a network (zero-centred, slope up to 1) but still
#   saturates;
# * avoid the **sigmoid** in hidden layers of deep networks; keep it for yes/no outputs.
#
# ## Summary
#
# * Backpropagation multiplies the gradient by one weight matrix and one slope $f'(Z^l)$ per layer.
#   The sigmoid's slope is at most $\frac14$, so in deep sigmoid networks the gradient vanishes
#   towards the input and the first layers learn slowest; ReLU-type slopes of 1 keep it alive, and
#   large weights can make it explode instead.
# * tanh $= 2\sigma(2z) - 1$: zero-centred, slope up to 1, but it saturates like the sigmoid.
# * ReLU is cheap and does not saturate for $z > 0$, but units with $z \le 0$ everywhere die; leaky
#   ReLU, PReLU (a learned leak, $\partial C/\partial \alpha_j = \sum_{z \le 0} \text{dout}\cdot z$),
#   ELU and maxout keep a gradient on the negative side.
# * Choose the output activation with the cost, and the hidden activation for the gradient.

# %%
checks.summary("03-activations")
