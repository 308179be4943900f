"""Chapter-01 checks: the solutions pass, each wrong answer fails at the right rung with a useful hint."""

from __future__ import annotations


import pytest
import yaml
from notebook_cells import ROOT, namespace, solution_sources

from nnkit import checks
from nnkit.checks import CheckFailed
from nnkit.checks import _ladder as ladder_module
from nnkit.checks._ladder import forbidden_for

EXERCISES = ["quadratic_cost", "quadratic_delta", "neuron_step", "epochs_until_below",
             "cross_entropy_cost", "cross_entropy_delta"]


@pytest.fixture(autouse=True)
def fresh_session():
    """Hints escalate with failures per kernel session: every test starts at the first failure."""
    ladder_module.reset_session()
    yield
    ladder_module.reset_session()


def hint_text(report: str) -> str:
    """The hint of a failure report, its wrapped lines joined."""
    lines = report.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("hint:")), None)
    if start is None:
        return ""
    block = [lines[start].split("hint:", 1)[1]]
    for line in lines[start + 1:]:
        if not line.startswith(" " * 14) or line.strip().startswith("more help"):
            break
        block.append(line)
    return " ".join(part.strip() for part in block)


def run_check(name: str, fn, hidden: bool = False, rng=None):
    check = getattr(checks, name)
    return check(fn, hidden=hidden, rng=rng) if hidden else check(fn)


def test_the_solution_notebook_defines_every_exercise():
    assert set(solution_sources()) == set(EXERCISES)


@pytest.mark.parametrize("name", EXERCISES)
def test_solutions_pass_visible_and_hidden(name, capsys):
    solution_ns = namespace()
    run_check(name, solution_ns[name])
    run_check(name, solution_ns[name], hidden=True, rng=7)
    out = capsys.readouterr().out
    assert f"✓ {name} passed all" in out and f"✓ {name} passed the hidden tests." in out
    assert "✗" not in out


# (exercise, wrong source, failing rung, words the hint must contain)
WRONG = [
    ("quadratic_cost", "return 0.5 * np.sum((a - y) ** 2)", "batch of 2 examples", "the 1/n"),
    ("quadratic_cost", "return np.sum((a - y) ** 2) / a.shape[0]", "tiny case", "dropped the 1/2"),
    ("quadratic_cost", "return 0.5 * np.mean((a - y) ** 2)", "batch of 2 examples", "averaged over every entry"),
    ("quadratic_cost", "return 0.5 * np.sum((a - y) ** 2, axis=1) / a.shape[0]", "returns a single number",
     "ONE number"),
    ("quadratic_cost", "x = 0.5 * np.sum((a - y) ** 2) / a.shape[0]", "returns a single number", "forget `return`"),
    ("quadratic_delta", "return a - y", "tiny case", "that is dC/da"),
    ("quadratic_delta", "return (y - a) * sigmoid_prime(z)", "tiny case", "sign"),
    ("quadratic_delta", "return (a - y) * sigmoid_prime(a)", "tiny case", "not sigma'(a)"),
    ("quadratic_delta", "return (a - y) * sigmoid_prime(z) / a.shape[0]", "batch of 2 examples", "per example"),
    ("quadratic_delta", "e = np.exp(-z)\n    return (a - y) * e / (1 + e) ** 2", "saturated", "finite"),
    ("quadratic_delta", "return float(np.sum((a - y) * sigmoid_prime(z)))", "returns a numpy array", "numpy array"),
    ("cross_entropy_cost", "return float(-np.sum(y * np.log10(a) + (1 - y) * np.log10(1 - a)) / a.shape[0])",
     "tiny case", "log base 10"),
    ("cross_entropy_cost", "return float(np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)) / a.shape[0])",
     "tiny case", "sign"),
    ("cross_entropy_cost", "return float(-np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)))",
     "batch of 2", "summed over the batch"),
    ("cross_entropy_cost", "return float(-np.sum(y * np.log(a)) / a.shape[0])", "batch of 2", "(1 - y) ln(1 - a)"),
    ("cross_entropy_cost", "return float(-np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)) / a.shape[0])",
     "a == y with a exactly 0 or 1", "0 * ln(0)"),
    ("cross_entropy_delta", "return (a - y) * sigmoid_prime(z)", "tiny case", "quadratic delta"),
    ("cross_entropy_delta", "return (a - y) / (a * (1 - a))", "tiny case", "that is dC/da"),
    ("cross_entropy_cost", "a = np.clip(a, 1e-12, 1 - 1e-12)\n"
     "    return float(-np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)) / a.shape[0])",
     "a == y with a exactly 0 or 1", "clipping"),
    ("cross_entropy_cost", "return float(-np.sum(y * np.log(a + 1e-12) + (1 - y) * np.log(1 - a + 1e-12)) / a.shape[0])",
     "a == y with a exactly 0 or 1", "adding eps inside the log"),
    ("cross_entropy_cost", "a = np.clip(a, 1e-15, 1 - 1e-15)\n"
     "    return float(-np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)) / a.shape[0])",
     "a == y with a exactly 0 or 1", "clipping"),
    ("cross_entropy_cost", "a = np.maximum(a, 1e-20)\n    with np.errstate(divide='ignore', invalid='ignore'):\n"
     "        t = np.nan_to_num(y * np.log(a)) + np.nan_to_num((1 - y) * np.log(1 - a))\n"
     "    return float(-np.sum(t) / a.shape[0])",
     "keeps its exact cost", "clipping"),
    ("cross_entropy_delta", "return y - a", "tiny case", "sign"),
    ("cross_entropy_delta", "return (a - y) / (a * (1 - a)) * sigmoid_prime(z)", "saturated", "a (1 - a)"),
    ("neuron_step", "z = w * x + b\n    d = delta(z, sigmoid(z), y)\n    return w + eta * d * x, b + eta * d",
     "tiny case", "DEScent"),
    ("neuron_step", "z = w * x + b\n    d = delta(z, sigmoid(z), y)\n    return w - eta * d, b - eta * d",
     "input x = 2", "delta * x"),
    ("neuron_step", "z = w * x + b\n    d = (sigmoid(z) - y) * sigmoid_prime(z)\n    return w - eta * d * x, b - eta * d",
     "cross-entropy delta", "ignored the `delta` argument"),
    ("neuron_step", "z = w * x + b\n    d = delta(z, sigmoid(z), y)\n    return [w - eta * d * x]",
     "returns a pair", "return both values"),
    ("epochs_until_below",
     "for e in range(1, max_epochs + 1):\n        w, b = neuron_step(w, b, 1.0, 0.0, eta, delta)\n"
     "        if sigmoid(w + b) < threshold:\n            return e\n    return None",
     "already below", "off by one"),
    ("epochs_until_below",
     "for e in range(max_epochs):\n        if sigmoid(w + b) < threshold:\n            return e\n"
     "        w, b = neuron_step(w, b, 1.0, 0.0, eta, delta)\n    return None",
     "last allowed epoch", "after the last allowed step"),
    ("epochs_until_below",
     "e = 0\n    while sigmoid(w + b) >= threshold and e < max_epochs:\n"
     "        w, b = neuron_step(w, b, 1.0, 0.0, eta, delta)\n        e += 1\n    return e",
     "out of epochs", "return None"),
    ("epochs_until_below", "return 0.0", "returns an int", "count with an int"),
    ("epochs_until_below",
     "e = 0\n    while sigmoid(w + b) >= threshold:\n        if e == max_epochs + 1:\n            return None\n"
     "        w, b = neuron_step(w, b, 1.0, 0.0, eta, delta)\n        e += 1\n    return e",
     "but max_epochs", "max_epochs + 1 steps"),
]


@pytest.mark.parametrize("name, body, rung, hint", WRONG, ids=[f"{w[0]}-{i}" for i, w in enumerate(WRONG)])
def test_wrong_answers_fail_at_the_expected_rung_with_a_hint(name, body, rung, hint):
    params = {"quadratic_cost": "a, y", "cross_entropy_cost": "a, y", "quadratic_delta": "z, a, y",
              "cross_entropy_delta": "z, a, y", "neuron_step": "w, b, x, y, eta, delta",
              "epochs_until_below": "w, b, eta, delta, threshold, max_epochs"}[name]
    ns = namespace({name: f"def {name}({params}):\n    {body}"})
    with pytest.raises(CheckFailed) as info:
        run_check(name, ns[name])
    failing = [line for line in str(info.value).splitlines() if line.strip().startswith("✗")]
    assert len(failing) == 1 and rung in failing[0], str(info.value)
    assert hint in hint_text(str(info.value)), str(info.value)


def test_the_trapped_list_comes_from_course_yml_through_the_exercise_id():
    course = yaml.safe_load((ROOT / "course.yml").read_text(encoding="utf-8"))
    entry = next(ch for ch in course["chapters"] if ch["id"] == "01-cost-functions")
    listed = entry.get("forbidden", entry.get("forbidden_references"))
    for name in EXERCISES:
        assert sorted(forbidden_for(name)) == sorted(listed), name
    assert not hasattr(checks.ch01_cost_functions, "FORBIDDEN")


