"""Settings of the browser tests (environment variables, see conftest.py) and the Chromium requirement."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from e2e_course import REPO
from e2e_lab import find_chromium

INSTALL_HINT = (
    "Install Debian's Chromium with `apt-get install chromium` (or point NNKIT_CHROMIUM at a "
    "Chromium/Chrome binary); the python playwright package drives it, browser downloads are not needed."
)


def timeout() -> float:
    """Seconds allowed for slow steps: kernel start, Run All (``NNKIT_E2E_TIMEOUT``, default 300)."""
    return float(os.environ.get("NNKIT_E2E_TIMEOUT", "300"))


def moves() -> int:
    """Slider moves per chapter for the redraw median (``NNKIT_E2E_MOVES``, default 7)."""
    return max(1, int(os.environ.get("NNKIT_E2E_MOVES", "7")))


def artifacts_dir() -> Path:
    """Where screenshots and timings go (``NNKIT_E2E_ARTIFACTS``, default ``<repo>/e2e-artifacts``)."""
    return Path(os.environ.get("NNKIT_E2E_ARTIFACTS") or REPO / "e2e-artifacts").resolve()


def browser_required() -> bool:
    """``NNKIT_E2E_REQUIRE_BROWSER=1``: a missing Chromium fails instead of skipping."""
    return os.environ.get("NNKIT_E2E_REQUIRE_BROWSER") == "1"


def require_chromium() -> str:
    """Path of Chromium; skip (or fail with NNKIT_E2E_REQUIRE_BROWSER=1) when there is none."""
    required = browser_required()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        msg = "the python package playwright is missing: pip install -e '.[test]'"
        pytest.fail(msg) if required else pytest.skip(msg)
    path = find_chromium()
    if path is None:
        msg = f"no Chromium found (NNKIT_CHROMIUM, /usr/bin/chromium, PATH). {INSTALL_HINT}"
        pytest.fail(msg) if required else pytest.skip(msg)
    return path
