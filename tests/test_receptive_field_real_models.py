"""Receptive fields and costs of real keras.applications models (weights=None, small
inputs): LayerScale (ConvNeXt), augmentation in front of a model, squeeze-and-excite
(EfficientNet, MobileNetV3) and unknown input sizes."""

import numpy as np
import pytest

import vizcnn as vz
from vizcnn.graph.lookup import find_layer
from vizcnn.inspection.measured_field import _measured_masks

# keras.applications models: graphs, not numerics, so `make test` runs them once
pytestmark = [pytest.mark.slow, pytest.mark.applications]


def _bbox(mask):
    ys, xs = np.nonzero(mask)
    return (int(ys.min()), int(ys.max())), (int(xs.min()), int(xs.max()))


def test_convnext_layer_scale_is_per_position(keras):
    model = keras.applications.ConvNeXtTiny(weights=None, input_shape=(32, 32, 3))
    fields = vz.receptive_fields(model)
    scale = "convnext_tiny_stage_0_block_0_layer_scale"
    before = "convnext_tiny_stage_0_block_0_pointwise_conv_2"
    assert fields[scale] == fields[before]
    assert fields[scale].size == (28, 28) and fields[scale].jump == (4, 4)
    table = vz.receptive_field_table(model)
    assert table.loc[scale, "type"] == "LayerScale"
    costs = vz.layer_costs(model)
    assert costs.loc[scale, "params"] == 96  # one factor per channel
    assert costs.loc[scale, "elementwise"] == 8 * 8 * 96
    assert costs["params"].sum() == model.count_params()
    image = np.random.default_rng(0).random((32, 32, 3), dtype=np.float32)
    display = vz.ReceptiveFieldDisplay.from_model(
        model, image, layer=scale, position=(0, 0), feature_map=False
    )
    assert display.box_in_image_ == fields[scale].box_in_image((0, 0))
    # the gradient probe agrees: a small model with the same LayerScale class
    layer_scale = type(model.get_layer(scale))
    small = keras.Sequential(
        [
            keras.Input((11, 12, 3)),
            keras.layers.RandomFlip(name="flip"),
            keras.layers.Conv2D(4, 3, strides=2, name="conv"),
            layer_scale(init_values=1e-6, projection_dim=4, name="scale"),
            keras.layers.Conv2D(2, 3, padding="same", name="conv2"),
        ]
    )
    rf = vz.receptive_fields(small)["conv2"]
    positions = [(0, 0), (3, 4), (1, 2)]
    masks = _measured_masks(small, find_layer(small, "conv2"), (11, 12), positions)
    assert [_bbox(m) for m in masks] == [rf.box_in_image(p) for p in positions]


def test_mobilenet_v3_with_augmentation_and_unknown_input_size(keras):
    layers = keras.layers
    augment = keras.Sequential(
        [
            keras.Input((None, None, 3)),
            layers.RandomFlip(name="flip"),
            layers.RandomRotation(0.1, name="rotate"),
            layers.RandomZoom(0.1, name="zoom"),
            layers.RandomTranslation(0.1, 0.1, name="shift"),
            layers.RandomContrast(0.1, name="contrast"),
        ],
        name="augment",
    )
    net = keras.applications.MobileNetV3Small(
        weights=None, include_top=False, input_shape=(None, None, 3)
    )
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, net(augment(inputs)))
    full = vz.receptive_fields(model)
    assert full["contrast"].size == (1, 1)
    # squeeze-and-excite in the first block: from its product on, the full field is global
    assert full["expanded_conv_squeeze_excite_mul"].is_global
    assert full["activation_17"].is_global
    conv = vz.receptive_fields(model, path="convolution")
    spatial = [name for name, rf in conv.items() if not rf.is_global]
    assert "activation_17" in spatial and conv["activation_17"].jump == (32, 32)
    # sizes and jumps do not depend on the input size: they stay known through every Add
    sized = [vz.receptive_fields(model, path="convolution", input_size=(n, n)) for n in (64, 67)]
    for name in spatial:
        assert conv[name].size is not None and None not in conv[name].size, name
        for other in sized:
            assert (conv[name].size, conv[name].jump) == (other[name].size, other[name].jump)
    assert vz.receptive_field_table(model, path="convolution").loc["flip", "type"] == "RandomFlip"
    fixed = keras.Input((64, 64, 3))
    costs = vz.layer_costs(keras.Model(fixed, net(augment(fixed))))
    rows = ["augment/" + name for name in ("flip", "rotate", "zoom", "shift", "contrast")]
    assert (costs.loc[rows, ["macs", "elementwise", "params"]] == 0).all().all()
    assert costs["params"].sum() == net.count_params()


def test_efficientnet_b0_full_field_and_convolution_path(keras):
    model = keras.applications.EfficientNetB0(weights=None, input_shape=(64, 64, 3))
    full = vz.receptive_fields(model)
    conv = vz.receptive_fields(model, path="convolution")
    assert not full["block1a_activation"].is_global
    assert full["block1a_se_excite"].is_global and full["top_conv"].is_global
    assert "block1a_se_squeeze" in full["top_conv"].note
    # the product's convolution-path field is its map's: the gate is left out
    for block in ("block1a", "block4a", "block7a"):
        product, feature = conv[f"{block}_se_excite"], conv[f"{block}_activation"]
        assert (product.size, product.jump, product.start) == (
            feature.size,
            feature.jump,
            feature.start,
        )
    assert not conv["top_conv"].is_global and conv["top_conv"].jump == (32, 32)
    assert conv["top_conv"].size[0] > full["top_conv"].size[0]  # it hangs over the border
    assert conv["avg_pool"].is_global
    before = [k for k in full if k.startswith(("stem", "block1a_dw", "block1a_bn"))]
    assert all(full[k] == conv[k] for k in before)
