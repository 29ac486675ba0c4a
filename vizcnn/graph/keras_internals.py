"""Every use of Keras' private attributes and of ``keras.src``, in one place.

Keras 3 has no public API for a functional model's graph: which node made a tensor, what
a layer was called on, the nodes in data-flow order, a pass over the graph with our own
function per layer. vizcnn needs all four, so they are read here and nowhere else (a
test fails if another module names one), each behind a function that says what it
returns. A Keras release that renames one breaks this file only.

Checked on the Keras versions in ``KERAS_CHECKED``; ``tests/test_keras_internals.py`` pins
the installed version to that range, so a newer Keras fails one clear test first.
"""

from __future__ import annotations

import sys

# (lowest, highest) (major, minor) this module was checked on, both included: widen it
# after running the tests on another Keras
KERAS_CHECKED = ((3, 12), (3, 15))


def keras_version_is_checked(version: str) -> bool:
    """Whether a Keras version string (``"3.15.1"``) lies in :data:`KERAS_CHECKED`."""
    major, minor = (int(part) for part in version.split(".")[:2])
    low, high = KERAS_CHECKED
    return low <= (major, minor) <= high


def has_functional_graph(model) -> bool:
    """Whether a (non-Sequential) model's layer graph can be walked: not a subclassed model."""
    return hasattr(model, "_run_through_graph") and hasattr(model, "_nodes_by_depth")


def run_through_graph(model, inputs, operation_fn):
    """Run a functional model's graph on ``inputs``, calling ``operation_fn(layer)(*args)``.

    Keras' own traversal (``Functional._run_through_graph``): each layer's arguments are
    whatever earlier calls returned, so any value can flow through the graph (shapes,
    receptive fields, costs), not only tensors.
    """
    return model._run_through_graph(inputs, operation_fn=operation_fn)


def nodes_by_depth(model) -> dict:
    """A functional model's nodes keyed by depth (the output has depth 0).

    Each node has ``operation`` (the layer, ``None`` for an input), ``is_input``,
    ``input_tensors`` and ``outputs``.
    """
    return model._nodes_by_depth


def graph_steps(model):
    """A functional model's layer calls in Keras' own walk order, the input first.

    Yields ``(layer, input_tensors, output_tensors)`` for every call of a layer (or
    ``keras.ops`` operation) in the graph; the model's own inputs are not calls and are
    left out. Only this module reads the fields of Keras' ``Node``.
    """
    by_depth = nodes_by_depth(model)
    for depth in sorted(by_depth, reverse=True):  # depth 0 is the output
        for node in by_depth[depth]:
            if node.operation is None or node.is_input:
                continue
            yield node.operation, list(node.input_tensors), list(node.outputs)


def producer(tensor):
    """The ``(layer, node_index)`` whose call made a symbolic tensor, or ``None``."""
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return None
    return history.operation, history.node_index


def call_inputs(layer, node_index: int = 0) -> list:
    """The symbolic tensors ``layer`` was called on in its ``node_index``-th call."""
    return list(layer._inbound_nodes[node_index].input_tensors)


def call_outputs(layer, node_index: int = 0) -> list:
    """The symbolic tensors ``layer`` returned in its ``node_index``-th call."""
    return list(layer._inbound_nodes[node_index].output_tensors)


def live_keras_home():
    """The folder an imported Keras reads ``$KERAS_HOME`` into at import, or ``None``.

    Keras reads the variable once, when ``keras`` is imported; a later change of the
    environment does not move its cache. ``None`` where Keras is not imported yet.
    """
    config = sys.modules.get("keras.src.backend.config")
    if config is None or not hasattr(config, "keras_home"):
        return None
    return config.keras_home()
