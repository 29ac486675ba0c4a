"""Finding layers: the walk over a model's layers by nesting, a layer given by name, object
or ``"outer/inner"`` key, and the keys results are indexed by.

:func:`find_layer` accepts every key given here, so a key read off a result (a
receptive-field table, a cost table) finds its layer again.
"""

from __future__ import annotations

import difflib

from vizcnn.graph.layer_kinds import is_input_layer
from vizcnn.validation import check_model

__all__ = ["find_layer", "iter_layers", "layer_keys", "layers_by_key", "path_key"]


def _keras():
    from vizcnn.backend import keras

    return keras()


def path_key(path) -> str:
    """``"outer/inner"``: the names along a path of layers, outermost first."""
    return "/".join(layer.name for layer in path)


def iter_layers(model):
    """Yield ``(path, layer)`` for every layer, depth first, nested models included.

    ``path`` is the tuple of enclosing models' layers (outermost first), then the layer.
    Input layers are skipped; a nested model is yielded before its own layers.
    """
    keras = _keras()
    for layer in model.layers:
        if is_input_layer(layer):
            continue
        yield (layer,), layer
        if isinstance(layer, keras.Model):
            for path, inner in iter_layers(layer):
                yield (layer, *path), inner


def find_layer(model, layer, *, name: str = "layer"):
    """The path ``(submodel, ..., layer)`` to ``layer`` inside ``model``.

    Parameters
    ----------
    layer : str or keras.layers.Layer
        A layer object, its name, or ``"outer/inner"`` for a layer inside a nested model.

    Raises
    ------
    TypeError
        If ``layer`` is neither a string nor a Keras layer.
    ValueError
        If no layer of ``model`` (nested models included) matches; the message lists the
        closest names.
    """
    keras = _keras()
    check_model(model)
    paths = list(iter_layers(model))
    if isinstance(layer, str):
        # the path key first ("conv" is the top-level conv, "block/conv" the nested one:
        # the keys receptive_fields returns), then the bare name if it is unique
        for path, _ in paths:
            if path_key(path) == layer:
                return path
        named = [path for path, candidate in paths if candidate.name == layer]
        if len(named) > 1:  # one name, several nested layers: say which
            keys = ", ".join(path_key(path) for path in named)
            raise ValueError(
                f"{name}={layer!r} names {len(named)} layers of model {model.name!r}; "
                f"pick one by its path: {keys}"
            )
        if named:
            return named[0]
        names = [candidate.name for _, candidate in paths]
        close = difflib.get_close_matches(layer, names, n=5, cutoff=0.4) or names[:10]
        raise ValueError(
            f"{name}={layer!r} is not a layer of model {model.name!r}; "
            f"close names: {', '.join(close)}"
        )
    if isinstance(layer, keras.layers.Layer):
        for path, candidate in paths:
            if candidate is layer:
                return path
        raise ValueError(f"{name} (layer {layer.name!r}) is not part of model {model.name!r}")
    raise TypeError(
        f"{name} must be a layer name (str) or a keras layer, got {type(layer).__name__}"
    )


def layer_keys(model, *, where=None) -> list:
    """``(key, path)`` for every layer of ``model``, nested models included, depth first.

    ``key`` is the layer's name where no other listed layer has it, else its
    :func:`path_key`; ``path`` is as :func:`iter_layers` gives it (the enclosing models'
    layers, then the layer). ``where(layer)``, if given, picks the layers listed (those a
    walk reached, say).
    """
    paths = [path for path, layer in iter_layers(model) if where is None or where(layer)]
    names = [path[-1].name for path in paths]
    return [
        (path[-1].name if names.count(path[-1].name) == 1 else path_key(path), path)
        for path in paths
    ]


def layers_by_key(model) -> dict:
    """Every layer under both its name and its :func:`path_key` (a name that repeats
    gives its first layer, depth first)."""
    found = {}
    for path, layer in iter_layers(model):
        found.setdefault(layer.name, layer)
        found.setdefault(path_key(path), layer)
    return found
