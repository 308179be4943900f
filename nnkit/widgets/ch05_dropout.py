"""The dropout explorer (chapter 05): a sampled thinned network, learning curves, one unit's spread.

Three panels for one keep probability ``keep_prob`` and one sampled mask:

1. **the mechanism**: a small network (6 inputs, 10 hidden units, 3 outputs) with the hidden
   units that this mask drops greyed out, together with their connections;
2. **the result**: training and validation accuracy per epoch of the chapter's runs on 1,000
   digits for the chosen keep_prob (the other runs faint behind it);
3. **one unit in training and in test mode**: the distribution, over the validation digits, of
   one hidden unit's activation at test time (no dropout) and after inverted dropout (a spike
   at 0 for the dropped examples, the rest stretched by ``1 / keep_prob``), with both means.
   Once the student's ``dropout_forward`` runs, its training-mode distribution is drawn dashed
   beside the reference (same generator seed, so a correct function lies exactly on top).

A "sample again" button draws a new mask (a new seed). Everything is a plain function,
testable without a browser: :func:`explore` computes one state (numbers only), the
:class:`DropoutFigure` moves its artists' data to show it (no new axes), :func:`readout_html`
writes the line above the figure, and :func:`dropout_explorer` wires the controls.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from nnkit.dropout import dropout_forward as _reference_forward
from nnkit.widgets._live import FigureImage, lookup, observe

__all__ = ["ExplorerState", "explore", "network_layout", "DropoutFigure", "readout_html", "dropout_explorer"]

LAYERS = (6, 10, 3)        # the drawn network: inputs, hidden units, outputs
N_BINS = 30
_PROBE = (np.array([[0.5, 1.0, 0.0]]), 0.5, np.random.default_rng(0))
_KEPT, _DROPPED = "tab:blue", "0.85"
_CAP = 0.35                # y-limit of the unit's histogram (the bar at 0 can be taller)


@dataclass(frozen=True)
class ExplorerState:
    """Everything one redraw shows (numbers only).

    Attributes
    ----------
    keep_prob : float
    seed : int
        Seed of the generator that drew ``hidden_mask`` and the training-mode values.
    hidden_mask : ndarray (LAYERS[1],)
        The drawn network's hidden mask (0 or 1/keep_prob).
    train_accuracy, validation_accuracy : ndarray (epochs,)
        The run with this keep_prob.
    bins : ndarray (N_BINS + 1,)
        Histogram bin edges for the unit's activation.
    test_hist, train_hist : ndarray (N_BINS,)
        Fraction of the examples per bin at test time and after (reference) inverted dropout.
    test_mean, train_mean : float
        Mean activation of the unit at test time and in training mode (reference draw).
    dropped_fraction : float
        Fraction of the examples on which the unit was dropped in the reference draw.
    student_hist : ndarray (N_BINS,) or None
        The same histogram from the student's ``dropout_forward`` (None if it does not run yet).
    student_status : str
        "matches the reference", "differs from the reference ...", "not implemented yet", ...
    """

    keep_prob: float
    seed: int
    hidden_mask: np.ndarray
    train_accuracy: np.ndarray
    validation_accuracy: np.ndarray
    bins: np.ndarray
    test_hist: np.ndarray
    train_hist: np.ndarray
    test_mean: float
    train_mean: float
    dropped_fraction: float
    student_hist: np.ndarray | None
    student_status: str


def network_layout(layers=LAYERS) -> list[np.ndarray]:
    """(x, y) positions of the units of each layer: layer l at x = l, units spread evenly in [0, 1]."""
    out = []
    for l, n in enumerate(layers):
        y = np.linspace(0.05, 0.95, n) if n > 1 else np.array([0.5])
        out.append(np.column_stack([np.full(n, float(l)), y[::-1]]))
    return out


def _fractions(values: np.ndarray, bins: np.ndarray) -> np.ndarray:
    counts, _ = np.histogram(np.clip(values, bins[0], bins[-1]), bins=bins)
    return counts / max(len(values), 1)


def explore(histories: Mapping[float, object], unit_values, keep_prob: float, seed: int = 0,
            student: Callable | None | str = "not passed") -> ExplorerState:
    """One state of the explorer.

    Parameters
    ----------
    histories : mapping keep_prob -> History
        Runs with ``train_accuracy`` and ``validation_accuracy`` lists (e.g. from
        :meth:`nnkit.network.Network.fit`); ``keep_prob`` must be one of the keys.
    unit_values : array_like (N,)
        One hidden unit's activation on N examples at test time.
    keep_prob : float
    seed : int
        Generator seed for the mask and the training-mode draw.
    student : callable or str
        The student's ``dropout_forward`` (or a status text saying why there is none).
    """
    values = np.asarray(unit_values, dtype=float).reshape(-1)
    kps = sorted(histories)
    top = max(float(values.max(initial=0.0)) / min(kps), 1e-6)
    bins = np.linspace(0.0, top, N_BINS + 1)
    hidden_mask = _reference_forward(np.ones((1, LAYERS[1])), keep_prob, np.random.default_rng(seed))[1][0]
    column = values[:, None]
    train_values = _reference_forward(column, keep_prob, np.random.default_rng(seed + 1))[0][:, 0]
    student_hist, status = None, student if isinstance(student, str) else "ok"
    if callable(student):
        try:
            with np.errstate(all="ignore"):
                got = student(column.copy(), keep_prob, np.random.default_rng(seed + 1))
            mine = np.asarray(got[0], dtype=float).reshape(-1)
            if mine.shape != train_values.shape:
                status = f"returned shape {np.shape(got[0])} for input shape {column.shape}"
            else:
                student_hist = _fractions(mine, bins)
                diff = float(np.max(np.abs(mine - train_values)))
                status = ("matches the reference" if diff < 1e-9
                          else f"differs from the reference (by up to {diff:.3g})")
        except Exception as exc:  # the student's code: report it, never crash the widget
            status = f"raised {type(exc).__name__}: {exc}"[:120]
    hist = histories[keep_prob]
    return ExplorerState(
        keep_prob=float(keep_prob), seed=int(seed), hidden_mask=hidden_mask,
        train_accuracy=np.asarray(hist.train_accuracy, dtype=float),
        validation_accuracy=np.asarray(hist.validation_accuracy, dtype=float),
        bins=bins, test_hist=_fractions(values, bins), train_hist=_fractions(train_values, bins),
        test_mean=float(values.mean()), train_mean=float(train_values.mean()),
        dropped_fraction=float(np.mean(train_values == 0)),
        student_hist=student_hist, student_status=status)


class DropoutFigure:
    """The explorer's figure: built once; :meth:`update` only changes its artists' data and colours."""

    def __init__(self, histories: Mapping[float, object], unit_values, figsize=(11.0, 3.5), dpi: int = 100):
        from matplotlib.collections import LineCollection

        self.view = FigureImage(figsize=figsize, dpi=dpi,
                                margins=dict(left=0.02, right=0.99, bottom=0.15, top=0.84, wspace=0.28))
        fig = self.view.figure
        grid = fig.add_gridspec(1, 3, width_ratios=[0.8, 1.0, 1.0])
        self.ax_net = fig.add_subplot(grid[0])
        self.ax_acc = fig.add_subplot(grid[1])
        self.ax_unit = fig.add_subplot(grid[2])
        anim = self.view.animate

        # ---- the network (static layout; colours change)
        pos = network_layout()
        self.pos = pos
        edges_in = [(pos[0][i], pos[1][j]) for j in range(LAYERS[1]) for i in range(LAYERS[0])]
        edges_out = [(pos[1][j], pos[2][k]) for j in range(LAYERS[1]) for k in range(LAYERS[2])]
        self.edges_in = anim(LineCollection(edges_in, linewidths=0.8))
        self.edges_out = anim(LineCollection(edges_out, linewidths=0.8))
        self.ax_net.add_collection(self.edges_in)
        self.ax_net.add_collection(self.edges_out)
        self.ax_net.scatter(pos[0][:, 0], pos[0][:, 1], s=110, color="0.55", zorder=3)
        self.ax_net.scatter(pos[2][:, 0], pos[2][:, 1], s=110, color="0.3", zorder=3)
        self.hidden_dots = anim(self.ax_net.scatter(pos[1][:, 0], pos[1][:, 1], s=150, color=_KEPT, zorder=3,
                                                    edgecolors="0.4", linewidths=0.8))
        self.ax_net.set_title("a sampled thinned network\n(grey: dropped units)", fontsize=10)
        self.ax_net.set(xlim=(-0.3, 2.3), ylim=(-0.05, 1.2))
        self.ax_net.axis("off")
        for x, label in ((0, "inputs"), (1, "hidden"), (2, "outputs")):
            self.ax_net.text(x, -0.04, label, ha="center", va="top", fontsize=8, color="0.35")

        # ---- accuracy curves: every run faint (static), the chosen one on top
        self.epochs = None
        low = 1.0
        for kp in sorted(histories):
            val = np.asarray(histories[kp].validation_accuracy, dtype=float)
            self.epochs = np.arange(1, len(val) + 1)
            self.ax_acc.plot(self.epochs, val, color="0.8", lw=1)
            low = min(low, float(val.min()))
        zeros = np.zeros(len(self.epochs))
        self.train_line = anim(self.ax_acc.plot(self.epochs, zeros, color="tab:blue", ls="--", lw=1.4,
                                                label="training")[0])
        self.val_line = anim(self.ax_acc.plot(self.epochs, zeros, color="tab:blue", lw=2.0, label="validation")[0])
        self.best_dot = anim(self.ax_acc.plot([1], [1], "o", color="tab:blue", ms=5)[0])
        self.ax_acc.plot([], [], color="0.8", lw=1, label="other keep_prob (validation)")
        self.ax_acc.set(xlim=(1, self.epochs[-1]), ylim=(np.floor(low * 20) / 20, 1.005), xlabel="epoch")
        self.ax_acc.set_title("accuracy, 1,000 training digits", fontsize=10)
        self.ax_acc.legend(loc="lower right", fontsize=8, frameon=False)

        # ---- one unit: test mode (static outline per redraw of bins) and training mode
        values = np.asarray(unit_values, dtype=float).reshape(-1)
        edges = np.linspace(0.0, 1.0, N_BINS + 1)
        self.test_steps = anim(self.ax_unit.stairs(np.zeros(N_BINS), edges, color="0.25", lw=1.6,
                                                   label="test mode (no dropout)"))
        self.train_steps = anim(self.ax_unit.stairs(np.zeros(N_BINS), edges, fill=True, color="tab:orange",
                                                    alpha=0.55, label="training mode (reference)"))
        self.student_steps = anim(self.ax_unit.stairs(np.zeros(N_BINS), edges, color="black", ls="--", lw=1.3,
                                                      label="training mode, your dropout_forward"))
        self.test_mean = anim(self.ax_unit.axvline(0.0, color="0.25", lw=1.2, ls=":"))
        self.train_mean = anim(self.ax_unit.axvline(0.0, color="tab:orange", lw=1.6, ls=":"))
        top = float(values.max(initial=0.0)) / min(histories)
        self.ax_unit.set(xlim=(0, max(top, 1e-6)), ylim=(0, _CAP), xlabel="activation of the unit (dotted: means)",
                         ylabel="fraction of the digits")
        self.ax_unit.set_title("one hidden unit over the validation digits", fontsize=10)
        self.ax_unit.legend(loc="upper right", fontsize=7, frameon=False)

    def update(self, state: ExplorerState) -> None:
        """Put a state's numbers into the artists (no new axes, no layout)."""
        kept = state.hidden_mask > 0
        self.hidden_dots.set_facecolor([_KEPT if k else _DROPPED for k in kept])
        self.hidden_dots.set_edgecolor(["0.3" if k else "0.75" for k in kept])
        in_colors = [(0.3, 0.3, 0.3, 0.35) if kept[j] else (0.8, 0.8, 0.8, 0.15)
                     for j in range(LAYERS[1]) for _ in range(LAYERS[0])]
        out_colors = [(0.3, 0.3, 0.3, 0.35) if kept[j] else (0.8, 0.8, 0.8, 0.15)
                      for j in range(LAYERS[1]) for _ in range(LAYERS[2])]
        self.edges_in.set_color(in_colors)
        self.edges_out.set_color(out_colors)

        self.train_line.set_ydata(state.train_accuracy)
        self.val_line.set_ydata(state.validation_accuracy)
        best = int(np.argmax(state.validation_accuracy))
        self.best_dot.set_data([best + 1], [state.validation_accuracy[best]])

        cap = _CAP   # the spike at 0 is taller: the readout gives its height
        self.test_steps.set_data(np.minimum(state.test_hist, cap), state.bins)
        self.train_steps.set_data(np.minimum(state.train_hist, cap), state.bins)
        self.student_steps.set_visible(state.student_hist is not None)
        if state.student_hist is not None:
            self.student_steps.set_data(np.minimum(state.student_hist, cap), state.bins)
        self.test_mean.set_xdata([state.test_mean, state.test_mean])
        self.train_mean.set_xdata([state.train_mean, state.train_mean])

    def png(self) -> bytes:
        return self.view.png()


def readout_html(state: ExplorerState) -> str:
    """The line above the figure: the chosen run's numbers and the student's status."""
    best = int(np.argmax(state.validation_accuracy))
    n_kept = int(np.sum(state.hidden_mask > 0))
    text = (f"This mask keeps <b>{n_kept} of {LAYERS[1]}</b> hidden units: one of 2<sup>{LAYERS[1]}</sup> = "
            f"{2 ** LAYERS[1]:,} thinned networks. "
            f"keep_prob = <b>{state.keep_prob:g}</b>: best validation accuracy "
            f"<b>{state.validation_accuracy[best]:.1%}</b> (epoch {best + 1}), final training accuracy "
            f"<b>{state.train_accuracy[-1]:.1%}</b>. One unit's mean activation: test mode "
            f"<b>{state.test_mean:.3f}</b>, training mode <b>{state.train_mean:.3f}</b> "
            f"(spread in training: σ = {np.sqrt((1 - state.keep_prob) / state.keep_prob):.2f} × h); dropped on "
            f"<b>{state.dropped_fraction:.0%}</b> of the digits (the bar at 0"
            f"{', cut off' if state.train_hist[0] > _CAP else ''}).")
    if state.student_status != "not passed":
        ok = state.student_status == "matches the reference"
        color = "inherit" if ok else "#b00"
        text += f"<br><span style='color:{color}'>your dropout_forward: <b>{state.student_status}</b></span>"
    return text


def dropout_explorer(histories: Mapping[float, object], unit_values, *, student: str | Callable | None = "dropout_forward",
                     keep_prob: float | None = None, seed: int = 0, namespace=None):
    """Interactive explorer: a keep_prob slider, a "sample again" button and three panels.

    Parameters
    ----------
    histories : mapping keep_prob -> History
        The runs to show (``train_accuracy`` and ``validation_accuracy`` per epoch).
    unit_values : array_like (N,)
        One hidden unit's test-time activation on N examples.
    student : str, callable or None
        The student's ``dropout_forward`` (a name, looked up in the notebook at every redraw,
        or the function); ``None`` draws the reference only.
    keep_prob : float, optional
        Starting keep_prob (default: 0.5 if present, else the smallest key).
    seed : int
        Starting generator seed; "sample again" adds 2.
    namespace : mapping, optional
        Where to look the student's function up (default: the notebook's namespace).

    Returns
    -------
    ipywidgets.VBox
        ``box.redraw()`` redraws; ``box.controls`` maps names to controls; ``box.state`` is the
        last :class:`ExplorerState`; ``box.last_redraw_seconds`` the kernel time of the last redraw.
    """
    import ipywidgets as widgets

    options = sorted(float(k) for k in histories)
    if not options:
        raise ValueError("histories: expected at least one run (keep_prob -> History)")
    histories = {float(k): v for k, v in histories.items()}
    start = keep_prob if keep_prob is not None else (0.5 if 0.5 in options else options[0])
    if start not in options:
        raise ValueError(f"keep_prob: expected one of {options}, got {start!r}")
    slider = widgets.SelectionSlider(options=[(f"{kp:g}", kp) for kp in options], value=start,
                                     description="keep_prob", style={"description_width": "70px"},
                                     layout=widgets.Layout(width="360px"))
    button = widgets.Button(description="sample again", icon="refresh", layout=widgets.Layout(width="140px"))
    readout = widgets.HTML()
    figure = DropoutFigure(histories, unit_values)
    box = widgets.VBox([widgets.HBox([slider, button]), readout, figure.view.image])
    box.seed = int(seed)

    def redraw():
        t0 = time.perf_counter()
        fn, why = lookup(student, _PROBE, namespace=namespace)
        state = explore(histories, unit_values, slider.value, box.seed,
                        student=fn if fn is not None else why)
        figure.update(state)
        figure.view.push()
        readout.value = readout_html(state)
        box.state = state
        box.last_redraw_seconds = time.perf_counter() - t0

    def sample_again(_button=None):
        box.seed += 2
        redraw()

    observe((slider,), redraw)
    button.on_click(sample_again)
    box.redraw = redraw
    box.sample_again = sample_again
    box.controls = {"keep_prob": slider, "sample_again": button}
    box.figure = figure
    box.image = figure.view.image
    box.readout = readout
    redraw()
    return box
