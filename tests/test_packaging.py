"""Check that the project's install paths agree: pyproject.toml, environment.yml, README and CI."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_installs_the_project_and_lists_no_dependency_of_its_own():
    """pyproject.toml is the one home of the dependencies; conda only brings Python and pip."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    assert all(re.match(r"^(python|pip)\b", d) for d in conda), conda
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip == ['-e ".[course,test]"'] or pip == ["-e .[course,test]"], pip
    python = next(d for d in conda if d.startswith("python"))
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert python.removeprefix("python") == requires


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
