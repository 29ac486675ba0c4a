"""prediction_consistency: shift images by a few pixels, count unchanged answers."""

from __future__ import annotations

import numpy as np
import pytest

import vizcnn as vz


def test_shift_images_moves_pixels_and_fills_with_zeros():
    X = np.arange(1, 17, dtype="uint8").reshape(1, 4, 4)
    down = vz.shift_images(X, 1, 0)
    np.testing.assert_array_equal(down[0, 0], 0)
    np.testing.assert_array_equal(down[0, 1:], X[0, :3])
    left = vz.shift_images(X, 0, -2)
    np.testing.assert_array_equal(left[0, :, :2], X[0, :, 2:])
    np.testing.assert_array_equal(left[0, :, 2:], 0)
    assert down.dtype == X.dtype


def test_shift_images_refuses_a_shift_out_of_the_frame():
    with pytest.raises(ValueError, match="dy=4"):
        vz.shift_images(np.zeros((1, 4, 4), "uint8"), 4, 0)
    with pytest.raises(TypeError, match="dx"):
        vz.shift_images(np.zeros((1, 4, 4), "uint8"), 0, 1.0)


def _models():
    keras = vz.backend.keras()
    inputs = keras.Input((8, 8, 1))
    # a classifier that answers "is the bright pixel in the left half?": it changes its
    # answer exactly when a shift carries the pixel across the middle
    flat = keras.layers.Flatten()(inputs)
    left = np.zeros((64, 2), "float32")
    left.reshape(8, 8, 2)[:, :4, 0] = 1
    left.reshape(8, 8, 2)[:, 4:, 1] = 1
    dense = keras.layers.Dense(2, use_bias=False, activation="softmax")
    half = keras.Model(inputs, dense(flat))
    dense.set_weights([left])
    pooled = keras.layers.GlobalMaxPooling2D()(inputs)
    invariant = keras.Model(inputs, keras.layers.Concatenate()([pooled, 1 - pooled]))
    return half, invariant


def test_consistency_counts_answers_that_change():
    half, invariant = _models()
    X = np.zeros((8, 8, 8), "uint8")
    for column in range(8):
        X[column, 4, column] = 255  # image k: the pixel in column k
    table = vz.prediction_consistency(half, X, shifts=[1])
    # a shift right moves column 3 -> 4 across the middle and pushes column 7 out of the
    # frame (a blank image reads as class 0, "left"), a shift left moves 4 -> 3: 3 of the
    # 32 (image, direction) pairs change (up and down never do)
    assert table.loc[1, "consistency"] == pytest.approx(29 / 32, abs=1e-12)
    inside = X[2:6]  # pixels in columns 2..5: shifts of up to 2 keep them in the frame
    assert vz.prediction_consistency(invariant, inside, shifts=[1, 2]).loc[2, "consistency"] == 1


def test_consistency_reports_accuracy_with_labels():
    half, _ = _models()
    X = np.zeros((2, 8, 8), "uint8")
    X[0, 4, 1] = X[1, 4, 6] = 255
    table = vz.prediction_consistency(half, X, np.array([0, 1]), shifts=[1])
    assert table.loc[0, "accuracy"] == 1.0 and list(table.index) == [0, 1]


def test_consistency_names_bad_arguments():
    half, _ = _models()
    X = np.zeros((2, 8, 8), "uint8")
    with pytest.raises(TypeError, match="shifts"):
        vz.prediction_consistency(half, X, shifts=2)
    with pytest.raises(ValueError, match="moves the whole image"):
        vz.prediction_consistency(half, X, shifts=[9])
    with pytest.raises(ValueError, match="one label per image"):
        vz.prediction_consistency(half, X, np.array([0]))
