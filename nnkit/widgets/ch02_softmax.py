"""The softmax explorer (chapter 02): sigmoid and softmax outputs of the same logits, and their errors.

Sliders set a handful of logits (four by default), a *shift* added to all of them, and a
temperature ``T``; a dropdown picks the true class. Both output layers see the same scaled
logits ``s = (z + shift) / T``. Three panels, one figure reused for every redraw:

* the sigmoid outputs ``sigma(s_j)`` (each on its own) with their sum and the summed binary
  cross-entropy ``-sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)]``;
* the softmax outputs with their sum (always 1) and the log-likelihood ``-ln a_y``; the
  student's ``softmax`` is drawn as hatched bars beside the reference;
* the mechanism: the output error ``delta = dC/dz`` of the log-likelihood, ``a - y``, beside
  the error of the quadratic cost on the same softmax outputs, ``J (a - y)`` with
  ``J = diag(a) - a a^T`` (nearly 0 whenever ``a`` is nearly one-hot, even on the wrong
  class); the student's ``log_likelihood_delta`` is drawn as black markers.

The student's functions are looked up by name at every redraw (:mod:`nnkit.widgets._live`),
so a ``softmax`` written after the widget was drawn appears on the next slider move.
Moving *shift* leaves the softmax unchanged and moves every sigmoid; at a shift of +-1000 an
unstable softmax shows its nan. Both costs are computed from the logits, so they stay finite
for every slider position.

Everything is a plain function, testable without a browser:

* :func:`compute` - all numbers for one setting (an :class:`ExplorerState`).
* :func:`student_softmax_outputs`, :func:`student_delta_outputs` - call the student's code
  safely: ``(values or None, status)``.
* :class:`SoftmaxFigure` - the figure; ``update(state)`` changes its artists' data only.
* :func:`readout_html` - the summary shown above the figure.
* :func:`softmax_explorer` - the ipywidgets UI wiring them together.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nnkit.activations import _sigmoid, _softmax, _softmax_jvp
from nnkit.costs import _bce_logit_terms, _log_likelihood_logit_terms, _output_error
from nnkit.widgets._live import FigureImage, lookup, observe

__all__ = ["ExplorerState", "compute", "student_softmax_outputs", "student_delta_outputs", "SoftmaxFigure",
           "readout_html", "softmax_explorer"]

DEFAULT_LOGITS = (3.2, -5.7, 0.6, 1.5)
_SIG_COLOR, _SOFT_COLOR, _QUAD_COLOR = "tab:orange", "tab:blue", "tab:red"
_PROBE_SOFTMAX = (np.array([[1.0, -2.0, 0.5]]),)
_PROBE_DELTA = (np.array([[1.0, -2.0, 0.5]]), np.array([[0.8, 0.04, 0.16]]), np.array([[1.0, 0.0, 0.0]]))


@dataclass(frozen=True)
class ExplorerState:
    """All numbers the explorer shows for one setting of the controls.

    Attributes
    ----------
    scaled : ndarray (C,)          the logits both layers see, ``(z + shift) / T``
    sigmoid : ndarray (C,)         ``sigma(scaled)``, elementwise
    softmax : ndarray (C,)         reference ``softmax(scaled)``
    sigmoid_sum, softmax_sum : float
    cross_entropy : float          summed binary cross-entropy of the sigmoid outputs (from logits)
    log_likelihood : float         ``-ln softmax(scaled)_y`` (from logits)
    true_class : int               index y of the true class
    student : ndarray (C,) or None the student's softmax of ``scaled`` (None if unavailable)
    student_status : str           "matches the reference", "not implemented yet", "raised ...", ...
    error : ndarray (C,)           log-likelihood output error ``a - y``
    quadratic_error : ndarray (C,) quadratic-cost output error ``J (a - y)`` on the same softmax
    student_delta : ndarray (C,) or None   the student's ``log_likelihood_delta``
    student_delta_status : str
    """

    scaled: np.ndarray
    sigmoid: np.ndarray
    softmax: np.ndarray
    sigmoid_sum: float
    softmax_sum: float
    cross_entropy: float
    log_likelihood: float
    true_class: int
    student: np.ndarray | None
    student_status: str
    error: np.ndarray | None = None
    quadratic_error: np.ndarray | None = None
    student_delta: np.ndarray | None = None
    student_delta_status: str = "not passed"


def _as_row(out, size: int) -> tuple[np.ndarray | None, str]:
    """A student's return value as a finite-or-not (C,) array, or the reason it is not one."""
    if out is None:
        return None, "returned None (missing return?)"
    try:
        arr = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        return None, f"returned {type(out).__name__}, not an array of numbers"
    if arr.size != size or arr.ndim > 2:
        return None, f"returned shape {arr.shape}, expected (1, {size})"
    return arr.reshape(-1), "ok"


def _compare(arr: np.ndarray, reference: np.ndarray) -> str:
    if not np.all(np.isfinite(arr)):
        return "gives nan/inf (is it stable?)"
    diff = float(np.max(np.abs(arr - reference)))
    if diff <= 1e-9:
        return "matches the reference"
    return f"differs from the reference by up to {diff:.3g}"


def _call(fn, *args):
    """Call the student's code; ``(value, None)`` or ``(None, status)``; never raises."""
    try:
        with np.errstate(all="ignore"):
            return fn(*args), None
    except NotImplementedError:
        return None, "not implemented yet"
    except Exception as exc:  # the student's code: report, never crash the widget
        return None, f"raised {type(exc).__name__}: {exc}"


def student_softmax_outputs(student_softmax: Callable | str | None, scaled: np.ndarray,
                            reference: np.ndarray) -> tuple[np.ndarray | None, str]:
    """Run the student's softmax on one row of logits; never raises.

    Parameters
    ----------
    student_softmax : callable, str or None
        ``softmax(z)`` taking a batch of shape (N, C); called with shape ``(1, C)``. A string
        is a status to report as it is (e.g. "not defined yet"); None means "not passed".
    scaled : ndarray (C,)
        The logits.
    reference : ndarray (C,)
        The reference softmax of ``scaled``, to compare with.

    Returns
    -------
    (outputs, status)
        ``outputs`` is an ndarray (C,) or None. ``status`` is ``"not passed"``, ``"not implemented
        yet"``, ``"raised <Error>: <message>"``, ``"returned ..."`` (wrong type or shape),
        ``"gives nan/inf (is it stable?)"``, ``"matches the reference"`` or ``"differs from the
        reference by up to <x>"``.
    """
    if student_softmax is None:
        return None, "not passed"
    if isinstance(student_softmax, str):
        return None, student_softmax
    out, why = _call(student_softmax, np.array(scaled, dtype=float)[None, :])
    if why:
        return None, why
    arr, why = _as_row(out, scaled.size)
    if arr is None:
        return None, why
    return arr, _compare(arr, reference)


def student_delta_outputs(student_delta: Callable | str | None, scaled: np.ndarray, a: np.ndarray,
                          y: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray | None, str]:
    """Run the student's ``log_likelihood_delta(z, a, y)`` on one example; never raises."""
    if student_delta is None:
        return None, "not passed"
    if isinstance(student_delta, str):
        return None, student_delta
    out, why = _call(student_delta, scaled[None, :].copy(), a[None, :].copy(), y[None, :].copy())
    if why:
        return None, why
    arr, why = _as_row(out, scaled.size)
    if arr is None:
        return None, why
    return arr, _compare(arr, reference)


def compute(logits: Sequence[float], temperature: float = 1.0, true_class: int = 0, shift: float = 0.0,
            student_softmax: Callable | str | None = None,
            student_delta: Callable | str | None = None) -> ExplorerState:
    """All numbers for one setting: outputs, sums, costs and errors of both layers (and the student's).

    Parameters
    ----------
    logits : sequence of C floats
    temperature : float > 0
        Both layers see ``(logits + shift) / temperature``.
    true_class : int in 0..C-1
    shift : float
        Constant added to every logit.
    student_softmax, student_delta : callable or str, optional
        The student's ``softmax`` and ``log_likelihood_delta`` (already looked up), or a status
        text saying why there is none; see :func:`student_softmax_outputs`.

    Returns
    -------
    ExplorerState
    """
    z = np.asarray(logits, dtype=float).reshape(-1)
    if z.size < 2:
        raise ValueError(f"logits: expected at least 2 values, got {z.size}")
    temperature = float(temperature)
    if not (np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature: expected a number > 0, got {temperature!r}")
    true_class = int(true_class)
    if not 0 <= true_class < z.size:
        raise ValueError(f"true_class: expected an index in 0..{z.size - 1}, got {true_class}")
    s = (z + float(shift)) / temperature
    y = np.zeros_like(s)
    y[true_class] = 1.0
    # nnkit's kernels; both costs from the logits: finite for every slider position
    with np.errstate(over="ignore"):
        sig = _sigmoid(s)
    soft = _softmax(s)
    ce = float(np.sum(_bce_logit_terms(s, y)))
    ll = float(_log_likelihood_logit_terms(s, y))
    error = _output_error(s, soft, y)                  # log-likelihood: a - y
    quad_error = _softmax_jvp(soft, _output_error(s, soft, y))  # quadratic cost: J (a - y)
    student, status = student_softmax_outputs(student_softmax, s, soft)
    sdelta, dstatus = student_delta_outputs(student_delta, s, soft, y, error)
    return ExplorerState(s, sig, soft, float(sig.sum()), float(soft.sum()), ce, ll, true_class, student, status,
                         error, quad_error, sdelta, dstatus)


class SoftmaxFigure:
    """The explorer's figure for ``classes`` classes: built once, :meth:`update` moves data only."""

    def __init__(self, classes: int = 4, figsize=(9.0, 3.4), dpi: int = 100):
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        self.classes = C = int(classes)
        self.view = FigureImage(figsize=figsize, dpi=dpi,
                                margins=dict(left=0.06, right=0.985, bottom=0.13, top=0.76, wspace=0.28))
        fig = self.view.figure
        self.ax_sig, self.ax_soft, self.ax_err = fig.subplots(1, 3)
        anim = self.view.animate
        x = np.arange(C)
        zeros = np.zeros(C)
        self.sig_bars = self.ax_sig.bar(x, zeros, width=0.75, color=_SIG_COLOR)
        self.soft_bars = self.ax_soft.bar(x - 0.2, zeros, width=0.4, color=_SOFT_COLOR)
        self.student_bars = self.ax_soft.bar(x + 0.2, zeros, width=0.4, color="white", edgecolor=_SOFT_COLOR,
                                             hatch="///", linewidth=1.0)
        self.err_bars = self.ax_err.bar(x - 0.2, zeros, width=0.4, color=_SOFT_COLOR)
        self.quad_bars = self.ax_err.bar(x + 0.2, zeros, width=0.4, color=_QUAD_COLOR)
        self.student_delta = anim(self.ax_err.plot(x - 0.2, zeros, "x", color="black", ms=8, mew=2)[0])
        for bars in (self.sig_bars, self.soft_bars, self.student_bars, self.err_bars, self.quad_bars):
            anim(*bars.patches)
        self.sig_labels = [anim(self.ax_sig.text(j, 0, "", ha="center", va="bottom", fontsize=8)) for j in x]
        self.soft_labels = [anim(self.ax_soft.text(j - 0.2, 0, "", ha="center", va="bottom", fontsize=8))
                            for j in x]
        self.ax_sig.set_title("sigmoid outputs (each on its own)", fontsize=9)
        self.ax_soft.set_title("softmax outputs (one distribution)", fontsize=9)
        self.ax_err.set_title("output error δ = ∂C/∂z", fontsize=9)

        labels = [f"class {j + 1}" for j in x]
        for ax in (self.ax_sig, self.ax_soft, self.ax_err):
            ax.set_xticks(x, labels, fontsize=8)
            ax.set_xlim(-0.6, C - 0.4)
            ax.tick_params(labelsize=8)
        for ax in (self.ax_sig, self.ax_soft):
            ax.set_ylim(0, 1.15)
            ax.axhline(1.0, color="grey", lw=0.6, ls=":")
        self.ax_sig.set_ylabel("output", fontsize=9)
        self.ax_err.set_ylim(-1.1, 1.1)
        self.ax_err.axhline(0.0, color="grey", lw=0.8)
        handles = [Patch(color=_SIG_COLOR), Patch(color=_SOFT_COLOR),
                   Patch(facecolor="white", edgecolor=_SOFT_COLOR, hatch="///"),
                   Patch(color=_QUAD_COLOR), Line2D([], [], ls="", marker="x", color="black", ms=7, mew=2),
                   Patch(facecolor="white", edgecolor="black", linewidth=2)]
        names = ["sigmoid outputs", "softmax outputs; log-likelihood error a − y", "your softmax",
                 "quadratic-cost error J(a − y)", "your log_likelihood_delta", "true class"]
        fig.legend(handles, names, loc="upper center", ncol=3, frameon=False, fontsize=8.5,
                   bbox_to_anchor=(0.5, 1.0))
        self.true_class = None

    def update(self, state: ExplorerState) -> None:
        """Put a state's numbers into the artists (no new axes, no layout)."""
        if state.scaled.size != self.classes:
            raise ValueError(f"this figure has {self.classes} classes, the state {state.scaled.size}")
        if state.true_class != self.true_class:  # tick labels name the true class (static part)
            labels = [f"class {j + 1}" + ("\n(true)" if j == state.true_class else "") for j in range(self.classes)]
            for ax in (self.ax_sig, self.ax_soft, self.ax_err):
                ax.set_xticks(range(self.classes), labels, fontsize=8)
            self.true_class = state.true_class
            self.view.invalidate()
        for bars in (self.sig_bars, self.soft_bars, self.student_bars, self.err_bars, self.quad_bars):
            for j, patch in enumerate(bars.patches):
                patch.set_linewidth(2.0 if j == state.true_class else (1.0 if bars is self.student_bars else 0.0))
                if bars is not self.student_bars:
                    patch.set_edgecolor("black")
        for j in range(self.classes):
            self.sig_bars.patches[j].set_height(state.sigmoid[j])
            self.soft_bars.patches[j].set_height(state.softmax[j])
            self.err_bars.patches[j].set_height(state.error[j])
            self.quad_bars.patches[j].set_height(state.quadratic_error[j])
            self.sig_labels[j].set(y=state.sigmoid[j] + 0.01, text=f"{state.sigmoid[j]:.3f}")
            self.soft_labels[j].set(y=state.softmax[j] + 0.01, text=f"{state.softmax[j]:.3f}")
        student = state.student
        show = student is not None and bool(np.all(np.isfinite(student)))
        for j, patch in enumerate(self.student_bars.patches):
            patch.set_visible(show)
            if show:
                patch.set_height(float(np.clip(student[j], 0, 1.12)))
        if state.student_delta is not None and np.all(np.isfinite(state.student_delta)):
            self.student_delta.set_ydata(np.clip(state.student_delta, -1.08, 1.08))
            self.student_delta.set_visible(True)
        else:
            self.student_delta.set_visible(False)

    def png(self) -> bytes:
        return self.view.png()


def _status_html(what: str, status: str, good: str) -> str:
    color = "inherit" if status == good else "#b00"
    return f"<span style='color:{color}'>{what}: <b>{status}</b></span>"


def readout_html(state: ExplorerState) -> str:
    """HTML summary: the logits both layers see (one decimal), the true class, the errors, the student's status."""
    logits = ", ".join(f"{v:.1f}" for v in state.scaled)
    y = state.true_class
    text = (f"logits seen by both layers (z + shift) / T = [{logits}] &nbsp;|&nbsp; true class <b>{y + 1}</b><br>"
            f"sigmoid: sum <b>{state.sigmoid_sum:.3f}</b>, summed cross-entropy <b>{state.cross_entropy:.3f}</b>"
            f" &nbsp;|&nbsp; softmax: sum <b>{state.softmax_sum:.3f}</b>, log-likelihood "
            f"<b>{state.log_likelihood:.3f}</b>")
    if state.error is not None:
        text += (f"<br>error of the true class: log-likelihood a − y = <b>{state.error[y]:.3f}</b>, "
                 f"quadratic cost J(a − y) = <b>{state.quadratic_error[y]:.3g}</b>; "
                 f"size of the whole error |δ|: <b>{np.linalg.norm(state.error):.3f}</b> vs "
                 f"<b>{np.linalg.norm(state.quadratic_error):.3g}</b>")
    parts = []
    if state.student_status != "not passed":
        parts.append(_status_html("your softmax", state.student_status, "matches the reference"))
    if state.student_delta_status != "not passed":
        parts.append(_status_html("your log_likelihood_delta", state.student_delta_status, "matches the reference"))
    if parts:
        text += "<br>" + " &nbsp;|&nbsp; ".join(parts)
    return text


def _live(spec, probe):
    """The student's function now (or the status text why not); None when not passed."""
    if spec is None:
        return None
    fn, status = lookup(spec, probe)
    return fn if fn is not None else status


def softmax_explorer(student_softmax: Callable | str | None = None, *, student_delta: Callable | str | None = None,
                     logits: Sequence[float] = DEFAULT_LOGITS, temperature: float = 1.0, true_class: int = 0,
                     shift: float = 0.0):
    """Interactive explorer: logit, shift and temperature sliders, a true-class dropdown, three panels.

    Parameters
    ----------
    student_softmax : str or callable, optional
        The student's ``softmax(z)`` for a batch (N, C), by name (``"softmax"``) or the function
        itself; looked up in the notebook at every redraw and drawn beside the reference.
    student_delta : str or callable, optional
        The student's ``log_likelihood_delta(z, a, y)``, drawn as markers on the error panel.
    logits : sequence of floats
        Starting logits, one slider each (range -10..10).
    temperature, true_class, shift
        Starting values of the other controls (``true_class`` counts from 0).

    Returns
    -------
    ipywidgets.VBox
        Controls, a readout (``ipywidgets.HTML``) and the figure (``ipywidgets.Image``).
        ``box.redraw()`` redraws; ``box.controls`` maps names to controls (``"z1"``..,
        ``"shift"``, ``"T"``, ``"true_class"``); ``box.state`` is the last
        :class:`ExplorerState`; ``box.last_redraw_seconds`` the kernel time of the last redraw.
    """
    import ipywidgets as widgets

    start = [float(v) for v in logits]
    style = {"description_width": "44px"}
    layout = widgets.Layout(width="280px")
    z_sliders = [widgets.FloatSlider(value=v, min=-10.0, max=10.0, step=0.1, description=f"z{j + 1}",
                                     style=style, layout=layout, readout_format=".1f")
                 for j, v in enumerate(start)]
    shift_slider = widgets.FloatSlider(value=float(shift), min=-1000.0, max=1000.0, step=10.0,
                                       description="shift", style=style, layout=layout, readout_format=".0f")
    t_slider = widgets.FloatLogSlider(value=float(temperature), base=10, min=-1.3, max=1.5, step=0.05,
                                      description="T", style=style, layout=layout, readout_format=".2g")
    class_dd = widgets.Dropdown(options=[(f"class {j + 1}", j) for j in range(len(start))], value=int(true_class),
                                description="true", style=style, layout=widgets.Layout(width="180px"))
    readout = widgets.HTML()
    figure = SoftmaxFigure(len(start))
    column = len(z_sliders) // 2 or 1
    box = widgets.VBox([
        widgets.HBox([widgets.VBox(z_sliders[:column]), widgets.VBox(z_sliders[column:]),
                      widgets.VBox([shift_slider, t_slider, class_dd])]),
        readout,
        figure.view.image,
    ])

    def redraw():
        t0 = time.perf_counter()
        state = compute([s.value for s in z_sliders], t_slider.value, class_dd.value, shift_slider.value,
                        _live(student_softmax, _PROBE_SOFTMAX), _live(student_delta, _PROBE_DELTA))
        figure.update(state)
        figure.view.push()
        readout.value = readout_html(state)
        box.state = state
        box.last_redraw_seconds = time.perf_counter() - t0

    observe((*z_sliders, shift_slider, t_slider, class_dd), redraw)
    box.redraw = redraw
    box.controls = {**{f"z{j + 1}": s for j, s in enumerate(z_sliders)}, "shift": shift_slider, "T": t_slider,
                    "true_class": class_dd}
    box.figure = figure
    box.image = figure.view.image
    box.readout = readout
    redraw()
    return box
