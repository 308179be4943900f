"""Tests for nnkit.concepts: the registry is complete, each kernel is a trappable function, and
every public route to a formula (the validated function, Network, the optimizer and penalty
objects) really runs its one kernel: with the kernel's ``__code__`` swapped for a trap, the
public call hits the trap. Also: kernels a chapter allows do not call kernels it forbids.
"""

from __future__ import annotations

import importlib
import re
from contextlib import contextmanager

import numpy as np
import pytest

from nnkit import activations as act
from nnkit import concepts, costs, data, dropout, init, neuron, optim
from nnkit import regularization as reg
from nnkit.network import Network

# The formulas chapters 01-06 may ask students to write (DESIGN.md section 1).
REQUIRED = """
quadratic_cost quadratic_delta cross_entropy_cost cross_entropy_delta mse log_likelihood_cost
log_likelihood_delta softmax logsumexp log_softmax neuron_step sigmoid sigmoid_prime tanh tanh_prime
relu relu_prime leaky_relu leaky_relu_prime prelu prelu_prime prelu_alpha_grad elu elu_prime
maxout_forward maxout_backward l2_penalty l2_gradient weight_decay_update l1_penalty l1_gradient
l1_update dropout_forward dropout_backward normal_init scaled_normal_init xavier_init he_init one_hot
sgd_update momentum_update
""".split()


def _trap(*args, **kwargs):
    # runs with the kernel's globals, so only builtins: a RuntimeError with a marker
    raise RuntimeError("__trapped_kernel__")




@contextmanager
def trapped(concept):
    """Swap the code of every kernel of ``concept`` for :func:`_trap` (what nnkit/checks/_trap does)."""
    kernels = concepts.functions(concept)
    saved = [k.__code__ for k in kernels]
    try:
        for k in kernels:
            k.__code__ = _trap.__code__
        yield
    finally:
        for k, code in zip(kernels, saved):
            k.__code__ = code


def _doc_table():
    """(concept, [dotted kernels]) rows of the table in nnkit.concepts' docstring."""
    rows, last = [], None
    for line in concepts.__doc__.splitlines():
        m = re.match(r"^(\S[\w, ]*?)\s{2,}(nnkit\.\S.*)$", line)
        if m:
            last = ([c.strip() for c in m.group(1).split(",")], [])
            rows.append(last)
            text = m.group(2)
        elif last is not None and re.match(r"^\s{20,}nnkit\.", line):
            text = line.strip()
        else:
            continue
        last[1].extend(re.findall(r"nnkit\.[\w.]+", re.sub(r"\(.*?\)", "", text)))
    return rows


def _resolve(dotted):
    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


# --------------------------------------------------------------------------- the registry


def test_known_covers_every_chapter_formula():
    assert not set(REQUIRED) - concepts.known()


def test_every_kernel_is_a_trappable_module_level_function():
    for concept in concepts.known():
        kernels = concepts.functions(concept)
        assert kernels, concept
        for k in kernels:
            assert callable(k) and hasattr(k, "__code__") and not k.__closure__, (concept, k)
            assert _resolve(f"{k.__module__}.{k.__qualname__}") is k, (concept, k)
            assert concept in k.__concepts__
            assert k.__doc__, f"{k.__qualname__}: a kernel states its formula"


def test_docstring_table_matches_the_registry():
    rows = _doc_table()
    listed = {c for names, _ in rows for c in names}
    assert set(REQUIRED) <= listed
    for names, dotted in rows:
        for c in names:
            assert [_resolve(d) for d in dotted] == concepts.functions(c) or set(map(_resolve, dotted)) == set(
                concepts.functions(c)), c


def test_unknown_concept_and_bad_registration():
    with pytest.raises(KeyError, match="unknown concept 'no_such_thing'"):
        concepts.functions("no_such_thing")
    with pytest.raises(TypeError):
        concepts.implements()
    with pytest.raises(TypeError):
        concepts.implements("x")(np.exp)
    assert "softmax: nnkit.activations._softmax" in concepts.describe()


# --------------------------------------------------------------------------- public routes hit the kernel

Z = np.array([[0.5, -1.0, 2.0], [-0.3, 0.1, 0.0]])
A = np.array([[0.2, 0.3, 0.5], [0.7, 0.2, 0.1]])
Y = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
W = np.array([[0.5, -1.0], [0.0, 2.0], [1.5, -0.5]])


def _net_fit(**kw):
    net_kw = {k: kw.pop(k) for k in ("hidden", "cost", "init") if k in kw}
    X = np.random.default_rng(0).normal(size=(6, 3))
    cost = net_kw.get("cost", "cross_entropy")
    Yn = np.eye(2)[[0, 1, 0, 1, 1, 0]] if cost != "quadratic_linear" else np.ones((6, 2))
    Network([3, 4, 2], **net_kw).fit(X, Yn, epochs=1, batch_size=3, eta=0.1, progress=False, **kw)


ROUTES = {
    "sigmoid": [lambda: act.sigmoid(Z), lambda: act.ACTIVATIONS["sigmoid"](Z), _net_fit],
    "sigmoid_prime": [lambda: act.sigmoid_prime(Z), _net_fit, lambda: costs.QuadraticCost().delta(Z, A, Y)],
    "tanh": [lambda: act.tanh(Z), lambda: _net_fit(hidden="tanh")],
    "tanh_prime": [lambda: act.tanh_prime(Z), lambda: _net_fit(hidden="tanh")],
    "relu": [lambda: act.relu(Z), lambda: _net_fit(hidden="relu")],
    "relu_prime": [lambda: act.relu_prime(Z), lambda: _net_fit(hidden="relu")],
    "leaky_relu": [lambda: act.leaky_relu(Z), lambda: act.prelu(Z, 0.2), lambda: _net_fit(hidden="leaky_relu")],
    "leaky_relu_prime": [lambda: act.leaky_relu_prime(Z), lambda: act.prelu_prime(Z, 0.2),
                         lambda: _net_fit(hidden="leaky_relu")],
    "prelu_alpha_grad": [lambda: act.prelu_alpha_grad(Z, 0.1, Z)],
    "elu": [lambda: act.elu(Z), lambda: _net_fit(hidden="elu")],
    "elu_prime": [lambda: act.elu_prime(Z), lambda: _net_fit(hidden="elu")],
    "softmax": [lambda: act.softmax(Z), lambda: _net_fit(cost="log_likelihood")],
    "softmax_jvp": [lambda: act.softmax_jvp(A, Z)],
    "logsumexp": [lambda: act.logsumexp(Z), lambda: act.log_softmax(Z),
                  lambda: costs.softmax_cross_entropy_from_logits(Z, Y)],
    "log_softmax": [lambda: act.log_softmax(Z), lambda: costs.LogLikelihoodCost().fn_from_logits(Z, Y),
                    lambda: Network([3, 2], cost="log_likelihood").total_cost(Z, np.eye(2)[[0, 1]])],
    "maxout_forward": [lambda: act.maxout_forward(Z, np.ones((2, 3, 2)), np.zeros((2, 2)))],
    "quadratic_cost": [lambda: costs.quadratic_cost(A, Y), lambda: costs.mse(A, Y),
                       lambda: costs.QuadraticCost().fn_from_logits(Z, Y)],
    "mse": [lambda: costs.mse(A, Y)],
    "quadratic_delta": [lambda: costs.QuadraticCost().delta(Z, A, Y), lambda: _net_fit(cost="quadratic"),
                        lambda: neuron.neuron_step(0.6, 0.9, 1.0, 0.0, 0.15, "quadratic")],
    "cross_entropy_cost": [lambda: costs.binary_cross_entropy(A, Y), lambda: costs.CrossEntropyCost().fn(A, Y),
                           lambda: costs.binary_cross_entropy_from_logits(Z, Y),
                           lambda: Network([3, 2]).total_cost(Z, np.eye(2)[[0, 1]])],
    "cross_entropy_delta": [lambda: costs.CrossEntropyCost().delta(Z, A, Y), _net_fit,
                            lambda: neuron.neuron_step(0.6, 0.9, 1.0, 0.0, 0.15, "cross_entropy")],
    "log_likelihood_cost": [lambda: costs.log_likelihood(A, Y), lambda: costs.LogLikelihoodCost().fn(A, Y),
                            lambda: costs.softmax_cross_entropy_from_logits(Z, Y)],
    "log_likelihood_delta": [lambda: costs.LogLikelihoodCost().delta(Z, A, Y),
                             lambda: _net_fit(cost="log_likelihood")],
    "neuron_step": [lambda: neuron.neuron_step(0.6, 0.9, 1.0, 0.0, 0.15), lambda: neuron.trajectory(2.0, 2.0, 0.15),
                    lambda: neuron.epochs_until_below(2.0, 2.0, 0.15)],
    "l2_penalty": [lambda: reg.l2_penalty([W], 1.0, 10), lambda: reg.L2(1.0).penalty([W], 10),
                   lambda: Network([3, 2]).total_cost(Z, np.eye(2)[[0, 1]], lmbda=1.0)],
    "l2_gradient": [lambda: reg.l2_grad(W, 1.0, 10), lambda: reg.weight_decay_update(W, W, 0.1, 1.0, 10),
                    lambda: _net_fit(lmbda=1.0), lambda: Network([3, 2]).backprop(Z, np.eye(2)[[0, 1]], lmbda=1.0)],
    "weight_decay_update": [lambda: reg.weight_decay_update(W, W, 0.1, 1.0, 10)],
    "l1_penalty": [lambda: reg.l1_penalty([W], 1.0, 10), lambda: reg.L1(1.0).penalty([W], 10)],
    "l1_gradient": [lambda: reg.l1_grad(W, 1.0, 10), lambda: reg.l1_update(W, W, 0.1, 1.0, 10),
                    lambda: _net_fit(l1=1.0)],
    "l1_update": [lambda: reg.l1_update(W, W, 0.1, 1.0, 10)],
    "sgd_update": [lambda: optim.SGD(0.1).step([W.copy()], [W]), _net_fit,
                   lambda: reg.weight_decay_update(W, W, 0.1, 1.0, 10)],
    "momentum_update": [lambda: optim.Momentum(0.1).step([W.copy()], [W]), lambda: _net_fit(momentum=0.5)],
    "dropout_forward": [lambda: dropout.dropout_forward(A, 0.5, 0), lambda: _net_fit(keep_prob=0.5)],
    "dropout_backward": [lambda: dropout.dropout_backward(A, A), lambda: _net_fit(keep_prob=0.5)],
    "normal_init": [lambda: init.large_normal(3, 2, 0), lambda: Network([3, 2], init="large_normal")],
    "scaled_normal_init": [lambda: init.scaled_normal(3, 2, 0), lambda: Network([3, 2])],
    "xavier_init": [lambda: init.xavier_normal(3, 2, 0), lambda: init.xavier_uniform(3, 2, 0)],
    "he_init": [lambda: init.he_normal(3, 2, 0), lambda: Network([3, 2], init="he_normal")],
    "one_hot": [lambda: data.one_hot([0, 2], 3)],
}
ROUTE_CASES = [pytest.param(c, i, id=f"{c}-{i}") for c, routes in ROUTES.items() for i in range(len(routes))]


def test_routes_cover_every_required_concept():
    assert not set(REQUIRED) - set(ROUTES) - {"prelu", "prelu_prime", "maxout_backward"}  # same kernels as above


@pytest.mark.parametrize("concept,i", ROUTE_CASES)
def test_public_route_runs_the_kernel(concept, i):
    route = ROUTES[concept][i]
    route()  # works untrapped
    with trapped(concept), pytest.raises(RuntimeError, match="__trapped_kernel__"):
        route()


def test_maxout_backward_runs_its_kernel():
    _, cache = act.maxout_forward(Z, np.ones((2, 3, 2)), np.zeros((2, 2)))
    with trapped("maxout_backward"), pytest.raises(RuntimeError, match="__trapped_kernel__"):
        act.maxout_backward(np.ones((2, 2)), cache)


# --------------------------------------------------------------------------- allowed never calls forbidden

ALLOWED_WITHOUT = [  # (call, concept it must NOT reach): a chapter may forbid the second and allow the first
    (lambda: act.sigmoid(Z), "tanh"),
    (lambda: act.sigmoid_prime(Z), "tanh_prime"),
    (lambda: act.tanh(Z), "sigmoid"),
    (lambda: act.tanh_prime(Z), "sigmoid_prime"),
    (lambda: act.relu(Z), "leaky_relu"),
    (lambda: act.elu(Z), "relu"),
    (lambda: act.softmax(Z), "logsumexp"),
    (lambda: act.logsumexp(Z), "softmax"),
    (lambda: costs.quadratic_cost(A, Y), "mse"),
    (lambda: costs.QuadraticCost().delta(Z, A, Y), "cross_entropy_delta"),
    (lambda: costs.binary_cross_entropy_from_logits(Z, Y), "sigmoid"),
    (lambda: costs.log_likelihood(A, Y), "softmax"),
    (lambda: reg.l2_penalty([W], 1.0, 10), "l2_gradient"),
    (lambda: reg.l2_grad(W, 1.0, 10), "weight_decay_update"),
    (lambda: dropout.dropout_forward(A, 0.5, 0), "sgd_update"),
    (lambda: Network([3, 2], init="he_normal"), "scaled_normal_init"),
]


@pytest.mark.parametrize("call,forbidden", ALLOWED_WITHOUT, ids=[f"{i}-{c[1]}" for i, c in enumerate(ALLOWED_WITHOUT)])
def test_a_kernel_does_not_reach_an_unrelated_concept(call, forbidden):
    with trapped(forbidden):
        call()


def test_the_trap_is_undone():
    with trapped("sigmoid"):
        pass
    assert act.sigmoid(0.0) == 0.5
