"""The Ladder framework: rung output, failure messages, student exceptions, hidden mode."""

from __future__ import annotations

import io

import numpy as np
import pytest

import nnkit.costs as costs_module
from nnkit.checks import CheckFailed, Ladder, ReferenceUsedError, fmt

FORBIDDEN = ["nnkit.costs.quadratic_cost"]


def ladder(student, **kw):
    stream = io.StringIO()
    return Ladder("double", student, forbidden=FORBIDDEN, stream=stream, **kw), stream


def test_a_passing_ladder_prints_ticks_and_a_confirmation():
    lad, out = ladder(lambda x: 2 * x)
    x = np.array([[1.0, 2.0]])
    got = lad.array(lad.call(x), (1, 2))
    lad.close(got, 2 * x, "tiny case")
    lad.passed()
    text = out.getvalue()
    assert text.splitlines() == [
        "Checking double:",
        "  ✓ returns a numpy array",
        "  ✓ has shape (1, 2)",
        "  ✓ tiny case",
        "✓ double passed all 3 checks.",
    ]


def test_failure_raises_an_assertion_error_carrying_the_whole_transcript():
    lad, out = ladder(lambda x: 3 * x)
    x = np.array([[1.0]])
    got = lad.array(lad.call(x), (1, 1))
    with pytest.raises(CheckFailed) as info:
        lad.close(got, 2 * x, "tiny case", inputs={"x": x}, hint="multiply by two")
    assert isinstance(info.value, AssertionError)
    msg = str(info.value)
    assert msg == out.getvalue().rstrip("\n")
    assert "✓ has shape (1, 1)" in msg and "✗ tiny case" in msg
    assert "expected: [[2.]]" in msg and "got:      [[3.]]" in msg
    assert "inputs:   x = [[1.]]" in msg and "hint:     multiply by two" in msg


def test_known_mistakes_turn_into_a_diagnosis():
    lad, _ = ladder(lambda x: x)
    with pytest.raises(CheckFailed, match="you forgot the factor 2"):
        lad.close(1.0, 2.0, "value", hint="generic", mistakes=[(5.0, "nope"), (1.0, "you forgot the factor 2")])


def test_not_implemented_gives_a_clear_message():
    def stub(x):
        raise NotImplementedError()

    lad, _ = ladder(stub)
    with pytest.raises(CheckFailed, match="double is not implemented yet") as info:
        lad.call(np.ones(2))
    assert isinstance(info.value.__cause__, NotImplementedError)


def test_other_exceptions_name_the_error_and_the_inputs():
    lad, _ = ladder(lambda x: x.no_such_attribute)
    with pytest.raises(CheckFailed) as info:
        lad.call(np.ones(2), inputs={"x": np.ones(2)})
    msg = str(info.value)
    assert "✗ runs without an error" in msg and "AttributeError" in msg and "x = [1., 1.]" in msg


def test_not_a_function_fails_at_once():
    with pytest.raises(CheckFailed, match="pass the function, not its result"):
        ladder(0.5)


def test_modifying_an_input_in_place_fails():
    def in_place(x):
        x *= 2
        return x

    lad, _ = ladder(in_place)
    with pytest.raises(CheckFailed, match="modified in place"):
        lad.call(np.ones((1, 2)), inputs={"x": np.ones((1, 2))})


def test_type_rungs_explain_what_came_back():
    lad, _ = ladder(lambda x: None)
    with pytest.raises(CheckFailed, match="forget `return`"):
        lad.number(lad.call(1.0))
    lad, _ = ladder(lambda x: x)
    with pytest.raises(CheckFailed, match="ONE number"):
        lad.number(np.ones((2, 2)))
    with pytest.raises(CheckFailed, match=r"expected: shape \(2, 2\)"):
        lad.array(np.ones(3), (2, 2))
    with pytest.raises(CheckFailed, match="return both values"):
        lad.pair(1.0, ("w", "b"))


def test_nan_where_a_number_was_expected_gets_its_own_hint_with_numpy_warnings():
    lad, _ = ladder(lambda x: np.log(x) * 0.0)
    got = lad.call(np.array([0.0]))
    with pytest.raises(CheckFailed) as info:
        lad.close(got, np.array([0.0]), "edge")
    assert "nan/inf" in str(info.value) and "RuntimeWarning" in str(info.value)


def test_calling_the_reference_fails_even_if_the_exception_is_swallowed():
    def cheat(a, y):
        return costs_module.quadratic_cost(a, y)

    def sneaky(a, y):
        try:
            return costs_module.quadratic_cost(a, y)
        except Exception:
            return 0.0

    for fn in (cheat, sneaky):
        lad, _ = ladder(fn)
        with pytest.raises(CheckFailed, match="calls nnkit.costs.quadratic_cost; write it yourself"):
            lad.call(np.ones((1, 1)), np.zeros((1, 1)))
    assert costs_module.quadratic_cost(np.ones((1, 1)), np.zeros((1, 1))) == 0.5


def test_reference_error_raised_inside_a_check_is_a_checkfailed():
    assert issubclass(ReferenceUsedError, CheckFailed)


def test_gradient_rung_passes_and_fails():
    lad, out = ladder(lambda x: x)
    x = np.array([0.3, -1.2])
    lad.gradient(lambda v: float(np.sum(v ** 3)), x, 3 * x ** 2, "d/dx x^3")
    assert "✓ d/dx x^3 (relative error" in out.getvalue()
    with pytest.raises(CheckFailed, match="relative error"):
        lad.gradient(lambda v: float(np.sum(v ** 3)), x, 2 * x, "wrong derivative")


def test_compare_random_is_reproducible_with_a_seed_and_reports_the_tolerance():
    draw = lambda g: (g.normal(size=(3, 2)),)
    lad, out = ladder(lambda x: 2 * x, hidden=True)
    lad.compare_random(draw, lambda x: 2 * x, reference_name="2x", trials=5, rng=0, rtol=1e-9)
    lad.passed()
    assert out.getvalue().startswith("Hidden tests double:")
    assert "5 random inputs agree with 2x (|student - reference| <= 1e-12 + 1e-09 * |reference|)" in out.getvalue()
    assert "passed the hidden tests" in out.getvalue()

    lad, _ = ladder(lambda x: 2 * x + 1e-6, hidden=True)
    with pytest.raises(CheckFailed, match="random case 1 of 5"):
        lad.compare_random(draw, lambda x: 2 * x, reference_name="2x", trials=5, rng=0, rtol=1e-9)


def test_compare_random_without_rng_draws_fresh_inputs_each_time():
    seen = []

    def draw(g):
        x = g.normal(size=3)
        seen.append(x)
        return (x,)

    lad, _ = ladder(lambda x: x, hidden=True)
    lad.compare_random(draw, lambda x: x, reference_name="id", trials=2)
    lad.compare_random(draw, lambda x: x, reference_name="id", trials=2)
    assert not np.array_equal(seen[0], seen[2])


def test_fmt_is_short_and_rounded():
    assert fmt(0.1 + 0.2) == "0.3"
    assert fmt((1.0, 2)) == "(1, 2)"
    assert len(fmt(np.zeros((100, 100)))) < 400
