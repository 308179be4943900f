"""Hint ladders: step-by-step feedback on a student's function.

A *ladder* runs the student's function on inputs of growing difficulty and stops at the first
rung that fails. The usual rungs, in order: **type** (a number, an array, a pair?), **shape**,
a **tiny case** checkable by hand, **edge cases** (``a`` exactly 0 or 1, ``|z|`` up to 1000,
a batch of one), and a **gradient** rung (centred finite differences, :mod:`nnkit.gradcheck`).

Each passed rung prints ``✓ <step>``. The first failing rung raises :class:`CheckFailed` (an
``AssertionError``, so nbgrader marks the cell failed) whose *report* is the only thing the
student sees: ``✗ <step>``, the inputs, what was expected, what came back, the first entry
that differs and one hint. The exception renders itself in IPython (``_render_traceback_``),
so the notebook, nbgrader's feedback HTML and the Validate dialog show the report and no
traceback into nnkit's source, and nothing is printed twice.

Hints escalate. ``hint=`` (and each diagnosed mistake) is a string or a tuple of levels,
``("points at the concept", "more specific", "the formula / code")``. The n-th failure of an
exercise in this kernel session shows level ``n - 1`` (capped), but the last level of a tuple
of two or more (the formula) only from the 4th failure on, or once the student calls
``checks.hint("<exercise id>")``.

Every call of the student's function goes through :meth:`Ladder.call`, which runs it inside
the reference trap (the exercise's forbidden concepts come from the course manifest through
the exercise id, see :func:`forbidden_for`), passes *copies* of array arguments and fails if
the function modified them, turns ``NotImplementedError`` into "not implemented yet" and any
other exception into a failed rung naming the exception.

Writing a check for a new exercise
----------------------------------
Put it in the chapter's module ``nnkit/checks/chNN_topic.py`` and list the check functions in
its ``__all__``; ``nnkit.checks`` re-exports them. The oracle (expected values) calls the nnkit
kernel of the formula, outside the trap::

    import numpy as np
    from nnkit.checks._ladder import Ladder

    def quadratic_cost(student, *, hidden=False, rng=None):
        lad = Ladder("quadratic_cost", student, hidden=hidden)   # name = the exercise id
        if hidden:
            lad.compare_random(lambda g: (g.random((5, 3)), g.random((5, 3))),
                               _kernel, reference_name="nnkit.costs.quadratic_cost",
                               names=("a", "y"), rtol=1e-9, rng=rng)
            return lad.passed()
        a, y = np.array([[0.8]]), np.array([[0.0]])
        c = lad.number(lad.call(a, y, inputs={"a": a, "y": y}))          # rung: type
        lad.close(c, 0.32, "tiny case: one example, one output", inputs={"a": a, "y": y},
                  hint=("the cost of one example is half its squared distance to y",
                        "half of (0.8 - 0)^2",
                        "C = 1/2 (a - y)^2 = 0.5 * 0.8**2 = 0.32"),
                  mistakes=[(0.64, "you dropped the 1/2")])
        ...
        lad.passed()

Public API: :class:`Ladder` (``call``, ``ok``, ``fail``, ``check``, ``number``, ``array``,
``pair``, ``close``, ``gradient``, ``compare_random``, ``passed``), :class:`CheckFailed`,
:class:`CheckReport` (what a failing rung raises), :func:`fmt`, :func:`hint`,
:func:`status`, :func:`forbidden_for`.
"""

from __future__ import annotations

import numbers
import sys
import textwrap
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np

from . import _trap
from ._trap import ReferenceUsedError, caller_globals

__all__ = ["Ladder", "CheckFailed", "CheckReport", "fmt", "hint", "status", "forbidden_for", "reset_session",
           "diagnosis_label"]

PASS = "✓"
FAIL = "✗"
WIDTH = 90          # wrap report lines near this many columns
LABEL = 16          # "      expected: " - where values start in a report
FORMULA_AFTER = 3   # the last hint level shows after this many failures (or on checks.hint)
_NOTHING = object()

Hint = Union[str, Sequence[str], None]


CheckFailed = _trap.CheckFailed  # the base class (ReferenceUsedError is one too)


class CheckReport(CheckFailed):
    """A check failed. Its message is the failure report (the ✗ rung, expected, got, hint).

    ``step`` is the rung that failed and ``diagnosis`` the mistake the ladder recognised (the
    first level of the matched mistake's hint) or ``None``: the grader counts them per class
    (``nnkit report``: how many students made each mistake).

    In IPython/Jupyter it renders as that report only (``_render_traceback_``): no traceback
    into nnkit, so the student reads the diagnosis and never the checker's source.
    """

    def __init__(self, report: str, exercise: str | None = None, step: str | None = None,
                 diagnosis: str | None = None, hidden: bool = False):
        super().__init__(report)
        self.report = report
        self.exercise = exercise
        self.step = step            # the rung that failed
        self.diagnosis = diagnosis  # the recognised mistake (first hint level), or None
        self.hidden = hidden        # failed in the hidden tests

    def _render_traceback_(self) -> list[str]:
        return self.report.splitlines()


# --------------------------------------------------------------------------- session state
@dataclass
class _Record:
    """What this kernel session knows about one exercise (for hints and the progress cell)."""

    failures: int = 0
    visible: bool | None = None      # last visible check: True passed, False failed, None not run
    hidden: bool | None = None       # last hidden test
    last_step: str | None = None     # the rung that failed last
    last_hint: tuple[str, ...] = ()  # its hint levels
    asked: bool = False              # the student called checks.hint(id)
    history: list[str] = field(default_factory=list)


_SESSION: dict[str, _Record] = {}


def _record(exercise: str) -> _Record:
    return _SESSION.setdefault(exercise, _Record())


def reset_session() -> None:
    """Forget every failure count and result (a kernel restart does the same)."""
    _SESSION.clear()


def status(exercise: str) -> str:
    """``"passed"``, ``"failed"`` or ``"not run"`` for an exercise in this kernel session.

    Passed means its latest check passed (and its hidden test too, if that ran).
    """
    rec = _SESSION.get(exercise)
    if rec is None or (rec.visible is None and rec.hidden is None):
        return "not run"
    if rec.visible is False or rec.hidden is False:
        return "failed"
    return "passed"


def _levels(h: Hint) -> tuple[str, ...]:
    if h is None:
        return ()
    if isinstance(h, str):
        return (h,)
    return tuple(str(x) for x in h if x)


def diagnosis_label(h: Hint) -> str | None:
    """The label of a recognised mistake: the first (least revealing) level of its hint."""
    levels = _levels(h)
    return levels[0] if levels else None


def _pick_level(levels: tuple[str, ...], failures: int, asked: bool) -> tuple[str, bool]:
    """The hint level to show at the ``failures``-th failure, and whether more help is held back."""
    if not levels:
        return "", False
    last = len(levels) - 1
    if last == 0 or asked or failures > FORMULA_AFTER:
        return levels[last], False
    return levels[min(failures - 1, last - 1)], True


def hint(exercise: str) -> None:
    """Show every hint of the rung that failed last for ``exercise``, up to the formula.

    From now on, failures of that exercise show the most specific hint at once.
    """
    rec = _record(exercise)
    rec.asked = True
    if not rec.last_step:
        print(f"{exercise}: no failed check yet in this session - run its test cell first.")
        return
    lines = [f"Hints for {exercise}, rung \"{rec.last_step}\":"]
    if not rec.last_hint:
        lines.append("  (this rung has no hint beyond its report: compare expected and got)")
    for i, level in enumerate(rec.last_hint, 1):
        lines.extend(_wrap(f"  {i}. ", level))
    print("\n".join(lines))


# --------------------------------------------------------------------------- where the forbidden list comes from
def forbidden_for(exercise: str) -> list[str]:
    """The concepts the trap switches off while ``exercise``'s function runs (``course.yml``).

    ``nnkit.course.manifest.exercise(id).forbidden``: the forbidden concepts of the exercise's
    chapter. An id that is not in the manifest forbids nothing (``nnkit verify`` reports a
    check without a manifest entry).
    """
    from nnkit.course import manifest

    try:
        return list(manifest.exercise(exercise).forbidden)
    except KeyError:
        return []


def _load_course():
    """The running course's manifest (found wherever the kernel runs), or None."""
    from nnkit.course import manifest

    try:
        return manifest.runtime_course()
    except Exception:  # noqa: BLE001 - no manifest: the summary says so
        return None


# --------------------------------------------------------------------------- formatting
def fmt(x: Any, precision: int = 6, width: int = WIDTH - LABEL) -> str:
    """Short, readable text for a value in a report (arrays truncated to corners, floats rounded)."""
    if isinstance(x, np.ndarray):
        kw = dict(threshold=20, edgeitems=2, separator=", ", max_line_width=width)
        if x.dtype.kind in "fc":
            kw.update(precision=precision, suppress_small=False)
        head = f"shape {x.shape}, corners:\n" if x.size > 20 else ""
        return head + np.array2string(x, **kw)
    if isinstance(x, (bool, np.bool_)):
        return repr(bool(x))
    if isinstance(x, numbers.Integral):
        return str(int(x))
    if isinstance(x, numbers.Real):
        return f"{float(x):.{precision}g}"
    if isinstance(x, tuple):
        inner = ", ".join(fmt(v, precision) for v in x)
        return f"({inner}{',' if len(x) == 1 else ''})"
    if isinstance(x, list):
        return "[" + ", ".join(fmt(v, precision) for v in x) + "]"
    if x is None:
        return "None"
    text = repr(x)
    return text if len(text) < 200 else text[:197] + "..."


def _wrap(label: str, text: str, indent: int | None = None) -> list[str]:
    """``label`` + ``text``; prose wrapped near :data:`WIDTH`, multi-line values indented under it."""
    pad = " " * (len(label) if indent is None else indent)
    out: list[str] = []
    for i, line in enumerate(str(text).splitlines() or [""]):
        first = label if i == 0 else pad
        if len(first) + len(line) <= WIDTH or line.lstrip().startswith("["):
            out.append(first + line)
        else:
            out.extend(textwrap.wrap(line, WIDTH, initial_indent=first, subsequent_indent=pad,
                                     break_on_hyphens=False) or [first])
    return out


def _inputs(inputs: Mapping[str, Any]) -> list[str]:
    """The ``inputs:`` lines: on one line if short, else one input per line, arrays aligned."""
    shown = {k: (v if isinstance(v, str) else fmt(v, width=WIDTH - LABEL - len(k) - 3)) for k, v in inputs.items()}
    one_line = ", ".join(f"{k} = {v}" for k, v in shown.items())
    if "\n" not in one_line and LABEL - 2 + len(one_line) <= WIDTH:
        return ["    inputs:   " + one_line]
    lines: list[str] = []
    for i, (k, v) in enumerate(shown.items()):
        label = ("    inputs:   " if i == 0 else " " * (LABEL - 2)) + f"{k} = "
        lines += _wrap(label, v)
    return lines


def _kind(x: Any) -> str:
    """Describe what came back, for 'got:' lines."""
    if x is None:
        return "None"
    if isinstance(x, np.ndarray):
        return f"numpy array of shape {x.shape}, dtype {x.dtype}"
    if isinstance(x, (tuple, list)):
        return f"{type(x).__name__} of length {len(x)}"
    return type(x).__name__


def _bad_mask(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Entries outside ``|got - expected| <= atol + rtol*|expected|`` (infinities must match)."""
    with np.errstate(invalid="ignore"):
        ok = np.where(np.isfinite(expected), np.abs(got - expected) <= atol + rtol * np.abs(expected),
                      got == expected)
    return ~ok


def _agrees(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> bool:
    return not bool(np.any(_bad_mask(got, expected, rtol, atol)))


def _first_difference(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> str | None:
    """``2 of 6 entries, first at [i, j]: expected x, got y (off by d)`` (None if they agree)."""
    bad = _bad_mask(got, expected, rtol, atol)
    if not bad.any():
        return None
    idx = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
    e, g = float(expected[idx]), float(got[idx])
    text = f"expected {fmt(e)}, got {fmt(g)}"
    if np.isfinite(e) and np.isfinite(g):
        text += f" (off by {abs(g - e):.3g}"
        if abs(g - e) <= 1e-4 * max(1.0, abs(e)):
            allowed = atol + rtol * abs(e)
            text += f"; the check allows {allowed:.1g}" if allowed > 0 else "; it must be exact"
        text += ")"
    if bad.size > 1:
        text = f"{int(bad.sum())} of {bad.size} entries, first at [{', '.join(map(str, idx))}]: " + text
    return text


def _tiny(g: np.ndarray, e: np.ndarray) -> bool:
    """A scalar answer that is close but not within tolerance (worth showing how close)."""
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.isfinite(g)) and np.all(np.abs(g - e) <= 1e-4 * np.maximum(1.0, np.abs(e))))


def _student_frames(exc: BaseException, limit: int = 3) -> str:
    """The last frames of ``exc``'s traceback outside nnkit (the student's cells), formatted briefly."""
    import os
    import traceback

    library = {os.path.dirname(os.path.dirname(os.path.abspath(__file__))), os.path.dirname(os.__file__),
               sys.prefix, sys.base_prefix, sys.exec_prefix}
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not any(os.path.abspath(f.filename).startswith(d + os.sep) for d in library)
              and "site-packages" not in f.filename and not f.filename.startswith("<nnkit")]
    lines = []
    for f in frames[-limit:]:
        src = (f.line or "").strip()
        lines.append(f"in {f.name}, line {f.lineno}: {src}" if src else f"in {f.name}, line {f.lineno}")
    return "\n".join(lines)


def _matches(got: np.ndarray, wrong: np.ndarray, rtol: float, atol: float) -> bool:
    """``got`` equals a known wrong answer (nan where it has nan counts as equal)."""
    both_nan = np.isnan(got) & np.isnan(wrong)
    return bool(np.all(both_nan | ~_bad_mask(got, wrong, rtol, atol)))


def _copy_arg(x):
    return x.copy() if isinstance(x, np.ndarray) else x


class Ladder:
    """A hint ladder for one exercise. See the module docstring for the workflow.

    Parameters
    ----------
    name : str
        The exercise id = the student's function name (``"quadratic_cost"``). The trap's
        forbidden concepts come from the manifest entry of this exercise (:func:`forbidden_for`).
    student : callable
        The student's function. Anything not callable fails at once with a hint.
    hidden : bool
        Hidden-test mode: a shorter header; use :meth:`compare_random`.
    namespace : dict or list of dicts, optional
        Extra globals to scan for aliases of the forbidden references. The student function's
        ``__globals__`` and the caller's globals (the notebook) are always scanned.
    stream : file-like, optional
        Where the ✓ lines go (default: ``sys.stdout`` at print time).
    """

    def __init__(self, name: str, student: Callable, *, hidden: bool = False,
                 namespace: Mapping | Sequence[Mapping] | None = None, stream=None):
        self.name = name
        self.student = student
        self.forbidden = forbidden_for(name)
        self.hidden = hidden
        self.stream = stream
        self.lines: list[str] = []
        self.n_passed = 0
        self._passed_steps: set[str] = set()
        self.last_warnings: list[str] = []
        spaces: list[Mapping] = []
        if namespace is not None:
            spaces.extend([namespace] if isinstance(namespace, Mapping) else list(namespace))
        student_globals = getattr(student, "__globals__", None)
        if student_globals is not None:
            spaces.append(student_globals)
        caller = caller_globals()
        if caller is not None:
            spaces.append(caller)
        self.namespaces = spaces
        self._emit(f"{'Hidden tests of' if hidden else 'Checking'} {name}:")
        if not callable(student):
            self.fail(
                "is a function",
                expected=f"the function {name} itself",
                got=_kind(student),
                hint=f"pass the function, not its result: checks.{name}({name}), without parentheses after {name}",
            )

    # ------------------------------------------------------------------ output
    def _emit(self, line: str) -> None:
        self.lines.append(line)
        print(line, file=self.stream if self.stream is not None else sys.stdout)

    def ok(self, step: str) -> None:
        """Print a passed rung: ``✓ step`` (a rung already passed with the same text is not repeated)."""
        if step in self._passed_steps:
            return
        self._passed_steps.add(step)
        self.n_passed += 1
        self._emit(f"  {PASS} {step}")

    def fail(self, step: str, *, expected: Any = _NOTHING, got: Any = _NOTHING, hint: Hint = None,
             inputs: Mapping[str, Any] | None = None, difference: str | None = None,
             cause: BaseException | None = None, tolerance: str | None = None, warned: str | None = None,
             diagnosis: str | None = None):
        """Raise :class:`CheckFailed` whose report is this failed rung (never returns).

        ``expected``/``got`` may be values (formatted with :func:`fmt`) or ready-made strings.
        ``hint`` is a string or a tuple of escalating levels (see the module docstring).
        ``difference`` is a line naming the first entry that differs. ``tolerance`` is shown
        only where a small difference matters (``close`` puts it into the difference line).
        ``diagnosis`` names a recognised mistake (default: none; :meth:`close` sets it for the
        ``mistakes`` it matches). The report is not printed: the exception shows it (once).
        """
        rec = _record(self.name)
        rec.failures += 1
        levels = _levels(hint)
        shown, held_back = _pick_level(levels, rec.failures, rec.asked)
        rec.last_step, rec.last_hint = step, levels
        if self.hidden:
            rec.hidden = False
        else:
            rec.visible = False
        report = [f"{FAIL} {self.name}: {step}"]
        if self.n_passed:
            report[0] += f"   (after {self.n_passed} passed check{'s' if self.n_passed != 1 else ''})"
        if inputs:
            report += _inputs(inputs)
        if expected is not _NOTHING:
            report += _wrap("    expected: ", expected if isinstance(expected, str) else fmt(expected))
        if got is not _NOTHING:
            report += _wrap("    got:      ", got if isinstance(got, str) else fmt(got))
        if difference:
            report += _wrap("    differs:  ", difference)
        if warned:
            report += _wrap("    numpy warned: ", warned)
        if tolerance:
            report += _wrap("    tolerance: ", tolerance)
        if shown:
            report += _wrap("    hint:     ", shown)
        if held_back:
            report += _wrap("    ", f"more help: checks.hint(\"{self.name}\")")
        raise CheckReport("\n".join(report), exercise=self.name, step=step, diagnosis=diagnosis,
                          hidden=self.hidden) from cause

    def check(self, condition: bool, step: str, **details) -> None:
        """A generic rung: ``ok(step)`` if ``condition`` else ``fail(step, **details)``."""
        if condition:
            self.ok(step)
        else:
            self.fail(step, **details)

    # ------------------------------------------------------------------ calling the student
    def call(self, *args, inputs: Mapping[str, Any] | None = None, **kwargs) -> Any:
        """Call the student's function on copies of ``args`` inside the reference trap.

        ``inputs`` (name -> value) is only used in messages; by default the positional
        arguments are shown as ``arg0, arg1, ...``. Returns whatever the function returned.
        """
        shown = dict(inputs) if inputs is not None else {f"arg{i}": v for i, v in enumerate(args)}
        shown.update(kwargs)
        copies = [_copy_arg(a) for a in args]
        kw_copies = {k: _copy_arg(v) for k, v in kwargs.items()}
        self.last_warnings = []
        error: BaseException | None = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # callables the check hands over (e.g. the `delta` of neuron_step, wrapped by
            # _trap.exempt) may use the trapped kernels; nothing the student brings may
            allow = [v for v in (*args, *kwargs.values()) if callable(v)]
            with _trap.forbid_references(self.forbidden, self.namespaces, student=self.name, allow=allow) as trap:
                try:
                    result = self.student(*copies, **kw_copies)
                except Exception as exc:  # the student's code raised: reported below, outside the trap
                    error = exc
        # Recorded, not re-emitted: they only matter if the result is wrong, and then
        # close() quotes them in the hint (e.g. "overflow encountered in exp").
        self.last_warnings = [f"{w.category.__name__}: {w.message}" for w in caught]
        if isinstance(error, ReferenceUsedError):
            self.fail("uses its own code (not the nnkit reference)", got=f"a call to {error.dotted}",
                      hint=str(error))
        if isinstance(error, NotImplementedError):
            self.fail("is implemented", got="NotImplementedError",
                      hint=f"{self.name} is not implemented yet: replace the `raise NotImplementedError()` "
                           f"line with your code and run that cell again", cause=error)
        if isinstance(error, CheckFailed):  # e.g. the student called a check inside their function
            raise error
        if error is not None:  # the student's bug: report it as a failed rung
            where = _student_frames(error)
            self.fail("runs without an error", inputs=shown, got=f"{type(error).__name__}: {error}",
                      diagnosis=f"raises {type(error).__name__}",
                      hint=("the error was raised in your code, here:\n" + where) if where
                      else "the error was raised while your function ran")
        if trap.triggered:
            self.fail("uses its own code (not the nnkit reference)", got=f"a call to {trap.triggered[0]}",
                      hint=str(ReferenceUsedError(trap.triggered[0], self.name)))
        for i, (orig, cp) in enumerate(zip(args, copies)):
            if isinstance(orig, np.ndarray) and (cp.shape != orig.shape or not np.array_equal(cp, orig, equal_nan=True)):
                name = list(shown)[i] if i < len(shown) else f"arg{i}"
                self.fail("leaves its inputs unchanged", inputs=shown, expected=f"{name} unchanged",
                          got=f"{name} was modified in place: {fmt(cp)}",
                          hint="compute a new array (e.g. `diff = a - y`) instead of `a -= y` or `a[...] = ...`")
        return result

    # ------------------------------------------------------------------ typical rungs
    def number(self, out: Any, step: str = "returns a single number", *, hint: str | None = None) -> float:
        """Rung *type*: ``out`` must be one real number (Python or numpy scalar, or a 0-d array)."""
        if isinstance(out, (bool, np.bool_)) or out is None or not (
            isinstance(out, numbers.Real) or (isinstance(out, np.ndarray) and out.ndim == 0 and out.dtype.kind in "iuf")
        ):
            if out is None:
                default = f"{self.name} returned None - did you forget `return`?"
            elif isinstance(out, np.ndarray):
                default = ("you returned an array; a cost is ONE number for the whole batch: sum over the "
                           "outputs and average over the examples (np.sum(...) / n or np.mean over rows)")
            else:
                default = "return a float (e.g. a numpy scalar from np.sum / np.mean)"
            self.fail(step, expected="a single real number", got=_kind(out), hint=hint or default)
        self.ok(step)
        return float(out)

    def array(self, out: Any, shape: tuple[int, ...], step: str | None = None, *, hint: str | None = None) -> np.ndarray:
        """Rungs *type* and *shape*: ``out`` must be a numpy array of exactly ``shape``."""
        if not isinstance(out, np.ndarray) or out.dtype.kind not in "iuf":
            default = (f"{self.name} returned None - did you forget `return`?" if out is None
                       else "return a numpy array of real numbers (arithmetic on numpy arrays gives one)")
            self.fail("returns a numpy array", expected=f"numpy array of shape {shape}", got=_kind(out),
                      hint=hint or default)
        self.ok("returns a numpy array")
        if out.shape != tuple(shape):
            self.fail(step or f"has shape {tuple(shape)}", expected=f"shape {tuple(shape)}", got=f"shape {out.shape}",
                      hint=hint or "one entry per example and output: keep the shape of the inputs "
                                   "(no sum/mean here, and no reshape)")
        self.ok(step or f"has shape {tuple(shape)}")
        return out.astype(np.float64, copy=False)

    def pair(self, out: Any, names: tuple[str, str] = ("first", "second"), step: str | None = None) -> tuple:
        """Rung *type*: ``out`` must be a tuple/list of two items (e.g. ``(w, b)``)."""
        label = f"({names[0]}, {names[1]})"
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            hint = (f"{self.name} returned None - did you forget `return {names[0]}, {names[1]}`?" if out is None
                    else f"return both values: `return {names[0]}, {names[1]}`")
            self.fail(step or f"returns a pair {label}", expected=f"a tuple {label}", got=_kind(out), hint=hint)
        self.ok(step or f"returns a pair {label}")
        return tuple(out)

    def close(self, got: Any, expected: Any, step: str, *, hint: Hint = None,
              inputs: Mapping[str, Any] | None = None, rtol: float = 1e-7, atol: float = 1e-12,
              nonfinite_hint: Hint = None, near_hint: Hint = None,
              mistakes: Sequence[tuple[Any, Hint]] = ()) -> None:
        """Rung *value*: ``got`` equals ``expected`` within ``|got-expected| <= atol + rtol*|expected|``.

        What the report says, first match wins:

        1. ``mistakes``, a list of ``(wrong_value, hint)``: the answers typical mistakes give on
           these inputs. When ``got`` matches one (same tolerance; nan matches nan), its hint is
           the diagnosis.
        2. NaN or inf where a finite number was expected: ``nonfinite_hint`` (or a default about
           overflow and ``0 * ln 0``), with the numpy warnings the call raised.
        3. ``near_hint`` when ``got`` is close (within 1e-4, relative) but not within tolerance:
           the signature of clipping or an added epsilon.
        4. ``hint``.

        Infinities in ``expected`` must be matched exactly (same sign). Arrays get the first
        entry that differs; a tiny scalar difference is quantified.
        """
        try:
            g = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            self.fail(step, inputs=inputs, expected=expected, got=_kind(got), hint="return numbers (a float or a numpy array)")
        e = np.asarray(expected, dtype=float)
        if g.shape != e.shape:
            self.fail(step, inputs=inputs, expected=f"shape {e.shape}: {fmt(e)}", got=f"shape {g.shape}: {fmt(g)}",
                      hint=hint)
        if _agrees(g, e, rtol, atol):
            self.ok(step)
            return
        for wrong, why in mistakes:
            w = np.asarray(wrong, dtype=float)
            if w.shape == g.shape and _matches(g, w, rtol, atol):
                self.fail(step, inputs=inputs, expected=expected, got=got, hint=why,
                          difference=_first_difference(g, e, rtol, atol) if e.size > 1 else None,
                          diagnosis=diagnosis_label(why))
        if (~np.isfinite(g) & np.isfinite(e)).any():
            warned = "; ".join(sorted(set(self.last_warnings)))
            default = ("got nan/inf where the answer is a finite number: look for exp() of a large number, "
                       "0 * log(0), or a division by something that is 0 here")
            self.fail(step, inputs=inputs, expected=expected, got=got, hint=nonfinite_hint or default,
                      difference=(_first_difference(g, e, rtol, atol) if e.size > 1 else None),
                      tolerance=None, warned=warned or None,
                      diagnosis=diagnosis_label(nonfinite_hint) or "nan/inf where the answer is finite")
        near = bool(near_hint and _tiny(g, e))
        self.fail(step, inputs=inputs, expected=expected, got=got, hint=near_hint if near else hint,
                  difference=_first_difference(g, e, rtol, atol) if e.size > 1 or _tiny(g, e) else None,
                  diagnosis=diagnosis_label(near_hint) if near else None)

    def gradient(self, f: Callable[[np.ndarray], float], x: np.ndarray, analytic: np.ndarray, step: str, *,
                 hint: str | None = None, tol: float = 1e-6, h: float = 1e-5,
                 inputs: Mapping[str, Any] | None = None) -> float:
        """Rung *gradient*: centred differences of scalar ``f`` at ``x`` agree with ``analytic``.

        Uses :func:`nnkit.gradcheck.numerical_gradient` and :func:`nnkit.gradcheck.rel_error`;
        passes when the relative error is below ``tol``. Returns the relative error.
        ``f`` may call the student (through :meth:`call`) or a reference.
        """
        from nnkit import gradcheck

        x = np.array(x, dtype=np.float64)
        analytic = np.asarray(analytic, dtype=np.float64)
        numeric = gradcheck.numerical_gradient(f, x, h=h)
        if analytic.shape != numeric.shape:
            self.fail(step, inputs=inputs, expected=f"gradient of shape {numeric.shape}",
                      got=f"shape {analytic.shape}", hint=hint)
        err = float(gradcheck.rel_error(analytic, numeric))
        if not err < tol:
            self.fail(step, inputs=inputs, expected=f"finite differences {fmt(numeric)}", got=analytic,
                      difference=f"relative error {err:.1e} (a right derivative stays below {tol:g})",
                      hint=hint)
        self.ok(f"{step} (relative error {err:.1e})")
        return err

    # ------------------------------------------------------------------ hidden tests
    def compare_random(self, draw: Callable[[np.random.Generator], tuple], reference: Callable[..., Any], *,
                       reference_name: str, trials: int = 20, rtol: float = 1e-7, atol: float = 1e-12,
                       rng: np.random.Generator | int | None = None, names: Sequence[str] | None = None,
                       compare: Callable[[Any, Any, tuple], str | None] | None = None, label: str = "",
                       tolerance: str | None = None) -> None:
        """Hidden tests: ``trials`` random inputs, student vs reference.

        Parameters
        ----------
        draw : callable
            ``draw(rng) -> args`` (a tuple of positional arguments for both functions).
        reference : callable
            The trusted implementation; called OUTSIDE the trap, before the student.
        reference_name : str
            Shown in the message ("agree with nnkit.costs.quadratic_cost").
        rtol, atol : float
            Stated tolerance: ``|student - reference| <= atol + rtol * |reference|`` elementwise.
        rng : Generator or int, optional
            ``None`` (grading): a fresh unseeded generator, so inputs differ on every run.
        names : sequence of str, optional
            Argument names for messages.
        compare : callable, optional
            ``compare(got, expected, args) -> None`` if they agree, else a string saying why;
            replaces the default shape + tolerance comparison (for tuples, integers, ...).
        label : str
            Extra words for the success line (e.g. "on batches of 1 to 50 examples").
        tolerance : str, optional
            Text stating the tolerance (default: the rtol/atol formula; give one with ``compare``).
        """
        if rng is None:
            rng = np.random.default_rng()
        elif not isinstance(rng, np.random.Generator):
            rng = np.random.default_rng(rng)
        tol = tolerance or f"|student - reference| <= {atol:g} + {rtol:g} * |reference|"
        for t in range(trials):
            args = tuple(draw(rng))
            shown = {(names[i] if names and i < len(names) else f"arg{i}"): v for i, v in enumerate(args)}
            expected = reference(*[_copy_arg(a) for a in args])
            got = self.call(*args, inputs=shown)
            step = f"random case {t + 1} of {trials}"
            if compare is not None:
                problem = compare(got, expected, args)
                if problem:
                    self.fail(step, inputs=shown, expected=expected, got=got, hint=problem)
                continue
            if got is None:
                self.fail(step, inputs=shown, expected=expected, got=None,
                          hint=f"{self.name} returned None - did you forget `return`?")
            try:
                g = np.asarray(got, dtype=float)
            except (TypeError, ValueError):
                self.fail(step, inputs=shown, expected=expected, got=_kind(got), hint="return numbers")
            e = np.asarray(expected, dtype=float)
            if g.shape != e.shape:
                self.fail(step, inputs=shown, expected=f"shape {e.shape}", got=f"shape {g.shape}",
                          hint="compare the shapes your function returns with its docstring")
            if not _agrees(g, e, rtol, atol):
                self.fail(step, inputs=shown, expected=expected, got=got,
                          difference=_first_difference(g, e, rtol, atol),
                          hint=f"your function disagrees with {reference_name} on these inputs")
        extra = f" {label}" if label else ""
        self.ok(f"{trials} random inputs{extra} agree with {reference_name} ({tol})")

    def passed(self, message: str | None = None) -> None:
        """Print the closing confirmation line. Returns ``None`` (so a test cell shows no value)."""
        if message is None:
            message = (f"{self.name} passed the hidden tests." if self.hidden
                       else f"{self.name} passed all {self.n_passed} checks.")
        rec = _record(self.name)
        if self.hidden:
            rec.hidden = True
        else:
            rec.visible = True
        self._emit(f"{PASS} {message}")
