"""top_activating_patches on a 1-D model (windows of time, cut by the receptive field) and
the architecture drawn for it (one box per layer, shapes T×C)."""

import numpy as np
import pytest

import vizcnn as vz


@pytest.fixture
def sound(keras):
    keras.utils.set_random_seed(2)
    layers = keras.layers
    inputs = keras.Input((40, 2))
    x = layers.Conv1D(3, 5, padding="same", activation="relu", name="c1")(inputs)
    x = layers.Conv1D(4, 3, dilation_rate=2, padding="causal", name="c2")(x)
    branch = layers.Conv1D(4, 1, name="skip")(inputs)
    x = layers.Add(name="add")([x, branch])
    x = layers.GlobalAveragePooling1D(name="gap")(x)
    return keras.Model(inputs, layers.Dense(2, name="out")(x), name="sound")


@pytest.fixture
def waves():
    return np.random.default_rng(5).standard_normal((12, 40, 2)).astype("float32")


def test_top_patches_are_windows_of_time_around_the_peak(sound, waves):
    maps = vz.feature_maps(sound, waves, "c2")[..., 1]
    top = vz.top_activating_patches(sound, waves, "c2", 1, k=4)
    order = np.argsort(-maps.max(axis=1), kind="stable")[:4]
    np.testing.assert_array_equal(top.indices, order)
    np.testing.assert_array_equal(top.scores, maps.max(axis=1)[order])
    assert top.positions.shape == (4, 1)
    np.testing.assert_array_equal(top.positions[:, 0], maps.argmax(axis=1)[order])
    assert top.boxes.shape == (4, 2)
    for i, (t,), (start, stop), patch in zip(
        top.indices, top.positions, top.boxes, top.patches, strict=True
    ):
        # c1 reads t - 2 .. t + 2; c2 (causal, dilation 2) reads c1 at t - 4, t - 2, t
        assert (start, stop) == (max(t - 4 - 2, 0), min(t + 2 + 1, 40))
        np.testing.assert_array_equal(patch, waves[i, start:stop])
        assert patch.shape == (stop - start, 2)


def test_channel_peaks_rank_the_same_windows(sound, waves):
    peaks = vz.inspection.channel_peaks(sound, waves, "c1")
    assert peaks.grid == (40,) and peaks.scores.shape == (12, 3)
    _, field = vz.inspection.field_of(sound, "c1")
    again = peaks.top(waves, 2, k=3, field=field)
    direct = vz.top_activating_patches(sound, waves, "c1", 2, k=3)
    np.testing.assert_array_equal(again.indices, direct.indices)
    np.testing.assert_array_equal(again.boxes, direct.boxes)
    t = peaks.peak_unit(int(direct.indices[0]), 2)
    assert t == (int(direct.positions[0, 0]),)


def test_a_dense_layer_is_refused_naming_n_t_c(sound, waves):
    with pytest.raises(ValueError, match=r"feature map \(N, T, C\), such as a Conv1D"):
        vz.top_activating_patches(sound, waves, "out", 0)


def test_the_architecture_of_a_1d_model(sound):
    display = vz.ArchitectureDisplay.from_model(sound)
    shapes = {box.name: box.shape_text for box in display.boxes_}
    assert shapes["c1"] == "40×3" and shapes["add"] == "40×4" and shapes["gap"] == "4"
    assert [box.kind for box in display.boxes_ if box.name == "c2"] == ["Conv1D"]
    assert len(display.skips_) == 1


def test_an_empty_grid_is_named_in_steps(keras):
    inputs = keras.Input((None, 1))
    pooled = keras.layers.MaxPooling1D(8, name="pool")(keras.layers.Conv1D(2, 3, name="c")(inputs))
    model = keras.Model(inputs, pooled)
    with pytest.raises(ValueError, match=r"'pool' .* for sequences of 6 steps \(x\)"):
        vz.inspection.channel_peaks(model, np.zeros((2, 6, 1), "float32"), "pool")
