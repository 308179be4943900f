"""The audit: no callable reachable in nnkit passes any exercise check, visible or hidden.

A student could answer an exercise by handing over something nnkit already has. This test
tries exactly that, for every graded exercise in course.yml (one test per exercise, so xdist
can spread them), with every candidate:

* every function of every nnkit module (public and private), every method of every nnkit class
  it can instantiate (``cls()``), every bound method of module-level instances, static and
  class methods, and every callable held in a module-level dict, list or tuple;
* each also wrapped the way a student would in one line: the call as is; copy the inputs,
  call an in-place kernel and return the copy it changed; drop one argument the kernel does
  not take; swap the arguments (every order for up to three arguments, every pair beyond).

Each candidate goes to the exercise's visible check and to its hidden check (``hidden=True``);
a check that returns without raising is a pass, and the test fails listing every passing
candidate. Instructor tooling (``nnkit.course``) is left out: it computes no formula (asserted
below) and its functions start processes and touch files.

Speed: a wrapper must accept the number of arguments the solution's signature allows
(checked with ``inspect.signature``), and a candidate that raises on the check's first call
(recorded once from the solution, outside the trap) is not run through the check: that call
fails the check's first rung anyway. A candidate call that takes 20 times longer than the
solution's on that input (at least 0.2 s) counts as raising: it is no answer to the exercise
(and a candidate that overruns twice is not tried in its remaining wrappings); so does one that
asks for more than 2 GB of memory.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import inspect
import io
import itertools
import pkgutil
import signal
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

import nnkit
from nnkit.course.manifest import load_course
from nnkit.course.mutants import replay

REPO = Path(__file__).resolve().parents[2]
COURSE = load_course(REPO)
EXERCISES = [pytest.param(ch, ex, id=ex.id) for ch in COURSE.chapters for ex in ch.graded_exercises]
SKIP_PACKAGES = ("nnkit.course",)
CALL_SECONDS = 2.0  # upper bound for one candidate call; see call_limit()


# --------------------------------------------------------------------------- candidates
def nnkit_modules() -> list[types.ModuleType]:
    mods = []
    for info in pkgutil.walk_packages(nnkit.__path__, "nnkit."):
        if info.name.startswith(SKIP_PACKAGES):
            continue
        try:
            mods.append(importlib.import_module(info.name))
        except Exception as exc:  # pragma: no cover - a module that does not import is a bug elsewhere
            pytest.fail(f"{info.name} does not import: {exc}")
    return [nnkit, *mods]


def _ours(obj) -> bool:
    mod = getattr(obj, "__module__", None) or ""
    return (mod == "nnkit" or mod.startswith("nnkit.")) and not mod.startswith(SKIP_PACKAGES)


def _methods(label: str, obj) -> dict[str, object]:
    """Bound methods of an instance (or static/class methods of a class) defined in nnkit."""
    out = {}
    cls = obj if inspect.isclass(obj) else type(obj)
    for name in dir(cls):
        if name.startswith("__") and name != "__call__":
            continue
        try:
            raw = inspect.getattr_static(cls, name)
        except AttributeError:
            continue
        fn = raw.__func__ if isinstance(raw, (staticmethod, classmethod)) else raw
        if not isinstance(fn, types.FunctionType) or not _ours(fn):
            continue
        if inspect.isclass(obj) and not isinstance(raw, (staticmethod, classmethod)):
            continue  # plain methods need an instance
        try:
            out[f"{label}.{name}"] = getattr(obj, name)
        except Exception:
            continue
    return out


def collect_candidates() -> dict[str, object]:
    """label -> callable, for everything reachable in nnkit (deduplicated by identity)."""
    found: dict[str, object] = {}
    seen: set[int] = set()

    def add(label, obj):
        key = id(obj.__func__) * 31 + id(obj.__self__) if isinstance(obj, types.MethodType) else id(obj)
        if key in seen or not callable(obj):
            return
        seen.add(key)
        found[label] = obj

    def visit(label, obj, depth=0):
        if isinstance(obj, types.ModuleType):
            return
        if inspect.isclass(obj):
            if not _ours(obj):
                return
            add(label, obj)
            for name, m in _methods(label, obj).items():
                add(name, m)
            try:
                with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                    warnings.simplefilter("ignore")
                    instance = obj()
            except Exception:
                return
            for name, m in _methods(f"{label}()", instance).items():
                add(name, m)
        elif isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)) or callable(obj) and _ours(obj):
            if isinstance(obj, types.FunctionType) and not _ours(obj):
                return
            if isinstance(obj, types.BuiltinFunctionType):
                return
            add(label, obj)
            if not isinstance(obj, (types.FunctionType, types.MethodType)) and _ours(type(obj)):
                for name, m in _methods(label, obj).items():  # a module-level instance
                    add(name, m)
        elif depth < 2 and isinstance(obj, dict):
            for k, v in list(obj.items()):
                visit(f"{label}[{k!r}]", v, depth + 1)
        elif depth < 2 and isinstance(obj, (list, tuple)):
            for i, v in enumerate(obj):
                visit(f"{label}[{i}]", v, depth + 1)
        elif _ours(type(obj)):  # an instance of an nnkit class
            for name, m in _methods(label, obj).items():
                add(name, m)

    for mod in nnkit_modules():
        for name, obj in list(vars(mod).items()):
            if name.startswith("__"):
                continue
            visit(f"{mod.__name__}.{name}", obj)
    return found


_CANDIDATES: dict[str, object] | None = None
# Imported up front: an import that first happens inside a candidate call, under the memory
# cap, can fail half way and leave a broken module behind for every later test in the process.
_HEAVY = ("matplotlib.pyplot", "pandas", "scipy.stats", "sklearn.datasets", "mlxtend.data", "tqdm.auto",
          "ipywidgets", "IPython.display")


def candidates() -> dict[str, object]:
    global _CANDIDATES
    if _CANDIDATES is None:
        for name in _HEAVY:
            try:
                importlib.import_module(name)
            except Exception:
                pass
        _CANDIDATES = collect_candidates()
    return _CANDIDATES


# --------------------------------------------------------------------------- student wrappers
def _positional_range(fn) -> tuple[int, float] | None:
    """(fewest, most) positional arguments ``fn`` accepts; None if unknown."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    lo, hi = 0, 0.0
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            hi += 1
            if p.default is p.empty:
                lo += 1
        elif p.kind is p.VAR_POSITIONAL:
            hi = float("inf")
        elif p.kind is p.KEYWORD_ONLY and p.default is p.empty:
            return (10**6, 0)  # needs a keyword the check never passes
    return lo, hi


def _copy_inputs(args):
    return [a.copy() if isinstance(a, np.ndarray) else copy.deepcopy(a) for a in args]


def wrappers(fn, n_required: int, n_params: int):
    """(description, student function) pairs: ``fn`` as a student would hand it over in one line."""
    rng = _positional_range(fn)
    if rng is None:
        rng = (0, float("inf"))
    lo, hi = rng

    def accepts(m):
        return lo <= m <= hi

    counts = range(n_required, n_params + 1)
    arg_maps = []  # (name, function args -> args, how many it passes for k given)
    if any(accepts(k) for k in counts):
        arg_maps.append(("as is", lambda a: list(a)))
        perms = (list(itertools.permutations(range(n_params)))[1:] if n_params <= 3 else
                 [tuple(j if j not in (p, q) else (q if j == p else p) for j in range(n_params))
                  for p, q in itertools.combinations(range(n_params), 2)])
        for perm in perms:
            def permute(a, perm=perm):
                if len(a) != len(perm):
                    raise TypeError("wrapper: argument count")
                return [a[i] for i in perm]
            arg_maps.append((f"arguments in order {perm}", permute))
    if any(accepts(k - 1) for k in counts):
        for i in range(n_params):
            def drop(a, i=i):
                if i >= len(a):
                    raise TypeError("wrapper: argument count")
                return list(a[:i]) + list(a[i + 1:])
            arg_maps.append((f"argument {i} dropped", drop))

    out = []
    for desc, amap in arg_maps:
        def direct(*args, _f=fn, _m=amap, **kw):
            return _f(*_m(args), **kw)

        def in_place(*args, _f=fn, _m=amap, **kw):
            copies = _copy_inputs(args)
            result = _f(*_m(copies), **kw)
            for c, a in zip(copies, args):
                if isinstance(a, np.ndarray) and (c.shape != a.shape or not np.array_equal(c, a, equal_nan=True)):
                    return c
            return result

        out.append((desc, direct))
        out.append((f"{desc}, on copies, returning the changed copy", in_place))
    return out


# --------------------------------------------------------------------------- running checks
class _TimeLimit(Exception):
    pass


_LAST_ERROR: list = [None]  # the last exception a candidate (or a check) raised


@contextlib.contextmanager
def time_limit(seconds: float):
    def expire(signum, frame):
        raise _TimeLimit(f"took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@contextlib.contextmanager
def memory_limit(extra_bytes: int = 2 << 30):
    """At most ``extra_bytes`` more address space inside the block (a candidate asked for a
    giant array raises MemoryError instead of paging for minutes, where no signal can stop it)."""
    import os
    import resource

    try:
        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # pragma: no cover - not Linux
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = used + extra_bytes
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextlib.contextmanager
def standard_fds():
    """Put stdin/stdout/stderr back if a candidate closed one (``open(0)`` on an int argument
    closes file descriptor 0 when the file object goes away)."""
    import os

    saved = {fd: os.dup(fd) for fd in (0, 1, 2)}
    try:
        yield
    finally:
        for fd, copy_fd in saved.items():
            try:
                os.fstat(fd)
            except OSError:
                os.dup2(copy_fd, fd)
            os.close(copy_fd)


def _quiet():
    stack = contextlib.ExitStack()
    stack.enter_context(standard_fds())
    stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
    stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
    stack.enter_context(warnings.catch_warnings())
    warnings.simplefilter("ignore")
    stack.enter_context(np.errstate(all="ignore"))
    return stack


def run_check(check, student, hidden: bool, seconds: float = 20 * CALL_SECONDS, limits: bool = True) -> bool:
    """True if ``check`` accepts ``student`` (returns without raising) within ``seconds``."""
    kwargs = {}
    if hidden:
        kwargs["hidden"] = True
        if "rng" in inspect.signature(check).parameters:
            kwargs["rng"] = 0
    try:
        with _quiet(), time_limit(seconds if limits else 600), memory_limit() if limits else contextlib.nullcontext():
            check(student, **kwargs)
        return True
    except BaseException as exc:  # noqa: BLE001 - any failure of the check is a fail
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        _LAST_ERROR[0] = exc
        return False
    finally:
        _close_figures()


def _close_figures():
    import sys

    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


def first_calls(check, solution) -> tuple[dict[bool, tuple], float, dict[bool, float]]:
    """The first call the visible and the hidden check make (recorded from the solution); the
    time limit for a candidate on it: 20 times the solution's time, between 0.2 and 2 s (a
    candidate that much slower than the solution on the check's first input is no answer); and
    the limit for a whole check: 20 times the solution's check, at least 1 s."""
    import time

    out, slowest, whole = {}, 0.0, {}
    for hidden in (False, True):
        seen = []

        def recorder(*args, **kwargs):
            if not seen:
                seen.append((copy.deepcopy(args), copy.deepcopy(kwargs)))
            return solution(*args, **kwargs)

        start = time.perf_counter()
        assert run_check(check, recorder, hidden, limits=False), (
            f"the solution fails {check.__name__} (hidden={hidden}): {_LAST_ERROR[0]!r}")
        whole[hidden] = max(1.0, 20 * (time.perf_counter() - start))
        out[hidden] = seen[0]
        args, kwargs = copy.deepcopy(seen[0])
        start = time.perf_counter()
        solution(*args, **kwargs)
        slowest = max(slowest, time.perf_counter() - start)
    return out, min(CALL_SECONDS, max(0.2, 20 * slowest)), whole


def raises_on(student, call, seconds: float = CALL_SECONDS) -> bool:
    """Whether ``student`` raises (or overruns ``seconds``) on ``call``, outside any trap."""
    args, kwargs = call
    args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    try:
        with _quiet(), time_limit(seconds), memory_limit():
            student(*args, **kwargs)
        return False
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        _LAST_ERROR[0] = exc
        return True
    finally:
        _close_figures()


# --------------------------------------------------------------------------- the tests
def test_instructor_tooling_holds_no_kernel():
    from nnkit import concepts

    kernels = [f for c in concepts.known() for f in concepts.functions(c)]
    assert not [f for f in kernels if f.__module__.startswith(SKIP_PACKAGES)]


def test_the_audit_reaches_private_kernels_methods_and_dict_entries():
    found = candidates()
    assert len(found) > 100
    assert any(".__call__" in k or "()." in k for k in found)          # methods of instances
    assert any("[" in k for k in found)                                  # callables in dicts
    assert any(k.rsplit(".", 1)[-1].startswith("_") for k in found)      # private functions


@pytest.mark.parametrize("chapter, exercise", EXERCISES)
def test_no_nnkit_callable_passes_the_check(chapter, exercise):
    from nnkit import checks

    check = getattr(checks, exercise.id)
    candidates()  # the imports first (see _HEAVY)
    ns = replay(chapter, namespace_only=True)
    solution = ns[exercise.id]
    params = list(inspect.signature(solution).parameters.values())
    n_params = len(params)
    n_required = sum(p.default is p.empty for p in params)
    calls, seconds, check_seconds = first_calls(check, solution)

    passing = []
    for label, fn in candidates().items():
        overruns = 0
        for desc, student in wrappers(fn, n_required, n_params):
            if overruns >= 2:
                break  # twice too slow on the check's first input: no answer, whatever the order
            student.__name__ = exercise.id
            for hidden in (False, True):
                if raises_on(student, calls[hidden], seconds):
                    overruns += isinstance(_LAST_ERROR[0], _TimeLimit)
                    continue  # fails the check's first call: cannot pass
                if run_check(check, student, hidden, check_seconds[hidden]):
                    passing.append(f"{label} ({desc}) passes the {'hidden' if hidden else 'visible'} check")
    assert not passing, f"{len(passing)} nnkit callables pass checks.{exercise.id}:\n" + "\n".join(passing)
