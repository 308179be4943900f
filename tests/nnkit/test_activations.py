"""Tests for nnkit.activations: known values, finite-difference checks of every derivative
(random and extreme inputs), stability at |z| = 1000, softmax properties, maxout, registry.

Input-rejection tests for every public function live in test_validation.py.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnkit import activations as act
from nnkit.gradcheck import (
    numerical_gradient,
    numerical_gradient_array,
    numerical_jvp,
    rel_error,
)

TOL = 1e-7  # rel_error a correct gradient reaches with centred differences, h = 1e-5
EXTREMES = np.array([-1000.0, -700.0, -50.0, 50.0, 700.0, 1000.0])


def away_from_zero(rng, shape, margin=1e-3, scale=2.0):
    """Random z with |z| >= margin so no kink of ReLU/ELU/PReLU lies within +-h."""
    z = rng.normal(scale=scale, size=shape)
    return np.where(np.abs(z) < margin, margin * np.sign(z + 0.5), z)


def no_warnings():
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("error")
    return ctx


# --------------------------------------------------------------------------- known values


def test_known_values():
    assert act.sigmoid(0.0) == 0.5
    assert act.sigmoid_prime(0.0) == 0.25
    assert act.tanh(0.0) == 0.0 and act.tanh_prime(0.0) == 1.0
    np.testing.assert_array_equal(act.relu([-2.0, 0.0, 3.0]), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(act.relu_prime([-2.0, 0.0, 3.0]), [0.0, 0.0, 1.0])
    np.testing.assert_allclose(act.leaky_relu([-2.0, 3.0], alpha=0.1), [-0.2, 3.0])
    np.testing.assert_array_equal(act.leaky_relu_prime([-2.0, 0.0, 3.0], alpha=0.1), [0.1, 0.1, 1.0])
    np.testing.assert_allclose(act.elu([-1.0, 2.0], alpha=2.0), [2.0 * (math.exp(-1.0) - 1.0), 2.0])
    assert act.elu_prime(0.0, alpha=1.0) == 1.0  # continuous derivative for alpha = 1
    np.testing.assert_array_equal(act.linear([[1.5, -2.0]]), [[1.5, -2.0]])
    np.testing.assert_array_equal(act.linear_prime([[1.5, -2.0]]), [[1.0, 1.0]])
    np.testing.assert_allclose(act.softmax([[0.0, 0.0, 0.0, 0.0]]), [[0.25] * 4])
    np.testing.assert_allclose(act.logsumexp([[0.0, 0.0]]), [math.log(2.0)])
    np.testing.assert_allclose(act.log_softmax([[1.0, 1.0]]), [[-math.log(2.0)] * 2])


@pytest.mark.parametrize("z", [-30.0, -5.0, -0.3, 0.7, 4.0, 30.0])
def test_sigmoid_matches_formula(z):
    assert act.sigmoid(z) == pytest.approx(1.0 / (1.0 + math.exp(-z)), rel=1e-14)
    e = math.exp(-abs(z))
    assert act.sigmoid_prime(z) == pytest.approx(e / (1.0 + e) ** 2, rel=1e-14)


def test_softmax_matches_formula():
    z = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]])
    e = np.exp(z)
    np.testing.assert_allclose(act.softmax(z), e / e.sum(axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(act.logsumexp(z), np.log(e.sum(axis=1)), rtol=1e-14)
    assert act.logsumexp(z).shape == (2,)


def test_dtype_and_shape_preserved():
    z32 = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    for name, a in act.ACTIVATIONS.items():
        assert a.fn(z32).dtype == np.float32, name
        assert a.fn(z32).shape == z32.shape, name
        if a.prime is not None:
            assert a.prime(z32).dtype == np.float32, name
            assert a.prime(z32).shape == z32.shape, name
    assert act.sigmoid([[1, 2]]).dtype == np.float64  # ints become float64


# --------------------------------------------------------------------------- derivatives: random inputs

ELEMENTWISE = [
    ("sigmoid", act.sigmoid, act.sigmoid_prime, {}),
    ("tanh", act.tanh, act.tanh_prime, {}),
    ("relu", act.relu, act.relu_prime, {}),
    ("leaky_relu", act.leaky_relu, act.leaky_relu_prime, {}),
    ("leaky_relu_0.3", act.leaky_relu, act.leaky_relu_prime, {"alpha": 0.3}),
    ("elu", act.elu, act.elu_prime, {}),
    ("elu_0.5", act.elu, act.elu_prime, {"alpha": 0.5}),
    ("linear", act.linear, act.linear_prime, {}),
    ("prelu_scalar", act.prelu, act.prelu_prime, {"alpha": 0.2}),
    ("prelu_per_unit", act.prelu, act.prelu_prime, {"alpha": np.array([0.1, -0.3, 0.5, 1.5])}),
]


@pytest.mark.parametrize("name,fn,prime,kw", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
@pytest.mark.parametrize("seed", [0, 1])
def test_prime_matches_finite_differences(name, fn, prime, kw, seed):
    rng = np.random.default_rng(seed)
    z = away_from_zero(rng, (5, 4))
    df = rng.normal(size=z.shape)
    num = numerical_gradient_array(lambda t: fn(t, **kw), z.copy(), df)
    assert rel_error(prime(z, **kw) * df, num) < TOL


def test_registry_primes_match_finite_differences():
    """Every registry entry with a prime, checked through the registry itself."""
    z = away_from_zero(np.random.default_rng(3), (3, 5))
    for name, a in act.ACTIVATIONS.items():
        if a.prime is None:
            continue
        num = numerical_jvp(a.fn, z, np.ones_like(z))  # elementwise: J 1 = f'(z)
        # atol: tanh'(6) ~ 2e-5 where rounding noise of the differences is ~1e-11
        np.testing.assert_allclose(a.prime(z), num, rtol=1e-6, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("alpha", [0.25, np.array([0.1, 0.2, -0.4])], ids=["scalar", "per_unit"])
@pytest.mark.parametrize("scale", [1.0, 1000.0], ids=["random", "extreme"])
def test_prelu_alpha_grad_matches_finite_differences(alpha, scale):
    rng = np.random.default_rng(7)
    z = away_from_zero(rng, (6, 3)) * scale
    upstream = rng.normal(size=z.shape)
    analytic = act.prelu_alpha_grad(z, alpha, upstream)
    a0 = np.array(alpha, dtype=float)
    num = numerical_gradient(lambda a: np.sum(act.prelu(z, a if a.ndim else float(a)) * upstream), a0)
    assert np.shape(analytic) == np.shape(alpha)
    assert rel_error(np.asarray(analytic), num) < 1e-6


def test_prelu_alpha_grad_scalar_returns_float():
    assert isinstance(act.prelu_alpha_grad([[-1.0, 2.0]], 0.1, [[1.0, 1.0]]), float)
    assert act.prelu_alpha_grad([[-1.0, 2.0]], 0.1, [[3.0, 5.0]]) == -3.0


# --------------------------------------------------------------------------- derivatives: extreme inputs


def test_sigmoid_stable_at_extremes_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = act.sigmoid(EXTREMES)
        ds = act.sigmoid_prime(EXTREMES)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(ds))
    assert act.sigmoid(1000.0) == 1.0 and act.sigmoid(-1000.0) == 0.0
    assert act.sigmoid_prime(1000.0) == 0.0 and act.sigmoid_prime(-1000.0) == 0.0
    # tails keep full relative accuracy: sigma(-z) ~ e^-z, sigma'(z) ~ e^-|z|
    assert act.sigmoid(-700.0) == pytest.approx(math.exp(-700.0), rel=1e-12)
    assert act.sigmoid_prime(700.0) == pytest.approx(math.exp(-700.0), rel=1e-12)
    assert act.sigmoid_prime(-30.0) == pytest.approx(math.exp(-30.0) / (1 + math.exp(-30.0)) ** 2, rel=1e-12)


@pytest.mark.parametrize("z0", [-30.0, -100.0, -700.0])
def test_sigmoid_prime_finite_differences_in_the_left_tail(z0):
    """For z << 0, sigma(z) ~ e^z is representable with full relative precision, so centred
    differences stay meaningful; the right tail follows by symmetry sigma'(z) = sigma'(-z)."""
    z = np.array([z0, z0 + 0.5])
    num = numerical_jvp(act.sigmoid, z, np.ones_like(z))
    assert rel_error(act.sigmoid_prime(z), num) < 1e-6
    np.testing.assert_array_equal(act.sigmoid_prime(-z), act.sigmoid_prime(z))


def test_tanh_at_extremes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(act.tanh(EXTREMES), np.sign(EXTREMES))
        d = act.tanh_prime(EXTREMES)
    assert act.tanh_prime(1000.0) == 0.0 and act.tanh_prime(-1000.0) == 0.0
    np.testing.assert_allclose(d, 4.0 * np.exp(-2.0 * np.abs(EXTREMES)), rtol=1e-12, atol=0)
    assert act.tanh_prime(19.0) == pytest.approx(4 * math.exp(-38.0), rel=1e-12)


def test_elu_at_extremes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = act.elu(EXTREMES, alpha=1.5)
        d = act.elu_prime(EXTREMES, alpha=1.5)
    np.testing.assert_array_equal(out[EXTREMES > 0], EXTREMES[EXTREMES > 0])
    np.testing.assert_allclose(out[EXTREMES < -40], -1.5)
    np.testing.assert_array_equal(d[EXTREMES > 0], 1.0)
    assert act.elu_prime(-1000.0) == 0.0
    assert act.elu_prime(-30.0, alpha=2.0) == pytest.approx(2.0 * math.exp(-30.0), rel=1e-14)


@pytest.mark.parametrize("name,fn,prime,kw", [e for e in ELEMENTWISE if e[0] not in ("sigmoid", "tanh")],
                         ids=[e[0] for e in ELEMENTWISE if e[0] not in ("sigmoid", "tanh")])
def test_piecewise_primes_finite_differences_at_extremes(name, fn, prime, kw):
    """ReLU family, ELU (right tail and moderate left tail) and linear: differences stay exact-ish at |z| ~ 1e3."""
    z = np.array([[-1000.0, -7.0, 250.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        num = numerical_jvp(lambda t: fn(t, **kw), z, np.ones_like(z))
        analytic = prime(z, **kw)
    assert np.all(np.isfinite(analytic))
    # where the true derivative is tiny (ELU at -1000: alpha e^-1000 = 0) compare absolutely
    np.testing.assert_allclose(analytic, num, rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------- softmax family


@pytest.mark.parametrize("scale", [1.0, 30.0], ids=["random", "spread"])
def test_softmax_jvp_matches_finite_differences(scale):
    rng = np.random.default_rng(11)
    z = rng.normal(scale=scale, size=(4, 5))
    v = rng.normal(size=z.shape)
    a = act.softmax(z)
    # elementwise relative error is meaningless for entries ~1e-20 (rounding noise ~1e-11 / h),
    # so compare with an absolute floor far below the O(1e-2) entries
    np.testing.assert_allclose(act.softmax_jvp(a, v), numerical_jvp(act.softmax, z, v), rtol=1e-6, atol=1e-9)
    # J is symmetric, so the same product is the backward (VJP) of softmax
    np.testing.assert_allclose(
        act.softmax_jvp(a, v), numerical_gradient_array(act.softmax, z.copy(), v), rtol=1e-6, atol=1e-9
    )


def test_softmax_jvp_at_extreme_logits():
    z = np.array([[1000.0, -1000.0, 0.0], [1000.3, 999.1, 1000.0]])  # saturated row; shifted row
    v = np.array([[0.5, -1.0, 2.0], [1.0, -2.0, 0.5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = act.softmax(z)
        analytic = act.softmax_jvp(a, v)
    np.testing.assert_array_equal(analytic[0], 0.0)  # one-hot softmax: zero Jacobian
    np.testing.assert_allclose(analytic, numerical_jvp(act.softmax, z, v), rtol=1e-6, atol=1e-9)


def test_logsumexp_gradient_is_softmax():
    z = np.random.default_rng(5).normal(size=(3, 4)) * 3
    num = numerical_gradient(lambda t: act.logsumexp(t).sum(), z.copy())
    np.testing.assert_allclose(act.softmax(z), num, rtol=1e-6, atol=1e-9)


def test_softmax_family_stable_at_extremes():
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [1e300, 0.0, -5.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = act.softmax(z)
        lsm = act.log_softmax(z)
        lse = act.logsumexp(z)
    np.testing.assert_allclose(a[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(a[1], [1 / 3] * 3)
    assert np.all(np.isfinite(lsm[:2])) and np.all(np.isfinite(lse))
    assert lsm[0, 1] == -2000.0  # finite, where log(softmax) would be -inf
    assert lse[1] == pytest.approx(-1000.0 + math.log(3.0), rel=1e-15)


finite_logits = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6),
    elements=st.floats(-1000, 1000, allow_nan=False),
)


@settings(max_examples=60, deadline=None)
@given(finite_logits)
def test_softmax_rows_are_distributions(z):
    a = act.softmax(z)
    assert np.all((a >= 0) & (a <= 1))
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(act.log_softmax(z)), a, rtol=1e-12, atol=1e-300)


@settings(max_examples=60, deadline=None)
@given(finite_logits, st.floats(-500, 500))
def test_softmax_shift_invariant(z, c):
    shift = c * np.arange(1, z.shape[0] + 1)[:, None] / z.shape[0]  # a different constant per row
    np.testing.assert_allclose(act.softmax(z + shift), act.softmax(z), rtol=1e-9, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(finite_logits, st.data())
def test_softmax_monotonic_in_its_own_logit(z, data):
    c = z.shape[1]
    j = data.draw(st.integers(0, c - 1))
    d = data.draw(st.floats(1e-3, 50))
    z2 = z.copy()
    z2[:, j] += d
    a, a2 = act.softmax(z), act.softmax(z2)
    assert np.all(a2[:, j] >= a[:, j] * (1 - 1e-12))  # own probability never decreases
    others = np.delete(np.arange(c), j)
    assert np.all(a2[:, others] <= a[:, others] * (1 + 1e-12) + 1e-300)  # the rest never increase
    live = (a[:, j] > 1e-6) & (a[:, j] < 1 - 1e-6)
    assert np.all(a2[live, j] > a[live, j])  # strictly, unless saturated


# --------------------------------------------------------------------------- maxout


def _maxout_data(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(4, 3)) * scale
    W = rng.normal(size=(3, 3, 2))  # k=3 pieces, D=3, H=2
    b = rng.normal(size=(3, 2))
    dout = rng.normal(size=(4, 2))
    return x, W, b, dout


def test_maxout_forward_value():
    x, W, b, _ = _maxout_data(0)
    out, _ = act.maxout_forward(x, W, b)
    pieces = np.stack([x @ W[j] + b[j] for j in range(W.shape[0])])
    np.testing.assert_allclose(out, pieces.max(axis=0), rtol=1e-14)


@pytest.mark.parametrize("seed,scale", [(0, 1.0), (1, 1.0), (2, 1000.0)], ids=["random0", "random1", "extreme"])
def test_maxout_backward_matches_finite_differences(seed, scale):
    x, W, b, dout = _maxout_data(seed, scale)
    _, cache = act.maxout_forward(x, W, b)
    dx, dW, db = act.maxout_backward(dout, cache)
    # at these fixed seeds the winner never changes within +-h (gaps >> 1e-5)
    num_x = numerical_gradient_array(lambda t: act.maxout_forward(t, W, b)[0], x.copy(), dout)
    num_W = numerical_gradient_array(lambda t: act.maxout_forward(x, t, b)[0], W.copy(), dout)
    num_b = numerical_gradient_array(lambda t: act.maxout_forward(x, W, t)[0], b.copy(), dout)
    assert rel_error(dx, num_x) < 1e-6
    assert rel_error(dW, num_W) < 1e-6
    assert rel_error(db, num_b) < 1e-6


def test_maxout_routes_gradient_only_to_winner():
    x, W, b, dout = _maxout_data(3)
    b = b.copy()
    b[1] += 100.0  # piece 1 wins everywhere
    _, cache = act.maxout_forward(x, W, b)
    dx, dW, db = act.maxout_backward(dout, cache)
    np.testing.assert_array_equal(dW[[0, 2]], 0.0)
    np.testing.assert_array_equal(db[[0, 2]], 0.0)
    np.testing.assert_allclose(dW[1], x.T @ dout)
    np.testing.assert_allclose(db[1], dout.sum(axis=0))
    np.testing.assert_allclose(dx, dout @ W[1].T)


# --------------------------------------------------------------------------- registry


def test_registry_names_and_lookup():
    assert set(act.ACTIVATIONS) == {"sigmoid", "tanh", "relu", "leaky_relu", "elu", "linear", "softmax"}
    assert act.ACTIVATIONS["softmax"].prime is None
    assert act.get_activation("relu") is act.ACTIVATIONS["relu"]
    custom = act.Activation("mine", act.tanh, act.tanh_prime)
    assert act.get_activation(custom) is custom
    assert act.ACTIVATIONS["sigmoid"](0.0) == 0.5
    for name, a in act.ACTIVATIONS.items():
        assert a.name == name
