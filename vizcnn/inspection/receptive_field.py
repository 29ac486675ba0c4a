"""Receptive fields of Keras models: the per-layer table, and a gradient check of it.

:func:`receptive_fields` walks the model graph (Sequential, functional, nested models,
``Add``/``Concatenate`` branches, ``vz.layers.ResidualUnit``) applying the recurrences of
:mod:`vizcnn.receptive_field_arithmetic`; nothing runs through TensorFlow.
:func:`empirical_receptive_field` measures the same thing with gradients, independently,
so the two can be compared. :func:`effective_receptive_field` measures how *strongly*
each pixel acts on a unit of the real, trained model (Luo et al., 2016).
"""

from __future__ import annotations

import functools
import math
import weakref

import numpy as np

from vizcnn._tf import import_tensorflow
from vizcnn._tf import keras as _keras
from vizcnn.inspection._model_graph import check_model, find_layer, iter_layers, output_extractor
from vizcnn.receptive_field_arithmetic import (
    AxisField,
    ReceptiveField,
    apply_window,
    check_position,
    conv_window,
    input_axis,
    pad_window,
    union_axes,
    window_inputs,
)

__all__ = [
    "ReceptiveField",
    "effective_receptive_field",
    "empirical_receptive_field",
    "receptive_field_table",
    "receptive_fields",
]

# Layers that act on each position separately (channels only): the grid and field pass
# through unchanged. Merges combine positions of several inputs one to one.
_POINTWISE = frozenset(
    {
        "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
        "BatchNormalization", "LayerNormalization", "GroupNormalization",
        "UnitNormalization", "Dropout", "SpatialDropout2D", "GaussianNoise",
        "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Rescaling",
        "Normalization", "Identity", "DepthPool", "Cast",
        # keras.ops applied to Keras tensors (functional graph operations)
        "Relu", "Relu6", "Sigmoid", "Tanh", "Silu", "Gelu", "Abs", "Square", "Sqrt",
        "Negative", "Exp", "Log",
    }
)  # fmt: skip
_MERGES = frozenset(
    {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Divide"}
)
# Layers whose every output depends on every input position.
_GLOBAL = frozenset(
    {
        "Flatten", "Reshape", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
        "GlobalAveragePooling1D", "GlobalMaxPooling1D",
    }
)  # fmt: skip
_SUPPORTED = (
    "Conv2D, DepthwiseConv2D, SeparableConv2D, MaxPooling2D, AveragePooling2D, "
    "ZeroPadding2D, Cropping2D, global pooling, Flatten, Dense, merges (Add, Concatenate, ...), "
    "per-position layers (activations, normalization, dropout, DepthPool), nested models "
    "and layers with main_layers/skip_layers such as vz.layers.ResidualUnit"
)


class _Value:
    """What flows along one tensor during the walk: its field, or None (global)."""

    __slots__ = ("axes", "index", "note")

    def __init__(self, index, axes, note=""):
        self.index = index
        self.axes = axes  # (AxisField, AxisField), or None when every position is mixed
        self.note = note


class _Step:
    """One operation of the walk, kept so that a unit can be traced back exactly."""

    __slots__ = ("inputs", "kind", "output", "windows")

    def __init__(self, kind, inputs, output, windows=None):
        self.kind = kind  # "window", "same" (per position) or "global"
        self.inputs = inputs
        self.output = output
        self.windows = windows


class _Walk:
    """Apply the receptive-field recurrences to every layer of a model, in graph order."""

    def __init__(self, input_grid):
        self.keras = _keras()
        self.values = []
        self.steps = []
        self.first_output = {}  # id(layer) -> _Value of its first call
        self.calls = {}  # id(layer) -> number of calls
        self.input = self._new(tuple(input_axis(n) for n in input_grid))
        self.input_grid = tuple(input_grid)

    def _new(self, axes, note=""):
        value = _Value(len(self.values), axes, note)
        self.values.append(value)
        return value

    def _step(self, kind, inputs, axes, note="", windows=None):
        out = self._new(axes, note)
        self.steps.append(_Step(kind, [v.index for v in inputs], out.index, windows))
        return out

    # -- models ---------------------------------------------------------------------
    def model(self, model, inputs):
        """Walk ``model`` (Sequential or functional) from the given input values."""
        keras = self.keras
        if isinstance(model, keras.Sequential):
            value = inputs[0]
            for layer in model.layers:
                value = self.layer(layer, [value])
            return [value]
        if not hasattr(model, "_run_through_graph"):
            raise TypeError(
                f"model {model.name!r} ({type(model).__name__}) is a subclassed model: its "
                "graph is hidden in Python code; use a Sequential or functional model"
            )
        outputs = model._run_through_graph(
            inputs, operation_fn=lambda op: functools.partial(self._graph_call, op)
        )
        return [v for v in _flatten(outputs) if isinstance(v, _Value)]

    def _graph_call(self, op, *args, **kwargs):
        inputs = [v for v in _flatten((args, kwargs)) if isinstance(v, _Value)]
        return self.layer(op, inputs)

    # -- layers ---------------------------------------------------------------------
    def layer(self, layer, inputs, *, record=True):
        out = self._apply(layer, inputs)
        if record:
            self.calls[id(layer)] = self.calls.get(id(layer), 0) + 1
            self.first_output.setdefault(id(layer), out)
        return out

    def _apply(self, layer, inputs):
        keras = self.keras
        name = type(layer).__name__
        if not inputs:
            raise ValueError(f"layer {layer.name!r} ({name}) has no input from the image")
        if isinstance(layer, keras.Model):
            outputs = self.model(layer, inputs)
            if len(outputs) != 1:
                raise ValueError(
                    f"nested model {layer.name!r} has {len(outputs)} outputs; receptive "
                    "fields follow models with one output per nested model"
                )
            return outputs[0]
        if hasattr(layer, "main_layers") and hasattr(layer, "skip_layers"):
            return self._residual(layer, inputs)
        config = _config(layer)
        if config.get("data_format") == "channels_first":
            raise ValueError(
                f"layer {layer.name!r} uses data_format='channels_first'; receptive fields "
                "support channels_last images (N, H, W, C) only"
            )
        glob = [v for v in inputs if v.axes is None]
        if glob:  # anything computed from a global value is global too
            return self._step("same", inputs, None, glob[0].note)
        convs = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D)
        if isinstance(layer, convs):
            kernel, strides = config["kernel_size"], config["strides"]
            dilation = config.get("dilation_rate", 1)
            return self._window(layer, inputs[0], kernel, strides, config["padding"], dilation)
        if isinstance(layer, (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)):
            pool = config["pool_size"]
            strides = config.get("strides") or pool
            return self._window(layer, inputs[0], pool, strides, config["padding"], 1)
        if isinstance(layer, keras.layers.ZeroPadding2D):
            return self._pad(layer, inputs[0], layer.padding, sign=1)
        if isinstance(layer, keras.layers.Cropping2D):
            return self._pad(layer, inputs[0], layer.cropping, sign=-1)
        if name in _GLOBAL:
            return self._global(layer, inputs)
        if isinstance(layer, keras.layers.Dense):  # on (N, H, W, C) Dense acts per position
            return self._step("same", inputs, inputs[0].axes)
        if name in _MERGES or (name in _POINTWISE and len(inputs) > 1):
            what = f"layer {layer.name!r} ({name})"
            axes = tuple(union_axes([v.axes[k] for v in inputs], what=what) for k in range(2))
            return self._step("same", inputs, axes, _join_notes(inputs))
        if name in _POINTWISE:
            return self._step("same", inputs, inputs[0].axes, inputs[0].note)
        raise ValueError(
            f"layer {getattr(layer, 'name', name)!r} ({name}) is not supported by receptive "
            f"fields: vizcnn does not know how it moves pixels. Supported: {_SUPPORTED}. "
            "Wrap a custom block's layers in a keras.Sequential (or give it main_layers/"
            "skip_layers lists) so the walk can see inside it."
        )

    def _window(self, layer, value, kernel, strides, padding, dilation):
        kernel, strides, dilation = (_pair(v) for v in (kernel, strides, dilation))
        windows = tuple(
            conv_window(
                value.axes[k].grid,
                kernel[k],
                strides=strides[k],
                padding=padding,
                dilation_rate=dilation[k],
            )
            for k in range(2)
        )
        note = value.note
        if any(w.pad_before is None for w in windows) and not note:
            # TF's split then depends on the input size, which the model does not fix
            note = f"start unknown (same padding, stride > 1 at {layer.name!r}): pass input_size"
        axes = tuple(apply_window(value.axes[k], windows[k]) for k in range(2))
        return self._step("window", [value], axes, note, windows)

    def _pad(self, layer, value, amounts, *, sign):
        windows = tuple(
            pad_window(value.axes[k].grid, sign * amounts[k][0], sign * amounts[k][1])
            for k in range(2)
        )
        axes = tuple(apply_window(value.axes[k], windows[k]) for k in range(2))
        return self._step("window", [value], axes, value.note, windows)

    def _global(self, layer, inputs):
        note = f"global from {layer.name!r} on: sees the whole input"
        return self._step("global", inputs, None, note)

    def _residual(self, layer, inputs):
        main = skip = inputs[0]
        for inner in layer.main_layers:
            main = self.layer(inner, [main], record=False)
        for inner in layer.skip_layers:
            skip = self.layer(inner, [skip], record=False)
        if main.axes is None or skip.axes is None:
            merged = self._step("same", [main, skip], None, (main.note or skip.note))
        else:
            what = f"layer {layer.name!r} ({type(layer).__name__})"
            axes = tuple(union_axes([main.axes[k], skip.axes[k]], what=what) for k in range(2))
            merged = self._step("same", [main, skip], axes, _join_notes([main, skip]))
        after = getattr(layer, "activation", None)
        if isinstance(after, self.keras.layers.Layer):
            merged = self.layer(after, [merged], record=False)
        return merged

    # -- one unit, traced back ------------------------------------------------------
    def locate(self, index, position):
        """Exact bounding box of the input pixels that reach unit ``position`` of value
        ``index``: walk back through every step, one axis at a time (see
        :func:`window_inputs`)."""
        value = self.values[index]
        if position is None:
            needed = {index: _ALL}
        else:
            needed = {
                index: tuple(_one_hot(p, a.grid) for p, a in zip(position, value.axes, strict=True))
            }
        for step in reversed(self.steps):
            if step.output not in needed:
                continue
            want = needed.pop(step.output)
            if step.kind == "global" or self.values[step.output].axes is None:
                got = _ALL
            else:
                if want is _ALL:
                    want = tuple(
                        np.ones(_known(a.grid), dtype=bool) for a in self.values[step.output].axes
                    )
                if step.kind == "window":
                    for w in step.windows:
                        if w.input_grid is None or w.pad_before is None:
                            raise ValueError(
                                "the exact field needs every layer's input size; build the "
                                "model with a fixed keras.Input((H, W, C)) or pass input_size="
                            )
                    got = tuple(
                        window_inputs(w, n) for w, n in zip(step.windows, want, strict=True)
                    )
                else:
                    got = want
                if not all(g.any() for g in got):  # this path sees only padding
                    continue
            for i in step.inputs:
                needed[i] = _union(needed.get(i), got)
        final = needed.get(self.input.index)
        if final is None:
            return None
        if final is _ALL:
            return tuple((0, _known(n) - 1) for n in self.input_grid)
        return tuple((int(np.flatnonzero(f)[0]), int(np.flatnonzero(f)[-1])) for f in final)


_ALL = "all"  # sentinel: every position of a value is needed


def _one_hot(i, n):
    out = np.zeros(_known(n), dtype=bool)
    out[i] = True
    return out


def _known(n):
    if n is None:
        raise ValueError(
            "the exact field needs the input size; build the model with a fixed "
            "keras.Input((H, W, C)) or pass input_size="
        )
    return n


def _union(old, new):
    if old is None:
        return new
    if old is _ALL or new is _ALL:
        return _ALL
    return tuple(a | b for a, b in zip(old, new, strict=True))


def _join_notes(values):
    return next((v.note for v in values if v.note), "")


def _pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _config(layer):
    try:
        return layer.get_config()
    except (NotImplementedError, TypeError, AttributeError):
        return {}


def _flatten(structure):
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _flatten(item)]
    if isinstance(structure, dict):
        return [leaf for item in structure.values() for leaf in _flatten(item)]
    return [structure]


def _find(model, layer):
    """:func:`find_layer`, also accepting the ``"outer/inner"`` keys of
    :func:`receptive_fields` (used where a nested layer's name repeats)."""
    try:
        return find_layer(model, layer)
    except ValueError:
        if not isinstance(layer, str) or "/" not in layer:
            raise
    container, path = model, []
    for name in layer.split("/"):
        try:
            container = container.get_layer(name)
        except (ValueError, AttributeError):
            return find_layer(model, layer)  # raise find_layer's error, with close names
        path.append(container)
    return tuple(path)


def _input_grid(model, input_size):
    """The model's ``(H, W)`` (entries None when not fixed), or a clear error."""
    check_model(model)
    keras = _keras()
    if not isinstance(model, keras.Sequential) and not hasattr(model, "_run_through_graph"):
        raise TypeError(
            f"model {model.name!r} ({type(model).__name__}) is a subclassed model: its "
            "graph is hidden in Python code; use a Sequential or functional model"
        )
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        raise TypeError(
            f"model {model.name!r} has no input shape yet; build it with "
            "keras.Input((H, W, C)) as its first layer"
        )
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
        if (
            not isinstance(input_size, (tuple, list))
            or len(input_size) != 2
            or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in input_size)
        ):
            raise ValueError(
                f"input_size must be a pair of positive ints (H, W), got {input_size!r}"
            )
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
    grid = _input_grid(model, input_size)
    walk = _Walk(grid)
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
    path = _find(model, layer)
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


# -- measured fields ------------------------------------------------------------------

# Layers replaced by the identity in the probe copy: they act per position, and their
# gradient can vanish (a ReLU that is off, a max that is not taken, a normalization of
# a constant input) while the *structure* still connects the pixels.
_TO_IDENTITY = frozenset(
    {
        "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
        "BatchNormalization", "LayerNormalization", "GroupNormalization",
        "UnitNormalization", "Dropout", "SpatialDropout2D", "GaussianNoise",
        "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Normalization",
        "Rescaling", "DepthPool",
    }
)  # fmt: skip
# Merges whose gradient can vanish (max, product at zero) or cancel (minus signs).
_TO_ADD = frozenset({"Maximum", "Minimum", "Multiply", "Subtract", "Divide", "TrueDivide", "Power"})
# keras.ops applied to Keras tensors in a functional graph, made the identity likewise.
_OPS_TO_IDENTITY = frozenset(
    {
        "Relu", "Relu6", "LeakyRelu", "Elu", "Selu", "Sigmoid", "Tanh", "Silu", "Gelu",
        "Softplus", "Softmax", "LogSoftmax", "Abs", "Square", "Sqrt", "Exp", "Log",
        "Negative", "Cast", "Clip",
    }
)  # fmt: skip


def _identity_op(x, *args, **kwargs):
    return x


def _add_op(x1, x2, *args, **kwargs):
    return _keras().ops.add(x1, x2)


_PROBES = weakref.WeakKeyDictionary()


def empirical_receptive_field(model, layer, *, position=None, input_size=None) -> np.ndarray:
    """Which input pixels can change one unit of ``layer``, measured with gradients.

    The gradient of a unit with respect to one random input misses pixels: where a ReLU
    is off, or a max pool takes another value, the gradient is zero although the pixel is
    wired to the unit. Whether a pixel is wired to a unit is a property of the graph, not
    of the weights, so we measure it on a *probe copy* of the model whose every path
    carries a positive weight:

    - max pooling becomes average pooling over the same windows (global max pooling
      becomes global average pooling; ``Maximum``/``Minimum``/``Multiply``/``Subtract``
      merges become ``Add``), so every window position gets gradient, and no minus sign
      can cancel two paths;
    - activations, normalization, dropout, rescaling and ``DepthPool`` become the
      identity (they act per position), layers' own ``activation=`` becomes linear, and
      so do ``keras.ops`` nonlinearities applied in a functional graph;
    - every kernel is filled with a positive constant, biases with 0, batch
      normalization with gamma 1, beta 0, mean 0, variance 1;
    - it computes in float64, on an all-zero input.

    The copy is then *linear*, and the gradient of the unit (summed over its channels)
    with respect to pixel ``p`` is the sum, over every path from ``p`` to the unit, of
    the product of the path's weights: all positive, so it is ``> 0`` exactly when such a
    path exists. Padding contributes no path. The constants are scaled (``1 / (c_in *
    sqrt(kh * kw))``) so that the smallest product stays far from float64's underflow for
    hundreds of layers; that is the only limit. Custom layers are copied through their
    config, so a custom layer with a hidden max or a hard-coded ReLU inside may still
    block gradient: check such layers with :func:`receptive_fields`.

    Parameters
    ----------
    model : keras.Model
        A Sequential or functional model taking images ``(N, H, W, C)``.
    layer : str or keras.layers.Layer
        The layer whose unit to measure (nested models are searched).
    position : tuple of int, optional
        ``(i, j)`` on the layer's output grid. Default: the centre unit
        ``(H_out // 2, W_out // 2)``. Must be None for layers without a grid (``Dense``
        after ``Flatten``, global pooling).
    input_size : tuple of int, optional
        ``(H, W)``, required when the model's input size is not fixed.

    Returns
    -------
    np.ndarray of bool, shape (H, W)
        ``True`` for the input pixels the unit depends on.
    """
    path = _find(model, layer)
    grid = _input_grid(model, input_size)
    if None in grid:
        raise ValueError(
            f"model {model.name!r} does not fix its input size {grid}; pass input_size=(H, W)"
        )
    return _measured_masks(model, path, grid, [position])[0]


def _measured_masks(model, path, grid, positions):
    """Masks for several units of one layer, in one backward pass (one batch row each)."""
    tf = import_tensorflow()
    probe, channels = _probe(model, grid)
    probe_path = _same_path(probe, path)
    stages = output_extractor(probe, probe_path)
    x = tf.zeros((len(positions), *grid, channels), dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = x
        for stage in stages:
            out = stage(out, training=False)
        selector = _selector(out.shape, positions, path[-1].name)
        unit = tf.reduce_sum(tf.cast(out, tf.float64) * selector)
    grad = tape.gradient(unit, x)
    return np.asarray(tf.reduce_sum(tf.abs(grad), axis=-1)) > 0


def _selector(shape, positions, name):
    """Weights picking unit ``positions[n]`` (all its channels) in batch row ``n``."""
    shape = tuple(shape)
    if len(shape) == 4:
        weights = np.zeros((len(positions), shape[1], shape[2], 1))
        for n, position in enumerate(positions):
            if position is None:
                position = (shape[1] // 2, shape[2] // 2)
            i, j = check_position(position, shape[1:3])
            weights[n, i, j, 0] = 1.0
        return weights
    for position in positions:
        if position is not None:
            raise ValueError(
                f"position must be None for layer {name!r}: its output {shape} has no "
                f"spatial grid, got {position!r}"
            )
    return np.ones((len(positions), *shape[1:]))


def _same_path(probe, path):
    """The probe copy's layers along ``path`` (found by name, one nesting level at a time)."""
    container, result = probe, []
    for layer in path:
        container = container.get_layer(layer.name)
        result.append(container)
    return tuple(result)


def _probe(model, grid):
    """The linear, positive-weight float64 copy of ``model`` (cached per model and size)."""
    keras = _keras()
    signature = (grid, tuple(id(layer) for _, layer in iter_layers(model)))
    cached = _PROBES.get(model)
    if cached is not None and cached[0] == signature:
        return cached[1], cached[2]
    channels = model.inputs[0].shape[-1]
    previous = keras.config.dtype_policy()
    # Layers that custom layers create inside themselves take the global policy.
    keras.config.set_dtype_policy("float64")
    try:
        probe = _clone(model, keras.Input(batch_shape=(None, *grid, channels), dtype="float64"))
    finally:
        keras.config.set_dtype_policy(previous)
    for variable in probe.weights:
        _fill(variable)
    _PROBES[model] = (signature, probe, channels)
    return probe, channels


def _clone(model, inputs):
    keras = _keras()
    if not isinstance(model, keras.Sequential) and not hasattr(model, "_run_through_graph"):
        raise TypeError(
            f"model {model.name!r} ({type(model).__name__}) is a subclassed model; "
            "empirical receptive fields need a Sequential or functional model"
        )
    return keras.models.clone_model(model, input_tensors=inputs, clone_function=_linear_copy)


def _linear_copy(layer):
    keras = _keras()
    if not isinstance(layer, keras.layers.Layer):  # a keras.ops operation in the graph
        name = type(layer).__name__
        if name in _OPS_TO_IDENTITY:
            return _identity_op
        if name in _TO_ADD:
            return _add_op
        return layer  # stateless: reuse it
    if isinstance(layer, keras.Model):
        shape = tuple(layer.inputs[0].shape)
        return _clone(layer, keras.Input(batch_shape=shape, dtype="float64"))
    name = type(layer).__name__
    config = layer.get_config()
    common = {"name": layer.name, "dtype": "float64"}
    if isinstance(layer, keras.layers.MaxPooling2D):
        keep = ("pool_size", "strides", "padding", "data_format")
        return keras.layers.AveragePooling2D(**{k: config[k] for k in keep}, **common)
    if isinstance(layer, keras.layers.GlobalMaxPooling2D):
        return keras.layers.GlobalAveragePooling2D(
            data_format=config.get("data_format"), keepdims=config.get("keepdims", False), **common
        )
    if name in _TO_IDENTITY:
        return _pass_through_class()(**common)
    if name in _TO_ADD:
        return keras.layers.Add(**common)
    config["dtype"] = "float64"
    if "activation" in config:
        config["activation"] = "linear"
    return type(layer).from_config(config)


@functools.cache
def _pass_through_class():
    keras = _keras()

    class _PassThrough(keras.layers.Layer):
        """The identity, accepting whatever keyword arguments the replaced layer took."""

        def call(self, inputs, **kwargs):
            return inputs

        def compute_output_shape(self, input_shape):
            return input_shape

    return _PassThrough


def _fill(variable):
    """Positive kernels, zero biases, identity batch normalization (see the docstring)."""
    if not np.issubdtype(np.dtype(variable.dtype), np.floating):
        return  # e.g. random-seed state
    name = variable.name.split("/")[-1].split(":")[0]
    shape = tuple(variable.shape)
    if name in ("bias", "beta", "moving_mean"):
        value = 0.0
    elif name in ("gamma", "moving_variance"):
        value = 1.0
    elif name == "depthwise_kernel":
        value = 1.0 / math.sqrt(shape[0] * shape[1])
    elif name == "pointwise_kernel":
        value = 1.0 / shape[2]
    elif name == "kernel" and len(shape) == 4:
        value = 1.0 / (shape[2] * math.sqrt(shape[0] * shape[1]))
    elif name == "kernel" and len(shape) == 2:
        value = 1.0 / shape[0]
    else:
        return
    variable.assign(np.full(shape, value, dtype=variable.dtype))


def effective_receptive_field(model, x, layer, *, position=None, channel=None) -> np.ndarray:
    """How strongly each input pixel acts on one unit: ``|d unit / d input|``.

    Luo et al. (2016), *Understanding the effective receptive field in deep CNNs*: on a
    trained network the gradient is concentrated in a roughly Gaussian blob far smaller
    than the theoretical field.

    Parameters
    ----------
    model : keras.Model
        The real model (its own weights and nonlinearities).
    x : array-like, shape (N, H, W, C)
        Inputs at which to take the gradient; the result is averaged over them.
    layer : str or keras.layers.Layer
        The layer whose unit to follow.
    position : tuple of int, optional
        The unit; default the centre unit.
    channel : int, optional
        One channel of the unit; default the sum over its channels.

    Returns
    -------
    np.ndarray, shape (H, W)
        Mean over ``x`` of the gradient's absolute value, summed over input channels.
    """
    from vizcnn.inspection._model_graph import check_batch

    tf = import_tensorflow()
    path = _find(model, layer)
    x = tf.constant(check_batch(model, x))
    stages = output_extractor(model, path)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = x
        for stage in stages:
            out = stage(out, training=False)
        selector = _selector(out.shape, [position] * x.shape[0], path[-1].name)
        if channel is not None:
            channels = out.shape[-1]
            if not isinstance(channel, int) or isinstance(channel, bool):
                raise TypeError(f"channel must be an int or None, got {channel!r}")
            if not 0 <= channel < channels:
                raise ValueError(f"channel must be in 0..{channels - 1}, got {channel}")
            selector = selector * np.eye(channels)[channel]
        unit = tf.reduce_sum(tf.cast(out, tf.float32) * tf.constant(selector, tf.float32))
    grad = tape.gradient(unit, x)
    return np.asarray(tf.reduce_mean(tf.reduce_sum(tf.abs(grad), axis=-1), axis=0))
