"""forbid_references: traps every route to a reference, and always restores it."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import nnkit.costs as costs_module
from nnkit.checks import ReferenceUsedError, forbid_references
from nnkit.checks._trap import CheckFailed, resolve

A = np.array([[0.5, 0.25]])
Y = np.array([[0.0, 1.0]])
NAMES = ["nnkit.costs.quadratic_cost", "nnkit.costs.CrossEntropyCost"]

ORIGINAL_QC = costs_module.quadratic_cost
ORIGINAL_QC_CODE = costs_module.quadratic_cost.__code__
ORIGINAL_CE_FN = costs_module.CrossEntropyCost.__dict__["fn"]


def _assert_restored():
    assert costs_module.quadratic_cost is ORIGINAL_QC
    assert costs_module.quadratic_cost.__code__ is ORIGINAL_QC_CODE
    assert costs_module.CrossEntropyCost.__dict__["fn"] is ORIGINAL_CE_FN
    assert costs_module.quadratic_cost(A, Y) == pytest.approx(0.5 * (0.25 + 0.5625))
    assert costs_module.CrossEntropyCost().fn(np.array([[1.0]]), np.array([[1.0]])) == 0.0


def test_reference_error_is_an_assertion_error_with_a_friendly_message():
    err = ReferenceUsedError("nnkit.costs.quadratic_cost", "quadratic_cost")
    assert isinstance(err, CheckFailed) and isinstance(err, AssertionError)
    assert "quadratic_cost looks like it calls nnkit.costs.quadratic_cost; write it yourself" in str(err)


def test_direct_module_attribute_call_is_trapped_and_restored():
    with forbid_references(NAMES) as trap:
        with pytest.raises(ReferenceUsedError, match="calls nnkit.costs.quadratic_cost"):
            costs_module.quadratic_cost(A, Y)
    assert trap.triggered == ["nnkit.costs.quadratic_cost"]
    _assert_restored()


def test_alias_in_namespace_is_replaced_by_identity_and_put_back():
    ns: dict = {}
    exec("from nnkit.costs import quadratic_cost as qc\n"
         "def quadratic_cost(a, y):\n    return qc(a, y)\n", ns)
    student_fn = ns["quadratic_cost"]
    with forbid_references(NAMES, ns) as trap:
        assert ns["qc"] is not ORIGINAL_QC          # the alias was swapped for a trap
        assert ns["quadratic_cost"] is student_fn   # same name, different object: untouched
        with pytest.raises(ReferenceUsedError):
            student_fn(A, Y)
    assert trap.triggered == ["nnkit.costs.quadratic_cost"]
    assert ns["qc"] is ORIGINAL_QC
    _assert_restored()


def test_closures_partials_and_containers_are_caught_through_the_code_object():
    hidden_in_closure = (lambda f: (lambda a, y: f(a, y)))(costs_module.quadratic_cost)
    partial = functools.partial(costs_module.quadratic_cost)
    table = {"q": costs_module.quadratic_cost}
    for route in (hidden_in_closure, partial, table["q"]):
        with forbid_references(NAMES):
            with pytest.raises(ReferenceUsedError):
                route(A, Y)
    _assert_restored()
    assert partial(A, Y) == ORIGINAL_QC(A, Y)


def test_class_methods_instances_bound_methods_and_factories_are_trapped():
    instance = costs_module.CrossEntropyCost()       # made BEFORE the trap
    bound = instance.fn
    ns = {"bound": bound, "cls": costs_module.CrossEntropyCost}
    with forbid_references(NAMES, ns) as trap:
        with pytest.raises(ReferenceUsedError, match="CrossEntropyCost.fn"):
            instance.fn(A, Y)
        with pytest.raises(ReferenceUsedError, match="CrossEntropyCost.delta"):
            costs_module.CrossEntropyCost().delta(A, A, Y)
        with pytest.raises(ReferenceUsedError):
            ns["bound"](A, Y)
        with pytest.raises(ReferenceUsedError):
            costs_module.get_cost("cross_entropy").fn(A, Y)
        # the class object itself stays usable for isinstance checks
        assert isinstance(instance, ns["cls"])
    assert len(trap.triggered) == 4
    assert ns["bound"] is bound
    _assert_restored()


def test_sibling_classes_sharing_a_base_keep_working():
    with forbid_references(["nnkit.costs.CrossEntropyCost"]):
        assert costs_module.LogLikelihoodCost().fn(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]])) == 0.0
        assert costs_module.QuadraticCost().fn(A, Y) == pytest.approx(ORIGINAL_QC(A, Y))


def test_restored_even_when_the_block_raises_something_else():
    with pytest.raises(ZeroDivisionError):
        with forbid_references(NAMES):
            1 / 0
    _assert_restored()


def test_swallowed_trap_is_still_recorded():
    def sneaky(a, y):
        try:
            return costs_module.quadratic_cost(a, y)
        except Exception:
            return 0.5 * float(np.sum((a - y) ** 2))

    with forbid_references(NAMES) as trap:
        sneaky(A, Y)
    assert trap.triggered == ["nnkit.costs.quadratic_cost"]


def test_nested_traps_record_on_the_innermost_and_restore_in_order():
    with forbid_references(NAMES) as outer:
        with forbid_references(["nnkit.costs.quadratic_cost"]) as inner:
            with pytest.raises(ReferenceUsedError):
                costs_module.quadratic_cost(A, Y)
        with pytest.raises(ReferenceUsedError):
            costs_module.quadratic_cost(A, Y)   # still trapped by the outer block
    assert inner.triggered == ["nnkit.costs.quadratic_cost"]
    assert outer.triggered == ["nnkit.costs.quadratic_cost"]
    _assert_restored()


@pytest.mark.parametrize("bad", ["nnkit.costs.no_such_cost", "nnkit.nowhere.thing", "quadratic_cost"])
def test_unknown_names_raise_before_anything_is_patched(bad):
    with pytest.raises(ValueError):
        with forbid_references(["nnkit.costs.quadratic_cost", bad]):
            pass  # pragma: no cover
    _assert_restored()


def test_resolve_finds_owner_and_attribute():
    owner, attr, obj = resolve("nnkit.costs.QuadraticCost.delta")
    assert owner is costs_module.QuadraticCost and attr == "delta" and callable(obj)
