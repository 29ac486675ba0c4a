"""Receptive fields: the analytic walk against gradients, on chains, branches and ResNets."""

import numpy as np
import pandas as pd
import pytest

import vizcnn as vz
from vizcnn.arithmetic import (
    conv_output_size,
)
from vizcnn.graph.lookup import find_layer
from vizcnn.inspection.measured_field import _measured_masks

# -- helpers ----------------------------------------------------------------------------


def _bbox(mask):
    """Bounding box ((top, bottom), (left, right)) of a boolean mask, None when empty."""
    if not mask.any():
        return None
    ys, xs = np.nonzero(mask)
    return (int(ys.min()), int(ys.max())), (int(xs.min()), int(xs.max()))


def _corner_and_centre_units(grid):
    h, w = grid
    return [(0, 0), (h - 1, w - 1), (0, w - 1), (h - 1, 0), (h // 2, w // 2)]


def _assert_analytic_equals_measured(model, *, layers=None):
    """For every (chosen) layer, the exact box == the gradient's box, for corner and centre
    units (the corners are where padding, cropping and dropped border cells matter)."""
    fields = vz.receptive_fields(model)
    grid = tuple(model.inputs[0].shape[1:3])
    checked = 0
    for name, rf in fields.items():
        if layers is not None and name not in layers:
            continue
        positions = [None] if rf.is_global else _corner_and_centre_units(rf.grid)
        masks = _measured_masks(model, find_layer(model, name), grid, positions)
        for position, mask in zip(positions, masks, strict=True):
            assert _bbox(mask) == rf.box_in_image(position), (model.name, name, position)
            checked += 1
    return checked


def _assert_size_jump_start_measured(model, *, layers=None):
    """Far from every border, the measured field is exactly the theoretical one: its
    extent is ``size``, its box is ``box(centre)``, and the next unit's box is shifted by
    ``jump``."""
    fields = vz.receptive_fields(model)
    grid = tuple(model.inputs[0].shape[1:3])
    checked = 0
    for name, rf in fields.items():
        if rf.is_global or (layers is not None and name not in layers):
            continue
        centre = tuple(n // 2 for n in rf.grid)
        beside = (centre[0] + 1, centre[1] + 1)
        masks = _measured_masks(model, find_layer(model, name), grid, [centre, beside])
        box, next_box = rf.box(centre), rf.box(beside)
        assert all(lo >= 0 for lo, _ in box) and box[0][1] < grid[0] and box[1][1] < grid[1]
        assert _bbox(masks[0]) == box, (model.name, name)
        assert tuple(hi - lo + 1 for lo, hi in _bbox(masks[0])) == rf.size
        assert _bbox(masks[1]) == next_box
        shift = tuple(b[0] - a[0] for a, b in zip(box, next_box, strict=True))
        assert shift == rf.jump
        checked += 1
    return checked


def _on_larger_input(keras, model, margin):
    """The same layers (fresh weights) on an input ``margin`` pixels larger on each side."""
    h, w, c = model.inputs[0].shape[1:]
    layers = [type(layer).from_config(layer.get_config()) for layer in model.layers]
    return keras.Sequential([keras.Input((h + 2 * margin, w + 2 * margin, c)), *layers])


def _random_chain(keras, seed):
    """A seeded random Sequential of conv/depthwise/separable/pool/padding/cropping layers."""
    layers_ = keras.layers
    rng = np.random.default_rng(seed)
    size = (int(rng.integers(12, 40)), int(rng.integers(12, 40)))
    layers = [keras.Input((*size, 2))]
    while len(layers) < int(rng.integers(4, 9)):
        kind = str(rng.choice(["conv", "conv", "dw", "sep", "max", "avg", "pad", "crop", "relu"]))
        name = f"l{len(layers)}_{kind}"
        padding = str(rng.choice(["valid", "same"]))
        if kind in ("conv", "dw", "sep"):
            kernel = tuple(int(k) for k in rng.integers(1, 6, size=2))
            if rng.random() < 0.4:
                dilation, strides = tuple(int(d) for d in rng.integers(1, 4, size=2)), 1
            else:
                dilation, strides = 1, tuple(int(s) for s in rng.integers(1, 4, size=2))
                if kind != "conv":  # TF's depthwise kernels need equal strides
                    strides = (strides[0], strides[0])
            try:
                out = conv_output_size(
                    size, kernel, strides=strides, padding=padding, dilation_rate=dilation
                )
            except ValueError:  # kernel larger than a valid input: draw again
                continue
            options = dict(
                strides=strides,
                padding=padding,
                dilation_rate=dilation,
                activation="relu",
                name=name,
            )
            if kind == "conv":
                layer = layers_.Conv2D(3, kernel, **options)
            elif kind == "dw":
                layer = layers_.DepthwiseConv2D(kernel, **options)
            else:
                layer = layers_.SeparableConv2D(3, kernel, **options)
        elif kind in ("max", "avg"):
            pool = tuple(int(k) for k in rng.integers(2, 4, size=2))
            strides = tuple(int(s) for s in rng.integers(1, 4, size=2))
            try:
                out = conv_output_size(size, pool, strides=strides, padding=padding)
            except ValueError:
                continue
            cls = layers_.MaxPool2D if kind == "max" else layers_.AveragePooling2D
            layer = cls(pool, strides=strides, padding=padding, name=name)
        elif kind in ("pad", "crop"):
            amounts = tuple(tuple(int(a) for a in rng.integers(0, 4, size=2)) for _ in range(2))
            sign = 1 if kind == "pad" else -1
            out = tuple(n + sign * sum(a) for n, a in zip(size, amounts, strict=True))
            cls = layers_.ZeroPadding2D if kind == "pad" else layers_.Cropping2D
            layer = cls(amounts, name=name)
        else:
            out, layer = size, layers_.ReLU(name=name)
        if min(out) < 1:
            continue
        size = tuple(out)
        layers.append(layer)
    return keras.Sequential(layers, name=f"chain_{seed}")


def _functional_resnet(keras, input_shape=(33, 30, 3)):
    """Stem, max pool, three residual blocks (identity and 1x1 stride-2 skips), head."""
    layers = keras.layers
    inputs = keras.Input(input_shape)
    x = layers.Conv2D(8, 7, strides=2, padding="same", name="stem")(inputs)
    x = layers.MaxPool2D(3, strides=2, padding="same", name="pool")(x)
    for b, strides in enumerate([1, 2, 2]):
        y = layers.Conv2D(8, 3, strides=strides, padding="same", name=f"b{b}_c1")(x)
        y = layers.BatchNormalization(name=f"b{b}_bn")(y)
        y = layers.ReLU(name=f"b{b}_relu")(y)
        y = layers.Conv2D(8, 3, padding="same", name=f"b{b}_c2")(y)
        skip = x if strides == 1 else layers.Conv2D(8, 1, strides=strides, name=f"b{b}_skip")(x)
        x = layers.Add(name=f"b{b}_add")([y, skip])
        x = layers.Activation("relu", name=f"b{b}_out")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    return keras.Model(inputs, layers.Dense(3, name="head")(x), name="functional_resnet")


def _residual_unit_resnet(keras):
    layers = keras.layers
    ru = vz.layers.ResidualUnit
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(16, 7, strides=2, padding="same", name="stem"),
            layers.MaxPool2D(3, strides=2, padding="same", name="pool"),
            ru(16, name="ru1"),
            ru(32, strides=2, name="ru2"),
            ru(32, name="ru3"),
            layers.GlobalAveragePooling2D(name="gap"),
            layers.Dense(10, name="head"),
        ],
        name="residual_unit_resnet",
    )


def _notes_cnn(keras):
    """The notes' Fashion-MNIST CNN (lesson 04)."""
    layers = keras.layers

    def conv(filters, kernel_size=3, name=None):
        return layers.Conv2D(filters, kernel_size, padding="same", activation="relu", name=name)

    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            conv(64, 7, name="conv1"),
            layers.MaxPool2D(2, name="pool1"),
            conv(128, name="conv2"),
            conv(128, name="conv3"),
            layers.MaxPool2D(2, name="pool2"),
            conv(256, name="conv4"),
            conv(256, name="conv5"),
            layers.MaxPool2D(2, name="pool3"),
            layers.Flatten(name="flatten"),
            layers.Dense(128, activation="relu", name="dense1"),
            layers.Dropout(0.5, name="dropout"),
            layers.Dense(10, activation="softmax", name="output"),
        ],
        name="notes_cnn",
    )


# -- the recurrences ---------------------------------------------------------------------


def test_recurrence_matches_the_textbook_formula_on_the_notes_cnn(keras):
    fields = vz.receptive_fields(_notes_cnn(keras))
    # r_l = r_{l-1} + (k_l - 1) * j_{l-1},  j_l = j_{l-1} * s_l  (Araujo et al., 2019)
    size, jump = 1, 1
    for name, k, s in [
        ("conv1", 7, 1),
        ("pool1", 2, 2),
        ("conv2", 3, 1),
        ("conv3", 3, 1),
        ("pool2", 2, 2),
        ("conv4", 3, 1),
        ("conv5", 3, 1),
        ("pool3", 2, 2),
    ]:
        size, jump = size + (k - 1) * jump, jump * s
        assert fields[name].size == (size, size), name
        assert fields[name].jump == (jump, jump), name
    assert fields["pool3"].grid == (3, 3)
    for name in ("flatten", "dense1", "dropout", "output"):
        assert fields[name].is_global
        assert fields[name].size == (28, 28)
        assert "whole input" in fields[name].note


def test_resnet50_field_is_the_published_483_pixels(keras):
    # Araujo, Norris & Sim (Distill, 2019), table of receptive fields: ResNet-50 = 483.
    model = keras.applications.ResNet50(weights=None)
    fields = vz.receptive_fields(model)
    assert fields["conv5_block3_out"].size == (483, 483)
    assert fields["conv5_block3_out"].jump == (32, 32)
    assert fields["conv5_block3_out"].grid == (7, 7)
    assert fields["avg_pool"].is_global
    inputs = [layer for layer in model.layers if isinstance(layer, keras.layers.InputLayer)]
    assert len(fields) == len(model.layers) - len(inputs)


# -- analytic == measured ------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(24))
def test_random_chains_analytic_equals_gradient(keras, seed):
    keras.utils.set_random_seed(seed)
    chain = _random_chain(keras, seed)
    assert _assert_analytic_equals_measured(chain) > 0
    # far from the borders the textbook size/jump/start are exact; the larger copy keeps
    # size and jump (they do not depend on the input size)
    margin = max(max(rf.size) for rf in vz.receptive_fields(chain).values()) + 30
    larger = _on_larger_input(keras, chain, margin)
    assert _assert_size_jump_start_measured(larger) > 0
    small, large = vz.receptive_fields(chain), vz.receptive_fields(larger)
    assert [(f.size, f.jump) for f in small.values()] == [(f.size, f.jump) for f in large.values()]


def test_functional_resnet_with_add_analytic_equals_gradient(keras):
    keras.utils.set_random_seed(0)
    model = _functional_resnet(keras)
    assert _assert_analytic_equals_measured(model) > 20
    assert _assert_size_jump_start_measured(_functional_resnet(keras, (260, 250, 3))) > 15
    fields = vz.receptive_fields(model)
    # a 1x1 skip sees less than the 3x3 main path: the merge takes the main path's field
    assert fields["b1_add"].size == fields["b1_c2"].size
    assert fields["b1_skip"].size < fields["b1_c2"].size


def test_residual_unit_model_analytic_equals_gradient(keras):
    keras.utils.set_random_seed(0)
    model = _residual_unit_resnet(keras)
    assert _assert_analytic_equals_measured(model) > 5
    assert _assert_size_jump_start_measured(_on_larger_input(keras, model, 60)) == 5
    fields = vz.receptive_fields(model)
    # each unit adds two 3x3 convolutions at its input's jump (stride on the first)
    assert fields["ru1"].size[0] == fields["pool"].size[0] + 2 * 2 * fields["pool"].jump[0]
    assert fields["ru2"].jump == (8, 8)
    assert set(fields) == {"stem", "pool", "ru1", "ru2", "ru3", "gap", "head"}


def test_concatenated_branches_with_asymmetric_and_dilated_kernels(keras):
    layers = keras.layers
    inputs = keras.Input((25, 27, 1))
    a = layers.Conv2D(2, (1, 5), padding="same", name="a")(inputs)
    b = layers.Conv2D(2, (5, 1), padding="same", name="b")(inputs)
    c = layers.Conv2D(2, 3, dilation_rate=3, padding="same", name="c")(inputs)
    d = layers.MaxPool2D(3, strides=1, padding="same", name="d")(inputs)
    x = layers.Concatenate(name="cat")([a, b, c, d])
    x = layers.Conv2D(4, 3, strides=2, name="after")(x)
    model = keras.Model(inputs, x, name="inception_like")
    assert _assert_analytic_equals_measured(model) > 0
    assert vz.receptive_fields(model)["cat"].size == (7, 7)  # the dilated branch's span


def test_nested_models_and_duplicate_names(keras):
    layers = keras.layers
    block = keras.Sequential(
        [
            keras.Input((14, 14, 16)),
            vz.layers.ResidualUnit(16, name="ru_in"),
            layers.Conv2D(8, 3, strides=2, name="conv"),
        ],
        name="block",
    )
    inputs = keras.Input((28, 28, 1))
    x = layers.Conv2D(16, 3, strides=2, padding="same", name="conv")(inputs)
    model = keras.Model(inputs, block(x), name="nested")
    fields = vz.receptive_fields(model)
    assert list(fields) == ["conv", "block", "ru_in", "block/conv"]
    assert fields["block"] == fields["block/conv"]
    by_key = vz.empirical_receptive_field(model, "block/conv", position=(0, 0))
    assert _bbox(by_key) == fields["block/conv"].box_in_image((0, 0))
    assert _assert_analytic_equals_measured(model) > 0


def test_keras_ops_cropped_branch_and_depth_pool(keras):
    layers = keras.layers
    inputs = keras.Input((20, 21, 4))
    a = layers.Conv2D(4, 3, name="a")(inputs)
    b = layers.Conv2D(4, 5, padding="same", name="b")(inputs)
    b = layers.Cropping2D(1, name="crop")(b)
    x = keras.ops.relu(a + b)  # graph operations, not layers
    x = layers.Subtract(name="minus")([x, x])  # no cancellation in the probe
    x = vz.layers.DepthPool(2, name="depth_pool")(x)
    x = layers.MaxPool2D(2, name="pool")(x)
    model = keras.Model(inputs, x, name="ops_model")
    assert _assert_analytic_equals_measured(model) > 0
    fields = vz.receptive_fields(model)
    assert fields["depth_pool"] == fields["minus"]
    assert fields["pool"].size == (6, 6)


def test_squeeze_excitation_branch_makes_every_unit_global(keras):
    layers = keras.layers
    inputs = keras.Input((16, 16, 4))
    x = layers.Conv2D(4, 3, padding="same", name="conv")(inputs)
    s = layers.GlobalAveragePooling2D(keepdims=True, name="squeeze")(x)
    s = layers.Conv2D(4, 1, activation="sigmoid", name="excite")(s)
    y = layers.Multiply(name="scale")([x, s])
    model = keras.Model(inputs, y)
    fields = vz.receptive_fields(model)
    assert not fields["conv"].is_global
    assert fields["scale"].is_global
    mask = vz.empirical_receptive_field(model, "scale")
    assert mask.all()


def test_resnet50_units_measured(keras):
    # a smaller input keeps it quick; the 483-pixel field then hangs far over the border
    model = keras.applications.ResNet50(weights=None, include_top=False, input_shape=(96, 96, 3))
    checked = _assert_analytic_equals_measured(
        model, layers={"conv2_block1_out", "conv5_block3_out"}
    )
    assert checked == 10
    assert vz.receptive_fields(model)["conv5_block3_out"].size == (483, 483)


def test_a_single_random_gradient_misses_pixels_but_the_probe_does_not(keras):
    """Why the probe copy: max pooling passes gradient to one pixel of each window."""
    tf = vz.import_tensorflow()
    keras.utils.set_random_seed(3)
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            layers.Conv2D(1, 3, activation="relu", name="conv1"),
            layers.MaxPool2D(2, name="pool"),
            layers.Conv2D(1, 3, name="conv2"),
        ]
    )
    exact = vz.empirical_receptive_field(model, "conv2", position=(1, 1))
    x = tf.constant(np.random.default_rng(0).random((1, 12, 12, 1), dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        unit = model(x)[0, 1, 1, 0]
    naive = np.asarray(tape.gradient(unit, x))[0, ..., 0] != 0
    assert (naive <= exact).all()  # the naive mask never sees more
    assert naive.sum() < exact.sum()  # and misses wired pixels
    rf = vz.receptive_fields(model)["conv2"]
    assert _bbox(exact) == rf.box((1, 1)) == rf.box_in_image((1, 1))
    assert exact.sum() == rf.size[0] * rf.size[1]  # no dilation: the whole box


def test_empirical_default_position_is_the_centre_unit(tiny_cnn):
    centre = vz.empirical_receptive_field(tiny_cnn, "pool1")
    explicit = vz.empirical_receptive_field(tiny_cnn, "pool1", position=(2, 2))
    np.testing.assert_array_equal(centre, explicit)
    assert centre.shape == (8, 8) and centre.dtype == bool


def test_unknown_input_size(keras):
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((None, None, 3)),
            layers.Conv2D(4, 3, strides=2, padding="same", name="down"),
            layers.Conv2D(4, 3, padding="same", name="conv"),
        ]
    )
    fields = vz.receptive_fields(model)
    assert fields["down"].start == (None, None) and fields["down"].size == (3, 3)
    assert "input_size" in fields["conv"].note
    with pytest.raises(ValueError, match="offset is unknown"):
        fields["conv"].box((0, 0))
    sized = vz.receptive_fields(model, input_size=(9, 10))
    fixed = keras.Sequential([keras.Input((9, 10, 3)), *model.layers])
    assert sized["conv"] == vz.receptive_fields(fixed)["conv"]
    with pytest.raises(ValueError, match="input_size"):
        vz.empirical_receptive_field(model, "conv")
    mask = vz.empirical_receptive_field(model, "conv", position=(0, 0), input_size=(9, 10))
    assert _bbox(mask) == sized["conv"].box_in_image((0, 0))


def test_table_lists_every_layer_in_model_order(keras):
    model = _notes_cnn(keras)
    table = vz.receptive_field_table(model)
    assert isinstance(table, pd.DataFrame)
    assert list(table.index) == [layer.name for layer in model.layers]
    assert list(table.columns) == ["type", "output", "size", "jump", "start", "note"]
    fields = vz.receptive_fields(model)
    assert table.loc["conv3", "size"] == fields["conv3"].size
    assert table.loc["pool1", "type"] == "MaxPooling2D"
