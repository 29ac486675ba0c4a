"""The receptive-field fold: the recurrences of :mod:`vizcnn.arithmetic.fields` applied to
every node of the one model walk (:func:`vizcnn.graph.walk.walk_model`), in graph order,
without running TensorFlow.

Sequential and functional models, nested models, ``Add``/``Concatenate`` branches and layers
with ``main_layers``/``skip_layers`` (``vz.layers.ResidualUnit``) come opened from the walk.
Every step is kept, so one unit can be traced back exactly through the real grids
(:meth:`GraphWalk.locate`). What each layer kind does to the grid comes from
:mod:`vizcnn.graph.layer_kinds`.
"""

from __future__ import annotations

import numpy as np

from vizcnn.arithmetic import apply_window, axis_window, explicit_padding, input_axis, union_axes
from vizcnn.graph.layer_kinds import (
    DECLARE_HINT,
    SUPPORTED,
    grid_effect,
    kind_name,
    unsupported_reason,
    window_rank,
)
from vizcnn.graph.walk import subclassed_error
from vizcnn.language import text

PATHS = ("full", "convolution")
START_UNKNOWN = "start unknown"


class _Value:
    """What flows along one tensor during the walk: its field, or None (global), or the
    error that makes it unknown."""

    __slots__ = ("axes", "error", "index", "note")

    def __init__(self, index, axes, note="", error=None):
        self.index = index
        self.axes = axes  # one AxisField per spatial axis, or None when every position is mixed
        self.note = note
        self.error = error  # a ValueError: a layer on the way from the input is not known


class _Step:
    """One operation of the walk, kept so that a unit can be traced back exactly."""

    __slots__ = ("inputs", "kind", "output", "windows")

    def __init__(self, kind, inputs, output, windows=None):
        self.kind = kind  # "window", "same" (per position) or "global"
        self.inputs = inputs
        self.output = output
        self.windows = windows


class GraphWalk:
    """Apply the receptive-field recurrences to every node of a model walk, in order.

    Parameters
    ----------
    input_grid : tuple
        The input ``(H, W)`` of a 2-D model, ``(T,)`` of a 1-D one; entries ``None`` when
        not fixed. Every recurrence acts on one axis at a time, so both are one walk.
    path : {"full", "convolution"}
        ``"full"``: every branch counts, so after a squeeze-and-excite ``Multiply`` (a
        global pool whose result scales the map) every unit is global. ``"convolution"``:
        the global inputs of a ``Multiply`` are left out, giving the field of the
        convolution path (the one papers quote).
    """

    def __init__(self, input_grid, *, path="full"):
        self.path = path
        self.values = []
        self.steps = []
        self.first_output = {}  # id(layer) -> _Value of its first call
        self.calls = {}  # id(layer) -> number of calls
        self.input = self._new(tuple(input_axis(n) for n in input_grid))
        self.input_grid = tuple(input_grid)

    def _new(self, axes, note="", error=None):
        value = _Value(len(self.values), axes, note, error)
        self.values.append(value)
        return value

    def _step(self, kind, inputs, axes, note="", windows=None):
        out = self._new(axes, note)
        self.steps.append(_Step(kind, [v.index for v in inputs], out.index, windows))
        return out

    # -- the fold ---------------------------------------------------------------------
    def fold(self, model_walk):
        """Give every node of ``model_walk`` (a :class:`~vizcnn.graph.walk.ModelWalk`) its
        field; returns ``self``.

        A node the recurrences cannot follow (an unknown layer, a window larger than its
        input, branches with different jumps) gets an unknown value carrying the error,
        and so does every node that reads it; the nodes between it and the input keep
        their fields, which do not depend on it.
        """
        value_of = {id(t): self.input for t in model_walk.inputs}
        for node in model_walk:
            inputs = [value_of[id(t)] for t in node.inputs if id(t) in value_of]
            if node.role == "opaque":
                raise subclassed_error(node.op, "use a Sequential or functional model")
            unknown = next((v for v in inputs if v.error is not None), None)
            if unknown is not None:
                out = self._new(None, error=unknown.error)
            else:
                try:
                    out = self._node(node, inputs, value_of)
                except ValueError as error:
                    out = self._new(None, error=error)
            for tensor in node.outputs:
                value_of[id(tensor)] = out
            if node.role != "sum":
                self.calls[id(node.op)] = self.calls.get(id(node.op), 0) + 1
                self.first_output.setdefault(id(node.op), out)
        return self

    def _node(self, node, inputs, value_of):
        if node.role == "exit":
            known = [value_of[id(t)] for t in node.outputs if id(t) in value_of]
            if len(node.outputs) != 1 or not known:
                raise ValueError(
                    f"nested model {node.op.name!r} has {len(node.outputs)} outputs; "
                    "receptive fields follow models with one output per nested model"
                )
            return known[0]
        if node.role == "sum":
            return self._merge(node.op, node.key, inputs)
        return self._apply(node.op, node.key, inputs)

    def _apply(self, layer, key, inputs):
        name = kind_name(layer)
        if not inputs:
            raise ValueError(f"layer {key!r} ({name}) has no input from the image")
        config = _config(layer)
        if config.get("data_format") == "channels_first":
            raise ValueError(
                f"layer {key!r} uses data_format='channels_first'; receptive fields "
                "support channels_last images (N, H, W, C) only"
            )
        effect = grid_effect(layer)
        if self.path == "convolution" and name == "Multiply":
            spatial = [v for v in inputs if v.axes is not None]
            if spatial and len(spatial) < len(inputs):  # leave the global branch out
                note = text("receptive_field_table.note.convolution_path", layer=key)
                return self._merge(layer, key, spatial, note=note)
        glob = [v for v in inputs if v.axes is None]
        if glob:  # anything computed from a global value is global too
            return self._step("same", inputs, None, glob[0].note)
        if effect == "window":
            return self._window_layer(layer, key, inputs[0], config)
        if effect == "global":
            note = text("receptive_field_table.note.global", layer=layer.name)
            return self._step("global", inputs, None, note)
        if effect in ("per_position", "identity"):  # one input: pointwise; several: a merge
            if len(inputs) == 1:
                return self._step("same", inputs, inputs[0].axes, inputs[0].note)
            return self._merge(layer, key, inputs)
        why = unsupported_reason(layer)
        if why:
            raise ValueError(f"layer {key!r} ({name}) is not supported by receptive fields: {why}")
        raise ValueError(
            f"layer {key!r} ({name}) is not supported by receptive fields: vizcnn does not "
            f"know how it moves pixels. Supported: {SUPPORTED}. If it acts per position, "
            f"is the identity at inference or mixes all positions, {DECLARE_HINT}; wrap a "
            "custom block's layers in a keras.Sequential (or give it main_layers/"
            "skip_layers lists) so the walk can see inside it."
        )

    def _merge(self, layer, key, inputs, *, note=""):
        """Unit by unit union of several fields (a merge, or a block's skip sum)."""
        if any(v.axes is None for v in inputs):
            return self._step("same", inputs, None, _join_notes(inputs))
        what = f"layer {key!r} ({kind_name(layer)})"
        axes = tuple(
            union_axes([v.axes[k] for v in inputs], what=what) for k in range(len(self.input_grid))
        )
        return self._step("same", inputs, axes, note or _join_notes(inputs))

    def _window_layer(self, layer, key, value, config):
        """Convolutions and pooling (a window per unit), padding and cropping."""
        rank = window_rank(layer)
        if rank != len(value.axes):
            raise ValueError(
                f"layer {key!r} ({kind_name(layer)}) slides over {rank} spatial "
                f"{'axis' if rank == 1 else 'axes'}, but it reads a grid of "
                f"{len(value.axes)} ({_shape_words(len(value.axes))}): receptive fields "
                "follow a model whose windows all match its input, (N, T, C) with 1-D "
                "layers or (N, H, W, C) with 2-D layers"
            )
        if "kernel_size" in config:  # convolutions
            args = (config["kernel_size"], config["strides"], config["padding"])
            return self._window(layer, key, value, *args, config.get("dilation_rate", 1))
        if "pool_size" in config:
            pool = config["pool_size"]
            strides = config.get("strides") or pool
            args = (pool, strides, config["padding"], 1)
            return self._window(layer, key, value, *args, what="pool_size")
        amounts = layer.cropping if "cropping" in config else layer.padding
        if rank == 1:  # ZeroPadding1D and Cropping1D hold one (before, after) pair
            amounts = (tuple(amounts),)
        return self._pad(layer, key, value, amounts, sign=-1 if "cropping" in config else 1)

    def _window(self, layer, key, value, kernel, strides, padding, dilation, *, what="kernel_size"):
        name = kind_name(layer)
        n = len(value.axes)
        kernel, strides, dilation = (_per_axis(v, n) for v in (kernel, strides, dilation))
        grid = tuple(a.grid for a in value.axes)
        try:
            windows = tuple(
                axis_window(
                    grid[k],
                    kernel[k],
                    strides=strides[k],
                    padding=padding,
                    dilation_rate=dilation[k],
                )
                for k in range(n)
            )
        except ValueError as error:
            if "larger than input_size" not in str(error):
                raise ValueError(f"layer {key!r} ({name}): {error}") from None
            raise ValueError(
                f"layer {key!r} ({name}): its {what} {kernel} with padding={padding!r} is "
                f"larger than its {_size(grid)} input ({self._shrunk(grid)}), so no "
                f"window fits; use a larger input, padding='same' or a smaller {what}"
            ) from None
        note = value.note
        if any(w.pad_before is None for w in windows) and not note:
            # TF's split then depends on the input size, which the model does not fix
            where = f"same padding, stride > 1 at {layer.name!r}"
            note = f"{START_UNKNOWN} ({where}): pass input_size"
        axes = tuple(apply_window(value.axes[k], windows[k]) for k in range(n))
        return self._step("window", [value], axes, note, windows)

    def _shrunk(self, grid):
        """Where a too-small input comes from, for error messages."""
        if tuple(grid) == self.input_grid:
            return "the model's input"
        return f"what the {_size(self.input_grid)} model input has become by then"

    def _pad(self, layer, key, value, amounts, *, sign):
        name = kind_name(layer)
        grid = tuple(a.grid for a in value.axes)
        try:
            windows = tuple(
                explicit_padding(grid[k], sign * amounts[k][0], sign * amounts[k][1])
                for k in range(len(grid))
            )
        except ValueError as error:
            raise ValueError(
                f"layer {key!r} ({name}) cannot take its {_size(grid)} input, "
                f"{self._shrunk(grid)}: {error}"
            ) from None
        axes = tuple(apply_window(a, w) for a, w in zip(value.axes, windows, strict=True))
        return self._step("window", [value], axes, value.note, windows)

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


def _per_axis(value, n):
    """A layer setting as one entry per spatial axis (Keras stores tuples; ints repeat)."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


def _size(grid):
    """``"28x28"`` for a 2-D grid, ``"16000"`` for a 1-D one, ``"?"`` where unknown."""
    return "x".join("?" if n is None else str(n) for n in grid)


def _shape_words(n_axes):
    return "steps (T,)" if n_axes == 1 else "rows and columns (H, W)"


def _config(layer):
    try:
        return layer.get_config()
    except (NotImplementedError, TypeError, AttributeError):
        return {}
