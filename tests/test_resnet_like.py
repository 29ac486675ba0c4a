"""resnet_like and the notes' CNN with skips: the residual nets and their plain twins."""

import numpy as np
import pytest

import vizcnn as vz


def _kinds(model):
    return [type(layer).__name__ for layer in model.layers]


def _weight_layers(model):
    """Convolutions and Dense layers on the main path (He et al. count these)."""
    return [
        layer
        for layer in model.layers
        if type(layer).__name__ in {"Conv2D", "Dense"} and "skip" not in layer.name
    ]


@pytest.mark.parametrize("units, layers", [(1, 8), (3, 20)])
def test_resnet_like_has_6n_plus_2_weight_layers_and_one_add_per_unit(units, layers):
    residual = vz.models.resnet_like(units_per_stage=units)
    plain = vz.models.resnet_like(units_per_stage=units, skips=False)
    assert residual.name == f"resnet_{layers}" and plain.name == f"plain_{layers}"
    assert len(_weight_layers(residual)) == len(_weight_layers(plain)) == layers
    assert _kinds(residual).count("Add") == 3 * units
    # the stride-2 units of stages 2 and 3 need a 1x1 projection on their skip
    projections = [layer for layer in residual.layers if layer.name.endswith("skip_conv")]
    assert [layer.name for layer in projections] == ["s2u1_skip_conv", "s3u1_skip_conv"]
    assert all(layer.kernel_size == (1, 1) and layer.strides == (2, 2) for layer in projections)
    assert residual.output_shape == plain.output_shape == (None, 10)
    assert residual.get_layer("s3u1_conv1").output.shape[1:] == (7, 7, 64)


def test_the_plain_twin_is_the_residual_net_without_adds_and_projections():
    residual = vz.models.resnet_like(units_per_stage=2)
    plain = vz.models.resnet_like(units_per_stage=2, skips=False)
    assert "Add" not in _kinds(plain)

    def names(model):  # Input layers get automatic names: leave them out
        return {layer.name for layer in model.layers if type(layer).__name__ != "InputLayer"}

    removed = names(residual) - names(plain)
    assert removed and all(name.endswith(("_add", "_skip_conv", "_skip_bn")) for name in removed)
    assert names(plain) <= names(residual)
    for layer in plain.layers[1:]:  # same layers, same shapes
        twin = residual.get_layer(layer.name)
        assert [w.shape for w in layer.weights] == [w.shape for w in twin.weights]


def test_the_add_really_adds_the_input():
    """With the main path's last BN scale at zero, an identity unit passes relu(x) through."""
    model = vz.models.resnet_like(units_per_stage=1, widths=(4,), n_classes=3)
    model.get_layer("s1u1_bn2").gamma.assign(np.zeros(4, "float32"))
    x = np.random.default_rng(0).random((2, 28, 28, 1), dtype=np.float32)
    probe = vz.backend.keras().Model(
        model.input, [model.get_layer("stem_relu").output, model.get_layer("s1u1_relu2").output]
    )
    before, after = probe(x, training=False)
    np.testing.assert_allclose(after, before, atol=1e-6)


def test_resnet_like_options_and_bad_input():
    model = vz.models.resnet_like(
        units_per_stage=1, widths=(8, 16), input_shape=(32, 32, 3), n_classes=5
    )
    assert model.name == "resnet_6" and model.output_shape == (None, 5)
    for kwargs, error, word in [
        ({"units_per_stage": 0}, ValueError, "units_per_stage"),
        ({"units_per_stage": 2.0}, TypeError, "units_per_stage"),
        ({"widths": ()}, TypeError, "widths"),
        ({"widths": 16}, TypeError, "widths"),
        ({"widths": (16, 0)}, ValueError, "widths"),
        ({"skips": "yes"}, TypeError, "skips"),
        ({"n_classes": 1}, ValueError, "n_classes"),
    ]:
        with pytest.raises(error, match=word):
            vz.models.resnet_like(**kwargs)


def test_notes_cnn_with_batch_norm_and_skips_keeps_the_notes_convolutions():
    plain = vz.models.basic_cnn()
    bn = vz.models.basic_cnn(batch_norm=True)
    skips = vz.models.basic_cnn(skips=True)
    convs = [
        (layer.filters, layer.kernel_size)
        for layer in plain.layers
        if type(layer).__name__ == "Conv2D"
    ]
    for model in (bn, skips):
        main = [
            (layer.filters, layer.kernel_size)
            for layer in model.layers
            if type(layer).__name__ == "Conv2D" and "skip" not in layer.name
        ]
        assert main == convs
        assert _kinds(model).count("BatchNormalization") >= 4
    assert "Add" not in _kinds(bn) and _kinds(skips).count("Add") == 2
    assert [layer.name for layer in skips.layers if layer.name.endswith("skip_conv")] == [
        "block1_skip_conv",
        "block2_skip_conv",
    ]
    # the dense head is the notes' one: same parameters
    assert plain.layers[-6].output.shape == bn.layers[-6].output.shape == (None, 2304)
    for model in (plain, bn, skips):
        assert model.output_shape == (None, 10)
    with pytest.raises(TypeError, match="batch_norm"):
        vz.models.basic_cnn(batch_norm=1)
