"""What a 1-D model cannot do, said in words: layers the fields cannot follow, a model that
mixes 1-D and 2-D, volumes, and x of the wrong rank."""

import numpy as np
import pytest

import vizcnn as vz


def test_upsampling_is_refused_with_the_reason(keras):
    model = keras.Sequential(
        [
            keras.Input((20, 1)),
            keras.layers.Conv1D(2, 3, name="c"),
            keras.layers.UpSampling1D(2, name="up"),
        ]
    )
    with pytest.raises(ValueError, match=r"layer 'up' \(UpSampling1D\).*different sizes"):
        vz.receptive_fields(model)


def test_a_3d_model_is_refused_naming_its_layer(keras):
    model = keras.Sequential(
        [keras.Input((6, 6, 6, 1)), keras.layers.Conv3D(2, 3, name="vol")], name="volume"
    )
    with pytest.raises(ValueError, match=r"read by layer 'vol' \(Conv3D\).*\(N, T, C\)"):
        vz.receptive_fields(model)
    with pytest.raises(ValueError, match=r"not images \(N, H, W, C\) nor sequences"):
        vz.feature_maps(model, np.zeros((1, 6, 6, 6, 1)), "vol")


def test_a_model_mixing_1d_and_2d_names_what_was_expected(keras):
    class ToImage(keras.layers.Layer):
        """(N, T, C) -> (N, T, 1, C): declared per position, so the walk reaches Conv2D."""

        def call(self, x):
            return keras.ops.expand_dims(x, 2)

        def compute_output_shape(self, shape):
            return (shape[0], shape[1], 1, shape[2])

    vz.register_layer_geometry(ToImage, kind="per_position")
    inputs = keras.Input((16, 1))
    x = keras.layers.Conv1D(2, 3, name="c1")(inputs)
    x = ToImage(name="to_image")(x)
    model = keras.Model(inputs, keras.layers.Conv2D(2, (3, 1), name="c2")(x))
    with pytest.raises(
        ValueError,
        match=r"layer 'c2' \(Conv2D\) slides over 2 spatial axes, but it reads a grid of 1 "
        r"\(steps \(T,\)\).*\(N, T, C\) with 1-D layers or \(N, H, W, C\) with 2-D layers",
    ):
        vz.receptive_fields(model)
