"""Receptive fields of Keras models: one :class:`ReceptiveField` per layer, and the table.

:func:`receptive_fields` walks the model graph (:mod:`~vizcnn.inspection.graph_walk`)
applying the recurrences of :mod:`vizcnn.arithmetic.fields`; nothing runs through
TensorFlow. :mod:`~vizcnn.inspection.measured_field` measures the same fields with
gradients, independently, so the two can be compared.
"""

from __future__ import annotations

import functools

from vizcnn.arithmetic import AxisField, ReceptiveField
from vizcnn.backend import keras as _keras
from vizcnn.graph import keras_internals
from vizcnn.inspection.graph_walk import GraphWalk
from vizcnn.validation import check_int_pair, check_model, find_layer, iter_layers, model_inputs

__all__ = ["ReceptiveField", "field_of", "input_grid", "receptive_field_table", "receptive_fields"]


def input_grid(model, input_size=None):
    """The model's ``(H, W)`` (entries None when not fixed), or a clear error."""
    check_model(model)
    keras = _keras()
    if not isinstance(model, keras.Sequential) and not keras_internals.has_functional_graph(model):
        raise TypeError(
            f"model {model.name!r} ({type(model).__name__}) is a subclassed model: its "
            "graph is hidden in Python code; use a Sequential or functional model"
        )
    inputs = model_inputs(model)
    if len(inputs) != 1:
        raise ValueError(
            f"model {model.name!r} has {len(inputs)} inputs; receptive fields need a model "
            "with one image input"
        )
    shape = tuple(inputs[0].shape)
    if len(shape) != 4:
        raise ValueError(
            f"model {model.name!r} takes inputs shaped {shape}; receptive fields need "
            "images shaped (N, H, W, C)"
        )
    grid = shape[1:3]
    if input_size is not None:
        input_size = check_int_pair(input_size, "input_size", allow_int=False)
        for axis, (fixed, given) in enumerate(zip(grid, input_size, strict=True)):
            if fixed is not None and fixed != given:
                raise ValueError(
                    f"input_size={tuple(input_size)} contradicts the model's input "
                    f"{grid} (axis {axis})"
                )
        grid = tuple(input_size)
    return tuple(grid)


def receptive_fields(model, *, input_size=None) -> dict:
    """The receptive field of every layer of ``model``, in model order.

    Parameters
    ----------
    model : keras.Model
        A Sequential or functional model taking images ``(N, H, W, C)``; nested models,
        branches merged by ``Add``/``Concatenate`` and ``vz.layers.ResidualUnit`` are
        followed.
    input_size : tuple of int, optional
        ``(H, W)`` for models whose input size is not fixed. TensorFlow's ``same``
        padding with ``strides > 1`` depends on it; without it those offsets are reported
        as unknown (``None``) instead of guessed.

    Returns
    -------
    dict of str to ReceptiveField
        Keyed by layer name (``"outer/inner"`` where a nested layer's name repeats).
        Layers of a nested model come after the nested model's own entry.

    Raises
    ------
    ValueError
        For a layer that moves pixels in a way vizcnn does not know (the message names it
        and lists what is supported), merges of branches with different jumps, models
        without a single image input.
    """
    return {key: rf for key, _, rf in _all_fields(model, input_size)}


def _all_fields(model, input_size):
    """``(key, path, ReceptiveField)`` for every layer the walk reached, in model order."""
    grid = input_grid(model, input_size)
    walk = GraphWalk(grid)
    walk.model(model, [walk.input])
    paths = [(path, layer) for path, layer in iter_layers(model) if id(layer) in walk.first_output]
    names = [layer.name for _, layer in paths]
    result = []
    for path, layer in paths:
        key = layer.name if names.count(layer.name) == 1 else "/".join(p.name for p in path)
        value = walk.first_output[id(layer)]
        note = value.note
        if walk.calls[id(layer)] > 1:
            note = f"shared layer ({walk.calls[id(layer)]} calls): first call shown. {note}"
        result.append((key, path, _field(walk, value, note.strip())))
    return result


def field_of(model, layer, *, input_size=None):
    """The :class:`ReceptiveField` of one layer (by name or object, nested models searched).

    Returns
    -------
    tuple
        ``(path, field)``: the layer's path as :func:`find_layer` gives it, and its field.
    """
    path = find_layer(model, layer)
    for _, candidate, rf in _all_fields(model, input_size):
        if candidate == path:
            return path, rf
    raise ValueError(f"layer {path[-1].name!r} is not connected to the input of {model.name!r}")


def _field(walk, value, note):
    locate = functools.partial(walk.locate, value.index)
    if value.axes is None:
        return ReceptiveField(walk.input_grid, None, None, None, walk.input_grid, note, locate)
    axes: tuple[AxisField, AxisField] = value.axes
    return ReceptiveField(
        size=tuple(a.size for a in axes),
        jump=tuple(a.jump for a in axes),
        start=tuple(a.start for a in axes),
        grid=tuple(a.grid for a in axes),
        input_size=walk.input_grid,
        note=note,
        _locate=locate,
    )


def receptive_field_table(model, *, input_size=None):
    """:func:`receptive_fields` as a table, one row per layer.

    Returns
    -------
    pandas.DataFrame
        Indexed by layer name, with columns ``type``, ``output`` (the layer's grid),
        ``size``, ``jump``, ``start`` (each ``(height, width)``) and ``note``.
    """
    import pandas as pd

    fields = receptive_fields(model, input_size=input_size)
    layers = {}
    for path, layer in iter_layers(model):
        layers.setdefault(layer.name, layer)
        layers.setdefault("/".join(p.name for p in path), layer)
    rows = [
        {
            "layer": key,
            "type": type(layers[key]).__name__,
            "output": rf.grid,
            "size": rf.size,
            "jump": rf.jump,
            "start": rf.start,
            "note": rf.note,
        }
        for key, rf in fields.items()
    ]
    return pd.DataFrame(rows).set_index("layer")
