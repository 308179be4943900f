"""The softmax explorer (chapter 02): sigmoid and softmax outputs of the same logits, side by side.

Sliders set a handful of logits (four by default), a *shift* added to all of them, and a
temperature ``T``; a dropdown picks the true class. Both output layers see the same scaled
logits ``s = (z + shift) / T``:

* left: the sigmoid outputs ``sigma(s_j)`` (each on its own), their sum, and the summed binary
  cross-entropy ``-sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)]`` for the true class;
* right: the softmax outputs, their sum (always 1), and the log-likelihood ``-ln a_y``. When the
  student's ``softmax`` is passed in, its outputs are drawn as hatched bars beside the
  reference, or the panel says "not implemented yet" / what went wrong.

Moving *shift* leaves the softmax unchanged and moves every sigmoid; at a shift of +-1000 an
unstable softmax shows its nan. Both costs are computed from the logits (log-sum-exp /
``ln(1 + e^{-|s|})`` forms), so they stay finite for every slider position.

Everything is a plain function, testable without a browser:

* :func:`compute` - all numbers for one setting (an :class:`ExplorerState`).
* :func:`student_softmax_outputs` - call the student's softmax safely: ``(outputs or None, status)``.
* :func:`draw` - a matplotlib ``Figure`` of a state (not attached to pyplot).
* :func:`render_png` - the figure as PNG bytes, what the widget puts in its ``Output``.
* :func:`readout_html` - the one-line summary shown above the figure.
* :func:`softmax_explorer` - the ipywidgets UI wiring them together.
"""

from __future__ import annotations

import base64
import io
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from nnkit.activations import log_softmax, sigmoid, softmax

__all__ = ["ExplorerState", "compute", "student_softmax_outputs", "draw", "render_png", "readout_html",
           "softmax_explorer"]

DEFAULT_LOGITS = (3.2, -5.7, 0.6, 1.5)
_SIG_COLOR, _SOFT_COLOR = "tab:orange", "tab:blue"


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


def student_softmax_outputs(student_softmax: Callable | None, scaled: np.ndarray,
                            reference: np.ndarray) -> tuple[np.ndarray | None, str]:
    """Run the student's softmax on one row of logits; never raises.

    Parameters
    ----------
    student_softmax : callable or None
        ``softmax(z)`` taking a batch of shape (N, C); called with shape ``(1, C)``.
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
    try:
        with np.errstate(all="ignore"):
            out = student_softmax(np.array(scaled, dtype=float)[None, :])
    except NotImplementedError:
        return None, "not implemented yet"
    except Exception as exc:  # the student's code: report, never crash the widget
        return None, f"raised {type(exc).__name__}: {exc}"
    if out is None:
        return None, "returned None (missing return?)"
    try:
        arr = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        return None, f"returned {type(out).__name__}, not an array of numbers"
    if arr.size != scaled.size or arr.ndim > 2:
        return None, f"returned shape {arr.shape}, expected (1, {scaled.size})"
    arr = arr.reshape(-1)
    if not np.all(np.isfinite(arr)):
        return arr, "gives nan/inf (is it stable?)"
    diff = float(np.max(np.abs(arr - reference)))
    if diff <= 1e-9:
        return arr, "matches the reference"
    return arr, f"differs from the reference by up to {diff:.3g}"


def compute(logits: Sequence[float], temperature: float = 1.0, true_class: int = 0, shift: float = 0.0,
            student_softmax: Callable | None = None) -> ExplorerState:
    """All numbers for one setting: outputs, sums and costs of both layers (and the student's).

    Parameters
    ----------
    logits : sequence of C floats
    temperature : float > 0
        Both layers see ``(logits + shift) / temperature``.
    true_class : int in 0..C-1
    shift : float
        Constant added to every logit.
    student_softmax : callable, optional
        The student's ``softmax``; see :func:`student_softmax_outputs`.

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
    sig = sigmoid(s)
    soft = softmax(s)
    # costs from the logits: finite for every slider position
    ce = float(np.sum(np.maximum(s, 0.0) - y * s + np.log1p(np.exp(-np.abs(s)))))
    ll = float(-log_softmax(s)[true_class])
    student, status = student_softmax_outputs(student_softmax, s, soft)
    return ExplorerState(s, sig, soft, float(sig.sum()), float(soft.sum()), ce, ll, true_class, student, status)


def _bars(ax, values, color, true_class, offset=0.0, width=0.8, **kw):
    C = len(values)
    x = np.arange(C) + offset
    bars = ax.bar(x, values, width=width, color=color, **kw)
    bars[true_class].set_edgecolor("black")
    bars[true_class].set_linewidth(2.0)
    return bars


def draw(state: ExplorerState, figsize=(8.6, 3.3)):
    """Figure of a state: sigmoid outputs (left) and softmax outputs (right, with the student's).

    The true class has a black outline; each bar is labelled with its value. Titles carry the
    sum of the outputs and the cost. Returns a ``matplotlib.figure.Figure`` (not attached to pyplot).
    """
    from matplotlib.figure import Figure

    C = state.scaled.size
    labels = [f"class {j + 1}" for j in range(C)]
    fig = Figure(figsize=figsize)  # fixed margins: a layout engine would double the redraw time
    ax_sig, ax_soft = fig.subplots(1, 2, sharey=True)
    fig.subplots_adjust(left=0.07, right=0.99, top=0.84, bottom=0.17, wspace=0.06)

    bars = _bars(ax_sig, state.sigmoid, _SIG_COLOR, state.true_class)
    ax_sig.bar_label(bars, fmt="%.3f", fontsize=8)
    ax_sig.set_title(f"sigmoid: sum = {state.sigmoid_sum:.3f}\nsummed cross-entropy = {state.cross_entropy:.3f}",
                     fontsize=10)

    show_student = state.student is not None and np.all(np.isfinite(state.student))
    width = 0.4 if show_student else 0.8
    bars = _bars(ax_soft, state.softmax, _SOFT_COLOR, state.true_class, offset=-0.2 if show_student else 0.0,
                 width=width, label="reference")
    ax_soft.bar_label(bars, fmt="%.3f", fontsize=8)
    if show_student:
        sb = _bars(ax_soft, np.clip(state.student, 0, 1.05), "white", state.true_class, offset=0.2, width=width,
                   hatch="//", edgecolor=_SOFT_COLOR, label="your softmax")
        sb[state.true_class].set_edgecolor("black")
        ax_soft.legend(loc="upper right", fontsize=8)
    ax_soft.set_title(f"softmax: sum = {state.softmax_sum:.3f}\nlog-likelihood = {state.log_likelihood:.3f}",
                      fontsize=10)
    if state.student_status != "not passed":
        ok = state.student_status == "matches the reference"
        ax_soft.text(0.5, -0.2, f"your softmax: {state.student_status}", transform=ax_soft.transAxes,
                     ha="center", va="top", fontsize=8, color="black" if ok else "tab:red")

    for ax in (ax_sig, ax_soft):
        ax.set_xticks(range(C), labels, fontsize=8)
        ax.set_ylim(0, 1.15)
        ax.axhline(1.0, color="grey", lw=0.6, ls=":")
    ax_sig.set_ylabel("output")
    return fig


def render_png(fig, dpi: int = 72) -> bytes:
    """PNG bytes of a matplotlib figure (Agg; no display or pyplot needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def readout_html(state: ExplorerState) -> str:
    """One-line HTML summary: the scaled logits, both sums and both costs, the student's status."""
    logits = ", ".join(f"{v:.3g}" for v in state.scaled)
    text = (f"logits seen by both layers (z + shift) / T = [{logits}] &nbsp;|&nbsp; true class "
            f"<b>{state.true_class + 1}</b> &nbsp;|&nbsp; sigmoid sum <b>{state.sigmoid_sum:.3f}</b>, summed "
            f"cross-entropy <b>{state.cross_entropy:.3f}</b> &nbsp;|&nbsp; softmax sum <b>{state.softmax_sum:.3f}</b>, "
            f"log-likelihood <b>{state.log_likelihood:.3f}</b>")
    if state.student_status != "not passed":
        text += f"<br>your softmax: <b>{state.student_status}</b>"
    return text


def softmax_explorer(student_softmax: Callable | None = None, *, logits: Sequence[float] = DEFAULT_LOGITS,
                     temperature: float = 1.0, true_class: int = 0, shift: float = 0.0):
    """Interactive explorer: logit, shift and temperature sliders, a true-class dropdown, two bar charts.

    Parameters
    ----------
    student_softmax : callable, optional
        The student's ``softmax(z)`` for a batch (N, C); drawn beside the reference, or
        "not implemented yet".
    logits : sequence of floats
        Starting logits, one slider each (range -10..10).
    temperature, true_class, shift
        Starting values of the other controls (``true_class`` counts from 0).

    Returns
    -------
    ipywidgets.VBox
        Controls, a readout (``ipywidgets.HTML``) and an ``ipywidgets.Output`` holding the figure
        as an inline PNG. ``box.redraw()`` redraws; ``box.controls`` maps names to controls
        (``"z1"``.., ``"shift"``, ``"T"``, ``"true_class"``); ``box.state`` is the last
        :class:`ExplorerState`; ``box.last_redraw_seconds`` the last redraw time.
    """
    import ipywidgets as widgets

    start = [float(v) for v in logits]
    style = {"description_width": "60px"}
    z_sliders = [widgets.FloatSlider(value=v, min=-10.0, max=10.0, step=0.1, description=f"z{j + 1}",
                                     style=style, continuous_update=False) for j, v in enumerate(start)]
    shift_slider = widgets.FloatSlider(value=float(shift), min=-1000.0, max=1000.0, step=10.0,
                                       description="shift", style=style, continuous_update=False)
    t_slider = widgets.FloatLogSlider(value=float(temperature), base=10, min=-1.3, max=1.5, step=0.05,
                                      description="T", style=style, continuous_update=False, readout_format=".3g")
    class_dd = widgets.Dropdown(options=[(f"class {j + 1}", j) for j in range(len(start))], value=int(true_class),
                                description="true", style=style)
    readout = widgets.HTML()
    out = widgets.Output(layout=widgets.Layout(min_height="250px"))
    column = len(z_sliders) // 2 or 1
    box = widgets.VBox([
        widgets.HBox([widgets.VBox(z_sliders[:column]), widgets.VBox(z_sliders[column:]),
                      widgets.VBox([shift_slider, t_slider, class_dd])]),
        readout,
        out,
    ])

    def redraw(change=None):
        t0 = time.perf_counter()
        state = compute([s.value for s in z_sliders], t_slider.value, class_dd.value, shift_slider.value,
                        student_softmax)
        png = render_png(draw(state))
        readout.value = readout_html(state)
        # Replace the Output's content in one assignment (no flicker; works with or without a kernel).
        out.outputs = ({"output_type": "display_data", "metadata": {},
                        "data": {"image/png": base64.b64encode(png).decode("ascii"),
                                 "text/plain": "<softmax explorer figure>"}},)
        box.state = state
        box.last_redraw_seconds = time.perf_counter() - t0

    for control in (*z_sliders, shift_slider, t_slider, class_dd):
        control.observe(redraw, names="value")
    box.redraw = redraw
    box.controls = {**{f"z{j + 1}": s for j, s in enumerate(z_sliders)}, "shift": shift_slider, "T": t_slider,
                    "true_class": class_dd}
    box.output = out
    box.readout = readout
    redraw()
    return box
