"""The Ladder framework: rung output, failure messages, student exceptions, hidden mode."""

from __future__ import annotations

import io

import numpy as np
import pytest

import nnkit.costs as costs_module
from nnkit.checks import CheckFailed, Ladder, ReferenceUsedError, fmt
from nnkit.checks import _ladder as ladder_module

FORBIDDEN = ["nnkit.costs.quadratic_cost"]


@pytest.fixture(autouse=True)
def fake_exercise(monkeypatch):
    """The exercise "double" forbids nnkit.costs.quadratic_cost; every test starts a fresh session."""
    monkeypatch.setattr(ladder_module, "forbidden_for", lambda name: list(FORBIDDEN) if name == "double" else [])
    ladder_module.reset_session()
    yield
    ladder_module.reset_session()


def ladder(student, **kw):
    stream = io.StringIO()
    return Ladder("double", student, stream=stream, **kw), stream


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


def test_failure_raises_an_assertion_error_whose_report_is_printed_once():
    lad, out = ladder(lambda x: 3 * x)
    x = np.array([[1.0]])
    got = lad.array(lad.call(x), (1, 1))
    with pytest.raises(CheckFailed) as info:
        lad.close(got, 2 * x, "tiny case", inputs={"x": x}, hint="multiply by two")
    assert isinstance(info.value, AssertionError)
    msg = str(info.value)
    # the ✓ lines went to the stream as they passed; the report is only in the exception
    assert out.getvalue().splitlines() == ["Checking double:", "  ✓ returns a numpy array", "  ✓ has shape (1, 1)"]
    assert msg.splitlines() == [
        "✗ double: tiny case   (after 2 passed checks)",
        "    inputs:   x = [[1.]]",
        "    expected: [[2.]]",
        "    got:      [[3.]]",
        "    hint:     multiply by two",
    ]
    # IPython renders the exception as its report only (no traceback into nnkit)
    assert info.value._render_traceback_() == msg.splitlines()


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
    assert "✗ double: runs without an error" in msg and "AttributeError" in msg and "x = [1., 1.]" in msg
    # the student's own line is quoted (their frames only; nothing from nnkit)
    assert "x.no_such_attribute" in msg and "nnkit/" not in msg


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
    assert out.getvalue().startswith("Hidden tests of double:")
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


# --------------------------------------------------------------------------- escalating hints
LEVELS = ("think about what doubling means", "multiply each entry by a number", "return 2 * x")


def fail_once(student=lambda x: 3 * x, hint=LEVELS):
    lad, _ = ladder(student)
    with pytest.raises(CheckFailed) as info:
        lad.close(lad.call(np.array([1.0])), np.array([2.0]), "tiny case", hint=hint)
    return str(info.value)


def test_hints_escalate_and_the_formula_waits_for_three_failures():
    shown = [fail_once() for _ in range(5)]
    assert "hint:     think about what doubling means" in shown[0]
    assert "hint:     multiply each entry by a number" in shown[1]
    assert "hint:     multiply each entry by a number" in shown[2]   # 3rd failure: still no formula
    assert "hint:     return 2 * x" in shown[3] and "hint:     return 2 * x" in shown[4]
    for text in shown[:3]:
        assert "return 2 * x" not in text and 'more help: checks.hint("double")' in text
    assert "more help" not in shown[3]


def test_asking_for_the_hint_shows_every_level_and_unlocks_the_formula(capsys):
    fail_once()
    capsys.readouterr()
    ladder_module.hint("double")
    text = capsys.readouterr().out
    assert 'Hints for double, rung "tiny case":' in text
    assert "1. think about what doubling means" in text and "3. return 2 * x" in text
    assert "hint:     return 2 * x" in fail_once()                     # 2nd failure, but asked


def test_hint_before_any_failure_says_so(capsys):
    ladder_module.hint("double")
    assert "no failed check yet" in capsys.readouterr().out


def test_a_plain_string_hint_is_one_level_and_always_shown():
    assert "hint:     multiply by two" in fail_once(hint="multiply by two")
    assert "more help" not in fail_once(hint="multiply by two")


def test_status_follows_the_latest_run():
    assert ladder_module.status("double") == "not run"
    fail_once()
    assert ladder_module.status("double") == "failed"
    lad, _ = ladder(lambda x: 2 * x)
    lad.passed()
    assert ladder_module.status("double") == "passed"
    lad, _ = ladder(lambda x: 2 * x, hidden=True)
    with pytest.raises(CheckFailed):
        lad.fail("random case 1 of 20")
    assert ladder_module.status("double") == "failed"


# --------------------------------------------------------------------------- readable reports
def test_big_arrays_are_truncated_indented_and_the_first_difference_is_named():
    X = np.arange(1078 * 64, dtype=float).reshape(1078, 64)
    bad = X.copy()
    bad[3, 5] += 1.0
    lad, _ = ladder(lambda x: x)
    with pytest.raises(CheckFailed) as info:
        lad.close(bad, X, "big batch", inputs={"X": X})
    lines = str(info.value).splitlines()
    assert len(lines) < 24 and max(map(len, lines)) <= 90, "\n".join(lines)
    assert any(line.endswith("X = shape (1078, 64), corners:") for line in lines)
    assert "differs:  1 of 68992 entries, first at [3, 5]: expected 197, got 198 (off by 1)" in str(info.value)
    assert not any(line.strip().startswith("tolerance") for line in lines)
    # continuation lines of a multi-line array start under the value, not at column 0
    start = next(i for i, line in enumerate(lines) if line.startswith("    expected: "))
    assert lines[start].endswith("shape (1078, 64), corners:")
    assert lines[start + 1].startswith(" " * 14 + "[[") and lines[start + 2].startswith(" " * 15 + "[")


def test_a_tiny_offset_says_how_small_it_is():
    lad, _ = ladder(lambda x: x)
    with pytest.raises(CheckFailed) as info:
        lad.close(2.99993e-12, 0.0, "a == y costs 0", atol=1e-12)
    assert "differs:  expected 0, got 2.99993e-12 (off by 3e-12; the check allows 1e-12)" in str(info.value)


def test_long_hints_wrap_near_90_columns():
    text = fail_once(hint="word " * 60)
    assert max(len(line) for line in text.splitlines()) <= 90
