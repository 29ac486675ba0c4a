"""One sub-model builder and one shape inference: vizcnn/graph/submodels.py.

The shape of a layer's output is asked in one place (``output_spec``), whose convolution
and pooling grids come from the arithmetic (``vz.conv_output_size``); sub-models are cut
in one place. Checked against Keras' own inference where a window fits.
"""

import pathlib
import re

import pytest

import vizcnn as vz
from vizcnn.graph.submodels import GridTooSmall, output_spec
from vizcnn.inspection.architecture_graph import architecture_graph

PACKAGE = pathlib.Path(vz.__file__).parent

# Keras' own answer is what keras_check reports (lesson 02 compares the arithmetic with
# it); the layers package implements compute_output_shape for its own layers.
ASKS_KERAS_ON_PURPOSE = {"inspection/keras_check.py"}


def _library_sources():
    for folder in ("graph", "inspection", "display", "widgets"):
        for path in sorted((PACKAGE / folder).glob("*.py")):
            yield path.relative_to(PACKAGE).as_posix(), path.read_text(encoding="utf-8")


def test_shape_inference_is_asked_in_one_place():
    calls = re.compile(r"\.compute_output_(spec|shape)\(")
    askers = {
        name
        for name, source in _library_sources()
        if calls.search(source) and name not in ASKS_KERAS_ON_PURPOSE
    }
    assert askers == {"graph/submodels.py"}


def test_sub_models_are_cut_in_one_place():
    defines = re.compile(r"^def _?(single|has_graph|plan_cut|output_extractor)\(", re.M)
    found = sorted(
        (match.group(1), name)
        for name, source in _library_sources()
        for match in defines.finditer(source)
    )
    assert found == [
        ("has_graph", "graph/walk.py"),
        ("output_extractor", "graph/submodels.py"),
        ("plan_cut", "graph/submodels.py"),
        ("single", "graph/submodels.py"),
    ]


@pytest.mark.parametrize(
    ("make", "grid"),
    [
        (lambda L: L.Conv2D(2, 3), (9, 7)),
        (lambda L: L.Conv2D(2, (3, 5), strides=2, padding="same"), (9, 7)),
        (lambda L: L.Conv2D(2, 3, dilation_rate=2), (9, 7)),
        (lambda L: L.MaxPool2D(2), (9, 7)),
        (lambda L: L.AveragePooling2D(3, strides=2, padding="same"), (8, 5)),
        (lambda L: L.Conv1D(2, 4, strides=3), (11,)),
        (lambda L: L.Conv1D(2, 3, padding="causal", dilation_rate=2), (11,)),
        (lambda L: L.MaxPooling1D(4), (11,)),
    ],
)
def test_output_spec_gives_keras_shapes(keras, make, grid):
    layer = make(keras.layers)
    spec = keras.KerasTensor((1, *grid, 3))
    assert tuple(output_spec(layer, spec).shape) == tuple(layer.compute_output_spec(spec).shape)


@pytest.mark.parametrize(
    ("make", "grid", "window"),
    [
        (lambda L: L.MaxPool2D(4, name="p"), (3, 3), "pool_size (4, 4)"),
        (lambda L: L.Conv2D(2, 3, dilation_rate=2, name="p"), (4, 9), "kernel_size (3, 3)"),
        (lambda L: L.Conv1D(2, 5, name="p"), (4,), "kernel_size (5,)"),
    ],
)
def test_a_window_that_does_not_fit_is_named(keras, make, grid, window):
    layer = make(keras.layers)
    with pytest.raises(GridTooSmall) as caught:
        output_spec(layer, keras.KerasTensor((1, *grid, 3)))
    assert caught.value.layer is layer and caught.value.grid == grid
    assert caught.value.window == window
    assert "layer 'p'" in str(caught.value)


def test_the_architecture_reads_shapes_through_it(keras):
    model = keras.Sequential(
        [
            keras.Input((7, 7, 1)),
            keras.layers.Conv2D(2, 3, strides=2, padding="same", name="c"),
            keras.layers.MaxPool2D(2, name="p"),
        ]
    )
    after_conv = vz.conv_output_size((7, 7), 3, strides=2, padding="same")
    after_pool = vz.conv_output_size(after_conv, 2, strides=None)
    nodes, _ = architecture_graph(model)
    shapes = {n.name: n.shape_text for n in nodes}
    assert shapes["c"] == "{}×{}×2".format(*after_conv)
    assert shapes["p"] == "{}×{}×2".format(*after_pool)
