"""Tests for nnkit.dropout: inverted scaling keeps the expected activation, mask values,
test-time identity, reproducibility from the generator, backward vs finite differences."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnkit.dropout import dropout_backward, dropout_forward
from nnkit.gradcheck import numerical_gradient_array


def test_mask_values_and_output():
    x = np.arange(1.0, 201.0).reshape(10, 20)
    out, mask = dropout_forward(x, keep_prob=0.8, rng=0)
    assert mask.shape == x.shape and mask.dtype == x.dtype
    assert set(np.unique(mask)) <= {0.0, 1.0 / 0.8}
    assert 0 < np.count_nonzero(mask) < mask.size
    np.testing.assert_array_equal(out, x * mask)


def test_test_time_is_identity():
    x = np.random.default_rng(0).normal(size=(4, 5))
    out, mask = dropout_forward(x, keep_prob=0.5, rng=np.random.default_rng(1), train=False)
    assert mask is None
    np.testing.assert_array_equal(out, x)
    out2, mask2 = dropout_forward(x, keep_prob=0.5, rng=None, train=False)  # rng unused at test time
    assert mask2 is None
    np.testing.assert_array_equal(out2, x)


def test_keep_prob_one_keeps_everything():
    x = np.random.default_rng(0).normal(size=(6, 7))
    out, mask = dropout_forward(x, keep_prob=1.0, rng=3)
    np.testing.assert_array_equal(mask, 1.0)
    np.testing.assert_array_equal(out, x)


def test_randomness_only_from_rng():
    x = np.ones((8, 8))
    _, m1 = dropout_forward(x, 0.5, rng=np.random.default_rng(42))
    _, m2 = dropout_forward(x, 0.5, rng=np.random.default_rng(42))
    _, m3 = dropout_forward(x, 0.5, rng=42)
    np.testing.assert_array_equal(m1, m2)
    np.testing.assert_array_equal(m1, m3)
    g = np.random.default_rng(42)
    _, a = dropout_forward(x, 0.5, rng=g)
    _, b = dropout_forward(x, 0.5, rng=g)  # the generator advances: a fresh mask
    assert not np.array_equal(a, b)


def test_float32_preserved():
    x = np.ones((3, 3), dtype=np.float32)
    out, mask = dropout_forward(x, 0.5, rng=0)
    assert out.dtype == np.float32 and mask.dtype == np.float32
    assert dropout_backward(x, mask).dtype == np.float32


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 6), elements=st.floats(-100, 100, allow_nan=False)),
       st.floats(0.05, 1.0))
def test_inverted_dropout_keeps_the_expected_activation(x, keep_prob):
    """Each output entry is x * B / p with B ~ Bernoulli(p): mean x, std |x| sqrt((1-p)/p).
    Averaging M masks, the error is within 6 standard errors except with probability ~2e-9."""
    M = 20_000
    out, mask = dropout_forward(np.tile(x, (M, 1)), keep_prob, rng=np.random.default_rng(2024))
    se = np.abs(x) * np.sqrt((1 - keep_prob) / (keep_prob * M))
    assert np.all(np.abs(out.mean(axis=0) - x) <= 6 * se + 1e-9 * np.abs(x))
    kept = (mask > 0).mean()
    assert abs(kept - keep_prob) <= 6 * np.sqrt(keep_prob * (1 - keep_prob) / mask.size) + 1e-12


@pytest.mark.parametrize("scale", [1.0, 1000.0], ids=["random", "extreme"])
def test_backward_matches_finite_differences(scale):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(5, 4)) * scale
    dout = rng.normal(size=x.shape)
    _, mask = dropout_forward(x, 0.6, rng=7)
    # an int seed makes every forward call draw the same mask, so f is a fixed linear map
    num = numerical_gradient_array(lambda t: dropout_forward(t, 0.6, rng=7)[0], x.copy(), dout)
    dx = dropout_backward(dout, mask)
    np.testing.assert_allclose(dx, num, rtol=1e-6, atol=1e-9 * scale)
    np.testing.assert_array_equal(dx, dout * mask)


def test_backward_without_mask_is_identity():
    dout = np.random.default_rng(0).normal(size=(3, 2))
    np.testing.assert_array_equal(dropout_backward(dout, None), dout)
