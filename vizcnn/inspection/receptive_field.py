"""Receptive fields of Keras models: one :class:`ReceptiveField` per layer, and the table.

:func:`receptive_fields` walks the model graph (:mod:`~vizcnn.inspection.graph_walk`)
applying the recurrences of :mod:`vizcnn.arithmetic.fields`; nothing runs through
TensorFlow. :mod:`~vizcnn.inspection.measured_field` measures the same fields with
gradients, independently, so the two can be compared.
"""

from __future__ import annotations

import functools
import math

from vizcnn.arithmetic import AxisField, ReceptiveField
from vizcnn.graph.lookup import find_layer, iter_layers, layer_keys, layers_by_key
from vizcnn.graph.walk import has_graph, subclassed_error, walk_model
from vizcnn.inspection.graph_walk import PATHS, START_UNKNOWN, GraphWalk
from vizcnn.inspection.preflight import check_input_fits
from vizcnn.validation import check_int, check_int_pair, check_model, check_one_of, model_inputs

__all__ = ["ReceptiveField", "field_of", "input_grid", "receptive_field_table", "receptive_fields"]


def input_grid(model, input_size=None):
    """The model's ``(H, W)``, or ``(T,)`` for a 1-D model (entries None when not fixed),
    or a clear error."""
    check_model(model)
    if not has_graph(model):
        raise subclassed_error(model)
    inputs = model_inputs(model)
    if len(inputs) != 1:
        raise ValueError(
            f"model {model.name!r} has {len(inputs)} inputs; receptive fields need a model "
            "with one input: images (N, H, W, C) or sequences (N, T, C)"
        )
    shape = tuple(inputs[0].shape)
    if len(shape) not in (3, 4):
        raise ValueError(
            f"model {model.name!r} takes inputs shaped {shape}{_first_layer_words(model)}; "
            "receptive fields need images shaped (N, H, W, C) for a 2-D model or sequences "
            "shaped (N, T, C) for a 1-D model"
        )
    grid = shape[1:-1]
    if input_size is not None:
        input_size = _check_input_size(input_size, len(grid))
        for axis, (fixed, given) in enumerate(zip(grid, input_size, strict=True)):
            if fixed is not None and fixed != given:
                raise ValueError(
                    f"input_size={tuple(input_size)} contradicts the model's input "
                    f"{grid} (axis {axis})"
                )
        grid = tuple(input_size)
    return tuple(grid)


def _check_input_size(input_size, n_axes):
    """``(H, W)`` for a 2-D model; ``(T,)`` from ``T`` or ``(T,)`` for a 1-D one."""
    if n_axes == 2:
        return check_int_pair(input_size, "input_size", allow_int=False)
    if isinstance(input_size, (tuple, list)) and len(input_size) == 1:
        input_size = input_size[0]
    return (check_int(input_size, "input_size", minimum=1),)


def _first_layer_words(model):
    """ ", read by layer 'c' (Conv3D)": the layer a learner recognises the input by."""
    for _, layer in iter_layers(model):
        return f", read by layer {layer.name!r} ({type(layer).__name__})"
    return ""


def receptive_fields(model, *, input_size=None, path="full") -> dict:
    """The receptive field of every layer of ``model``, in model order.

    Parameters
    ----------
    model : keras.Model
        A Sequential or functional model taking images ``(N, H, W, C)`` (2-D layers) or
        sequences ``(N, T, C)`` (1-D layers: ``Conv1D`` with any padding, ``causal``
        included, ``MaxPooling1D``, ...; every field then counts steps); nested models,
        branches merged by ``Add``/``Concatenate`` and ``vz.layers.ResidualUnit`` are
        followed. Augmentation layers (``RandomFlip``, ``RandomRotation``, ...) are the
        identity at inference and pass the field through; a custom layer is followed once
        its geometry is declared with :func:`vizcnn.register_layer_geometry`.
    input_size : tuple of int, optional
        ``(H, W)`` (``T`` or ``(T,)`` for a 1-D model) for models whose input size is not
        fixed. Without it, sizes and jumps
        are still exact (they do not depend on the input size), and so are the offsets
        (``start``) that are the same for every input size; the others, which TensorFlow's
        ``same`` padding with ``strides > 1`` makes depend on the size, are reported as
        unknown (``None``) instead of guessed.
    path : {"full", "convolution"}, default="full"
        Which field to report where a global branch rejoins the map, as in
        squeeze-and-excite (EfficientNet, MobileNetV3: a global pool whose result
        multiplies the map). ``"full"`` (the default, shown in every table and drawing
        unless asked otherwise): every input pixel that can change the unit, so every
        unit after such a ``Multiply`` sees the whole input. ``"convolution"``: the global
        inputs of a ``Multiply`` are left out, giving the field of the convolution path
        alone, the figure papers quote.

    Returns
    -------
    dict of str to ReceptiveField
        Keyed by layer name (``"outer/inner"`` where a nested layer's name repeats).
        Layers of a nested model come after the nested model's own entry.

    Raises
    ------
    ValueError
        For a layer that moves pixels in a way vizcnn does not know (the message names it,
        lists what is supported and how to declare a custom layer), merges of branches
        with different jumps, a window larger than its input, a window whose number of
        axes is not its input's (a 2-D layer on a 1-D grid), models without a single
        input of images or sequences (a 3-D model: the message names its first layer), or
        an unknown ``path``.
    TypeError
        If ``model`` is not a Keras model, or is subclassed.
    """
    fields = _all_fields(model, input_size, path)
    for _, _, rf in fields:
        if isinstance(rf, ValueError):  # the table needs every layer's field
            raise rf
    return {key: rf for key, _, rf in fields}


def _all_fields(model, input_size, path="full"):
    """``(key, path, ReceptiveField)`` for every layer the walk reached, in model order;
    instead of the field, the ``ValueError`` that makes it unknown where a layer between
    it and the input cannot be followed."""
    path = check_one_of(path, "path", PATHS)
    grid = input_grid(model, input_size)
    if input_size is not None and None not in grid:  # a free size, given: do windows fit?
        channels = model_inputs(model)[0].shape[-1] or 1
        check_input_fits(model, (*grid, channels), name="input_size")
    model_walk = walk_model(model)
    walk = GraphWalk(grid, path=path).fold(model_walk)
    _fill_unknown(walk, model_walk)
    result = []
    for key, layer_path in layer_keys(model, where=lambda layer: id(layer) in walk.first_output):
        layer = layer_path[-1]
        value = walk.first_output[id(layer)]
        if value.error is not None:
            result.append((key, layer_path, value.error))
            continue
        note = value.note
        if walk.calls[id(layer)] > 1:
            note = f"shared layer ({walk.calls[id(layer)]} calls): first call shown. {note}"
        result.append((key, layer_path, _field(walk, value, note.strip())))
    return result


# inputs of this size and more are "large": no valid window of a real model is larger
_LARGE = 4096


def _fill_unknown(walk, model_walk):
    """Sizes and offsets that an unknown input size leaves ``None``, where they are the
    same for every input size.

    They depend on the input size only through its remainder modulo the jumps (where
    TensorFlow's ``same`` padding puts its extra zero), so the fold is repeated for one
    large size of every remainder; what all of them agree on is the answer.
    """
    if None not in walk.input_grid:
        return
    todo = [
        v
        for v in walk.values
        if v.axes is not None and any(a.size is None or a.start is None for a in v.axes)
    ]
    if not todo:
        return
    period = math.lcm(*(a.jump for v in walk.values if v.axes is not None for a in v.axes))
    base = period * -(-_LARGE // period)
    unknown = [v.error is not None for v in walk.values]
    alternates = []
    for remainder in range(period):
        sized = tuple(base + remainder if n is None else n for n in walk.input_grid)
        alternate = GraphWalk(sized, path=walk.path).fold(model_walk)
        if [v.error is not None for v in alternate.values] == unknown:
            alternates.append(alternate)  # else the model does not take inputs of this size
    if not alternates:
        return
    for value in todo:
        axes = []
        for k, axis in enumerate(value.axes):
            seen = [alternate.values[value.index].axes[k] for alternate in alternates]
            size, start = axis.size, axis.start
            if size is None and len({a.size for a in seen}) == 1:
                size = seen[0].size
            if start is None and len({a.start for a in seen}) == 1:
                start = seen[0].start
            axes.append(AxisField(size, axis.jump, start, axis.grid))
        value.axes = tuple(axes)
        if value.note.startswith(START_UNKNOWN) and all(a.start is not None for a in axes):
            value.note = ""


def field_of(model, layer, *, input_size=None, path="full"):
    """The :class:`ReceptiveField` of one layer (by name or object, nested models searched).

    ``input_size`` and ``path`` are as in :func:`receptive_fields` (default ``"full"``).

    Returns
    -------
    tuple
        ``(path, field)``: the layer's path as :func:`find_layer` gives it, and its field.

    Raises
    ------
    ValueError
        Where a layer between this one and the input cannot be followed (the message
        names that layer, as :func:`receptive_fields` does). The fields of the layers
        before it are known: a layer's field depends only on the layers it reads from.
    """
    layer_path = find_layer(model, layer)
    for _, candidate, rf in _all_fields(model, input_size, path):
        if candidate == layer_path:
            if isinstance(rf, ValueError):  # a layer between it and the input is unknown
                raise rf
            return layer_path, rf
    raise ValueError(
        f"layer {layer_path[-1].name!r} is not connected to the input of {model.name!r}"
    )


def _field(walk, value, note):
    locate = functools.partial(walk.locate, value.index)
    if value.axes is None:
        return ReceptiveField(walk.input_grid, None, None, None, walk.input_grid, note, locate)
    axes: tuple[AxisField, ...] = value.axes
    return ReceptiveField(
        size=tuple(a.size for a in axes),
        jump=tuple(a.jump for a in axes),
        start=tuple(a.start for a in axes),
        grid=tuple(a.grid for a in axes),
        input_size=walk.input_grid,
        note=note,
        _locate=locate,
    )


def receptive_field_table(model, *, input_size=None, path="full"):
    """:func:`receptive_fields` as a table, one row per layer.

    ``input_size`` and ``path`` are as in :func:`receptive_fields`: by default
    (``path="full"``) the full field, through every branch.

    Returns
    -------
    pandas.DataFrame
        Indexed by layer name, with columns ``type``, ``output`` (the layer's grid),
        ``size``, ``jump``, ``start`` (each ``(height, width)``; for a 1-D model one
        number of steps, e.g. samples of a waveform) and ``note``: a
        :class:`~vizcnn.inspection._shown_table.ShownTable`, whose columns keep these
        names in every language while Jupyter shows the headers in the lesson's language.
    """
    import pandas as pd

    from vizcnn.inspection._shown_table import shown_table

    fields = receptive_fields(model, input_size=input_size, path=path)
    layers = layers_by_key(model)
    shown = _steps if len(input_grid(model, input_size)) == 1 else _as_is
    rows = [
        {
            "layer": key,
            "type": type(layers[key]).__name__,
            "output": shown(rf.grid),
            "size": shown(rf.size),
            "jump": shown(rf.jump),
            "start": shown(rf.start),
            "note": rf.note,
        }
        for key, rf in fields.items()
    ]
    return shown_table(pd.DataFrame(rows).set_index("layer"), "receptive_field_table")


def _as_is(value):
    return value


def _steps(value):
    """A 1-D model's ``(n,)`` as the number ``n`` a person reads (``None`` stays)."""
    return value if value is None else value[0]
