"""Fixtures for the JupyterHub end-to-end test (tests/hub).

A real JupyterHub (deploy/jupyterhub/jupyterhub_config.py) and configurable-http-proxy on a
free loopback port, real local users made with ``useradd`` (one instructor, three students,
homes 0700 under a temporary folder), nbgrader's exchange in that folder, and the
instructor's course folder a copy of this course in the instructor's home. Everything is
removed afterwards, also when a test fails.

Needs root, useradd, jupyterhub and configurable-http-proxy: without them the tests skip
with the reason, unless ``NNKIT_HUB_REQUIRE=1`` (set by .ci/run as root), when they fail.
"""

from __future__ import annotations

import os

import pytest

from hubkit import missing_requirements


@pytest.fixture(scope="session")
def hub_requirements() -> None:
    missing = missing_requirements()
    if missing:
        reason = "JupyterHub test needs " + ", ".join(missing)
        if os.environ.get("NNKIT_HUB_REQUIRE") == "1":
            pytest.fail(reason + " (NNKIT_HUB_REQUIRE=1)", pytrace=False)
        pytest.skip(reason)
