"""feature_maps, filters and layer_costs of 1-D models: shapes (N, T, C) and (k, c_in,
c_out), values against NumPy, multiply-accumulates against hand counts."""

import numpy as np
import pytest
from numeric import reordered_sum

import vizcnn as vz


@pytest.fixture
def sound(keras):
    """A small raw-waveform network: 64 samples, one channel."""
    keras.utils.set_random_seed(0)
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((64, 1)),
            layers.Conv1D(4, 5, strides=2, padding="same", activation="relu", name="c1"),
            layers.MaxPooling1D(2, name="pool"),
            layers.Conv1D(6, 3, dilation_rate=2, padding="causal", name="c2"),
            layers.SeparableConv1D(5, 3, depth_multiplier=2, name="sep"),
            layers.DepthwiseConv1D(3, padding="same", name="dw"),
            layers.GlobalAveragePooling1D(name="gap"),
            layers.Dense(3, name="out"),
        ],
        name="sound",
    )


@pytest.fixture
def waves():
    return np.random.default_rng(0).uniform(-1, 1, (3, 64, 1)).astype("float32")


def _conv1d(x, kernel, *, strides=1, before=0, after=0, dilation=1):
    """A 1-D convolution in float64, written out: x (N, T, C), kernel (k, c_in, c_out)."""
    x = np.pad(x.astype("float64"), ((0, 0), (before, after), (0, 0)))
    k = kernel.shape[0]
    span = dilation * (k - 1) + 1
    starts = range(0, x.shape[1] - span + 1, strides)
    return np.stack(
        [np.einsum("nkc,kcd->nd", x[:, s : s + span : dilation], kernel) for s in starts], 1
    )


def test_feature_maps_of_a_1d_model_are_n_t_c_and_equal_numpy(sound, waves):
    c1 = vz.feature_maps(sound, waves, "c1")
    assert c1.shape == (3, 32, 4)
    kernel = vz.filters(sound, "c1")
    assert kernel.shape == (5, 1, 4)
    # TF's 'same' with stride 2: (32 - 1) * 2 + 5 - 64 = 3 zeros, 1 before and 2 after
    expected = _conv1d(waves, kernel, strides=2, before=1, after=2)
    expected = np.maximum(expected + np.asarray(sound.get_layer("c1").bias), 0)
    np.testing.assert_allclose(c1, expected, **reordered_sum(5, magnitude=5 * np.abs(kernel).max()))

    c2 = vz.feature_maps(sound, waves, "c2")
    assert c2.shape == (3, 16, 6)
    pooled = vz.feature_maps(sound, waves, "pool")
    # causal: all d * (k - 1) = 4 zeros before the sequence
    expected = _conv1d(pooled, vz.filters(sound, "c2"), before=4, dilation=2)
    expected += np.asarray(sound.get_layer("c2").bias)
    magnitude = 3 * 4 * np.abs(pooled).max() * np.abs(vz.filters(sound, "c2")).max()
    np.testing.assert_allclose(c2, expected, **reordered_sum(12, magnitude=magnitude))
    assert vz.feature_maps(sound, waves, "gap").shape == (3, 5)


def test_filters_of_1d_layers_are_k_cin_cout(sound):
    assert vz.filters(sound, "c2").shape == (3, 4, 6)
    np.testing.assert_array_equal(vz.filters(sound, "c2"), sound.get_layer("c2").kernel)
    assert vz.filters(sound, "sep").shape == (3, 6, 2)  # depthwise: (k, c_in, multiplier)
    assert vz.filters(sound, "sep", part="pointwise").shape == (1, 12, 5)
    assert vz.filters(sound, "dw").shape == (3, 5, 1)
    with pytest.raises(ValueError, match=r"2-D convolution .* or a 1-D one \(k, c_in, c_out\)"):
        vz.filters(sound, "out")
    with pytest.raises(ValueError, match=r"part='pointwise' picks a kernel of a Separable"):
        vz.filters(sound, "c2", part="pointwise")


def test_layer_costs_of_1d_layers_equal_hand_counts(sound):
    costs = vz.layer_costs(sound)
    t1, t2 = 32, 16  # c1: ceil(64 / 2); pool halves it; c2 causal keeps it
    t3 = t2 - 2  # sep: 3 taps, valid
    assert costs.loc["c1", "output"] == (t1, 4)
    assert costs.loc["c1", "macs"] == t1 * 5 * 1 * 4  # T_out * k * c_in * c_out
    assert costs.loc["c1", "elementwise"] == 2 * t1 * 4  # bias + relu per output
    assert costs.loc["pool", "elementwise"] == 2 * t2 * 4  # pool_size per output
    assert costs.loc["c2", "macs"] == t2 * 3 * 4 * 6
    # separable: depthwise k * (c_in * m) per step, then 1x1 from c_in * m to c_out
    assert costs.loc["sep", "macs"] == t3 * 3 * 6 * 2 + t3 * 12 * 5
    assert costs.loc["dw", "macs"] == t3 * 3 * 5
    assert costs.loc["gap", "elementwise"] == t3 * 5
    assert costs.loc["out", "macs"] == 5 * 3
    assert costs["params"].sum() == sound.count_params()
    assert costs.loc["c2", "flops"] == 2 * costs.loc["c2", "macs"]


def test_x_of_the_wrong_rank_for_a_1d_model_names_n_t_c(sound, tiny_cnn, waves):
    with pytest.raises(
        ValueError, match=r"x must be a batch for a 1-D model shaped \(N, T, C\), got shape"
    ):
        vz.feature_maps(sound, np.zeros((2, 8, 8, 1), "float32"), "c1")
    with pytest.raises(ValueError, match=r"shape \(64, 1\); for one sequence use x\[None\]"):
        vz.feature_maps(sound, waves[0], "c1")
    with pytest.raises(ValueError, match=r"x has spatial shape \(32,\) but model 'sound'"):
        vz.feature_maps(sound, waves[:, :32], "c1")
    with pytest.raises(ValueError, match=r"x must be a batch of images shaped \(N, H, W, C\)"):
        vz.feature_maps(tiny_cnn, waves, "conv1")  # a 2-D model still wants images


def test_a_sequential_without_input_is_built_for_sequences(keras, waves):
    model = keras.Sequential([keras.layers.Conv1D(2, 3, name="c")])
    assert vz.feature_maps(model, waves, "c").shape == (3, 62, 2)
    fresh = keras.Sequential([keras.layers.Conv1D(2, 3, name="c")])
    with pytest.raises(ValueError, match=r"\(N, T, C\)"):
        vz.feature_maps(fresh, np.zeros((1, 8, 8, 1), "float32"), "c")
