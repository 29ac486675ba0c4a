"""What the residual branches of lesson 05's networks learned: branch sizes and lesions.

Course material: it reads the layer names that :func:`vizcnn.course.models.resnet_like`
gives (``stem_*``, ``s{stage}u{unit}_*``, ``gap``, ``output``), so it works on that family
and its plain twin only.

Veit et al. (2016, "Residual networks behave like ensembles of relatively shallow
networks") delete one unit of a trained network and measure the test accuracy: a residual
network loses little, a plain one collapses. Here a unit is deleted by passing its input
straight to the next unit. For a residual unit that is exactly what the unit computes
when its branch is zero (its input is already the output of a ReLU, so ``relu(0 + x)`` is
``x``); for a plain unit it removes two convolutions from a chain that has no other path.
Only units whose input and output have the same shape can be deleted: the first unit of
a stage changes the grid and the width.
"""

from __future__ import annotations

import re

import numpy as np

from vizcnn.backend import keras as import_keras

_UNIT = re.compile(r"^(s\d+u\d+)_conv1$")


def unit_names(model) -> list[str]:
    """The units of a ``resnet_like`` model in graph order, e.g. ``["s1u1", ..., "s3u3"]``."""
    names = [m.group(1) for layer in model.layers if (m := _UNIT.match(layer.name))]
    if not names or "stem_relu" not in {layer.name for layer in model.layers}:
        raise ValueError(
            f"model {model.name!r} is not built by vizcnn.models.resnet_like: it has no "
            "layers named stem_relu and s<stage>u<unit>_conv1"
        )
    return names


def has_skips(model) -> bool:
    """True for the residual network, False for its plain twin."""
    return any(layer.name.endswith("_add") for layer in model.layers)


def deletable_units(model) -> list[str]:
    """The units whose output has the shape of their input (no stride, no projection)."""
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    units = unit_names(model)
    inputs = ["stem_relu"] + [f"{u}_relu2" for u in units[:-1]]
    pairs = zip(units, inputs, strict=True)
    return [u for u, before in pairs if shapes[before] == shapes[f"{u}_relu2"]]


def _apply_unit(model, x, unit):
    layer = model.get_layer
    names = {existing.name for existing in model.layers}
    z = layer(f"{unit}_conv1")(x)
    z = layer(f"{unit}_relu1")(layer(f"{unit}_bn1")(z))
    z = layer(f"{unit}_bn2")(layer(f"{unit}_conv2")(z))
    if f"{unit}_add" in names:
        shortcut = x
        if f"{unit}_skip_conv" in names:
            shortcut = layer(f"{unit}_skip_bn")(layer(f"{unit}_skip_conv")(x))
        z = layer(f"{unit}_add")([z, shortcut])
    return layer(f"{unit}_relu2")(z)


def without_unit(model, unit: str):
    """The same trained layers with ``unit`` deleted: its input goes on to the next unit.

    Parameters
    ----------
    model : keras.Model
        Built by ``vizcnn.models.resnet_like`` (residual or plain).
    unit : str
        One of :func:`deletable_units`, e.g. ``"s2u3"``.

    Returns
    -------
    keras.Model
        Shares its layers (and so its weights) with ``model``.
    """
    keras = import_keras()
    units = unit_names(model)
    if not isinstance(unit, str):
        raise TypeError(f"unit must be a unit's name such as {units[1]!r}, got {unit!r}")
    allowed = deletable_units(model)
    if unit not in allowed:
        raise ValueError(
            f"unit must be one of the units that keep their input's shape, {allowed}; got {unit!r}"
        )
    inputs = keras.Input(model.input_shape[1:])
    layer = model.get_layer
    x = layer("stem_relu")(layer("stem_bn")(layer("stem_conv")(inputs)))
    for name in units:
        if name != unit:
            x = _apply_unit(model, x, name)
    outputs = layer("output")(layer("gap")(x))
    return keras.Model(inputs, outputs, name=f"{model.name}_without_{unit}")


def branch_ratios(model, x, *, batch_size: int = 500) -> dict[str, float]:
    """For each unit of a residual network: mean over images of ``‖F(x)‖ / ‖x‖``.

    ``F(x)`` is what the unit's branch adds at its ``+`` (after its second batch
    normalisation), ``x`` what the skip carries there (the unit's input, or its 1x1
    projection); norms over all the values of one image.
    """
    keras = import_keras()
    if not has_skips(model):
        raise ValueError(f"model {model.name!r} has no skips: it has no branch to measure")
    units = unit_names(model)
    tensors = [t for u in units for t in model.get_layer(f"{u}_add").input]
    probe = keras.Model(model.input, tensors)
    sums = np.zeros(len(units))
    for start in range(0, len(x), batch_size):
        values = probe(x[start : start + batch_size], training=False)
        for i in range(len(units)):
            branch, skip = (np.asarray(v, dtype=np.float64) for v in values[2 * i : 2 * i + 2])
            norms = [np.sqrt((a**2).reshape(len(a), -1).sum(axis=1)) for a in (branch, skip)]
            sums[i] += (norms[0] / np.maximum(norms[1], 1e-12)).sum()
    return dict(zip(units, sums / len(x), strict=True))


def lesion_accuracies(model, x, y, *, batch_size: int = 500) -> dict[str, float]:
    """Test accuracy of ``model`` with each deletable unit deleted in turn (one at a time)."""
    y = np.asarray(y)
    accuracies = {}
    for unit in deletable_units(model):
        predicted = _predicted_classes(without_unit(model, unit), x, batch_size)
        accuracies[unit] = float(np.mean(predicted == y))
    return accuracies


def _predicted_classes(model, x, batch_size: int) -> np.ndarray:
    """The class ``model`` predicts for each image, in batches of ``batch_size``."""
    # called, not predict(): a new model each time would retrace predict's function
    return np.concatenate(
        [
            np.argmax(model(x[start : start + batch_size], training=False), axis=1)
            for start in range(0, len(x), batch_size)
        ]
    )


def lesion_table(plain: dict, residual: dict, x, y, *, batch_size: int = 500):
    """Lesion study of twin networks over seeds: one row per seed and unit.

    Parameters
    ----------
    plain, residual : dict
        ``{seed: model}``: trained plain and residual twins (``resnet_like`` with
        ``skips=False`` and ``skips=True``), the same seeds in both.
    x, y : array-like
        Images and their labels, on which every accuracy is measured.
    batch_size : int, default=500
        Images per call of a network.

    Returns
    -------
    table : pandas.DataFrame
        Indexed by ``(seed, unit)``, every unit of the residual twin; columns ``ratio``
        (:func:`branch_ratios`), ``plain`` and ``residual`` (accuracy with that unit
        deleted, :func:`lesion_accuracies`; missing where the unit cannot be deleted).
    intact : pandas.DataFrame
        Indexed by seed, columns ``plain`` and ``residual``: each network's accuracy with
        nothing deleted.
    """
    import pandas as pd

    for name, models in (("plain", plain), ("residual", residual)):
        if not isinstance(models, dict) or not models:
            raise TypeError(f"{name} must be a non-empty dict {{seed: model}}, got {models!r}")
    if sorted(plain) != sorted(residual):
        raise ValueError(
            f"plain and residual must have the same seeds, got {sorted(plain)} and "
            f"{sorted(residual)}"
        )
    for seed in plain:
        if has_skips(plain[seed]) or not has_skips(residual[seed]):
            raise ValueError(
                f"seed {seed}: plain must hold networks without skips and residual "
                "networks with them (resnet_like's skips=False and skips=True)"
            )
    y = np.asarray(y)
    per_seed, intact = {}, {}
    for seed in sorted(plain):
        deleted, accuracy = {}, {}
        for kind, model in (("plain", plain[seed]), ("residual", residual[seed])):
            predicted = _predicted_classes(model, x, batch_size)
            accuracy[kind] = float(np.mean(predicted == y))
            deleted[kind] = pd.Series(lesion_accuracies(model, x, y, batch_size=batch_size))
        ratio = pd.Series(branch_ratios(residual[seed], x, batch_size=batch_size))
        per_seed[seed] = pd.DataFrame({"ratio": ratio, **deleted})
        intact[seed] = accuracy
    table = pd.concat(per_seed, names=["seed", "unit"])
    return table, pd.DataFrame.from_dict(intact, orient="index").rename_axis("seed")
