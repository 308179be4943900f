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
# # Chapter 02 · Softmax and the log-likelihood cost
#
# A classifier for the ten digits should not just say *"it's a 7"*; it should say how sure it
# is, as a probability for every class. In this chapter the output layer learns to speak in
# probabilities.
#
# **By the end you will be able to**
#
# 1. compute the softmax of a batch of scores and its logarithm, in ways that never overflow;
# 2. explain why softmax outputs form a probability distribution and sigmoid outputs do not;
# 3. write the log-likelihood cost $C = -\ln a_y$ and derive its gradient $a - y$;
# 4. say why that gradient avoids the learning slowdown of chapter 1;
# 5. tell the log-likelihood apart from the summed cross-entropy on the same output;
# 6. train a softmax classifier on real digits with your own functions.
#
# **How this notebook works.** Exercises are functions whose body says
# `raise NotImplementedError()`. Replace that line with your code and run the cell, then run
# the check cell below it. The check tries your function on small cases you can verify by
# hand, then on awkward ones (huge logits, probabilities of exactly 0 or 1), then against a
# numerical gradient, and prints one line per step, `✓` or `✗` with what it expected, what
# came back and a hint. The hint gets more specific each time the same exercise fails again;
# `checks.hint("softmax")` shows all of them at once, down to the formula. The same checks
# (with more inputs you do not see) grade your work, and the last cell lists your progress.
# While a check runs, nnkit's own softmax and log-likelihood are switched off: calling them
# scores zero, so write the formulas with numpy. Cells further down that use your functions
# fail until you have written them.
#
# **Notation.** A batch holds $N$ examples as the **rows** of an array: logits `z`, outputs
# `a` and one-hot targets `y` all have shape `(N, C)` for $C$ classes (chapter 1 wrote $n$ for
# the batch size). For one example,
# $y$ also names its true class, so $a_y$ is the probability the network gives to it.
#
# About 75 minutes. No internet needed: all data ships with the course's Python packages.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from nnkit import checks
from nnkit.activations import sigmoid
from nnkit.costs import binary_cross_entropy
from nnkit.data import load_digits_8x8, load_mnist_5k
from nnkit.gradcheck import numerical_gradient, rel_error
from nnkit.network import Network
from nnkit.widgets import softmax_explorer

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. From scores to a probability distribution
#
# The last layer of a classifier computes one raw score per class,
# $z_j = \sum_k w_{jk} a^{L-1}_k + b_j$. These scores, often called **logits**, can be any
# real numbers. A probability distribution over $C$ classes, however, is $C$ numbers that are
# all positive and add up to 1. **Softmax** turns the first into the second in two steps:
# exponentiate (every score becomes positive, and larger scores stay larger), then divide by
# the total (so the results add up to 1):
#
# $$
# a_j = \operatorname{softmax}(z)_j = \frac{e^{z_j}}{\sum_{k=1}^{C} e^{z_k}}, \qquad j = 1, \dots, C.
# $$
#
# Four properties follow straight from the formula:
#
# * **Positive:** $e^{z_j} > 0$, so every $a_j > 0$.
# * **Sums to one:** $\sum_j a_j = \sum_j e^{z_j} / \sum_k e^{z_k} = 1$.
# * **Monotonic in its own logit:** raising $z_j$ raises $a_j$ and lowers every other output.
#   The derivatives say so precisely:
#   $\partial a_j / \partial z_j = a_j (1 - a_j) > 0$ and
#   $\partial a_k / \partial z_j = -a_j a_k < 0$ for $k \ne j$. The outputs *compete*: there
#   is a fixed amount of probability to share out.
# * **Invariant to adding a constant:** for any number $c$,
#   $$\frac{e^{z_j + c}}{\sum_k e^{z_k + c}} = \frac{e^{c}\, e^{z_j}}{e^{c} \sum_k e^{z_k}} = \frac{e^{z_j}}{\sum_k e^{z_k}},$$
#   so only the *differences* between logits matter.
#
# ### 1.1 The formula as written breaks
#
# A float64 can hold numbers up to about $1.8 \times 10^{308}$, so $e^{z}$ overflows to
# `inf` as soon as $z$ passes about 709.78 (the cell below prints both). Logits that large
# are rare in a healthy network, but they do happen (a huge learning rate, a low temperature
# as in section 3, an unlucky batch), and one `nan` is enough to ruin all the weights. Here
# is the formula typed in literally, on logits near 1000 and near −1000. (The `np.errstate`
# line only silences numpy's warnings so that the output stays readable.)

# %% tags=["nbval-check-output"]
def naive_softmax(z):
    """The softmax formula typed in literally (for demonstration only: it overflows)."""
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


print(f"largest float64:                       {np.finfo(np.float64).max:.1e}")
print(f"largest z with a finite exp in float64: {np.log(np.finfo(np.float64).max):.2f}")
with np.errstate(over="ignore", invalid="ignore"):
    print("exp(1000)              =", np.exp(1000.0))
    print("naive softmax, z ~ 1000 :", naive_softmax(np.array([[1000.0, 999.0, 998.0]])))
    print("naive softmax, z ~ -1000:", naive_softmax(np.array([[-1000.0, -1001.0, -1002.0]])))
print("naive softmax, z small  :", naive_softmax(np.array([[0.0, -1.0, -2.0]])))

# %% [markdown]
# Near +1000 every exponential is `inf`, and `inf / inf` is `nan`. Near −1000 every
# exponential underflows to `0`, and `0 / 0` is `nan` too. Yet the true answer is the same
# for all three rows, because they differ only by a constant added to every logit; the last
# line, computed from small logits, shows it.
#
# ### 1.2 The fix: shift by the row maximum
#
# Shift invariance is exactly what we need. Subtract the largest logit $m = \max_k z_k$ of the
# row before exponentiating:
#
# $$
# \operatorname{softmax}(z)_j = \frac{e^{z_j - m}}{\sum_k e^{z_k - m}}.
# $$
#
# Now the largest term is $e^0 = 1$, so nothing overflows and the denominator is at least
# 1 (no division by zero). Entries that still underflow to 0 are so much smaller than the
# largest one that 0 is the right answer to float64 precision.
#
# The same trick computes the logarithm of the denominator, the **log-sum-exp**:
#
# $$
# \ln \sum_k e^{z_k} = m + \ln \sum_k e^{z_k - m},
# $$
#
# which gives the log of a softmax output without ever forming the output itself:
# $\ln a_j = z_j - \ln \sum_k e^{z_k}$. You will turn that identity into code in Exercise 2
# (section 1.4) and use it for the cost in section 4.

# %% [markdown]
# ### Exercise 1: a stable softmax (3 points)
#
# Write `softmax(z)` for a **batch of rows**: `z` has shape `(N, C)`, one example per row, and
# the softmax is taken across each row (over the classes, `axis=1`). It must return finite
# numbers for logits like 1000 or −1000, also when one row's logits are far below another
# row's: each row is its own distribution, so nothing it computes may depend on other rows.
#
# Hints: `z.max(axis=1, keepdims=True)` keeps the shape `(N, 1)` so that it broadcasts
# against `z`; do the same for the row sums. Use plain numpy (the check switches off nnkit's
# own softmax while it runs yours).

# %% nbgrader={"grade": false, "grade_id": "softmax", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax(z):
    """Numerically stable softmax of each row.

    Parameters
    ----------
    z : ndarray, shape (N, C)
        Logits, one example per row.

    Returns
    -------
    ndarray, shape (N, C)
        The softmax of each row on its own (over the C classes). Finite for any finite
        logits, also +-1000 and rows far apart from each other: every entry in [0, 1] (0 only
        after underflow) and every row sums to 1.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_softmax", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Check that softmax is a stable, row-wise softmax."""
checks.softmax(softmax)
### BEGIN HIDDEN TESTS
checks.softmax(softmax, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### 1.3 Checking the properties with your softmax
#
# A lecture example first: the logits $[5, 2, -1, 3]$ should give about
# $[0.842, 0.042, 0.002, 0.114]$. Then the properties of section 1, on a batch of random
# logits: all outputs positive, all rows summing to 1, and the same output after adding a
# constant (even a constant of 1000, which the naive formula cannot survive).

# %% tags=["uses-stubs", "nbval-check-output"]
print("softmax([5, 2, -1, 3]) =", softmax(np.array([[5.0, 2.0, -1.0, 3.0]])).round(3))

rng = np.random.default_rng(0)
Z = rng.normal(0.0, 3.0, size=(1000, 10))
A = softmax(Z)
print("all outputs positive:        ", bool((A > 0).all()))
print("every row sums to 1 (1e-12): ", bool(np.allclose(A.sum(axis=1), 1.0, rtol=0, atol=1e-12)))
for c in (-50.0, 100.0, 1000.0):
    same = np.allclose(softmax(Z + c), A, rtol=0, atol=1e-12)
    print(f"softmax(Z + {c:>6}) == softmax(Z): {same}")

# %% [markdown]
# Monotonic in its own logit: keep $z_2, z_3, z_4 = 1, 0, -1$ fixed and sweep $z_1$ from −6
# to 6. The first output climbs from almost 0 to almost 1 while the others give way.

# %% tags=["uses-stubs", "nbval-check-output"]
z1 = np.linspace(-6, 6, 121)
sweep = softmax(np.column_stack([z1, np.tile([1.0, 0.0, -1.0], (z1.size, 1))]))
print("a_1 strictly increasing:      ", bool(np.all(np.diff(sweep[:, 0]) > 0)))
print("a_2..a_4 strictly decreasing: ", bool(np.all(np.diff(sweep[:, 1:], axis=0) < 0)))
print(f"a_1 at z_1 = -6, 0, 6: {sweep[0, 0]:.4f}, {sweep[60, 0]:.4f}, {sweep[-1, 0]:.4f}")

fig, ax = plt.subplots(figsize=(6, 3.2))
for j in range(4):
    ax.plot(z1, sweep[:, j], label=f"$a_{j + 1}$" + (" (its logit moves)" if j == 0 else ""))
ax.set_xlabel("$z_1$ (with $z_2, z_3, z_4 = 1, 0, -1$)")
ax.set_ylabel("softmax output")
ax.legend(fontsize=8)
ax.set_title("Raising one logit takes probability from all the others")
plt.tight_layout()
plt.show()

# %% [markdown]
# ### 1.4 The log of a softmax
#
# The cost of section 4 needs the *logarithm* of a softmax output, and so does every
# classifier you will meet in a framework. The obvious code, `np.log(softmax(z))`, is stable
# for the softmax but not for the log: when one logit is far ahead of another, the smaller
# probability underflows to exactly 0 and its log is `-inf`, although the true value is an
# ordinary number. Take the two logits $[0, 1000]$: the first class has probability
# $e^{-1000} / (1 + e^{-1000})$, too small for float64, and log-probability
# $-1000 - \ln(1 + e^{-1000})$, which is $-1000$ to float64 precision.

# %% tags=["uses-stubs", "nbval-check-output"]
z_gap = np.array([[0.0, 1000.0]])
with np.errstate(divide="ignore"):
    print("softmax(z)         =", softmax(z_gap))
    print("np.log(softmax(z)) =", np.log(softmax(z_gap)))
tiniest = np.nextafter(0.0, 1.0)  # the smallest positive float64 (a subnormal number)
print(f"smallest positive float64: {tiniest:.1e}   its log: {np.log(tiniest):.2f}")

# %% [markdown]
# No positive float64 is smaller than about $4.9 \times 10^{-324}$, so no log computed from a
# probability can go below about −744.44 (the cell prints both): the log-probability −1000
# is out of reach of `np.log(softmax(z))`, whatever its softmax does.
#
# ### Exercise 2: a stable log-softmax (2 points)
#
# Write `log_softmax(z)`, the natural log of the softmax of each row, **without forming the
# probabilities**: combine $\ln a_j = z_j - \ln \sum_k e^{z_k}$ with the log-sum-exp of section
# 1.2 and work out which terms to compute, so that every `exp` you take is of a number
# $\le 0$ and every `log` is of a number $\ge 1$. It must give $[-1000, 0]$ for the logits
# above, and as in Exercise 1 each row is its own distribution: it must not depend on the
# other rows. You need neither your `softmax` nor any division: `np.exp`, `np.log`, `max` and
# `sum` are enough (the check switches off nnkit's own log-softmax and log-sum-exp while it runs
# yours).

# %% nbgrader={"grade": false, "grade_id": "log_softmax", "locked": false, "schema_version": 3, "solution": true, "task": false}
def log_softmax(z):
    """Natural log of the softmax of each row, computed stably with the log-sum-exp.

    Parameters
    ----------
    z : ndarray, shape (N, C)
        Logits, one example per row.

    Returns
    -------
    ndarray, shape (N, C)
        ``ln softmax(z)`` of each row on its own: ``z_j - ln sum_k e^(z_k)`` over the C classes
        of the row. Every entry <= 0, and exp of every row sums to 1. Finite for any finite
        logits, also where a probability underflows to 0 (``z = [[0, 1000]]`` gives
        ``[[-1000, 0]]``) and for rows far apart from each other; no numpy warnings.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    s = z - z.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_log_softmax", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that log_softmax is a stable, row-wise log of the softmax."""
checks.log_softmax(log_softmax)
### BEGIN HIDDEN TESTS
checks.log_softmax(log_softmax, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Your `log_softmax` beside the log of your `softmax`: they agree wherever the probabilities
# are representable, and only `log_softmax` survives the gap of 1000 (or of 2000, far below
# the smallest float64).

# %% tags=["uses-stubs", "nbval-check-output"]
rng = np.random.default_rng(0)
Z_moderate = rng.normal(0.0, 3.0, size=(1000, 10))
gap = np.abs(log_softmax(Z_moderate) - np.log(softmax(Z_moderate))).max()
print(f"moderate logits: largest |log_softmax - log(softmax)| = {gap:.1e}")
print("exp(log_softmax) rows sum to 1 (1e-12):",
      bool(np.allclose(np.exp(log_softmax(Z_moderate)).sum(axis=1), 1.0, rtol=0, atol=1e-12)))
print("log_softmax([[0, 1000]])  =", log_softmax(z_gap))
print("log_softmax([[0, 2000]])  =", log_softmax(np.array([[0.0, 2000.0]])))

# %% [markdown]
# ## 2. Sigmoid or softmax on the same raw outputs
#
# Chapter 1 used a **sigmoid** output layer: each output unit squashes its own logit,
# $a_j = \sigma(z_j) = 1/(1 + e^{-z_j})$, without looking at the others. Take the raw
# outputs $z = [3.2, -5.7, 0.6]$ and apply both.

# %% tags=["uses-stubs", "nbval-check-output"]
z_raw = np.array([[3.2, -5.7, 0.6]])
a_sig = sigmoid(z_raw)
a_soft = softmax(z_raw)
print("sigmoid:", a_sig.round(4), f" sum = {a_sig.sum():.4f}")
print("softmax:", a_soft.round(4), f" sum = {a_soft.sum():.4f}")

fig, axes = plt.subplots(1, 2, figsize=(7.5, 2.8), sharey=True)
for ax, a, name in zip(axes, (a_sig, a_soft), ("sigmoid", "softmax")):
    ax.bar(["class 1", "class 2", "class 3"], a[0], color="tab:orange" if name == "sigmoid" else "tab:blue")
    ax.set_title(f"{name}: outputs sum to {a.sum():.2f}")
    ax.set_ylim(0, 1.05)
plt.tight_layout()
plt.show()

# %% [markdown]
# The sigmoid outputs add up to about 1.61: they are three separate yes/no answers ("is it
# class 1? class 2? class 3?"), each a probability on its own, but together not a
# distribution. Class 3 gets a sigmoid of about 0.65 although class 1 clearly wins. Softmax
# makes the classes compete: the outputs add up to exactly 1 and read as "class 1 with
# probability 0.93, class 3 with 0.07, class 2 almost never".
#
# Which one you want depends on the question:
#
# | problem | output layer | cost |
# |---|---|---|
# | one label out of $C$ (which digit is it?) | softmax | log-likelihood (this chapter) |
# | any number of labels (which objects are in the photo?) | sigmoid per class | summed binary cross-entropy |
# | yes / no | one sigmoid | binary cross-entropy |
# | a real number | linear | quadratic (MSE) |

# %% [markdown]
# ## 3. Temperature: how peaked is the distribution?
#
# Dividing the logits by a **temperature** $T > 0$ before the softmax,
# $\operatorname{softmax}(z / T)$, keeps the order of the classes but changes how sure the
# distribution is. A small $T$ stretches the differences between logits, and the
# distribution tends to a one-hot vector on the largest logit. A large $T$ squeezes them
# towards 0, and the distribution tends to uniform, $1/C$ for every class. $T = 1$ is the
# plain softmax. (Temperature is used when sampling text from a language model and when a
# small network learns from a large one's softened outputs.)
#
# Small temperatures make the logits large: at $T = 0.01$ the logit 3.2 becomes 320 and the
# spread between logits grows a hundredfold (the cell prints both), well on the way to the
# overflow zone of section 1.1. Your stable softmax has to cope.

# %% tags=["uses-stubs", "nbval-check-output"]
z_t = np.array([[3.2, -5.7, 0.6, 1.5]])
print("logits / 0.01:", z_t / 0.01, " spread:", np.ptp(z_t / 0.01).round(1), "instead of", np.ptp(z_t).round(1))
temperatures = [0.01, 0.1, 0.5, 1.0, 2.0, 10.0, 1000.0]
probs_by_T = {T: softmax(z_t / T)[0] for T in temperatures}
print("    T    a_1     a_2     a_3     a_4    largest")
for T, p in probs_by_T.items():
    print(f"{T:7.2f}  " + "  ".join(f"{x:.4f}" for x in p) + f"   {p.max():.4f}")

fig, axes = plt.subplots(1, len(temperatures), figsize=(11, 2.2), sharey=True)
for ax, (T, p) in zip(axes, probs_by_T.items()):
    ax.bar(range(1, 5), p, color="tab:blue")
    ax.set_title(f"T = {T:g}", fontsize=9)
    ax.set_xticks(range(1, 5))
axes[0].set_ylabel("softmax(z / T)")
plt.tight_layout()
plt.show()

# %% [markdown]
# At $T = 0.01$ all the probability sits on the first class (the largest logit); at
# $T = 1000$ every class gets about 0.25. The ranking of the classes never changes.

# %% [markdown]
# ## 4. The log-likelihood cost
#
# With a probability for every class, a natural way to score the network on one example
# whose true class is $y$ is the probability it gave to that class, $a_y$: 1 is perfect,
# near 0 is terrible. The **log-likelihood cost** takes minus its logarithm:
#
# $$
# C = -\ln a_y .
# $$
#
# It is 0 when $a_y = 1$, grows as $a_y$ shrinks and goes to $+\infty$ as $a_y \to 0$, so a
# confident wrong answer is punished hard. With the target written as a one-hot vector $y$
# (a 1 at the true class, 0 elsewhere) the same number reads
# $C = -\sum_j y_j \ln a_j$: only the term of the true class survives. Over a batch of $N$
# examples we take the mean,
#
# $$
# C = -\frac{1}{N} \sum_{x} \ln a_{y(x)}(x).
# $$
#
# The name: the probability that the network assigns to all the observed labels is the
# product of the $a_{y(x)}$ (the *likelihood*); its logarithm is the sum of the logs, and
# minimising $C$ is maximising the likelihood.
#
# ### Exercise 3: the log-likelihood cost (2 points)
#
# Write `log_likelihood_cost(a, y)`: `a` holds softmax outputs of shape `(N, C)`, `y` one-hot
# targets of the same shape; return the mean over the batch as a Python `float`.
#
# Careful with a detail. A stable softmax can return *exact* zeros for very unlikely classes,
# and `y * np.log(a)` then computes `0 * (-inf)`, which is `nan`. Pick out the probability of
# the true class first (for example `np.sum(a * y, axis=1)`), then take the log. Clipping `a`
# or adding `1e-12` inside the log would also hide the `nan`, but it changes the answer (a
# perfect prediction would no longer cost 0, and a true-class probability of $10^{-200}$
# would cost $-\ln 10^{-12}$ instead of $-\ln 10^{-200}$), so the check does not accept it.

# %% nbgrader={"grade": false, "grade_id": "log_likelihood_cost", "locked": false, "schema_version": 3, "solution": true, "task": false}
def log_likelihood_cost(a, y):
    """Log-likelihood cost of softmax outputs, mean over the batch.

    Parameters
    ----------
    a : ndarray, shape (N, C)
        Softmax outputs (each row a probability distribution).
    y : ndarray, shape (N, C)
        One-hot targets: ``y[i, j] = 1`` if example i belongs to class j, else 0.

    Returns
    -------
    float
        The mean over the N examples of each example's cost, which depends only on the
        probability its row gives to its true class. Exact: a perfect answer (with exact
        zeros elsewhere) costs exactly 0 and a tiny true-class probability such as 1e-200
        keeps its true, finite cost (no clipping, no epsilon inside the log).
    """
    ### BEGIN SOLUTION
    a_true = np.sum(np.asarray(a, dtype=float) * y, axis=1)
    return float(-np.mean(np.log(a_true)))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_log_likelihood_cost", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that log_likelihood_cost returns the exact batch-mean log-likelihood cost."""
checks.log_likelihood_cost(log_likelihood_cost)
### BEGIN HIDDEN TESTS
checks.log_likelihood_cost(log_likelihood_cost, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# How the cost of one example depends on the probability of its true class:

# %% tags=["uses-stubs", "nbval-check-output"]
for p in (1.0, 0.9, 0.5, 0.25, 0.01):
    a_one = np.array([[p, 1.0 - p]])
    cost_one = log_likelihood_cost(a_one, np.array([[1.0, 0.0]])) + 0.0  # + 0.0 turns -0.0 into 0.0
    print(f"a_y = {p:<5}  ->  C = {cost_one:.4f}")

p_grid = np.linspace(0.005, 1.0, 200)
costs_grid = [log_likelihood_cost(np.array([[p, 1.0 - p]]), np.array([[1.0, 0.0]])) for p in p_grid]
fig, ax = plt.subplots(figsize=(5, 2.8))
ax.plot(p_grid, costs_grid)
ax.set_xlabel("probability of the true class, $a_y$")
ax.set_ylabel("$C = -\\ln a_y$")
ax.set_title("Cheap when right, steep when confidently wrong")
plt.tight_layout()
plt.show()

# %% [markdown]
# Halving the probability of the true class always adds the same amount, $\ln 2 \approx 0.693$,
# to the cost: from 1 to 0.5 costs as much as from 0.5 to 0.25 (the table prints 0.6931 and
# 1.3863).
#
# **From logits directly.** With the identity of section 1.2,
# $-\ln a_y = \ln \sum_k e^{z_k} - z_y$: the log-sum-exp minus the true logit, that is minus
# the entry of your `log_softmax` (Exercise 2) at the true class. Frameworks compute the cost
# this way from the logits, because going through $a_y$ can fail: when $a_y$ underflows to
# exactly 0, $-\ln a_y$ is `inf`, while the log-softmax form stays finite.

# %% tags=["uses-stubs", "nbval-check-output"]
z_far = np.array([[0.0, 800.0]])  # the true class is class 1 (index 0), far behind
y_far = np.array([[1.0, 0.0]])
with np.errstate(divide="ignore"):
    print("via softmax:        ", log_likelihood_cost(softmax(z_far), y_far))
print("via log_softmax:    ", float(-np.mean(np.sum(log_softmax(z_far) * y_far, axis=1))))

# %% [markdown]
# ## 5. The gradient with respect to the logits: $a - y$
#
# Backpropagation starts from the error of the output layer,
# $\delta_j = \partial C / \partial z_j$ (as in chapter 1; `delta` in code). For softmax with
# the log-likelihood it comes out remarkably simple. Write the cost of one example through the
# log-sum-exp:
#
# $$
# C = -\ln a_y = -z_y + \ln \sum_k e^{z_k}.
# $$
#
# Differentiate with respect to one logit $z_j$. The first term gives $-1$ if $j = y$ and 0
# otherwise, which is $-y_j$ for the one-hot target. The second gives
# $e^{z_j} / \sum_k e^{z_k} = a_j$. Together:
#
# $$
# \delta_j = \frac{\partial C}{\partial z_j} = a_j - y_j, \qquad \text{or for the whole vector} \qquad \delta = a - y .
# $$
#
# (The long way gives the same: the chain rule
# $\partial C / \partial z_j = \sum_k \frac{\partial C}{\partial a_k} \frac{\partial a_k}{\partial z_j}$
# with $\partial C / \partial a_k = -y_k / a_k$ and the softmax derivatives of section 1,
# $\partial a_j / \partial z_j = a_j(1 - a_j)$ and $\partial a_k / \partial z_j = -a_j a_k$ for
# $k \ne j$.) The weights and biases of the output layer then follow as usual:
#
# $$
# \frac{\partial C}{\partial b_j} = a_j - y_j, \qquad
# \frac{\partial C}{\partial w_{jk}} = a^{L-1}_k \,(a_j - y_j).
# $$
#
# In the batch form of this course (examples as rows), `delta` is the per-example error,
# row by row, and the gradient of the **batch-mean** cost with respect to the logits is
# `delta / N`.
#
# ### Exercise 4: the output error (2 points)
#
# Write `log_likelihood_delta(z, a, y)`, returning $\partial C_x / \partial z$ for every
# example (row). It takes `z` too, although the answer does not need it: all costs in this
# course share the signature `delta(z, a, y)`.

# %% nbgrader={"grade": false, "grade_id": "log_likelihood_delta", "locked": false, "schema_version": 3, "solution": true, "task": false}
def log_likelihood_delta(z, a, y):
    """Error of a softmax output layer under the log-likelihood cost, per example.

    Parameters
    ----------
    z : ndarray, shape (N, C)
        Logits (unused; kept so every cost has the same ``delta(z, a, y)`` signature).
    a : ndarray, shape (N, C)
        ``softmax(z)``.
    y : ndarray, shape (N, C)
        One-hot targets.

    Returns
    -------
    ndarray, shape (N, C)
        ``delta[i] = dC_i / dz[i]``, the derivative of example i's own cost with respect to
        its logits z (not with respect to the outputs a); not averaged over the batch. The
        gradient of the batch-mean cost with respect to ``z`` is ``delta / N``.
    """
    ### BEGIN SOLUTION
    return np.asarray(a, dtype=float) - y
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_log_likelihood_delta", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Check that log_likelihood_delta returns dC_x/dz of -ln a_y, per example."""
checks.log_likelihood_delta(log_likelihood_delta)
### BEGIN HIDDEN TESTS
checks.log_likelihood_delta(log_likelihood_delta, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# The derivation above is the kind of thing worth double-checking numerically. The cell
# below nudges each logit of a small batch by $\pm h$, measures how your batch-mean cost
# changes (centred differences) and compares that with `delta / N`. A relative error near
# $10^{-9}$ or below means the two agree; a mistake in the formula would give an error many
# orders of magnitude larger.

# %% tags=["uses-stubs"]
rng = np.random.default_rng(1)
z_check = rng.normal(0.0, 2.0, size=(5, 4))
y_check = np.eye(4)[rng.integers(0, 4, size=5)]
numeric = numerical_gradient(lambda zz: log_likelihood_cost(softmax(zz), y_check), z_check.copy())
analytic = log_likelihood_delta(z_check, softmax(z_check), y_check) / len(z_check)
err = rel_error(numeric, analytic)
print(f"relative error, numerical gradient vs delta / N: {err:.1e}")
print("below 1e-7:", err < 1e-7)

# %% [markdown]
# ### 5.1 Why there is no learning slowdown
#
# Chapter 1 showed what goes wrong with a sigmoid output and the quadratic cost: the error
# $\delta = (a - y)\,\sigma'(z)$ carries the factor $\sigma'(z)$, which is nearly 0 when the
# neuron saturates, so a neuron that is badly and confidently wrong learns slowly. The
# cross-entropy cost cancelled that factor and left $\delta = a - y$.
#
# Softmax with the log-likelihood lands on exactly the same form, $\delta = a - y$, with no
# derivative factor: the error is as large as the mistake. Compare it with the quadratic cost
# on the *same* softmax outputs, $C = \tfrac12 \lVert a - y\rVert^2$. Its error goes through the
# softmax Jacobian, $\delta = J (a - y)$ with $J = \operatorname{diag}(a) - a a^{\mathsf T}$,
# which is nearly zero whenever $a$ is nearly one-hot, *also when it is one-hot on the wrong
# class*. The cell below makes the network more and more confidently wrong: the true class is
# the first, the logits are $[0, s, 0]$, and $s$ grows.

# %% tags=["uses-stubs", "nbval-check-output"]
y_one = np.array([[1.0, 0.0, 0.0]])
print("   s   a_true   |delta| log-likelihood   |delta| quadratic")
for s in (0.0, 2.0, 5.0, 10.0, 20.0):
    z_s = np.array([[0.0, s, 0.0]])
    a_s = softmax(z_s)
    d_ll = log_likelihood_delta(z_s, a_s, y_one)
    v = a_s - y_one  # dC/da of the quadratic cost; J v = a * (v - <a, v>)
    d_quad = a_s * (v - np.sum(a_s * v, axis=1, keepdims=True))
    print(f"{s:4.0f}   {a_s[0, 0]:.4f}   {np.linalg.norm(d_ll):22.4f}   {np.linalg.norm(d_quad):17.2e}")

# %% [markdown]
# As the network grows more wrong ($a_{\text{true}} \to 0$) the log-likelihood error grows
# to $\lVert(-1, 1, 0)\rVert = \sqrt 2 \approx 1.4142$, a strong push in the right direction,
# while the quadratic error collapses towards 0: the network would barely learn from its
# worst mistakes.
#
# **Question (written, graded by hand, 1 point).** In two or three sentences: using the two formulas
# for $\delta$ and the table above, explain why the quadratic cost on a softmax output learns
# slowly exactly when the network is confidently wrong, and why the log-likelihood does not.

# %% [markdown] nbgrader={"grade": true, "grade_id": "why_no_slowdown", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# With the quadratic cost the error is $\delta = J(a - y)$, where the softmax Jacobian
# $J = \operatorname{diag}(a) - a a^{\mathsf T}$ has entries $a_j(1 - a_j)$ on the diagonal
# and $-a_j a_k$ off it. When the
# output is nearly one-hot (here on the wrong class, $s$ large) every such product is nearly
# 0, so $J$ squashes the large mistake $a - y$ to a tiny gradient: the table shows it falling
# to about $10^{-8}$ at $s = 20$. The log-likelihood's derivative $-1/a_y$ cancels that
# Jacobian exactly and leaves $\delta = a - y$, which is largest when the network is most
# wrong (about 1.414 in the table), so it learns fastest from its worst mistakes.
# ### END SOLUTION

# %% [markdown]
# ## 6. Summed cross-entropy vs log-likelihood on the same output
#
# The sigmoid layer of chapter 1 used the **binary cross-entropy summed over the output
# units**:
#
# $$
# C_{\text{CE}} = -\sum_j \big[\, y_j \ln a_j + (1 - y_j) \ln (1 - a_j) \,\big],
# \qquad
# C_{\text{LL}} = -\ln a_y .
# $$
#
# The log-likelihood reads only the entry of the true class. The summed cross-entropy also
# charges $-\ln(1 - a_j)$ for every wrong class $j$, so it cares about *how* the remaining
# probability is spread. Two output vectors with the same probability 0.55 on the true class
# (the first), one spreading the other 0.45 thinly and one putting 0.37 on a single wrong
# class:

# %% tags=["uses-stubs", "nbval-check-output"]
y_ten = np.eye(10)[[0]]
a_spread = np.array([[0.55, 0.02, 0.01, 0.03, 0.01, 0.05, 0.17, 0.01, 0.06, 0.09]])
a_peaked = np.array([[0.55, 0.002, 0.001, 0.003, 0.001, 0.04, 0.37, 0.001, 0.012, 0.02]])
for name, a in (("spread", a_spread), ("peaked", a_peaked)):
    print(f"{name}: sum = {a.sum():.4f}   log-likelihood = {log_likelihood_cost(a, y_ten):.4f}"
          f"   summed cross-entropy = {binary_cross_entropy(a, y_ten):.4f}")

# %% [markdown]
# Same log-likelihood (0.5978 $= -\ln 0.55$) for both; the summed cross-entropy rises from
# 1.0725 to 1.1410 because $-\ln(1 - a_j)$ grows faster than linearly, so one big wrong
# probability costs more than many small ones. Neither is "more correct": they answer
# different questions. With softmax the wrong-class probabilities always add up to
# $1 - a_y$, so pushing $a_y$ up already pushes them down together, and the log-likelihood
# is the natural partner. With independent sigmoids, nothing ties the units together, and
# each one needs its own yes/no cost.
#
# Remarkably, the two pairings have the same output error: sigmoid + summed cross-entropy
# gives $\delta = a - y$ (chapter 1) and softmax + log-likelihood gives $\delta = a - y$
# (section 5), with different $a$ of course. Both avoid the learning slowdown.

# %% [markdown]
# ## 7. Exercise 5: a softmax classifier for 8×8 digits (3 points)
#
# Time to learn something real. The scikit-learn digits are 1,797 images of 8×8 pixels (64
# inputs per image, scaled to [0, 1]), split here into 1,078 for training, 359 for
# validation and 360 for testing. The model is a single softmax layer:
#
# $$
# Z = X W + b, \qquad A = \operatorname{softmax}(Z), \qquad C = -\frac1N \sum_x \ln a_{y(x)},
# $$
#
# with `X` of shape `(N, 64)`, `W` of shape `(64, 10)` and `b` of shape `(10,)`. With
# $\delta = A - Y$ from your `log_likelihood_delta`, the gradients of the batch-mean cost are
#
# $$
# \frac{\partial C}{\partial W} = \frac{1}{N} X^{\mathsf T} \delta, \qquad
# \frac{\partial C}{\partial b} = \frac{1}{N} \sum_x \delta_x .
# $$
#
# Write `train_softmax_classifier(X, Y, epochs, eta, rng)`. It uses **full-batch gradient
# descent**: each epoch computes the gradients on the whole training set and takes one step
# $W \leftarrow W - \eta\, \partial C / \partial W$, $b \leftarrow b - \eta\, \partial C / \partial b$.
# Start from small random weights `W = 0.01 * rng.normal(size=(D, C))` and zero biases, with
# `rng = np.random.default_rng(rng)` (so an integer seed works and the same seed gives the
# same result). With `epochs=0` it returns the starting point. Use **your own** `softmax`
# and `log_likelihood_delta`. The check takes a single step (`epochs=1`) and compares it
# with a numerical gradient, tries a huge learning rate (the logits pass 1000: your stable
# softmax at work, everything must stay finite), then trains on the digits and expects at
# least 90 % validation accuracy.

# %% nbgrader={"grade": false, "grade_id": "train_softmax_classifier", "locked": false, "schema_version": 3, "solution": true, "task": false}
def train_softmax_classifier(X, Y, epochs=100, eta=2.0, rng=0):
    """Train a single softmax layer by full-batch gradient descent on the log-likelihood.

    Parameters
    ----------
    X : ndarray, shape (N, D)
        Inputs, one example per row.
    Y : ndarray, shape (N, C)
        One-hot targets.
    epochs : int
        Number of gradient steps, each on the whole batch (0 returns the initial parameters).
    eta : float
        Learning rate.
    rng : int or numpy.random.Generator
        Seed for the initial weights ``W = 0.01 * rng.normal(size=(D, C))``; ``b`` starts at 0.

    Returns
    -------
    W : ndarray, shape (D, C)
    b : ndarray, shape (C,)
        Trained parameters; class scores of new inputs are ``X @ W + b``.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(rng)
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    N, D = X.shape
    W = 0.01 * rng.normal(size=(D, Y.shape[1]))
    b = np.zeros(Y.shape[1])
    for _ in range(epochs):
        Z = X @ W + b
        delta = log_likelihood_delta(Z, softmax(Z), Y)
        W = W - eta * (X.T @ delta) / N
        b = b - eta * delta.mean(axis=0)
    return W, b
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_train_softmax_classifier", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Check that train_softmax_classifier learns the 8x8 digits with gradient descent."""
checks.train_softmax_classifier(train_softmax_classifier)
### BEGIN HIDDEN TESTS
checks.train_softmax_classifier(train_softmax_classifier, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Train it, then measure accuracy on all three splits and the cost before and after.

# %% tags=["uses-stubs", "nbval-check-output"]
digits = load_digits_8x8(rng=0)
print("inputs (train, val, test):", digits.X_train.shape, digits.X_val.shape, digits.X_test.shape)
W0, b0 = train_softmax_classifier(digits.X_train, digits.Y_train, epochs=0, eta=2.0, rng=0)
W, b = train_softmax_classifier(digits.X_train, digits.Y_train, epochs=100, eta=2.0, rng=0)


def accuracy(W, b, X, labels):
    """Fraction of rows whose largest score is the true label."""
    return float(np.mean(np.argmax(X @ W + b, axis=1) == labels))


print(f"training cost: {log_likelihood_cost(softmax(digits.X_train @ W0 + b0), digits.Y_train):.4f}"
      f" -> {log_likelihood_cost(softmax(digits.X_train @ W + b), digits.Y_train):.4f}"
      f"   (ln 10 = {np.log(10):.4f})")
for split in ("train", "val", "test"):
    X_s, y_s = getattr(digits, f"X_{split}"), getattr(digits, f"y_{split}")
    print(f"{split:>5} accuracy: {accuracy(W, b, X_s, y_s):.1%}")

# %% [markdown]
# The cost starts at about $\ln 10$: with tiny weights every class gets probability about
# $1/10$. One layer and a hundred full-batch gradient steps then classify well over 90 % of
# the unseen validation and test digits.
# Each column of `W` is a template that the layer matches against the image; red pixels
# vote for the class, blue pixels against it. And the softmax outputs say how sure the
# model is about each test image:

# %%
if "W" not in globals():  # Exercise 5 is still a stub, so the cell above trained nothing
    print("No weights to show yet: finish train_softmax_classifier (Exercise 5), then run the cell above "
          "and this one again.")
else:
    fig, axes = plt.subplots(2, 10, figsize=(11, 2.9))
    lim = np.abs(W).max()
    for c in range(10):
        axes[0, c].imshow(W[:, c].reshape(8, 8), cmap="RdBu_r", vmin=-lim, vmax=lim)
        axes[0, c].set_title(f"class {c}", fontsize=8)
        p = softmax(digits.X_test[c:c + 1] @ W + b)[0]
        axes[1, c].imshow(digits.X_test[c].reshape(8, 8), cmap="gray_r")
        axes[1, c].set_title(f"{p.argmax()}: {p.max():.0%}", fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel("weights", fontsize=8)
    axes[1, 0].set_ylabel("test image", fontsize=8)
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## 8. Softmax vs sigmoid output on MNIST
#
# Does the choice of output layer matter for a real network? Train two copies of the same
# 784-30-10 network (sigmoid hidden layer, same initial weights, same mini-batches) on 3,000
# real MNIST digits: one with a softmax output and the log-likelihood cost, one with sigmoid
# outputs and the summed cross-entropy. Both use the `Network` class of `nnkit`, mini-batches
# of 10 and $\eta = 0.5$.

# %%
mnist = load_mnist_5k(rng=0)
print("MNIST inputs (train, val, test):", mnist.X_train.shape, mnist.X_val.shape, mnist.X_test.shape)
histories, nets = {}, {}
for cost in ["log_likelihood", "cross_entropy"]:
    net = Network([784, 30, 10], cost=cost, rng=0)
    histories[cost] = net.fit(mnist.X_train, mnist.Y_train, epochs=10, batch_size=10, eta=0.5,
                              validation=(mnist.X_val, mnist.Y_val), progress=True, rng=1)
    nets[cost] = net

# %%
for cost, net in nets.items():
    row_sums = net.feedforward(mnist.X_test).sum(axis=1)
    print(f"{cost:>14}: validation accuracy after epoch 10 {histories[cost].validation_accuracy[-1]:.1%},"
          f" test accuracy {net.accuracy(mnist.X_test, mnist.y_test):.1%},"
          f" the outputs of a test image sum to {row_sums.min():.2f} .. {row_sums.max():.2f}")

# %% tags=["nbval-check-output"]
for cost, net in nets.items():
    row_sums = net.feedforward(mnist.X_test).sum(axis=1)
    print(f"{cost:>14}: outputs of every test image sum to 1: {bool(np.allclose(row_sums, 1.0))},"
          f" validation accuracy above 80% after epoch 1 and above 90% at the end: "
          f"{histories[cost].validation_accuracy[0] > 0.80 and histories[cost].validation_accuracy[-1] > 0.90}")

# %%
fig, ax = plt.subplots(figsize=(5.5, 3))
for cost, label in (("log_likelihood", "softmax + log-likelihood"), ("cross_entropy", "sigmoid + cross-entropy")):
    acc = histories[cost].validation_accuracy
    ax.plot(range(1, len(acc) + 1), np.asarray(acc) * 100, marker="o", label=label)
ax.set_xlabel("epoch")
ax.set_ylabel("validation accuracy (%)")
ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# Both learn quickly (above 80 % on the validation digits after a single epoch) and end close
# together (the first cell above prints their final validation and test accuracies): both
# have $\delta = a - y$ and neither slows down. The printouts show the real difference: the
# softmax network's outputs add up to 1 for every image, so they can be read as
# probabilities; the sigmoid network's outputs do not (their sums spread over a wide range). When you want probabilities over exclusive
# classes, use softmax with the log-likelihood.

# %% [markdown]
# ## 9. Play: the softmax explorer
#
# Move the logits and the temperature and watch both output layers. The left chart shows the
# sigmoid outputs, the middle one the softmax outputs; the line above the charts prints their
# sums and costs for the chosen true class. The right chart shows why the softmax with the
# log-likelihood learns fast: its output error $a - y$ (blue) beside the error of the
# quadratic cost on the same softmax outputs, $J(a - y)$ (red). The *shift* slider adds the
# same constant to every logit: the softmax does not move at all, the sigmoids do (and at a
# shift of ±1000 you can see whether a softmax is stable).
#
# The widget looks for **your** `softmax` and `log_likelihood_delta` each time it redraws: as
# soon as they work, your softmax appears as hatched bars beside the reference and your
# errors as black crosses. No need to re-run this cell after finishing an exercise; move a
# slider.
#
# Things to try: make one logit much larger than the rest; set all logits equal; push the
# temperature to its ends; pick a true class with a small probability and watch the
# log-likelihood climb and the two errors part ways.
#
# *If the widget shows "Error displaying widget: model not found", the kernel that drew it is
# gone (restarted, or the notebook was reopened): run this cell again.*

# %%
softmax_explorer("softmax", student_delta="log_likelihood_delta")

# %% [markdown]
# ## Summary
#
# * $\operatorname{softmax}(z)_j = e^{z_j} / \sum_k e^{z_k}$ gives positive outputs that sum to
#   1, rises with its own logit, and ignores a constant added to all logits.
# * That invariance is the fix for overflow: subtract the row maximum first; the same trick
#   gives the log-sum-exp and the log-softmax $\ln a_j = z_j - \ln\sum_k e^{z_k}$, which
#   stays finite where `np.log(softmax(z))` is `-inf`, and $-\ln a_y = \ln\sum_k e^{z_k} - z_y$.
# * Sigmoid outputs are independent yes/no probabilities; softmax outputs compete and form
#   one distribution.
# * The log-likelihood cost $-\ln a_y$ has the output error $\delta = a - y$: no $\sigma'$
#   factor, no learning slowdown, just like sigmoid + cross-entropy.
# * The log-likelihood reads only the true class; the summed cross-entropy also charges each
#   wrong class, so it depends on how the rest of the probability is spread.
# * Temperature $T$ in $\operatorname{softmax}(z/T)$ moves between one-hot ($T \to 0$) and
#   uniform ($T \to \infty$) without changing the ranking.
#
# Next chapter: the activation functions of the *hidden* layers, and how their derivatives
# decide whether a deep network can learn at all.

# %% [markdown]
# ## Your progress
#
# The cell below lists this chapter's exercises: ✓ passed, ✗ failed, · not run yet in this
# session (re-run a test cell after changing its function), ✎ written answers.

# %%
checks.summary("02-softmax")
