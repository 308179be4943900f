"""Drive one notebook in JupyterLab the way a person would: menus, clicks and keys.

Nothing here reaches into JupyterLab's JavaScript objects (``window.jupyterapp`` is not
exposed by default, and a student does not have it either). We click the Run menu, select
cells by clicking their prompt, press Shift+Enter, focus a slider handle and press the arrow
keys, and we read the state back from the DOM: the input prompts (``[*]``, ``[3]``), the
kernel indicator in the notebook toolbar (``data-status``), dialogs, and the output areas.

Every wait is a poll on a condition with a deadline, and a timeout says what it was waiting
for and what it saw last.
"""

from __future__ import annotations

import base64
import json
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

#: Text/plain reprs that mean "a widget should be here but the front end did not render it".
RAW_WIDGET_REPR = re.compile(
    r"^\s*(interactive|VBox|HBox|Box|GridBox|Tab|Accordion|FloatSlider|IntSlider|Output|"
    r"Dropdown|ToggleButtons|Checkbox|Play|Button|FloatLogSlider|SelectionSlider)\("
)
#: Words in the kernel's dialogs when it died or restarts under us.
KERNEL_TROUBLE = ("Kernel Restarting", "kernel appears to have died", "Dead kernel", "Kernel Restart")
#: A traceback in a stderr output (error outputs are rendered with the stderr mime type).
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b", re.MULTILINE)

# One JS snapshot of the visible notebook: kernel status, dialogs, and per cell its prompt,
# classes and every (nested) output with its mime type and text.
_SNAPSHOT_JS = r"""
() => {
  const panel = [...document.querySelectorAll('.jp-NotebookPanel')]
      .find(p => !p.classList.contains('lm-mod-hidden') && p.offsetParent !== null);
  const dialogs = [...document.querySelectorAll('.jp-Dialog')].map(d => d.innerText.slice(0, 500));
  if (!panel) return {ready: false, status: null, dialogs, cells: []};
  const ind = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  const cells = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')].map((c, i) => {
    const prompt = c.querySelector('.jp-InputArea-prompt');
    const outputs = [...c.querySelectorAll('.jp-OutputArea-output')].map(o => ({
      mime: o.getAttribute('data-mime-type') || '',
      text: (o.innerText || '').slice(0, 4000),
      nested: !!o.parentElement.closest('.widget-output'),
    }));
    return {
      index: i,
      code: c.classList.contains('jp-CodeCell'),
      prompt: prompt ? prompt.textContent.trim() : '',
      outputs,
      widgets: c.querySelectorAll('.jp-Cell-outputArea .jupyter-widgets').length,
      sliders: c.querySelectorAll('.jp-Cell-outputArea .widget-slider .noUi-handle').length,
      imgs: c.querySelectorAll('.jp-Cell-outputArea img').length,
      widgetErrors: (c.querySelector('.jp-Cell-outputArea') || {innerText: ''}).innerText
          .includes('Error displaying widget'),
    };
  });
  return {ready: true, status: ind ? ind.getAttribute('data-status') : null, dialogs, cells};
}
"""

# Watch one cell: remember its current image sources, then time from the next keydown on
# the slider handle to the first image whose source was not there before.
_PROBE_INSTALL_JS = r"""
([cellIndex, sliderIndex]) => {
  const panel = [...document.querySelectorAll('.jp-NotebookPanel')]
      .find(p => !p.classList.contains('lm-mod-hidden') && p.offsetParent !== null);
  const cell = panel.querySelectorAll('.jp-Notebook .jp-Cell')[cellIndex];
  const area = cell.querySelector('.jp-Cell-outputArea');
  const handle = area.querySelectorAll('.widget-slider .noUi-handle')[sliderIndex];
  const srcs = () => [...area.querySelectorAll('img')].map(i => i.getAttribute('src') || '');
  if (window.__nnkitProbe && window.__nnkitProbe.observer) window.__nnkitProbe.observer.disconnect();
  const probe = {before: srcs(), tInput: null, tImage: null, fresh: null, valueBefore: handle.getAttribute('aria-valuenow')};
  const seen = new Set(probe.before);
  handle.addEventListener('keydown', () => { if (probe.tInput === null) probe.tInput = performance.now(); },
                          {capture: true, once: true});
  handle.addEventListener('pointerdown', () => { if (probe.tInput === null) probe.tInput = performance.now(); },
                          {capture: true, once: true});
  const check = () => {
    if (probe.tInput === null || probe.tImage !== null) return;
    const fresh = [...area.querySelectorAll('img')].find(i => !seen.has(i.getAttribute('src') || ''));
    if (fresh) {
      probe.tImage = performance.now();
      probe.fresh = fresh.getAttribute('src');
      probe.observer.disconnect();
    }
  };
  probe.observer = new MutationObserver(check);
  probe.observer.observe(area, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
  window.__nnkitProbe = probe;
  const label = handle.closest('.widget-slider').querySelector('.widget-label');
  return {before: probe.before.length, value: probe.valueBefore, label: label ? label.textContent.trim() : '',
          min: handle.getAttribute('aria-valuemin'), max: handle.getAttribute('aria-valuemax')};
}
"""


# The bytes of the images in one cell's output, base64: data: URLs as they are, blob: URLs
# (ipywidgets.Image) fetched from the page.
_IMAGES_JS = r"""
async (i) => {
  const imgs = [...document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')[i]
      .querySelectorAll('.jp-Cell-outputArea img')];
  const out = [];
  for (const im of imgs) {
    const src = im.getAttribute('src') || '';
    if (src.startsWith('data:image/png;base64,')) { out.push(src.split(',', 2)[1]); continue; }
    if (!src.startsWith('blob:')) continue;
    const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer());
    let bin = '';
    for (let k = 0; k < bytes.length; k += 0x8000) bin += String.fromCharCode(...bytes.subarray(k, k + 0x8000));
    out.push(btoa(bin));
  }
  return out;
}
"""


# Drag probe: the time of every new image in one cell, and of the mouse-up.
_DRAG_PROBE_JS = r"""
([cellIndex, sliderIndex]) => {
  const panel = [...document.querySelectorAll('.jp-NotebookPanel')]
      .find(p => !p.classList.contains('lm-mod-hidden') && p.offsetParent !== null);
  const area = panel.querySelectorAll('.jp-Notebook .jp-Cell')[cellIndex].querySelector('.jp-Cell-outputArea');
  if (window.__nnkitDrag && window.__nnkitDrag.observer) window.__nnkitDrag.observer.disconnect();
  const seen = new Set([...area.querySelectorAll('img')].map(i => i.getAttribute('src') || ''));
  const probe = {tUp: null, times: []};
  document.addEventListener('pointerup', () => { probe.tUp = performance.now(); }, {capture: true, once: true});
  probe.observer = new MutationObserver(() => {
    for (const im of area.querySelectorAll('img')) {
      const src = im.getAttribute('src') || '';
      if (!seen.has(src)) { seen.add(src); probe.times.push(performance.now()); }
    }
  });
  probe.observer.observe(area, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
  window.__nnkitDrag = probe;
  return true;
}
"""


class NotebookTimeout(AssertionError):
    """A wait in the browser ran out; the message says what was expected and what was seen."""


def code_cells(nb) -> list[int]:
    """Indices of the code cells that JupyterLab really sends to the kernel (non-empty)."""
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]


def strip_outputs(src: Path, dst: Path) -> nbformat.NotebookNode:
    """Copy a notebook without outputs, execution counts or stored widget state.

    The stored outputs of the executed solution notebooks would otherwise make the page look
    finished before anything ran (and stale widget views render as errors).
    """
    nb = nbformat.read(src, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    dst.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dst)
    return nb


@dataclass
class RedrawResult:
    """What one slider session did: times in milliseconds and the images before/after."""

    cell: int
    slider: int
    label: str = ""
    times_ms: list[float] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    #: PNG bytes of the plot before the first move and after every move.
    pngs: list[bytes] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)


class NotebookPage:
    """One notebook open in its own JupyterLab page.

    Parameters
    ----------
    page : playwright.sync_api.Page
    server : e2e_lab.LabServer
    relpath : str
        Path of the notebook relative to the server root.
    timeout : float
        Seconds allowed for slow things (kernel start, running all cells).
    """

    def __init__(self, page, server, relpath: str, timeout: float = 300.0):
        self.page = page
        self.server = server
        self.relpath = relpath
        self.timeout = timeout
        self.path = Path(server.root_dir) / relpath
        self.nb = nbformat.read(self.path, as_version=4)

    # ------------------------------------------------------------------ reading the page
    def snapshot(self) -> dict:
        return self.page.evaluate(_SNAPSHOT_JS)

    def _check_kernel_alive(self, snap: dict) -> None:
        trouble = [d for d in snap["dialogs"] if any(k.lower() in d.lower() for k in KERNEL_TROUBLE)]
        if trouble or snap["status"] == "dead":
            raise AssertionError(
                f"{self.relpath}: the kernel died or restarted (status={snap['status']!r}); "
                f"dialog: {trouble[:1]}"
            )

    def wait_until(self, what: str, predicate, timeout: float | None = None, poll: float = 0.25):
        """Poll :meth:`snapshot` until ``predicate(snap)`` is true; fail clearly on timeout."""
        deadline = time.monotonic() + (timeout or self.timeout)
        snap = None
        while True:
            snap = self.snapshot()
            if snap["ready"]:
                self._check_kernel_alive(snap)
                if predicate(snap):
                    return snap
            if time.monotonic() > deadline:
                break
            self.page.wait_for_timeout(poll * 1000)
        pending = [c["index"] for c in (snap or {}).get("cells", []) if c["prompt"].startswith("[*")]
        raise NotebookTimeout(
            f"{self.relpath}: timed out after {timeout or self.timeout:.0f} s waiting for {what}; "
            f"kernel status={snap and snap['status']!r}, cells still running/queued={pending}, "
            f"dialogs={snap and snap['dialogs']}"
        )

    # ------------------------------------------------------------------ actions
    def open(self) -> NotebookPage:
        """Load the notebook page and wait for its cells and an idle kernel."""
        self.page.goto(self.server.url(f"lab/tree/{self.relpath}", "reset"), wait_until="domcontentloaded")
        n = len(self.nb.cells)
        # The toolbar says "idle" before any kernel exists (then initializing, connecting,
        # unknown, idle), and a Run All clicked in that gap is silently lost. So: first the
        # server must hold a session with an idle kernel for this notebook, then the page
        # must say idle too.
        self.wait_until(
            f"the notebook to show its {n} cells and an idle, connected kernel (kernel start can be slow)",
            lambda s: len(s["cells"]) == n and self.server_kernel_state() == "idle" and s["status"] == "idle",
        )
        return self

    def server_kernel_state(self) -> str | None:
        """Execution state of this notebook's kernel according to the server (None: no session)."""
        for sess in self.server.api("sessions") or []:
            if sess.get("path") == self.relpath and sess.get("kernel"):
                return sess["kernel"].get("execution_state")
        return None

    def _menu(self, menu: str, command: str) -> None:
        self.page.locator(".lm-MenuBar-item", has_text=re.compile(rf"^{menu}$")).first.click()
        item = self.page.locator(f'.lm-Menu .lm-Menu-item[data-command="{command}"]')
        item.first.wait_for(state="visible", timeout=10_000)
        item.first.click()

    def select_cell(self, index: int) -> None:
        """Select a cell in command mode by clicking its input prompt."""
        cell = self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(index)
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputArea-prompt").first.click()
        self.page.wait_for_function(
            "i => document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')[i]"
            ".classList.contains('jp-mod-active')",
            arg=index,
            timeout=10_000,
        )

    def run_all(self) -> dict:
        """Run > Run All Cells; wait until nothing is queued and the kernel is idle.

        Returns the last snapshot. Cells that never ran (an error stops a run unless the cell is
        tagged ``raises-exception``) keep an empty prompt; :meth:`problems` reports them.
        """
        self._menu("Run", "runmenu:run-all")
        return self.wait_settled(code_cells(self.nb), "all cells to run")

    def run_all_above(self, index: int) -> dict:
        """Select cell ``index`` and use Run > Run All Above Selected Cell."""
        self.select_cell(index)
        self._menu("Run", "notebook:run-all-above")
        return self.wait_settled([i for i in code_cells(self.nb) if i < index], f"the cells above cell {index}")

    def run_cells_from(self, start: int, stop: int) -> dict:
        """Select cell ``start`` and press Shift+Enter until cell ``stop`` (inclusive) ran."""
        self.select_cell(start)
        for _ in range(start, stop + 1):
            self.page.keyboard.press("Shift+Enter")
        return self.wait_settled(
            [i for i in code_cells(self.nb) if start <= i <= stop], f"cells {start}..{stop}"
        )

    def wait_settled(self, expected: list[int], what: str) -> dict:
        """Wait until every expected cell shows an execution count, or the run stopped early.

        The run must first visibly start (an expected cell leaves its empty ``[ ]`` prompt).
        "Stopped early" = kernel idle and no ``[*]`` prompt on four polls in a row.
        """
        state = {"quiet": 0}

        def done(s):
            prompts = {c["index"]: c["prompt"] for c in s["cells"]}
            started = any(prompts.get(i, "[ ]:") != "[ ]:" for i in expected)
            running = any(p.startswith("[*") for p in prompts.values())
            if not started or s["status"] != "idle" or running:
                state["quiet"] = 0
                return False
            if all(re.match(r"\[\d+\]", prompts.get(i, "")) for i in expected):
                return True
            state["quiet"] += 1
            return state["quiet"] >= 4

        return self.wait_until(what, done)

    def save(self) -> nbformat.NotebookNode:
        """Click the toolbar's save button, wait for the file to change and read it back."""
        before = self.path.stat().st_mtime_ns
        self.page.locator('.jp-NotebookPanel-toolbar jp-button[data-command="docmanager:save"]').first.click()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.path.stat().st_mtime_ns != before:
                try:
                    return nbformat.read(self.path, as_version=4)
                except (json.JSONDecodeError, nbformat.reader.NotJSONError):
                    pass  # caught the file mid-write
            self.page.wait_for_timeout(200)
        raise NotebookTimeout(f"{self.relpath}: saving did not update the file within 60 s")

    # ------------------------------------------------------------------ checks
    def problems(self, snap: dict, expected: list[int], allow_errors=frozenset()) -> list[str]:
        """See :func:`page_problems`."""
        return page_problems(snap, expected, allow_errors)

    # ------------------------------------------------------------------ widgets
    def slider_cells(self, snap: dict) -> list[dict]:
        """Cells whose output holds at least one slider and one image, in notebook order."""
        return [c for c in snap["cells"] if c["sliders"] > 0 and c["imgs"] > 0]

    def move_slider(self, cell: int, slider: int, moves: int, timeout: float = 60.0,
                    direction: str | None = None) -> RedrawResult:
        """Press arrow keys on a slider handle ``moves`` times; time each redraw.

        Each move must change the handle's value and bring an image whose PNG differs from
        every image shown before that move. The time is taken in the browser, from the keydown
        on the handle to the DOM mutation that inserted the new image.
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        res = RedrawResult(cell=cell, slider=slider)
        handle = (
            self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(cell)
            .locator(".jp-Cell-outputArea .widget-slider .noUi-handle").nth(slider)
        )
        handle.scroll_into_view_if_needed()
        for k in range(moves):
            info = self.page.evaluate(_PROBE_INSTALL_JS, [cell, slider])
            if k == 0:
                res.label = info["label"]
                res.pngs.append(self._current_png(cell))
                res.values.append(info["value"])
            value, lo, hi = (float(info[x]) for x in ("value", "min", "max"))
            if direction is None or (direction == "ArrowRight" and value >= hi) or (
                direction == "ArrowLeft" and value <= lo
            ):
                direction = "ArrowRight" if value < hi else "ArrowLeft"
            handle.focus()
            handle.press(direction)
            try:
                self.page.wait_for_function(
                    "() => window.__nnkitProbe.tImage !== null", timeout=timeout * 1000, polling=50
                )
            except PlaywrightTimeout as exc:
                probe = self.page.evaluate(
                    "() => ({t: window.__nnkitProbe.tInput, v: window.__nnkitProbe.valueBefore})"
                )
                now = handle.get_attribute("aria-valuenow")
                raise NotebookTimeout(
                    f"{self.relpath}: after {direction} on slider {slider} of cell {cell} "
                    f"(value {probe['v']} -> {now}, keydown seen: {probe['t'] is not None}) no new "
                    f"plot image appeared within {timeout:.0f} s"
                ) from exc
            probe = self.page.evaluate(
                "() => ({t0: window.__nnkitProbe.tInput, t1: window.__nnkitProbe.tImage})"
            )
            res.times_ms.append(probe["t1"] - probe["t0"])
            res.values.append(handle.get_attribute("aria-valuenow"))
            self._wait_images_settled(cell, timeout)
            res.pngs.append(self._current_png(cell))
            self._check_kernel_alive(self.snapshot())
        return res

    def drag_slider(self, cell: int, slider: int, pixels: float = 120, steps: int = 12,
                    step_ms: float = 30, timeout: float = 60.0) -> dict:
        """Drag a slider handle with the mouse; time the plot's catching up after the release.

        Returns ``{"frames": images shown while dragging, "lag_ms": mouse-up to the last new
        image, "values": (before, after)}``. With ``continuous_update`` the plot follows the
        drag; without it, the only new image comes after the release.
        """
        area = self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(cell).locator(".jp-Cell-outputArea")
        handle = area.locator(".widget-slider .noUi-handle").nth(slider)
        handle.scroll_into_view_if_needed()
        self.page.evaluate(_DRAG_PROBE_JS, [cell, slider])
        box = handle.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        before = handle.get_attribute("aria-valuenow")
        lo, hi = float(handle.get_attribute("aria-valuemin")), float(handle.get_attribute("aria-valuemax"))
        direction = 1 if float(before) < (lo + hi) / 2 else -1  # towards the far end: room to move
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        for k in range(1, steps + 1):
            self.page.mouse.move(x + direction * pixels * k / steps, y)
            self.page.wait_for_timeout(step_ms)
        self.page.mouse.up()
        self.page.wait_for_timeout(300)
        self._wait_images_settled(cell, timeout)
        self.page.wait_for_timeout(500)  # a straggler image would arrive now
        self._wait_images_settled(cell, timeout)
        probe = self.page.evaluate("() => ({up: window.__nnkitDrag.tUp, times: window.__nnkitDrag.times})")
        if probe["up"] is None:
            raise AssertionError(f"{self.relpath}: the mouse-up of the drag on cell {cell} was not seen")
        during = [t for t in probe["times"] if t <= probe["up"]]
        after = [t for t in probe["times"] if t > probe["up"]]
        lag = (max(after) - probe["up"]) if after else 0.0
        return {"frames": len(during), "lag_ms": lag, "values": (before, handle.get_attribute("aria-valuenow"))}

    def _wait_images_settled(self, cell: int, timeout: float) -> None:
        """Wait until every image in the cell has decoded and no redraw is running."""
        self.page.wait_for_function(
            "i => [...document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')[i]"
            ".querySelectorAll('.jp-Cell-outputArea img')].every(im => im.complete && im.naturalWidth > 0)",
            arg=cell,
            timeout=timeout * 1000,
        )
        self.wait_until("the kernel to be idle after a redraw", lambda s: s["status"] == "idle", timeout)

    def _current_png(self, cell: int) -> bytes:
        """The bytes of every image in the cell's output (data: URLs and the blob: URLs of ipywidgets.Image)."""
        blobs = self.page.evaluate(_IMAGES_JS, cell)
        return b"".join(base64.b64decode(b) for b in blobs)

    # ------------------------------------------------------------------ editing like a student
    def set_cell_source(self, index: int, text: str) -> None:
        """Replace a cell's text the way a person pastes: select it, Enter, Ctrl+A, insert, Escape.

        ``insert_text`` inserts the whole text at once, so the editor adds no auto-indentation
        or closing brackets.
        """
        self.select_cell(index)
        self.page.keyboard.press("Enter")
        editor = self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(index).locator(".cm-content")
        editor.wait_for(state="visible", timeout=10_000)
        self.page.keyboard.press("Control+a")
        self.page.keyboard.insert_text(text)
        self.page.keyboard.press("Escape")
        got = editor.inner_text()  # the editor renders only what is in view: compare the first line
        if text.strip().splitlines()[0].strip() not in got:
            raise AssertionError(f"{self.relpath}: cell {index} did not take the new text; it shows:\n{got[:400]}")

    def run_cell(self, index: int) -> dict:
        """Select a cell, Ctrl+Enter (run it, stay on it) and wait until it ran."""
        self.select_cell(index)
        before = self.snapshot()["cells"][index]["prompt"]
        self.page.keyboard.press("Control+Enter")
        return self.wait_until(
            f"cell {index} to run (prompt {before!r} -> a new execution count) and the kernel to be idle",
            lambda s: s["status"] == "idle" and s["cells"][index]["prompt"] != before
            and bool(re.match(r"\[\d+\]", s["cells"][index]["prompt"])),
        )

    def cell_text(self, snap: dict, index: int) -> str:
        """All output text of a cell (widgets included), as the page shows it."""
        return "\n".join(o["text"] for o in snap["cells"][index]["outputs"])

    def screenshot_cell(self, cell: int, path: Path) -> Path:
        loc = self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(cell).locator(".jp-Cell-outputArea")
        loc.scroll_into_view_if_needed()
        path.parent.mkdir(parents=True, exist_ok=True)
        loc.screenshot(path=str(path))
        return path


def page_problems(snap: dict, expected: list[int], allow_errors=frozenset()) -> list[str]:
    """Everything wrong with a page snapshot after a run, as readable sentences.

    Checks: the ``expected`` cells ran; no traceback in any output (nested widget outputs
    too) except in cells listed in ``allow_errors``; no "Error displaying widget"; no widget
    shown as raw text (``VBox(...)``, ``interactive(...)``), which is what a page without the
    widget front end shows.
    """
    out = []
    cells = {c["index"]: c for c in snap["cells"]}
    for i in expected:
        prompt = cells[i]["prompt"] if i in cells else "(cell missing from the page)"
        if not re.match(r"\[\d+\]", prompt):
            out.append(f"cell {i} did not run (prompt {prompt!r}): an earlier error stopped the run?")
    for c in snap["cells"]:
        for o in c["outputs"]:
            is_error = o["mime"] == "application/vnd.jupyter.stderr" and TRACEBACK.search(o["text"])
            if is_error and c["index"] not in allow_errors:
                out.append(f"cell {c['index']} shows an error:\n{_tail(o['text'])}")
            if o["mime"] == "text/plain" and RAW_WIDGET_REPR.search(o["text"]):
                out.append(f"cell {c['index']} shows a widget as raw text: {o['text'][:120]!r}")
        if c["widgetErrors"]:
            out.append(f"cell {c['index']} says 'Error displaying widget'")
    return out


def _tail(text: str, n: int = 12) -> str:
    return "\n".join(text.strip().splitlines()[-n:])
