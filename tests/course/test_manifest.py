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
            "forbidden": ["quadratic_cost"],
            "exercises": [{"id": "first_function", "points": 3}, {"id": "why_first", "points": 1, "manual": True}],
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
    assert load_course(tmp_path).chapter("01-first").points == 4


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
        (("chapters", 0, "exercises", 0, "points"), "many",
         r"chapters\[0\] \(01-first\)\.exercises\[0\] \(first_function\)\.points: expected a positive number, got 'many'"),
        (("chapters", 0, "exercises", 0, "points"), 0, r"points: expected a positive number"),
        (("chapters", 0, "exercises", 0, "manual"), "yes", r"manual: expected true or false"),
        (("chapters", 0, "exercises", 0, "id"), "First", r"the student's function name"),
        (("chapters", 0, "exercises", 0, "id"), "test_first", r"'test_' prefix"),
        (("chapters", 0, "exercises", 0, "hint"), "x", r"unknown key\(s\) \['hint'\]"),
        (("chapters", 0, "exercises", 1, "id"), "first_function", r"duplicate exercise ids \['first_function'\]"),
        (("chapters", 0, "exercises"), [], r"exercises: expected a non-empty list"),
        (("chapters", 0, "points"), 4, r"unknown key\(s\) \['points'\].*sum of its exercises"),
        (("chapters", 0, "forbidden_references"), ["nnkit.costs.quadratic_cost"],
         r"unknown key\(s\) \['forbidden_references'\].*concept names"),
        (("chapters", 0, "minutes"), 1.5, r"minutes: expected a positive whole number"),
        (("chapters", 0, "id"), "first", r"chapters\[0\]\.id: expected two digits"),
        (("chapters", 0, "notebooks"), [], r"notebooks: expected a non-empty list"),
        (("chapters", 0, "notebooks"), ["first.ipynb"], r"notebook name without extension"),
        (("chapters", 0, "forbidden"), ["nnkit.costs.quadratic_cost"], r"concept name.*not a dotted name"),
        (("chapters", 0, "forbidden"), KeyError, r"missing key\(s\) \['forbidden'\]"),
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


def test_exercise_ids_are_unique_across_the_course(tmp_path):
    data = copy.deepcopy(GOOD)
    second = copy.deepcopy(data["chapters"][0])
    second["id"] = "02-second"
    second["exercises"] = [{"id": "first_function", "points": 1}]
    data["chapters"].append(second)
    with pytest.raises(ManifestError, match=r"exercise id 'first_function' is used by chapters 01-first and 02-second"):
        parse_course(data, tmp_path)


def test_names_follow_from_the_chapter_id(tmp_path):
    data = copy.deepcopy(GOOD)
    data["chapters"][0]["id"] = "03-activation-functions"
    chapter = parse_course(data, tmp_path).chapters[0]
    assert chapter.checks_module == "nnkit.checks.ch03_activation_functions"
    assert chapter.widgets_module == "nnkit.widgets.ch03_activation_functions"
    assert chapter.checks_file == tmp_path / "nnkit" / "checks" / "ch03_activation_functions.py"
    assert chapter.mutants_file == tmp_path / "tests" / "mutants" / "03-activation-functions.yml"
    assert chapter.points == 4 and [e.id for e in chapter.graded_exercises] == ["first_function"]
    assert chapter.exercise("why_first").test_id is None
    assert chapter.exercise("first_function").test_id == "test_first_function"


def test_exercise_at_run_time_finds_the_manifest_from_any_folder(tmp_path, monkeypatch):
    """In a student's kernel (work/, or nbgrader's temporary course) there is no course.yml above."""
    from nnkit.course import manifest

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(manifest.ENV_VAR, raising=False)
    ex = manifest.exercise("softmax")
    assert ex.chapter.id == "02-softmax" and "softmax" in ex.forbidden
    assert manifest.runtime_manifest_path().resolve() == (REPO / "course.yml").resolve()


def test_exercise_at_run_time_honours_the_environment_and_use_course(tmp_path, monkeypatch):
    from nnkit.course import manifest

    (tmp_path / "course.yml").write_text(yaml.safe_dump(GOOD))
    monkeypatch.setenv(manifest.ENV_VAR, str(tmp_path))
    assert manifest.exercise("first_function").chapter.id == "01-first"
    monkeypatch.delenv(manifest.ENV_VAR)
    with manifest.use_course(tmp_path):
        assert manifest.exercise("why_first").manual
    with pytest.raises(KeyError, match="first_function"):
        manifest.exercise("first_function")


def test_the_package_ships_the_manifest():
    """nnkit/course/course.yml is the package-data copy: a symlink to the one course.yml."""
    packaged = REPO / "nnkit" / "course" / "course.yml"
    assert packaged.is_symlink() and packaged.resolve() == (REPO / "course.yml").resolve()
