"""The nbval set-up of pyproject.toml, run on the fixture course in a pytest subprocess.

`pytest` runs nbval (--nbval-lax) on every notebook under solutions/ and chapters/. This
proves the mechanism: a good solution + release pass, a changed key output in a solution
fails, and a release cell that fails without the raises-exception tag fails. The good release
also shows that nbval does not require a raises-exception cell to raise: the stub cell
``def double(x): ... raise NotImplementedError()`` only defines a function and passes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

from nnkit.course.build import build
from nnkit.course.manifest import load_course
from nnkit.course.notebooks import read_notebook, set_tags, tags, write_notebook

from course_fixtures import REPO, copy_course

CHAPTER = "00-mini"


def test_nbval_on_solutions_and_chapters(tmp_path):
    good = copy_course(tmp_path / "good")
    build(load_course(good), execute=True)  # stored outputs for the nbval-check-output cell
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)

    solution = bad / "solutions" / CHAPTER / "mini.ipynb"
    nb = read_notebook(solution)
    demo = next(c for c in nb.cells if "nbval-check-output" in tags(c))
    assert demo.outputs[0]["text"] == "double(21) = 42\n"
    demo.outputs[0]["text"] = "double(21) = 41\n"
    write_notebook(nb, solution)

    release = bad / "chapters" / CHAPTER / "mini.ipynb"
    nb = read_notebook(release)
    stub_user = next(c for c in nb.cells if c.source.startswith('print(f"double(21)'))
    set_tags(stub_user, [t for t in tags(stub_user) if t != "raises-exception"])
    write_notebook(nb, release)

    args = [str(d / sub / CHAPTER / "mini.ipynb") for d in (good, bad) for sub in ("solutions", "chapters")]
    proc = subprocess.run([sys.executable, "-m", "pytest", "-c", str(REPO / "pyproject.toml"),
                           f"--rootdir={tmp_path}", "-p", "no:cacheprovider",
                           "-q", "-rf", *args], cwd=REPO, capture_output=True, text=True, timeout=900)
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    failed = sorted(line.split(" ")[1].split(tmp_path.name + "/")[-1]
                    for line in out.splitlines() if line.startswith("FAILED "))
    assert failed == ["bad/chapters/00-mini/mini.ipynb::Cell", "bad/solutions/00-mini/mini.ipynb::Cell"], out
    assert "Cell outputs differ" in out or "double(21) = 41" in out
    assert "NotImplementedError" in out
