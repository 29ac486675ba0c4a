"""Bad input, swept: every public entry point, each argument, the usual mistakes.

For each argument we try what a careless user passes (a string, a bool, a float where an
int belongs, a negative number, zero, a huge number, NaN, an empty container, NumPy
scalars) and assert the error *type* (``TypeError`` for the wrong kind of value,
``ValueError`` for a wrong value of the right kind) and that the message names the
argument. NumPy scalars must be *accepted* wherever Python numbers are.

Each argument is described once by its kind; the kinds below list the mistakes. The
per-module tests check the behaviour of good input; this module only checks the boundary.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import vizcnn as vz
from vizcnn import training

NAN, INF = float("nan"), float("inf")

# kind -> [(case id, bad value, expected error)]
KINDS = {
    "positive_int": [
        ("str", "3", TypeError),
        ("bool", True, TypeError),
        ("float", 3.0, TypeError),
        ("nan", NAN, TypeError),
        ("none", None, TypeError),
        ("negative", -1, ValueError),
        ("zero", 0, ValueError),
        ("empty", (), TypeError),
    ],
    "size": [  # an int, or a tuple of them (one per axis)
        ("str", "3", TypeError),
        ("bool", True, TypeError),
        ("float", 3.0, TypeError),
        ("nan", NAN, TypeError),
        ("negative", -1, ValueError),
        ("zero", 0, ValueError),
        ("empty", (), ValueError),
        ("float_in_tuple", (3, 3.5), TypeError),
    ],
    "int": [
        ("str", "1", TypeError),
        ("bool", True, TypeError),
        ("float", 1.0, TypeError),
        ("nan", NAN, TypeError),
    ],
    "non_negative_int": [
        ("str", "1", TypeError),
        ("bool", False, TypeError),
        ("float", 1.5, TypeError),
        ("nan", NAN, TypeError),
        ("negative", -1, ValueError),
    ],
    "index": [  # an int in 0..n-1: a channel, an image index
        ("str", "0", TypeError),
        ("bool", True, TypeError),
        ("float", 0.0, TypeError),
        ("negative", -1, ValueError),
        ("huge", 10**9, ValueError),
    ],
    "position": [  # a unit (row, column) on a grid; None means the centre
        ("str", "00", TypeError),
        ("bool", True, TypeError),
        ("int", 1, TypeError),
        ("floats", (1.0, 2.0), TypeError),
        ("half", (0.5, 1), TypeError),
        ("nan", (NAN, 0), TypeError),
        ("negative", (-1, 0), ValueError),
        ("huge", (10**9, 0), ValueError),
        ("three", (0, 0, 0), ValueError),
        ("empty", (), ValueError),
    ],
    "int_pair": [  # (height, width)
        ("str", "88", TypeError),
        ("bool", True, TypeError),
        ("floats", (8.0, 8.0), TypeError),
        ("one", (8,), ValueError),
        ("zero", (0, 8), ValueError),
        ("negative", (8, -8), ValueError),
        ("empty", (), ValueError),
    ],
    "positive_number": [
        ("str", "0.1", TypeError),
        ("bool", True, TypeError),
        ("none", None, TypeError),
        ("negative", -1.0, ValueError),
        ("zero", 0.0, ValueError),
        ("nan", NAN, ValueError),
        ("inf", INF, ValueError),
    ],
    "fraction": [  # in [0, 1)
        ("str", "0.1", TypeError),
        ("bool", False, TypeError),
        ("negative", -0.1, ValueError),
        ("one", 1.0, ValueError),
        ("huge", 1e9, ValueError),
        ("nan", NAN, ValueError),
    ],
    "non_negative_number": [
        ("str", "0", TypeError),
        ("bool", True, TypeError),
        ("negative", -1e-3, ValueError),
        ("nan", NAN, ValueError),
        ("inf", INF, ValueError),
    ],
    "bool": [
        ("str", "no", TypeError),
        ("int", 1, TypeError),
        ("none", None, TypeError),
        ("float", 0.0, TypeError),
    ],
    "padding": [
        ("unknown", "full", ValueError),
        ("empty", "", ValueError),
        ("int", 1, TypeError),
        ("bool", True, TypeError),
        ("none", None, TypeError),
    ],
    "images": [  # a batch (N, H, W, C)
        ("str", "images", TypeError),
        ("none", None, TypeError),
        ("bools", np.ones((1, 8, 8, 3), dtype=bool), TypeError),
        ("one_image", np.zeros((8, 8, 3), "float32"), ValueError),
        ("flat", np.zeros(8, "float32"), ValueError),
        ("empty", np.zeros((0, 8, 8, 3), "float32"), ValueError),
        ("nan", np.full((1, 8, 8, 3), np.nan, "float32"), ValueError),
        ("inf", np.full((1, 8, 8, 3), np.inf, "float32"), ValueError),
    ],
    "layer": [
        ("int", 3, TypeError),
        ("none", None, TypeError),
        ("unknown", "no_such_layer", ValueError),
        ("empty", "", ValueError),
        ("bad_path", "outer/no_such_layer", ValueError),
    ],
}


def _numpy_twin(value):
    """The same value as a NumPy scalar (or a tuple of them), which must be accepted."""
    if isinstance(value, tuple):
        return tuple(_numpy_twin(v) for v in value)
    if isinstance(value, bool):
        return np.bool_(value)
    if isinstance(value, int):
        return np.int64(value)
    if isinstance(value, float):
        return np.float32(value)
    return value


@pytest.fixture(scope="module")
def models():
    """Tiny seeded models, built once for the whole sweep."""
    from vizcnn.backend import keras as _keras

    keras = _keras()
    keras.utils.set_random_seed(0)
    tiny = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(4, 3, padding="same", name="conv1"),
            keras.layers.MaxPool2D(2, name="pool1"),
            keras.layers.GlobalAveragePooling2D(name="gap"),
            keras.layers.Dense(2, activation="softmax", name="dense"),
        ],
        name="tiny",
    )
    free = keras.Sequential(  # no fixed input size
        [keras.Input((None, None, 1)), keras.layers.Conv2D(2, 3, name="c")], name="free"
    )
    grey = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(2, 3, name="c"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="grey",
    )
    return {"tiny": tiny, "free": free, "grey": grey}


BATCH = np.random.default_rng(0).random((2, 8, 8, 3), dtype=np.float32)
GREY = np.random.default_rng(1).integers(0, 256, (4, 28, 28), dtype=np.uint8)
LABELS = np.arange(4, dtype=np.int64) % 10


def _spectrogram(**kwargs):
    return vz.signal.spectrogram(np.zeros((2, 800, 1)), **{"sample_rate": 8000, **kwargs})


def _recipe(**kwargs):
    return training.Recipe(**kwargs)


# (entry point, argument, kind, good value, call(models, value))
ENTRIES = [
    # -- pure arithmetic: no TensorFlow --------------------------------------------------
    *[
        (
            f"{fn.__name__}",
            arg,
            "size",
            3,
            (lambda m, v, fn=fn, arg=arg: fn(**{"input_size": 9, "kernel_size": 3, **{arg: v}})),
        )
        for fn in (vz.conv_output_size, vz.same_padding, vz.arithmetic.dropped_cells)
        for arg in ("input_size", "kernel_size", "strides", "dilation_rate")
    ],
    (
        "conv_output_size",
        "padding",
        "padding",
        "same",
        lambda m, v: vz.conv_output_size(9, 3, padding=v),
    ),
    (
        "dropped_cells",
        "padding",
        "padding",
        "valid",
        lambda m, v: vz.arithmetic.dropped_cells(9, 3, padding=v),
    ),
    *[
        (
            "ConvArithmeticDisplay",
            arg,
            "size",
            3,
            (
                lambda m, v, arg=arg: vz.ConvArithmeticDisplay(
                    **{"input_size": 7, "kernel_size": 3, **{arg: v}}
                ).plot()
            ),
        )
        for arg in ("input_size", "kernel_size", "strides", "dilation_rate")
    ],
    (
        "ConvArithmeticDisplay",
        "padding",
        "padding",
        "valid",
        lambda m, v: vz.ConvArithmeticDisplay(7, 3, padding=v).plot(),
    ),
    (
        "ConvArithmeticDisplay.plot",
        "position",
        "position",
        (1, 1),
        lambda m, v: vz.ConvArithmeticDisplay(7, 3).plot(position=v),
    ),
    (
        "ConvArithmeticDisplay.update",
        "position",
        "position",
        (2, 2),
        lambda m, v: vz.ConvArithmeticDisplay(7, 3).update(position=v),
    ),
    # -- the recipe -------------------------------------------------------------------------
    ("Recipe", "epochs", "positive_int", 2, lambda m, v: _recipe(epochs=v)),
    ("Recipe", "batch_size", "positive_int", 64, lambda m, v: _recipe(batch_size=v)),
    ("Recipe", "max_shift", "non_negative_int", 1, lambda m, v: _recipe(max_shift=v)),
    ("Recipe", "learning_rate", "positive_number", 1e-3, lambda m, v: _recipe(learning_rate=v)),
    ("Recipe", "minutes", "positive_number", 2.0, lambda m, v: _recipe(minutes=v)),
    ("Recipe", "warmup", "fraction", 0.1, lambda m, v: _recipe(warmup=v)),
    ("Recipe", "label_smoothing", "fraction", 0.1, lambda m, v: _recipe(label_smoothing=v)),
    ("Recipe", "weight_decay", "non_negative_number", 1e-4, lambda m, v: _recipe(weight_decay=v)),
    ("Recipe", "flip", "bool", True, lambda m, v: _recipe(flip=v)),
    # -- compute ----------------------------------------------------------------------------
    ("feature_maps", "x", "images", BATCH, lambda m, v: vz.feature_maps(m["tiny"], v, "conv1")),
    ("feature_maps", "layer", "layer", "conv1", lambda m, v: vz.feature_maps(m["tiny"], BATCH, v)),
    (
        "feature_maps",
        "batch_size",
        "positive_int",
        1,
        lambda m, v: vz.feature_maps(m["tiny"], BATCH, "conv1", batch_size=v),
    ),
    ("filters", "layer", "layer", "conv1", lambda m, v: vz.filters(m["tiny"], v)),
    (
        "receptive_fields",
        "input_size",
        "int_pair",
        (9, 9),
        lambda m, v: vz.receptive_fields(m["free"], input_size=v),
    ),
    (
        "receptive_field_table",
        "input_size",
        "int_pair",
        (9, 9),
        lambda m, v: vz.receptive_field_table(m["free"], input_size=v),
    ),
    (
        "ReceptiveField.box",
        "position",
        "position",
        (3, 3),
        lambda m, v: vz.receptive_fields(m["tiny"])["pool1"].box(v),
    ),
    (
        "empirical_receptive_field",
        "position",
        "position",
        (1, 2),
        lambda m, v: vz.empirical_receptive_field(m["tiny"], "pool1", position=v),
    ),
    (
        "empirical_receptive_field",
        "layer",
        "layer",
        "pool1",
        lambda m, v: vz.empirical_receptive_field(m["tiny"], v),
    ),
    (
        "effective_receptive_field",
        "x",
        "images",
        BATCH,
        lambda m, v: vz.effective_receptive_field(m["tiny"], v, "conv1"),
    ),
    (
        "effective_receptive_field",
        "position",
        "position",
        (2, 2),
        lambda m, v: vz.effective_receptive_field(m["tiny"], BATCH, "conv1", position=v),
    ),
    (
        "effective_receptive_field",
        "channel",
        "index",
        3,
        lambda m, v: vz.effective_receptive_field(m["tiny"], BATCH, "conv1", channel=v),
    ),
    # -- displays ---------------------------------------------------------------------------
    (
        "FeatureMapDisplay.from_model",
        "x",
        "images",
        BATCH,
        lambda m, v: vz.FeatureMapDisplay.from_model(m["tiny"], v, layer="conv1"),
    ),
    (
        "FeatureMapDisplay.from_model",
        "max_maps",
        "positive_int",
        2,
        lambda m, v: vz.FeatureMapDisplay.from_model(m["tiny"], BATCH, layer="conv1", max_maps=v),
    ),
    (
        "FeatureMapDisplay.from_model",
        "image_index",
        "index",
        1,
        lambda m, v: vz.FeatureMapDisplay.from_model(
            m["tiny"], BATCH, layer="conv1", image_index=v
        ),
    ),
    (
        "FeatureMapDisplay.plot",
        "ncols",
        "positive_int",
        2,
        lambda m, v: vz.FeatureMapDisplay(np.ones((4, 4, 3))).plot(ncols=v),
    ),
    (
        "FeatureMapDisplay.plot",
        "shared_scale",
        "bool",
        False,
        lambda m, v: vz.FeatureMapDisplay(np.ones((4, 4, 3))).plot(shared_scale=v),
    ),
    (
        "FilterDisplay.plot",
        "max_filters",
        "positive_int",
        2,
        lambda m, v: vz.FilterDisplay(np.ones((3, 3, 2, 4))).plot(max_filters=v),
    ),
    (
        "FilterDisplay.plot",
        "max_channels",
        "positive_int",
        1,
        lambda m, v: vz.FilterDisplay(np.ones((3, 3, 2, 4))).plot(max_channels=v),
    ),
    (
        "FilterDisplay.plot",
        "colorbar",
        "bool",
        False,
        lambda m, v: vz.FilterDisplay(np.ones((3, 3, 2, 4))).plot(colorbar=v),
    ),
    (
        "FilterDisplay.plot",
        "channel",
        "index",
        1,
        lambda m, v: vz.FilterDisplay(np.ones((3, 3, 2, 4))).plot(mode="grid", channel=v),
    ),
    (
        "ReceptiveFieldDisplay.from_model",
        "position",
        "position",
        (1, 1),
        lambda m, v: vz.ReceptiveFieldDisplay.from_model(
            m["tiny"], BATCH[0], layer="pool1", position=v
        ),
    ),
    (
        "ReceptiveFieldDisplay.from_model",
        "channel",
        "index",
        3,
        lambda m, v: vz.ReceptiveFieldDisplay.from_model(
            m["tiny"], BATCH[0], layer="conv1", channel=v
        ),
    ),
    (
        "ReceptiveFieldDisplay.from_model",
        "feature_map",
        "bool",
        False,
        lambda m, v: vz.ReceptiveFieldDisplay.from_model(
            m["tiny"], BATCH[0], layer="conv1", feature_map=v
        ),
    ),
    (
        "ReceptiveFieldDisplay.from_model",
        "layer",
        "layer",
        "conv1",
        lambda m, v: vz.ReceptiveFieldDisplay.from_model(m["tiny"], BATCH[0], layer=v),
    ),
    # -- models and layers ------------------------------------------------------------------
    ("basic_cnn", "n_classes", "positive_int", 3, lambda m, v: vz.models.basic_cnn(n_classes=v)),
    ("basic_cnn", "dropout", "fraction", 0.2, lambda m, v: vz.models.basic_cnn(dropout=v)),
    (
        "small_resnet",
        "stem_filters",
        "positive_int",
        8,
        lambda m, v: vz.models.small_resnet(stem_filters=v, stages=((8, 1),)),
    ),
    ("DepthPool", "pool_size", "positive_int", 2, lambda m, v: vz.layers.DepthPool(v)),
    ("ResidualUnit", "filters", "positive_int", 4, lambda m, v: vz.layers.ResidualUnit(v)),
    ("ResidualUnit", "strides", "positive_int", 2, lambda m, v: vz.layers.ResidualUnit(4, v)),
    # -- data and training ------------------------------------------------------------------
    (
        "make_dataset",
        "batch_size",
        "positive_int",
        2,
        lambda m, v: vz.data.make_dataset(GREY, LABELS, batch_size=v),
    ),
    (
        "make_dataset",
        "shuffle",
        "bool",
        True,
        lambda m, v: vz.data.make_dataset(GREY, LABELS, shuffle=v),
    ),
    (
        "make_dataset",
        "seed",
        "int",
        3,
        lambda m, v: vz.data.make_dataset(GREY, LABELS, shuffle=True, seed=v),
    ),
    (
        "predict_proba",
        "batch_size",
        "positive_int",
        2,
        lambda m, v: training.predict_proba(m["grey"], GREY, batch_size=v),
    ),
    (
        "predict_classes",
        "flip_average",
        "bool",
        True,
        lambda m, v: training.predict_classes(m["grey"], GREY, flip_average=v),
    ),
    # -- sound ------------------------------------------------------------------------------
    ("spectrogram", "sample_rate", "positive_int", 8000, lambda m, v: _spectrogram(sample_rate=v)),
    ("spectrogram", "frame_length", "positive_int", 64, lambda m, v: _spectrogram(frame_length=v)),
    ("spectrogram", "frame_step", "positive_int", 32, lambda m, v: _spectrogram(frame_step=v)),
    ("spectrogram", "log", "bool", True, lambda m, v: _spectrogram(log=v)),
    (
        "prepare_clip",
        "sample_rate",
        "positive_int",
        8000,
        lambda m, v: vz.data.prepare_clip(np.zeros(800), sample_rate=v),
    ),
]

# Arguments for which None is a meaning, not a mistake: the centre unit, no seed, no time
# budget, the pooling default (strides = kernel), "all filters", an automatic layout.
NONE_IS_VALID = {"position", "seed", "minutes", "strides", "max_filters", "ncols"}
CASES = [
    pytest.param(call, arg, value, error, id=f"{entry}-{arg}-{case}")
    for entry, arg, kind, _good, call in ENTRIES
    for case, value, error in KINDS[kind]
    if not (value is None and arg in NONE_IS_VALID)
    and not (value is None and entry == "filters")  # layer=None: "given a layer", see below
]
GOOD = [
    pytest.param(call, _numpy_twin(good), id=f"{entry}-{arg}")
    for entry, arg, kind, good, call in ENTRIES
    if kind not in ("images", "layer", "padding")
]


def test_the_sweep_is_large():
    assert len(CASES) > 300


@pytest.mark.parametrize(("call", "arg", "value", "error"), CASES)
def test_bad_value_is_a_clear_error(models, call, arg, value, error):
    with pytest.raises(error) as caught:
        call(models, value)
    message = str(caught.value)
    # the argument is named (``x`` and ``layer`` also as ``x[...]``, ``layer=...``)
    assert re.search(rf"\b{re.escape(arg)}\b", message), message
    assert "Traceback" not in message


@pytest.mark.parametrize(("call", "value"), GOOD)
def test_numpy_scalars_are_accepted(models, call, value):
    call(models, value)  # no error


def test_filters_of_a_model_needs_the_layer(models):
    with pytest.raises(ValueError, match="layer is required"):
        vz.filters(models["tiny"])
    with pytest.raises(ValueError, match="layer must be None"):
        vz.filters(models["tiny"].get_layer("conv1"), "conv1")


def test_errors_come_before_tensorflow_work(monkeypatch, models):
    """A bad argument fails at the boundary: TensorFlow is never asked to compute."""
    tf = vz.import_tensorflow()

    def refuse(*args, **kwargs):
        raise AssertionError("TensorFlow ran before the arguments were checked")

    monkeypatch.setattr(tf, "GradientTape", refuse)
    with pytest.raises(TypeError, match="channel"):
        vz.effective_receptive_field(models["tiny"], BATCH, "conv1", channel=1.0)
    with pytest.raises(ValueError, match="position"):
        vz.empirical_receptive_field(models["tiny"], "pool1", position=(9, 9))
    # the guard is live: good arguments on a fresh model (no traced step cached) reach
    # the gradient tape, so the refusals above really came first
    from vizcnn.backend import keras as _keras

    keras = _keras()
    fresh = keras.Sequential(
        [keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 3), keras.layers.Flatten()]
        + [keras.layers.Dense(2)]
    )
    with pytest.raises(AssertionError, match="TensorFlow ran before"):
        vz.grad_cam(fresh, BATCH)
