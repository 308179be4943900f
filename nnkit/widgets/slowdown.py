"""The learning-slowdown explorer (chapter 01): one sigmoid neuron learning to map 1 -> 0.

The neuron computes ``a = sigma(w x + b)`` with input ``x = 1`` and target ``y = 0`` and
takes plain gradient-descent steps. Sliders set the starting ``w`` and ``b`` and the learning
rate ``eta``; a toggle picks the cost. Two panels show the output ``a`` and the cost against
the epoch; the other cost is drawn faintly for comparison. When the student's own cost and
delta functions are passed in, their curve is drawn as a dashed line on top of the reference
(or the panel says "not implemented yet").

Everything the widget does is a plain function, testable without a browser:

* :func:`simulate` - the reference trajectory, vectorised over any number of starting points
  (arrays ``w0``, ``b0``): one numpy update per epoch for all neurons at once.
* :func:`simulate_student` - the same loop driven by the student's ``delta`` and ``cost``;
  returns ``(trajectory or None, status text)`` and never raises.
* :func:`draw` - a matplotlib ``Figure`` of one setting (reference, other cost, student).
* :func:`render_png` - the figure as PNG bytes (what the widget puts in its ``Output``).
* :func:`slowdown_explorer` - the ipywidgets UI wiring the above together.
"""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from nnkit.activations import sigmoid, sigmoid_prime

__all__ = ["Trajectory", "simulate", "simulate_student", "draw", "render_png", "slowdown_explorer", "COST_LABELS"]

COST_LABELS = {"quadratic": "quadratic", "cross_entropy": "cross-entropy"}
_COLORS = {"quadratic": "tab:red", "cross_entropy": "tab:blue"}


@dataclass(frozen=True)
class Trajectory:
    """A training run of the single neuron (x = 1, y = 0), epoch 0 (start) to ``epochs``.

    Attributes (arrays of shape ``(epochs + 1,)`` for one neuron, ``(epochs + 1, K)`` for K)
    ----------
    epoch : ndarray (epochs + 1,)
    w, b : ndarray    weight and bias before the step of that epoch
    output : ndarray  a = sigma(w + b)
    cost : ndarray    cost of the single example: 1/2 a^2 (quadratic) or -ln(1 - a) (cross-entropy)
    """

    epoch: np.ndarray
    w: np.ndarray
    b: np.ndarray
    output: np.ndarray
    cost: np.ndarray


def _cost_values(z: np.ndarray, y: float, cost: str) -> np.ndarray:
    """Per-example cost from the pre-activation (stable for any finite z)."""
    if cost == "quadratic":
        return 0.5 * (sigmoid(z) - y) ** 2
    # binary cross-entropy from logits: max(z, 0) - y z + ln(1 + e^{-|z|})
    return np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))


def _check_cost(cost: str) -> str:
    if cost not in COST_LABELS:
        raise ValueError(f"cost: expected one of {sorted(COST_LABELS)}, got {cost!r}")
    return cost


def simulate(w0, b0, eta: float, cost: str = "quadratic", epochs: int = 300, x: float = 1.0,
             y: float = 0.0) -> Trajectory:
    """Reference gradient descent of the neuron ``a = sigma(w x + b)`` on one example.

    Parameters
    ----------
    w0, b0 : float or array_like of the same shape (K,)
        Starting weight(s) and bias(es); arrays simulate K independent neurons at once.
    eta : float > 0
        Learning rate.
    cost : {"quadratic", "cross_entropy"}
        delta = (a - y) sigma'(z) for quadratic, a - y for cross-entropy (true gradients).
    epochs : int >= 0
        Number of steps; the trajectory has ``epochs + 1`` rows (row 0 is the start).
    x, y : float
        The training input and target (the chapter uses 1 -> 0).

    Returns
    -------
    Trajectory
        Arrays of shape ``(epochs + 1,)`` for scalar ``w0``, ``(epochs + 1, K)`` for arrays.
    """
    cost = _check_cost(cost)
    w0, b0 = np.broadcast_arrays(np.asarray(w0, dtype=float), np.asarray(b0, dtype=float))
    epochs = int(epochs)
    if epochs < 0:
        raise ValueError(f"epochs: expected an integer >= 0, got {epochs}")
    ws = np.empty((epochs + 1,) + w0.shape)
    bs = np.empty_like(ws)
    w, b = w0.copy(), b0.copy()
    quadratic = cost == "quadratic"
    for k in range(epochs + 1):
        ws[k], bs[k] = w, b
        z = w * x + b
        a = sigmoid(z)
        d = (a - y) * sigmoid_prime(z) if quadratic else a - y
        w = w - eta * d * x
        b = b - eta * d
    z_all = ws * x + bs
    return Trajectory(np.arange(epochs + 1), ws, bs, sigmoid(z_all), _cost_values(z_all, y, cost))


def _student_error(name: str, exc: BaseException) -> str:
    if isinstance(exc, NotImplementedError):
        return f"{name}: not implemented yet"
    return f"{name} raised {type(exc).__name__}: {exc}"


def simulate_student(functions, w0: float, b0: float, eta: float, epochs: int = 300, x: float = 1.0,
                     y: float = 0.0) -> tuple[Trajectory | None, str]:
    """Train the neuron with the student's ``(cost_fn, delta_fn)``; never raises.

    ``delta_fn(z, a, y)`` and ``cost_fn(a, y)`` are called with ``(1, 1)`` arrays (one example,
    one output), as in the exercises. Returns ``(trajectory, "ok")`` or ``(None, why)`` where
    ``why`` says "not implemented yet" or which error the student's code raised.
    """
    if functions is None:
        return None, "not implemented yet"
    try:
        cost_fn, delta_fn = functions
    except (TypeError, ValueError):
        return None, "expected a pair (cost_function, delta_function)"
    w, b = float(w0), float(b0)
    ws, bs, outs, costs = [], [], [], []
    yy = np.array([[y]])
    name = getattr(delta_fn, "__name__", "delta")
    try:
        with np.errstate(all="ignore"):
            for k in range(int(epochs) + 1):
                z = np.array([[w * x + b]])
                a = sigmoid(z)
                ws.append(w)
                bs.append(b)
                outs.append(float(a[0, 0]))
                if k < epochs:
                    name = getattr(delta_fn, "__name__", "delta")
                    d = float(np.asarray(delta_fn(z, a, yy), dtype=float).reshape(-1)[0])
                    w, b = w - eta * d * x, b - eta * d
            name = getattr(cost_fn, "__name__", "cost")
            costs = [float(cost_fn(np.array([[o]]), yy)) for o in outs]
    except Exception as exc:  # the student's code: report, don't crash the widget
        return None, _student_error(name, exc)
    traj = Trajectory(np.arange(len(outs)), np.array(ws), np.array(bs), np.array(outs), np.array(costs))
    if not (np.all(np.isfinite(traj.output)) and np.all(np.isfinite(traj.cost))):
        return traj, "gives nan/inf somewhere"
    return traj, "ok"


def draw(w0: float = 2.0, b0: float = 2.0, eta: float = 0.15, cost: str = "quadratic", epochs: int = 300,
         student: Mapping[str, tuple[Callable, Callable]] | None = None, figsize=(9.0, 3.4)):
    """Figure with output and cost against epoch for one setting.

    Draws the reference for ``cost`` (solid), the other cost (faint, for comparison) and, if
    ``student`` has an entry for ``cost``, the student's run (dashed) or a "not implemented
    yet" note. Returns a ``matplotlib.figure.Figure`` (not attached to pyplot).
    """
    from matplotlib.figure import Figure

    cost = _check_cost(cost)
    other = "cross_entropy" if cost == "quadratic" else "quadratic"
    # Both costs in one vectorised call each (each call steps 1 neuron through all epochs).
    ref = simulate(w0, b0, eta, cost, epochs)
    ref_other = simulate(w0, b0, eta, other, epochs)

    fig = Figure(figsize=figsize)
    fig.subplots_adjust(left=0.075, right=0.985, bottom=0.14, top=0.8, wspace=0.22)
    ax_out, ax_cost = fig.subplots(1, 2)
    # The other cost only in the output panel: costs of different functions are not comparable.
    ax_out.plot(ref_other.epoch, ref_other.output, color=_COLORS[other], alpha=0.35, lw=1.5,
                label=f"{COST_LABELS[other]} (reference)")
    label = f"{COST_LABELS[cost]} (reference)"
    ax_out.plot(ref.epoch, ref.output, color=_COLORS[cost], lw=2.2, label=label)
    ax_cost.plot(ref.epoch, ref.cost, color=_COLORS[cost], lw=2.2, label=label)

    note = ""
    if student is not None:
        traj, status = simulate_student(student.get(cost), w0, b0, eta, epochs)
        if traj is not None:
            ax_out.plot(traj.epoch, traj.output, color="black", ls="--", lw=1.3, label="your functions")
            ax_cost.plot(traj.epoch, traj.cost, color="black", ls="--", lw=1.3, label="your functions")
            if status == "ok":
                diff = max(float(np.max(np.abs(traj.output - ref.output))), float(np.max(np.abs(traj.cost - ref.cost))))
                status = "match the reference" if diff < 1e-6 else f"differ from the reference (by up to {diff:.3g})"
        note = f"your {COST_LABELS[cost]} functions: {status}"

    ax_out.set(xlabel="epoch", ylabel="output a", ylim=(-0.02, 1.02),
               title=f"start w = {w0:.2f}, b = {b0:.2f}, output {ref.output[0]:.2f}")
    ax_out.axhline(0.0, color="grey", lw=0.8, ls=":")
    ax_cost.set(xlabel="epoch", ylabel=f"{COST_LABELS[cost]} cost", ylim=(0, None),
                title=f"eta = {eta:.3g}: after {epochs} epochs a = {ref.output[-1]:.3f}")
    ax_out.legend(loc="best", fontsize=8)
    if note:
        fig.suptitle(note, fontsize=9, color="black" if "match" in note else "tab:red")
    return fig


def render_png(fig, dpi: int = 80) -> bytes:
    """PNG bytes of a matplotlib figure (Agg; works without a display or pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def slowdown_explorer(student: Mapping[str, tuple[Callable, Callable]] | None = None, *, w: float = 2.0,
                      b: float = 2.0, eta: float = 0.15, cost: str = "quadratic", epochs: int = 300):
    """Interactive explorer: sliders for the starting w, b and eta, a cost toggle, two plots.

    Parameters
    ----------
    student : dict, optional
        ``{"quadratic": (quadratic_cost, quadratic_delta), "cross_entropy": (cross_entropy_cost,
        cross_entropy_delta)}``: the student's functions, drawn dashed beside the reference.
    w, b, eta, cost, epochs
        Starting values of the controls.

    Returns
    -------
    ipywidgets.VBox
        Controls on top, an ``ipywidgets.Output`` holding the figure as an inline PNG below.
        ``box.redraw()`` redraws; ``box.last_redraw_seconds`` holds the last redraw time.
    """
    import ipywidgets as widgets

    style = {"description_width": "70px"}
    w_slider = widgets.FloatSlider(value=w, min=-4.0, max=4.0, step=0.1, description="start w", style=style,
                                   continuous_update=False)
    b_slider = widgets.FloatSlider(value=b, min=-4.0, max=4.0, step=0.1, description="start b", style=style,
                                   continuous_update=False)
    eta_slider = widgets.FloatSlider(value=eta, min=0.01, max=2.0, step=0.01, description="eta", style=style,
                                     continuous_update=False)
    cost_toggle = widgets.ToggleButtons(options=[("quadratic", "quadratic"), ("cross-entropy", "cross_entropy")],
                                        value=_check_cost(cost), description="cost", style=style)
    out = widgets.Output(layout=widgets.Layout(min_height="290px"))
    readout = widgets.HTML()

    box = widgets.VBox([widgets.HBox([w_slider, b_slider, eta_slider]), cost_toggle, readout, out])

    def redraw(change=None):
        t0 = time.perf_counter()
        fig = draw(w_slider.value, b_slider.value, eta_slider.value, cost_toggle.value, epochs, student=student)
        png = render_png(fig)
        ref = simulate(w_slider.value, b_slider.value, eta_slider.value, cost_toggle.value, epochs)
        below = np.flatnonzero(ref.output < 0.5)
        when = f"epoch {below[0]}" if below.size else f"not within {epochs} epochs"
        readout.value = (f"start output <b>{ref.output[0]:.3f}</b>, after {epochs} epochs <b>{ref.output[-1]:.3f}</b>; "
                         f"output first below 0.5 at <b>{when}</b>")
        # Replace the Output's content in one assignment (no flicker, and it works outside a
        # kernel too, e.g. in tests): an inline PNG display_data message.
        out.outputs = ({"output_type": "display_data", "metadata": {},
                        "data": {"image/png": base64.b64encode(png).decode("ascii"),
                                 "text/plain": "<slowdown explorer figure>"}},)
        box.last_redraw_seconds = time.perf_counter() - t0

    for control in (w_slider, b_slider, eta_slider, cost_toggle):
        control.observe(redraw, names="value")
    box.redraw = redraw
    box.controls = {"w": w_slider, "b": b_slider, "eta": eta_slider, "cost": cost_toggle}
    box.output = out
    redraw()
    return box
