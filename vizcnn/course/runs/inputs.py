"""What a run learns from: the arrays of its data choice, and their sizes.

Course material: the lessons' trained networks, not part of the drawing library.

A data choice (``runs.json``'s ``"data"`` table, :class:`~vizcnn.course.runs.declarations.
DataChoice`) names its ``source``:

``"fashion_mnist"`` (the default)
    the lessons' Fashion-MNIST split (50,000 / 10,000 / 10,000 images); the images stay
    ``uint8`` ``(N, 28, 28)`` here and are scaled to [0, 1] batch by batch, as always;
``"spoken_digits"``
    lesson 07's spoken digits (:func:`vizcnn.data.load_spoken_digits`, its noise and time
    shifts drawn from the choice's ``noise_seed``): the ``train`` split to learn from,
    ``valid`` to validate on, ``test`` (voices never heard) for the recorded accuracy;
    float32 waveforms ``(N, T, 1)``, or, where the choice has ``spectrogram`` options,
    log-mel spectrograms ``(N, frames, bands, 1)`` (:func:`vizcnn.signal.spectrogram`).

``first`` and ``valid_first`` keep the first clips or images of the training and the
validation split (the spoken digits come voice by voice: a few voices, for a quick test).
"""

from __future__ import annotations

import numpy as np

__all__ = ["SOURCES", "load_arrays", "model_input", "sizes"]

SOURCES = ("fashion_mnist", "spoken_digits")
_FASHION_SIZES = (50_000, 10_000)


def _spoken_declaration() -> dict:
    from vizcnn.course import spoken_digits

    # looked up at call time, so a test may point it at a small declaration of its own
    return spoken_digits.read_declaration(spoken_digits.default_declaration())


def _features(choice, waveforms: np.ndarray, sample_rate: int) -> np.ndarray:
    if choice.spectrogram is None:
        return waveforms
    from vizcnn.signal import spectrogram

    return spectrogram(waveforms, sample_rate=sample_rate, **choice.spectrogram)


def load_arrays(choice):
    """``((X, y), (X_valid, y_valid), (X_test, y_test))`` of a data choice.

    Returns
    -------
    tuple of three (X, y) pairs
        Fashion-MNIST: ``uint8`` images ``(N, 28, 28)``; spoken digits: float32
        waveforms or spectrograms, as the model takes them. Labels are ints 0-9.
    """
    if choice.source == "fashion_mnist":
        from vizcnn.course.data import load_fashion_mnist

        train, valid, test = load_fashion_mnist()
    else:
        from vizcnn.course.spoken_digits import load_spoken_digits

        clips = load_spoken_digits(seed=choice.noise_seed)
        train, valid, test = (
            (_features(choice, X, clips.sample_rate), y)
            for X, y in (clips.arrays(s) for s in ("train", "valid", "test"))
        )
    (X, y), (X_valid, y_valid) = train, valid
    return (
        (X[: choice.first], y[: choice.first]),
        (X_valid[: choice.valid_first], y_valid[: choice.valid_first]),
        test,
    )


def model_input(X) -> np.ndarray:
    """``X`` as the model takes it: ``uint8`` images scaled to [0, 1] with a channel
    axis (:func:`vizcnn.pixels.scale_images`); anything else is already its input."""
    from vizcnn.pixels import scale_images

    return scale_images(X) if X.dtype == np.uint8 else np.asarray(X, dtype=np.float32)


def sizes(choice) -> tuple[int, int]:
    """How many training and validation examples the choice holds (nothing is loaded)."""
    if choice.source == "fashion_mnist":
        train, valid = _FASHION_SIZES
    else:
        groups = _spoken_declaration()["groups"]
        train, valid = (
            sum(len(g.words) for g in groups if g.split == s) for s in ("train", "valid")
        )
    return min(train, choice.first or train), min(valid, choice.valid_first or valid)
