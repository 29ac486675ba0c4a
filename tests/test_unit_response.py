"""What a channel responds to: top-activating patches, activation maximisation, displays."""

import dataclasses

import numeric
import numpy as np
import pytest

import vizcnn as vz
from vizcnn.inspection import (
    TopPatches,
    activation_maximization,
    feature_maps,
    maximize_channels,
    receptive_fields,
    top_activating_patches,
)
from vizcnn.inspection.top_patches import channel_peaks


@pytest.fixture(scope="module")
def trained():
    """A tiny CNN trained for one epoch on 3,000 real Fashion-MNIST images, and 500 others."""
    from vizcnn.backend import keras as _keras

    keras = _keras()
    (X, y), (X_valid, _), _ = vz.data.load_fashion_mnist()
    X, y = vz.data.scale_images(X[:3000]), y[:3000].astype("int32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(8, 5, padding="same", activation="relu", name="conv1"),
            keras.layers.MaxPool2D(2, name="pool1"),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2"),
            keras.layers.MaxPool2D(2, name="pool2"),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv3"),
            keras.layers.GlobalAveragePooling2D(name="gap"),
            keras.layers.Dense(10, activation="softmax", name="out"),
        ],
        name="tiny_fashion",
    )
    model.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy")
    model.fit(X, y, epochs=1, batch_size=32, verbose=0)
    return model, vz.data.scale_images(X_valid[:500])


@pytest.fixture(scope="module")
def resnet():
    from vizcnn.backend import keras as _keras

    _keras().utils.set_random_seed(0)
    return vz.models.small_resnet()


def _centre(model, images, layer, channel):
    maps = feature_maps(model, images, layer)
    return maps[:, maps.shape[1] // 2, maps.shape[2] // 2, channel]


# -- top-activating patches ---------------------------------------------------------------


def _check_against_feature_maps(model, x, layer, channel, result):
    maps = feature_maps(model, x, layer)[..., channel]
    peaks = maps.reshape(len(x), -1).max(axis=1)
    np.testing.assert_allclose(result.scores, peaks[result.indices], rtol=1e-5, atol=1e-6)
    rows, cols = result.positions.T
    np.testing.assert_allclose(
        maps[result.indices, rows, cols], result.scores, rtol=1e-5, atol=1e-6
    )
    assert (np.diff(result.scores) <= 0).all(), "scores must be sorted, strongest first"
    assert len(set(result.indices.tolist())) == len(result.indices)
    others = np.delete(peaks, result.indices)
    assert others.size == 0 or others.max() <= result.scores[-1] + 1e-5, "not the top k"


def test_scores_are_the_feature_map_maxima(trained):
    model, data = trained
    x = data[:150]
    result = top_activating_patches(model, x, "conv2", 3, k=9, batch_size=64)  # 3 batches
    assert isinstance(result, TopPatches)
    assert (result.layer, result.channel, len(result)) == ("conv2", 3, 9)
    assert result.scores.shape == (9,) and result.indices.shape == (9,)
    assert result.positions.shape == (9, 2) and result.boxes.shape == (9, 4)
    _check_against_feature_maps(model, x, "conv2", 3, result)
    # the batch size changes nothing
    again = top_activating_patches(model, x, "conv2", 3, k=9, batch_size=150)
    np.testing.assert_array_equal(again.indices, result.indices)


def test_boxes_are_the_clipped_receptive_field_of_the_peak_unit(trained):
    model, data = trained
    x = data[:100]
    rf = receptive_fields(model)["conv3"]  # 7x7 grid, fields of 18 pixels: most hang over
    result = top_activating_patches(model, x, "conv3", 5, k=20)
    clipped = 0
    for (row, col), box, index, patch in zip(
        result.positions, result.boxes, result.indices, result.patches, strict=True
    ):
        (top, bottom), (left, right) = rf.box((int(row), int(col)))
        expected = [max(top, 0), max(left, 0), min(bottom + 1, 28), min(right + 1, 28)]
        assert box.tolist() == expected
        clipped += expected != [top, left, bottom + 1, right + 1]
        assert patch.shape == (expected[2] - expected[0], expected[3] - expected[1], 1)
        np.testing.assert_array_equal(
            patch, x[index, expected[0] : expected[2], expected[1] : expected[3]]
        )
    assert clipped > 0, "no box was clipped: the test lost its point"


def test_box_by_hand_for_a_corner_unit(keras):
    """A 5x5 'same' convolution of ones: a bright pixel at (0, 0) peaks at unit (0, 0),
    whose field (rows and columns -2..2) is clipped to 0..2."""
    model = keras.Sequential(
        [keras.Input((10, 10, 1)), keras.layers.Conv2D(1, 5, padding="same", name="c")]
    )
    model.layers[0].set_weights([np.ones((5, 5, 1, 1)), np.zeros(1)])
    x = np.zeros((3, 10, 10, 1), "float32")
    x[0, 0, 0] = 1.0
    x[1, 5, 6] = 2.0  # the strongest: unit (3, 4) is the first to see it whole
    result = top_activating_patches(model, x, "c", 0, k=2)
    assert result.indices.tolist() == [1, 0]
    np.testing.assert_allclose(result.scores, [2.0, 1.0])
    assert result.positions.tolist() == [[3, 4], [0, 0]]
    assert result.boxes.tolist() == [[1, 2, 6, 7], [0, 0, 3, 3]]
    assert [p.shape for p in result.patches] == [(5, 5, 1), (3, 3, 1)]
    assert result.patches[0][4, 4, 0] == 2.0 and result.patches[1][0, 0, 0] == 1.0


def test_residual_unit_and_nested_layers(resnet, nested_cnn, batch):
    x = np.random.default_rng(0).random((40, 28, 28, 1), dtype=np.float32)
    result = top_activating_patches(resnet, x, "res1_1", 7, k=5, batch_size=16)
    _check_against_feature_maps(resnet, x, "res1_1", 7, result)
    rf = receptive_fields(resnet)["res1_1"]
    for (row, col), box in zip(result.positions, result.boxes, strict=True):
        (top, bottom), (left, right) = rf.box((int(row), int(col)))
        assert box.tolist() == [max(top, 0), max(left, 0), min(bottom + 1, 28), min(right + 1, 28)]
    inner = top_activating_patches(nested_cnn, batch, "inner_conv", 2, k=3)
    _check_against_feature_maps(nested_cnn, batch, "inner_conv", 2, inner)


def test_result_is_frozen(tiny_cnn, batch):
    result = top_activating_patches(tiny_cnn, batch, "conv1", 0, k=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.channel = 1
    with pytest.raises(ValueError, match="read-only"):
        result.scores[0] = 0.0


# -- activation maximisation --------------------------------------------------------------


def test_activation_maximization_is_deterministic(tiny_cnn):
    first = activation_maximization(tiny_cnn, "conv2", 1, steps=30, seed=3)
    again = activation_maximization(tiny_cnn, "conv2", 1, steps=30, seed=3)
    other = activation_maximization(tiny_cnn, "conv2", 1, steps=30, seed=4)
    assert first.shape == (8, 8, 3) and first.dtype == np.float32
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert first.min() >= 0.0 and first.max() <= 1.0
    shifted = activation_maximization(tiny_cnn, "conv2", 1, steps=30, value_range=(-1, 1))
    assert shifted.min() >= -1.0 and shifted.max() <= 1.0 and shifted.min() < 0.0


def test_activation_maximization_beats_random_and_real_images(trained):
    model, data = trained
    rng = np.random.default_rng(0)
    noise = rng.random((200, 28, 28, 1), dtype=np.float32)
    for layer, channel in [("conv1", 0), ("conv2", 4), ("conv3", 6)]:
        image = activation_maximization(model, layer, channel)
        reached = _centre(model, image[None], layer, channel)[0]
        assert reached > _centre(model, data, layer, channel).max(), (layer, channel)
        assert reached > _centre(model, noise, layer, channel).max(), (layer, channel)


def _silent_on_grey(keras, bias):
    """One 3x3 conv unit that sees only its centre pixel: relu(pixel + bias)."""
    conv = keras.layers.Conv2D(1, 3, activation="relu", name="c")
    model = keras.Sequential([keras.Input((9, 9, 1)), conv])
    kernel = np.zeros((3, 3, 1, 1))
    kernel[1, 1] = 1.0
    conv.set_weights([kernel, np.full(1, bias)])
    return model


def test_a_unit_silent_on_grey_wakes_up(keras):
    """relu(pixel - 0.8) is 0 on grey (0.5) and has no gradient there; ascent still finds
    the bright pixel that makes it fire (no blur: it would spread that one pixel)."""
    model = _silent_on_grey(keras, -0.8)
    image = activation_maximization(model, "c", 0, steps=40, blur_every=0)
    assert image[4, 4, 0] == pytest.approx(1.0)
    assert _centre(model, image[None], "c", 0)[0] == pytest.approx(0.2, abs=1e-6)


def test_a_dead_unit_is_reported(keras):
    model = _silent_on_grey(keras, -5.0)  # fires on no image in [0, 1]
    with pytest.warns(RuntimeWarning, match=r"channel\(s\) \[0\] .* may be dead"):
        activation_maximization(model, "c", 0, steps=10)


def test_activation_maximization_inside_a_nested_model(nested_cnn):
    image = activation_maximization(nested_cnn, "inner_conv", 4, steps=40)
    start = activation_maximization(nested_cnn, "inner_conv", 4, steps=1, learning_rate=1e-6)
    assert image.shape == (8, 8, 3)
    reached = _centre(nested_cnn, image[None], "inner_conv", 4)[0]
    assert reached > _centre(nested_cnn, start[None], "inner_conv", 4)[0] + 0.1


def test_pixels_outside_the_receptive_field_stay_at_the_start(trained):
    model, _ = trained
    images = maximize_channels(model, "conv2", [0, 1, 2], steps=30)
    (top, bottom), (left, right) = receptive_fields(model)["conv2"].box((7, 7))
    inside = np.zeros((28, 28), bool)
    inside[max(top, 0) : bottom + 1, max(left, 0) : right + 1] = True
    assert 0 < inside.sum() < 28 * 28
    for image in images[1:]:  # same seed: same start, so the same pixels outside
        np.testing.assert_array_equal(image[~inside], images[0][~inside])
        assert not np.array_equal(image[inside], images[0][inside])
    assert np.abs(images[0][~inside] - 0.5).max() < 0.15  # grey plus a little noise


def test_maximize_channels_matches_one_channel_at_a_time(trained):
    model, _ = trained
    batch = maximize_channels(model, "conv2", [4, 9], steps=40)
    one = activation_maximization(model, "conv2", 9, steps=40)
    # two images and one pick different kernels; 40 steps of two convolutions forward and
    # back (at most 3 * 3 * 8 = 72 terms) on images in [0, 1] (tests/numeric.py, rule 4)
    np.testing.assert_allclose(batch[1], one, **numeric.network(depth=40 * 4, fan_in=72))


def test_activation_maximization_on_a_residual_unit_in_bfloat16(keras, bfloat16_convolutions):
    try:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
        keras.utils.set_random_seed(0)
        model = vz.models.small_resnet(stages=((16, 1),), stem_filters=8)
        image = activation_maximization(model, "res1_1", 3, steps=20)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert image.shape == (28, 28, 1) and image.dtype == np.float32
    assert np.isfinite(image).all()
    grey = np.full((1, 28, 28, 1), 0.5, np.float32)
    assert _centre(model, image[None], "res1_1", 3)[0] > _centre(model, grey, "res1_1", 3)[0]


# -- displays -----------------------------------------------------------------------------


def test_top_patches_display_draws_k_boxed_images(trained):
    model, data = trained
    display = vz.TopPatchesDisplay.from_model(model, data[:100], "conv2", 3, k=4)
    result = top_activating_patches(model, data[:100], "conv2", 3, k=4)
    drawn = [ax for ax in display.axes_.flat if ax.get_visible()]
    assert len(drawn) == 4 and len(display.rectangles_) == 4
    for ax, rect, box, score in zip(
        drawn, display.rectangles_, result.boxes, result.scores, strict=True
    ):
        assert rect in ax.patches
        top, left, bottom, right = box.tolist()
        assert rect.get_xy() == (left - 0.5, top - 0.5)
        assert (rect.get_width(), rect.get_height()) == (right - left, bottom - top)
        assert f"{score:.3g}" in ax.get_title()
        assert ax.images[0].get_cmap().name == "gray"
    again = vz.TopPatchesDisplay.from_result(result, data[:100], ncols=2)
    assert again.axes_.shape == (2, 2) and again.figure_ is not display.figure_


def test_activation_maximization_display(trained, tiny_cnn):
    model, _ = trained
    display = vz.ActivationMaximizationDisplay.from_model(model, "conv1", [0, 3, 5], steps=10)
    assert display.images_.shape == (3, 28, 28, 1)
    titles = [ax.get_title() for ax in display.axes_.flat if ax.get_visible()]
    assert titles == ["channel 0", "channel 3", "channel 5"]
    image = display.axes_.flat[0].images[0]
    assert image.get_cmap().name == "gray" and image.get_clim() == (0.0, 1.0)
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 4)
    again = vz.ActivationMaximizationDisplay(display.images_, channels=[0, 3, 5]).plot(ax=axes)
    assert again.figure_ is figure and not axes[3].get_visible()
    rgb = vz.ActivationMaximizationDisplay.from_model(tiny_cnn, "conv1", 2, steps=5)
    assert rgb.images_.shape == (1, 8, 8, 3)
    assert rgb.axes_.flat[0].images[0].get_array().shape == (8, 8, 3)


def test_top_patches_display_updates_in_place(tiny_cnn, batch):
    x = np.concatenate([batch, 1.0 - batch])  # 6 images in [0, 1]
    labels = [f"L{i}" for i in range(6)]
    first = top_activating_patches(tiny_cnn, x, "conv2", 0, k=3)
    second = top_activating_patches(tiny_cnn, x, "conv2", 4, k=3)
    display = vz.TopPatchesDisplay.from_result(first, x, labels=labels, value_range=(0, 1))
    figure, axes = display.figure_, len(display.figure_.axes)
    artists, titles = list(display.image_artists_), list(display.titles_)
    rectangles = list(display.rectangles_)
    before = [title.get_text() for title in titles]
    assert display.update(second) is display and display.result is second
    # the same figure, Axes and artists: only what they show changed
    assert display.figure_ is figure and len(figure.axes) == axes
    assert display.image_artists_ == artists and display.titles_ == titles
    assert display.rectangles_ == rectangles
    assert [title.get_text() for title in titles] != before
    for n, (index, box) in enumerate(zip(second.indices, second.boxes, strict=True)):
        # RGB on the range (0, 1) reaches the screen as it is
        np.testing.assert_allclose(artists[n].get_array(), x[index], **numeric.elementwise())
        assert titles[n].get_text() == f"#{index} L{index}: {second.scores[n]:.3g}"
        top, left, bottom, right = box.tolist()
        assert rectangles[n].get_xy() == (left - 0.5, top - 0.5)
        assert (rectangles[n].get_width(), rectangles[n].get_height()) == (
            right - left,
            bottom - top,
        )
    with pytest.raises(ValueError, match="result must hold the 3 images drawn, got 2"):
        display.update(top_activating_patches(tiny_cnn, x, "conv2", 1, k=2))
    assert display.result is second  # a refused update changes nothing
    with pytest.raises(RuntimeError, match=r"call plot\(\) first"):
        vz.TopPatchesDisplay(first, x).update(second)
    with pytest.raises(ValueError, match=r"labels must give one caption per image \(6\)"):
        vz.TopPatchesDisplay.from_result(first, x, labels=["a"])


def test_activation_maximization_display_updates_in_place():
    rng = np.random.default_rng(5)
    grey = rng.random((2, 6, 6, 1), dtype=np.float32)
    display = vz.ActivationMaximizationDisplay.from_result(grey, channels=[1, 2])
    figure, artists, titles = display.figure_, list(display.image_artists_), list(display.titles_)
    other = 1.0 - grey
    assert display.update(other, channels=[7, 3]) is display
    assert display.figure_ is figure and display.image_artists_ == artists
    assert display.titles_ == titles
    assert [t.get_text() for t in titles] == ["channel 7", "channel 3"]
    for artist, image in zip(artists, other, strict=True):
        np.testing.assert_allclose(artist.get_array(), image[..., 0], **numeric.elementwise())
        assert artist.get_clim() == (0.0, 1.0)
    with pytest.raises(ValueError, match="images must hold the 2 images drawn, got 1"):
        display.update(grey[:1])
    with pytest.raises(ValueError, match="one channel per image"):
        display.update(grey, channels=[0])
    assert display.channels_ == [7, 3]  # refused updates change nothing
    with pytest.raises(RuntimeError, match=r"call plot\(\) first"):
        vz.ActivationMaximizationDisplay(grey).update(grey)


# -- bad inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(channel=-1), ValueError, r"channel must be in 0\.\.5"),
        (dict(channel=6), ValueError, r"channel must be in 0\.\.5"),
        (dict(channel=1.0), TypeError, "channel must be an int"),
        (dict(layer="dense"), ValueError, "not a convolutional layer"),
        (dict(layer="gap"), ValueError, "not a convolutional layer"),
        (dict(layer="nope"), ValueError, "layer='nope'"),
        (dict(k=0), ValueError, r"k must be in 1\.\.3"),
        (dict(k=4), ValueError, r"k must be in 1\.\.3"),
        (dict(k=2.0), TypeError, "k must be an int"),
        (dict(batch_size=0), ValueError, "batch_size"),
        (dict(x=np.zeros((8, 8, 3))), ValueError, "x must be a batch"),
        (dict(x=np.zeros((2, 8, 8, 1))), ValueError, "x has 1 channels"),
        (dict(x="images"), TypeError, "x must be a numeric array"),
    ],
)
def test_top_patches_bad_inputs(tiny_cnn, batch, kwargs, error, match):
    args = dict(x=batch, layer="conv2", channel=0) | kwargs
    extra = {key: args.pop(key) for key in ("k", "batch_size") if key in args}
    with pytest.raises(error, match=match):
        top_activating_patches(tiny_cnn, args["x"], args["layer"], args["channel"], **extra)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(channel=-1), ValueError, r"channel must be in 0\.\.5"),
        (dict(channel=6), ValueError, r"channel must be in 0\.\.5"),
        (dict(channel="0"), TypeError, "channel must be an int"),
        (dict(layer="dense"), ValueError, "not a convolutional layer"),
        (dict(steps=0), ValueError, "steps must be >= 1"),
        (dict(steps=2.5), TypeError, "steps must be an int"),
        (dict(learning_rate=0), ValueError, "learning_rate must be > 0"),
        (dict(seed=-1), ValueError, "seed must be >= 0"),
        (dict(value_range=(1.0, 0.0)), ValueError, "value_range must have low < high"),
        (dict(value_range=0.5), TypeError, "value_range must be a pair"),
        (dict(image_shape=(9, 9, 3)), ValueError, "image_shape"),
        (dict(image_shape=(8, 8)), ValueError, "image_shape"),
        (dict(jitter=-1), ValueError, "jitter must be >= 0"),
        (dict(blur_every=1.5), TypeError, "blur_every must be an int"),
    ],
)
def test_activation_maximization_bad_inputs(tiny_cnn, kwargs, error, match):
    args = dict(layer="conv2", channel=0) | kwargs
    layer, channel = args.pop("layer"), args.pop("channel")
    with pytest.raises(error, match=match):
        activation_maximization(tiny_cnn, layer, channel, **args)


def test_display_bad_inputs(tiny_cnn, batch):
    result = top_activating_patches(tiny_cnn, batch, "conv1", 0, k=3)
    with pytest.raises(TypeError, match="result must be"):
        vz.TopPatchesDisplay.from_result(batch, batch)
    with pytest.raises(ValueError, match="x holds 2 images"):
        vz.TopPatchesDisplay.from_result(result, batch[:2])
    with pytest.raises(ValueError, match=r"channels\[1\]"):
        vz.ActivationMaximizationDisplay.from_model(tiny_cnn, "conv1", [0, 9], steps=2)
    with pytest.raises(ValueError, match="channels must name at least one"):
        vz.ActivationMaximizationDisplay.from_model(tiny_cnn, "conv1", [], steps=2)
    with pytest.raises(ValueError, match="one channel per image"):
        vz.ActivationMaximizationDisplay.from_result(np.zeros((2, 8, 8, 1)), channels=[0])


def test_numpy_scalars_are_accepted_and_bools_refused(tiny_cnn, batch):
    result = top_activating_patches(tiny_cnn, batch, "conv2", np.int64(1), k=np.int32(2))
    assert result.channel == 1 and len(result) == 2
    image = activation_maximization(
        tiny_cnn,
        "conv2",
        np.int64(1),
        steps=np.int64(3),
        learning_rate=np.float32(0.05),
        value_range=(np.float32(0.0), np.float64(1.0)),
    )
    assert image.shape == (8, 8, 3)
    with pytest.raises(TypeError, match="channel must be an int"):
        top_activating_patches(tiny_cnn, batch, "conv2", True)
    with pytest.raises(TypeError, match="steps must be an int"):
        activation_maximization(tiny_cnn, "conv2", 0, steps=True)
    with pytest.raises(ValueError, match="learning_rate must be a finite number"):
        activation_maximization(tiny_cnn, "conv2", 0, learning_rate=float("nan"))


def test_channel_peaks_rank_every_channel_as_top_activating_patches_does(tiny_cnn, batch):
    peaks = channel_peaks(tiny_cnn, batch, "conv2", batch_size=3)
    maps = feature_maps(tiny_cnn, batch, "conv2")
    assert peaks.layer == "conv2" and peaks.grid == maps.shape[1:3] and peaks.finite
    assert peaks.channels == maps.shape[-1] == 6
    flat = maps.reshape(len(batch), -1, 6)
    # graph and eager runs may sum a convolution's terms in another order (numeric.py)
    close = numeric.network(depth=2, fan_in=36, magnitude=float(np.abs(maps).max()) + 1.0)
    np.testing.assert_allclose(peaks.scores, flat.max(axis=1), **close)
    _, field = vz.inspection.field_of(tiny_cnn, "conv2")
    k = min(3, len(batch))
    for channel in range(6):
        want = top_activating_patches(tiny_cnn, batch, "conv2", channel, k=k)
        got = peaks.top(batch, channel, k=k, field=field)
        assert (got.layer, got.channel) == (want.layer, want.channel)
        for name in ("indices", "positions", "boxes"):
            np.testing.assert_array_equal(getattr(got, name), getattr(want, name))
        np.testing.assert_allclose(got.scores, want.scores, **close)
        assert peaks.peak_unit(int(want.indices[0]), channel) == tuple(want.positions[0])
    with pytest.raises(ValueError, match=r"channel must be in 0..5"):
        peaks.top(batch, 6, k=1)
    with pytest.raises(ValueError, match=r"k must be in 1.."):
        peaks.top(batch, 0, k=0)
    with pytest.raises(ValueError, match="x must be the"):
        peaks.top(batch[:1], 0, k=1)
    whole = peaks.top(batch, 0, k=1)  # no field: the whole image
    np.testing.assert_array_equal(whole.boxes, [[0, 0, 8, 8]])
