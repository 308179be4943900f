"""The slowdown explorer's plain-function callbacks and its widget wiring (no browser needed)."""

from __future__ import annotations

import time

import ipywidgets
import numpy as np
import pytest
from notebook_cells import namespace

from nnkit.activations import sigmoid
from nnkit.costs import CrossEntropyCost, QuadraticCost, binary_cross_entropy
from nnkit.widgets import slowdown_explorer
from nnkit.widgets.ch01_cost_functions import (STUDENT_NAMES, SlowdownFigure, explore, gradient_sizes, readout_html,
                                               simulate, simulate_student)


def loop_reference(w, b, eta, cost, epochs):
    """A slow, obviously-correct loop using the nnkit cost objects on (1, 1) arrays."""
    obj = QuadraticCost() if cost == "quadratic" else CrossEntropyCost()
    outs = []
    for _ in range(epochs + 1):
        z = np.array([[w + b]])
        a = sigmoid(z)
        outs.append(float(a[0, 0]))
        d = float(obj.delta(z, a, np.zeros((1, 1)))[0, 0])
        w, b = w - eta * d, b - eta * d
    return np.array(outs)


@pytest.mark.parametrize("cost", ["quadratic", "cross_entropy"])
def test_vectorised_simulation_matches_a_plain_loop_for_every_start(cost):
    w0, b0 = np.array([0.6, 2.0, -1.0]), np.array([0.9, 2.0, 3.0])
    traj = simulate(w0, b0, 0.15, cost, epochs=120)
    assert traj.output.shape == (121, 3)
    for k in range(3):
        np.testing.assert_allclose(traj.output[:, k], loop_reference(w0[k], b0[k], 0.15, cost, 120), rtol=1e-12)


def test_simulation_reproduces_the_chapter_numbers():
    quad_b = simulate(2.0, 2.0, 0.15, "quadratic", 300)
    quad_a = simulate(0.6, 0.9, 0.15, "quadratic", 300)
    assert round(quad_a.output[0], 2) == 0.82 and round(quad_b.output[0], 2) == 0.98
    assert quad_b.output[150] > 0.9                      # still on the plateau after 150 epochs
    assert 0.15 < quad_b.output[-1] < 0.25                # ends near 0.20
    assert 0.05 < quad_a.output[-1] < 0.12                # ends near 0.09
    assert simulate(2.0, 2.0, 0.15, "cross_entropy", 300).output[50] < 0.2


def test_cost_curves_are_the_single_example_costs():
    for cost in ("quadratic", "cross_entropy"):
        traj = simulate(1.0, 1.5, 0.3, cost, 20)
        for k in (0, 7, 20):
            a = np.array([[traj.output[k]]])
            want = 0.5 * a[0, 0] ** 2 if cost == "quadratic" else binary_cross_entropy(a, np.zeros((1, 1)))
            assert traj.cost[k] == pytest.approx(want, rel=1e-9)


def test_simulation_stays_finite_when_saturated():
    traj = simulate(500.0, 500.0, 0.15, "cross_entropy", 10)
    assert np.all(np.isfinite(traj.cost)) and traj.cost[0] == pytest.approx(1000.0)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="cost"):
        simulate(1.0, 1.0, 0.1, "hinge")
    with pytest.raises(ValueError, match="epochs"):
        simulate(1.0, 1.0, 0.1, epochs=-1)


def test_student_functions_reproduce_the_reference():
    ns = namespace()
    for cost, pair in (("quadratic", ("quadratic_cost", "quadratic_delta")),
                       ("cross_entropy", ("cross_entropy_cost", "cross_entropy_delta"))):
        traj, status = simulate_student((ns[pair[0]], ns[pair[1]]), 2.0, 2.0, 0.15, 300)
        ref = simulate(2.0, 2.0, 0.15, cost, 300)
        assert status == "ok"
        np.testing.assert_allclose(traj.output, ref.output, rtol=1e-10)
        np.testing.assert_allclose(traj.cost, ref.cost, rtol=1e-8, atol=1e-12)


def test_student_stubs_and_errors_are_reported_not_raised():
    def stub(*args):
        raise NotImplementedError()

    def broken(z, a, y):
        raise ValueError("boom")

    assert simulate_student(None, 1, 1, 0.1)[1] == "not implemented yet"
    traj, status = simulate_student((stub, stub), 1, 1, 0.1)
    assert traj is None and "not implemented yet" in status
    traj, status = simulate_student((stub, broken), 1, 1, 0.1)
    assert traj is None and "ValueError: boom" in status


def test_gradient_sizes_show_the_mechanism():
    quad = simulate(2.0, 2.0, 0.15, "quadratic", 10)
    slope, grad = gradient_sizes(quad, "quadratic")
    np.testing.assert_allclose(slope, quad.output * (1 - quad.output), rtol=1e-12)
    np.testing.assert_allclose(grad, quad.output * slope, rtol=1e-12)  # y = 0: delta = a sigma'(z)
    _, ce_grad = gradient_sizes(quad, "cross_entropy")
    np.testing.assert_allclose(ce_grad, quad.output)  # delta = a - y
    assert grad[0] / ce_grad[0] == pytest.approx(slope[0])  # the ratio IS sigma'(z)
    assert slope[0] < 0.02  # saturated start: a tiny step


def test_explore_compares_the_student_run():
    ns = namespace()
    good = explore(2.0, 2.0, 0.15, "quadratic", student=(ns["quadratic_cost"], ns["quadratic_delta"]))
    assert good.student_status == "match the reference" and good.student is not None
    wrong = explore(2.0, 2.0, 0.15, "quadratic", student=(ns["quadratic_cost"], lambda z, a, y: a - y))
    assert wrong.student_status.startswith("differ from the reference")
    missing = explore(2.0, 2.0, 0.15, "quadratic", student="quadratic_delta: not implemented yet")
    assert missing.student is None and "not implemented yet" in readout_html(missing)
    assert "σ'(z)" in readout_html(good) and "match the reference" in readout_html(good)


def test_figure_is_reused_and_redraws_only_what_changed():
    fig = SlowdownFigure()
    fig.update(explore(2.0, 2.0, 0.15, "quadratic"))
    first = fig.png()
    axes = list(fig.view.figure.axes)
    fig.update(explore(2.1, 2.0, 0.15, "quadratic"))
    second = fig.png()
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and first != second
    assert fig.view.figure.axes == axes and len(axes) == 3  # no new axes
    assert fig.view.full_redraws == 1  # the second frame reused the cached background
    legend = fig.view.figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()][0] == "quadratic (reference)"
    fig.update(explore(2.1, 2.0, 0.15, "cross_entropy"))
    fig.png()
    assert [t.get_text() for t in fig.view.figure.legends[0].get_texts()][0] == "cross-entropy (reference)"
    assert len(fig.view.figure.legends) == 1


def test_no_slider_position_redraws_the_whole_figure():
    """Fixed axis limits: dragging any slider over its range only redraws the curves."""
    fig = SlowdownFigure()
    for w in np.linspace(-4, 4, 9):
        for b, eta in ((-4.0, 0.01), (4.0, 2.0), (0.0, 0.15)):
            fig.update(explore(w, b, eta, "quadratic"))
            fig.png()
    assert fig.view.full_redraws == 1


def test_figure_fits_a_1280x800_screen():
    fig = SlowdownFigure()
    w, h = fig.view.figure.get_size_inches() * fig.view.dpi
    assert 700 <= w <= 950 and h <= 400


def test_widget_redraws_on_change_and_is_fast():
    box = slowdown_explorer()
    controls = box.controls
    assert all(isinstance(controls[k], ipywidgets.FloatSlider) for k in ("w", "b", "eta"))
    assert all(controls[k].continuous_update for k in ("w", "b", "eta"))
    assert isinstance(box.image, ipywidgets.Image)
    first = box.image.value
    times = []
    for v in np.linspace(2.1, 3.5, 15):
        cpu = time.process_time()  # CPU time: other jobs on a shared machine do not count
        controls["w"].value = float(v)
        times.append(time.process_time() - cpu)
    assert box.image.value != first
    assert np.median(times) < 0.05, f"kernel redraw median {np.median(times) * 1000:.0f} ms CPU (budget 50 ms)"
    controls["cost"].value = "cross_entropy"
    assert box.state.cost == "cross_entropy"


def test_widget_finds_functions_written_after_it_was_drawn():
    """A live widget: the stub first, the student's function on the next slider move."""
    ns = dict(namespace())
    good_cost, good_delta = ns["quadratic_cost"], ns["quadratic_delta"]

    def stub(*args):
        raise NotImplementedError

    ns["quadratic_cost"], ns["quadratic_delta"] = stub, stub
    box = slowdown_explorer(student=STUDENT_NAMES, namespace=ns)
    assert box.state.student is None and "not implemented yet" in box.readout.value
    ns["quadratic_cost"], ns["quadratic_delta"] = good_cost, good_delta  # the student runs the cell
    box.controls["w"].value = 2.5
    assert box.state.student_status == "match the reference"
    assert "match the reference" in box.readout.value


def test_widget_passed_function_objects_are_looked_up_by_name_again():
    ns = dict(namespace())

    def quadratic_delta(z, a, y):
        raise NotImplementedError

    box = slowdown_explorer(student={"quadratic": (ns["quadratic_cost"], quadratic_delta)}, namespace=ns)
    assert box.state.student_status == "match the reference"  # ns holds the finished quadratic_delta
    del ns["quadratic_delta"]
    box.controls["b"].value = 1.0
    assert "not implemented yet" in box.state.student_status  # falls back to the object passed
