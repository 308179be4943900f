"""The softmax explorer (chapter 02): plain-function callbacks, the live lookup, the figure (no browser)."""

from __future__ import annotations

import time

import ipywidgets
import numpy as np
import pytest

from nnkit.widgets import softmax_explorer
from nnkit.widgets.ch02_softmax import SoftmaxFigure, compute, readout_html


def good_softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def naive_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def not_implemented(*args):
    raise NotImplementedError


def good_delta(z, a, y):
    return a - y


def test_compute_lecture_example():
    st = compute([3.2, -5.7, 0.6])
    np.testing.assert_allclose(st.sigmoid, 1 / (1 + np.exp(-np.array([3.2, -5.7, 0.6]))))
    assert round(st.sigmoid_sum, 4) == 1.6098
    np.testing.assert_allclose(st.softmax.round(4), [0.9307, 0.0001, 0.0691])
    assert st.softmax_sum == pytest.approx(1.0, abs=1e-12)
    assert st.log_likelihood == pytest.approx(-np.log(st.softmax[0]))
    y = np.array([1.0, 0.0, 0.0])
    ce = -np.sum(y * np.log(st.sigmoid) + (1 - y) * np.log(1 - st.sigmoid))
    assert st.cross_entropy == pytest.approx(ce)
    assert st.student is None and st.student_status == "not passed"


def test_the_two_errors_the_mechanism_panel_shows():
    """a - y for the log-likelihood; J (a - y) for the quadratic cost, tiny when confidently wrong."""
    st = compute([0.0, 20.0, 0.0], true_class=0)
    y = np.array([1.0, 0.0, 0.0])
    np.testing.assert_allclose(st.error, st.softmax - y)
    a, v = st.softmax, st.softmax - y
    jac = np.diag(a) - np.outer(a, a)
    np.testing.assert_allclose(st.quadratic_error, jac @ v, atol=1e-15)
    assert np.linalg.norm(st.error) == pytest.approx(np.sqrt(2), rel=1e-6)
    assert np.linalg.norm(st.quadratic_error) < 1e-7  # the quadratic cost barely learns here
    assert "J(a − y)" in readout_html(st)


def test_compute_shift_and_temperature():
    z = [1.0, -2.0, 0.5, 3.0]
    base, shifted = compute(z), compute(z, shift=1000.0)
    np.testing.assert_allclose(shifted.softmax, base.softmax, atol=1e-12)
    assert shifted.log_likelihood == pytest.approx(base.log_likelihood)
    assert not np.allclose(shifted.sigmoid, base.sigmoid)
    assert np.isfinite(shifted.cross_entropy) and shifted.cross_entropy > 1000
    cold, hot = compute(z, temperature=0.05), compute(z, temperature=1000.0)
    assert cold.softmax[3] > 0.999
    np.testing.assert_allclose(hot.softmax, 0.25, atol=2e-3)


@pytest.mark.parametrize(
    "student, status",
    [(good_softmax, "matches the reference"), (not_implemented, "not implemented yet"),
     (lambda z: good_softmax(z) * 0.5, "differs from the reference by up to"),
     (lambda z: 1 / 0, "raised ZeroDivisionError"), (lambda z: None, "returned None"),
     (lambda z: good_softmax(z)[:, :2], "returned shape"), (naive_softmax, "nan/inf"),
     ("not defined yet", "not defined yet")],
    ids=["good", "not-implemented", "wrong", "raises", "none", "shape", "unstable", "status-text"],
)
def test_student_status(student, status):
    st = compute([3.2, -5.7, 0.6, 1.5], shift=1000.0, student_softmax=student)
    assert status in st.student_status, st.student_status


def test_student_delta_status():
    assert compute([1.0, 2.0], student_delta=good_delta).student_delta_status == "matches the reference"
    wrong = compute([1.0, 2.0], student_delta=lambda z, a, y: (a - y) * a * (1 - a))
    assert wrong.student_delta_status.startswith("differs")
    assert compute([1.0, 2.0], student_delta=not_implemented).student_delta is None


def test_figure_is_reused_and_only_data_changes():
    fig = SoftmaxFigure(4)
    fig.update(compute([1.0, 2.0, 0.0, -1.0], student_softmax=good_softmax, student_delta=good_delta))
    one = fig.png()
    axes = list(fig.view.figure.axes)
    assert all(p.get_visible() for p in fig.student_bars.patches) and fig.student_delta.get_visible()
    fig.update(compute([1.0, 2.0, 0.0, 4.0], student_softmax=not_implemented))
    two = fig.png()
    assert one.startswith(b"\x89PNG") and one != two
    assert fig.view.figure.axes == axes and fig.view.full_redraws == 1
    assert not any(p.get_visible() for p in fig.student_bars.patches) and not fig.student_delta.get_visible()
    assert fig.sig_bars.patches[3].get_height() == pytest.approx(1 / (1 + np.exp(-4.0)))
    fig.update(compute([1.0, 2.0, 0.0, 4.0], true_class=2))
    fig.png()
    assert "(true)" in fig.ax_soft.get_xticklabels()[2].get_text()


def test_widget_redraws_while_dragging_within_budget():
    box = softmax_explorer(good_softmax)
    assert isinstance(box.controls["z1"], ipywidgets.FloatSlider) and box.controls["z1"].continuous_update
    assert isinstance(box.controls["true_class"], ipywidgets.Dropdown)
    assert isinstance(box.image, ipywidgets.Image)
    assert box.state.student_status == "matches the reference"
    first, times = box.image.value, []
    for v in np.linspace(3.3, 4.7, 15):
        cpu = time.process_time()  # CPU time: other jobs on a shared machine do not count
        box.controls["z1"].value = float(v)
        times.append(time.process_time() - cpu)
    assert box.image.value != first
    assert np.median(times) < 0.05, f"kernel redraw median {np.median(times) * 1000:.0f} ms CPU (budget 50 ms)"
    box.controls["true_class"].value = 3
    assert box.state.true_class == 3 and "true class <b>4</b>" in box.readout.value
    box.controls["T"].value = 10.0
    assert box.state.scaled[0] == pytest.approx(0.47)
    assert "[0.5, -0.6, 0.1, 0.1]" in box.readout.value  # logits with one decimal


def test_widget_picks_up_a_softmax_written_after_it_was_drawn(monkeypatch):
    ns = {"softmax": not_implemented}
    monkeypatch.setattr("nnkit.widgets._live.user_namespace", lambda: ns)
    box = softmax_explorer("softmax", student_delta="log_likelihood_delta")
    assert "not implemented yet" in box.readout.value and "not defined yet" in box.readout.value
    ns["softmax"], ns["log_likelihood_delta"] = good_softmax, good_delta  # the student runs the cells
    box.controls["shift"].value = 500.0
    assert box.state.student_status == "matches the reference"
    assert box.state.student_delta_status == "matches the reference"
    assert np.isfinite(box.state.log_likelihood)
