"""What every explorer shares: live lookup of the student's functions and a fast figure.

Live lookup
-----------
An explorer must not keep the function object it saw when its cell ran: a student who draws
the widget first and writes ``softmax`` afterwards expects the next slider move to use it.
So an explorer keeps *names* and, at each redraw, calls::

    fn = student_function("softmax", probe=(np.array([[1.0, 2.0, 0.5]]),))

which looks ``softmax`` up in the notebook's namespace (``IPython.get_ipython().user_ns``)
right now and returns it if it is callable and runs on the probe arguments without raising;
otherwise ``None``. :func:`lookup` returns the same function together with a short status
("not implemented yet", "not defined yet", "raised ValueError: ...") for the figure's note.

An explorer's ``student`` argument may be a name (``"softmax"``) or the function itself
(``softmax``): a function is looked up again by its ``__name__`` at each redraw, so
``softmax_explorer(student_softmax=softmax)`` drawn while ``softmax`` is still the stub
picks up the student's later definition. Outside a notebook (tests, scripts) there is no
namespace and a passed function is used as it is; tests may pass ``namespace={...}``.

Fast figure
-----------
:class:`FigureImage` owns ONE matplotlib figure (Agg canvas, fixed margins, no layout
engine) and an ``ipywidgets.Image``. A redraw updates the artists' data
(``line.set_data``, ``bar.set_height``, ``text.set_text``) and calls :meth:`FigureImage.push`,
which renders the figure once and sends the PNG bytes as a binary buffer (no base64, no
output-area re-render in the browser). Creating axes or figures in a redraw is what made
the first explorers slow (100+ ms in the kernel); updating data costs a fraction of that.

Chapter helpers use it like this::

    from nnkit.widgets._live import FigureImage, lookup, observe

    def my_explorer(student="my_function"):
        view = FigureImage(figsize=(9, 3.2))
        ax = view.figure.add_subplot(1, 1, 1)
        (line,) = ax.plot([], [])
        slider = widgets.FloatSlider(..., continuous_update=True)

        def redraw():
            fn, status = lookup(student, probe=(np.zeros((1, 3)),))
            line.set_data(*update(slider.value, fn))   # a plain, tested function
            view.push()

        observe([slider], redraw)
        redraw()
        return widgets.VBox([slider, view.image])
"""

from __future__ import annotations

import struct
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np

__all__ = ["Found", "FigureImage", "user_namespace", "lookup", "student_function", "observe", "encode_png",
           "MODEL_NOT_FOUND_NOTE"]

#: One sentence for notebooks and the README (shown above explorer cells).
MODEL_NOT_FOUND_NOTE = ("If a widget shows \"Error displaying widget: model not found\", the kernel that "
                        "drew it is gone (restarted, or the notebook was reopened): run its cell again.")


def user_namespace() -> Mapping[str, Any] | None:
    """The notebook's namespace (``get_ipython().user_ns``), or ``None`` outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with ipywidgets
        return None
    shell = get_ipython()
    return None if shell is None else shell.user_ns


class Found(NamedTuple):
    """Result of :func:`lookup`: the usable function (or None) and why (``fn, status = lookup(...)``)."""

    function: Callable | None
    status: str  # "ok", "not defined yet", "not implemented yet", "raised <Error>: <msg>", ...


def _describe(exc: BaseException, limit: int = 120) -> str:
    if isinstance(exc, NotImplementedError):
        return "not implemented yet"
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(msg) > limit:
        msg = msg[: limit - 3] + "..."
    return f"raised {type(exc).__name__}: {msg}" if msg else f"raised {type(exc).__name__}"


def lookup(spec: str | Callable | None, probe: tuple = (), *,
           namespace: Mapping[str, Any] | None = None) -> Found:
    """Find the student's function NOW and try it on ``probe``; never raises.

    Parameters
    ----------
    spec : str, callable or None
        A name to look up in the notebook namespace, or a function (looked up again by its
        ``__name__`` when the namespace holds a callable of that name, else used as passed).
        ``None`` means "no student function" (status ``"not passed"``).
    probe : tuple
        Arguments for one trial call; the function counts only if that call returns without
        raising. Use tiny arrays: the probe runs at every redraw.
    namespace : mapping, optional
        Where to look names up (default: :func:`user_namespace`, i.e. the notebook).

    Returns
    -------
    Found
        ``(function, "ok")`` or ``(None, reason)``.
    """
    if spec is None:
        return Found(None, "not passed")
    ns = user_namespace() if namespace is None else namespace
    if isinstance(spec, str):
        name, fn = spec, (ns or {}).get(spec)
        if fn is None:
            return Found(None, "not defined yet")
    else:
        name = getattr(spec, "__name__", "")
        current = (ns or {}).get(name) if name.isidentifier() else None
        fn = current if callable(current) else spec
    if not callable(fn):
        return Found(None, f"{name} is a {type(fn).__name__}, not a function")
    try:
        with np.errstate(all="ignore"):
            fn(*probe)
    except Exception as exc:  # the student's code: report it, never crash the widget
        return Found(None, _describe(exc))
    return Found(fn, "ok")


def student_function(name: str | Callable | None, probe: tuple = (), *,
                     namespace: Mapping[str, Any] | None = None) -> Callable | None:
    """The student's function ``name`` if it exists now and runs on ``probe``; else ``None``.

    Looked up at each call (call it in every redraw), so a function written after the widget
    was drawn is used on the next slider move. See :func:`lookup` for the status text.
    """
    return lookup(name, probe, namespace=namespace).function


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def encode_png(rgba: np.ndarray, level: int = 1) -> bytes:
    """PNG bytes of an (H, W, 4) uint8 image, alpha dropped; rows unfiltered, zlib ``level``.

    Four times faster than Pillow's encoder here (which tries a filter per row): a plot is
    mostly flat colour, so plain zlib compresses it nearly as well.
    """
    h, w, _ = rgba.shape
    raw = np.empty((h, 1 + 3 * w), dtype=np.uint8)
    raw[:, 0] = 0  # filter type "None" for every row
    raw[:, 1:].reshape(h, w, 3)[...] = rgba[..., :3]
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw.tobytes(), level))
            + _chunk(b"IEND", b""))


def observe(controls: Iterable, callback: Callable[[], Any]) -> None:
    """Call ``callback()`` whenever one of the ``controls`` changes its value."""
    for control in controls:
        control.observe(lambda _change: callback(), names="value")


class FigureImage:
    """One matplotlib figure rendered into one ``ipywidgets.Image``, reused for every redraw.

    Parameters
    ----------
    figsize : (width, height) in inches
    dpi : int
        Pixels per inch of the PNG. 100 gives a 900 px wide image for ``figsize[0] = 9``, which
        fits a JupyterLab notebook at 1280x800 (the image shrinks to the cell's width if needed).
    margins : dict, optional
        ``Figure.subplots_adjust`` arguments (fixed margins; a layout engine would re-measure
        every text at every redraw).
    compress_level : int
        zlib level of the PNG (1: fast; the bytes travel over localhost).

    Artists registered with :meth:`animate` are the ones a redraw changes. :meth:`png` draws
    everything else (axes, ticks, labels, legends) once into a cached background and, while
    every axes keeps its limits, only restores that background and draws the animated
    artists on it. A change of any axes' limits (or :meth:`invalidate`) redraws everything.
    """

    def __init__(self, figsize=(9.0, 3.2), dpi: int = 100, margins: Mapping[str, float] | None = None,
                 compress_level: int = 1):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        if margins:
            self.figure.subplots_adjust(**margins)
        self.dpi = dpi
        self.compress_level = compress_level
        self._image = None
        self._animated: list = []
        self._background = None
        self._background_key = None
        self.last_render_seconds = 0.0
        self.full_redraws = 0

    @property
    def image(self):
        """The ``ipywidgets.Image`` showing the figure (created on first use)."""
        if self._image is None:
            import ipywidgets as widgets

            w, h = self.figure.get_size_inches() * self.dpi
            self._image = widgets.Image(format="png", layout=widgets.Layout(
                width=f"{w:.0f}px", max_width="100%", height="auto", object_fit="contain"))
        return self._image

    def animate(self, *artists):
        """Mark ``artists`` as the ones redraws change (drawn on top of the cached background)."""
        for artist in artists:
            artist.set_animated(True)
            self._animated.append(artist)
        return artists[0] if len(artists) == 1 else artists

    def invalidate(self) -> None:
        """Redraw the background at the next :meth:`png` (call after changing static artists)."""
        self._background = None

    def _limits(self) -> tuple:
        return tuple((tuple(ax.get_xlim()), tuple(ax.get_ylim())) for ax in self.figure.axes)

    def png(self) -> bytes:
        """Render the figure as it is now; return PNG bytes."""
        t0 = time.perf_counter()
        key = self._limits()
        if self._background is None or key != self._background_key:
            self.canvas.draw()  # everything except the animated artists
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._background_key = key
            self.full_redraws += 1
        else:
            self.canvas.restore_region(self._background)
        renderer = self.canvas.get_renderer()
        for artist in self._animated:
            if artist.get_visible():
                artist.draw(renderer)
        data = encode_png(np.asarray(self.canvas.buffer_rgba()), self.compress_level)
        self.last_render_seconds = time.perf_counter() - t0
        return data

    def push(self) -> bytes:
        """Render and show: put the PNG into :attr:`image`; return the bytes."""
        data = self.png()
        self.image.value = data
        return data
