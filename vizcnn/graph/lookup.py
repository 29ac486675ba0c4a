"""Layer keys: the names results are indexed by, ``"outer/inner"`` where a name repeats.

:func:`vizcnn.validation.find_layer` accepts every key given here, so a key read off a
result (a receptive-field table, a cost table) finds its layer again.
"""

from __future__ import annotations

from vizcnn.validation import iter_layers

__all__ = ["layer_keys", "layers_by_key", "path_key"]


def path_key(path) -> str:
    """``"outer/inner"``: the names along a path of layers, outermost first."""
    return "/".join(layer.name for layer in path)


def layer_keys(model, *, where=None) -> list:
    """``(key, path)`` for every layer of ``model``, nested models included, depth first.

    ``key`` is the layer's name where no other listed layer has it, else its
    :func:`path_key`; ``path`` is as :func:`vizcnn.validation.iter_layers` gives it (the
    enclosing models' layers, then the layer). ``where(layer)``, if given, picks the
    layers listed (those a walk reached, say).
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
