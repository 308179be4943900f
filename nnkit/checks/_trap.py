"""Catch a student's function calling the nnkit reference it is supposed to replace.

A chapter asks students to *write* e.g. ``quadratic_cost``; nnkit ships a reference with the
same job (``nnkit.costs.quadratic_cost``). Hidden tests compare the two, so a student could
"solve" the exercise by calling the reference. :func:`forbid_references` stops that: while a
student's function runs, every listed reference is swapped for a *trap* that raises
:class:`ReferenceUsedError` with a friendly message, and the originals come back afterwards,
even when the student's code raises.

What gets trapped, for each dotted name such as ``"nnkit.costs.quadratic_cost"``:

* the module attribute (``nnkit.costs.quadratic_cost``), so ``import nnkit.costs`` and
  ``from nnkit import costs`` routes are caught, also imports done *inside* the function;
* every alias in the given namespaces (normally the notebook's globals), found by identity
  (``from nnkit.costs import quadratic_cost as qc`` -> ``qc`` is trapped), including bound
  methods whose underlying function is a reference (``qc = QuadraticCost().fn``);
* the function's code object itself (``__code__`` is swapped), so references stashed in
  closures, default arguments, dicts or ``functools.partial`` are caught too;
* for a class (``"nnkit.costs.CrossEntropyCost"``), every public method defined on the class
  (``fn``, ``delta``, ...) and ``__call__``: instances made before or during the call, and
  helpers like ``get_cost("cross_entropy")`` that return instances, all hit the trap.

**Concepts** (manifest v2). A chapter forbids *concepts* (``softmax``), not names. Each concept
has one kernel in nnkit (``@nnkit.concepts.implements("softmax")``), which the public function,
the classes' methods, ``Network``, the widgets and the checks' oracles all call. So
:func:`forbid_concepts` swaps the ``__code__`` of every kernel of the forbidden concepts
(``nnkit.concepts.functions(concept)``): every route that reaches the formula hits the trap,
private kernels, in-place kernels, cost methods and callables kept in dicts included.
:func:`forbid_references` accepts both: a dotted name is a reference, a bare name a concept.
A check that hands the student a helper which itself needs a forbidden kernel (the ``delta``
given to ``neuron_step``) wraps it in :func:`exempt` and lists it in ``allow=``.

API (what :class:`~nnkit.checks._ladder.Ladder` calls)::

    with forbid_concepts("softmax", namespaces, student="softmax") as trap:   # an exercise id
        out = student_fn(z)
    with forbid_concepts(["softmax", "logsumexp"], namespaces, allow=[given_delta]) as trap:
        ...
    trap.triggered   # what the student called, e.g. ["nnkit.activations.softmax"]
    trap.concepts    # which forbidden concept it reached, e.g. ["softmax"]

The context manager yields a :class:`Trap` whose ``triggered`` list records every reference
that was called, so a check can fail the student even if their code swallowed the exception
(``try: ... except Exception: ...``).

Example
-------
>>> from nnkit.checks import forbid_references
>>> with forbid_references(["nnkit.costs.quadratic_cost"], namespace=globals()) as trap:
...     result = student_quadratic_cost(a, y)        # doctest: +SKIP
>>> trap.triggered                                    # doctest: +SKIP
[]
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import sys
import types
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ReferenceUsedError", "Trap", "forbid_concepts", "forbid_references", "resolve", "exempt", "kernels_of"]


class CheckFailed(AssertionError):
    """A student's function failed a check. An ``AssertionError``, so nbgrader marks the cell failed.

    The message is the whole transcript of the check so far (the ✓/✗ lines), ending with what
    was expected, what came back and a hint.
    """


class ReferenceUsedError(CheckFailed):
    """Raised by a trap: the student's function called an nnkit reference it should replace."""

    def __init__(self, dotted: str, student: str | None = None, concept: str | None = None):
        self.dotted = dotted
        self.concept = concept
        who = f"{student} " if student else "your function "
        what = f" (nnkit's own {concept}, which this chapter asks you to write)" if concept else ""
        super().__init__(
            f"{who}looks like it calls {dotted}{what}; write it yourself "
            f"(the nnkit reference is switched off while your function is checked - use numpy, "
            f"and the functions the exercise allows, e.g. nnkit.activations.sigmoid)"
        )


# --------------------------------------------------------------------------- resolving names
def resolve(dotted: str) -> tuple[Any, str, Any]:
    """Return ``(owner, attribute, object)`` for a dotted name like ``"nnkit.costs.QuadraticCost"``.

    The longest importable prefix is the module; the rest is followed with ``getattr``
    (so ``"nnkit.costs.QuadraticCost.delta"`` gives owner ``QuadraticCost``, attribute ``"delta"``).
    Raises ``ValueError`` if the name does not exist (a typo in a forbidden list must not pass silently).
    """
    if not isinstance(dotted, str) or "." not in dotted:
        raise ValueError(f"forbidden reference: expected a dotted name like 'nnkit.costs.quadratic_cost', got {dotted!r}")
    parts = dotted.split(".")
    module, split = None, 0
    for i in range(len(parts) - 1, 0, -1):
        try:
            module = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        split = i
        break
    if module is None:
        raise ValueError(f"forbidden reference {dotted!r}: no importable module in that name")
    owner: Any = module
    for name in parts[split:-1]:
        if not hasattr(owner, name):
            raise ValueError(f"forbidden reference {dotted!r}: {owner!r} has no attribute {name!r}")
        owner = getattr(owner, name)
    attr = parts[-1]
    if inspect.isclass(owner):  # a method may be inherited: trap it on this class only
        for klass in owner.__mro__:
            if attr in vars(klass):
                return owner, attr, vars(klass)[attr]
    if not hasattr(owner, "__dict__") or attr not in vars(owner):
        raise ValueError(f"forbidden reference {dotted!r}: {owner!r} has no attribute {attr!r}")
    return owner, attr, vars(owner)[attr]


# --------------------------------------------------------------------------- the trap itself
@dataclass
class Trap:
    """What :func:`forbid_references` yields: which references were called during the block.

    Attributes
    ----------
    names : list of str
        The dotted names that were trapped.
    triggered : list of str
        Dotted names of the references that were called (in call order, repeats kept).
    student : str or None
        Name used in the error message ("quadratic_cost looks like it calls ...").
    """

    names: list[str]
    student: str | None = None
    triggered: list[str] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)  # concept of each kernel call, in order
    allowed: frozenset = field(default_factory=frozenset, repr=False)  # ids of exempt() wrappers
    _patcher: Any = field(default=None, repr=False, compare=False)


_ACTIVE: list[Trap] = []  # stack of active traps (nesting is allowed)



def _entry_point(default: str) -> str:
    """Dotted name of the nnkit function the student's code called (the outermost nnkit frame).

    The walk starts at the trap and stops at the first frame outside nnkit (the student) or in
    the checking machinery (``nnkit.checks._*``); a trapped kernel's own frame is ``default``.
    """
    frame = inspect.currentframe()
    try:
        f = frame.f_back.f_back if frame and frame.f_back else None  # skip _fire
        entry = None
        while f is not None:
            mod = f.f_globals.get("__name__", "")
            if mod.startswith("nnkit.checks._") or not (mod == "nnkit" or mod.startswith("nnkit.")):
                break
            if f.f_code.co_filename.startswith("<nnkit trap"):
                entry = default
            else:
                entry = f"{mod}.{getattr(f.f_code, 'co_qualname', f.f_code.co_name)}"
            f = f.f_back
        return entry or default
    finally:
        del frame


def _fire(dotted: str, args: tuple = (), kwargs: dict | None = None, concept: str | None = None):
    """Called by every trap: record the call on the innermost active Trap, then raise."""
    shown = _entry_point(dotted) if concept else dotted
    student = None
    if _ACTIVE:
        _ACTIVE[-1].triggered.append(shown)
        if concept:
            _ACTIVE[-1].concepts.append(concept)
        student = _ACTIVE[-1].student
    raise ReferenceUsedError(shown, student, concept)


def exempt(fn):
    """Wrap ``fn`` (e.g. the ``delta`` a check hands to the student) so that it may use trapped kernels.

    The wrapper lifts the traps while it runs, but only inside a trap that lists it in
    ``allow=`` (:func:`forbid_concepts`), which only the check sets up: a student who wraps a
    reference in ``exempt`` gains nothing. No original function is kept anywhere reachable
    (the audit test hands every reachable callable to every check).
    """
    import functools

    @functools.wraps(fn)
    def run_untrapped(*args, **kwargs):
        if not any(id(run_untrapped) in t.allowed for t in _ACTIVE):
            return fn(*args, **kwargs)
        active = [t for t in _ACTIVE if t._patcher is not None]
        for t in reversed(active):
            t._patcher.suspend()
        try:
            return fn(*args, **kwargs)
        finally:
            for t in active:
                t._patcher.resume()

    return run_untrapped


def _trap_function(dotted: str, template=None, concept: str | None = None) -> types.FunctionType:
    """A fresh function that calls :func:`_fire` with ``dotted`` baked in as a constant.

    It carries the name and docstring of ``template`` so tracebacks and ``help`` stay readable.
    It takes no closure, so its ``__code__`` can be put into any closure-free function.
    """
    src = (
        "def _nnkit_trap(*args, **kwargs):\n"
        "    from nnkit.checks._trap import _fire\n"
        f"    return _fire({dotted!r}, args, kwargs, {concept!r})\n"
    )
    ns: dict[str, Any] = {}
    exec(compile(src, f"<nnkit trap for {dotted}>", "exec"), {"__name__": "nnkit.checks._trap"}, ns)
    fn = ns["_nnkit_trap"]
    if template is not None:
        fn.__name__ = getattr(template, "__name__", fn.__name__)
        fn.__qualname__ = getattr(template, "__qualname__", fn.__qualname__)
    return fn


def _underlying(obj):
    """The plain function behind a staticmethod/classmethod/bound method, else ``obj``."""
    if isinstance(obj, (staticmethod, classmethod)):
        return obj.__func__
    if isinstance(obj, types.MethodType):
        return obj.__func__
    return obj


class _Patcher:
    """Records every change so :meth:`restore` can undo them in reverse order."""

    def __init__(self):
        self._undo: list[tuple] = []

    def setattr(self, owner, attr, value):
        old = vars(owner)[attr] if attr in vars(owner) else _MISSING
        setattr(owner, attr, value)
        self._undo.append(("attr", owner, attr, old, value))

    def setitem(self, mapping: MutableMapping, key, value):
        old = mapping[key]
        mapping[key] = value
        self._undo.append(("item", mapping, key, old, value))

    def setcode(self, fn: types.FunctionType, code):
        old = fn.__code__
        fn.__code__ = code
        self._undo.append(("code", fn, None, old, code))

    @staticmethod
    def _put(kind, target, key, value):
        if kind == "attr":
            if value is _MISSING:
                delattr(target, key)
            else:
                setattr(target, key, value)
        elif kind == "item":
            target[key] = value
        else:
            target.__code__ = value

    def suspend(self):
        """Put the originals back for a moment (an allowed exempt() call); :meth:`resume` re-arms."""
        for kind, target, key, old, new in reversed(self._undo):
            self._put(kind, target, key, old)

    def resume(self):
        for kind, target, key, old, new in self._undo:
            self._put(kind, target, key, new)

    def restore(self):
        errors = []
        for kind, target, key, old, new in reversed(self._undo):
            try:
                self._put(kind, target, key, old)
            except Exception as exc:  # pragma: no cover - restoring must try everything
                errors.append(exc)
        self._undo.clear()
        if errors:  # pragma: no cover
            raise RuntimeError(f"nnkit.checks: could not restore {len(errors)} references: {errors}")


_MISSING = object()


def _callables_of_class(cls) -> dict[str, tuple[Any, bool]]:
    """Public methods (and ``__call__``) of ``cls``: name -> (raw class attribute, defined on cls itself).

    Inherited methods (from a base class other than ``object``) are listed with ``False``: they
    get shadowed on ``cls`` only, so sibling classes sharing the base keep working.
    """
    out: dict[str, tuple[Any, bool]] = {}
    for klass in reversed(cls.__mro__[:-1]):  # base first, cls last: cls wins
        for name, raw in vars(klass).items():
            if name.startswith("_") and name != "__call__":
                continue
            if isinstance(raw, (staticmethod, classmethod, types.FunctionType)):
                out[name] = (raw, klass is cls)
    return out


def _swap_code(patcher: _Patcher, fn, dotted: str, concept: str | None = None) -> bool:
    """Replace the body of a plain Python function by the trap (only if it has no closure)."""
    if isinstance(fn, types.FunctionType) and not fn.__code__.co_freevars:
        code = _trap_function(dotted, concept=concept).__code__
        names = {"co_name": fn.__code__.co_name}
        if hasattr(code, "co_qualname"):
            names["co_qualname"] = fn.__code__.co_qualname
        patcher.setcode(fn, code.replace(**names))
        return True
    return False


def _wrap_like(raw, trap):
    """Wrap ``trap`` in the same descriptor type as ``raw`` (staticmethod stays staticmethod)."""
    if isinstance(raw, staticmethod):
        return staticmethod(trap)
    if isinstance(raw, classmethod):
        return classmethod(trap)
    return trap


def _namespaces(namespace) -> list[MutableMapping]:
    if namespace is None:
        return []
    if isinstance(namespace, Mapping):
        spaces = [namespace]
    else:
        spaces = list(namespace)
    seen, out = set(), []
    for ns in spaces:
        if ns is None or id(ns) in seen:
            continue
        if not isinstance(ns, MutableMapping):
            raise TypeError(f"namespace: expected a dict of globals (or a list of them), got {type(ns).__name__}")
        seen.add(id(ns))
        out.append(ns)
    return out


def caller_globals(skip_prefixes: tuple[str, ...] = ("nnkit.checks",)) -> dict | None:
    """Globals of the nearest calling frame outside ``nnkit.checks`` (the notebook, usually)."""
    frame = inspect.currentframe()
    try:
        f = frame.f_back if frame else None
        while f is not None:
            mod = f.f_globals.get("__name__", "")
            if not any(mod == p or mod.startswith(p + ".") for p in skip_prefixes):
                return f.f_globals
            f = f.f_back
        return None
    finally:
        del frame


def _registry():
    """The concept registry, :mod:`nnkit.concepts` (complete after ``load_all()``)."""
    from nnkit import concepts

    concepts.load_all()
    return concepts


def kernels_of(concepts: Iterable[str], registry=None) -> list[tuple[str, Any]]:
    """``(concept, kernel)`` for every kernel of ``concepts`` (``ValueError`` on an unknown concept)."""
    concepts = list(concepts)
    if not concepts:
        return []
    key = (id(registry), tuple(concepts))
    if key in _KERNELS and registry is None:  # load_all() imports every module: complete after once
        return list(_KERNELS[key])
    reg = registry if registry is not None else _registry()
    unknown = sorted(set(concepts) - set(reg.known()))
    if unknown:
        raise ValueError(f"forbidden concept(s) {unknown} are not registered in nnkit.concepts; "
                         f"known: {sorted(reg.known())}")
    out, seen = [], set()
    for concept in concepts:
        for fn in reg.functions(concept):
            if id(fn) not in seen:
                seen.add(id(fn))
                out.append((concept, fn))
    if registry is None:
        _KERNELS[key] = tuple(out)
    return out


_KERNELS: dict[tuple, tuple] = {}  # (registry, concepts) -> ((concept, kernel), ...)


def _dotted(fn) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', getattr(fn, '__name__', '?'))}"


@contextlib.contextmanager
def forbid_concepts(
    what: str | Iterable[str],
    namespace: Mapping | Iterable[Mapping] | None = None,
    *,
    student: str | None = None,
    references: Iterable[str] = (),
    allow: Iterable[Any] = (),
    registry=None,
) -> Iterator[Trap]:
    """Within the block, every nnkit kernel of the forbidden concepts raises :class:`ReferenceUsedError`.

    Parameters
    ----------
    what : str or iterable of str
        An exercise id (a ``str``): its chapter's ``forbidden`` concepts are read from the
        manifest (:func:`nnkit.course.manifest.exercise`). Or the concept names themselves
        (a list/tuple/set, e.g. ``["softmax", "logsumexp"]``).
    namespace : dict or list of dicts, optional
        Globals to scan for aliases (see :func:`forbid_references`).
    student : str, optional
        Name used in messages (default: the exercise id when ``what`` is one).
    references : iterable of str
        Extra dotted names to trap as well (rarely needed: kernels cover every route).
    allow : iterable of callables
        :func:`exempt` wrappers the check hands to the student (e.g. a ``delta`` argument):
        inside this block they run with the traps lifted.
    registry : optional
        Stand-in for :mod:`nnkit.concepts` (``functions(concept)``, ``known()``), for tests.

    Yields
    ------
    Trap
        ``trap.triggered`` names what the student called (the nnkit entry point), and
        ``trap.concepts`` which forbidden concept it reached.
    """
    if isinstance(what, str):
        from nnkit.course.manifest import exercise

        concepts = list(exercise(what).forbidden)
        student = student or what
    else:
        concepts = list(what)
    with _forbid(list(references), concepts, namespace, student, registry, allow) as trap:
        yield trap


@contextlib.contextmanager
def forbid_references(
    names: Iterable[str],
    namespace: Mapping | Iterable[Mapping] | None = None,
    *,
    student: str | None = None,
    allow: Iterable[Any] = (),
) -> Iterator[Trap]:
    """Within the ``with`` block, calling any listed nnkit reference raises :class:`ReferenceUsedError`.

    Parameters
    ----------
    names : iterable of str
        Dotted names, e.g. ``["nnkit.costs.quadratic_cost", "nnkit.costs.CrossEntropyCost"]``.
        Functions, classes (their public methods and ``__call__`` are trapped) and single
        methods (``"nnkit.costs.QuadraticCost.delta"``) are accepted. A name that does not
        exist raises ``ValueError`` (no silent typos). A name without a dot is a *concept*
        (``"softmax"``): all its kernels are trapped (see :func:`forbid_concepts`).
    namespace : dict or list of dicts, optional
        Globals to search for aliases of the references, by identity. Pass the notebook's
        ``globals()``; :class:`~nnkit.checks._ladder.Ladder` passes the student function's
        ``__globals__`` and the caller's globals. ``sys.modules["__main__"].__dict__`` is always
        searched too (that is the notebook's namespace inside a Jupyter kernel).
    student : str, optional
        The student's function name, used in the error message.

    Yields
    ------
    Trap
        ``trap.triggered`` lists the references that were called inside the block.

    Notes
    -----
    Everything is restored in a ``finally`` clause, so the references work again after the
    block even if the student's function raised. Traps nest: an inner block records its calls
    on its own :class:`Trap`.
    """
    names = list(names)
    dotted = [n for n in names if isinstance(n, str) and "." in n]
    concepts = [n for n in names if not (isinstance(n, str) and "." in n)]
    with _forbid(dotted, concepts, namespace, student, None, allow) as trap:
        yield trap


@contextlib.contextmanager
def _forbid(names: list[str], concepts: list[str], namespace, student, registry, allow=()) -> Iterator[Trap]:
    spaces = _namespaces(namespace)
    main = sys.modules.get("__main__")
    if main is not None and id(vars(main)) not in {id(s) for s in spaces}:
        spaces.append(vars(main))

    # Resolve everything before touching anything: a bad name must not leave half a trap behind.
    for n in concepts:
        if not isinstance(n, str) or not n:
            raise ValueError(f"forbidden concept: expected a name like 'softmax', got {n!r}")
    resolved = [(d, *resolve(d)) for d in names]
    kernels = kernels_of(concepts, registry)

    patcher = _Patcher()
    trap = Trap(names=[*names, *concepts], student=student, allowed=frozenset(id(a) for a in allow))
    trap._patcher = patcher
    by_identity: dict[int, tuple[Any, str, str | None]] = {}  # id(original) -> (original, dotted, concept)
    inherited: dict[int, list[tuple[type, Any, str]]] = {}  # id(base method) -> (class, method, dotted)
    _ACTIVE.append(trap)
    try:
        for concept, fn in kernels:
            label = _dotted(fn)
            target = _underlying(fn)
            by_identity.setdefault(id(target), (target, label, concept))
            if not _swap_code(patcher, target, label, concept):
                # A kernel with a closure (or not a plain function): replace it where it lives.
                module = sys.modules.get(getattr(target, "__module__", ""), None)
                name = getattr(target, "__name__", None)
                if module is not None and name and vars(module).get(name) is fn:
                    patcher.setattr(module, name, _trap_function(label, target, concept))
        for dotted, owner, attr, raw in resolved:
            obj = _underlying(raw)
            if inspect.isclass(obj):
                by_identity[id(obj)] = (obj, dotted, None)  # aliases of the class itself
                for mname, (mraw, own) in _callables_of_class(obj).items():
                    mdotted = f"{dotted}.{mname}"
                    mfn = _underlying(mraw)
                    if own:  # inherited methods are only shadowed (siblings keep the original)
                        by_identity.setdefault(id(mfn), (mfn, mdotted, None))
                        if id(mfn) not in {id(k) for _, k in kernels}:
                            _swap_code(patcher, mfn, mdotted)
                    else:  # bound methods of this class's instances made earlier
                        inherited.setdefault(id(mfn), []).append((obj, mfn, mdotted))
                    patcher.setattr(obj, mname, _wrap_like(mraw, _trap_function(mdotted, mfn)))
                continue  # the class object stays in place (isinstance checks keep working)
            by_identity.setdefault(id(obj), (obj, dotted, None))
            if id(obj) not in {id(k) for _, k in kernels}:
                _swap_code(patcher, obj, dotted)
            patcher.setattr(owner, attr, _wrap_like(raw, _trap_function(dotted, obj)))

        # Aliases in the namespaces, found by identity (never by name: the student's own
        # function usually has the same name as the reference).
        for ns in spaces:
            for key, value in list(ns.items()):
                target = value
                if isinstance(value, types.MethodType):
                    target = value.__func__
                hit = by_identity.get(id(target))
                if hit is None and isinstance(value, types.MethodType):
                    for cls, mfn, mdotted in inherited.get(id(target), ()):
                        if mfn is target and isinstance(value.__self__, cls):
                            hit = (mfn, mdotted, None)
                            break
                if hit is None or hit[0] is not target:
                    continue
                original, dotted, concept = hit
                if inspect.isclass(original):
                    continue  # its methods are trapped; keep the class usable for isinstance
                patcher.setitem(ns, key, _trap_function(dotted, original, concept))
        yield trap
    finally:
        try:
            patcher.restore()
        finally:
            _ACTIVE.remove(trap)
