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
ORIGINAL_CE_FN = vars(costs_module.CrossEntropyCost).get("fn")  # None when inherited


def _assert_restored():
    assert costs_module.quadratic_cost is ORIGINAL_QC
    assert costs_module.quadratic_cost.__code__ is ORIGINAL_QC_CODE
    assert vars(costs_module.CrossEntropyCost).get("fn") is ORIGINAL_CE_FN
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


@pytest.mark.parametrize("bad", ["nnkit.costs.no_such_cost", "nnkit.nowhere.thing", "not_a_concept"])
def test_unknown_names_raise_before_anything_is_patched(bad):
    with pytest.raises(ValueError):
        with forbid_references(["nnkit.costs.quadratic_cost", bad]):
            pass  # pragma: no cover
    _assert_restored()


def test_resolve_finds_owner_and_attribute():
    owner, attr, obj = resolve("nnkit.costs.QuadraticCost.delta")
    assert owner is costs_module.QuadraticCost and attr == "delta" and callable(obj)


# --------------------------------------------------------------------------- concepts
# Written against the nnkit.concepts contract (functions(concept), known(), load_all()) with a
# stub registry, so these tests do not depend on which kernels nnkit registers.
import types as _types  # noqa: E402

from nnkit.checks._trap import exempt, forbid_concepts, kernels_of  # noqa: E402


def _kernel_module():
    """A throwaway 'nnkit' module with one kernel, an in-place kernel, a wrapper, a class and a dict."""
    src = '''
import numpy as np

def _softmax_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)

def _softmax_inplace(z):
    z[...] = _softmax_rows(z)

def softmax(z):
    """Public, validated."""
    return _softmax_rows(np.asarray(z, dtype=float))

class Softmaxer:
    def __call__(self, z):
        return _softmax_rows(z)

TABLE = {"softmax": _softmax_rows}

def _sigmoid(z):
    return 1 / (1 + np.exp(-z))
'''
    mod = _types.ModuleType("nnkit._stub_kernels")
    exec(compile(src, "<stub>", "exec"), mod.__dict__)
    import sys

    sys.modules[mod.__name__] = mod
    return mod


class _StubRegistry:
    def __init__(self, mod):
        self.table = {"softmax": [mod._softmax_rows, mod._softmax_inplace], "sigmoid": [mod._sigmoid]}

    def functions(self, concept):
        return list(self.table[concept])

    def known(self):
        return set(self.table)

    def load_all(self):
        pass


Z = np.array([[1.0, 2.0, 3.0]])


def test_every_route_to_a_forbidden_kernel_is_trapped_and_restored():
    mod = _kernel_module()
    reg = _StubRegistry(mod)
    expected = mod.softmax(Z)
    code = mod._softmax_rows.__code__
    routes = {
        "kernel": lambda z: mod._softmax_rows(z),
        "public wrapper": lambda z: mod.softmax(z),
        "in-place kernel on a copy": lambda z: (lambda c: (mod._softmax_inplace(c), c)[1])(z.copy()),
        "method": lambda z: mod.Softmaxer()(z),
        "dict": lambda z: mod.TABLE["softmax"](z),
    }
    for name, route in routes.items():
        with forbid_concepts(["softmax"], student="softmax", registry=reg) as trap:
            with pytest.raises(ReferenceUsedError, match="softmax") as info:
                route(Z)
        assert trap.concepts and trap.concepts[0] == "softmax", name
        assert info.value.concept == "softmax"
    assert mod._softmax_rows.__code__ is code
    np.testing.assert_allclose(mod.softmax(Z), expected)


def test_allowed_concepts_keep_working_and_messages_name_the_entry_point():
    mod = _kernel_module()
    reg = _StubRegistry(mod)
    with forbid_concepts(["softmax"], student="softmax", registry=reg) as trap:
        assert mod._sigmoid(0.0) == 0.5
        with pytest.raises(ReferenceUsedError) as info:
            mod.softmax(Z)
    assert trap.triggered == ["nnkit._stub_kernels.softmax"]  # what the student called
    assert "softmax looks like it calls nnkit._stub_kernels.softmax (nnkit's own softmax" in str(info.value)


def test_exempt_callables_listed_by_the_check_may_use_forbidden_kernels():
    mod = _kernel_module()
    reg = _StubRegistry(mod)
    expected = mod.softmax(Z)
    given = exempt(lambda z: mod.softmax(z))       # what a check hands to the student
    with forbid_concepts(["softmax"], registry=reg, allow=[given]) as trap:
        np.testing.assert_allclose(given(Z), expected)
        with pytest.raises(ReferenceUsedError):
            mod.softmax(Z)                         # the trap is back after the exempt call
    assert trap.triggered == ["nnkit._stub_kernels.softmax"]


def test_a_student_cannot_exempt_a_reference_themselves():
    mod = _kernel_module()
    sneaky = exempt(mod.softmax)                   # not in the check's allow list
    with forbid_concepts(["softmax"], registry=_StubRegistry(mod)) as trap:
        with pytest.raises(ReferenceUsedError):
            sneaky(Z)
    assert trap.triggered


def test_unknown_concept_is_an_error_before_anything_is_patched():
    mod = _kernel_module()
    code = mod._softmax_rows.__code__
    with pytest.raises(ValueError, match="not registered"):
        with forbid_concepts(["softmax", "sofmax"], registry=_StubRegistry(mod)):
            pass
    assert mod._softmax_rows.__code__ is code
    assert kernels_of([], registry=_StubRegistry(mod)) == []


def test_exercise_id_reads_the_forbidden_concepts_from_the_manifest(monkeypatch):
    from nnkit.course import manifest

    mod = _kernel_module()
    reg = _StubRegistry(mod)
    ex = manifest.exercise("softmax")
    assert "softmax" in ex.forbidden and ex.chapter.id == "02-softmax"
    reg.table.update({c: [] for c in ex.forbidden if c != "softmax"})
    with forbid_concepts("softmax", registry=reg) as trap:
        with pytest.raises(ReferenceUsedError, match="^softmax looks like"):
            mod.softmax(Z)
    assert trap.student == "softmax" and set(trap.names) == set(ex.forbidden)
