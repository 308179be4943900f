"""Tests for nnkit.costs: hand-checkable values, batch-mean convention, edge behaviour at
a in {0, 1}, every delta against the numerical gradient of the cost through the output
activation (random and extreme z), from-logits forms, cost objects and get_cost.

Input-rejection tests live in test_validation.py.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnkit import costs
from nnkit.activations import linear, sigmoid, softmax
from nnkit.gradcheck import numerical_gradient


def one_hot(labels, C):
    return np.eye(C)[labels]


# --------------------------------------------------------------------------- known values


def test_quadratic_known_values():
    a = np.array([[1.0, 2.0], [0.0, 0.0]])
    y = np.array([[0.0, 0.0], [0.0, 1.0]])
    # example 1: 0.5 * (1 + 4) = 2.5 ; example 2: 0.5 * 1 = 0.5 ; mean = 1.5
    assert costs.quadratic_cost(a, y) == pytest.approx(1.5, rel=1e-15)
    # mse averages over all N*C = 4 entries without the 1/2: (1 + 4 + 0 + 1) / 4
    assert costs.mse(a, y) == pytest.approx(1.5, rel=1e-15)
    assert costs.mse(a, y) == pytest.approx(2 / a.shape[1] * costs.quadratic_cost(a, y))


def test_cross_entropy_of_one_half_is_ln2():
    assert costs.binary_cross_entropy([[0.5]], [[1.0]]) == pytest.approx(math.log(2), rel=1e-15)
    assert costs.binary_cross_entropy([[0.5]], [[0.0]]) == pytest.approx(math.log(2), rel=1e-15)
    assert costs.binary_cross_entropy_from_logits([[0.0]], [[1.0]]) == pytest.approx(math.log(2), rel=1e-15)
    # summed over output units: three units at 0.5 cost 3 ln 2 per example
    assert costs.binary_cross_entropy(np.full((2, 3), 0.5), np.ones((2, 3))) == pytest.approx(3 * math.log(2))


def test_log_likelihood_known_values():
    C = 4
    y = one_hot([0, 3, 1], C)
    assert costs.log_likelihood(np.full((3, C), 1 / C), y) == pytest.approx(math.log(C), rel=1e-15)
    assert costs.softmax_cross_entropy_from_logits(np.zeros((3, C)), y) == pytest.approx(math.log(C), rel=1e-15)
    a = np.array([[0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25], [0.2, 0.5, 0.2, 0.1]])
    expected = -(math.log(0.7) + math.log(0.25) + math.log(0.5)) / 3
    assert costs.log_likelihood(a, y) == pytest.approx(expected, rel=1e-15)


def test_costs_are_means_over_the_batch():
    rng = np.random.default_rng(0)
    a = rng.uniform(0.05, 0.95, size=(1, 3))
    y = (rng.uniform(size=(1, 3)) > 0.5).astype(float)
    z = rng.normal(size=(1, 3))
    yh = one_hot([2], 3)
    for fn, args in [
        (costs.quadratic_cost, (a, y)),
        (costs.mse, (a, y)),
        (costs.binary_cross_entropy, (a, y)),
        (costs.binary_cross_entropy_from_logits, (z, y)),
        (costs.log_likelihood, (softmax(z), yh)),
        (costs.softmax_cross_entropy_from_logits, (z, yh)),
    ]:
        single = fn(*args)
        tripled = fn(*(np.repeat(t, 3, axis=0) for t in args))
        assert tripled == pytest.approx(single, rel=1e-14), fn.__name__
        assert isinstance(single, float), fn.__name__


def test_cross_entropy_matches_naive_formula():
    rng = np.random.default_rng(1)
    a = rng.uniform(0.01, 0.99, size=(5, 3))
    y = rng.uniform(size=(5, 3))  # soft targets are allowed
    naive = -np.mean(np.sum(y * np.log(a) + (1 - y) * np.log(1 - a), axis=1))
    assert costs.binary_cross_entropy(a, y) == pytest.approx(naive, rel=1e-12)


# --------------------------------------------------------------------------- a exactly 0 or 1


def test_cross_entropy_edges_documented_behaviour():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from log(0) or 0 * inf
        perfect = costs.binary_cross_entropy([[1.0, 0.0]], [[1.0, 0.0]])
        wrong_one = costs.binary_cross_entropy([[1.0]], [[0.0]])
        wrong_zero = costs.binary_cross_entropy([[0.0]], [[1.0]])
        soft = costs.binary_cross_entropy([[1.0]], [[0.5]])
    assert perfect == 0.0 and math.copysign(1.0, perfect) == 1.0  # 0 ln 0 := 0, and not -0.0
    assert wrong_one == math.inf and wrong_zero == math.inf and soft == math.inf
    # mixed batch: a perfect unit next to a normal one costs only the normal one
    assert costs.binary_cross_entropy([[1.0, 0.5]], [[1.0, 1.0]]) == pytest.approx(math.log(2))


def test_log_likelihood_edges():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert costs.log_likelihood([[0.0, 1.0]], [[0.0, 1.0]]) == 0.0
        assert costs.log_likelihood([[1.0, 0.0]], [[0.0, 1.0]]) == math.inf


def test_from_logits_finite_at_extreme_z():
    z = np.array([[1000.0, -1000.0, 1000.0, -1000.0]])
    y = np.array([[0.0, 1.0, 1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bce = costs.binary_cross_entropy_from_logits(z, y)
        sce_wrong = costs.softmax_cross_entropy_from_logits([[1000.0, -1000.0]], [[0.0, 1.0]])
        sce_right = costs.softmax_cross_entropy_from_logits([[1000.0, -1000.0]], [[1.0, 0.0]])
    assert bce == 2000.0  # two confidently wrong units cost |z| each, two right ones cost 0
    assert sce_wrong == 2000.0 and sce_right == 0.0
    assert costs.binary_cross_entropy(sigmoid(z), y) == math.inf  # the plain form cannot do this


finite_logits = hnp.arrays(np.float64, (3, 4), elements=st.floats(-20, 20, allow_nan=False))


@settings(max_examples=50, deadline=None)
@given(finite_logits, hnp.arrays(np.float64, (3, 4), elements=st.sampled_from([0.0, 1.0])))
def test_bce_from_logits_equals_plain(z, y):
    # |z| <= 20 keeps sigmoid(z) away from exactly 0 or 1, so the plain form is finite and accurate
    assert costs.binary_cross_entropy_from_logits(z, y) == pytest.approx(
        costs.binary_cross_entropy(sigmoid(z), y), rel=1e-7, abs=1e-7
    )


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.float64, (3, 4), elements=st.floats(-300, 300, allow_nan=False)),
       st.lists(st.integers(0, 3), min_size=3, max_size=3))
def test_softmax_ce_from_logits_equals_plain(z, labels):
    y = one_hot(labels, 4)
    plain = costs.log_likelihood(softmax(z), y)
    if math.isfinite(plain):  # softmax may underflow to 0 for a far-behind correct class
        assert costs.softmax_cross_entropy_from_logits(z, y) == pytest.approx(plain, rel=1e-9, abs=1e-9)


# --------------------------------------------------------------------------- delta vs numerical gradient

CASES = [
    # name, cost object, output activation, target kind
    ("quadratic_sigmoid", costs.QuadraticCost("sigmoid"), sigmoid, "binary"),
    ("quadratic_linear", costs.QuadraticCost("linear"), linear, "real"),
    ("cross_entropy", costs.CrossEntropyCost(), sigmoid, "binary"),
    ("cross_entropy_soft", costs.CrossEntropyCost(), sigmoid, "soft"),
    ("log_likelihood", costs.LogLikelihoodCost(), softmax, "one_hot"),
]


def targets(kind, rng, shape):
    if kind == "binary":
        return (rng.uniform(size=shape) > 0.5).astype(float)
    if kind == "soft":
        return rng.uniform(size=shape)
    if kind == "real":
        return rng.normal(scale=3.0, size=shape)
    return one_hot(rng.integers(0, shape[1], size=shape[0]), shape[1])


@pytest.mark.parametrize("name,cost,f,kind", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("seed", [0, 1])
def test_delta_over_N_is_gradient_of_mean_cost(name, cost, f, kind, seed):
    rng = np.random.default_rng(seed)
    N, C = 5, 3
    z = rng.normal(scale=2.0, size=(N, C))
    y = targets(kind, rng, (N, C))
    num = numerical_gradient(lambda t: cost.fn(f(t), y), z.copy())
    analytic = cost.delta(z, f(z), y) / N
    np.testing.assert_allclose(analytic, num, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("name,cost,f,kind", CASES, ids=[c[0] for c in CASES])
def test_delta_at_extreme_z(name, cost, f, kind):
    """At |z| = 1000 the plain cost may be inf, so differentiate the from-logits value
    (finite, and piecewise linear out there, so centred differences are meaningful)."""
    rng = np.random.default_rng(2)
    z = np.array([[1000.0, -1000.0, 3.0], [-1000.0, 0.5, 1000.0], [999.0, -998.0, 1000.0]])
    y = targets(kind, rng, z.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        analytic = cost.delta(z, f(z), y) / z.shape[0]
        num = numerical_gradient(lambda t: cost.fn_from_logits(t, y), z.copy())
    assert np.all(np.isfinite(analytic))
    # rounding noise of the differences grows with the size of the cost (~1e6 for the linear
    # output at z = 1000): about eps * C / h for centred differences with h = 1e-5
    noise = 4 * np.finfo(float).eps * abs(cost.fn_from_logits(z, y)) / 1e-5
    np.testing.assert_allclose(analytic, num, rtol=1e-6, atol=1e-9 + noise)


def test_quadratic_sigmoid_delta_vanishes_when_saturated():
    """The learning slowdown: a saturated, wrong sigmoid output gets delta = 0 from the
    quadratic cost but the full error from cross-entropy."""
    z = np.array([[1000.0, -1000.0]])
    a = sigmoid(z)
    y = np.array([[0.0, 1.0]])
    np.testing.assert_array_equal(costs.QuadraticCost().delta(z, a, y), 0.0)
    np.testing.assert_array_equal(costs.CrossEntropyCost().delta(z, a, y), [[1.0, -1.0]])


def test_delta_formulas():
    z = np.array([[0.0, 2.0]])
    a = sigmoid(z)
    y = np.array([[1.0, 0.0]])
    np.testing.assert_allclose(costs.QuadraticCost().delta(z, a, y), (a - y) * a * (1 - a))
    np.testing.assert_allclose(costs.QuadraticCost("linear").delta(z, z, y), z - y)
    np.testing.assert_allclose(costs.CrossEntropyCost().delta(z, a, y), a - y)


# --------------------------------------------------------------------------- objects and lookup


def test_cost_objects_attributes_and_fn():
    a = np.array([[0.2, 0.8], [0.6, 0.4]])
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert costs.QuadraticCost().output == "sigmoid"
    assert costs.QuadraticCost("linear").output == "linear"
    assert costs.CrossEntropyCost().output == "sigmoid"
    assert costs.LogLikelihoodCost().output == "softmax"
    assert costs.QuadraticCost().fn(a, y) == costs.quadratic_cost(a, y)
    assert costs.CrossEntropyCost().fn(a, y) == costs.binary_cross_entropy(a, y)
    assert costs.LogLikelihoodCost().fn(a, y) == costs.log_likelihood(a, y)
    z = np.array([[0.3, -1.0], [2.0, 0.0]])
    assert costs.QuadraticCost().fn_from_logits(z, y) == pytest.approx(costs.quadratic_cost(sigmoid(z), y))
    assert costs.QuadraticCost("linear").fn_from_logits(z, y) == costs.quadratic_cost(z, y)


def test_get_cost():
    assert costs.get_cost("quadratic") == costs.QuadraticCost("sigmoid")
    assert costs.get_cost("quadratic_linear") == costs.QuadraticCost("linear")
    assert isinstance(costs.get_cost("cross_entropy"), costs.CrossEntropyCost)
    assert isinstance(costs.get_cost("log_likelihood"), costs.LogLikelihoodCost)
    assert isinstance(costs.get_cost(costs.CrossEntropyCost), costs.CrossEntropyCost)  # Nielsen style class
    obj = costs.LogLikelihoodCost()
    assert costs.get_cost(obj) is obj
    assert costs.QuadraticCost("sigmoid") != costs.QuadraticCost("linear")


def test_float32_inputs_accepted():
    a = np.array([[0.25, 0.75]], dtype=np.float32)
    y = np.array([[0.0, 1.0]], dtype=np.float32)
    assert costs.binary_cross_entropy(a, y) == pytest.approx(-2 * math.log(0.75), rel=1e-6)
    assert costs.CrossEntropyCost().delta(a, a, y).dtype == np.float32
