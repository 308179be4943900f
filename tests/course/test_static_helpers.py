"""Fast unit tests of the helpers behind the checks: reference scan, secret regions, slimming."""

from __future__ import annotations

import nbformat
import pytest

from nnkit.course.verify import secret_lines
from nnkit.course.mutants import _bound_and_used, filled_notebook, slim_notebook
from nnkit.course.notebooks import split_secret
from nnkit.course.references import scan_notebook, scan_source

FORBIDDEN = ["nnkit.costs.quadratic_cost", "nnkit.activations.softmax"]


@pytest.mark.parametrize(
    "source",
    [
        "from nnkit.costs import quadratic_cost",
        "from nnkit.costs import quadratic_cost as q",
        "import nnkit.costs\nnnkit.costs.quadratic_cost(1, 2)",
        "import nnkit.costs as C\nC.quadratic_cost(1, 2)",
        "from nnkit import costs as C\nC.quadratic_cost(1)",
        "import nnkit\nf = getattr(nnkit.costs, 'quadratic_cost')",
        "from nnkit.costs import *",
        "def f(x):\n    from nnkit import activations\n    return activations.softmax(x)",
        "%matplotlib inline\nfrom nnkit.activations import softmax",
        "this line is not python: from nnkit.costs import quadratic_cost",
    ],
)
def test_reference_uses_are_found(source):
    uses = scan_source(source, FORBIDDEN)
    assert uses, f"missed a forbidden use in {source!r}"
    assert uses[0].name in FORBIDDEN


@pytest.mark.parametrize(
    "source",
    [
        "from nnkit import costs\ncosts.binary_cross_entropy(1, 2)",
        "def quadratic_cost(a, y):\n    return 0.5 * ((a - y) ** 2).sum()",
        "import numpy as np\nsoftmax = lambda z: np.exp(z) / np.exp(z).sum()",
        "msg = 'do not call nnkit.costs.quadratic_cost'",
        "from nnkit.costs import quadratic_cost_helper",
    ],
)
def test_allowed_code_is_not_flagged(source):
    assert scan_source(source, FORBIDDEN) == []


def test_string_spelling_only_counts_when_asked():
    src = "f = eval('nnkit.costs.quadratic_cost')"
    assert scan_source(src, FORBIDDEN) == []
    assert scan_source(src, FORBIDDEN, strings=True)


def test_aliases_flow_across_cells():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from nnkit import costs"),
                nbformat.v4.new_markdown_cell("costs.quadratic_cost in prose is fine"),
                nbformat.v4.new_code_cell("x = costs.quadratic_cost(a, y)")]
    uses = scan_notebook(nb, FORBIDDEN)
    assert [(u.cell, u.line, u.name) for u in uses] == [(2, 1, "nnkit.costs.quadratic_cost")]


def test_split_secret_regions():
    src = "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\nassert f(1)\n" \
          "### BEGIN HIDDEN TESTS\nassert f(2) == 4\n### END HIDDEN TESTS"
    split = split_secret(src)
    assert split.secret == ["    return 2 * x", "assert f(2) == 4"]
    assert split.visible == ["def f(x):", "assert f(1)"]
    assert split.unclosed is None
    assert split_secret("### BEGIN SOLUTION\nx = 1").unclosed == "BEGIN SOLUTION"


def test_secret_lines_skip_lines_that_are_also_visible():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np"),
                nbformat.v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    import numpy as np\n"
                                          "    return np.tanh(x) * 3\n    )\n    ### END SOLUTION")]
    assert secret_lines(nb) == {"return np.tanh(x) * 3"}


def test_bound_and_used_ignores_function_locals():
    bound, used = _bound_and_used("import numpy as np\nK = 2\ndef f(z):\n    y = z * K\n    return np.sum(y)\n")
    assert bound == {"np", "K", "f"}
    assert {"K", "np"} <= used and not {"y", "z"} & used


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _graded(source, gid, solution=False, grade=False):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": gid, "solution": solution, "grade": grade, "locked": not solution,
                                 "points": 1 if grade else 0, "schema_version": 3, "task": False}
    return cell


def test_slim_keeps_tests_and_what_they_need_only():
    nb = _nb(
        nbformat.v4.new_code_cell("import numpy as np\nimport matplotlib.pyplot as plt"),
        nbformat.v4.new_code_cell("SCALE = 2"),
        nbformat.v4.new_code_cell("fig, ax = plt.subplots()\nax.plot(np.arange(3))"),
        nbformat.v4.new_markdown_cell("prose"),
        _graded("def double(x):\n    return SCALE * np.asarray(x)", "double", solution=True),
        _graded("assert double(3) == 6", "test_double", grade=True),
        nbformat.v4.new_code_cell("print(double(21))"),
    )
    kept = [c.source.splitlines()[0] for c in slim_notebook(nb).cells]
    assert kept == ["import numpy as np", "SCALE = 2", "def double(x):", "assert double(3) == 6"]


def test_filled_notebook_puts_solutions_and_the_mutant_in():
    release = _nb(_graded("def f():\n    raise NotImplementedError()", "f", solution=True),
                  _graded("assert f() == 1", "test_f", grade=True))
    source = _nb(_graded("def f():\n    return 1", "f", solution=True),
                 _graded("assert f() == 1\n# hidden", "test_f", grade=True))
    filled = filled_notebook(release, source)
    assert filled.cells[0].source == "def f():\n    return 1"
    assert filled.cells[1].source == "assert f() == 1", "test cells come from the gradebook, not from here"
    mutant = filled_notebook(release, source, {"f": "def f():\n    return 2"})
    assert mutant.cells[0].source == "def f():\n    return 2"
    assert release.cells[0].source.endswith("NotImplementedError()"), "the release must not be modified"
