"""Tests for nnkit.stopping.early_stopping: hand cases, edge cases, and agreement with Network.fit."""

import numpy as np
import pytest

from nnkit.network import Network
from nnkit.stopping import early_stopping


@pytest.mark.parametrize("history,patience,expected", [
    ([0.5, 0.6, 0.7, 0.65, 0.66, 0.64, 0.9], 3, (2, 6)),   # 3 epochs without improvement after epoch 2
    ([0.5, 0.6, 0.7, 0.65, 0.66, 0.64, 0.9], 4, (6, 7)),   # patient enough to see the late jump
    ([0.8, 0.8, 0.8], 2, (0, 3)),                           # a tie is no improvement; first best kept
    ([0.8, 0.8, 0.8], 3, (0, 3)),                           # rule never fires: all epochs run
    ([0.1], 1, (0, 1)),
    ([0.9, 0.1, 0.2, 0.3], 1, (0, 2)),                      # patience 1 stops at the first drop
    ([0.1, 0.2, 0.3, 0.4], 1, (3, 4)),                      # always improving
])
def test_known_cases(history, patience, expected):
    assert early_stopping(history, patience) == expected
    best, run = early_stopping(np.array(history), patience)
    assert isinstance(best, int) and isinstance(run, int)


def test_relation_between_best_and_stop():
    rng = np.random.default_rng(0)
    for _ in range(200):
        h = rng.integers(0, 6, size=rng.integers(1, 30)) / 5
        p = int(rng.integers(1, 8))
        best, run = early_stopping(h, p)
        assert 1 <= run <= len(h) and 0 <= best < run
        assert h[best] == max(h[:run]) and best == int(np.argmax(h[:run]))
        if run < len(h):
            assert run == best + p + 1


@pytest.mark.parametrize("bad,exc", [([], ValueError), ("0.5", TypeError), ([[0.1, 0.2]], ValueError),
                                     ([0.1, np.nan], ValueError), (0.5, TypeError)])
def test_bad_history(bad, exc):
    with pytest.raises(exc, match="history"):
        early_stopping(bad, 2)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_bad_patience(bad):
    with pytest.raises((TypeError, ValueError), match="patience"):
        early_stopping([0.1, 0.2], bad)


@pytest.mark.parametrize("patience", [2, 5])
def test_agrees_with_network_fit(patience):
    rng = np.random.default_rng(3)
    X = rng.random((60, 8))
    y = (X[:, :3].sum(axis=1) > 1.5).astype(int)
    Y = np.eye(2)[y]
    Xv = rng.random((40, 8))
    Yv = np.eye(2)[(Xv[:, :3].sum(axis=1) > 1.5).astype(int)]
    full = Network([8, 6, 2], rng=1).fit(X, Y, epochs=40, batch_size=10, eta=3.0, validation=(Xv, Yv),
                                         progress=False, monitor_training=False)
    stopped = Network([8, 6, 2], rng=1).fit(X, Y, epochs=40, batch_size=10, eta=3.0, validation=(Xv, Yv),
                                            early_stopping=patience, progress=False, monitor_training=False)
    best, run = early_stopping(full.validation_accuracy, patience)
    assert (best, run) == (stopped.best_epoch, stopped.epochs_run)
