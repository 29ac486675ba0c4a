"""Deleting a unit of He et al.'s networks, and the size of what a residual branch adds."""

import numpy as np
import pytest
from numeric import network

from vizcnn.backend import keras as _keras
from vizcnn.course import unit_lesions
from vizcnn.course.models import resnet_like

keras = _keras()


def small(skips, seed=0):
    keras.utils.set_random_seed(seed)
    return resnet_like(units_per_stage=2, widths=(4, 8), skips=skips, input_shape=(8, 8, 1))


def assert_same_network_output(a, b, model):
    """Rule 4 of tests/numeric.py: every weight layer of the small network is one reduction
    of at most 3 * 3 * 8 terms; its softmax outputs and the values before them stay below
    10 in magnitude for these inputs (BN in inference mode, unit-normal images)."""
    depth = sum(1 for layer in model.layers if getattr(layer, "kernel", None) is not None)
    np.testing.assert_allclose(a, b, **network(depth, 3 * 3 * 8, magnitude=10.0))


def images(n=6, seed=1):
    return np.random.default_rng(seed).normal(size=(n, 8, 8, 1)).astype("float32")


def make_identity(model, unit):
    """Give a plain unit weights that make it the identity on non-negative inputs: each
    convolution copies channel c to channel c at its centre tap, each BN multiplies by 1."""
    for name in ("conv1", "conv2"):
        layer = model.get_layer(f"{unit}_{name}")
        kernel = np.zeros(layer.kernel.shape, "float32")
        centre = kernel.shape[0] // 2
        kernel[centre, centre] = np.eye(kernel.shape[2], kernel.shape[3])
        layer.kernel.assign(kernel)
    for name in ("bn1", "bn2"):
        bn = model.get_layer(f"{unit}_{name}")
        c = bn.gamma.shape[0]
        bn.set_weights([np.ones(c), np.zeros(c), np.zeros(c), np.full(c, 1 - bn.epsilon)])


def test_units_and_which_can_be_deleted():
    model = small(skips=True)
    assert unit_lesions.unit_names(model) == ["s1u1", "s1u2", "s2u1", "s2u2"]
    # s2u1 halves the grid and doubles the width; s1u1 keeps the stem's 4 channels
    assert unit_lesions.deletable_units(model) == ["s1u1", "s1u2", "s2u2"]


def test_deleting_a_residual_unit_equals_silencing_its_branch():
    model, x = small(skips=True), images()
    lesioned = unit_lesions.without_unit(model, "s1u2")
    assert len(lesioned.layers) < len(model.layers)
    bn = model.get_layer("s1u2_bn2")
    bn.gamma.assign(np.zeros(bn.gamma.shape, "float32"))
    bn.beta.assign(np.zeros(bn.beta.shape, "float32"))  # F(x) = 0 exactly
    assert_same_network_output(lesioned(x, training=False), model(x, training=False), model)


def test_deleting_a_plain_unit_equals_making_it_the_identity():
    model, x = small(skips=False), images()
    lesioned = unit_lesions.without_unit(model, "s2u2")
    changed = not np.allclose(lesioned(x, training=False), model(x, training=False))
    make_identity(model, "s2u2")
    assert changed  # the unit did something before
    assert_same_network_output(lesioned(x, training=False), model(x, training=False), model)


def test_branch_ratio_scales_with_the_branch():
    model, x = small(skips=True), images()
    before = unit_lesions.branch_ratios(model, x, batch_size=4)
    bn = model.get_layer("s2u2_bn2")
    bn.gamma.assign(bn.gamma * 3)
    bn.beta.assign(bn.beta * 3)  # F(x) three times as large, x unchanged
    after = unit_lesions.branch_ratios(model, x, batch_size=4)
    assert after["s2u2"] == pytest.approx(3 * before["s2u2"], rel=1e-4)
    assert after["s1u1"] == pytest.approx(before["s1u1"], rel=1e-6)


def test_lesion_accuracies_cover_the_deletable_units():
    model, x = small(skips=True), images(20)
    y = np.argmax(model.predict(x, verbose=0), axis=1)
    accuracies = unit_lesions.lesion_accuracies(model, x, y)
    assert list(accuracies) == unit_lesions.deletable_units(model)
    assert all(0 <= a <= 1 for a in accuracies.values())


def test_bad_units_and_models_are_named():
    model = small(skips=False)
    with pytest.raises(ValueError, match="s2u1"):
        unit_lesions.without_unit(model, "s2u1")  # changes the shape: not deletable
    with pytest.raises(TypeError, match="unit must be"):
        unit_lesions.without_unit(model, 3)
    with pytest.raises(ValueError, match="no skips"):
        unit_lesions.branch_ratios(model, images())
    other = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3)])
    with pytest.raises(ValueError, match="resnet_like"):
        unit_lesions.unit_names(other)


def test_lesion_table_gathers_every_seed_and_unit():
    plain = {seed: small(skips=False, seed=seed) for seed in (0, 1)}
    residual = {seed: small(skips=True, seed=seed + 10) for seed in (0, 1)}
    x = images(20)
    # one batch throughout, so every comparison below is of the very same computation
    y = np.argmax(residual[0](x, training=False), axis=1)
    table, intact = unit_lesions.lesion_table(plain, residual, x, y, batch_size=20)
    assert list(table.columns) == ["ratio", "plain", "residual"]
    assert list(table.index.get_level_values("seed").unique()) == [0, 1]
    for seed in (0, 1):
        rows = table.loc[seed]
        assert list(rows.index) == unit_lesions.unit_names(residual[seed])
        ratios = unit_lesions.branch_ratios(residual[seed], x, batch_size=20)
        assert rows["ratio"].to_dict() == ratios
        for kind, models in (("plain", plain), ("residual", residual)):
            lesioned = unit_lesions.lesion_accuracies(models[seed], x, y, batch_size=20)
            assert rows[kind].dropna().to_dict() == lesioned
        assert rows.loc["s2u1", ["plain", "residual"]].isna().all()  # not deletable
    # the labels are residual seed 0's own predictions: it is intact on all of them
    assert intact.loc[0, "residual"] == 1.0
    assert 0 <= intact.loc[1, "plain"] <= 1


def test_lesion_table_refuses_mismatched_twins():
    plain, residual = {0: small(skips=False)}, {0: small(skips=True)}
    x, y = images(4), np.zeros(4, int)
    with pytest.raises(ValueError, match="same seeds"):
        unit_lesions.lesion_table(plain, {1: residual[0]}, x, y)
    with pytest.raises(ValueError, match="skips=False"):
        unit_lesions.lesion_table(residual, plain, x, y)
    with pytest.raises(TypeError, match="plain must be"):
        unit_lesions.lesion_table([], residual, x, y)
