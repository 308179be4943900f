r"""Early stopping: when to stop training, read off a validation history (a patience rule).

After every epoch the network is scored on held-out validation data. The rule keeps the
**best epoch so far** (the highest score; the first one on ties, since only a strictly
higher score counts as an improvement) and counts the epochs since that best one. Training
stops as soon as ``patience`` epochs in a row have brought no improvement; the weights of the
best epoch are the ones to keep.

Epochs are 0-based indices into the history (``history[0]`` is the score after the first
epoch), and ``epochs_run`` counts the epochs trained, so

* stopped early: ``epochs_run = best_epoch + patience + 1`` (the last ``patience`` epochs
  brought nothing), ``epochs_run <= len(history)``;
* never stopped: ``epochs_run = len(history)`` (all epochs trained; the best epoch may be any).

This is the rule :meth:`nnkit.network.Network.fit` applies with ``early_stopping=patience``
(``History.best_epoch``, ``History.epochs_run``); ``tests/nnkit/test_stopping.py`` checks the
two agree on real training runs.
"""

from __future__ import annotations

import numpy as np

from nnkit._validate import check_positive_int
from nnkit.concepts import implements

__all__ = ["early_stopping"]


def early_stopping(history, patience):
    """Apply the patience rule to a validation history.

    Parameters
    ----------
    history : sequence of float, length E >= 1
        Validation score after each epoch (higher is better, e.g. accuracy), in epoch order.
    patience : int > 0
        Stop once this many consecutive epochs have not improved on the best score so far.

    Returns
    -------
    (best_epoch, epochs_run) : tuple of int
        ``best_epoch``: 0-based index of the best score among the epochs actually run (the
        first on ties). ``epochs_run``: number of epochs trained before stopping, in
        ``1 .. E`` (``E`` if the rule never fires).

    Raises
    ------
    TypeError, ValueError
        If ``history`` is not a non-empty 1-D sequence of finite reals or ``patience`` is not a
        positive integer.
    """
    patience = check_positive_int(patience, "patience")
    if isinstance(history, (str, bytes)) or not hasattr(history, "__len__"):
        raise TypeError(f"history: expected a sequence of validation scores, got {type(history).__name__}")
    scores = np.asarray(history)
    if scores.ndim != 1 or scores.size == 0:
        raise ValueError(f"history: expected a non-empty 1-D sequence of scores, got shape {scores.shape}")
    if scores.dtype == bool or not np.issubdtype(scores.dtype, np.number) or not np.all(np.isfinite(scores)):
        raise ValueError("history: expected finite real scores (one per epoch)")
    state = (-np.inf, 0, 0)
    for epoch, score in enumerate(scores.tolist()):
        state = _patience_update(state, epoch, score)
        if state[2] >= patience:
            return state[1], epoch + 1
    return state[1], int(scores.size)


@implements("early_stopping")
def _patience_update(state, epoch, score):
    """One epoch of the patience rule (unvalidated kernel; ``Network.fit`` uses it too).

    ``state = (best_score, best_epoch, epochs_since_best)``; returns the state after ``epoch``
    scored ``score`` (higher is better): a new best resets the count, anything else adds one.
    """
    best, best_epoch, since_best = state
    if score > best:
        return score, epoch, 0
    return best, best_epoch, since_best + 1
