"""Check that the project's install paths agree: pyproject.toml, environment.yml, README and CI."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _normalise(requirement: str) -> tuple[str, str]:
    """Split 'name>=1.0' into ('name', '>=1.0') with the name in PEP 503 normal form."""
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    assert m, f"cannot parse requirement {requirement!r}"
    return re.sub(r"[-_.]+", "-", m.group(1)).lower(), m.group(2).replace(" ", "")


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in ("course", "test"):
        reqs += project["optional-dependencies"][extra]
    return dict(_normalise(r) for r in reqs)


def _conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    reqs = [d for d in env["dependencies"] if isinstance(d, str)]
    return dict(_normalise(r) for r in reqs if not r.startswith(("python", "pip")))


def test_environment_yml_lists_exactly_the_pyproject_dependencies():
    pip_reqs, conda_reqs = _pyproject_requirements(), _conda_requirements()
    assert set(pip_reqs) == set(conda_reqs), (
        f"only in pyproject.toml: {sorted(set(pip_reqs) - set(conda_reqs))}; "
        f"only in environment.yml: {sorted(set(conda_reqs) - set(pip_reqs))}"
    )
    differing = {n: (pip_reqs[n], conda_reqs[n]) for n in pip_reqs if pip_reqs[n] != conda_reqs[n]}
    assert not differing, f"version constraints differ (pyproject, environment.yml): {differing}"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme, "README must give `make test` as the test command"
    assert re.search(r"^make test\s*$", ci, re.M), ".ci/run must call `make test`, the README's test command"


def test_makefile_targets_behind_the_readme_commands_exist():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("setup", "lab", "test"):
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile lacks the `{target}` target"
    assert "nnkit.course.student_copy work" in makefile and "jupyter lab work/" in makefile, (
        "`make lab` must copy the chapters into the student's own copy (work/) and open it"
    )
