"""training.quick_subset: the one place where quick mode cuts a dataset."""

import numpy as np
import pytest

from vizcnn import training

X = np.zeros((10, 28, 28), "uint8")
y = np.arange(10) % 10


def test_quick_mode_keeps_the_first_n_items():
    X_cut, y_cut = training.quick_subset((X, y), 3, quick=True)
    assert len(X_cut) == 3 and list(y_cut) == [0, 1, 2]


def test_a_full_run_keeps_everything():
    X_all, y_all = training.quick_subset((X, y), 3, quick=False)
    assert len(X_all) == len(y_all) == 10


def test_the_default_is_quick_valid_and_reads_the_environment(monkeypatch):
    n = training.QUICK_VALID + 5
    big = (np.zeros((n, 28, 28), "uint8"), np.zeros(n, "int64"))
    monkeypatch.setenv("VIZCNN_QUICK", "1")
    assert len(training.quick_subset(big)[0]) == training.QUICK_VALID
    monkeypatch.setenv("VIZCNN_QUICK", "0")
    assert len(training.quick_subset(big)[0]) == n


@pytest.mark.parametrize(
    ("data", "n", "error", "match"),
    [
        (X, 3, TypeError, "valid must be a pair"),
        ((X, y[:5]), 3, ValueError, "valid"),
        ((X, y), 0, ValueError, "n"),
        ((X, y), 2.5, TypeError, "n"),
    ],
)
def test_bad_input_is_a_clear_error(data, n, error, match):
    with pytest.raises(error, match=match):
        training.quick_subset(data, n, name="valid", quick=True)
