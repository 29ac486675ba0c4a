"""ArchitectureDisplay: one box per layer, one arc per skip connection, compact wrapping."""

import itertools

import matplotlib.pyplot as plt
import pytest

import vizcnn as vz


def _names(display):
    return [box.name for box in display.boxes_]


def _arcs(display):
    return [(skip.source, skip.target) for skip in display.skips_]


def _overlapping_boxes(display):
    """Pairs of drawn boxes whose rectangles intersect (in the Axes' inch units)."""
    extents = [box.patch.get_extents() for box in display.boxes_]  # display pixels
    return [
        (display.boxes_[i].name, display.boxes_[j].name)
        for i, j in itertools.combinations(range(len(extents)), 2)
        if extents[i].overlaps(extents[j])
    ]


@pytest.fixture
def add_model(keras):
    """input -> a -> b -> c -> add(a, c) -> gap: one skip from a over b and c."""
    layers = keras.layers
    inputs = keras.Input((8, 8, 3))
    a = layers.Conv2D(4, 3, padding="same", name="a")(inputs)
    b = layers.Conv2D(4, 3, padding="same", name="b")(a)
    c = layers.Conv2D(4, 3, padding="same", name="c")(b)
    merged = layers.Add(name="add")([a, c])
    return keras.Model(inputs, layers.GlobalAveragePooling2D(name="gap")(merged))


@pytest.fixture(scope="module")
def small_resnet():
    return vz.models.small_resnet()


def test_sequential_one_box_per_layer_in_order_and_no_skips(tiny_cnn):
    display = vz.ArchitectureDisplay.from_model(tiny_cnn)
    assert _names(display) == [layer.name for layer in tiny_cnn.layers]
    assert [box.kind for box in display.boxes_] == [type(la).__name__ for la in tiny_cnn.layers]
    assert display.skips_ == []
    assert display.ax_.figure is display.figure_
    # every box shows its name and output shape
    conv = display.boxes_[0]
    assert [t.get_text() for t in conv.text] == ["conv1", "8×8×4"]


def test_basic_cnn_shapes_and_no_skips():
    model = vz.models.basic_cnn()
    display = vz.ArchitectureDisplay.from_model(model)
    assert len(display.boxes_) == len(model.layers) == 14
    assert display.skips_ == []
    # by position: Keras numbers automatic names across a session ("conv2d_7" after others)
    shapes = {
        layer.__class__.__name__ + str(i): box.shape_text
        for i, (layer, box) in enumerate(zip(model.layers, display.boxes_, strict=True))
    }
    assert [box.name for box in display.boxes_] == [layer.name for layer in model.layers]
    assert shapes["Conv2D0"] == "28×28×64"
    assert shapes["MaxPooling2D7"] == "3×3×256"
    assert shapes["Flatten8"] == "2304"
    assert display.boxes_[0].kind == "Conv2D"


def test_functional_add_is_one_skip_from_a_to_add(add_model):
    display = vz.ArchitectureDisplay.from_model(add_model)
    # one box per non-input layer: the input is drawn, but is not a box
    layers = [la.name for la in add_model.layers if type(la).__name__ != "InputLayer"]
    assert _names(display) == layers == ["a", "b", "c", "add", "gap"]
    assert _arcs(display) == [("a", "add")]
    assert display.skips_[0].patch in display.ax_.patches


def test_concatenate_is_one_skip(keras):
    layers = keras.layers
    inputs = keras.Input((8, 8, 3))
    x = layers.Conv2D(4, 3, padding="same", name="x")(inputs)
    y = layers.Conv2D(6, 3, padding="same", name="y")(x)
    z = layers.Concatenate(name="concat")([x, y])
    model = keras.Model(inputs, layers.Flatten(name="flat")(z))
    display = vz.ArchitectureDisplay.from_model(model)
    assert _arcs(display) == [("x", "concat")]
    assert {box.name: box.shape_text for box in display.boxes_}["concat"] == "8×8×10"


def test_side_branch_with_layers_is_drawn_beside_the_column(keras):
    """ResNet50's projection shortcut: the shortcut conv is a box; its edge into the add
    is the skip, not the main path's."""
    layers = keras.layers
    inputs = keras.Input((8, 8, 3))
    stem = layers.Conv2D(4, 3, padding="same", name="stem")(inputs)
    main = layers.Conv2D(8, 3, padding="same", name="main1")(stem)
    main = layers.Conv2D(8, 3, padding="same", name="main2")(main)
    short = layers.Conv2D(8, 1, name="shortcut")(stem)
    model = keras.Model(inputs, layers.Add(name="add")([main, short]))
    display = vz.ArchitectureDisplay.from_model(model)
    assert sorted(_names(display)) == ["add", "main1", "main2", "shortcut", "stem"]
    assert _arcs(display) == [("shortcut", "add")]
    boxes = {box.name: box.patch.get_extents() for box in display.boxes_}
    assert boxes["shortcut"].x0 > boxes["main1"].x1  # in a side lane, right of the column
    assert not _overlapping_boxes(display)


def test_nested_model_is_one_box_unless_expanded(nested_cnn):
    closed = vz.ArchitectureDisplay.from_model(nested_cnn)
    assert _names(closed) == ["outer_conv", "block", "gap"]
    assert closed.boxes_[1].kind == "Sequential"
    assert closed.boxes_[1].shape_text == "6×6×5"
    opened = vz.ArchitectureDisplay.from_model(nested_cnn, expand=True)
    assert _names(opened) == ["outer_conv", "block/inner_conv", "block/inner_relu", "gap"]
    assert opened.skips_ == []


def test_small_resnet_collapsed_units_have_one_arc_each(small_resnet):
    display = vz.ArchitectureDisplay.from_model(small_resnet)
    layers = [la for la in small_resnet.layers if type(la).__name__ != "InputLayer"]
    assert _names(display) == [la.name for la in layers]
    assert [b.kind for b in display.boxes_].count("ResidualUnit") == 3
    # a collapsed unit's arc runs around its own box
    assert _arcs(display) == [("res1_1", "res1_1"), ("res2_1", "res2_1"), ("res3_1", "res3_1")]
    assert {skip.label for skip in display.skips_} == {"1×1 conv, BN"}


def test_small_resnet_expanded_shows_main_path_add_and_one_skip_per_unit(small_resnet):
    display = vz.ArchitectureDisplay.from_model(small_resnet, expand=True)
    names = _names(display)
    for unit in ("res1_1", "res2_1", "res3_1"):
        for inner in ("conv1", "bn1", "act1", "conv2", "bn2", "add", "act_out"):
            assert f"{unit}/{inner}" in names
    assert "res1_1" not in names
    assert len(names) == 3 + 3 * 7 + 2  # stem, 3 opened units, gap and output
    kinds = {box.name: box.kind for box in display.boxes_}
    assert kinds["res2_1/conv1"] == "Conv2D" and kinds["res2_1/add"] == "Add"
    shapes = {box.name: box.shape_text for box in display.boxes_}
    assert shapes["res1_1/conv1"] == "14×14×64"
    assert shapes["res3_1/act_out"] == "4×4×256"
    # each skip: from the unit's input to its add, labelled with the projection
    assert _arcs(display) == [
        ("stem_relu", "res1_1/add"),
        ("res1_1/act_out", "res2_1/add"),
        ("res2_1/act_out", "res3_1/add"),
    ]
    assert [skip.label for skip in display.skips_] == ["1×1 conv, BN"] * 3
    assert not _overlapping_boxes(display)


def test_expand_one_unit_by_name_and_identity_label():
    # stage 1 has two units: res1_1 projects (stride 2), res1_2 keeps the shape: identity
    model = vz.models.small_resnet(stages=((32, 2), (64, 1)))
    display = vz.ArchitectureDisplay.from_model(model, expand=["res1_2"])
    names = _names(display)
    assert "res1_2/conv1" in names and "res1_2" not in names
    assert "res1_1" in names and "res2_1" in names
    assert not any(name.startswith(("res1_1/", "res2_1/")) for name in names)
    assert [(s.source, s.target, s.label) for s in display.skips_] == [
        ("res1_1", "res1_1", "1×1 conv, BN"),
        ("res1_1", "res1_2/add", "identity"),
        ("res2_1", "res2_1", "1×1 conv, BN"),
    ]


def test_resnet34_sixteen_units_sixteen_skips():
    model = vz.models.resnet34(input_shape=(64, 64, 3), n_classes=10)
    display = vz.ArchitectureDisplay.from_model(model)
    assert len(display.skips_) == 16
    assert len(display.boxes_) == 4 + 16 + 2  # stem conv/bn/relu/pool, units, gap, output
    width, height = display.figure_.get_size_inches()
    assert width <= 12 and height <= 12
    assert len(display.columns_) > 1


def test_keras_resnet50_one_skip_per_add_and_compact(keras):
    model = keras.applications.ResNet50(weights=None, input_shape=(64, 64, 3), classes=10)
    display = vz.ArchitectureDisplay.from_model(model)
    layers = [la for la in model.layers if type(la).__name__ != "InputLayer"]
    assert len(display.boxes_) == len(layers) == 176
    adds = [la.name for la in layers if type(la).__name__ == "Add"]
    assert len(adds) == 16
    assert [skip.target for skip in display.skips_] == adds
    # identity blocks skip from the previous block's output; projection blocks from the
    # 1x1 shortcut's batch normalisation
    arcs = dict((t, s) for s, t in _arcs(display))
    assert arcs["conv2_block2_add"] == "conv2_block1_out"
    assert arcs["conv3_block1_add"] == "conv3_block1_0_bn"
    width, height = display.figure_.get_size_inches()
    assert width <= 20 and height <= 20
    assert len(display.columns_) >= 3
    display.figure_.canvas.draw()
    assert not _overlapping_boxes(display)


def test_draws_on_given_axes_with_options(add_model):
    fig, ax = plt.subplots()
    display = vz.ArchitectureDisplay.from_model(
        add_model, ax=ax, ncols=2, title="mine", legend=False
    )
    assert display.ax_ is ax and display.figure_ is fig
    assert "mine" in [t.get_text() for t in ax.texts]
    assert len(display.columns_) <= 2


def test_unbuilt_sequential_shapes_are_unknown(keras):
    model = keras.Sequential([keras.layers.Dense(3, name="d")])
    display = vz.ArchitectureDisplay.from_model(model)
    assert [(b.name, b.shape_text) for b in display.boxes_] == [("d", "?")]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"expand": "res1_1"}, TypeError, r"expand must be .*expand=\['res1_1'\]"),
        ({"expand": 2}, TypeError, "expand must be None, a bool or a list"),
        ({"expand": ["res1_1", 3]}, TypeError, r"expand\[1\] must be a layer name"),
        ({"expand": ["nope"]}, ValueError, "valid names: res1_1, res2_1, res3_1"),
        ({"expand": ["gap"]}, ValueError, "not nested models or residual units"),
        ({"ncols": 0}, ValueError, "ncols must be >= 1"),
        ({"fontsize": "big"}, TypeError, "fontsize"),
    ],
)
def test_bad_options(small_resnet, kwargs, error, match):
    with pytest.raises(error, match=match):
        vz.ArchitectureDisplay.from_model(small_resnet, **kwargs)


def test_model_must_be_a_keras_model(tiny_cnn):
    with pytest.raises(TypeError, match="model must be a keras.Model"):
        vz.ArchitectureDisplay.from_model("resnet")
    with pytest.raises(ValueError, match="no nested models or residual units"):
        vz.ArchitectureDisplay.from_model(tiny_cnn, expand=["conv1"])
