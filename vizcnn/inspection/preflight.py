"""What every compute entry checks before TensorFlow runs: one walk of the model at the
input's size.

- :func:`check_input_fits`: every convolution and pooling window fits the grid it reads
  at this input size, or a ``ValueError`` naming the first that does not and the smallest
  input that fits (TensorFlow would stop with "Negative dimension size", or, on oneDNN
  CPUs, an empty pooling it refuses to run, naming no layer);
- :func:`check_before_running`: that, and the layer is used once in the model (a shared
  layer's feature maps differ per use), and no layer on the way to it holds NaN or inf
  weights (every number computed from them would be meaningless, without a word).

Used by ``feature_maps``, ``grad_cam``, ``top_activating_patches``, ``channel_peaks``,
``activation_maximization``, the measured fields and ``receptive_fields(input_size=...)``.
"""

from __future__ import annotations

import numpy as np

from vizcnn.backend import keras as _keras
from vizcnn.graph.lookup import iter_layers, path_key
from vizcnn.graph.submodels import GridTooSmall, single
from vizcnn.graph.walk import has_graph, walk_model

__all__ = ["check_before_running", "check_input_fits"]

#: The size the other axes get while the smallest size of one axis is searched.
_LARGE = 1 << 14


def check_input_fits(model, shape, *, name: str = "x", path=None):
    """The model walked at input ``shape`` (no batch axis), or a ``ValueError`` naming the
    first window that does not fit and the smallest input that does.

    With ``path`` (``find_layer``'s), only the part of the model that computes
    ``path[0]`` is walked: a window after the layer does not stop its feature maps.
    Returns None where the walk cannot follow the model (a subclassed model, a layer that
    cannot say its shape): running it then reports what is wrong.
    """
    shape = tuple(int(n) for n in shape)
    part = _part_before(model, path)
    try:
        return walk_model(part, input_shape=shape)
    except GridTooSmall as error:
        raise ValueError(_too_small_message(part, shape, error, name)) from None
    except (TypeError, ValueError):
        return None


def _part_before(model, path):
    """The model cut after ``path[0]`` (symbolic, nothing runs), or ``model`` itself."""
    if path is None or not has_graph(model):
        return model
    try:
        return _keras().Model(single(model.inputs), path[0].output, name=model.name)
    except (AttributeError, ValueError, TypeError):  # no symbolic graph to cut
        return model


def _too_small_message(model, shape, error, name) -> str:
    noun, unit = ("images", "pixels") if len(shape) == 3 else ("sequences", "steps")
    smallest = _smallest_grid(model, shape)
    fits = (
        f"the smallest that fits is {_size(smallest)} {unit}"
        if smallest is not None
        else "no size fits it"
    )
    return (
        f"{error} for {noun} of {_size(shape[:-1])} {unit} ({name}): {fits}; use larger "
        f"{noun}, a smaller window or padding='same'"
    )


def _size(grid) -> str:
    return "x".join(str(n) for n in grid)


def _fits(model, grid, channels) -> bool:
    try:
        walk_model(model, input_shape=(*grid, channels))
    except GridTooSmall:
        return False
    except (TypeError, ValueError):
        pass  # not a window problem
    return True


def _smallest_grid(model, shape):
    """The smallest size of each axis at which every window fits (the others large);
    output sizes only grow with the input, so a doubling then a bisection finds it."""
    grid, channels = shape[:-1], shape[-1]
    smallest = []
    for axis in range(len(grid)):

        def fits(n, axis=axis):
            trial = [_LARGE] * len(grid)
            trial[axis] = n
            return _fits(model, trial, channels)

        high = 1
        while not fits(high):
            if high >= _LARGE:
                return None
            high *= 2
        low = high // 2  # does not fit (or 0)
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (low, middle) if fits(middle) else (middle, high)
        smallest.append(high)
    return tuple(smallest)


def check_before_running(model, path, shape, *, name: str = "x", to_output: bool = False):
    """Refuse, in words, what would run but give numbers that cannot be trusted.

    Parameters
    ----------
    model : keras.Model
    path : tuple of keras.layers.Layer or None
        The layer whose output is computed (``find_layer``'s path), or None.
    shape : tuple of int
        One input's shape, ``(H, W, C)`` or ``(T, C)``.
    name : str
        The argument that gave ``shape``, for the messages.
    to_output : bool
        Check the weights of every layer on the way to the model's output (Grad-CAM
        differentiates it), not only those on the way to ``path[-1]``.

    Returns
    -------
    ModelWalk or None
        The model walked at ``shape`` (None where the walk cannot follow it).

    Raises
    ------
    ValueError
        A window larger than its input (:func:`check_input_fits`); a layer used more than
        once in the model; NaN or inf in the weights of a layer on the way.
    """
    walk = check_input_fits(model, shape, name=name, path=None if to_output else path)
    if path is not None:
        _check_used_once(model, path)
    if walk is None:
        layers = [(path_key(p), layer) for p, layer in iter_layers(model)]
    else:  # the layers on the way (the whole model for its output)
        layers = [(node.key, node.op) for node in walk if node.role in ("layer", "opaque")]
    _check_finite(layers, model)
    return walk


def _check_used_once(model, path):
    try:
        walk = walk_model(model)
    except (TypeError, ValueError):  # running reports what the walk cannot follow
        return
    layer = path[-1]
    uses = sum(1 for node in walk if node.op is layer and node.role != "sum")
    if uses > 1:
        raise ValueError(
            f"layer {path_key(path)!r} is used {uses} times in model {model.name!r} (a "
            "shared layer): its output differs from use to use, and vizcnn would silently "
            "read the first; build a model that ends at the use you mean, e.g. "
            "keras.Model(model.input, <that call's output tensor>)"
        )


def _check_finite(layers, model):
    """The first layer (in graph order) whose weights hold NaN or inf, named."""
    seen = set()
    for key, layer in layers:
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        for variable in getattr(layer, "weights", ()):
            values = np.asarray(variable)
            if values.dtype.kind != "f" or np.isfinite(values).all():
                continue
            nan, inf = int(np.isnan(values).sum()), int(np.isinf(values).sum())
            raise ValueError(
                f"layer {key!r} of model {model.name!r} holds NaN or infinite weights ({nan} "
                f"NaN, {inf} inf in {variable.name!r}): every number computed from it "
                "would be meaningless; load weights saved before training diverged (NaN "
                "loss), or retrain with a smaller learning rate"
            )
