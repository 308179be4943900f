"""course.yml: the real manifest loads, and broken manifests fail with messages that say where."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from nnkit.course.manifest import ManifestError, find_root, load_course, parse_course

REPO = Path(__file__).resolve().parents[2]

GOOD = {
    "course": {"id": "c1", "title": "A course"},
    "chapters": [
        {
            "id": "01-first",
            "title": "First",
            "notebooks": ["first"],
            "objectives": ["learn"],
            "minutes": 30,
            "points": 4,
            "forbidden_references": ["nnkit.costs.quadratic_cost"],
        }
    ],
}


def test_real_manifest_loads_with_paths():
    course = load_course(REPO)
    assert course.root == REPO
    assert course.chapter_ids, "course.yml lists no chapters"
    for chapter in course.chapters:
        assert chapter.source_dir == REPO / "solutions" / chapter.id
        assert chapter.release_dir == REPO / "chapters" / chapter.id
        for paths in chapter.notebook_paths:
            assert paths.source_py == chapter.source_dir / f"{paths.name}.py"
            assert paths.source_ipynb.suffix == ".ipynb"
            assert paths.release_ipynb == chapter.release_dir / f"{paths.name}.ipynb"


def test_find_root_walks_up(tmp_path):
    (tmp_path / "course.yml").write_text(yaml.safe_dump(GOOD))
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_root(deep) == tmp_path.resolve()
    assert load_course(tmp_path).chapter("01-first").points == 4.0


def test_missing_manifest_is_a_clear_error(tmp_path):
    with pytest.raises(ManifestError, match="course.yml: file not found"):
        load_course(tmp_path)


def test_unknown_chapter_lists_known_ones(tmp_path):
    course = parse_course(GOOD, tmp_path)
    with pytest.raises(KeyError, match="01-first"):
        course.chapter("99-nope")


def _broken(path, value):
    data = copy.deepcopy(GOOD)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    "path, value, message",
    [
        (("chapters", 0, "points"), "many", r"chapters\[0\] \(01-first\)\.points: expected a positive number, got 'many'"),
        (("chapters", 0, "points"), 0, r"points: expected a positive number"),
        (("chapters", 0, "minutes"), 1.5, r"minutes: expected a positive whole number"),
        (("chapters", 0, "id"), "first", r"chapters\[0\]\.id: expected two digits"),
        (("chapters", 0, "notebooks"), [], r"notebooks: expected a non-empty list"),
        (("chapters", 0, "notebooks"), ["first.ipynb"], r"notebook name without extension"),
        (("chapters", 0, "forbidden_references"), ["costs.quadratic_cost"], r"dotted nnkit name"),
        (("chapters", 0, "objectives"), KeyError, r"missing key\(s\) \['objectives'\]"),
        (("chapters", 0, "extra"), 1, r"unknown key\(s\) \['extra'\]"),
        (("course", "id"), "", r"course\.id: expected a non-empty string"),
        (("chapters",), [], r"chapters: expected a non-empty list"),
    ],
)
def test_broken_manifest_messages(tmp_path, path, value, message):
    with pytest.raises(ManifestError, match=message):
        parse_course(_broken(path, value), tmp_path)


def test_duplicate_chapter_ids(tmp_path):
    data = copy.deepcopy(GOOD)
    data["chapters"].append(copy.deepcopy(data["chapters"][0]))
    with pytest.raises(ManifestError, match=r"duplicate chapter ids \['01-first'\]"):
        parse_course(data, tmp_path)


def test_invalid_yaml(tmp_path):
    (tmp_path / "course.yml").write_text("course: [unclosed\n")
    with pytest.raises(ManifestError, match="not valid YAML"):
        load_course(tmp_path)
