"""Cost of one call of a student's function through the sandboxed kernel (nnkit.course.remote).

Starts one sandboxed kernel, defines ``f(a) = 2 a``, and times ``--calls`` calls of it on a
10x10 array from the grader side (arguments out and results back as ``.npz`` data), next to a
bare ``1 + 1`` execute request (the kernel round trip every call pays). Usage::

    .venv/bin/python benchmarks/bench_remote_call.py --calls 50
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnkit.course.remote import StudentKernel  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        kernel = StudentKernel(Path(tmp) / "scratch")
        t = time.perf_counter()
        kernel.start()
        print(f"sandbox + kernel start: {time.perf_counter() - t:.2f} s")
        kernel.run("def f(a):\n    return a * 2", 20)
        f, a = kernel.function("f"), np.ones((10, 10))
        f(a)  # the first call also defines the call helper in the kernel
        t = time.perf_counter()
        for _ in range(args.calls):
            f(a)
        print(f"one call of f on a 10x10 array: {(time.perf_counter() - t) / args.calls * 1e3:.1f} ms")
        t = time.perf_counter()
        for _ in range(args.calls):
            kernel.run("1 + 1", 20)
        print(f"one bare execute request: {(time.perf_counter() - t) / args.calls * 1e3:.1f} ms")
        kernel.stop()


if __name__ == "__main__":
    main()
