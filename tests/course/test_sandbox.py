"""The student kernel's sandbox holds: each test is something a hostile submission would try.

Every test starts a real IPython kernel inside bubblewrap (:mod:`nnkit.course.sandbox`) and
drives it the way the trusted grader does (:mod:`nnkit.course.remote`).
"""

from __future__ import annotations

import shutil
import time

import numpy as np
import psutil
import pytest

from nnkit.course.remote import KernelDied, Opaque, StudentKernel
from nnkit.course.sandbox import Limits, SandboxUnavailable, require_bwrap

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")


@pytest.fixture
def kernel(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (tmp_path / "secret.txt").write_text("the instructor's hidden tests")
    k = StudentKernel(scratch, limits=Limits(memory_mb=2048, processes=128))
    k.start()
    yield k
    k.stop()


def test_plain_code_runs_and_output_is_captured(kernel):
    res = kernel.run("import numpy as np\nprint(np.arange(3).sum())", 20)
    assert res.status == "ok" and res.output == "3\n"


def test_no_network(kernel):
    res = kernel.run("import socket\nsocket.create_connection(('127.0.0.1', 22), timeout=2)", 20)
    assert res.status == "error" and ("ConnectionRefused" in res.error or "unreachable" in res.error.lower())
    res = kernel.run("import socket\nsocket.getaddrinfo('pypi.org', 443)", 20)
    assert res.status == "error"


def test_files_outside_the_scratch_folder_are_invisible_or_read_only(kernel, tmp_path):
    res = kernel.run(f"open({str(tmp_path / 'secret.txt')!r}).read()", 20)
    assert res.status == "error" and "FileNotFoundError" in res.error
    res = kernel.run("import nnkit, os\nopen(os.path.join(os.path.dirname(nnkit.__file__), 'x.py'), 'w')", 20)
    assert res.status == "error" and ("Read-only" in res.error or "Permission" in res.error or "No module" in res.error)
    res = kernel.run("import os\nprint(sorted(os.listdir('/work')) if os.path.exists('/work') else [])", 20)
    assert "solutions" not in res.output and "submissions" not in res.output
    res = kernel.run("open('mine.txt', 'w').write('ok')", 20)
    assert res.status == "ok"


def test_memory_bomb_raises_memory_error_and_the_kernel_survives(kernel):
    res = kernel.run("x = bytearray(16 * 1024**3)", 20)
    assert res.status == "error" and "MemoryError" in res.error
    assert kernel.run("print(1 + 1)", 20).output == "2\n"


def test_infinite_loop_is_stopped_by_the_timeout(kernel):
    start = time.monotonic()
    res = kernel.run("while True:\n    pass", 2)
    assert res.status == "timeout" and time.monotonic() - start < 10
    assert not kernel.alive()


def test_kernel_exit_is_reported_as_died(kernel):
    assert kernel.run("import os\nos._exit(3)", 20).status == "died"


def test_output_flood_is_capped(kernel):
    res = kernel.run("for i in range(200):\n    print('x' * 10000)", 30)
    assert res.status == "ok" and len(res.output) <= 64 * 1024 and res.dropped > 1_000_000


def test_fork_bomb_hits_the_process_limit(kernel):
    res = kernel.run(
        "import os, time\nn = 0\ntry:\n    for i in range(2000):\n        if os.fork() == 0:\n"
        "            time.sleep(60)\n            os._exit(0)\n        n += 1\nexcept OSError:\n    pass\nprint(n)", 30)
    assert res.status == "ok" and int(res.output) < 200


def test_nothing_is_left_running_after_stop(kernel):
    kernel.run("import subprocess, os\nsubprocess.Popen(['sleep', '4711'], start_new_session=True)\n"
               "if os.fork() == 0:\n    os.setsid()\n    import time\n    time.sleep(4712)", 20)
    kernel.stop()
    time.sleep(0.5)
    left = [p for p in psutil.process_iter(["cmdline"])
            if p.info["cmdline"] and {"4711", "4712"} & set(p.info["cmdline"])]
    assert left == []


def test_remote_function_exchanges_only_data(kernel):
    kernel.run("import numpy as np\n"
               "def f(a, y):\n    return float(np.sum(a * y)), a.T\n"
               "def bad(a):\n    a[0] = 99.0\n    return object()\n"
               "def stub(a):\n    raise NotImplementedError()\n", 20)
    out = kernel.function("f")(np.ones((2, 3)), np.full((2, 3), 2.0))
    assert out[0] == 12.0 and out[1].shape == (3, 2)
    a = np.zeros(3)
    got = kernel.function("bad")(a)
    assert isinstance(got, Opaque) and a[0] == 99.0  # in-place change is visible to the check
    with pytest.raises(NotImplementedError):
        kernel.function("stub")(a)


def test_a_call_that_hangs_raises_kernel_died(kernel):
    kernel.run("def hang(x):\n    while True:\n        pass", 20)
    with pytest.raises(KernelDied):
        kernel.function("hang", timeout=2)(1.0)


def test_missing_bwrap_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
        require_bwrap()


def test_planted_links_in_the_scratch_folder_do_not_make_the_grader_write_or_read_outside(kernel, tmp_path):
    """The grader (root) writes call inputs into the student's writable scratch folder: a link
    planted there must not redirect that write to an instructor's file."""
    target = tmp_path / "instructor.txt"
    target.write_text("precious")
    kernel.run("import os\n"
               "def f(a):\n    return a\n"
               f"for n in range(1, 40):\n"
               f"    os.symlink({str(target)!r}, f'call{{n}}.in.npz')\n"
               f"    os.symlink({str(target)!r}, f'call{{n}}.out.npz')\n", 20)
    for _ in range(3):
        try:
            kernel.function("f")(np.ones(2))
        except Exception:
            pass
    assert target.read_text() == "precious"
    assert not target.is_symlink()
