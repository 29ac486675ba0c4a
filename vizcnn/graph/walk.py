"""ONE walk of a Keras model in graph order, for every fold that follows a model layer by
layer (receptive fields, costs).

:func:`walk_model` follows Sequential and functional models with symbolic tensors, asking
every layer (and ``keras.ops`` node) for its output with ``compute_output_spec``: nothing
runs on data. Nested models and residual blocks (layers with ``main_layers`` /
``skip_layers``, :func:`~vizcnn.graph.layer_kinds.is_block`) are opened, or kept closed on
request; a subclassed model, whose graph is hidden in Python code, is one opaque node.

Every call becomes one :class:`Node`, in an order where a node comes after every node
whose output it reads. A fold maps tensors to its own values (``id(tensor)`` is stable:
the walk keeps every tensor alive) and never touches Keras' graph itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from vizcnn.backend import keras as _keras
from vizcnn.graph import keras_internals
from vizcnn.graph.layer_kinds import is_block
from vizcnn.graph.submodels import GridTooSmall, output_spec
from vizcnn.validation import model_inputs

__all__ = ["ModelWalk", "Node", "has_graph", "subclassed_error", "walk_model"]

ROLES = ("layer", "opaque", "sum", "exit")


@dataclass(frozen=True, eq=False)
class Node:
    """One call in the walk.

    Attributes
    ----------
    op : object
        The Keras layer or ``keras.ops`` operation called; for ``role="sum"`` the block
        whose skip sum this is; for ``role="exit"`` the opened container.
    inputs : tuple
        The symbolic tensors the call read (from its arguments, in order).
    outputs : tuple
        The symbolic tensors it made. For ``"exit"``: the tensors the container's inside
        made, the same objects the inner nodes returned.
    key : str
        ``"outer/inner"``: the names of the opened containers around it, then its own
        (``"unit/add"`` for a block's sum).
    role : str
        ``"layer"`` (a layer, operation, or a container kept closed), ``"opaque"`` (a
        subclassed model: no graph to open), ``"sum"`` (a block's ``main + skip``) or
        ``"exit"`` (an opened container, after every node of its inside).
    call : int
        Which call of ``op`` this is in the walk, from 1 (shared layers are called again).
    depth : int
        How many opened containers are around it (0 at the top).
    """

    op: object
    inputs: tuple
    outputs: tuple
    key: str
    role: str
    call: int
    depth: int


class ModelWalk:
    """The nodes of one model, in graph order (iterate it), with its input and output
    tensors: ``inputs`` are the model's own symbolic inputs, fed to the first nodes."""

    def __init__(self, nodes, inputs, outputs):
        self.nodes = tuple(nodes)
        self.inputs = tuple(inputs)
        self.outputs = tuple(outputs)

    def __iter__(self):
        return iter(self.nodes)

    def __len__(self):
        return len(self.nodes)


def has_graph(model) -> bool:
    """Whether ``model`` is a Sequential or functional model (not subclassed)."""
    return isinstance(model, _keras().Sequential) or keras_internals.has_functional_graph(model)


def subclassed_error(model, needs: str = "") -> TypeError:
    """The error for a subclassed model, whose graph the walk cannot open."""
    return TypeError(
        f"model {model.name!r} ({type(model).__name__}) is a subclassed model: its graph is "
        f"hidden in Python code; {needs or 'use a Sequential or functional model'}"
    )


def walk_model(model, *, expand=True, input_shape=None) -> ModelWalk:
    """Walk ``model`` once, in graph order.

    Parameters
    ----------
    model : keras.Model
        A Sequential or functional model with symbolic inputs (``keras.Input``).
    expand : bool or callable, default=True
        Which containers (nested models, blocks with ``main_layers``/``skip_layers``) to
        open: all (True), none (False), or those for which ``expand(layer)`` is true. A
        container kept closed is one ``"layer"`` node. A subclassed nested model is
        always one ``"opaque"`` node.
    input_shape : tuple of int, optional
        One input's shape without the batch axis, ``(H, W, C)`` or ``(T, C)``: walk the
        model at that size instead of its own (free) one.

    Returns
    -------
    ModelWalk

    Raises
    ------
    TypeError
        If ``model`` is subclassed (its graph is hidden) or has no symbolic inputs.
    GridTooSmall
        If a convolution or pooling window is larger than the grid it reads (a
        ``ValueError`` naming the layer by its key).
    ValueError
        If a layer cannot take the input it is given (the message names the layer and the
        input shapes).
    """
    if not has_graph(model):
        raise subclassed_error(model)
    if not (expand is True or expand is False or callable(expand)):
        raise TypeError(f"expand must be True, False or a callable, got {expand!r}")
    walker = _Walker(expand)
    inputs = list(model_inputs(model))
    if input_shape is not None:
        inputs = [_keras().KerasTensor((None, *input_shape), dtype=t.dtype) for t in inputs]
    outputs = walker.model(model, inputs, prefix="", depth=0)
    return ModelWalk(walker.nodes, inputs, outputs)


class _Walker:
    def __init__(self, expand):
        self.keras = _keras()
        self.expand = expand
        self.nodes = []
        self.calls = {}  # id(op) -> calls so far

    def _opens(self, layer) -> bool:
        return self.expand if isinstance(self.expand, bool) else bool(self.expand(layer))

    def _add(self, op, inputs, outputs, key, role, depth):
        call = self.calls.get(id(op), 0) + 1
        if role != "sum":  # a block's sum comes before the block's own exit: same call
            self.calls[id(op)] = call
        self.nodes.append(Node(op, tuple(inputs), tuple(outputs), key, role, call, depth))

    def model(self, model, inputs, *, prefix, depth):
        """Walk a Sequential or functional model from ``inputs``; its output tensors."""
        if isinstance(model, self.keras.Sequential):
            value = inputs[0]
            for layer in model.layers:
                value = self.call(layer, (value,), {}, prefix=prefix, depth=depth)
            return tensors_in(value)

        def operation_fn(op):
            return lambda *args, **kwargs: self.call(op, args, kwargs, prefix=prefix, depth=depth)

        return tensors_in(keras_internals.run_through_graph(model, inputs, operation_fn))

    def call(self, op, args, kwargs, *, prefix, depth):
        """One call of ``op`` on walk tensors: its nodes, and what it returns."""
        key = prefix + op.name
        tensors = tensors_in((args, kwargs))
        if isinstance(op, self.keras.Model) and self._opens(op) and has_graph(op):
            outputs = self.model(op, tensors, prefix=key + "/", depth=depth + 1)
            self._add(op, tensors, outputs, key, "exit", depth)
            return outputs[0] if len(outputs) == 1 else outputs
        if is_block(op) and self._opens(op):
            return self._block(op, tensors[0], key, depth)
        opaque = isinstance(op, self.keras.Model) and not has_graph(op)
        try:
            output = self._spec(op, args, kwargs, key)
        except ValueError as error:
            if opaque:
                raise subclassed_error(op) from error
            raise
        self._add(op, tensors, tensors_in(output), key, "opaque" if opaque else "layer", depth)
        return output

    def _block(self, block, x, key, depth):
        prefix = key + "/"
        main = skip = x
        for inner in block.main_layers:
            main = self.call(inner, (main,), {}, prefix=prefix, depth=depth + 1)
        for inner in block.skip_layers:
            skip = self.call(inner, (skip,), {}, prefix=prefix, depth=depth + 1)
        out = self.keras.KerasTensor(main.shape, dtype=main.dtype)
        self._add(block, (main, skip), (out,), prefix + "add", "sum", depth + 1)
        after = getattr(block, "activation", None)
        if isinstance(after, self.keras.layers.Layer):
            out = self.call(after, (out,), {}, prefix=prefix, depth=depth + 1)
        self._add(block, (x,), (out,), key, "exit", depth)
        return out

    def _spec(self, op, args, kwargs, key):
        try:
            return output_spec(op, *args, **kwargs)
        except GridTooSmall as error:
            raise GridTooSmall(error.layer, error.grid, error.window, key) from None
        except (ValueError, TypeError) as error:
            shapes = ", ".join(str(tuple(t.shape)) for t in tensors_in((args, kwargs)))
            raise ValueError(
                f"layer {key!r} ({type(op).__name__}) cannot take its input of shape "
                f"{shapes or 'none'}: {error}"
            ) from error


def tensors_in(structure) -> list:
    """The symbolic tensors in a nested structure of arguments or outputs, in order."""
    if isinstance(structure, (list, tuple)):
        return [t for item in structure for t in tensors_in(item)]
    if isinstance(structure, dict):
        return [t for item in structure.values() for t in tensors_in(item)]
    return [structure] if hasattr(structure, "shape") and hasattr(structure, "dtype") else []
