"""The activation explorer (chapter 03): an activation's shape and slope, and what its slope does
to the gradient of every layer of a deep stack.

Controls: the activation (sigmoid, tanh, ReLU, leaky ReLU, ELU), its ``alpha`` (the leak of
leaky ReLU, the negative saturation of ELU), the depth of a stack and the scale of its
weights. Three panels, one figure reused for every redraw:

* the activation ``f(z)`` (reference solid, the student's dashed where the student wrote it);
* its slope ``f'(z)``, the factor each layer multiplies a backpropagated gradient by;
* the mechanism through depth: :math:`\\lVert \\partial C/\\partial b^l \\rVert` against the
  layer ``l`` (log scale) for a random stack of ``depth`` layers of 30 units with weights
  :math:`N(0, \\text{scale}^2/30)` and the same random upstream gradient at the top
  (:func:`nnkit.depth.layer_gradient_norms`). All five activations are drawn faintly, the
  chosen one bold, the student's ``layer_gradient_norms`` dashed. Sigmoid gradients vanish
  towards the input at any scale near 1; a large scale makes tanh saturate and ReLU explode.

The student's functions are looked up by name at every redraw (:mod:`nnkit.widgets._live`):
``tanh_from_sigmoid`` (tanh and its slope), ``leaky_relu_backward`` (the slope, with upstream
1), ``elu_prime_from_output`` (the slope, from the reference output) and
``layer_gradient_norms``. Sigmoid and ReLU are references only (not exercises).

Everything is a plain function, testable without a browser:

* :func:`reference_curves` - ``(f(z), f'(z))`` of the nnkit reference.
* :func:`student_curves` - the student's ``(f or None, f' or None, status)``; never raises.
* :func:`depth_profile` - reference gradient norms of every activation for one stack.
* :func:`student_depth_profile` - the student's norms for the chosen activation, or a status.
* :class:`ActivationFigure` - the figure; ``update(...)`` changes its artists' data only.
* :func:`activation_explorer` - the ipywidgets UI wiring them together.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnkit import activations as _act
from nnkit.depth import layer_gradient_norms, random_stack
from nnkit.widgets._live import FigureImage, lookup, observe

__all__ = ["ACTIVATION_NAMES", "DepthProfile", "reference_curves", "student_curves", "depth_profile",
           "student_depth_profile", "ActivationFigure", "activation_explorer"]

ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")
LABELS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "leaky ReLU", "elu": "ELU"}
COLORS = {"sigmoid": "tab:red", "tanh": "tab:orange", "relu": "tab:blue", "leaky_relu": "tab:green",
          "elu": "tab:purple"}
#: Which exercise draws which part: activation -> (student function name, what it gives).
STUDENT_FUNCTIONS = {"tanh": "tanh_from_sigmoid", "leaky_relu": "leaky_relu_backward", "elu": "elu_prime_from_output"}
WIDTH, BATCH = 30, 64
#: y-range of the gradient-norm panel (fixed, so redraws never re-render the axes).
NORM_LIMITS = (1e-12, 1e8)
Z_GRID = np.linspace(-4.0, 4.0, 321)


def _check_name(name: str) -> str:
    if name not in ACTIVATION_NAMES:
        raise ValueError(f"name: expected one of {list(ACTIVATION_NAMES)}, got {name!r}")
    return name


def _functions(name: str, alpha: float) -> tuple[Callable, Callable]:
    """Reference ``(f, f')`` of an activation, with ``alpha`` bound for leaky ReLU and ELU."""
    name = _check_name(name)
    if name == "leaky_relu":
        return (lambda z: _act.leaky_relu(z, alpha)), (lambda z: _act.leaky_relu_prime(z, alpha))
    if name == "elu":
        return (lambda z: _act.elu(z, alpha)), (lambda z: _act.elu_prime(z, alpha))
    a = _act.ACTIVATIONS[name]
    return a.fn, a.prime


def reference_curves(name: str, z=Z_GRID, alpha: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """``(f(z), f'(z))`` of the nnkit reference activation ``name`` (``alpha`` for leaky ReLU / ELU)."""
    f, fp = _functions(name, alpha)
    z = np.asarray(z, dtype=float)
    return np.asarray(f(z), dtype=float), np.asarray(fp(z), dtype=float)


def _finite(x, shape) -> np.ndarray | None:
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        return None
    if arr.shape != shape:
        return None
    return arr


def _agreement(mine: list[np.ndarray | None], ref: list[np.ndarray]) -> str:
    diffs = [float(np.max(np.abs(m - r))) for m, r in zip(mine, ref) if m is not None]
    if any(not np.isfinite(d) for d in diffs):
        return "gives nan/inf somewhere"
    worst = max(diffs) if diffs else 0.0
    return "matches the reference" if worst < 1e-6 else f"differs from the reference (by up to {worst:.3g})"


def student_curves(name: str, z=Z_GRID, alpha: float = 0.1, *,
                   namespace: Mapping[str, Any] | None = None) -> tuple[np.ndarray | None, np.ndarray | None, str]:
    """The student's ``(f(z) or None, f'(z) or None, status)`` for activation ``name``; never raises.

    tanh: ``tanh_from_sigmoid(z, sigmoid, sigmoid_prime)`` gives both; leaky ReLU:
    ``leaky_relu_backward(ones, z, alpha)`` gives the slope; ELU: ``elu_prime_from_output(elu(z),
    alpha)`` gives the slope. Sigmoid and ReLU have no student function (status "not an exercise").
    """
    name = _check_name(name)
    spec = STUDENT_FUNCTIONS.get(name)
    if spec is None:
        return None, None, "not an exercise"
    z = np.asarray(z, dtype=float)
    probes = {
        "tanh": (np.array([-1.0, 0.0, 1.0]), _act.sigmoid, _act.sigmoid_prime),
        "leaky_relu": (np.ones(2), np.array([-1.0, 1.0]), 0.1),
        "elu": (np.array([-0.5, 0.5]), 1.0),
    }
    fn, status = lookup(spec, probes[name], namespace=namespace)
    if fn is None:
        return None, None, f"{spec}: {status}"
    ref_f, ref_fp = reference_curves(name, z, alpha)
    try:
        with np.errstate(all="ignore"):
            if name == "tanh":
                out = fn(z, _act.sigmoid, _act.sigmoid_prime)
                if not (isinstance(out, (tuple, list)) and len(out) == 2):
                    return None, None, f"{spec}: expected a pair (a, a_prime)"
                f, fp = _finite(out[0], z.shape), _finite(out[1], z.shape)
            elif name == "leaky_relu":
                f, fp = None, _finite(fn(np.ones_like(z), z, alpha), z.shape)
            else:
                f, fp = None, _finite(fn(ref_f, alpha), z.shape)
    except Exception as exc:  # the student's code: report it, never crash the widget
        return None, None, f"{spec} raised {type(exc).__name__}: {exc}"
    if f is None and fp is None:
        return None, None, f"{spec}: returned the wrong shape or type"
    return f, fp, f"{spec} " + _agreement([f, fp], [ref_f, ref_fp])


@dataclass(frozen=True)
class DepthProfile:
    """Reference gradient norms ``||dC/db^l||`` (layer 1 first) of one random stack, per activation."""

    depth: int
    scale: float
    norms: dict  # name -> ndarray (depth,)
    stack: tuple  # (X, weights, biases, grad_out)


def depth_profile(depth: int, scale: float, alpha: float = 0.1, seed: int = 0) -> DepthProfile:
    """Gradient norm of every layer for each activation on the same random stack and upstream gradient.

    The stack: ``depth`` layers of 30 units, weights ``N(0, scale^2 / 30)``, zero biases
    (:func:`nnkit.depth.random_stack`), 64 inputs ``N(0, 1)``, upstream gradient ``N(0, 1)/64``.
    """
    g = np.random.default_rng(seed)
    X = g.normal(size=(BATCH, WIDTH))
    G = g.normal(size=(BATCH, WIDTH)) / BATCH
    weights, biases = random_stack(int(depth), WIDTH, float(scale), rng=g)
    norms = {}
    with np.errstate(all="ignore"):
        for name in ACTIVATION_NAMES:
            f, fp = _functions(name, alpha)
            norms[name] = layer_gradient_norms(X, weights, biases, f, fp, G)
    return DepthProfile(int(depth), float(scale), norms, (X, weights, biases, G))


_NORMS_PROBE = (np.ones((2, 2)), [np.eye(2)], [np.zeros(2)], _act.sigmoid, _act.sigmoid_prime, np.ones((2, 2)))


def student_depth_profile(profile: DepthProfile, name: str, alpha: float = 0.1, *,
                          namespace: Mapping[str, Any] | None = None) -> tuple[np.ndarray | None, str]:
    """The student's ``layer_gradient_norms`` on the profile's stack with activation ``name``; never raises."""
    fn, status = lookup("layer_gradient_norms", _NORMS_PROBE, namespace=namespace)
    if fn is None:
        return None, f"layer_gradient_norms: {status}"
    X, weights, biases, G = profile.stack
    f, fp = _functions(name, alpha)
    try:
        with np.errstate(all="ignore"):
            out = _finite(fn(X.copy(), [w.copy() for w in weights], [b.copy() for b in biases], f, fp, G.copy()),
                          (profile.depth,))
    except Exception as exc:
        return None, f"layer_gradient_norms raised {type(exc).__name__}: {exc}"
    if out is None:
        return None, f"layer_gradient_norms: expected an array of shape ({profile.depth},)"
    ref = profile.norms[name]
    with np.errstate(all="ignore"):
        rel = np.abs(out - ref) / np.maximum(np.abs(ref), 1e-300)
    if not np.all(np.isfinite(out)):
        return out, "layer_gradient_norms gives nan/inf"
    worst = float(np.max(rel))
    return out, ("layer_gradient_norms matches the reference" if worst < 1e-6
                 else f"layer_gradient_norms differs from the reference (relative error up to {worst:.2g})")


class ActivationFigure:
    """The explorer's figure: built once, :meth:`update` changes artists' data (and limits when needed)."""

    def __init__(self, max_depth: int = 30, figsize=(10.5, 3.5), dpi: int = 100):
        self.view = FigureImage(figsize=figsize, dpi=dpi,
                                margins=dict(left=0.06, right=0.99, bottom=0.14, top=0.74, wspace=0.27))
        fig = self.view.figure
        self.ax_f, self.ax_fp, self.ax_g = fig.subplots(1, 3)
        anim = self.view.animate
        z = Z_GRID
        self.ref_f = anim(self.ax_f.plot(z, z * 0, lw=2.2, color="tab:red")[0])
        self.mine_f = anim(self.ax_f.plot(z, z * 0, lw=1.4, ls="--", color="black")[0])
        self.ref_fp = anim(self.ax_fp.plot(z, z * 0, lw=2.2, color="tab:red")[0])
        self.mine_fp = anim(self.ax_fp.plot(z, z * 0, lw=1.4, ls="--", color="black")[0])
        layers = np.arange(1, max_depth + 1)
        self.faint = {n: anim(self.ax_g.plot(layers, np.ones(max_depth), lw=1.0, alpha=0.35, color=COLORS[n])[0])
                      for n in ACTIVATION_NAMES}
        self.bold = anim(self.ax_g.plot(layers, np.ones(max_depth), "o-", ms=3, lw=2.2, color="tab:red")[0])
        self.mine_g = anim(self.ax_g.plot(layers, np.ones(max_depth), lw=1.4, ls="--", color="black")[0])
        self.title_f = anim(self.ax_f.set_title("", fontsize=9))
        self.title_g = anim(self.ax_g.set_title("", fontsize=9))
        self.note = anim(fig.text(0.5, 0.985, "", ha="center", va="top", fontsize=8.5))
        for ax in (self.ax_f, self.ax_fp):
            ax.set_xlim(-4, 4)
            ax.axhline(0, color="grey", lw=0.6)
            ax.axvline(0, color="grey", lw=0.6)
            ax.set_xlabel("z", fontsize=9)
            ax.tick_params(labelsize=8)
        self.ax_f.set_ylim(-1.6, 4.1)
        self.ax_fp.set_ylim(-0.05, 1.25)
        self.ax_fp.set_title("slope f'(z): the factor per layer", fontsize=9)
        self.ax_g.set_yscale("log")
        # fixed limits: a redraw then only re-renders the lines over a cached background
        self.ax_g.set_xlim(0.5, max_depth + 0.5)
        self.ax_g.set_ylim(*NORM_LIMITS)
        self.ax_g.set_xlabel("layer l (1 = next to the inputs)", fontsize=9)
        self.ax_g.set_ylabel(r"$\|\partial C / \partial b^l\|$", fontsize=9)
        self.ax_g.tick_params(labelsize=8)
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=COLORS[n], lw=2.0) for n in ACTIVATION_NAMES]
        handles.append(Line2D([], [], color="black", lw=1.4, ls="--"))
        fig.legend(handles, [LABELS[n] for n in ACTIVATION_NAMES] + ["your function"],
                   loc="upper center", ncol=6, frameon=False, fontsize=8.5, bbox_to_anchor=(0.5, 0.935))
        self.max_depth = max_depth

    def update(self, name: str, alpha: float, profile: DepthProfile,
               mine: tuple[np.ndarray | None, np.ndarray | None, str] = (None, None, "not passed"),
               mine_norms: tuple[np.ndarray | None, str] = (None, "not passed")) -> None:
        """Put one setting's numbers into the artists (limits of the right panel change only by decades)."""
        color = COLORS[_check_name(name)]
        f, fp = reference_curves(name, Z_GRID, alpha)
        for line, y in ((self.ref_f, f), (self.ref_fp, fp)):
            line.set_ydata(y)
            line.set_color(color)
        for line, y in ((self.mine_f, mine[0]), (self.mine_fp, mine[1])):
            line.set_visible(y is not None)
            if y is not None:
                line.set_ydata(np.clip(y, -10, 10))
        depth = profile.depth
        layers = np.arange(1, depth + 1)
        for n, line in self.faint.items():
            line.set_data(layers, profile.norms[n])
            line.set_visible(n != name)
        self.bold.set_data(layers, profile.norms[name])
        self.bold.set_color(color)
        self.mine_g.set_visible(mine_norms[0] is not None)
        if mine_norms[0] is not None:
            self.mine_g.set_data(layers, mine_norms[0])
        n = profile.norms[name]
        ratio = n[0] / n[-1] if n[-1] > 0 else float("nan")
        self.title_f.set_text(f"{LABELS[name]}" + (f"  (alpha = {alpha:.2f})" if name in ("leaky_relu", "elu") else ""))
        self.title_g.set_text(f"{depth} layers, weights N(0, {profile.scale:.2f}²/{WIDTH}):\n"
                              f"first / last layer: {ratio:.2g}   (chosen: bold)")
        self.note.set_text(" | ".join(s for s in (mine[2], mine_norms[1]) if s and s != "not passed"))

    def png(self) -> bytes:
        return self.view.png()


def activation_explorer(*, activation: str = "sigmoid", alpha: float = 0.1, depth: int = 10, scale: float = 1.0,
                        max_depth: int = 30, namespace: Mapping[str, Any] | None = None):
    """Interactive explorer: activation, alpha, depth and weight-scale controls, three panels.

    The student's ``tanh_from_sigmoid``, ``leaky_relu_backward``, ``elu_prime_from_output`` and
    ``layer_gradient_norms`` are looked up in the notebook at every redraw and drawn dashed.

    Returns
    -------
    ipywidgets.VBox
        ``box.redraw()`` redraws; ``box.controls`` maps ``"activation"``, ``"alpha"``,
        ``"depth"``, ``"scale"`` to the controls; ``box.last_redraw_seconds`` is the kernel
        time of the last redraw; ``box.profile`` the last :class:`DepthProfile`.
    """
    import ipywidgets as widgets

    style = {"description_width": "70px"}
    act = widgets.ToggleButtons(options=[(LABELS[n], n) for n in ACTIVATION_NAMES], value=_check_name(activation),
                                description="activation", style={"description_width": "70px", "button_width": "90px"})
    alpha_s = widgets.FloatSlider(value=alpha, min=0.0, max=1.5, step=0.01, description="alpha", style=style)
    depth_s = widgets.IntSlider(value=depth, min=1, max=max_depth, step=1, description="depth", style=style)
    scale_s = widgets.FloatSlider(value=scale, min=0.25, max=4.0, step=0.05, description="weight scale", style=style)
    figure = ActivationFigure(max_depth=max_depth)
    box = widgets.VBox([act, widgets.HBox([depth_s, scale_s, alpha_s]), figure.view.image])

    def redraw():
        t0 = time.perf_counter()
        name, a = act.value, float(alpha_s.value)
        profile = depth_profile(depth_s.value, scale_s.value, a)
        mine = student_curves(name, Z_GRID, a, namespace=namespace)
        mine_norms = student_depth_profile(profile, name, a, namespace=namespace)
        figure.update(name, a, profile, mine, mine_norms)
        figure.view.push()
        box.profile = profile
        box.last_redraw_seconds = time.perf_counter() - t0

    observe((act, alpha_s, depth_s, scale_s), redraw)
    box.redraw = redraw
    box.controls = {"activation": act, "alpha": alpha_s, "depth": depth_s, "scale": scale_s}
    box.figure = figure
    box.image = figure.view.image
    redraw()
    return box
