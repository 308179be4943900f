"""A bubblewrap sandbox for one student's code: no network, no instructor files, hard limits.

Student code (the kernel that runs a submission) is started through :func:`sandbox_argv`,
which wraps a command in `bubblewrap <https://github.com/containers/bubblewrap>`_:

- **file system**: an empty root with only the system (``/usr``, ``/etc``, ...), the Python
  installation and virtualenv, and the grading copy of nnkit mounted read-only; the
  submission's own scratch folder is the one writable place (plus a private ``/tmp``). The
  instructor's tree, other students, the gradebook and the original submissions do not exist.
- **namespaces**: its own network (loopback only, nothing listening), PID, IPC and UTS
  namespaces; every process in it dies with the sandbox (``--die-with-parent``), so nothing is
  left running after grading.
- **user**: run as root (in CI), the code drops to ``nobody`` (``setpriv``) so that the
  process limit applies and nothing outside is writable.
- **limits** (:class:`Limits`, applied with ``setrlimit`` before the sandbox starts and
  inherited by everything inside): address space, CPU seconds, processes/threads, size of any
  file written, open files.

When ``bwrap`` is missing, :func:`require_bwrap` raises :class:`SandboxUnavailable` with the
command that installs it; the grader then refuses to run unless told ``--unsafe``.
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Limits", "SandboxUnavailable", "require_bwrap", "sandbox_argv", "set_limits", "SANDBOX_UID"]

SANDBOX_UID = 65534  # nobody
"""The user student code runs as when the grader runs as root."""

_SYSTEM_DIRS = ("/usr", "/etc", "/opt")
_MERGED_USR_LINKS = ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is not installed (or cannot create namespaces here)."""


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission's sandbox (every process inside shares them).

    Attributes
    ----------
    memory_mb : int
        Address space of each process (``RLIMIT_AS``). numpy, matplotlib and ipykernel need
        about 1 GiB of address space; an allocation past the limit raises ``MemoryError``.
    cpu_seconds : int
        CPU time of each process (``RLIMIT_CPU``); the grader also has a wall-clock timeout per
        cell and per call.
    processes : int
        Processes and threads of the sandbox user (``RLIMIT_NPROC``, enforced for non-root
        users only, hence the drop to ``nobody``).
    file_mb : int
        Largest file a process may write (``RLIMIT_FSIZE``).
    open_files : int
        ``RLIMIT_NOFILE``.
    """

    memory_mb: int = 3072
    cpu_seconds: int = 600
    processes: int = 256
    file_mb: int = 64
    open_files: int = 256


def require_bwrap() -> str:
    """Path of ``bwrap``; :class:`SandboxUnavailable` (with the install command) if absent."""
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed, so student code cannot be sandboxed. Install it "
            "(Debian/Ubuntu: `apt-get install bubblewrap`; Fedora: `dnf install bubblewrap`) or, "
            "on a machine where every submission is trusted, pass --unsafe.")
    return path


def set_limits(limits: Limits) -> None:
    """Apply ``limits`` to the current process (call in the child, before exec)."""
    mb = 1024 * 1024
    pairs = [
        (resource.RLIMIT_AS, limits.memory_mb * mb),
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_FSIZE, limits.file_mb * mb),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_CORE, 0),
    ]
    if os.geteuid() == 0:
        pairs.append((resource.RLIMIT_NPROC, limits.processes))
    for which, value in pairs:
        resource.setrlimit(which, (value, value))


def _python_dirs() -> list[str]:
    """Folders the interpreter and the virtualenv need (read-only inside the sandbox)."""
    dirs = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), sys.prefix}
    return sorted(d for d in dirs if os.path.isdir(d))


def sandbox_argv(command: list[str], *, scratch: Path, readonly: list[Path] = (),
                 env: dict[str, str] | None = None) -> list[str]:
    """The ``bwrap`` command line that runs ``command`` sandboxed.

    Parameters
    ----------
    command : list of str
        What to run inside (e.g. ``[sys.executable, "-m", "ipykernel_launcher", "-f", cf]``).
    scratch : Path
        The one writable folder, mounted at the same path (the kernel's working directory,
        its connection file and IPC sockets live here). Made writable for the sandbox user.
    readonly : list of Path
        Extra folders mounted read-only at the same path (e.g. the grading copy of nnkit).
    env : dict, optional
        The whole environment inside (nothing of the grader's environment leaks in).
    """
    bwrap = require_bwrap()
    argv = [bwrap, "--die-with-parent", "--new-session", "--unshare-net", "--unshare-pid",
            "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--clearenv"]
    for d in _SYSTEM_DIRS:
        if os.path.isdir(d):
            argv += ["--ro-bind", d, d]
    for link in _MERGED_USR_LINKS:
        if os.path.islink(link):
            argv += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            argv += ["--ro-bind", link, link]
    scratch = Path(scratch)
    made: set[str] = set()

    def parents(target: str) -> list[str]:
        # bwrap creates missing mount points as 0700 when run as root: nobody could not
        # traverse them, so create every ancestor as 0755 first.
        out = []
        for parent in reversed(Path(target).parents):
            p = str(parent)
            if p not in ("/", "/tmp") and p not in made and not p.startswith(("/usr", "/etc", "/opt")):
                made.add(p)
                out += ["--perms", "0755", "--dir", p]
        return out

    for d in [*_python_dirs(), *map(str, readonly)]:
        argv += [*parents(d), "--ro-bind", d, d]
    argv += [*parents(str(scratch)), "--bind", str(scratch), str(scratch), "--chdir", str(scratch)]
    for key, value in (env or {}).items():
        argv += ["--setenv", key, value]
    inner = list(command)
    if os.geteuid() == 0:
        os.chown(scratch, SANDBOX_UID, SANDBOX_UID)
        for item in scratch.iterdir():
            os.chown(item, SANDBOX_UID, SANDBOX_UID)
        inner = ["setpriv", f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}", "--clear-groups",
                 "--no-new-privs", "--", *inner]
    else:  # an unprivileged bwrap needs a user namespace
        argv.insert(1, "--unshare-user")
    return [*argv, "--", *inner]
