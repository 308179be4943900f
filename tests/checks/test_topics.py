"""Check that topic modules are re-exported by their package, and that a name clash is an error."""

from __future__ import annotations

import sys

import pytest

from nnkit._topics import export_topic_modules


def _package(tmp_path, name, modules):
    pkg = tmp_path / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for mod, source in modules.items():
        (pkg / f"{mod}.py").write_text(source)
    sys.path.insert(0, str(tmp_path))
    return {"__name__": name, "__path__": [str(pkg)], "__all__": ["base"]}


def test_public_names_are_exported_and_private_modules_skipped(tmp_path):
    ns = _package(tmp_path, "topics_ok", {
        "alpha": "__all__ = ['a_explorer', 'helper']\na_explorer = 1\nhelper = 2\n",
        "_private": "__all__ = ['hidden']\nhidden = 3\n",
    })
    try:
        export_topic_modules(ns, keep=lambda n: n.endswith("_explorer"))
    finally:
        sys.path.pop(0)
    assert ns["__all__"] == ["base", "a_explorer"] and ns["a_explorer"] == 1
    assert "helper" not in ns and "hidden" not in ns


def test_two_modules_exporting_one_name_is_an_import_error(tmp_path):
    ns = _package(tmp_path, "topics_clash", {
        "one": "__all__ = ['check']\ncheck = 1\n",
        "two": "__all__ = ['check']\ncheck = 2\n",
    })
    try:
        with pytest.raises(ImportError, match="'check' is exported by both topics_clash.one and topics_clash.two"):
            export_topic_modules(ns)
    finally:
        sys.path.pop(0)
