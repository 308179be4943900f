r"""The regularization explorer (chapter 04): what L2 and L1 do to the weights, and to the gap.

The chapter trains a grid of networks (784-30-10 on 1,000 digits, the book's settings) with
L2 or L1 penalties of several strengths and keeps each run's history and first-layer weights
in a :class:`Run`. The explorer shows one run at a time, picked by a penalty toggle and a
lambda slider, in three panels:

1. **the gap**: training and validation accuracy against the epoch (the unregularised run
   faint behind), with the final gap in the title;
2. **the weights**: a histogram of the first-layer weights, beside the unregularised run's;
3. **the mechanism**: what the penalty *alone* does to a weight in ``EPOCHS_OF_DECAY`` epochs
   of steps (zero data gradient): L2 multiplies every weight by the same factor (a straight
   line through 0), L1 moves every weight by the same amount towards 0 (weights near 0 stop
   there). The reference is solid; the student's ``weight_decay_step`` / ``l1_step`` is
   applied the same way and drawn dashed as soon as it exists (looked up at every redraw,
   :func:`nnkit.widgets._live.lookup`).

Everything is a plain function (testable without a browser): :func:`penalty_only`,
:func:`student_penalty_only`, :func:`weight_histogram`, :class:`ExplorerView` (``update``
redraws by changing artists' data, never creating axes) and :func:`regularization_explorer`
(the ipywidgets wiring).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from nnkit import regularization as _reg

from ._live import FigureImage, lookup, observe

__all__ = ["Run", "penalty_only", "student_penalty_only", "weight_histogram", "ExplorerView",
           "regularization_explorer", "PENALTIES", "EPOCHS_OF_DECAY"]

PENALTIES = ("L2", "L1")
EPOCHS_OF_DECAY = 10          # panel 3: the penalty alone for this many epochs of SGD steps
_BINS = np.linspace(-3.0, 3.0, 61)
_W_GRID = np.linspace(-3.0, 3.0, 121)
_COLORS = {"train": "tab:blue", "validation": "tab:orange"}


@dataclass
class Run:
    """One training run of the chapter's grid.

    Attributes
    ----------
    penalty : {"L2", "L1"}
    lmbda : float            regularisation parameter (0: no penalty)
    eta : float              learning rate
    n : int                  training-set size (the n of lambda / n)
    batch_size : int         mini-batch size m (an epoch is ceil(n / m) steps)
    train_accuracy, validation_accuracy : ndarray (epochs,)
    train_cost, validation_cost : ndarray (epochs,)
    W1 : ndarray (784, hidden)   first-layer weights after training
    """

    penalty: str
    lmbda: float
    eta: float
    n: int
    batch_size: int
    train_accuracy: np.ndarray
    validation_accuracy: np.ndarray
    train_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    validation_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    W1: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @classmethod
    def from_fit(cls, penalty: str, lmbda: float, net, history, *, eta: float, n: int, batch_size: int) -> "Run":
        """Build a run from a trained :class:`nnkit.network.Network` and its :class:`History`."""
        if penalty not in PENALTIES:
            raise ValueError(f"penalty: expected one of {PENALTIES}, got {penalty!r}")
        return cls(penalty, float(lmbda), float(eta), int(n), int(batch_size),
                   np.asarray(history.train_accuracy, dtype=float), np.asarray(history.validation_accuracy, dtype=float),
                   np.asarray(history.train_cost, dtype=float), np.asarray(history.validation_cost, dtype=float),
                   np.array(net.weights[0], dtype=float))

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.n // self.batch_size)

    @property
    def gap(self) -> float:
        """Final training accuracy minus final validation accuracy (percentage points / 100)."""
        return float(self.train_accuracy[-1] - self.validation_accuracy[-1])

    @property
    def near_zero(self) -> float:
        """Fraction of first-layer weights with |w| < 0.01."""
        return float(np.mean(np.abs(self.W1) < 0.01))


# --------------------------------------------------------------------------- the mechanism (panel 3)
def penalty_only(w, penalty: str, lmbda: float, eta: float, n: int, steps: int) -> np.ndarray:
    """Weights after ``steps`` SGD steps in which only the penalty acts (data gradient 0).

    Reference, through the nnkit kernels: L2 applies ``weight_decay_update`` (so each step
    multiplies by ``1 - eta lambda / n``), L1 applies ``l1_update`` (each step moves
    ``eta lambda / n`` towards 0; sign(0) = 0). ``w`` is any array; returns an array like it.
    """
    W = np.array(w, dtype=float, ndmin=2)
    zero = np.zeros_like(W)
    if penalty == "L2":
        # the L2 step is linear in W: one step of the kernel gives the factor, applied `steps` times
        factor = _reg.weight_decay_update(np.ones((1, 1)), np.zeros((1, 1)), eta, lmbda, n)[0, 0]
        out = W * factor ** int(steps)
    elif penalty == "L1":
        out = W
        for _ in range(int(steps)):
            out = _reg.l1_update(out, zero, eta, lmbda, n)
    else:
        raise ValueError(f"penalty: expected one of {PENALTIES}, got {penalty!r}")
    return out.reshape(np.shape(w))


def student_penalty_only(step_fn: Callable | None, w, lmbda: float, eta: float, n: int,
                         steps: int) -> tuple[np.ndarray | None, str]:
    """:func:`penalty_only` with the student's step function; never raises.

    ``step_fn(weights, biases, grads_W, grads_b, eta, lmbda, n) -> (new_weights, new_biases)``
    is called ``steps`` times on one layer holding the weights ``w`` (zero gradients, one
    zero bias per weight). Returns ``(weights after the steps, "ok")`` or ``(None, why)``.
    """
    if step_fn is None:
        return None, "not implemented yet"
    W = np.array(w, dtype=float).reshape(1, -1)
    b = np.zeros(W.shape[1])
    gW, gb = np.zeros_like(W), np.zeros_like(b)
    try:
        with np.errstate(all="ignore"):
            for _ in range(int(steps)):
                new_W, new_b = step_fn([W], [b], [gW], [gb], eta, lmbda, n)
                W = np.asarray(new_W[0], dtype=float).reshape(1, -1)
    except Exception as exc:  # the student's code: report, never crash the widget
        msg = str(exc).strip().splitlines()[0][:80] if str(exc).strip() else ""
        return None, f"raised {type(exc).__name__}" + (f": {msg}" if msg else "")
    out = W.reshape(np.shape(w))
    return out, "ok" if np.all(np.isfinite(out)) else "gives nan/inf"


def weight_histogram(W, bins=_BINS) -> np.ndarray:
    """Fraction of the weights in each bin (weights outside the range go to the end bins)."""
    w = np.clip(np.ravel(W), bins[0], bins[-1])
    counts, _ = np.histogram(w, bins=bins)
    return counts / max(w.size, 1)


# --------------------------------------------------------------------------- the figure
def _probe():
    W = np.array([[0.5, -0.5]])
    return ([W], [np.zeros(2)], [np.zeros_like(W)], [np.zeros(2)], 0.1, 1.0, 10)


class ExplorerView:
    """The explorer's figure: three panels whose artists are created once and updated in place.

    Parameters
    ----------
    runs : mapping (penalty, lmbda) -> Run
        Must contain the unregularised run under ``("L2", 0.0)`` (the faint baseline).
    student : mapping penalty -> name or function, optional
        The student's step functions, e.g. ``{"L2": "weight_decay_step", "L1": "l1_step"}``;
        looked up in the notebook at every :meth:`update`.
    namespace : mapping, optional
        Where to look the names up (tests); default: the notebook.
    """

    def __init__(self, runs: Mapping[tuple[str, float], Run], student: Mapping[str, object] | None = None,
                 namespace: Mapping | None = None, figsize=(12.0, 3.6), dpi: int = 100):
        if ("L2", 0.0) not in runs:
            raise ValueError("runs: expected the unregularised run under the key ('L2', 0.0)")
        self.runs = dict(runs)
        self.student = dict(student or {})
        self.namespace = namespace
        self.base = self.runs[("L2", 0.0)]
        self.view = FigureImage(figsize=figsize, dpi=dpi,
                                margins=dict(left=0.055, right=0.99, bottom=0.15, top=0.8, wspace=0.3))
        fig = self.view.figure
        self.ax_acc, self.ax_hist, self.ax_mech = fig.subplots(1, 3)
        self._cache: dict = {}

        epochs = np.arange(1, self.base.train_accuracy.size + 1)
        ax = self.ax_acc
        ax.plot(epochs, self.base.train_accuracy, color=_COLORS["train"], alpha=0.25, lw=1)
        ax.plot(epochs, self.base.validation_accuracy, color=_COLORS["validation"], alpha=0.25, lw=1,
                label="no penalty (faint)")
        (self.l_train,) = ax.plot([], [], color=_COLORS["train"], lw=2, label="training")
        (self.l_val,) = ax.plot([], [], color=_COLORS["validation"], lw=2, label="validation")
        lo = min(float(np.min(r.validation_accuracy)) for r in self.runs.values())
        ax.set(xlabel="epoch", ylabel="accuracy", ylim=(max(0.0, lo - 0.03), 1.005), xlim=(1, epochs[-1]))
        ax.legend(loc="lower right", fontsize=8)

        ax = self.ax_hist
        centers = 0.5 * (_BINS[1:] + _BINS[:-1])
        self._centers = centers
        ax.stairs(weight_histogram(self.base.W1), _BINS, color="0.6", lw=1, label="no penalty")
        self.h_run = ax.stairs(weight_histogram(self.base.W1), _BINS, color="tab:purple", lw=1.8, label="this run")
        ax.set(xlabel="first-layer weight w", ylabel="fraction of weights", yscale="log", ylim=(1e-4, 1.0),
               xlim=(_BINS[0], _BINS[-1]))
        ax.legend(loc="upper right", fontsize=8)

        ax = self.ax_mech
        ax.plot(_W_GRID, _W_GRID, color="0.75", lw=1, ls=":", label="no change")
        (self.m_ref,) = ax.plot([], [], color="tab:green", lw=2.2, label="reference")
        (self.m_student,) = ax.plot([], [], color="black", lw=1.3, ls="--", label="your step function")
        ax.set(xlabel="weight before", ylabel=f"after {EPOCHS_OF_DECAY} epochs of penalty only",
               xlim=(_W_GRID[0], _W_GRID[-1]), ylim=(_W_GRID[0], _W_GRID[-1]))
        ax.axhline(0, color="0.85", lw=0.8)
        ax.axvline(0, color="0.85", lw=0.8)
        ax.legend(loc="upper left", fontsize=8)
        self.note = fig.text(0.5, 0.95, "", ha="center", va="center", fontsize=10)
        # what update() changes is redrawn on the cached background (FigureImage): all of it
        self.view.animate(self.l_train, self.l_val, self.h_run, self.m_ref, self.m_student, self.note,
                          self.ax_acc.title, self.ax_hist.title, self.ax_mech.title)
        self.last = None

    def lambdas(self, penalty: str) -> list[float]:
        """The lambdas available for ``penalty`` (L2 includes 0)."""
        return sorted(lm for p, lm in self.runs if p == penalty or (lm == 0.0 and p == "L2"))

    def student_curve(self, penalty: str, run: Run) -> tuple[np.ndarray | None, str]:
        """The student's panel-3 curve for ``run`` (cached per function object and setting)."""
        spec = self.student.get(penalty)
        found = lookup(spec, probe=_probe(), namespace=self.namespace)
        if found.function is None:
            return None, found.status
        key = (id(found.function), getattr(found.function, "__code__", None), penalty, run.lmbda)
        if key not in self._cache:
            steps = EPOCHS_OF_DECAY * run.steps_per_epoch
            self._cache[key] = student_penalty_only(found.function, _W_GRID, run.lmbda, run.eta, run.n, steps)
        return self._cache[key]

    def update(self, penalty: str, lmbda: float) -> dict:
        """Show the run ``(penalty, lmbda)``; return what was drawn (for tests)."""
        run = self.runs[("L2", 0.0)] if lmbda == 0.0 else self.runs[(penalty, float(lmbda))]
        epochs = np.arange(1, run.train_accuracy.size + 1)
        self.l_train.set_data(epochs, run.train_accuracy)
        self.l_val.set_data(epochs, run.validation_accuracy)
        self.ax_acc.set_title(f"gap: train {run.train_accuracy[-1]:.1%} - validation "
                              f"{run.validation_accuracy[-1]:.1%} = {run.gap * 100:.1f} points", fontsize=9)
        self.h_run.set_data(weight_histogram(run.W1))
        self.ax_hist.set_title(f"|w| < 0.01: {run.near_zero:.1%} of weights "
                               f"(no penalty {self.base.near_zero:.1%})", fontsize=9)
        steps = EPOCHS_OF_DECAY * run.steps_per_epoch
        ref_key = ("reference", penalty, run.lmbda)
        if ref_key not in self._cache:
            self._cache[ref_key] = penalty_only(_W_GRID, penalty, run.lmbda, run.eta, run.n, steps)
        ref = self._cache[ref_key]
        self.m_ref.set_data(_W_GRID, ref)
        mine, status = self.student_curve(penalty, run) if run.lmbda else (None, "lambda = 0: nothing to do")
        if mine is None:
            self.m_student.set_data([], [])
            verdict = status
        else:
            self.m_student.set_data(_W_GRID, mine)
            diff = float(np.max(np.abs(mine - ref))) if status == "ok" else np.inf
            verdict = "matches the reference" if diff < 1e-6 else (
                status if status != "ok" else f"differs from the reference by up to {diff:.3g}")
        name = {"L2": "weight_decay_step", "L1": "l1_step"}[penalty]
        rule = "w -> (1 - eta lambda/n) w" if penalty == "L2" else "w -> w - (eta lambda/n) sgn(w)"
        self.ax_mech.set_title(f"{rule}, {steps} steps", fontsize=9)
        self.note.set_text(f"{penalty}, lambda = {run.lmbda:g}, eta = {run.eta:g}, n = {run.n}    |    "
                           f"your {name}: {verdict}")
        self.note.set_color("black" if verdict.startswith("matches") or run.lmbda == 0 else "tab:red")
        self.last = {"run": run, "reference": ref, "student": mine, "status": status, "verdict": verdict}
        return self.last


def regularization_explorer(runs: Mapping[tuple[str, float], Run], student: Mapping[str, object] | None = None, *,
                            penalty: str = "L2", lmbda: float | None = None):
    """Interactive explorer: a penalty toggle and a lambda slider over the chapter's runs.

    Parameters
    ----------
    runs : mapping (penalty, lmbda) -> Run
        The runs computed in the notebook (the unregularised one under ``("L2", 0.0)``).
    student : mapping, optional
        ``{"L2": "weight_decay_step", "L1": "l1_step"}`` (names or the functions): the student's
        step functions, looked up at every redraw and drawn dashed in the third panel.
    penalty, lmbda
        The run shown first (default: the smallest nonzero lambda of ``penalty``).

    Returns
    -------
    ipywidgets.VBox
        Controls above the figure; ``box.redraw()`` redraws, ``box.view`` is the
        :class:`ExplorerView`.
    """
    import ipywidgets as widgets

    view = ExplorerView(runs, student)
    options = {p: view.lambdas(p) for p in PENALTIES}
    if lmbda is None:
        lmbda = next((lm for lm in options[penalty] if lm > 0), 0.0)
    style = {"description_width": "70px"}
    toggle = widgets.ToggleButtons(options=list(PENALTIES), value=penalty, description="penalty", style=style)
    slider = widgets.SelectionSlider(options=[(f"{lm:g}", lm) for lm in options[penalty]], value=lmbda,
                                     description="lambda", style=style, continuous_update=True,
                                     layout=widgets.Layout(width="420px"))

    def redraw():
        view.update(toggle.value, slider.value)
        view.view.push()

    def on_penalty(_change):
        keep = slider.value if slider.value in options[toggle.value] else next(
            (lm for lm in options[toggle.value] if lm > 0), 0.0)
        slider.unobserve_all("value")
        slider.options = [(f"{lm:g}", lm) for lm in options[toggle.value]]
        slider.value = keep
        observe([slider], redraw)
        redraw()

    toggle.observe(on_penalty, names="value")
    observe([slider], redraw)
    redraw()
    box = widgets.VBox([widgets.HBox([toggle, slider]), view.view.image])
    box.redraw = redraw
    box.view = view
    return box
