r"""Parameter update rules: plain SGD and SGD with momentum.

Both update a list of parameter arrays **in place** (so a network's ``weights`` list keeps
pointing at the same arrays) from a matching list of gradients of the cost being minimised
(add any regularisation gradient before calling ``step``).

* SGD: :math:`w \leftarrow w - \eta\, g`
* Momentum: :math:`v \leftarrow \mu v - \eta\, g`, then :math:`w \leftarrow w + v`, with one
  velocity per parameter, starting at 0. ``mu = 0`` is plain SGD; ``mu`` near 1 means little
  friction.
"""

from __future__ import annotations

import numpy as np

from nnkit._validate import as_array, check_nonnegative, check_probability

from nnkit.concepts import implements

__all__ = ["SGD", "Momentum"]


@implements("sgd_update")
def _sgd_update(p, g, eta):
    r"""In place: :math:`p \leftarrow p - \eta g` (``eta = 1``: ``g`` already carries the learning rate)."""
    p -= g if eta == 1.0 else eta * g


@implements("momentum_update")
def _momentum_update(p, v, g, eta, mu):
    r"""In place: :math:`v \leftarrow \mu v - \eta g`, then :math:`p \leftarrow p + v`."""
    v *= mu
    v -= g if eta == 1.0 else eta * g
    p += v


def _check_lists(params, grads):
    """Validate parallel lists; return the gradients as arrays. Loops over layers only."""
    for name, seq in (("params", params), ("grads", grads)):
        if isinstance(seq, np.ndarray) or not isinstance(seq, (list, tuple)):
            raise TypeError(f"{name}: expected a list of arrays, got {type(seq).__name__}")
    if len(params) != len(grads):
        raise ValueError(f"grads: expected {len(params)} arrays to match params, got {len(grads)}")
    out = []
    for i, (p, g) in enumerate(zip(params, grads)):
        if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
            raise TypeError(f"params[{i}]: expected a float numpy array (updated in place), got {type(p).__name__}"
                            + (f" of dtype {p.dtype}" if isinstance(p, np.ndarray) else ""))
        g = as_array(g, f"grads[{i}]")
        if g.shape != p.shape:
            raise ValueError(f"grads[{i}]: expected shape {p.shape} to match params[{i}], got {g.shape}")
        out.append(g)
    return out


class SGD:
    r"""Plain stochastic gradient descent, :math:`w \leftarrow w - \eta g`.

    Parameters
    ----------
    eta : float >= 0
        Learning rate (attribute ``eta``; may be changed between steps).
    """

    def __init__(self, eta):
        self.eta = check_nonnegative(eta, "eta")

    def __repr__(self) -> str:
        return f"SGD(eta={self.eta})"

    def step(self, params, grads):
        """Update every array in ``params`` in place with the matching array in ``grads``.

        Parameters
        ----------
        params : list of float ndarray
        grads : list of array_like, same shapes as ``params``
        """
        self.apply(params, _check_lists(params, grads))

    def apply(self, params, grads, eta=None):
        """:meth:`step` without validation. ``eta`` overrides the learning rate: ``Network.fit``
        passes ``eta=1`` because it folds the learning rate into backpropagation's output error
        (the book's ``eta / len(mini_batch)``), so its gradients already carry it."""
        eta = self.eta if eta is None else eta
        for p, g in zip(params, grads):
            _sgd_update(p, g, eta)


class Momentum:
    r"""SGD with momentum: :math:`v \leftarrow \mu v - \eta g`, :math:`w \leftarrow w + v`.

    Parameters
    ----------
    eta : float >= 0
        Learning rate.
    mu : float in [0, 1)
        Momentum coefficient (1 - friction).

    Attributes
    ----------
    velocities : list of ndarray or None
        One velocity per parameter (created as zeros at the first ``step``).
    """

    def __init__(self, eta, mu=0.9):
        self.eta = check_nonnegative(eta, "eta")
        self.mu = check_probability(mu, "mu", allow_one=False)
        self.velocities: list[np.ndarray] | None = None

    def __repr__(self) -> str:
        return f"Momentum(eta={self.eta}, mu={self.mu})"

    def reset(self) -> None:
        """Forget the velocities (the next step starts from v = 0)."""
        self.velocities = None

    def step(self, params, grads):
        """Update ``params`` in place; the velocities persist between calls.

        The same list of parameters (same count and shapes) must be passed every time;
        call :meth:`reset` to start over with different parameters.
        """
        gs = _check_lists(params, grads)
        if self.velocities is not None and (
            len(self.velocities) != len(params) or any(v.shape != p.shape for v, p in zip(self.velocities, params))
        ):
            raise ValueError(
                "params: expected the same parameter shapes as in earlier steps "
                f"{[v.shape for v in self.velocities]}, got {[p.shape for p in params]} (call reset() first)"
            )
        self.apply(params, gs)

    def apply(self, params, grads, eta=None):
        """:meth:`step` without validation (``eta`` as in :meth:`SGD.apply`)."""
        eta = self.eta if eta is None else eta
        if self.velocities is None:
            self.velocities = [np.zeros_like(p) for p in params]
        for p, v, g in zip(params, self.velocities, grads):
            _momentum_update(p, v, g, eta, self.mu)
