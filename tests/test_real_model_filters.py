"""vz.filters and FilterDisplay on the depthwise and separable convolutions of real
keras.applications networks (random weights, small inputs)."""

import numpy as np
import pytest

import vizcnn as vz

# keras.applications models: graphs, not numerics, so `make test` runs them once
pytestmark = pytest.mark.applications


@pytest.fixture(scope="module")
def mobilenet():
    from vizcnn.backend import keras

    keras().utils.set_random_seed(0)
    return keras().applications.MobileNetV3Small(
        weights=None, include_top=False, input_shape=(64, 64, 3)
    )


@pytest.fixture(scope="module")
def xception():
    from vizcnn.backend import keras

    keras().utils.set_random_seed(0)
    return keras().applications.Xception(weights=None, include_top=False, input_shape=(71, 71, 3))


def _depthwise_layer(model, channels):
    from vizcnn.backend import keras

    return next(
        layer
        for layer in model.layers
        if isinstance(layer, keras().layers.DepthwiseConv2D) and layer.kernel.shape[2] == channels
    )


def test_depthwise_kernels_are_drawn_one_per_input_channel(mobilenet):
    layer = _depthwise_layer(mobilenet, 96)  # 96 input channels, multiplier 1
    kernel = vz.filters(layer)
    assert kernel.shape[2:] == (96, 1)  # as Keras stores it
    display = vz.FilterDisplay.from_model(mobilenet, layer=layer.name)
    assert display.mode_ == "grid"
    assert len(display.filter_indices_) == 96  # every kernel, not 8 of them
    for c in (0, 37, 95):
        np.testing.assert_array_equal(display.panel(c), kernel[:, :, c, 0])
    title = display.ax_.get_title()
    kh, kw = kernel.shape[:2]
    assert f"96 depthwise kernels ({kh}x{kw}), one per input channel" in title
    assert "input channels" not in title  # not "1 filters x 8 input channels"
    with pytest.raises(ValueError, match="a depthwise kernel is drawn in mode='grid'"):
        display.plot(mode="channels")


def test_depth_multiplier_gives_that_many_kernels_per_channel(keras):
    layer = keras.layers.DepthwiseConv2D(3, depth_multiplier=2, name="dw")
    layer.build((None, 8, 8, 5))
    kernel = vz.filters(layer)  # (3, 3, 5, 2): output channel c * 2 + m
    display = vz.FilterDisplay.from_layer(layer, max_filters=6)
    assert "6 of 10 depthwise kernels (3x3), 2 per input channel" in display.ax_.get_title()
    np.testing.assert_array_equal(display.panel(3), kernel[:, :, 1, 1])  # channel 1, m = 1


def test_separable_convolution_parts(xception):
    layer = xception.get_layer("block2_sepconv1")  # 64 channels in, 128 out
    depthwise = vz.filters(layer)
    pointwise = vz.filters(xception, layer, part="pointwise")
    np.testing.assert_array_equal(depthwise, np.asarray(layer.depthwise_kernel))
    np.testing.assert_array_equal(vz.filters(layer, part="depthwise"), depthwise)
    np.testing.assert_array_equal(pointwise, np.asarray(layer.pointwise_kernel))
    assert depthwise.shape == (3, 3, 64, 1) and pointwise.shape == (1, 1, 64, 128)

    shown = vz.FilterDisplay.from_model(xception, layer="block2_sepconv1")
    assert shown.ax_.get_title().startswith("block2_sepconv1 (depthwise part): 64 depthwise")
    assert len(shown.filter_indices_) == 64
    mixing = vz.FilterDisplay.from_layer(layer, part="pointwise", max_filters=4)
    assert mixing.mode_ == "channels"
    assert mixing.ax_.get_title().startswith("block2_sepconv1 (pointwise part): 4 of 128")
    np.testing.assert_array_equal(mixing.panel(1), pointwise[:, :, 1, 0])


def test_part_is_only_for_separable_layers(mobilenet):
    conv = mobilenet.get_layer("conv")  # the stem Conv2D
    with pytest.raises(ValueError, match=r"part='pointwise' picks a kernel of a SeparableConv2D"):
        vz.filters(conv, part="pointwise")
    with pytest.raises(ValueError, match="part"):
        vz.filters(conv, part="both")
