"""BlurPool2D and the shift-invariance family of small CNNs."""

from __future__ import annotations

import numpy as np
import pytest

import vizcnn as vz
from vizcnn.layers.blur_pool import binomial_kernel


def test_the_binomial_filter_sums_to_one_and_is_symmetric():
    for size in (2, 3, 4, 5):
        kernel = binomial_kernel(size)
        assert kernel.sum() == pytest.approx(1.0, abs=4 * 2.0**-24)
        np.testing.assert_array_equal(kernel, kernel.T)
        np.testing.assert_array_equal(kernel, kernel[::-1, ::-1])


def test_blur_pool_blurs_then_keeps_every_other_position():
    x = np.zeros((1, 6, 6, 2), "float32")
    x[0, 2, 2, 0] = 16  # one bright pixel; the filter's weights are [1, 2, 1] x [1, 2, 1] / 16
    out = np.asarray(vz.layers.BlurPool2D()(x))
    assert out.shape == (1, 3, 3, 2)
    # TF's "same" split for 6 -> 3 with a 3-wide window pads 0 before and 1 after: output i
    # reads rows 2i .. 2i+2, so row 2 is the last row of output 0 and the first of output 1,
    # both at the filter's edge weight 1: the pixel reaches four outputs, each with 16/16
    np.testing.assert_array_equal(out[0, :, :, 0], np.outer([1, 1, 0], [1, 1, 0]))
    np.testing.assert_array_equal(out[..., 1], 0)  # channels are blurred separately


def test_blur_pool_keeps_a_constant_image_constant_inside():
    out = np.asarray(vz.layers.BlurPool2D(padding="valid")(np.full((1, 7, 7, 3), 5, "float32")))
    np.testing.assert_allclose(out, 5, rtol=4 * 2.0**-24)


def test_blur_pool_is_not_trained_and_its_geometry_is_known():
    keras = vz.backend.keras()
    layer = vz.layers.BlurPool2D(name="blur")
    model = keras.Sequential([keras.Input((8, 8, 1)), layer])
    assert layer.trainable_weights == [] and len(layer.weights) == 1
    field = vz.receptive_fields(model)["blur"]
    assert field.size == (3, 3) and field.jump == (2, 2)


def test_blur_pool_refuses_a_filter_size_it_has_no_filter_for():
    with pytest.raises(ValueError, match="filter_size"):
        vz.layers.BlurPool2D(filter_size=7)


@pytest.mark.parametrize("downsample", ["max", "average", "strided", "blur"])
def test_each_pooling_cnn_halves_the_grid_three_times(downsample):
    model = vz.models.pooling_cnn(downsample=downsample)
    assert model.output_shape == (None, 10)
    sizes = [model.get_layer(f"down{i}").output.shape[1] for i in (1, 2, 3)]
    assert sizes == [14, 7, 4]


def test_pooling_cnn_names_the_choices():
    with pytest.raises(ValueError, match="downsample"):
        vz.models.pooling_cnn(downsample="median")
