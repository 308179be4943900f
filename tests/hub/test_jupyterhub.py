"""A class on JupyterHub, end to end: release -> fetch -> work -> submit -> collect (-> grade).

The instructor and three students are real local users; each works in their own single-user
server, started by a real JupyterHub through its REST API and reached through the real
configurable-http-proxy with a token of that user. The students use nbgrader's assignment-list
server extension in their own server (the HTTP endpoints the JupyterLab Assignments tab calls)
and edit the fetched notebook through the Contents API (what saving in JupyterLab does). The
instructor runs `nbgrader release_assignment` and `nbgrader collect` as in a terminal of their
lab: as their own user, in their course folder. Then `nnkit grade --term` and `nnkit export`
grade the collected class (when the installed nnkit has `--term`).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import csv
import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from hubkit import DEPLOY, REPO, VENV_BIN, Hub, LocalUsers, traversable_for_others

CHAPTER = "01-cost-functions"
NOTEBOOK = "cost_functions"
COURSE_ID = yaml.safe_load((REPO / "course.yml").read_text(encoding="utf-8"))["course"]["id"]


# --------------------------------------------------------------------------- no root needed
def _load_config(path: Path):
    from traitlets.config.loader import PyFileConfigLoader
    return PyFileConfigLoader(path.name, str(path.parent)).load_config()


def test_deployment_files_agree_with_the_course():
    """The global nbgrader config names this course; the hub config spawns JupyterLab servers."""
    nb = _load_config(DEPLOY / "nbgrader_config.py")
    assert nb.CourseDirectory.course_id == COURSE_ID
    assert nb.Exchange.root == "/srv/nbgrader/exchange"
    hub = _load_config(DEPLOY / "jupyterhub_config.py")
    assert hub.JupyterHub.spawner_class == "localprocess"
    assert hub.Spawner.default_url == "/lab"
    assert hub.Spawner.cmd[0].endswith("jupyterhub-singleuser")
    assert callable(hub.Spawner.pre_spawn_hook)
    for name in ("jupyter_server_config.json", "labconfig/page_config.json"):
        json.loads((DEPLOY / "student-config" / name).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the class
def _copy_course(dest: Path) -> Path:
    """The instructor's course folder: the course files of this repo (never written back)."""
    dest.mkdir()
    for name in ("course.yml", "nbgrader_config.py"):
        shutil.copy2(REPO / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "gradebook.db")
    for name in ("solutions", "chapters"):
        shutil.copytree(REPO / name, dest / name, ignore=ignore)
    return dest


def _chown_tree(path: Path, user: str) -> None:
    pw = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
            os.lchown(name, pw.pw_uid, pw.pw_gid)


def _answers() -> dict[str, dict[str, str]]:
    """student suffix -> {grade_id: source} they type into the fetched notebook."""
    solution = json.loads((REPO / "solutions" / CHAPTER / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8"))
    right = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in solution["cells"]
             if c["metadata"].get("nbgrader", {}).get("solution")}
    mutants = yaml.safe_load((REPO / "tests" / "mutants" / f"{CHAPTER}.yml").read_text(encoding="utf-8"))
    wrong = next(m for m in mutants["mutants"] if m["id"] == "quadratic_cost_no_half")
    return {"honest": right, "wrong": {**right, wrong["cell"]: wrong["source"]}, "empty": {}}


class Term:
    """What the module fixture set up and what happened (read by the tests)."""

    def __init__(self, base: Path, tag: str):
        self.base = base
        self.instructor = f"nnk{tag}-teacher"
        self.students = {kind: f"nnk{tag}-{kind}" for kind in ("honest", "wrong", "empty")}
        self.exchange = base / "exchange"
        self.course: Path | None = None
        self.homes: dict[str, Path] = {}
        self.listings: dict[str, dict[str, list]] = {}  # student -> step -> assignment list
        self.formgrader_status: dict[str, int] = {}
        self.timings: dict[str, float] = {}
        self.clients: dict = {}              # user -> UserServer (their own server, their token)
        self.users: LocalUsers | None = None
        self.jupyter_env: dict[str, str] = {}
        self.graded = False


@pytest.fixture(scope="module")
def term(hub_requirements):
    started = time.perf_counter()
    tag = secrets.token_hex(2)
    # Not pytest's tmp_path: /tmp/pytest-of-root is 0700, the test users could not enter it.
    base = Path(tempfile.mkdtemp(prefix="nnkit-hub-"))
    os.chmod(base, 0o755)
    t = Term(base, tag)
    users = LocalUsers(base / "home")
    (base / "home").mkdir(mode=0o755)
    hub: Hub | None = None
    clients = []
    with contextlib.ExitStack() as undo:
        try:
            # The users' servers run the course venv (whose interpreter may live in root's home,
            # e.g. pyenv) and read the deployment's student config.
            for needed in (Path(sys.prefix) / "bin", Path(os.path.realpath(sys.executable)),
                           Path(sys.base_prefix) / "lib", DEPLOY / "student-config"):
                undo.enter_context(traversable_for_others(needed))

            instructors = users.add_group(f"nnk{tag}-instructors")
            students = users.add_group(f"nnk{tag}-students")
            t.homes[t.instructor] = users.add_user(t.instructor, [instructors])
            for name in t.students.values():
                t.homes[name] = users.add_user(name, [students])

            # The exchange, as the README creates it, and the global nbgrader config pointing at it
            # (the deployment's file, with only the exchange moved into the temporary folder).
            t.exchange.mkdir()
            os.chmod(t.exchange, 0o777)
            etc = base / "etc-jupyter"
            etc.mkdir()
            (etc / "nbgrader_config.py").write_text(
                "c = get_config()\n"
                f"load_subconfig({str(DEPLOY / 'nbgrader_config.py')!r})\n"
                f"c.Exchange.root = {str(t.exchange)!r}\n", encoding="utf-8")
            os.chmod(etc / "nbgrader_config.py", 0o644)
            jupyter_env = {"JUPYTER_CONFIG_PATH": str(etc)}

            # The instructor's clone of the course (default place of instructor_nbgrader_config.py).
            home = t.homes[t.instructor]
            t.course = _copy_course(home / "nnkit")
            (home / ".jupyter").mkdir()
            shutil.copy(DEPLOY / "instructor_nbgrader_config.py", home / ".jupyter" / "nbgrader_config.py")
            _chown_tree(home, t.instructor)

            (base / "hub").mkdir()
            hub = Hub(base / "hub", instructors=instructors, students=students, user_env=jupyter_env)
            undo.callback(hub.stop)
            hub.start()
            t.timings["hub up"] = time.perf_counter() - started
            everyone = [t.instructor, *t.students.values()]
            hub.create_users(everyone)
            for name in everyone:
                hub.start_server(name)
            for name in everyone:
                hub.wait_ready(name)
            t.timings["servers up"] = time.perf_counter() - started
            client = t.clients = {name: hub.user_client(name) for name in everyone}
            clients = list(client.values())
            for name in everyone:
                t.formgrader_status[name] = client[name].get("/formgrader").status_code

            # 1. The instructor releases the chapter (nbgrader, in a terminal of their lab).
            users.run(t.instructor, [str(VENV_BIN / "nbgrader"), "release_assignment", CHAPTER],
                      cwd=t.course, env=jupyter_env)

            # 2. Each student: list, fetch, work, submit, in their own server (in parallel).
            answers = _answers()
            with concurrent.futures.ThreadPoolExecutor(len(t.students)) as pool:
                list(pool.map(lambda kind: _student_works(t, client[t.students[kind]], t.students[kind],
                                                          answers[kind]), t.students))
            t.timings["submitted"] = time.perf_counter() - started

            # 3. The instructor collects.
            users.run(t.instructor, [str(VENV_BIN / "nbgrader"), "collect", CHAPTER],
                      cwd=t.course, env=jupyter_env)
            t.timings["collected"] = time.perf_counter() - started
            t.users = users
            t.jupyter_env = jupyter_env
            yield t
            print("hub test timings (s from start): "
                  + ", ".join(f"{k} {v:.1f}" for k, v in t.timings.items()), file=sys.stderr)
        except BaseException:
            if hub is not None:
                print("---- jupyterhub log (tail)\n" + hub.log_tail(), file=sys.stderr)
            raise
        finally:
            for c in clients:
                c.close()
            undo.close()  # hub (and with it the servers and the proxy), permissions
            problems = users.remove_all()
            shutil.rmtree(base, ignore_errors=True)
            assert not problems, problems


def _assignments(server, step: str, listings: dict) -> list[dict]:
    r = server.get("/assignments", params={"course_id": COURSE_ID})
    assert r.status_code == 200, (step, r.status_code, r.text[:500])
    body = r.json()
    assert body["success"], (step, body)
    listings[step] = body["value"]
    return body["value"]


def _student_works(t: Term, server, name: str, answers: dict[str, str]) -> None:
    listings = t.listings.setdefault(name, {})
    released = _assignments(server, "before fetch", listings)
    assert [(a["assignment_id"], a["status"]) for a in released] == [(CHAPTER, "released")], released

    form = {"course_id": COURSE_ID, "assignment_id": CHAPTER}
    r = server.post("/assignments/fetch", data=form)
    assert r.status_code == 200, (r.status_code, r.text[:500])
    _assignments(server, "after fetch", listings)

    # Work: open the fetched notebook, type the answers, save (JupyterLab's Contents API calls).
    path = f"/api/contents/{CHAPTER}/{NOTEBOOK}.ipynb"
    r = server.get(path, params={"content": 1})
    assert r.status_code == 200, (r.status_code, r.text[:300])
    nb = r.json()["content"]
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell["source"] = answers[gid]
    r = server.put(path, json={"type": "notebook", "format": "json", "content": nb})
    assert r.status_code == 200, (r.status_code, r.text[:300])

    r = server.post("/assignments/submit", data=form)
    assert r.status_code == 200 and r.json()["success"], (r.status_code, r.text[:1000])
    _assignments(server, "after submit", listings)


# --------------------------------------------------------------------------- the tests
def test_students_fetch_and_submit_from_their_own_servers(term):
    for name in term.students.values():
        fetched = term.listings[name]["after fetch"]
        assert [(a["assignment_id"], a["status"]) for a in fetched if a["status"] == "fetched"] == \
            [(CHAPTER, "fetched")], fetched
        notebook = term.homes[name] / CHAPTER / f"{NOTEBOOK}.ipynb"
        assert notebook.is_file() and notebook.stat().st_uid == pwd.getpwnam(name).pw_uid
        submitted = [a for a in term.listings[name]["after submit"] if a["status"] == "submitted"]
        assert len(submitted) == 1 and len(submitted[0]["submissions"]) == 1, submitted


def test_collect_puts_every_submission_in_the_instructors_course(term):
    answers = _answers()
    for kind, name in term.students.items():
        folder = term.course / "submitted" / name / CHAPTER
        assert (folder / "timestamp.txt").is_file(), sorted(p.name for p in folder.parent.iterdir())
        nb = json.loads((folder / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8"))
        sources = {c["metadata"].get("nbgrader", {}).get("grade_id"): "".join(c["source"]) for c in nb["cells"]}
        for gid, source in answers[kind].items():
            assert sources[gid] == source, (name, gid)
        if kind == "empty":
            assert "raise NotImplementedError()" in sources["quadratic_cost"]
    assert sorted(p.name for p in (term.course / "submitted").iterdir()) == sorted(term.students.values())


def test_students_cannot_read_each_other_or_the_course(term):
    honest, wrong = term.students["honest"], term.students["wrong"]
    targets = {
        "another student's home": term.homes[honest],
        "another student's notebook": term.homes[honest] / CHAPTER / f"{NOTEBOOK}.ipynb",
        "the instructor's course": term.course,
        "the course's solutions": term.course / "solutions" / CHAPTER / f"{NOTEBOOK}.py",
        "the collected submissions": term.course / "submitted",
        "the exchange's inbound": term.exchange / COURSE_ID / "inbound",
    }
    probe = ("import os, sys\nfor p in sys.argv[1:]:\n"
             "    try:\n        os.listdir(p) if os.path.isdir(p) else open(p, 'rb').read(1)\n"
             "        print('READ', p)\n    except PermissionError:\n        print('DENIED', p)\n")
    out = term.users.run(wrong, [sys.executable, "-c", probe, *map(str, targets.values())]).stdout
    denied = {line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("DENIED ")}
    readable = [what for what, p in targets.items() if str(p) not in denied]
    assert not readable, f"{wrong} can read: {readable}\n{out}"
    # ... while the released chapter stays readable to every student.
    outbound = term.exchange / COURSE_ID / "outbound" / CHAPTER / f"{NOTEBOOK}.ipynb"
    assert "READ" in term.users.run(wrong, [sys.executable, "-c", probe, str(outbound)]).stdout


def test_only_the_instructor_has_formgrader(term):
    assert term.formgrader_status[term.instructor] == 200, term.formgrader_status
    for name in term.students.values():
        assert term.formgrader_status[name] == 404, term.formgrader_status


def _has_term_option() -> bool:
    out = subprocess.run([str(VENV_BIN / "nnkit"), "grade", "--help"], capture_output=True, text=True)
    return "--term" in out.stdout


def test_instructor_grades_and_exports_the_collected_class(term):
    """`nnkit grade`, `export` and `report` as the instructor, in the course folder the hub's
    Formgrader shows: the honest student gets every automatic point, the wrong one fewer,
    the empty one none; the written answer waits for a manual grade in Formgrader."""
    if not _has_term_option():
        pytest.skip("`nnkit grade --term` is not in this nnkit yet (the hub flow stops at collect)")
    started = time.perf_counter()
    for argv in (["grade", "--term", str(term.course)], ["export", "--term", str(term.course)],
                 ["report", "--term", str(term.course)]):
        term.users.run(term.instructor, [str(VENV_BIN / "nnkit"), *argv], cwd=term.course,
                       env=term.jupyter_env, timeout=300)
    term.timings["graded, exported, reported"] = time.perf_counter() - started
    assert (term.course / "reports" / "class-report.html").is_file()
    with open(term.course / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f) if row["assignment"] == CHAPTER}
    chapter = next(ch for ch in yaml.safe_load((REPO / "course.yml").read_text(encoding="utf-8"))["chapters"]
                   if ch["id"] == CHAPTER)
    auto_points = sum(e["points"] for e in chapter["exercises"] if not e.get("manual"))
    score = {kind: float(rows[name]["score"]) for kind, name in term.students.items()}
    assert score["honest"] == pytest.approx(auto_points), rows
    assert 0 < score["wrong"] < score["honest"], rows
    assert score["empty"] == 0, rows
    for name in term.students.values():
        assert float(rows[name]["max_score"]) == sum(e["points"] for e in chapter["exercises"]), rows[name]

    # The instructor's Formgrader (in their lab on the hub) reads the same gradebook.
    r = term.clients[term.instructor].get(f"/formgrader/api/submissions/{CHAPTER}")
    assert r.status_code == 200, (r.status_code, r.text[:500])
    seen = {s["student"]: s for s in r.json()}
    for kind, name in term.students.items():
        assert seen[name]["autograded"] and float(seen[name]["score"]) == score[kind], seen[name]
    assert seen[term.students["honest"]]["needs_manual_grade"], seen

    term.graded = True


def test_students_fetch_their_feedback_through_the_hub(term):
    """`nbgrader release_feedback` of what `nnkit grade` wrote; each student's Fetch Feedback."""
    if not term.graded:
        pytest.skip("the class was not graded (see the previous test)")
    # nbgrader's release_feedback reads these two files beside the feedback: nnkit grade copies
    # them from submitted/ into autograded/ (as nbgrader's autograde would), generate_feedback on.
    needed = ("timestamp.txt", "submission_secret.txt")
    missing = sorted({f for name in term.students.values() for f in needed
                      if not (term.course / "feedback" / name / CHAPTER / f).is_file()})
    assert not missing, f"nnkit grade must carry {' and '.join(missing)} from submitted/ into feedback/"
    term.users.run(term.instructor, [str(VENV_BIN / "nbgrader"), "release_feedback", CHAPTER],
                   cwd=term.course, env=term.jupyter_env)
    form = {"course_id": COURSE_ID, "assignment_id": CHAPTER}
    for name in term.students.values():
        r = term.clients[name].post("/assignments/fetch_feedback", data=form)
        assert r.status_code == 200, (r.status_code, r.text[:500])
        got = list((term.homes[name] / CHAPTER / "feedback").glob(f"*/{NOTEBOOK}.html"))
        assert len(got) == 1 and got[0].stat().st_uid == pwd.getpwnam(name).pw_uid, got


def _set_due(course: Path, due: str) -> None:
    """The instructor sets the chapter's deadline in their course.yml (owner and mode kept)."""
    path = course / "course.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    next(ch for ch in data["chapters"] if ch["id"] == CHAPTER)["due"] = due
    st = path.stat()
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    os.chown(path, st.st_uid, st.st_gid)


def test_a_manual_grade_and_a_late_resubmission_through_the_hub(term):
    """The instructor grades a written answer in Formgrader (its REST API, in their lab on the
    hub); the chapter's deadline passes; the wrong student fixes the answer and submits again;
    collect, grade and export again: the manual grade stays, the late work loses 10 %."""
    if not term.graded:
        pytest.skip("the class was not graded (see the earlier test)")
    honest, wrong = term.students["honest"], term.students["wrong"]
    form = term.clients[term.instructor]
    notebooks = form.get(f"/formgrader/api/submitted_notebooks/{CHAPTER}/{NOTEBOOK}").json()
    sid = next(s["id"] for s in notebooks if s["student"] == honest)
    grade = next(g for g in form.get("/formgrader/api/grades", params={"submission_id": sid}).json()
                 if g["name"] == "why_slowdown")
    r = form.put(f"/formgrader/api/grade/{grade['id']}", json={**grade, "manual_score": 1})
    assert r.status_code == 200, (r.status_code, r.text[:500])

    _set_due(term.course, time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(time.time() - 1)))
    server = term.clients[wrong]
    path = f"/api/contents/{CHAPTER}/{NOTEBOOK}.ipynb"
    nb = server.get(path, params={"content": 1}).json()["content"]
    right = _answers()["honest"]
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if gid in right:
            cell["source"] = right[gid]
    assert server.put(path, json={"type": "notebook", "format": "json", "content": nb}).status_code == 200
    r = server.post("/assignments/submit", data={"course_id": COURSE_ID, "assignment_id": CHAPTER})
    assert r.status_code == 200 and r.json()["success"], r.text[:500]

    nnkit = str(VENV_BIN / "nnkit")
    for argv in ([str(VENV_BIN / "nbgrader"), "collect", "--update", CHAPTER],
                 [nnkit, "grade", "--term", str(term.course)], [nnkit, "export", "--term", str(term.course)]):
        term.users.run(term.instructor, argv, cwd=term.course, env=term.jupyter_env, timeout=300)
    with open(term.course / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f) if row["assignment"] == CHAPTER}
    got = {name: (float(rows[name]["raw_score"]), float(rows[name]["late_submission_penalty"]),
                  float(rows[name]["score"])) for name in (honest, wrong)}
    assert got[honest] == (13.0, 0.0, 13.0), rows[honest]          # 12 automatic + 1 by hand, on time
    assert got[wrong] == pytest.approx((12.0, 1.2, 10.8)), rows[wrong]  # fixed, but 1 started day late
