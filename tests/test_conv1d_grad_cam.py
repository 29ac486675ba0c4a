"""grad_cam of a 1-D model: (N, T) maps in [0, 1], equal to the class activation map for
global average pooling and one Dense, resized linearly along time."""

import numeric
import numpy as np
import pytest
from sound_networks import small_sound_network

import vizcnn as vz


@pytest.fixture
def sound(keras):
    return small_sound_network(keras, length=48, first=(6, 5), second=8, classes=4, seed=1)


@pytest.fixture
def waves():
    t = np.arange(48) / 48
    rng = np.random.default_rng(3)
    x = [np.sin(2 * np.pi * f * t) + 0.3 * rng.standard_normal(48) for f in (2, 5, 9)]
    return np.stack(x)[..., None].astype("float32")


# conv 5 x 1, conv 3 x 6, the CAM sum over 8 channels, and back through both
CAM_TOLERANCE = numeric.network(depth=4, fan_in=18, magnitude=4.0)


def test_maps_are_n_t_in_0_1_and_default_to_the_last_conv(sound, waves):
    maps = vz.grad_cam(sound, waves)
    assert maps.shape == (3, 48) and maps.dtype == np.float32
    assert maps.min() >= 0 and np.allclose(maps.max(axis=1), 1)
    assert vz.grad_cam_layer(sound) == "c2"
    assert vz.grad_cam(sound, waves, resize=False).shape == (3, 24)


def test_equals_the_class_activation_map_for_gap_and_one_dense(sound, waves):
    """GAP + Dense: d logit_k / d A_c[t] = W[c, k] / T', so Grad-CAM is CAM, step by step."""
    A = vz.feature_maps(sound, waves, "c2")
    W = np.asarray(sound.get_layer("out").kernel)
    for k in range(4):
        cam = np.maximum(np.einsum("ntc,c->nt", A, W[:, k]), 0)
        live = cam.max(axis=1) > 0
        assert live.any()
        expected = np.divide(cam, cam.max(axis=1, keepdims=True), where=cam > 0, out=cam * 0)
        maps = vz.grad_cam(sound, waves, class_index=k, resize=False)
        np.testing.assert_allclose(maps, expected, **CAM_TOLERANCE)
        assert not np.allclose(maps[0], maps[1])  # the waves differ


def test_resizing_is_linear_along_time_with_half_step_centres(sound, waves):
    small = vz.grad_cam(sound, waves, class_index=2, resize=False)
    full = vz.grad_cam(sound, waves, class_index=2)
    # step t of the input lies at (t + 0.5) * 24 / 48 - 0.5 on the layer's grid
    where = (np.arange(48) + 0.5) * 24 / 48 - 0.5
    for n in range(3):
        expected = np.interp(where, np.arange(24), small[n])  # edges held, as TF does
        expected = expected / expected.max() if expected.max() > 0 else expected
        np.testing.assert_allclose(full[n], expected, **numeric.elementwise(ulps=16))


def test_wrong_inputs_name_n_t_c(sound, waves):
    with pytest.raises(ValueError, match=r"x must be a batch for a 1-D model shaped \(N, T, C\)"):
        vz.grad_cam(sound, waves[..., 0])
    with pytest.raises(ValueError, match=r"Grad-CAM needs feature maps \(N, T, C\)"):
        vz.grad_cam(sound, waves, layer="gap")
