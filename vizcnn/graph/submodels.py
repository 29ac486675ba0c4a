"""Sub-models cut out of a model's graph, and the one shape inference of a layer.

- :func:`output_extractor`: chained Keras models from the model input to one (possibly
  nested) layer's output (feature maps, unit responses, measured fields);
- :func:`plan_cut`: the graph cut of Grad-CAM, a layer's output *and* a value computed
  from that very tensor;
- :func:`output_spec`: what a layer makes of a symbolic input, with the grid of every
  convolution and pooling window computed by :mod:`vizcnn.arithmetic` (the sizes
  ``vz.conv_output_size`` gives). A window larger than its input raises
  :class:`GridTooSmall` instead of Keras' message, which names no layer and, for some
  pooling layers, is an empty output that oneDNN refuses to run.
"""

from __future__ import annotations

from vizcnn.arithmetic import axis_window
from vizcnn.backend import keras as _keras
from vizcnn.graph import keras_internals
from vizcnn.graph.layer_kinds import kernel_kind, window_rank

__all__ = ["GridTooSmall", "output_extractor", "output_spec", "plan_cut", "single"]


def single(tensors):
    """Unwrap one-element lists, so Keras does not warn about the input structure."""
    return tensors[0] if isinstance(tensors, (list, tuple)) and len(tensors) == 1 else tensors


# -- shape inference -------------------------------------------------------------------


class GridTooSmall(ValueError):
    """A convolution or pooling window larger than the grid it reads.

    Attributes
    ----------
    layer : keras.layers.Layer
    grid : tuple of int
        The grid the layer reads, ``(H, W)`` or ``(T,)``.
    window : str
        ``"pool_size (4, 4)"`` or ``"kernel_size (3,)"``, as the layer was built.
    key : str
        The layer's ``"outer/inner"`` key once the walk knows it, else its name.
    """

    def __init__(self, layer, grid, window, key=None):
        self.layer, self.grid, self.window = layer, tuple(grid), window
        self.key = key or layer.name
        super().__init__(
            f"layer {self.key!r} ({type(layer).__name__}, {window}) is larger than its "
            f"{'x'.join(map(str, self.grid))} input"
        )


def _window_grid(layer, grid):
    """The output grid of a convolution or pooling layer reading ``grid``, from the
    arithmetic; None for other layers or where a size is unknown."""
    rank = window_rank(layer)
    pool = getattr(layer, "pool_size", None)
    kernel = pool or getattr(layer, "kernel_size", None)
    if rank is None or kernel is None or kernel_kind(layer) == "transpose":
        return None
    if len(grid) != rank or None in grid:
        return None  # Keras' own inference says what a mismatch means
    strides = getattr(layer, "strides", None) or kernel
    dilation = getattr(layer, "dilation_rate", None) or (1,) * rank
    try:
        return tuple(
            axis_window(n, k, strides=s, padding=layer.padding, dilation_rate=d).output_size
            for n, k, s, d in zip(grid, kernel, strides, dilation, strict=True)
        )
    except ValueError as error:
        if "larger than input_size" not in str(error):
            return None
        what = "pool_size" if pool else "kernel_size"
        raise GridTooSmall(layer, grid, f"{what} {tuple(kernel)}") from None


def output_spec(layer, *args, **kwargs):
    """``layer``'s symbolic output for symbolic inputs, without running it.

    Keras' ``compute_output_spec``, except that a convolution or pooling window that does
    not fit its input raises :class:`GridTooSmall` (its grid computed by
    :func:`vizcnn.arithmetic.axis_window`, exactly Keras' sizes).
    """
    if len(args) == 1 and not kwargs and hasattr(args[0], "shape"):
        _window_grid(layer, tuple(args[0].shape)[1:-1])
    return layer.compute_output_spec(*args, **kwargs)


# -- sub-models ------------------------------------------------------------------------


def output_extractor(model, path):
    """A list of Keras models that, chained, map the model input to ``path[-1]``'s output.

    Nested models are entered one level at a time, because a layer's symbolic output
    belongs to the graph of the model that directly contains it.
    """
    keras = _keras()
    stages = []
    outer = model
    for depth, layer in enumerate(path):
        if depth == len(path) - 1:
            stages.append(keras.Model(single(outer.inputs), layer.output))
        else:  # enter the nested model: first compute its input inside `outer`
            node_inputs = keras_internals.call_inputs(layer)
            stages.append(keras.Model(single(outer.inputs), single(node_inputs)))
            outer = layer
    return stages


def plan_cut(model, path, target):
    """A function ``run(x, tape) -> (features, target value)`` for a graph cut at a layer.

    Grad-CAM differentiates a score with respect to a layer's output, so that output must
    be a tensor the gradient tape watches and the score must be computed from that very
    tensor. Paths that bypass the layer (skip connections) still run from the model input.

    Parameters
    ----------
    model : keras.Model
        A functional or Sequential model (built, with a single input).
    path : tuple of keras.layers.Layer
        The enclosing nested models, outermost first, then the layer to cut at (as
        ``vizcnn.graph.lookup.find_layer`` returns it).
    target : KerasTensor
        A symbolic tensor of ``model``'s own graph that depends on the layer's output.

    Returns
    -------
    callable
        ``run(x, tape)``: ``features`` is ``path[-1]``'s output, watched by ``tape``;
        the target value is computed from those very features.

    Raises
    ------
    ValueError
        If ``target`` cannot be computed from the model input and the layer's output.

    Notes
    -----
    One sub-model computes the feature maps, a second takes the model input *and* the
    maps and computes ``target``. Nested models are entered one level at a time, since a
    layer's output belongs to the graph that directly holds it.
    """
    keras = _keras()
    inputs = single(model.inputs)
    first, rest = path[0], path[1:]
    if rest:  # enter the nested model `first`
        entry = single(keras_internals.call_inputs(first))
        pre = None if entry is inputs else keras.Model(inputs, entry)
        inner = plan_cut(first, rest, single(first.outputs))
        cut = single(keras_internals.call_outputs(first))
    else:
        cut = first.output
        pre = keras.Model(inputs, cut)
        inner = None
    if target is cut:
        post = None
    else:
        try:
            post = keras.Model([inputs, cut], target)
        except ValueError as exc:
            raise ValueError(
                f"cannot compute the class scores of model {model.name!r} from layer "
                f"{first.name!r}: {exc}; a keras.Sequential built with .build() (or by its "
                "first fit) cannot be cut yet: start it with keras.Input(shape) instead"
            ) from None

    def run(x, tape):
        if inner is None:
            features = pre(x, training=False)
            tape.watch(features)
            value = features
        else:
            features, value = inner(x if pre is None else pre(x, training=False), tape)
        return features, (value if post is None else post([x, value], training=False))

    return run
