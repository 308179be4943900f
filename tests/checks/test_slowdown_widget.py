"""The slowdown explorer's plain-function callbacks and its widget wiring (no browser needed)."""

from __future__ import annotations

import ipywidgets
import numpy as np
import pytest
from ch01_helpers import namespace

from nnkit.activations import sigmoid
from nnkit.costs import CrossEntropyCost, QuadraticCost, binary_cross_entropy
from nnkit.widgets import slowdown_explorer
from nnkit.widgets.slowdown import draw, render_png, simulate, simulate_student


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


def test_draw_shows_the_student_line_and_status():
    ns = namespace()
    student = {"quadratic": (ns["quadratic_cost"], ns["quadratic_delta"])}
    fig = draw(2.0, 2.0, 0.15, "quadratic", student=student)
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert "your functions" in labels and "quadratic (reference)" in labels
    assert "match the reference" in fig._suptitle.get_text()
    fig = draw(2.0, 2.0, 0.15, "cross_entropy", student=student)  # no entry for this cost
    assert "not implemented yet" in fig._suptitle.get_text()
    wrong = {"quadratic": (ns["quadratic_cost"], lambda z, a, y: a - y)}
    assert "differ from the reference" in draw(2.0, 2.0, 0.15, "quadratic", student=wrong)._suptitle.get_text()


def test_render_png_changes_with_the_settings():
    one = render_png(draw(2.0, 2.0, 0.15, "quadratic"))
    two = render_png(draw(0.6, 0.9, 0.15, "quadratic"))
    assert one[:8] == b"\x89PNG\r\n\x1a\n" and one != two


def test_widget_has_sliders_an_output_and_redraws_on_change():
    box = slowdown_explorer()
    controls = box.controls
    assert all(isinstance(controls[k], ipywidgets.FloatSlider) for k in ("w", "b", "eta"))
    assert isinstance(box.output, ipywidgets.Output)
    first = box.output.outputs
    assert first and "image/png" in first[0]["data"]
    controls["w"].value = -1.0
    second = box.output.outputs
    assert second[0]["data"]["image/png"] != first[0]["data"]["image/png"]
    controls["cost"].value = "cross_entropy"
    assert box.last_redraw_seconds > 0
