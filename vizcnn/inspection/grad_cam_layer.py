"""Which layer Grad-CAM reads: the default choice and the checks on a given one.

The last layer whose output is a grid of more than one place (padding and cropping only
move the grid, so they do not count), for models of images (4-D maps) and of sequences
(3-D maps).
"""

from __future__ import annotations

import math
import warnings

from vizcnn.graph.layer_kinds import only_moves_grid
from vizcnn.graph.lookup import iter_layers, path_key
from vizcnn.validation import check_model

__all__ = ["check_spatial", "default_layer", "grad_cam_layer", "warn_if_one_cell"]


def _output_rank(layer):
    try:
        return len(layer.output.shape)
    except (AttributeError, ValueError):  # a layer called more than once
        return None


def _larger_than_one_cell(layer) -> bool:
    """Whether a layer's grid (H', W') or (T',) has more than one place (unknown: may)."""
    grid = tuple(layer.output.shape)[1:-1]
    return None in grid or math.prod(grid) > 1


def default_layer(model):
    """The path to the last layer whose output is a grid larger than one place: 4-D for
    a model of images, 3-D for a model of sequences."""
    rank = len(model.inputs[0].shape)  # 4 for images, 3 for sequences
    spatial = [path for path, layer in iter_layers(model) if _output_rank(layer) == rank]
    if not spatial:
        raise ValueError(
            f"model {model.name!r} has no layer with a {rank}-D output {_MAPS[rank]}: "
            "Grad-CAM needs a convolutional layer"
        )
    # padding and cropping only move the grid: a ZeroPadding2D around a 1x1 map makes a 3x3
    # grid of which 8 cells are zeros (ResNet50V2 at 32 px), so its map says nothing
    larger = [
        path
        for path in spatial
        if _larger_than_one_cell(path[-1]) and not only_moves_grid(path[-1])
    ]
    if not larger:
        one, inputs = ("a 1x1 grid", "images") if rank == 4 else ("one step", "sequences")
        raise ValueError(
            f"every {rank}-D layer of model {model.name!r} has {one}, so a Grad-CAM map "
            f"would be one constant value: build the model for larger {inputs}"
        )
    return larger[-1]


def grad_cam_layer(model) -> str:
    """The layer :func:`grad_cam` uses when given no ``layer``, as a path key.

    Parameters
    ----------
    model : keras.Model
        A built model.

    Returns
    -------
    str
        ``"name"``, or ``"outer/inner"`` inside a nested model: the last layer whose
        output is a grid larger than 1x1 (a layer after global pooling is skipped), not
        counting padding and cropping layers, which only move the grid.
    """
    check_model(model)
    return path_key(default_layer(model))


def warn_if_one_cell(model, layer) -> None:
    if _larger_than_one_cell(layer):
        return
    try:
        hint = f"pass layer={grad_cam_layer(model)!r}, the last layer with a larger grid"
    except ValueError:
        hint = "build the model for larger images"
    warnings.warn(
        f"layer {layer.name!r} has a 1x1 grid, so its Grad-CAM map is one constant value: {hint}",
        UserWarning,
        stacklevel=3,
    )


_MAPS = {4: "(N, H, W, C)", 3: "(N, T, C)"}  # feature maps of a 2-D and a 1-D model


def check_spatial(layer, rank):
    """``layer`` gives feature maps of the model input's ``rank``."""
    try:
        shape = tuple(layer.output.shape)
    except (AttributeError, ValueError):
        raise ValueError(
            f"layer {layer.name!r} is called more than once in the model; grad_cam needs "
            "a layer with one output"
        ) from None
    if len(shape) != rank:
        raise ValueError(
            f"layer {layer.name!r} is not a convolutional layer: its output has shape "
            f"{shape}, and Grad-CAM needs feature maps {_MAPS[rank]}"
        )
