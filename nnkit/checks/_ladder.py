"""Hint ladders: step-by-step feedback on a student's function.

A *ladder* runs the student's function on inputs of growing difficulty and stops at the first
rung that fails. The usual rungs, in order:

1. **type**      - does it return the right kind of thing (a number, an array, a pair)?
2. **shape**     - is the array the shape the docstring promises?
3. **tiny case** - a hand-checkable example; the message shows the inputs and the answer.
4. **edge cases** - ``a`` exactly 0 or 1, ``|z|`` up to 1000, a batch of one example, ...
5. **gradient**  - centred finite differences (:mod:`nnkit.gradcheck`) agree with a derivative.

Each rung prints one line, ``✓ <step>`` or ``✗ <step>``; a failing rung adds what was
expected, what came back, the inputs and a hint, then raises :class:`CheckFailed` (an
``AssertionError``) whose message is the whole transcript, so an nbgrader test cell fails and
the student reads the same text in the traceback. When every rung passes the ladder prints a
one-line confirmation.

Every call of the student's function goes through :meth:`Ladder.call`, which

* runs it inside :func:`~nnkit.checks._trap.forbid_references` (calling a forbidden nnkit
  reference fails the check, even if the student's code catches the exception),
* passes *copies* of array arguments and fails if the function modified them in place,
* turns ``NotImplementedError`` into "``name`` is not implemented yet", and any other
  exception into a failed rung that names the exception and the inputs.

``hidden=True`` mode (hidden tests): :meth:`Ladder.compare_random` draws inputs at grading
time from an *unseeded* ``numpy.random.Generator`` (pass ``rng`` only in tests) and compares
the student's output with the nnkit reference within a stated tolerance.

Writing a check for a new exercise
----------------------------------
Put it in a chapter module of this package (``nnkit/checks/<topic>.py``) and list the check
functions in that module's ``__all__``; ``nnkit.checks`` re-exports them automatically. A
check takes the student's function and ``hidden``/``rng`` keywords::

    import numpy as np
    from nnkit.checks._ladder import Ladder
    from nnkit import costs as _ref            # the reference, used OUTSIDE the trap only

    FORBIDDEN = ["nnkit.costs.quadratic_cost", "nnkit.costs.QuadraticCost"]

    def quadratic_cost(student, *, hidden=False, rng=None):
        lad = Ladder("quadratic_cost", student, forbidden=FORBIDDEN, hidden=hidden)
        if hidden:
            lad.compare_random(
                lambda g: (g.random((5, 3)), g.random((5, 3))),     # draw(rng) -> args
                _ref.quadratic_cost, reference_name="nnkit.costs.quadratic_cost",
                rtol=1e-7, atol=1e-12)
            return lad.passed()
        a, y = np.array([[0.8]]), np.array([[0.0]])
        out = lad.call(a, y)
        c = lad.number(out)                                   # rung: type
        lad.close(c, 0.32, "tiny case: one example, one output", inputs={"a": a, "y": y},
                  hint="C = (1/2n) sum_x ||a - y||^2: 0.5 * 0.8**2 = 0.32")
        ...
        lad.passed()

Public API: :class:`Ladder` (``call``, ``ok``, ``fail``, ``check``, ``number``, ``array``,
``pair``, ``close``, ``gradient``, ``compare_random``, ``passed``), :class:`CheckFailed`,
:func:`fmt`.
"""

from __future__ import annotations

import numbers
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ._trap import CheckFailed, ReferenceUsedError, caller_globals, forbid_references

__all__ = ["Ladder", "CheckFailed", "fmt"]

PASS = "✓"
FAIL = "✗"
_NOTHING = object()


def fmt(x: Any, precision: int = 6) -> str:
    """Short, readable text for a value in a feedback message (arrays truncated, floats rounded)."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "fc":
            return np.array2string(x, precision=precision, threshold=24, edgeitems=3, separator=", ",
                                   suppress_small=False, max_line_width=100)
        return np.array2string(x, threshold=24, edgeitems=3, separator=", ", max_line_width=100)
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


def _kind(x: Any) -> str:
    """Describe what came back, for 'got:' lines."""
    if x is None:
        return "None"
    if isinstance(x, np.ndarray):
        return f"numpy array of shape {x.shape}, dtype {x.dtype}"
    if isinstance(x, (tuple, list)):
        return f"{type(x).__name__} of length {len(x)}"
    return type(x).__name__


def _agrees(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> bool:
    """Elementwise ``|got - expected| <= atol + rtol*|expected|``; infinities must match exactly."""
    with np.errstate(invalid="ignore"):
        ok = np.where(np.isfinite(expected), np.abs(got - expected) <= atol + rtol * np.abs(expected), got == expected)
    return bool(np.all(ok))


def _copy_arg(x):
    return x.copy() if isinstance(x, np.ndarray) else x


class Ladder:
    """A hint ladder for one student function. See the module docstring for the workflow.

    Parameters
    ----------
    name : str
        The exercise's function name as the student knows it (``"quadratic_cost"``).
    student : callable
        The student's function. Anything not callable fails at once with a hint.
    forbidden : iterable of str
        Dotted nnkit names trapped during every call (see :func:`forbid_references`).
    namespace : dict or list of dicts, optional
        Extra globals to scan for aliases of the forbidden references. The student function's
        ``__globals__`` and the caller's globals (the notebook) are always scanned.
    hidden : bool
        Hidden-test mode: a shorter header; use :meth:`compare_random`.
    stream : file-like, optional
        Where to print (default: ``sys.stdout`` at print time).
    """

    def __init__(self, name: str, student: Callable, *, forbidden: Iterable[str] = (),
                 namespace: Mapping | Sequence[Mapping] | None = None, hidden: bool = False,
                 stream=None):
        self.name = name
        self.student = student
        self.forbidden = list(forbidden)
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
        self._emit(f"{'Hidden tests' if hidden else 'Checking'} {name}:")
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

    def fail(self, step: str, *, expected: Any = _NOTHING, got: Any = _NOTHING, hint: str | None = None,
             inputs: Mapping[str, Any] | None = None, tolerance: str | None = None,
             cause: BaseException | None = None):
        """Print a failed rung with its details and raise :class:`CheckFailed` (never returns).

        ``expected``/``got`` may be values (formatted with :func:`fmt`) or ready-made strings.
        """
        self._emit(f"  {FAIL} {step}")
        if inputs:
            self._emit("      inputs:   " + ", ".join(f"{k} = {fmt(v)}" for k, v in inputs.items()))
        if expected is not _NOTHING:
            self._emit("      expected: " + (expected if isinstance(expected, str) else fmt(expected)))
        if got is not _NOTHING:
            self._emit("      got:      " + (got if isinstance(got, str) else fmt(got)))
        if tolerance:
            self._emit("      tolerance: " + tolerance)
        if hint:
            self._emit("      hint:     " + hint)
        raise CheckFailed("\n".join(self.lines)) from cause

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
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                with forbid_references(self.forbidden, self.namespaces, student=self.name) as trap:
                    result = self.student(*copies, **kw_copies)
            # Recorded, not re-emitted: they only matter if the result is wrong, and then
            # close() quotes them in the hint (e.g. "overflow encountered in exp").
            self.last_warnings = [f"{w.category.__name__}: {w.message}" for w in caught]
        except ReferenceUsedError as exc:
            self.fail("uses its own code (not the nnkit reference)", got=f"a call to {exc.dotted}",
                      hint=str(exc), cause=None)
        except NotImplementedError as exc:
            self.fail("is implemented", got="NotImplementedError",
                      hint=f"{self.name} is not implemented yet: replace the `raise NotImplementedError()` "
                           f"line with your code and run that cell again", cause=exc)
        except CheckFailed:
            raise
        except Exception as exc:  # the student's bug: report it as a failed rung
            self.fail("runs without an error", inputs=shown, got=f"{type(exc).__name__}: {exc}",
                      hint="read the error above the arrow in the traceback (the last frames are your code)",
                      cause=exc)
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

    def close(self, got: Any, expected: Any, step: str, *, hint: str | None = None,
              inputs: Mapping[str, Any] | None = None, rtol: float = 1e-7, atol: float = 1e-12,
              nonfinite_hint: str | None = None,
              mistakes: Sequence[tuple[Any, str]] = ()) -> None:
        """Rung *value*: ``got`` equals ``expected`` within ``|got-expected| <= atol + rtol*|expected|``.

        NaN or inf where a finite number was expected gets its own message (``nonfinite_hint``,
        or a default about overflow and ``0 * ln 0``), listing numpy warnings the call raised.
        Infinities in ``expected`` must be matched exactly (same sign).

        ``mistakes`` is a list of ``(wrong_value, hint)`` pairs: the answers that typical
        mistakes produce on these inputs. When ``got`` matches one of them (same tolerance),
        its hint is shown instead of the generic ``hint`` - a diagnosis, not just "wrong".
        """
        try:
            g = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            self.fail(step, inputs=inputs, expected=expected, got=_kind(got), hint="return numbers (a float or a numpy array)")
        e = np.asarray(expected, dtype=float)
        tol = f"|got - expected| <= {atol:g} + {rtol:g} * |expected|"
        if g.shape != e.shape:
            self.fail(step, inputs=inputs, expected=f"shape {e.shape}: {fmt(e)}", got=f"shape {g.shape}: {fmt(g)}",
                      hint=hint)
        bad_nonfinite = ~np.isfinite(g) & np.isfinite(e)
        if bad_nonfinite.any():
            warned = f" (numpy warned: {'; '.join(sorted(set(self.last_warnings)))})" if self.last_warnings else ""
            default = ("got nan/inf where the answer is a finite number" + warned + ": look for exp() of a "
                       "large number, 0 * log(0), or division by sigma(z)(1 - sigma(z)) when it is 0")
            self.fail(step, inputs=inputs, expected=expected,
                      got=got, hint=(nonfinite_hint + warned) if nonfinite_hint else default)
        if not _agrees(g, e, rtol, atol):
            for wrong, why in mistakes:
                w = np.asarray(wrong, dtype=float)
                if w.shape == g.shape and _agrees(g, w, rtol, atol):
                    hint = why
                    break
            self.fail(step, inputs=inputs, expected=expected, got=got, tolerance=tol, hint=hint)
        self.ok(step)

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
                      tolerance=f"relative error {err:.2e} should be < {tol:g}", hint=hint)
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
                self.fail(step, inputs=shown, expected=expected, got=got, tolerance=tol,
                          hint=f"your function disagrees with {reference_name} on these inputs")
        extra = f" {label}" if label else ""
        self.ok(f"{trials} random inputs{extra} agree with {reference_name} ({tol})")

    def passed(self, message: str | None = None) -> None:
        """Print the closing confirmation line. Returns ``None`` (so a test cell shows no value)."""
        if message is None:
            message = (f"{self.name} passed the hidden tests." if self.hidden
                       else f"{self.name} passed all {self.n_passed} checks.")
        text = message
        self._emit(f"{PASS} {text}")
