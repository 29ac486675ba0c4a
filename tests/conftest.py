"""Shared test set-up: headless matplotlib, figures closed, tiny seeded models.

How close two floating-point results must be is decided once, in numeric.py.
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def keras():
    from vizcnn.backend import keras as _keras

    return _keras()


@pytest.fixture
def bfloat16_convolutions(keras):
    """For a test that runs bfloat16 convolutions: skipped, saying why, where the runtime
    has none (oneDNN capped below bfloat16, as in `make test`'s second configuration, on
    a CPU whose flags claim it). Every other runtime runs it, emulated or native."""
    from vizcnn.backend import bfloat16_convolution_runs

    if not bfloat16_convolution_runs():
        pytest.skip("this runtime cannot run a bfloat16 convolution (ONEDNN_MAX_CPU_ISA cap?)")


@pytest.fixture
def tiny_cnn(keras):
    """A seeded Sequential CNN on 8x8 RGB input."""
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv1"),
            keras.layers.MaxPool2D(2, name="pool1"),
            keras.layers.Conv2D(6, 3, padding="same", name="conv2"),
            keras.layers.GlobalAveragePooling2D(name="gap"),
            keras.layers.Dense(2, name="dense"),
        ],
        name="tiny_cnn",
    )


@pytest.fixture
def nested_cnn(keras):
    """A functional model with a Sequential block inside (8x8 RGB input)."""
    keras.utils.set_random_seed(1)
    block = keras.Sequential(
        [
            keras.Input((8, 8, 4)),
            keras.layers.Conv2D(5, 3, name="inner_conv"),
            keras.layers.ReLU(name="inner_relu"),
        ],
        name="block",
    )
    inputs = keras.Input((8, 8, 3))
    h = keras.layers.Conv2D(4, 3, padding="same", name="outer_conv")(inputs)
    h = block(h)
    outputs = keras.layers.GlobalAveragePooling2D(name="gap")(h)
    return keras.Model(inputs, outputs, name="nested_cnn")


@pytest.fixture
def batch():
    return np.random.default_rng(0).random((3, 8, 8, 3), dtype=np.float32)
