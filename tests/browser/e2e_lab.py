"""Start and stop a throw-away JupyterLab server for the browser tests.

The server runs from the project's own environment (``sys.executable -m jupyter lab``) on a
free loopback port, with token authentication on, no browser, root allowed, and every
per-user Jupyter directory (config, data, runtime, lab settings, workspaces, IPython profile)
pointed into a temporary folder, so neither the user's settings leak in nor the test's
settings leak out. The server gets its own process group; :meth:`LabServer.stop` asks it to
shut down (which also shuts down its kernels), then kills whatever is left of the group and of
the process tree, and reports any survivor.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

#: Lab settings written into the isolated user-settings folder. They make the page
#: deterministic: every cell stays in the DOM (no virtual scrolling), no autosave writes the
#: copies while we look at them, and no news/update toast covers the notebook.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        "recordTiming": False,
    },
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "checkForUpdates": False,
        "fetchNews": "false",
    },
}

#: The Jupyter configuration `make lab` gives students (see lab-config/README.md).
STUDENT_LAB_CONFIG = Path(__file__).resolve().parents[2] / "lab-config"

#: Front-end plugins that only add noise to an automated session.
DISABLED_PLUGINS = {
    "@jupyterlab/apputils-extension:announcements": True,
}


def free_loopback_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabServerError(RuntimeError):
    """The server did not come up (the message carries the end of its log)."""


class LabServer:
    """A JupyterLab server serving ``root_dir`` from a private Jupyter configuration.

    Parameters
    ----------
    root_dir : Path
        Folder the server serves (holds the temporary notebook copies).
    home : Path
        Scratch folder for the isolated Jupyter directories and the server log.
    start_timeout : float
        Seconds to wait for ``/api/status`` to answer before giving up.
    student : bool
        ``True``: the students' lab (nbgrader's instructor tools off, like ``make lab``);
        ``False``: the instructor's (Formgrader on, like ``make instructor``).
    """

    def __init__(self, root_dir: Path, home: Path, start_timeout: float = 120.0, student: bool = True):
        self.student = student
        self.root_dir = Path(root_dir)
        self.home = Path(home)
        self.start_timeout = start_timeout
        self.token = secrets.token_hex(24)
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self.log_path = self.home / "jupyter-lab.log"
        self.known_pids: set[int] = set()
        self._log_file = None

    # ------------------------------------------------------------------ setup
    def _write_isolated_config(self) -> dict[str, str]:
        dirs = {
            "JUPYTER_CONFIG_DIR": self.home / "config",
            "JUPYTER_DATA_DIR": self.home / "data",
            "JUPYTER_RUNTIME_DIR": self.home / "runtime",
            "JUPYTERLAB_SETTINGS_DIR": self.home / "lab-settings",
            "JUPYTERLAB_WORKSPACES_DIR": self.home / "lab-workspaces",
            "IPYTHONDIR": self.home / "ipython",
        }
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        for rel, content in LAB_SETTINGS.items():
            target = dirs["JUPYTERLAB_SETTINGS_DIR"] / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(content, indent=1))
        labconfig = dirs["JUPYTER_CONFIG_DIR"] / "labconfig"
        labconfig.mkdir(exist_ok=True)
        (labconfig / "page_config.json").write_text(
            json.dumps({"disabledExtensions": DISABLED_PLUGINS}, indent=1)
        )
        return {k: str(v) for k, v in dirs.items()}

    def _env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("JUPYTER", "JPY_", "IPYTHON"))
        }
        env.update(self._write_isolated_config())
        if self.student:  # the students' lab configuration (`make lab`): nbgrader's instructor tools off
            env["JUPYTER_CONFIG_PATH"] = str(STUDENT_LAB_CONFIG)
        env["JUPYTER_TOKEN"] = self.token  # kept out of the command line (and `ps`)
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
        bindir = str(Path(sys.executable).parent)
        env["PATH"] = bindir + os.pathsep + env.get("PATH", os.defpath)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def command(self) -> list[str]:
        """The command line that starts the server (without the token)."""
        settings = self.home / "lab-settings"
        workspaces = self.home / "lab-workspaces"
        return [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root_dir}",
            "--ServerApp.terminals_enabled=False",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={workspaces}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "lab", query: str = "") -> str:
        """URL of ``path`` on the server with the token (and ``query``) attached."""
        sep = "&" if query else ""
        return f"{self.base_url}/{path.lstrip('/')}?{query}{sep}token={self.token}"

    def api(self, path: str, method: str = "GET", body: dict | None = None, timeout=10.0):
        """Call the REST API; return the decoded JSON (or None for an empty answer)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            f"{self.base_url}/api/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def log_tail(self, n: int = 40) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-n:])

    def start(self) -> LabServer:
        """Start the server and wait until its REST API answers with the token."""
        self.home.mkdir(parents=True, exist_ok=True)
        env = self._env()
        last_error = ""
        for _attempt in range(3):  # the free port can be taken between probe and bind
            self.port = free_loopback_port()
            self._log_file = open(self.log_path, "ab")  # noqa: SIM115 (lives as long as the server)
            self.proc = subprocess.Popen(
                self.command(),
                cwd=self.root_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: killpg reaches everything it forks
            )
            self.known_pids.add(self.proc.pid)
            deadline = time.monotonic() + self.start_timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last_error = f"server exited with code {self.proc.returncode}"
                    break
                try:
                    self.api("status", timeout=2.0)
                    return self
                except (urllib.error.URLError, OSError, ValueError):
                    time.sleep(0.25)
            else:
                last_error = f"no answer from {self.base_url}/api/status within {self.start_timeout:.0f} s"
            self.stop()
            if "Address already in use" not in self.log_tail():
                break
        raise LabServerError(f"JupyterLab did not start: {last_error}\n--- server log ---\n{self.log_tail()}")

    def shutdown_sessions(self) -> int:
        """Shut down every notebook session (and so its kernel); return how many there were."""
        sessions = self.api("sessions") or []
        for sess in sessions:
            try:
                self.api(f"sessions/{sess['id']}", method="DELETE", timeout=30.0)
            except urllib.error.HTTPError:
                pass  # already gone
        return len(sessions)

    def _tree_pids(self) -> set[int]:
        if self.proc is None:
            return set()
        try:
            root = psutil.Process(self.proc.pid)
            return {root.pid} | {c.pid for c in root.children(recursive=True)}
        except psutil.NoSuchProcess:
            return set()

    def remember_children(self) -> None:
        """Record the current process tree (kernels included) for the leak check in stop()."""
        self.known_pids |= self._tree_pids()

    def stop(self, grace: float = 15.0) -> list[int]:
        """Shut the server and its kernels down; return the pids that are still alive.

        First the polite way (``POST /api/shutdown`` stops kernels too), then SIGTERM and
        SIGKILL to the server's process group and to every process ever seen in its tree
        (kernels run in sessions of their own, so the group alone would miss them).
        """
        if self.proc is None:
            return []
        self.remember_children()
        if self.proc.poll() is None:
            try:
                self.api("shutdown", method="POST", timeout=5.0)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                print(f"[browser e2e] polite shutdown failed ({exc}); killing the server")
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            alive = _alive(self.known_pids)
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
            for pid in alive:
                try:
                    os.kill(pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
            _wait_gone(self.known_pids, timeout=5.0)
        try:
            self.proc.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            pass
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        return sorted(_alive(self.known_pids))


def _alive(pids) -> set[int]:
    out = set()
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            if proc.status() != psutil.STATUS_ZOMBIE:
                out.add(pid)
        except psutil.NoSuchProcess:
            pass
    return out


def _wait_gone(pids, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable, or None.

    ``NNKIT_CHROMIUM`` wins; then Debian's ``/usr/bin/chromium`` and the usual names on PATH.
    """
    env = os.environ.get("NNKIT_CHROMIUM")
    if env:
        return env if os.access(env, os.X_OK) else None
    candidates = ["/usr/bin/chromium", "/usr/lib/chromium/chromium"]
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            candidates.append(found)
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


#: Flags for a headless Chromium that never reaches out to the network by itself.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
