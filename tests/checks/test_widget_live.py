"""nnkit.widgets._live: the student's functions are found at each redraw; one figure, cached background."""

from __future__ import annotations

import numpy as np
import pytest

from nnkit.widgets._live import FigureImage, lookup, student_function

PROBE = (np.array([[1.0, 2.0]]),)


def stub(z):
    raise NotImplementedError


def good(z):
    return z * 2


def test_lookup_by_name_happens_at_each_call():
    ns = {"good": stub}
    assert student_function("good", PROBE, namespace=ns) is None
    assert lookup("good", PROBE, namespace=ns).status == "not implemented yet"
    ns["good"] = good  # the student (re)defines the function after the widget was drawn
    assert student_function("good", PROBE, namespace=ns) is good
    assert lookup("missing", PROBE, namespace=ns) == (None, "not defined yet")


def test_a_passed_function_is_looked_up_again_by_its_name():
    ns = {"stub": good}
    assert student_function(stub, PROBE, namespace=ns) is good
    assert student_function(stub, PROBE, namespace={}) is None  # no newer definition: the stub itself
    assert student_function(good, PROBE, namespace={}) is good
    assert student_function(lambda z: z, PROBE, namespace={}) is not None


@pytest.mark.parametrize("value, status", [
    (lambda z: 1 / 0, "raised ZeroDivisionError: division by zero"),
    (3, "is a int, not a function"),
    (None, "not defined yet"),
])
def test_unusable_functions_give_a_status_never_an_exception(value, status):
    found = lookup("f", PROBE, namespace={"f": value})
    assert found.function is None and status in found.status


def test_none_means_not_passed_and_outside_ipython_there_is_no_namespace():
    assert lookup(None) == (None, "not passed")
    assert student_function("good", PROBE) is None  # pytest is not an IPython kernel


def test_figure_image_caches_the_background_until_limits_change():
    view = FigureImage(figsize=(4, 2), dpi=50)
    ax = view.figure.add_subplot(1, 1, 1)
    (line,) = ax.plot([0, 1], [0, 1])
    view.animate(line)
    ax.set(xlim=(0, 1), ylim=(0, 1))
    one = view.png()
    line.set_ydata([1, 0])
    two = view.png()
    assert one.startswith(b"\x89PNG") and one != two and view.full_redraws == 1
    ax.set_ylim(0, 2)
    view.png()
    assert view.full_redraws == 2
    import ipywidgets

    assert isinstance(view.image, ipywidgets.Image)
    assert view.push() == view.image.value
