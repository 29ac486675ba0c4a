"""The check of ``FilterDisplay.plot``'s ``filter_indices``: which filters to draw, in order."""

from __future__ import annotations

import numpy as np

from vizcnn.validation import check_ints

__all__ = ["check_filter_indices"]


def check_filter_indices(filter_indices, c_out: int) -> np.ndarray:
    """``filter_indices`` as a 1-D int array of distinct filters in ``0..c_out - 1``."""
    name = "filter_indices"
    if filter_indices is None:
        return np.arange(c_out)
    if isinstance(filter_indices, range):
        filter_indices = tuple(filter_indices)
    if isinstance(filter_indices, np.ndarray) and filter_indices.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D sequence of filter indices, got an array of shape "
            f"{filter_indices.shape}"
        )
    what = "a sequence of filter indices (ints)"
    if not isinstance(filter_indices, (tuple, list, np.ndarray)):  # a str, a lone int, a set
        shown = repr(filter_indices)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise TypeError(f"{name} must be {what}, got {type(filter_indices).__name__} {shown}")
    if len(filter_indices) == 0:
        raise ValueError(f"{name} must name at least one filter, got an empty sequence")
    indices = check_ints(filter_indices, name, len(filter_indices), minimum=0, what=what)
    for i, f in enumerate(indices):
        if f >= c_out:
            raise ValueError(
                f"{name}[{i}] must be in 0..{c_out - 1} (the kernel has {c_out} filters), got {f}"
            )
    values, counts = np.unique(indices, return_counts=True)
    if (counts > 1).any():
        repeated = ", ".join(str(v) for v in values[counts > 1])
        raise ValueError(f"{name} must not repeat a filter, but {repeated} appears more than once")
    return np.asarray(indices, dtype=int)
