"""estimate_training_time: measured on a copy, predicts epochs x (train + validation)."""

import numpy as np
import pytest

from vizcnn import training
from vizcnn.course.time_estimate import TimeEstimate, estimate_training_time


@pytest.fixture
def small(keras):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(4, 3),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def test_estimate_leaves_the_model_alone_and_adds_up(small):
    before = [w.copy() for w in small.get_weights()]
    recipe = training.Recipe(epochs=3, batch_size=16)
    estimate = estimate_training_time(small, recipe, train_size=1000, valid_size=200, steps=2)
    assert isinstance(estimate, TimeEstimate)
    for old, new in zip(before, small.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)  # a copy was trained, not the model
    per_epoch = 1000 / estimate.train_images_per_second + 200 / estimate.predict_images_per_second
    assert estimate.minutes == pytest.approx(3 * per_epoch / 60)
    assert estimate.epochs == 3 and estimate.precision == "float32"
    text = str(estimate)
    assert "3 epochs" in text and estimate.cpu["cpu"] in text


def test_estimate_bad_input(small):
    recipe = training.Recipe(epochs=1, batch_size=8)
    with pytest.raises(TypeError, match="recipe"):
        estimate_training_time(small, {"epochs": 1})
    with pytest.raises(ValueError, match="train_size"):
        estimate_training_time(small, recipe, train_size=0)
    with pytest.raises(TypeError, match="steps"):
        estimate_training_time(small, recipe, steps=2.5)
    with pytest.raises(TypeError, match="model"):
        estimate_training_time("model", recipe)
