"""Drive a student's kernel from the grader, exchanging only data.

A :class:`StudentKernel` is an IPython kernel started inside the submission's sandbox
(:mod:`nnkit.course.sandbox`); the grader talks to it over IPC sockets in the submission's
scratch folder. :meth:`StudentKernel.run` executes a cell with a wall-clock timeout and a cap
on the output it keeps. :class:`RemoteFunction` makes a student's function callable from the
grader: arguments go in, results come back, as ``.npz`` files read with
``allow_pickle=False``. Nothing the student's process produces is ever executed or unpickled
by the grader, so what decides a grade (the checks, run in the grader) cannot be reached by
student code: a cheat can only spoil its own outputs.

Values that cross the boundary: numpy arrays, Python ``float``/``int``/``bool``/``None``/
``str``, numpy ``Generator`` objects (as their bit generator's state, synchronised back after
the call so a check sees the draws the student made), numpy ufuncs (by name), and tuples or
lists of those (nested). Anything else a student returns comes back as
an :class:`Opaque` stand-in naming its type. A function argument (a check passing a helper to
the student, e.g. the output error ``delta`` of chapter 01's ``neuron_step``) is sent as its
source code and rebuilt in the kernel from the globals of the nnkit module that defines it.
"""

from __future__ import annotations

import builtins
import inspect
import json
import os
import queue
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nnkit.course.sandbox import Limits, sandbox_argv, set_limits

__all__ = ["KernelDied", "Opaque", "RemoteFunction", "RunResult", "StudentKernel"]

OUTPUT_CAP = 64 * 1024
"""Characters of output kept per cell (the rest is counted, not stored)."""


class KernelDied(RuntimeError):
    """The student's kernel stopped (crashed, was killed, or exceeded its time) during a call."""


@dataclass
class RunResult:
    """What happened when one cell ran."""

    status: str  # "ok", "error", "timeout" or "died"
    output: str = ""
    error: str | None = None  # "ValueError: message" for status "error"
    dropped: int = 0  # characters of output beyond OUTPUT_CAP


@dataclass
class StudentKernel:
    """An IPython kernel running student code, sandboxed unless ``sandbox=False``.

    Parameters
    ----------
    scratch : Path
        The submission's private, writable folder (the kernel's working directory).
    pythonpath : list of Path
        Folders put first on the kernel's ``sys.path`` (the grading copy of nnkit).
    limits : Limits
    sandbox : bool
        ``False`` only for ``--unsafe`` grading (no bubblewrap on the machine).
    """

    scratch: Path
    pythonpath: list[Path] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    sandbox: bool = True
    _proc: subprocess.Popen | None = None
    _client: Any = None
    _calls: int = 0
    _has_call_helper: bool = False

    # ------------------------------------------------------------------ lifecycle
    def start(self, timeout: float = 60.0) -> None:
        from jupyter_client import BlockingKernelClient
        from jupyter_client.connect import write_connection_file

        self.stop()
        self.scratch.mkdir(parents=True, exist_ok=True)
        conn_file, _ = write_connection_file(str(self.scratch / "kernel.json"), transport="ipc",
                                             ip=str(self.scratch / "ipc"))
        os.chmod(conn_file, 0o644)
        env = {
            "HOME": "/tmp", "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "PYTHONPATH": os.pathsep.join(map(str, self.pythonpath)), "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "agg", "MPLCONFIGDIR": "/tmp/mpl", "IPYTHONDIR": "/tmp/ipython",
            "JUPYTER_RUNTIME_DIR": "/tmp/jupyter", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
            "MALLOC_ARENA_MAX": "2", "LANG": "C.UTF-8", "NNKIT_GRADING": "1",
        }
        cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", conn_file, "--HistoryManager.enabled=False"]
        if self.sandbox:
            argv = sandbox_argv(cmd, scratch=self.scratch, readonly=self.pythonpath, env=env)
        else:
            argv, env = cmd, {**env, "HOME": str(self.scratch), "MPLCONFIGDIR": str(self.scratch / ".mpl"),
                              "IPYTHONDIR": str(self.scratch / ".ipython"),
                              "JUPYTER_RUNTIME_DIR": str(self.scratch / ".jupyter")}
        self._proc = subprocess.Popen(argv, cwd=self.scratch, env=None if self.sandbox else env,
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True,
                                      preexec_fn=lambda: set_limits(self.limits))
        client = BlockingKernelClient()
        client.load_connection_file(conn_file)
        client.start_channels()
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                raise KernelDied(f"the kernel did not start (exit code {self._proc.returncode})")
            try:
                client.wait_for_ready(timeout=2)
                break
            except RuntimeError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise KernelDied(f"the kernel did not start within {timeout:.0f} s") from None
        self._client = client
        self._has_call_helper = False

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        """Kill the kernel and everything it started (its whole process group / sandbox)."""
        if self._client is not None:
            try:
                self._client.stop_channels()
            except Exception:
                pass
            self._client = None
        if self._proc is not None:
            if self._proc.poll() is None:
                try:
                    os.killpg(self._proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self._proc.wait()
            self._proc = None

    def __enter__(self) -> StudentKernel:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ running code
    def run(self, code: str, timeout: float) -> RunResult:
        """Execute ``code`` with a wall-clock ``timeout``; a timeout or crash kills the kernel."""
        if not self.alive():
            return RunResult("died", error="the kernel is not running")
        client = self._client
        msg_id = client.execute(code, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + timeout
        parts: list[str] = []
        kept = dropped = 0
        error = None
        while True:
            if not self.alive():
                self.stop()
                return RunResult("died", "".join(parts), error="the kernel stopped", dropped=dropped)
            left = deadline - time.monotonic()
            if left <= 0:
                self.stop()
                return RunResult("timeout", "".join(parts), error=f"no result within {timeout:.0f} s",
                                 dropped=dropped)
            try:
                msg = client.get_iopub_msg(timeout=min(0.5, left))
            except queue.Empty:
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            text = ""
            if kind == "stream":
                text = str(content.get("text", ""))
            elif kind in ("execute_result", "display_data"):
                text = str(content.get("data", {}).get("text/plain", "")) + "\n"
            elif kind == "error":
                error = f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"
            elif kind == "status" and content.get("execution_state") == "idle":
                break
            if text:
                room = max(0, OUTPUT_CAP - kept)
                parts.append(text[:room])
                kept += min(room, len(text))
                dropped += max(0, len(text) - room)
        return RunResult("error" if error else "ok", "".join(parts), error=error, dropped=dropped)

    def function(self, name: str, timeout: float = 30.0) -> RemoteFunction:
        """A grader-side stand-in for the student's function ``name``."""
        return RemoteFunction(self, name, timeout)

    def _next_call(self) -> int:
        self._calls += 1
        return self._calls


# --------------------------------------------------------------------------- data exchange
class Opaque:
    """What a student's function returned when it is not plain data (shown by type name)."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = type_name, text

    def __repr__(self) -> str:
        return f"<{self.type_name} object: {self.text}>"


def _encode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    """JSON-able description of ``value``; arrays go into ``arrays``."""
    if isinstance(value, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = value
        return {"kind": "array", "key": key}
    if isinstance(value, np.random.Generator):
        return {"kind": "generator", "state": value.bit_generator.state}
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return {"kind": "float", "value": repr(value)}
    if value is None or isinstance(value, (bool, int, str)):
        return {"kind": "scalar", "value": value}
    if isinstance(value, (tuple, list)):
        return {"kind": type(value).__name__, "items": [_encode(v, arrays) for v in value]}
    if isinstance(value, np.ufunc) and getattr(np, value.__name__, None) is value:
        return {"kind": "ufunc", "name": value.__name__}
    if callable(value):
        fn = inspect.unwrap(value)
        return {"kind": "callable", "module": fn.__module__, "name": fn.__name__, "source": _function_source(fn)}
    raise TypeError(f"cannot send a {type(value).__name__} to a student's kernel")


def _generator(state: dict) -> np.random.Generator:
    """A numpy Generator in exactly ``state`` (a bit generator's ``.state`` dict)."""
    bit_generator = getattr(np.random, str(state.get("bit_generator", "PCG64")), None)
    if not (isinstance(bit_generator, type) and issubclass(bit_generator, np.random.BitGenerator)):
        raise ValueError(f"unknown bit generator in {str(state)[:80]}")
    bg = bit_generator()
    bg.state = state
    return np.random.Generator(bg)


def _function_source(fn) -> str:
    """Source of a module-level function, read from its module's file (not from ``__code__``,
    which the reference trap may have swapped while a check runs)."""
    import ast

    module = sys.modules.get(getattr(fn, "__module__", ""), None)
    name = getattr(fn, "__name__", "")
    if module is None:
        raise TypeError(f"cannot send {fn!r} to a student's kernel: its module is unknown")
    text = inspect.getsource(module)
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return textwrap.dedent(ast.get_source_segment(text, node))
    raise TypeError(f"cannot send {fn!r} to a student's kernel: only module-level functions can be sent")


def _decode(spec: Any, arrays) -> Any:
    kind = spec.get("kind") if isinstance(spec, dict) else None
    if kind == "array":
        return np.array(arrays[spec["key"]])
    if kind == "float":
        return float(spec["value"])
    if kind == "scalar":
        return spec["value"]
    if kind in ("tuple", "list"):
        items = [_decode(s, arrays) for s in spec["items"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "generator":
        return _generator(spec["state"])
    if kind == "object":
        return Opaque(str(spec.get("type", "object"))[:80], str(spec.get("repr", ""))[:200])
    raise ValueError(f"unreadable value from the student's kernel: {str(spec)[:100]}")


# The code run in the student's kernel for one call. It only reads the call's input file and
# writes its output file; everything it does is untrusted, and the grader only reads data back.
_CALL = r'''
def __nnkit_call(name, n):
    import json, importlib, numpy as np
    src = np.load(f"call{n}.in.npz", allow_pickle=False)
    arrays = {k: src[k] for k in src.files if k != "spec"}
    spec = json.loads(str(src["spec"]))

    def dec(s):
        k = s["kind"]
        if k == "array": return np.array(arrays[s["key"]])
        if k == "float": return float(s["value"])
        if k == "scalar": return s["value"]
        if k in ("tuple", "list"):
            items = [dec(i) for i in s["items"]]
            return tuple(items) if k == "tuple" else items
        if k == "ufunc":
            return getattr(np, s["name"])
        if k == "generator":
            bg = getattr(np.random, s["state"]["bit_generator"])()
            bg.state = s["state"]
            return np.random.Generator(bg)
        if k == "callable":
            ns = dict(vars(importlib.import_module(s["module"])))
            exec(s["source"], ns)
            return ns[s["name"]]
        raise ValueError(k)

    out = {}
    def enc(v):
        if isinstance(v, np.ndarray):
            if v.dtype.kind not in "biufc":
                return {"kind": "object", "type": f"ndarray of {v.dtype}", "repr": repr(v)[:200]}
            key = f"a{len(out)}"
            out[key] = v
            return {"kind": "array", "key": key}
        if isinstance(v, np.random.Generator):
            return {"kind": "generator", "state": v.bit_generator.state}
        if isinstance(v, np.generic): v = v.item()
        if isinstance(v, float): return {"kind": "float", "value": repr(v)}
        if v is None or isinstance(v, (bool, int, str)):
            return {"kind": "scalar", "value": v if not isinstance(v, str) else v[:10000]}
        if isinstance(v, (tuple, list)) and len(v) <= 1000:
            return {"kind": type(v).__name__, "items": [enc(i) for i in v]}
        return {"kind": "object", "type": type(v).__name__, "repr": repr(v)[:200]}

    args = [dec(a) for a in spec["args"]]
    kwargs = {k: dec(v) for k, v in spec["kwargs"].items()}
    try:
        result = {"returned": enc(globals()[name](*args, **kwargs))}
    except BaseException as exc:
        result = {"raised": type(exc).__name__, "message": str(exc)[:2000]}
    result["args"] = [enc(a) for a in args]
    np.savez(f"call{n}.out.npz", spec=np.array(json.dumps(result)), **out)
'''


def _write_new(path: Path, write) -> None:
    """Create ``path`` afresh and ``write(file)`` into it. The student's process can write its
    scratch folder, so whatever stands at ``path`` (a planted link to an instructor's file) is
    removed first and the file is created exclusively, never through a link."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as f:
        write(f)


def _open_regular(path: Path, limit: int = 1 << 30):
    """Open a result file for reading only if it is a regular file (not a link) under ``limit`` bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    info = os.fstat(fd)
    import stat

    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        os.close(fd)
        raise ValueError("not a regular result file")
    return os.fdopen(fd, "rb")


class RemoteFunction:
    """Call the student's function ``name`` inside their kernel; only data crosses.

    Calling it returns the decoded result; an exception the student's code raised is raised
    again here with the same type name and message (builtin types keep their class, so a
    ``NotImplementedError`` stub is recognised). Array arguments are updated in place with
    their value after the call, so a check can still see a function that modifies its inputs.
    A kernel that dies or exceeds ``timeout`` raises :class:`KernelDied`.
    """

    def __init__(self, kernel: StudentKernel, name: str, timeout: float = 30.0):
        self.kernel, self.__name__, self.timeout = kernel, name, timeout
        self.__qualname__ = name

    def __repr__(self) -> str:
        return f"<student function {self.__name__}>"

    def __call__(self, *args, **kwargs):
        kernel = self.kernel
        n = kernel._next_call()
        arrays: dict[str, np.ndarray] = {}
        spec = {"args": [_encode(a, arrays) for a in args],
                "kwargs": {k: _encode(v, arrays) for k, v in kwargs.items()}}
        inp, out = kernel.scratch / f"call{n}.in.npz", kernel.scratch / f"call{n}.out.npz"
        _write_new(inp, lambda f: np.savez(f, spec=np.array(json.dumps(spec)), **arrays))
        if not kernel._has_call_helper:  # defined once per kernel; student code that redefines
            kernel.run(_CALL, self.timeout)  # it can only spoil its own results (data are checked here)
            kernel._has_call_helper = True
        run = kernel.run(f"__nnkit_call({self.__name__!r}, {n})", self.timeout)
        if run.status in ("died", "timeout"):
            raise KernelDied(f"{self.__name__} stopped the kernel ({run.error})")
        try:
            with _open_regular(out) as f, np.load(f, allow_pickle=False) as data:
                result = json.loads(str(data["spec"]))
                returned = _decode(result["returned"], data) if "returned" in result else None
                after = [_decode(s, data) for s in result.get("args", [])]
        except Exception as exc:
            raise RuntimeError(f"{self.__name__} did not return a readable result "
                               f"({run.error or type(exc).__name__})") from None
        finally:
            for f in (inp, out):
                f.unlink(missing_ok=True)
        for original, new in zip(args, after):
            if isinstance(original, np.ndarray) and isinstance(new, np.ndarray) and original.flags.writeable:
                if new.shape == original.shape:
                    original[...] = new
            elif isinstance(original, np.random.Generator) and isinstance(new, np.random.Generator):
                original.bit_generator.state = new.bit_generator.state  # the draws the student made
        if "raised" in result:
            name, message = str(result["raised"])[:80], str(result.get("message", ""))
            cls = getattr(builtins, name, None)
            if not (isinstance(cls, type) and issubclass(cls, Exception)):
                cls = type(name if name.isidentifier() else "StudentError", (Exception,), {})
            raise cls(message)
        return returned
