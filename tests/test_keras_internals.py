"""vizcnn.graph.keras_internals: the one place that reads Keras internals, and what it reads."""

import re
from pathlib import Path

import pytest

import vizcnn as vz
from vizcnn.graph import keras_internals

PACKAGE = Path(vz.__file__).parent
ROOT = PACKAGE.parent
FOUNDATION = PACKAGE / "graph" / "keras_internals.py"
# What keras_internals.py reads, and what it must stay alone in reading: Keras' private
# attributes (read as an attribute, or named in a string for getattr/hasattr), its private
# package, and the fields of the unexported classes behind them: Node (operation,
# is_input, input_tensors, output_tensors, parent_nodes) and KerasHistory (operation,
# node_index, tensor_index). Node's `outputs` is left out: Model.outputs and vizcnn's own
# walk steps (graph.walk) use the word, and code reading Keras' nodes needs `operation`.
_NODE_FIELDS = "operation|is_input|input_tensors|output_tensors|node_index|tensor_index"
PRIVATE = re.compile(
    r"[.\"']_(keras_history|inbound_nodes|outbound_nodes|nodes_by_depth|run_through_graph"
    r"|layers_by_depth|operations_by_depth|keras_mask|build_shapes_dict|tracker)\b"
    r"|keras\.src\b"
    rf"|\.({_NODE_FIELDS}|parent_nodes)\b"
    rf"|\b(getattr|hasattr)\([^,]+,\s*[\"']({_NODE_FIELDS})[\"']"
)


def _code_lines(path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        code, _, _ = line.partition("#")  # comments may name them, to say why
        if code.strip():
            yield number, code


def _checked_files():
    """Every Python file of the package, the benchmarks and the tests, but the one
    module allowed to read Keras internals and this test, which names them."""
    files = [*PACKAGE.rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")]
    files += (ROOT / "tests").rglob("*.py")
    return sorted(p for p in files if p not in (FOUNDATION, Path(__file__).resolve()))


def test_no_module_outside_the_foundation_names_keras_internals():
    files = _checked_files()
    assert any(p.parts[-2] == "benchmarks" for p in files) and len(files) > 100
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {code.strip()}"
        for path in files
        for number, code in _code_lines(path)
        if PRIVATE.search(code)
    ]
    assert not offenders, "\n".join(offenders)


def test_the_pattern_finds_what_it_must():
    assert PRIVATE.search("node = layer._inbound_nodes[0]")
    assert PRIVATE.search('hasattr(model, "_run_through_graph")')
    assert PRIVATE.search('sys.modules.get("keras.src.backend.config")')
    assert PRIVATE.search("if node.operation is None or node.is_input:")
    assert PRIVATE.search("ins = [t for t in step.input_tensors]")
    assert PRIVATE.search("layer = history.operation")  # any variable name
    assert PRIVATE.search("index = h._keras_history.node_index")
    assert PRIVATE.search('op = getattr(step, "operation")')
    assert PRIVATE.search("for parent in n.parent_nodes:")
    assert not PRIVATE.search("self._cache = {}")
    assert not PRIVATE.search("tracker = _tracker(recipe)")  # vizcnn's own names
    assert not PRIVATE.search("model.outputs[0]")  # Keras' public Model.outputs
    assert not PRIVATE.search("out = node.outputs[0]")  # vizcnn's own walk steps


def test_the_installed_keras_is_one_the_internals_were_checked_on(keras):
    assert keras_internals.keras_version_is_checked(keras.__version__), (
        f"Keras {keras.__version__} is outside KERAS_CHECKED {keras_internals.KERAS_CHECKED}: "
        "run the tests, fix vizcnn/graph/keras_internals.py if needed, then widen the range"
    )
    assert keras_internals.keras_version_is_checked("3.15.1")
    assert keras_internals.keras_version_is_checked("3.12.0")
    assert not keras_internals.keras_version_is_checked("4.0.0")
    assert not keras_internals.keras_version_is_checked("2.15.0")


def test_what_the_internals_return_on_a_nested_functional_model(nested_cnn, keras):
    block = nested_cnn.get_layer("block")
    outer_conv = nested_cnn.get_layer("outer_conv")
    assert keras_internals.has_functional_graph(nested_cnn)
    # the block was called on the outer convolution's output, and returned its own output
    (entry,) = keras_internals.call_inputs(block)
    assert keras_internals.producer(entry) == (outer_conv, 0)
    (exit_,) = keras_internals.call_outputs(block)
    assert keras_internals.producer(exit_)[0] is block
    assert keras_internals.producer(nested_cnn.outputs[0])[0] is nested_cnn.get_layer("gap")
    assert keras_internals.producer("not a tensor") is None
    # every layer call appears in the steps, deepest (the input) first in keras' own walk
    steps = list(keras_internals.graph_steps(nested_cnn))
    assert [layer.name for layer, _, _ in steps] == ["outer_conv", "block", "gap"]
    assert steps[1][1] == [entry] and steps[1][2] == [exit_]
    assert set(keras_internals.nodes_by_depth(nested_cnn)) == {0, 1, 2, 3}
    # a pass over the graph with our own function per layer: here, the layers' names
    seen = []

    def operation_fn(layer):
        def call(*args, **kwargs):
            seen.append(layer.name)
            return layer.name

        return call

    keras_internals.run_through_graph(nested_cnn, ["input"], operation_fn)
    assert seen == ["outer_conv", "block", "gap"]


def test_a_subclassed_model_has_no_graph_to_walk(keras):
    class Net(keras.Model):
        def __init__(self):
            super().__init__(name="subclassed_net")
            self.conv = keras.layers.Conv2D(2, 3, name="net_conv")

        def call(self, x):
            return self.conv(x)

    net = Net()
    net(keras.ops.zeros((1, 5, 5, 1)))
    assert not keras_internals.has_functional_graph(net)
    with pytest.raises(TypeError, match="subclassed model"):
        vz.receptive_fields(net)


def test_the_live_keras_home_is_the_one_keras_read_at_import(keras, monkeypatch):
    home = keras_internals.live_keras_home()
    assert isinstance(home, str) and home
    monkeypatch.setenv("KERAS_HOME", "/nowhere/else")  # read once, at import: no effect
    assert keras_internals.live_keras_home() == home
