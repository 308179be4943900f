"""Plumbing for the JupyterHub end-to-end test: local users, a real hub on loopback, cleanup.

Everything here undoes what it did: users and groups are deleted (``userdel -r``), the hub,
its proxy and every process of the test users are stopped, permissions granted on the course's
ancestors are taken back. Used only by tests/hub (imported by its conftest and test module).
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy" / "jupyterhub"
VENV_BIN = Path(sys.prefix) / "bin"


# --------------------------------------------------------------------------- what the test needs
def missing_requirements() -> list[str]:
    """What this machine lacks for the hub test (empty when it can run)."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root (the hub switches to each user)")
    for tool in ("useradd", "userdel", "groupadd", "groupdel"):
        if shutil.which(tool) is None:
            missing.append(tool)
    if not (VENV_BIN / "jupyterhub").exists() and shutil.which("jupyterhub") is None:
        missing.append("jupyterhub (pip install jupyterhub)")
    if shutil.which("configurable-http-proxy") is None:
        missing.append("configurable-http-proxy (npm install -g configurable-http-proxy)")
    return missing


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def poll(what: str, fn, timeout: float, interval: float = 0.2):
    """Call ``fn`` until it returns something truthy; fail with ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            value = fn()
        except (requests.RequestException, OSError) as exc:
            value, last = None, exc
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what}: not after {timeout:.0f} s (last error: {last!r})")


# --------------------------------------------------------------------------- file permissions
@contextlib.contextmanager
def traversable_for_others(path: Path):
    """Grant o+x on every ancestor of ``path`` that lacks it (the users' servers must reach the
    course venv); restore the old modes afterwards."""
    changed: list[tuple[Path, int]] = []
    try:
        for parent in reversed(Path(path).resolve().parents):
            mode = stat.S_IMODE(parent.stat().st_mode)
            if not mode & stat.S_IXOTH:
                os.chmod(parent, mode | stat.S_IXOTH)
                changed.append((parent, mode))
        yield [p for p, _ in changed]
    finally:
        for parent, mode in reversed(changed):
            with contextlib.suppress(OSError):
                os.chmod(parent, mode)


# --------------------------------------------------------------------------- local users
@dataclass
class LocalUsers:
    """System users and groups made for one test; :meth:`remove_all` deletes them."""

    home_root: Path
    users: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)

    def add_group(self, name: str) -> str:
        subprocess.run(["groupadd", name], check=True, capture_output=True, text=True)
        self.groups.append(name)
        return name

    def add_user(self, name: str, groups: list[str]) -> Path:
        home = self.home_root / name
        # HOME_MODE=0700: private homes, as the deployment README asks (Debian's default is 0755).
        subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/sh",
                        "-K", "HOME_MODE=0700", "--groups", ",".join(groups), name],
                       check=True, capture_output=True, text=True)
        self.users.append(name)
        return home

    def run(self, user: str, argv: list[str], *, cwd: Path | None = None, env: dict | None = None,
            check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run ``argv`` as ``user`` (their groups, their HOME), like a command in their terminal."""
        pw = pwd.getpwnam(user)
        full_env = {"HOME": pw.pw_dir, "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
                    "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin", **(env or {})}
        result = subprocess.run(argv, cwd=cwd or pw.pw_dir, env=full_env, user=pw.pw_uid, group=pw.pw_gid,
                                extra_groups=os.getgrouplist(user, pw.pw_gid), capture_output=True,
                                text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{argv} as {user} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def kill_processes(self) -> None:
        """SIGKILL every process still running as one of these users."""
        uids = set()
        for user in self.users:
            with contextlib.suppress(KeyError):
                uids.add(pwd.getpwnam(user).pw_uid)
        if not uids:
            return
        victims = [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real in uids]
        for p in victims:
            with contextlib.suppress(psutil.Error):
                p.kill()
        psutil.wait_procs(victims, timeout=10)

    def remove_all(self) -> list[str]:
        """Delete the users (with their homes) and groups; returns what could not be removed."""
        self.kill_processes()
        problems = []
        for user in reversed(self.users):
            r = subprocess.run(["userdel", "--remove", user], capture_output=True, text=True)
            # exit 12: the home could not be removed (it is removed with the tmp folder anyway)
            if r.returncode not in (0, 12):
                problems.append(f"userdel {user}: {r.stderr.strip()}")
        for group in reversed(self.groups):
            with contextlib.suppress(KeyError):
                grp.getgrnam(group)
                r = subprocess.run(["groupdel", group], capture_output=True, text=True)
                if r.returncode != 0:
                    problems.append(f"groupdel {group}: {r.stderr.strip()}")
        self.users.clear()
        self.groups.clear()
        return problems


# --------------------------------------------------------------------------- the hub
class Hub:
    """A real JupyterHub (deploy/jupyterhub/jupyterhub_config.py) and its proxy on loopback."""

    def __init__(self, workdir: Path, *, instructors: str, students: str, user_env: dict[str, str]):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(32)
        self.proxy_pid_file = workdir / "proxy.pid"
        self.log_path = workdir / "jupyterhub.log"
        self.config = workdir / "jupyterhub_config.py"
        self.env = {**os.environ, "NNKIT_HUB_INSTRUCTORS": instructors, "NNKIT_HUB_STUDENTS": students,
                    "NNKIT_HUB_STATE": str(workdir), "NNKIT_HUB_PORT": str(self.port),
                    "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
        # The deployment's config, then what a test needs on top: loopback ports, a service
        # token with admin rights for the REST API, the users' extra Jupyter config path.
        self.config.write_text(
            f"c = get_config()\n"
            f"load_subconfig({str(DEPLOY / 'jupyterhub_config.py')!r})\n"
            f"c.JupyterHub.bind_url = {self.url + '/'!r}\n"
            f"c.JupyterHub.hub_bind_url = 'http://127.0.0.1:{free_port()}'\n"
            f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{free_port()}'\n"
            f"c.ConfigurableHTTPProxy.pid_file = {str(self.proxy_pid_file)!r}\n"
            f"c.JupyterHub.pid_file = {str(workdir / 'jupyterhub.pid')!r}\n"
            f"c.JupyterHub.services = [{{'name': 'nnkit-test', 'api_token': {self.token!r}}}]\n"
            f"c.JupyterHub.load_roles = [{{'name': 'nnkit-test', 'services': ['nnkit-test'],\n"
            f"    'scopes': ['admin:users', 'admin:servers', 'tokens', 'list:users', 'read:users']}}]\n"
            f"c.Spawner.environment = {user_env!r}\n"
            f"c.JupyterHub.log_level = 'INFO'\n",
            encoding="utf-8")
        self.proc: subprocess.Popen | None = None
        self.session = requests.Session()

    # ---- lifecycle
    def start(self, timeout: float = 60) -> None:
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([str(VENV_BIN / "jupyterhub"), "-f", str(self.config)], cwd=self.workdir,
                                     env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        log.close()

        def up():
            if self.proc.poll() is not None:
                raise AssertionError(f"jupyterhub exited ({self.proc.returncode}):\n{self.log_tail()}")
            return self.api("GET", "/").status_code == 200
        poll("JupyterHub answering through its proxy", up, timeout)

    def stop(self) -> None:
        """Stop the hub (it stops the users' servers and its proxy), then make sure of it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if self.proc is not None:  # anything left in the hub's session (the proxy runs there)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(OSError, ValueError, psutil.Error):
            pid = int(self.proxy_pid_file.read_text().strip())
            proxy = psutil.Process(pid)
            if "configurable-http-proxy" in " ".join(proxy.cmdline()):
                proxy.kill()
        self.session.close()

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    # ---- REST API
    def api(self, method: str, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", 30)
        headers = {"Authorization": f"token {self.token}", **kw.pop("headers", {})}
        return self.session.request(method, f"{self.url}/hub/api{path}", headers=headers, **kw)

    def create_users(self, names: list[str]) -> None:
        r = self.api("POST", "/users", json={"usernames": names})
        assert r.status_code == 201, (r.status_code, r.text)

    def start_server(self, user: str) -> None:
        r = self.api("POST", f"/users/{user}/server")
        assert r.status_code in (201, 202), (r.status_code, r.text, self.log_tail())

    def wait_ready(self, user: str, timeout: float = 90) -> None:
        def ready():
            model = self.api("GET", f"/users/{user}").json()
            server = model.get("servers", {}).get("")
            if server is None and not model.get("pending"):
                raise AssertionError(f"{user}'s server stopped:\n{self.log_tail()}")
            return server and server.get("ready")
        poll(f"{user}'s server ready", ready, timeout, interval=0.3)

    def user_token(self, user: str) -> str:
        r = self.api("POST", f"/users/{user}/tokens", json={"note": "nnkit hub test", "expires_in": 900})
        assert r.status_code == 201, (r.status_code, r.text)
        return r.json()["token"]

    def user_client(self, user: str) -> "UserServer":
        return UserServer(f"{self.url}/user/{user}", self.user_token(user))


class UserServer:
    """Requests to one user's own server, through the proxy, with a token of that user."""

    def __init__(self, base: str, token: str):
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {token}"

    def get(self, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", 60)
        return self.session.get(self.base + path, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", 60)
        return self.session.post(self.base + path, **kw)

    def put(self, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", 60)
        return self.session.put(self.base + path, **kw)

    def close(self) -> None:
        self.session.close()
