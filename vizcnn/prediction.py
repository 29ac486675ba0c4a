"""Predictions of a trained classifier: probabilities, classes, mirror averaging.

Test-time mirror averaging is a choice like any other, so :func:`choose_flip_average`
makes it on the validation set; the test set then gets the chosen method, once.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vizcnn.validation import check_bool, check_model, check_positive_int, check_xy

__all__ = ["FlipChoice", "choose_flip_average", "predict_classes", "predict_proba"]


def predict_proba(model, X, *, batch_size: int = 256) -> np.ndarray:
    """Class probabilities for images ``X`` (uint8 ``(N, 28, 28)`` or floats ``(N, H, W, C)``).

    Runs ``predict_on_batch`` chunk by chunk: ``model.predict`` on NumPy input builds a
    ``tf.data`` pipeline whose start-up prints a TensorFlow C++ warning into notebooks.
    """
    from vizcnn.data import scale_images

    check_model(model)
    batch_size = check_positive_int(batch_size, "batch_size")
    x = scale_images(X)
    chunks = [model.predict_on_batch(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
    return np.concatenate([np.asarray(c, dtype="float32") for c in chunks])


def predict_classes(model, X, *, batch_size: int = 256, flip_average: bool = False):
    """Predicted class of each image (see :func:`predict_proba` for ``X``).

    ``flip_average=True`` averages the probabilities for each image and its mirror image
    (test-time augmentation).
    """
    flip_average = check_bool(flip_average, "flip_average")
    proba = predict_proba(model, X, batch_size=batch_size)
    if flip_average:
        proba = proba + predict_proba(model, _mirror_images(X), batch_size=batch_size)
    return np.argmax(proba, axis=-1)


def _mirror_images(X):
    """Images flipped left to right (axis 2 is the width for ``(N, H, W)`` and ``(N, H, W, C)``)."""
    return np.asarray(X)[:, :, ::-1]


@dataclasses.dataclass(frozen=True)
class FlipChoice:
    """Validation accuracy with and without mirror averaging (see :func:`choose_flip_average`).

    Attributes
    ----------
    plain : float
        One prediction per image.
    averaged : float
        Each image's probabilities averaged with its mirror image's.
    """

    plain: float
    averaged: float

    @property
    def flip_average(self) -> bool:
        """Use mirror averaging on the test set: it did better on validation."""
        return self.averaged > self.plain


def choose_flip_average(model, valid, *, batch_size: int = 256) -> FlipChoice:
    """Decide on the *validation* set whether to average predictions over mirror images.

    Test-time augmentation is a choice like any other, so it is made on validation data;
    the test set then gets the chosen method, once.

    Parameters
    ----------
    model : keras.Model
    valid : (X, y)
        Validation images (see :func:`predict_proba`) and labels.

    Returns
    -------
    FlipChoice
    """
    X, y = check_xy(valid, "valid")
    # one pass over the images and one over their mirrors serve both answers
    proba = predict_proba(model, X, batch_size=batch_size)
    averaged = proba + predict_proba(model, _mirror_images(X), batch_size=batch_size)
    return FlipChoice(
        plain=float(np.mean(np.argmax(proba, axis=-1) == y)),
        averaged=float(np.mean(np.argmax(averaged, axis=-1) == y)),
    )
