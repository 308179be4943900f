r"""The concept registry: which function is THE implementation (kernel) of each formula.

A *concept* is a formula a chapter may ask students to write themselves (``"softmax"``,
``"l2_penalty"``, ...). Every concept has exactly one kernel: a plain module-level function,
usually private and unvalidated, that computes the formula. The public, validated function,
:class:`nnkit.network.Network`, the widgets and the checks' oracles all call that kernel, so a
chapter that forbids a concept (``forbidden:`` in ``course.yml``) can trap every route to it
by swapping the kernel's ``__code__`` (``nnkit/checks/_trap.py``).

Rules for kernels:

* one formula, one kernel; a kernel may carry several concepts (``a - y`` is both
  ``cross_entropy_delta`` and ``log_likelihood_delta``);
* a kernel of a concept that some chapter allows never calls a kernel of a concept that chapter
  forbids (sigmoid is not computed through tanh, because chapter 03 lets students use sigmoid
  to write tanh); the calls between kernels are listed below (``->``);
* kernels are module-level functions without closures, so the trap can swap their code.

API::

    from nnkit.concepts import implements

    @implements("softmax")          # one or more concept names
    def _softmax(z, out=None): ...

    functions("softmax")            # -> [nnkit.activations._softmax]
    known()                         # -> {"softmax", "sigmoid", ...}
    load_all()                      # import every nnkit math module (complete registry)

The concepts of nnkit's core modules and their kernels (``->`` marks a kernel that calls
another concept's kernel):

=========================================  ====================================================
concept                                    kernel
=========================================  ====================================================
sigmoid                                    nnkit.activations._sigmoid
sigmoid_prime                              nnkit.activations._sigmoid_prime
tanh                                       nnkit.activations._tanh
tanh_prime                                 nnkit.activations._tanh_prime
relu                                       nnkit.activations._relu
relu_prime                                 nnkit.activations._relu_prime
leaky_relu, prelu                          nnkit.activations._prelu  (one formula, alpha fixed or learned)
leaky_relu_prime, prelu_prime              nnkit.activations._prelu_prime
prelu_alpha_grad                           nnkit.activations._prelu_alpha_grad
elu                                        nnkit.activations._elu
elu_prime                                  nnkit.activations._elu_prime
softmax                                    nnkit.activations._softmax
softmax_jvp                                nnkit.activations._softmax_jvp
logsumexp                                  nnkit.activations._logsumexp
log_softmax                                nnkit.activations._log_softmax  (-> logsumexp)
maxout_forward                             nnkit.activations._maxout_forward
maxout_backward                            nnkit.activations._maxout_backward
quadratic_cost                             nnkit.costs._quadratic_terms
mse                                        nnkit.costs._mse  (-> quadratic_cost)
quadratic_delta                            nnkit.costs._quadratic_sigmoid_delta  (-> sigmoid_prime)
cross_entropy_cost                         nnkit.costs._bce_terms, nnkit.costs._bce_logit_terms
cross_entropy_delta, log_likelihood_delta  nnkit.costs._output_error  (a - y)
log_likelihood_cost                        nnkit.costs._log_likelihood_terms,
                                           nnkit.costs._log_likelihood_logit_terms  (-> log_softmax)
neuron_step                                nnkit.neuron._neuron_step  (-> sigmoid)
neuron_trajectory                          nnkit.neuron._neuron_trajectory  (-> neuron_step)
epochs_until_below                         nnkit.neuron._epochs_until_below  (-> neuron_trajectory, sigmoid)
l2_penalty                                 nnkit.regularization._l2_penalty
l2_gradient                                nnkit.regularization._l2_gradient
weight_decay_update                        nnkit.regularization._weight_decay_update  (-> l2_gradient, sgd_update)
l1_penalty                                 nnkit.regularization._l1_penalty
l1_gradient                                nnkit.regularization._l1_gradient
l1_update                                  nnkit.regularization._l1_update  (-> l1_gradient, sgd_update)
sgd_update                                 nnkit.optim._sgd_update
momentum_update                            nnkit.optim._momentum_update
dropout_forward                            nnkit.dropout._dropout_mask, nnkit.dropout._dropout_apply
dropout_backward                           nnkit.dropout._dropout_apply  (the same ``x * mask``)
normal_init                                nnkit.init._normal_init
scaled_normal_init                         nnkit.init._scaled_normal_init
xavier_init                                nnkit.init._xavier_normal_init, nnkit.init._xavier_uniform_init
he_init                                    nnkit.init._he_normal_init
one_hot                                    nnkit.data._one_hot
shift_images                               nnkit.data._shift_images
=========================================  ====================================================

Chapter modules register their own concepts the same way (e.g. ``nnkit.propagation``);
``known()`` after ``load_all()`` is the complete list, and :func:`describe` prints it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

__all__ = ["describe", "functions", "implements", "known", "load_all"]

_REGISTRY: dict[str, list[Callable]] = {}
_SUBPACKAGES_WITHOUT_KERNELS = frozenset({"checks", "widgets", "course"})


def implements(*concepts: str) -> Callable[[Callable], Callable]:
    """Decorator: register the decorated function as the kernel of ``concepts``.

    The function is returned unchanged (its ``__concepts__`` attribute lists the concepts).

    Raises
    ------
    TypeError
        If no concept is given, a concept is not a non-empty str, or the decorated object is
        not a plain Python function (builtins and closures cannot be trapped).
    """
    if not concepts or not all(isinstance(c, str) and c for c in concepts):
        raise TypeError(f"implements: expected one or more concept names (str), got {concepts!r}")

    def register(fn):
        if not hasattr(fn, "__code__"):
            raise TypeError(f"implements: expected a Python function, got {type(fn).__name__}")
        if fn.__closure__:
            raise TypeError(f"implements: {fn.__qualname__} is a closure; a kernel must be a module-level function")
        for c in concepts:
            kernels = _REGISTRY.setdefault(c, [])
            if fn not in kernels:
                kernels.append(fn)
        fn.__concepts__ = tuple(dict.fromkeys(getattr(fn, "__concepts__", ()) + concepts))
        return fn

    return register


def load_all() -> None:
    """Import every top-level nnkit module (not ``checks``, ``widgets``, ``course``).

    Modules register their kernels when imported, so after this call the registry is complete.
    Cheap after the first call (modules are cached by Python).
    """
    global _loaded
    if _loaded:
        return
    import nnkit

    for info in pkgutil.iter_modules(nnkit.__path__):
        if info.name in _SUBPACKAGES_WITHOUT_KERNELS or info.name == "concepts":
            continue
        importlib.import_module(f"nnkit.{info.name}")
    _loaded = True


_loaded = False


def functions(concept: str) -> list[Callable]:
    """The kernel(s) of ``concept`` (after :func:`load_all`), in registration order.

    Raises
    ------
    KeyError
        If no nnkit module implements ``concept`` (the message lists the known concepts).
    """
    load_all()
    try:
        return list(_REGISTRY[concept])
    except (KeyError, TypeError):
        raise KeyError(f"concept: unknown concept {concept!r}; known concepts: {sorted(_REGISTRY)}") from None


def known() -> set[str]:
    """Every concept some nnkit module implements (after :func:`load_all`)."""
    load_all()
    return set(_REGISTRY)


def describe() -> str:
    """One line per concept: ``concept: module.kernel, ...`` (the live registry, sorted)."""
    load_all()
    return "\n".join(
        f"{c}: " + ", ".join(f"{f.__module__}.{f.__qualname__}" for f in fns) for c, fns in sorted(_REGISTRY.items())
    )
