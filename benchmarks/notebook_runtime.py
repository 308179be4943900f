"""Time every solution notebook of the course, top to bottom, in a fresh kernel.

Usage: .venv/bin/python benchmarks/notebook_runtime.py [--repeats 3]

Prints a markdown table: per notebook, the median wall time of executing it with nbclient
(kernel start included) and of the slowest cell. The course promises each chapter runs
in under 30 s on a 2-core laptop.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nnkit.course.manifest import load_course  # noqa: E402


def run_once(path: Path) -> tuple[float, float]:
    """Execute ``path`` in a fresh kernel; return (total seconds, slowest cell seconds)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    total = time.perf_counter() - start
    slowest = 0.0
    for cell in nb.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            t0 = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
            t1 = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
            slowest = max(slowest, (t1 - t0).total_seconds())
    return total, slowest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    course = load_course(Path(__file__).resolve().parents[1])
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print("| notebook | runs | median total (s) | median slowest cell (s) |")
    print("|---|---|---|---|")
    for chapter in course.chapters:
        for paths in chapter.notebook_paths:
            runs = [run_once(paths.source_ipynb) for _ in range(args.repeats)]
            total = statistics.median(r[0] for r in runs)
            slow = statistics.median(r[1] for r in runs)
            print(f"| {chapter.id}/{paths.source_ipynb.name} | {args.repeats} | {total:.1f} | {slow:.1f} |")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
