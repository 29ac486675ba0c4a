"""Predictions of a trained classifier: probabilities, classes, mirror averaging.

Test-time mirror averaging is a choice like any other, so :func:`choose_flip_average`
makes it on the validation set; the test set then gets the chosen method, once.

:func:`classify` is the one place that turns a model's outputs into classes and their
probabilities for the displays: a softmax head ``(N, n_classes)``, raw scores (logits,
through a softmax) and a binary head ``(N, 1)`` (a sigmoid probability, or a logit).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vizcnn.validation import check_bool, check_model, check_positive_int, check_xy

__all__ = [
    "ClassPrediction",
    "FlipChoice",
    "check_single_output",
    "class_count",
    "choose_flip_average",
    "classify",
    "predict_classes",
    "predict_proba",
]


def predict_proba(model, X, *, batch_size: int = 256) -> np.ndarray:
    """Class probabilities for images ``X`` (uint8 ``(N, 28, 28)`` or floats ``(N, H, W, C)``).

    Runs ``predict_on_batch`` chunk by chunk: ``model.predict`` on NumPy input builds a
    ``tf.data`` pipeline whose start-up prints a TensorFlow C++ warning into notebooks.
    """
    from vizcnn.pixels import scale_images

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


@dataclasses.dataclass(frozen=True)
class ClassPrediction:
    """What a classifier predicts for a batch (see :func:`classify`).

    Attributes
    ----------
    classes : numpy.ndarray of int64, shape (N,)
        The predicted class of each image; for a binary head, 1 where ``p >= 0.5``.
    confidence : numpy.ndarray of float32, shape (N,)
        The probability of each predicted class (``p`` or ``1 - p`` for a binary head).
    probabilities : numpy.ndarray of float32, shape (N, n_classes)
        Every class's probability; a binary head has two columns, ``1 - p`` and ``p``.
    binary : bool
        Whether the model has one output unit (``Dense(1)``, sigmoid or logit).
    """

    classes: np.ndarray
    confidence: np.ndarray
    probabilities: np.ndarray
    binary: bool

    @property
    def n_classes(self) -> int:
        """The number of classes (2 for a binary head)."""
        return int(self.probabilities.shape[1])


def check_single_output(model, *, caller: str) -> None:
    """Refuse a model with several outputs, before any TensorFlow work.

    Parameters
    ----------
    model : keras.Model
        A built model (``model.outputs`` known).
    caller : str
        The function or display asking, for the message.

    Raises
    ------
    ValueError
        If the model has more than one output (a list or a dict of outputs).
    """
    outputs = list(model.outputs)
    if len(outputs) != 1:
        names = ", ".join(repr(_producer_name(t)) for t in outputs)
        raise ValueError(
            f"{caller} needs a model with one output (the class scores); model "
            f"{model.name!r} has {len(outputs)} ({names}): pass a one-output model such "
            "as keras.Model(model.inputs, model.outputs[0])"
        )


def class_count(model, *, caller: str) -> int:
    """The number of classes of a one-output classifier (2 for a binary head ``(N, 1)``).

    Raises
    ------
    ValueError
        If the model has several outputs, or its output is not ``(N, n_classes)``.
    """
    check_single_output(model, caller=caller)
    shape = tuple(model.outputs[0].shape)
    if len(shape) != 2 or shape[-1] is None:
        raise ValueError(
            f"{caller} needs a classifier: model {model.name!r} returns shape {shape}, not "
            "(N, n_classes)"
        )
    return 2 if shape[-1] == 1 else int(shape[-1])


def head_activation(model) -> str | None:
    """The name of the activation that makes the model's output (``"softmax"``,
    ``"sigmoid"``, ...), or ``None`` when the last layer has none or hides it."""
    from vizcnn.graph import keras_internals

    made = keras_internals.producer(model.outputs[0])
    if made is None:
        return None
    activation = getattr(made[0], "activation", None)
    name = getattr(activation, "__name__", None)
    return None if name in (None, "linear") else name


def classify(model, x, *, batch_size: int = 128) -> ClassPrediction:
    """Predicted classes and their probabilities for a batch the model takes.

    Parameters
    ----------
    model : keras.Model
        A classifier with one output: ``(N, n_classes)`` probabilities or raw scores, or
        a binary head ``(N, 1)``.
    x : numpy.ndarray, shape (N, H, W, C)
        The images, as the model takes them (already checked, e.g. by ``check_batch``).
    batch_size : int, default=128
        Images are run through the model in chunks of this size.

    Returns
    -------
    ClassPrediction

    Raises
    ------
    ValueError
        If the model has several outputs, or its output is not ``(N, n_classes)``.

    Notes
    -----
    Probabilities are the output itself when the model ends in a softmax (or a
    sigmoid, for one unit), or when every row already is a probability distribution;
    otherwise the output is read as logits: a softmax, or a sigmoid for one unit.
    """
    check_model(model)
    batch_size = check_positive_int(batch_size, "batch_size")
    class_count(model, caller="classify")
    chunks = [
        np.asarray(model.predict_on_batch(x[i : i + batch_size]), dtype="float64")
        for i in range(0, len(x), batch_size)
    ]
    scores = np.concatenate(chunks)
    activation = head_activation(model)
    if scores.shape[1] == 1:
        p = scores[:, 0] if activation == "sigmoid" else 1 / (1 + np.exp(-scores[:, 0]))
        probabilities = np.stack([1 - p, p], axis=1)
        classes = (p >= 0.5).astype("int64")
    else:
        if activation != "softmax" and not _are_probabilities(scores):
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores = scores / scores.sum(axis=-1, keepdims=True)
        probabilities = scores
        classes = probabilities.argmax(axis=-1).astype("int64")
    confidence = probabilities[np.arange(len(classes)), classes]
    return ClassPrediction(
        classes=classes,
        confidence=confidence.astype("float32"),
        probabilities=probabilities.astype("float32"),
        binary=scores.shape[1] == 1,
    )


def _are_probabilities(scores: np.ndarray) -> bool:
    return bool(
        (scores >= 0).all() and (scores <= 1).all() and np.allclose(scores.sum(-1), 1, atol=1e-3)
    )


def _producer_name(tensor) -> str:
    from vizcnn.graph import keras_internals

    made = keras_internals.producer(tensor)
    return getattr(tensor, "name", "?") if made is None else made[0].name
