"""The redraw benchmark table (benchmarks/browser_redraw.md) built from the browser tests' timings.

Each test session appends its timings to ``redraw_history.jsonl`` in the artifacts folder;
the table shows this run in detail and, when there are several runs, the median of the
per-run medians (runs on a shared machine vary more than moves within a run).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

COMMAND = [
    "make bench-browser     # = NNKIT_E2E_MOVES=15 NNKIT_E2E_REDRAW_MD=benchmarks/browser_redraw.md \\",
    "                       #       .venv/bin/python -m pytest tests/browser -q -s",
    "# one chapter only, e.g.:",
    "NNKIT_E2E_MOVES=15 NNKIT_E2E_REDRAW_MD=benchmarks/browser_redraw.md \\",
    "    .venv/bin/python -m pytest tests/browser/test_chapters.py -q -s -k 'solution and 01-cost'",
]


def append_history(path: Path, records: list[dict]) -> list[dict]:
    """Append this session's records to ``path`` (JSON lines); return every run stored there."""
    entry = {"time": time.strftime("%Y-%m-%d %H:%M:%S"), "load": os.getloadavg()[0], "records": records}
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")
    runs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            runs.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a torn line from an interrupted run
    return runs


def redraw_markdown(records: list[dict], history: list[dict] | None = None) -> str:
    """Markdown: method, machine, this run's table, the across-runs table, the command."""
    import ipywidgets
    import jupyterlab

    lines = [
        "# Browser redraw times",
        "",
        "Time from the keydown on a slider handle (ArrowRight/ArrowLeft) to the new plot image in the",
        "page, measured inside headless Chromium by tests/browser (a MutationObserver on the widget's",
        "output; the clock is the page's `performance.now()`). It covers the round trip",
        "browser -> kernel -> callback -> matplotlib PNG -> browser, on the chapter's main widget",
        "(the first slider whose cell also shows a plot). \"widget cell\" is the 0-based cell index.",
        "",
        "Rows marked *(mouse drag)*: the mouse drags the same slider handle across its track in 12",
        "steps of 30 ms (a person's drag), three times. The time is from the mouse-up to the last new",
        "image, i.e. how long the plot lags behind the hand; \"frames while dragging\" counts the images",
        "shown during each drag (the sliders update while dragging, `continuous_update=True`).",
        "",
        "Budget (issue 8): median at most 150 ms per key move in Chromium, at most 50 ms in the",
        "kernel (the kernel side is timed by tests/checks/test_*_widget.py). The harness self-test",
        "row is a plain widget (a new figure and `plt.show()` in an `Output` at every move), measured",
        "under the same load: the baseline the chapter explorers are compared with.",
        "",
        (
            f"Machine: {os.cpu_count()} CPU(s), {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}, JupyterLab {jupyterlab.__version__}, "
            f"ipywidgets {ipywidgets.__version__}, headless Chromium. Load average at the end of "
            f"this run: {os.getloadavg()[0]:.1f} (other jobs shared the cores, so compare medians, "
            "not single moves)."
        ),
        "",
        "## This run",
        "",
        "| notebook | widget cell | slider moved | moves | median (ms) | min (ms) | max (ms) | within 150 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        t = r["times_ms"]
        if "(mouse drag)" in r["label"] or r["label"].startswith("("):
            ok = "-"  # a drag's lag and the harness's own plain widget are not budgeted
        else:
            ok = "yes" if statistics.median(t) <= 150 else "**no**"
        lines.append(
            f"| {r['label']} | {r['cell']} | {r['slider']} | {len(t)} | {statistics.median(t):.0f} "
            f"| {min(t):.0f} | {max(t):.0f} | {ok} |"
        )
    runs = history or []
    if len(runs) > 1:
        per_label: dict[str, list[float]] = {}
        for run in runs:
            for r in run["records"]:
                per_label.setdefault(r["label"], []).append(statistics.median(r["times_ms"]))
        lines += [
            "",
            f"## Across {len(runs)} runs ({runs[0]['time']} to {runs[-1]['time']})",
            "",
            "| notebook | runs | per-run medians (ms) | median of medians (ms) |",
            "|---|---|---|---|",
        ]
        for label, meds in per_label.items():
            shown = ", ".join(f"{m:.0f}" for m in meds)
            lines.append(f"| {label} | {len(meds)} | {shown} | {statistics.median(meds):.0f} |")
    lines += [
        "",
        "## Reproduce",
        "",
        "Writes this file; run it a few times for the across-runs table (the history lives in",
        "`redraw_history.jsonl` in the artifacts folder; delete it to start over). The first move of a",
        "widget includes some warm-up, which the median absorbs.",
        "",
        "```",
        *COMMAND,
        "```",
        "",
    ]
    return "\n".join(lines)
