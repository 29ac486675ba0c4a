"""What the explorers share: the layers they offer, errors as one line of words."""

from __future__ import annotations

from vizcnn.graph.lookup import find_layer, iter_layers, path_key


def words(exc: BaseException) -> str:
    """An exception as one short line of words (no traceback, no terminal colours, no
    TensorFlow op location)."""
    text = str(exc).replace("\x1b[1m", "").replace("\x1b[0m", "")
    if "{{function_node" in text:  # where in TensorFlow's graph: not for the learner
        start = text.index("{{function_node")
        end = text.find("}}", start)
        text = text[:start] + (text[end + 2 :] if end >= 0 else "")
    text = text.split("Arguments received by", 1)[0]  # Keras repeats the inputs
    text = " ".join(text.split()) or type(exc).__name__
    return text if len(text) <= 400 else text[:397] + "..."


def choose_layers(model, layers) -> dict:
    """Dropdown label -> layer, for the spatial layers offered (validated)."""
    spatial = [path for path, layer in iter_layers(model) if is_spatial(layer)]
    if layers is None:
        paths = spatial
    else:
        if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
            raise TypeError(
                f"layers must be a list of layers or layer names, got {type(layers).__name__}"
            )
        paths = [find_layer(model, layer, name=f"layers[{i}]") for i, layer in enumerate(layers)]
        if not paths:
            raise ValueError("layers is empty; give at least one layer, or None for all")
        spatial_ids = {id(path[-1]) for path in spatial}  # identity: layers are not values
        unknown = [path[-1].name for path in paths if id(path[-1]) not in spatial_ids]
        if unknown:
            raise ValueError(
                f"layers {unknown} do not output 4-D feature maps (N, H, W, C): "
                f"layers {unknown} are not spatial layers of model {model.name!r}; choose from "
                f"{[path[-1].name for path in spatial]}"
            )
    if not paths:
        raise ValueError(f"model {model.name!r} has no layer with (H, W, C) feature maps")
    names = [path[-1].name for path in spatial]
    chosen = {}
    for path in paths:
        # a name that repeats in nested models is shown as its "outer/inner" key
        repeated = names.count(path[-1].name) > 1
        chosen[path_key(path) if repeated else path[-1].name] = path[-1]
    return chosen


def is_spatial(layer) -> bool:
    """A layer whose output is one (H, W, C) tensor per image."""
    try:
        shape = layer.output.shape
    except (AttributeError, ValueError):  # not called yet, or several outputs
        return False
    return len(shape) == 4 and type(layer).__name__ not in ("Functional", "Sequential")
