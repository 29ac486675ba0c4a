"""The receptive-field walk: the recurrences of :mod:`vizcnn.arithmetic.fields` applied to
every layer of a Keras model, in graph order, without running TensorFlow.

Sequential and functional models, nested models, ``Add``/``Concatenate`` branches and layers
with ``main_layers``/``skip_layers`` (``vz.layers.ResidualUnit``) are followed. Every step
is kept, so one unit can be traced back exactly through the real grids
(:meth:`GraphWalk.locate`). What each layer kind does to the grid comes from
:mod:`~vizcnn.inspection.layer_kinds`.
"""

from __future__ import annotations

import functools

import numpy as np

from vizcnn.arithmetic import apply_window, axis_window, explicit_padding, input_axis, union_axes
from vizcnn.backend import keras as _keras
from vizcnn.graph import keras_internals
from vizcnn.inspection.layer_kinds import GLOBAL, PER_POSITION, SUPPORTED


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


class GraphWalk:
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
        if not keras_internals.has_functional_graph(model):
            raise TypeError(
                f"model {model.name!r} ({type(model).__name__}) is a subclassed model: its "
                "graph is hidden in Python code; use a Sequential or functional model"
            )
        outputs = keras_internals.run_through_graph(
            model, inputs, lambda op: functools.partial(self._graph_call, op)
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
        if name in GLOBAL:
            return self._global(layer, inputs)
        if isinstance(layer, keras.layers.Dense):  # on (N, H, W, C) Dense acts per position
            return self._step("same", inputs, inputs[0].axes)
        if name in PER_POSITION:  # one input: pointwise; several: a merge, unit by unit
            if len(inputs) == 1:
                return self._step("same", inputs, inputs[0].axes, inputs[0].note)
            what = f"layer {layer.name!r} ({name})"
            axes = tuple(union_axes([v.axes[k] for v in inputs], what=what) for k in range(2))
            return self._step("same", inputs, axes, _join_notes(inputs))
        raise ValueError(
            f"layer {getattr(layer, 'name', name)!r} ({name}) is not supported by receptive "
            f"fields: vizcnn does not know how it moves pixels. Supported: {SUPPORTED}. "
            "Wrap a custom block's layers in a keras.Sequential (or give it main_layers/"
            "skip_layers lists) so the walk can see inside it."
        )

    def _window(self, layer, value, kernel, strides, padding, dilation):
        kernel, strides, dilation = (_pair(v) for v in (kernel, strides, dilation))
        windows = tuple(
            axis_window(
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
            explicit_padding(value.axes[k].grid, sign * amounts[k][0], sign * amounts[k][1])
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
        :meth:`AxisGeometry.inputs_read`)."""
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
                        if w.input_size is None or w.pad_before is None:
                            raise ValueError(
                                "the exact field needs every layer's input size; build the "
                                "model with a fixed keras.Input((H, W, C)) or pass input_size="
                            )
                    got = tuple(w.inputs_read(n) for w, n in zip(step.windows, want, strict=True))
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
