"""The learning-slowdown explorer (chapter 01): one sigmoid neuron learning to map 1 -> 0.

The neuron computes ``a = sigma(w x + b)`` with input ``x = 1`` and target ``y = 0`` and
takes plain gradient-descent steps. Sliders set the starting ``w`` and ``b`` and the learning
rate ``eta``; a toggle picks the cost. Three panels, one figure reused for every redraw:

* the output ``a`` against the epoch (the other cost faint, the student's run dashed);
* the cost of the chosen cost function (and the student's);
* the mechanism: the gradient ``|dC/db| = |dC/dw| = |delta|`` of both costs along the run, on
  a log scale, with ``sigma'(z)``. With the quadratic cost the gradient is
  ``a sigma'(z)``: while the neuron is saturated ``sigma'(z)`` is tiny, and so is the step.

The student's functions are looked up by name at every redraw (:mod:`nnkit.widgets._live`),
so functions written after the widget was drawn appear on the next slider move.

Everything the widget does is a plain function, testable without a browser:

* :func:`simulate` - the reference trajectory, vectorised over any number of starting points.
* :func:`simulate_student` - the same loop driven by the student's ``(cost, delta)``;
  returns ``(trajectory or None, status text)`` and never raises.
* :func:`gradient_sizes` - ``sigma'(z)`` and ``|delta|`` along a run (the mechanism panel).
* :func:`explore` - every number the explorer shows for one setting (an :class:`ExplorerState`).
* :class:`SlowdownFigure` - the figure; ``update(state)`` changes its artists' data only.
* :func:`readout_html` - the text line above the figure.
* :func:`slowdown_explorer` - the ipywidgets UI wiring the above together.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from nnkit.activations import _sigmoid, _sigmoid_prime
from nnkit.costs import _bce_logit_terms, _quadratic_terms
from nnkit.neuron import DELTAS, _neuron_trajectory
from nnkit.widgets._live import FigureImage, lookup, observe

__all__ = ["Trajectory", "ExplorerState", "simulate", "simulate_student", "gradient_sizes", "explore",
           "SlowdownFigure", "readout_html", "slowdown_explorer", "COST_LABELS", "STUDENT_NAMES"]

COST_LABELS = {"quadratic": "quadratic", "cross_entropy": "cross-entropy"}
#: The chapter's exercise names, looked up in the notebook at every redraw.
STUDENT_NAMES = {"quadratic": ("quadratic_cost", "quadratic_delta"),
                 "cross_entropy": ("cross_entropy_cost", "cross_entropy_delta")}
_COLORS = {"quadratic": "tab:red", "cross_entropy": "tab:blue"}
_GRAD_FLOOR = 1e-5  # lower limit of the log-scale gradient panel
_PROBE_COST = (np.array([[0.5]]), np.array([[0.0]]))
_PROBE_DELTA = (np.array([[0.0]]), np.array([[0.5]]), np.array([[0.0]]))


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
    """Per-example cost from the pre-activation (the cost kernels; stable for any finite z)."""
    y = np.full_like(z, y)
    if cost == "quadratic":
        return _quadratic_terms(_sigmoid(z), y)
    return _bce_logit_terms(z, y)


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
        The step is nnkit.neuron's kernel, the deltas are nnkit.costs' kernels.
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
    epochs = int(epochs)
    if epochs < 0:
        raise ValueError(f"epochs: expected an integer >= 0, got {epochs}")
    with np.errstate(over="ignore"):
        ws, bs = _neuron_trajectory(w0, b0, x, y, eta, DELTAS[cost], epochs)  # nnkit.neuron's kernel
        z_all = ws * x + bs
        return Trajectory(np.arange(epochs + 1), ws, bs, _sigmoid(z_all), _cost_values(z_all, y, cost))


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
    ws, bs, outs = [], [], []
    yy = np.array([[y]])
    name = getattr(delta_fn, "__name__", "delta")
    try:
        with np.errstate(all="ignore"):
            for k in range(int(epochs) + 1):
                z = np.array([[w * x + b]])
                a = _sigmoid(z)
                ws.append(w)
                bs.append(b)
                outs.append(float(a[0, 0]))
                if k < epochs:
                    d = float(np.asarray(delta_fn(z, a, yy), dtype=float).reshape(-1)[0])
                    w, b = w - eta * d * x, b - eta * d
            name = getattr(cost_fn, "__name__", "cost")
            costs = [float(np.asarray(cost_fn(np.array([[o]]), yy), dtype=float).reshape(-1)[0]) for o in outs]
    except Exception as exc:  # the student's code: report, don't crash the widget
        return None, _student_error(name, exc)
    traj = Trajectory(np.arange(len(outs)), np.array(ws), np.array(bs), np.array(outs), np.array(costs))
    if not (np.all(np.isfinite(traj.output)) and np.all(np.isfinite(traj.cost))):
        return traj, "gives nan/inf somewhere"
    return traj, "ok"


def gradient_sizes(traj: Trajectory, cost: str, x: float = 1.0, y: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``(sigma'(z), |delta|)`` at every epoch of a run: the size of the step's cause.

    ``delta = dC/db = dC/dw / x`` is ``(a - y) sigma'(z)`` for the quadratic cost and ``a - y`` for
    the cross-entropy, so the ratio of the two gradients at the same point is ``sigma'(z)``.
    """
    z = traj.w * x + traj.b
    with np.errstate(over="ignore"):
        slope = _sigmoid_prime(z)
    delta = DELTAS[_check_cost(cost)](z, traj.output, np.full_like(z, y))  # the cost's kernel
    return slope, np.abs(delta)


@dataclass(frozen=True)
class ExplorerState:
    """Everything the explorer shows for one setting of its controls."""

    w0: float
    b0: float
    eta: float
    cost: str
    reference: Trajectory            # the chosen cost
    other: Trajectory                # the other cost, same start
    slope: np.ndarray                # sigma'(z) along the reference run
    gradient: np.ndarray             # |delta| along the reference run
    other_gradient: np.ndarray       # |delta| along the other cost's run
    student: Trajectory | None
    student_status: str              # "match the reference", "not implemented yet", ...


def explore(w0: float = 2.0, b0: float = 2.0, eta: float = 0.15, cost: str = "quadratic", epochs: int = 300,
            student: tuple[Callable, Callable] | None | str = "not passed") -> ExplorerState:
    """All numbers for one setting; ``student`` is a ``(cost_fn, delta_fn)`` pair, or a status text.

    A pair is simulated (:func:`simulate_student`) and compared with the reference; a string
    (e.g. ``"not implemented yet"``) is shown as the status with no student curve.
    """
    cost = _check_cost(cost)
    other = "cross_entropy" if cost == "quadratic" else "quadratic"
    ref = simulate(w0, b0, eta, cost, epochs)
    ref_other = simulate(w0, b0, eta, other, epochs)
    slope, grad = gradient_sizes(ref, cost)
    _, other_grad = gradient_sizes(ref_other, other)
    traj, status = (None, student) if isinstance(student, str) else simulate_student(student, w0, b0, eta, epochs)
    if traj is not None and status == "ok":
        diff = max(float(np.max(np.abs(traj.output - ref.output))), float(np.max(np.abs(traj.cost - ref.cost))))
        status = "match the reference" if diff < 1e-6 else f"differ from the reference (by up to {diff:.3g})"
    return ExplorerState(float(w0), float(b0), float(eta), cost, ref, ref_other, slope, grad, other_grad,
                         traj, status)


class SlowdownFigure:
    """The explorer's figure: built once, :meth:`update` only moves its artists' data."""

    def __init__(self, epochs: int = 300, figsize=(9.0, 3.3), dpi: int = 100):
        from matplotlib.ticker import NullLocator

        self.view = FigureImage(figsize=figsize, dpi=dpi,
                                margins=dict(left=0.065, right=0.975, bottom=0.15, top=0.78, wspace=0.34))
        fig = self.view.figure
        self.ax_out, self.ax_cost, self.ax_grad = fig.subplots(1, 3)
        ep = np.arange(epochs + 1)
        anim = self.view.animate
        self.other_out = anim(self.ax_out.plot(ep, ep * 0.0, lw=1.5, alpha=0.45)[0])
        self.ref_out = anim(self.ax_out.plot(ep, ep * 0.0, lw=2.2)[0])
        self.student_out = anim(self.ax_out.plot(ep, ep * 0.0, color="black", ls="--", lw=1.3)[0])
        self.ref_cost = anim(self.ax_cost.plot(ep, ep * 0.0, lw=2.2)[0])
        self.student_cost = anim(self.ax_cost.plot(ep, ep * 0.0, color="black", ls="--", lw=1.3)[0])
        self.other_grad = anim(self.ax_grad.plot(ep, ep + 1.0, lw=1.5, alpha=0.45)[0])
        self.ref_grad = anim(self.ax_grad.plot(ep, ep + 1.0, lw=2.2)[0])
        self.slope = anim(self.ax_grad.plot(ep, ep + 1.0, color="black", ls=(0, (1.5, 1.5)), lw=1.4)[0])
        self.start_dot = anim(self.ax_grad.plot([0], [1.0], "o", ms=5, color="black")[0])

        self.ax_out.set(xlim=(0, epochs), ylim=(-0.02, 1.02), xlabel="epoch", ylabel="output a")
        self.ax_out.axhline(0.0, color="grey", lw=0.8, ls=":")
        self.ax_out.set_title("output a (target 0)", fontsize=10)
        self.ax_cost.set(xlim=(0, epochs), ylim=(0, 1.05), xlabel="epoch")
        self.ax_cost.set_ylabel("cost / cost at the start", fontsize=9)
        self.ax_grad.set(xlim=(0, epochs), yscale="log", ylim=(_GRAD_FLOOR, 2), xlabel="epoch")
        self.ax_grad.yaxis.set_minor_locator(NullLocator())  # fewer ticks: a cheaper full redraw
        self.ax_grad.set_title("why: step size along the run", fontsize=10)
        for ax in (self.ax_out, self.ax_cost, self.ax_grad):
            ax.tick_params(labelsize=9)
        self.cost = None

    def _restyle(self, cost: str) -> None:
        """Colours, labels and the legend for the chosen cost (static parts: redraws the background)."""
        from matplotlib.lines import Line2D

        other = "cross_entropy" if cost == "quadratic" else "quadratic"
        for line in (self.ref_out, self.ref_cost, self.ref_grad):
            line.set_color(_COLORS[cost])
        for line in (self.other_out, self.other_grad):
            line.set_color(_COLORS[other])
        self.ax_cost.set_title(f"{COST_LABELS[cost]} cost (relative)", fontsize=10)
        self.ax_grad.set_ylabel("|dC/db| = |dC/dw|  (log)", fontsize=9)
        for legend in self.view.figure.legends:
            legend.remove()
        handles = [Line2D([], [], color=_COLORS[cost], lw=2.2), Line2D([], [], color=_COLORS[other], lw=1.5, alpha=0.45),
                   Line2D([], [], color="black", ls="--", lw=1.3), Line2D([], [], color="black", ls=(0, (1.5, 1.5)), lw=1.4)]
        labels = [f"{COST_LABELS[cost]} (reference)", f"{COST_LABELS[other]} (for comparison)",
                  "your functions", "σ'(z)"]
        self.view.figure.legend(handles, labels, loc="upper center", ncol=4, frameon=False, fontsize=9,
                                bbox_to_anchor=(0.5, 1.0))
        self.cost = cost
        self.view.invalidate()

    def update(self, state: ExplorerState) -> None:
        """Put a state's numbers into the artists (no new axes, no layout)."""
        if state.cost != self.cost:
            self._restyle(state.cost)
        ref, other = state.reference, state.other
        self.ref_out.set_ydata(ref.output)
        self.other_out.set_ydata(other.output)
        self.ref_cost.set_ydata(ref.cost / (ref.cost[0] if ref.cost[0] > 0 else 1.0))
        # fixed limits everywhere (a change of limits would redraw the whole figure): values below
        # the gradient panel's floor are drawn on it; the readout prints the exact numbers
        self.ref_grad.set_ydata(np.maximum(state.gradient, _GRAD_FLOOR))
        self.other_grad.set_ydata(np.maximum(state.other_gradient, _GRAD_FLOOR))
        self.slope.set_ydata(np.maximum(state.slope, _GRAD_FLOOR))
        self.start_dot.set_ydata([max(state.gradient[0], _GRAD_FLOOR)])
        student = state.student
        scale = ref.cost[0] if ref.cost[0] > 0 else 1.0
        for line, values in ((self.student_out, None if student is None else student.output),
                             (self.student_cost, None if student is None else student.cost / scale)):
            line.set_visible(values is not None)
            if values is not None:
                line.set_ydata(np.clip(values, -1.0, 2.0))

    def png(self) -> bytes:
        return self.view.png()


def _fmt(v: float) -> str:
    return f"{v:.3f}" if abs(v) >= 1e-3 else f"{v:.1e}"


def readout_html(state: ExplorerState) -> str:
    """The line above the figure: where the run starts and ends, and why (sigma'(z), gradients)."""
    ref, epochs = state.reference, len(state.reference.output) - 1
    below = np.flatnonzero(ref.output < 0.5)
    when = f"epoch {below[0]}" if below.size else f"not within {epochs} epochs"
    quad = state.gradient[0] if state.cost == "quadratic" else state.other_gradient[0]
    ce = state.other_gradient[0] if state.cost == "quadratic" else state.gradient[0]
    text = (f"output <b>{ref.output[0]:.3f}</b> at the start, <b>{ref.output[-1]:.3f}</b> after {epochs} epochs; "
            f"first below 0.5 at <b>{when}</b>; {COST_LABELS[state.cost]} cost <b>{_fmt(ref.cost[0])}</b> "
            f"&rarr; <b>{_fmt(ref.cost[-1])}</b>.<br>"
            f"At the start σ'(z) = <b>{_fmt(state.slope[0])}</b>: the quadratic gradient "
            f"a·σ'(z) = <b>{_fmt(quad)}</b> is σ'(z) times the cross-entropy gradient a = <b>{_fmt(ce)}</b>.")
    if state.student_status != "not passed":
        ok = state.student_status == "match the reference"
        color = "inherit" if ok else "#b00"
        text += (f"<br><span style='color:{color}'>your {COST_LABELS[state.cost]} functions: "
                 f"<b>{state.student_status}</b></span>")
    return text


def _student_pair(spec, cost: str, namespace=None):
    """The student's (cost_fn, delta_fn) for ``cost`` right now, or the status text why not."""
    if spec is None:
        return "not passed"
    pair = spec.get(cost) if isinstance(spec, Mapping) else None
    if pair is None:
        return "not passed"
    cost_name, delta_name = pair
    delta_fn, why = lookup(delta_name, _PROBE_DELTA, namespace=namespace)
    if delta_fn is None:
        return f"{_name(delta_name)}: {why}"
    cost_fn, why = lookup(cost_name, _PROBE_COST, namespace=namespace)
    if cost_fn is None:
        return f"{_name(cost_name)}: {why}"
    return cost_fn, delta_fn


def _name(spec) -> str:
    return spec if isinstance(spec, str) else getattr(spec, "__name__", "function")


def slowdown_explorer(student: Mapping[str, tuple] | None = None, *, w: float = 2.0, b: float = 2.0,
                      eta: float = 0.15, cost: str = "quadratic", epochs: int = 300, namespace=None):
    """Interactive explorer: sliders for the starting w, b and eta, a cost toggle, three panels.

    Parameters
    ----------
    student : dict, optional
        ``{"quadratic": ("quadratic_cost", "quadratic_delta"), "cross_entropy": (...)}``: the
        student's functions by name (or the functions themselves), looked up in the notebook at
        every redraw and drawn dashed beside the reference (:data:`STUDENT_NAMES` is the
        chapter's pairing).
    w, b, eta, cost, epochs
        Starting values of the controls.
    namespace : mapping, optional
        Where to look the names up (default: the notebook's namespace).

    Returns
    -------
    ipywidgets.VBox
        Controls, a readout and the figure (an ``ipywidgets.Image``). ``box.redraw()`` redraws;
        ``box.controls`` maps names to controls; ``box.state`` is the last :class:`ExplorerState`;
        ``box.last_redraw_seconds`` the kernel time of the last redraw.
    """
    import ipywidgets as widgets

    style = {"description_width": "56px"}
    layout = widgets.Layout(width="290px")
    w_slider = widgets.FloatSlider(value=w, min=-4.0, max=4.0, step=0.1, description="start w", style=style,
                                   layout=layout, readout_format=".1f")
    b_slider = widgets.FloatSlider(value=b, min=-4.0, max=4.0, step=0.1, description="start b", style=style,
                                   layout=layout, readout_format=".1f")
    eta_slider = widgets.FloatSlider(value=eta, min=0.01, max=2.0, step=0.01, description="eta", style=style,
                                     layout=layout, readout_format=".2f")
    cost_toggle = widgets.ToggleButtons(options=[("quadratic", "quadratic"), ("cross-entropy", "cross_entropy")],
                                        value=_check_cost(cost), description="cost", style=style)
    readout = widgets.HTML()
    figure = SlowdownFigure(epochs)
    box = widgets.VBox([widgets.HBox([w_slider, b_slider, eta_slider]), cost_toggle, readout, figure.view.image])

    def redraw():
        t0 = time.perf_counter()
        state = explore(w_slider.value, b_slider.value, eta_slider.value, cost_toggle.value, epochs,
                        student=_student_pair(student, cost_toggle.value, namespace))
        figure.update(state)
        figure.view.push()
        readout.value = readout_html(state)
        box.state = state
        box.last_redraw_seconds = time.perf_counter() - t0

    observe((w_slider, b_slider, eta_slider, cost_toggle), redraw)
    box.redraw = redraw
    box.controls = {"w": w_slider, "b": b_slider, "eta": eta_slider, "cost": cost_toggle}
    box.figure = figure
    box.image = figure.view.image
    box.readout = readout
    redraw()
    return box
