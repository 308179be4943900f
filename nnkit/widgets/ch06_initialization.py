"""The initialization explorer (chapter 06): what the starting weights do to a deep network.

A stack of ``depth`` fully connected layers of ``WIDTH`` units, all with the same activation,
gets a batch of ``BATCH`` standard-normal inputs. Its weights come from an initializer
(N(0, 1), N(0, 1/n_in), Glorot/Xavier, He or zeros) multiplied by a *scale* slider; biases as
the initializer draws them. A standard-normal upstream gradient ``dC/dA^L`` is sent back down.
Three panels:

* per-layer histograms of the activations (one curve per layer, input at the bottom): a
  healthy spread, saturation at the sigmoid's 0 and 1 or tanh's +-1, or a collapse to 0;
* per-layer histograms of the backpropagated errors ``delta^l = dC/dZ^l``, in units of the
  top layer's standard deviation: vanishing gradients shrink to a spike, exploding ones spill
  over the edges;
* the standard deviation of both per layer (log scale): the reference solid and, as soon as
  the student's ``activation_stds`` / ``backward_deltas`` exist in the notebook, theirs dashed.

Everything is a plain function, testable without a browser:

* :func:`layer_signals` - the reference activations and deltas for one setting;
* :func:`ridge_curves` - histogram curves (x, y) of a list of per-layer arrays;
* :func:`student_stds` - the student's per-layer stds, or ``None`` and why (never raises);
* :class:`InitExplorerView` - the reused figure and its :meth:`~InitExplorerView.update`;
* :func:`histogram_grid` - a static figure, initializers x activations (for the notebook);
* :func:`init_explorer` - the ipywidgets UI.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from nnkit.activations import relu, relu_prime, sigmoid, sigmoid_prime, tanh, tanh_prime
from nnkit.init import get_initializer
from nnkit.propagation import backward_deltas as _backward_deltas
from nnkit.propagation import deep_forward as _deep_forward

from ._live import FigureImage, lookup, observe

__all__ = ["INITIALIZERS", "ACTIVATIONS", "Signals", "layer_signals", "ridge_curves", "student_stds",
           "InitExplorerView", "histogram_grid", "init_explorer"]

WIDTH, BATCH, MAX_DEPTH, BINS = 100, 100, 10, 40

INITIALIZERS = {
    "N(0, 1)": "large_normal",
    "N(0, 1/n_in)": "scaled_normal",
    "Glorot (Xavier)": "xavier_normal",
    "He": "he_normal",
    "zeros": "zeros",
}
"""Label shown in the widget -> name in :data:`nnkit.init.INITIALIZERS`."""

ACTIVATIONS = {"sigmoid": (sigmoid, sigmoid_prime), "tanh": (tanh, tanh_prime), "relu": (relu, relu_prime)}
"""Activation name -> (f, f') from :mod:`nnkit.activations`."""

_CONTROLLER = []


def _one_blas_thread():
    """Run small matrix products on one BLAS thread: on a busy 2-core machine, waking a thread
    pool for a 100 x 100 product costs more than the product (threadpoolctl comes with
    scikit-learn; without it this does nothing)."""
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController

            _CONTROLLER.append(ThreadpoolController())
        except ImportError:  # pragma: no cover
            _CONTROLLER.append(None)
    c = _CONTROLLER[0]
    return c.limit(limits=1, user_api="blas") if c is not None else contextlib.nullcontext()


_A_RANGE = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, 3.0)}
_STD_LIMITS = (1e-7, 1e3)


class Signals(NamedTuple):
    """What flows through the stack for one setting (``depth`` layers, first layer first)."""

    X: np.ndarray
    weights: list
    biases: list
    grad_out: np.ndarray
    activations: list       # A^l, each (BATCH, WIDTH)
    deltas: list            # delta^l = dC/dZ^l, each (BATCH, WIDTH)
    activation_std: np.ndarray
    delta_std: np.ndarray


def _check(init: str, activation: str, depth: int, scale: float) -> tuple[str, str, int, float]:
    name = INITIALIZERS.get(init, init)
    get_initializer(name)  # raises a clear error for unknown names
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation: expected one of {sorted(ACTIVATIONS)}, got {activation!r}")
    depth = int(depth)
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth: expected 1..{MAX_DEPTH}, got {depth}")
    scale = float(scale)
    if not (np.isfinite(scale) and scale >= 0):
        raise ValueError(f"scale: expected a number >= 0, got {scale}")
    return name, activation, depth, scale


def layer_signals(init: str = "Glorot (Xavier)", activation: str = "tanh", depth: int = MAX_DEPTH,
                  scale: float = 1.0, *, width: int = WIDTH, batch: int = BATCH, seed: int = 0) -> Signals:
    """Reference forward and backward pass of a ``depth``-layer stack at initialisation.

    Parameters
    ----------
    init : str
        A label of :data:`INITIALIZERS` or a name in :data:`nnkit.init.INITIALIZERS`.
    activation : {"sigmoid", "tanh", "relu"}
    depth : int, 1..10
    scale : float >= 0
        Every weight matrix is multiplied by this (1 = the initializer as it is).
    width, batch : int
        Units per layer and number of input rows (inputs ~ N(0, 1)).
    seed : int
        The same seed gives the same weights, inputs and upstream gradient (sliders compare
        like with like).

    Returns
    -------
    Signals
    """
    name, activation, depth, scale = _check(init, activation, depth, scale)
    g = np.random.default_rng(seed)
    X = g.standard_normal((batch, width))
    G = g.standard_normal((batch, width))
    draw = get_initializer(name)
    Ws, bs = [], []
    for _ in range(depth):
        W, b = draw(width, width, g)
        Ws.append(W * scale)
        bs.append(b)
    f, fp = ACTIVATIONS[activation]
    _, As = _deep_forward(X, Ws, bs, f)
    deltas = _backward_deltas(X, Ws, bs, f, fp, G)
    return Signals(X, Ws, bs, G, As, deltas, np.array([np.std(A) for A in As]),
                   np.array([np.std(d) for d in deltas]))


def ridge_curves(values: list, lo: float, hi: float, bins: int = BINS, height: float = 0.85):
    """Histogram curves of per-layer arrays, stacked: layer ``l`` (0-based) sits on baseline ``l + 1``.

    Values outside ``[lo, hi]`` are counted in the edge bins (so saturation or explosion
    shows as a pile at the edge). Each histogram is scaled so that its highest bin is
    ``height`` tall.

    Returns
    -------
    x : ndarray, shape (2 * bins,)
        Step-curve x coordinates (shared by all layers).
    ys : list of ndarrays, shape (2 * bins,)
    """
    edges = np.linspace(lo, hi, bins + 1)
    x = np.repeat(edges, 2)[1:-1]
    ys = []
    for l, v in enumerate(values):
        v = np.asarray(v, dtype=float).ravel()
        idx = np.clip(((v - lo) / (hi - lo) * bins).astype(np.int64, copy=False), 0, bins - 1)
        counts = np.bincount(idx, minlength=bins).astype(float)
        top = counts.max()
        ys.append(l + 1 + np.repeat(counts / top * height if top > 0 else counts, 2))
    return x, ys


def _shown(values, activation):
    """What the activation histograms show: for ReLU only the positive part (the exact zeros,
    about half of the entries, would dwarf it; their share is what 'dead' units are made of)."""
    if activation == "relu":
        return [v[v > 0] for v in values]
    return values


def _probe():
    X = np.array([[0.5, -1.0]])
    return X, [np.eye(2)], [np.zeros(2)]


def student_stds(signals: Signals, activation: str, *, activation_fn: Any = "activation_stds",
                 backward_fn: Any = "backward_deltas", namespace: Mapping | None = None):
    """The student's per-layer stds for the same stack; never raises.

    Returns
    -------
    (act_std or None, act_status, delta_std or None, delta_status)
        ``act_std`` from the student's ``activation_stds``; ``delta_std`` the std of each array
        the student's ``backward_deltas`` returns. Status texts: "ok", "not defined yet",
        "not implemented yet", "raised ...", "returned ...".
    """
    f, fp = ACTIVATIONS[activation]
    X, Ws, bs = _probe()
    fa, sa = lookup(activation_fn, probe=(X, Ws, bs, f), namespace=namespace)
    fb, sb = lookup(backward_fn, probe=(X, Ws, bs, f, fp, np.ones((1, 2))), namespace=namespace)
    act = delta = None
    L = len(signals.weights)
    args = (signals.X, [w.copy() for w in signals.weights], [b.copy() for b in signals.biases], f)
    if fa is not None:
        try:
            with np.errstate(all="ignore"):
                out = np.asarray(fa(*args), dtype=float)
            if out.shape != (L,):
                sa, out = f"returned shape {out.shape}, expected ({L},)", None
            act = out
        except Exception as exc:  # the student's code: report, never crash the widget
            sa = f"raised {type(exc).__name__}"
    if fb is not None:
        try:
            with np.errstate(all="ignore"):
                out = fb(*args, fp, signals.grad_out.copy())
                delta = np.array([np.std(np.asarray(d, dtype=float)) for d in out])
            if delta.shape != (L,):
                sb, delta = f"returned {len(delta)} arrays, expected {L}", None
        except Exception as exc:
            sb, delta = f"raised {type(exc).__name__}", None
    return act, sa, delta, sb


def _agreement(mine, ref) -> str:
    if mine is None:
        return ""
    with np.errstate(all="ignore"):
        ok = np.allclose(mine, ref, rtol=1e-6, atol=1e-300)
    return "match the reference" if ok else "differ from the reference"


class InitExplorerView:
    """The explorer's figure, built once; :meth:`update` only changes artists' data.

    Attributes: ``view`` (the :class:`~nnkit.widgets._live.FigureImage`), ``last_update_seconds``
    (kernel time of the last :meth:`update`, including the PNG).
    """

    def __init__(self, figsize=(10.5, 3.9), dpi: int = 90):
        self.view = FigureImage(figsize=figsize, dpi=dpi,
                                margins=dict(left=0.05, right=0.985, bottom=0.25, top=0.8, wspace=0.28))
        fig = self.view.figure
        self.ax_a, self.ax_d, self.ax_s = fig.subplots(1, 3)
        for ax, title in ((self.ax_a, "activations $A^l$ per layer"),
                          (self.ax_d, r"errors $\delta^l$ / std($\delta^L$) per layer")):
            ax.set_title(title, fontsize=10)
            ax.set_ylim(0.6, MAX_DEPTH + 1.0)
            ax.set_yticks(range(1, MAX_DEPTH + 1))
            ax.set_ylabel("layer", fontsize=9)
            ax.tick_params(labelsize=8)
            for l in range(1, MAX_DEPTH + 1):
                ax.axhline(l, color="0.88", lw=0.6, zorder=0)
        self.ax_d.set_xlim(-3, 3)
        self.ax_d.set_xlabel(r"$\delta$ in units of the top layer's std", fontsize=9)
        # The activation panel's x axis is fixed at [0, 1] (the activation's range mapped onto
        # it) and its tick labels are animated texts: switching activation changes no axes
        # limits, so the cached background stays valid (no full redraw).
        self.ax_a.set_xlim(0.0, 1.0)
        self.ax_a.set_xticks([0.0, 0.5, 1.0])
        self.ax_a.set_xticklabels([])
        self.a_ticks = [self.view.animate(self.ax_a.text(t, -0.035, "", transform=self.ax_a.transAxes,
                                                         ha="center", va="top", fontsize=8))
                        for t in (0.0, 0.5, 1.0)]
        self.a_xlabel = self.view.animate(self.ax_a.text(0.5, -0.11, "", transform=self.ax_a.transAxes,
                                                         ha="center", va="top", fontsize=9))
        self.a_lines = [self.view.animate(self.ax_a.plot([], [], color="tab:blue", lw=1.1)[0])
                        for _ in range(MAX_DEPTH)]
        self.d_lines = [self.view.animate(self.ax_d.plot([], [], color="tab:red", lw=1.1)[0])
                        for _ in range(MAX_DEPTH)]
        ax = self.ax_s
        ax.set_yscale("log")
        ax.set_ylim(*_STD_LIMITS)
        ax.set_xlim(0.5, MAX_DEPTH + 0.5)
        ax.set_xticks(range(1, MAX_DEPTH + 1))
        ax.set_xlabel("layer", fontsize=9)
        ax.set_title("standard deviation per layer", fontsize=10)
        ax.tick_params(labelsize=8)
        ax.grid(True, which="major", color="0.9", lw=0.6)
        (self.ref_a,) = ax.plot([], [], "o-", color="tab:blue", lw=2, ms=4, label="activations (reference)")
        (self.ref_d,) = ax.plot([], [], "o-", color="tab:red", lw=2, ms=4, label=r"$\delta$ (reference)")
        (self.my_a,) = ax.plot([], [], "s--", color="black", lw=1.2, ms=4, mfc="none", label="your functions")
        (self.my_d,) = ax.plot([], [], "s--", color="black", lw=1.2, ms=4, mfc="none")
        for artist in (self.ref_a, self.ref_d, self.my_a, self.my_d):
            self.view.animate(artist)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, fontsize=7.5, frameon=False)
        self.title = self.view.animate(fig.text(0.5, 0.95, "", ha="center", fontsize=10.5))
        self.note = self.view.animate(fig.text(0.5, 0.895, "", ha="center", fontsize=9))
        self.last_update_seconds = 0.0

    def update(self, init: str = "Glorot (Xavier)", activation: str = "tanh", depth: int = MAX_DEPTH,
               scale: float = 1.0, *, student: bool = True, activation_fn: Any = "activation_stds",
               backward_fn: Any = "backward_deltas", namespace: Mapping | None = None) -> Signals:
        """Recompute the reference (and the student's stds) for a setting and update the artists.

        ``activation_fn`` / ``backward_fn``: the student's functions or their names in the
        notebook (looked up now, :func:`nnkit.widgets._live.lookup`); ``student=False`` skips them.
        """
        t0 = time.perf_counter()
        with _one_blas_thread():
            return self._update(t0, init, activation, depth, scale, student, activation_fn, backward_fn, namespace)

    def _update(self, t0, init, activation, depth, scale, student, activation_fn, backward_fn, namespace):
        s = layer_signals(init, activation, depth, scale)
        L = len(s.weights)
        lo, hi = _A_RANGE[activation]
        for text, value in zip(self.a_ticks, (lo, (lo + hi) / 2, hi)):
            text.set_text(f"{value:g}")
        self.a_xlabel.set_text({"sigmoid": "a", "tanh": "a", "relu": "a > 0 (values above 3 in the last bin)"}[activation])
        x, ys = ridge_curves(_shown(s.activations, activation), lo, hi)
        x = (x - lo) / (hi - lo)
        top = float(s.delta_std[-1])
        scaled = [d / top for d in s.deltas] if top > 0 else s.deltas
        xd, yd = ridge_curves(scaled, -3.0, 3.0)
        for l in range(MAX_DEPTH):
            visible = l < L
            self.a_lines[l].set_visible(visible)
            self.d_lines[l].set_visible(visible)
            if visible:
                self.a_lines[l].set_data(x, ys[l])
                self.d_lines[l].set_data(xd, yd[l])
        layers = np.arange(1, L + 1)
        clip = lambda v: np.clip(v, *_STD_LIMITS)  # noqa: E731 - zero std drawn at the bottom edge
        self.ref_a.set_data(layers, clip(s.activation_std))
        self.ref_d.set_data(layers, clip(s.delta_std))
        notes = []
        if student:
            act, sa, dstd, sb = student_stds(s, activation, activation_fn=activation_fn, backward_fn=backward_fn,
                                             namespace=namespace)
            self.my_a.set_data(*((layers, clip(act)) if act is not None else ([], [])))
            self.my_d.set_data(*((layers, clip(dstd)) if dstd is not None else ([], [])))
            notes.append(f"your activation_stds: {_agreement(act, s.activation_std) or sa}")
            notes.append(f"your backward_deltas: {_agreement(dstd, s.delta_std) or sb}")
        else:
            self.my_a.set_data([], [])
            self.my_d.set_data([], [])
        ratio = (f"std of delta^1 / std of delta^{L} = {s.delta_std[0] / top:.3g}" if top > 0
                 else "every delta is 0: nothing learns")
        self.title.set_text(f"{init} weights x {scale:.2g}, {activation}, {L} layers of {WIDTH}: "
                            f"std of A^{L} = {s.activation_std[-1]:.3g}, {ratio}")
        self.note.set_text("   ".join(notes))
        self.note.set_color("black" if all("match" in n for n in notes) else "tab:red")
        self.view.png_bytes = self.view.png()
        self.last_update_seconds = time.perf_counter() - t0
        return s


def histogram_grid(inits=("N(0, 1)", "N(0, 1/n_in)", "Glorot (Xavier)", "He"),
                   activations=("sigmoid", "tanh", "relu"), depth: int = MAX_DEPTH, figsize=None):
    """Static figure: activation histograms per layer, one panel per initializer x activation.

    Rows are initializers, columns activations; each panel stacks the ``depth`` layers'
    histograms (layer 1 at the bottom) as in the explorer (ReLU: the positive activations only).
    Returns a ``matplotlib.figure.Figure``.
    """
    from matplotlib.figure import Figure

    figsize = figsize or (3.1 * len(activations), 1.9 * len(inits))
    fig = Figure(figsize=figsize)
    fig.subplots_adjust(left=0.16, right=0.98, bottom=0.07, top=0.93, hspace=0.45, wspace=0.2)
    axes = fig.subplots(len(inits), len(activations), squeeze=False)
    g = np.random.default_rng(0)
    X = g.standard_normal((BATCH, WIDTH))
    for i, init in enumerate(inits):
        draw = get_initializer(INITIALIZERS.get(init, init))
        for j, act in enumerate(activations):
            ax = axes[i, j]
            gl = np.random.default_rng(1)
            layers = [draw(WIDTH, WIDTH, gl) for _ in range(depth)]
            with _one_blas_thread():
                _, As = _deep_forward(X, [W for W, _ in layers], [b for _, b in layers], ACTIVATIONS[act][0])
            lo, hi = _A_RANGE[act]
            x, ys = ridge_curves(_shown(As, act), lo, hi)
            for l, y in enumerate(ys):
                ax.plot(x, y, color="tab:blue", lw=0.9)
            ax.set(xlim=(lo, hi), ylim=(0.6, depth + 1))
            ax.set_yticks([1, depth])
            ax.tick_params(labelsize=7)
            if i == 0:
                ax.set_title(act, fontsize=10)
            if j == 0:
                ax.set_ylabel(f"{init}\nlayer", fontsize=8.5)
            ax.text(0.98, 0.97, f"std A^{depth}: {np.std(As[-1]):.2g}", transform=ax.transAxes,
                    ha="right", va="top", fontsize=7, bbox=dict(fc="white", ec="none", alpha=0.8))
    return fig


def init_explorer(*, init: str = "N(0, 1)", activation: str = "sigmoid", depth: int = MAX_DEPTH,
                  scale: float = 1.0, activation_fn: Any = "activation_stds", backward_fn: Any = "backward_deltas"):
    """Interactive explorer: initializer, activation, depth and weight-scale controls, three panels.

    ``activation_fn`` / ``backward_fn`` name the student's functions in the notebook (looked up
    again at every redraw, so functions written after the widget was drawn appear on the next
    move). Returns an ``ipywidgets.VBox``; ``box.redraw()`` redraws, ``box.view`` is the
    :class:`InitExplorerView`.
    """
    import ipywidgets as widgets

    style = {"description_width": "60px"}
    init_dd = widgets.Dropdown(options=list(INITIALIZERS), value=init, description="weights", style=style,
                               layout=widgets.Layout(width="230px"))
    act_dd = widgets.Dropdown(options=list(ACTIVATIONS), value=activation, description="activation", style=style,
                              layout=widgets.Layout(width="190px"))
    depth_sl = widgets.IntSlider(value=depth, min=1, max=MAX_DEPTH, description="depth", style=style,
                                 continuous_update=True)
    scale_sl = widgets.FloatLogSlider(value=scale, base=2, min=-3, max=3, step=0.25, description="scale",
                                      style=style, continuous_update=True, readout_format=".3g")
    view = InitExplorerView()

    def redraw():
        # the student's functions are looked up again now (nnkit.widgets._live.lookup)
        view.update(init_dd.value, act_dd.value, depth_sl.value, scale_sl.value,
                    activation_fn=activation_fn, backward_fn=backward_fn)
        view.view.image.value = view.view.png_bytes

    observe([init_dd, act_dd, depth_sl, scale_sl], redraw)
    redraw()
    box = widgets.VBox([widgets.HBox([init_dd, act_dd]), widgets.HBox([depth_sl, scale_sl]), view.view.image])
    box.redraw = redraw
    box.view = view
    box.controls = {"init": init_dd, "activation": act_dd, "depth": depth_sl, "scale": scale_sl}
    return box
