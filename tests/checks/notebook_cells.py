"""Helpers for the tests of nnkit.checks: a chapter's solution cells, read from its jupytext source.

(A plain module rather than conftest.py, so test files can import it by a name unique in the repo.)
Every chapter's check tests build their "notebook" namespace here: :func:`notebook_namespace`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from nnkit.activations import sigmoid, sigmoid_prime

ROOT = Path(__file__).resolve().parents[2]
CH01_SOURCE = ROOT / "solutions" / "01-cost-functions" / "cost_functions.py"

_MARKER = re.compile(r"^# %%(?P<md> \[markdown\])?(?P<meta>.*)$")


def percent_cells(path: Path) -> list[tuple[dict, str]]:
    """(metadata, source) of every code cell of a jupytext percent file (enough for our tests)."""
    cells, meta, lines, is_code = [], None, [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _MARKER.match(line)
        if m:
            if meta is not None and is_code:
                cells.append((meta, "\n".join(lines).strip("\n")))
            is_code = m.group("md") is None
            raw = m.group("meta").strip()
            meta = {}
            for key in ("nbgrader", "tags"):
                mm = re.search(rf"{key}=(\{{.*?\}}|\[.*?\])", raw)
                if mm:
                    meta[key] = json.loads(mm.group(1))
            lines = []
        elif meta is not None:
            lines.append(line)
    if meta is not None and is_code:
        cells.append((meta, "\n".join(lines).strip("\n")))
    return cells


def solution_sources(path: Path = CH01_SOURCE) -> dict[str, str]:
    """grade_id -> source of each nbgrader solution code cell."""
    out = {}
    for meta, src in percent_cells(path):
        nb = meta.get("nbgrader", {})
        if nb.get("solution") and not nb.get("grade"):
            out[nb["grade_id"]] = src
    return out


def notebook_namespace(path: Path, overrides: dict[str, str] | None = None, **preload) -> dict:
    """A fresh 'notebook' namespace: ``preload`` (the imports the exercises may use) + every
    solution cell of ``path``, with ``overrides`` (grade_id -> replacement source) applied."""
    ns = {"__name__": "__notebook__", **preload}
    sources = solution_sources(path)
    sources.update(overrides or {})
    for src in sources.values():
        exec(compile(src, "<cell>", "exec"), ns)
    return ns


def namespace(overrides: dict[str, str] | None = None) -> dict:
    """Chapter 01's namespace (the imports its exercises may use: numpy, sigmoid, sigmoid_prime)."""
    return notebook_namespace(CH01_SOURCE, overrides, np=np, sigmoid=sigmoid, sigmoid_prime=sigmoid_prime)
