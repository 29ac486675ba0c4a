"""Test accuracy of a stored run, and how far another CPU may move it.

Course material: the lessons' trained networks, not part of the drawing library.

Another CPU (or oneDNN capped at another instruction set) adds each convolution's and
matrix product's float32 terms in another order. Over ``depth`` such reductions of up to
``fan_in`` terms the outputs move by at most about ``2 * depth * fan_in * u`` of their
scale (``u = 2**-24``; the same first-order bound as ``tests/numeric.py``'s
``network``). An image whose two most probable classes are closer than that may change
its answer on another machine; no other image can. So a stored run *reproduces* its
recorded test accuracy when the count of correct answers differs by no more than the
number of such near ties.
"""

from __future__ import annotations

import numpy as np

__all__ = ["accuracy_and_fragile", "near_tie_tolerance"]

_FLOAT32_ROUNDOFF = 2.0**-24


def near_tie_tolerance(model) -> float:
    """``2 * depth * fan_in * u``: how far float32 reordering may move a probability.

    ``depth`` counts the model's kernels (convolutions and dense layers, nested ones
    included), ``fan_in`` is the largest number of terms one of their outputs sums.
    """
    kernels = [w for w in model.weights if len(w.shape) >= 2]
    depth = len(kernels)
    fan_in = max(int(np.prod(w.shape[:-1])) for w in kernels)
    return 2 * depth * fan_in * _FLOAT32_ROUNDOFF


def _probabilities(model, X, batch_size: int = 256) -> np.ndarray:
    from vizcnn.prediction import predict_proba

    if np.asarray(X).dtype == np.uint8:  # Fashion-MNIST's images, scaled as in training
        return predict_proba(model, X, batch_size=batch_size)
    # sound is already the model's input: predict_proba's image checks would give a
    # waveform (N, T, 1) a channel axis of its own
    chunks = [model.predict_on_batch(X[i : i + batch_size]) for i in range(0, len(X), batch_size)]
    return np.concatenate([np.asarray(c, dtype="float32") for c in chunks])


def accuracy_and_fragile(model, X, y) -> tuple[float, int]:
    """Accuracy on ``(X, y)`` (one prediction per example) and the number of near ties.

    ``X``: ``uint8`` images, or float32 inputs as the model takes them (sound).

    Returns
    -------
    (float, int)
        The share of correct answers, and how many images have their top two
        probabilities within :func:`near_tie_tolerance` of each other.
    """
    probabilities = _probabilities(model, X)
    top_two = np.sort(probabilities.astype(np.float64), axis=1)[:, -2:]
    near = int(np.sum(top_two[:, 1] - top_two[:, 0] < near_tie_tolerance(model)))
    return float(np.mean(probabilities.argmax(axis=1) == np.asarray(y))), near
