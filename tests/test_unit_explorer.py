"""UnitExplorer: driven by setting .value and clicking, checked by what it drew and wrote."""

import numpy as np
import pytest

import vizcnn as vz
import vizcnn.inspection as inspection

# the real functions, taken before any test patches them (vz.* resolves lazily)
from vizcnn.inspection import (
    activation_maximization,
    effective_receptive_field,
    field_of,
    top_activating_patches,
    top_patches,
)
from vizcnn.inspection.top_patches import channel_peaks

PNG = b"\x89PNG"


@pytest.fixture
def model(keras):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            keras.layers.Conv2D(6, 3, padding="same", activation="relu", name="conv1"),
            keras.layers.Conv2D(5, 3, strides=2, padding="same", activation="relu", name="conv2"),
            keras.layers.Conv2D(4, 3, name="conv3"),
            keras.layers.Flatten(name="flat"),
            keras.layers.Dense(2, name="dense"),
        ],
        name="explored",
    )


@pytest.fixture
def images():
    return np.random.default_rng(2).random((16, 12, 12, 1), dtype=np.float32)


@pytest.fixture
def calls(monkeypatch):
    """What the explorer computes with TensorFlow, in order (the real functions run)."""
    seen = []

    def counting(name, real):
        def wrapper(*args, **kwargs):
            seen.append(name)
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(top_patches, "channel_peaks", counting("maps", channel_peaks))
    monkeypatch.setattr(
        inspection, "effective_receptive_field", counting("erf", effective_receptive_field)
    )

    def quick_maximization(*args, **kwargs):  # fewer steps: the test is about the widget
        seen.append("am")
        return activation_maximization(*args, steps=10, **kwargs)

    monkeypatch.setattr(inspection, "activation_maximization", quick_maximization)
    return seen


def drawn(artist):
    return np.asarray(artist.get_array())


def rectangle_box(rectangle):
    """A Rectangle as the inclusive pixel box ``((top, bottom), (left, right))``."""
    x, y = rectangle.get_xy()
    left, top = int(x + 0.5), int(y + 0.5)
    return (top, top + int(rectangle.get_height()) - 1), (
        left,
        left + int(rectangle.get_width()) - 1,
    )


def status_text(explorer):
    return explorer.status_html.value


def test_starts_on_the_first_layer_and_its_centre_unit(model, images):
    explorer = vz.UnitExplorer(model, images)
    assert explorer.layer_dropdown.options == ("conv1", "conv2", "conv3")
    assert (explorer.row_slider.max, explorer.column_slider.max) == (11, 11)
    assert explorer.position == (6, 6)
    assert explorer.channel_slider.max == 5
    assert explorer.image_slider.max == 15
    _, field = field_of(model, "conv1")
    assert explorer.unit_box == field.box((6, 6)) == ((5, 7), (5, 7))
    assert rectangle_box(explorer.unit_rectangle) == field.box((6, 6))
    assert rectangle_box(explorer.erf_rectangle) == field.box((6, 6))
    np.testing.assert_array_equal(drawn(explorer.image_artist), images[0, ..., 0])
    assert explorer.picture.value[:4] == PNG
    status = status_text(explorer)
    assert "<b>conv1</b>: grid 12&times;12, 6 channels" in status
    assert "<b>channel 0</b>, unit (6, 6): receptive field 3&times;3 pixels" in status
    assert explorer.error is None
    assert repr(explorer) == "UnitExplorer(layer 'conv1', channel 0, unit (6, 6), image 0)"


def test_unit_sliders_move_the_box_and_the_effective_field(model, images):
    explorer = vz.UnitExplorer(model, images, layers=["conv2"])
    explorer.row_slider.value = 0
    explorer.column_slider.value = 4
    _, field = field_of(model, "conv2")
    assert explorer.unit_box == field.box((0, 4)) == ((-1, 3), (7, 11))  # over the border
    assert rectangle_box(explorer.unit_rectangle) == field.box((0, 4))
    expected = effective_receptive_field(model, images[:8], "conv2", position=(0, 4))
    np.testing.assert_allclose(explorer.effective_field, expected, rtol=1e-6)
    np.testing.assert_allclose(drawn(explorer.erf_artist), expected, rtol=1e-6)
    # the gradient lives inside the theoretical field
    outside = np.ones(expected.shape, bool)
    outside[0:4, 7:12] = False
    assert expected[outside].max() == 0 and expected.max() > 0
    assert "receptive field 5&times;5 pixels (rows -1&ndash;3, columns 7&ndash;11)" in (
        status_text(explorer)
    )


def test_top_panels_show_what_top_activating_patches_returns(model, images):
    explorer = vz.UnitExplorer(model, images, layers=["conv2", "conv3"], k=4)
    for layer, channel in [("conv2", 0), ("conv2", 3), ("conv3", 2)]:
        explorer.layer_dropdown.value = layer
        explorer.channel_slider.value = channel
        expected = top_activating_patches(model, images, layer, channel, k=4)
        shown = explorer.top_patches
        assert (shown.layer, shown.channel) == (layer, channel)
        np.testing.assert_array_equal(shown.indices, expected.indices)
        np.testing.assert_array_equal(shown.positions, expected.positions)
        np.testing.assert_array_equal(shown.boxes, expected.boxes)
        np.testing.assert_allclose(shown.scores, expected.scores, rtol=1e-5)
        for patch, want in zip(shown.patches, expected.patches, strict=True):
            np.testing.assert_array_equal(patch, want)
        for n, (index, (top, left, bottom, right)) in enumerate(
            zip(expected.indices, expected.boxes, strict=True)
        ):
            np.testing.assert_array_equal(drawn(explorer.top_images[n]), images[index, ..., 0])
            box = ((top, bottom - 1), (left, right - 1))
            assert rectangle_box(explorer.top_rectangles[n]) == box
            assert explorer.top_titles[n].get_text() == f"#{index}: {expected.scores[n]:.3g}"


def test_changing_channel_updates_titles_and_status_without_tensorflow(model, images, calls):
    explorer = vz.UnitExplorer(model, images, labels=[f"L{i}" for i in range(16)])
    assert calls == ["maps", "erf"]
    titles = [t.get_text() for t in explorer.top_titles]
    before = explorer.picture.value
    explorer.channel_slider.value = 4
    assert calls == ["maps", "erf"]  # NumPy only: maps and field were cached
    assert [t.get_text() for t in explorer.top_titles] != titles
    top = explorer.top_patches
    assert explorer.top_titles[0].get_text() == (
        f"#{top.indices[0]} L{top.indices[0]}: {top.scores[0]:.3g}"
    )
    assert "channel 4:" in explorer.top_header.get_text()
    assert "<b>channel 4</b>" in status_text(explorer)
    assert explorer.picture.value not in (b"", before)
    explorer.image_slider.value = 3
    assert "image 3: L3: channel 4 peaks at" in status_text(explorer)
    assert explorer.image_title.get_text() == "image 3: L3"
    assert calls == ["maps", "erf"]


def test_layer_change_resets_the_sliders_and_caches(model, images, calls):
    explorer = vz.UnitExplorer(model, images)
    explorer.channel_slider.value = 5
    explorer.row_slider.value = 11
    explorer.layer_dropdown.value = "conv3"  # 4x4 grid, 4 channels
    assert (explorer.row_slider.max, explorer.column_slider.max) == (3, 3)
    assert explorer.position == (2, 2)
    assert explorer.channel_slider.max == 3 and explorer.channel_slider.value == 3
    _, field = field_of(model, "conv3")
    assert rectangle_box(explorer.unit_rectangle) == field.box((2, 2))
    assert "<b>conv3</b>: grid 4&times;4, 4 channels" in status_text(explorer)
    explorer.layer_dropdown.value = "conv1"  # back: served from the cache
    assert explorer.position == (6, 6) and explorer.row_slider.max == 11
    # conv1 and its units (6, 6), (11, 6); conv3 and its (2, 2); conv1 (6, 6) is cached
    assert calls == ["maps", "erf", "erf", "maps", "erf"]


def test_activation_maximisation_only_when_asked_and_cached(model, images, calls):
    explorer = vz.UnitExplorer(model, images, layers=["conv2"])
    assert explorer.maximized == {}
    assert explorer.maximization_placeholder.get_visible()
    assert not explorer.maximization_image.get_visible()
    assert "not computed yet" in status_text(explorer)

    explorer.channel_slider.value = 2
    explorer.maximize_button.click()
    assert calls.count("am") == 1
    image = explorer.maximized[("conv2", 2)]
    assert image.shape == (12, 12, 1)
    assert explorer.maximization_image.get_visible()
    assert not explorer.maximization_placeholder.get_visible()
    np.testing.assert_array_equal(drawn(explorer.maximization_image), image[..., 0])
    assert "activation maximisation: shown" in status_text(explorer)

    explorer.maximize_button.click()  # cached: the same image, no new ascent
    assert calls.count("am") == 1
    assert explorer.maximized[("conv2", 2)] is image

    explorer.channel_slider.value = 3  # another channel: placeholder again
    assert explorer.maximization_placeholder.get_visible()
    assert not explorer.maximization_image.get_visible()
    explorer.channel_slider.value = 2  # back: drawn from the cache
    assert explorer.maximization_image.get_visible() and calls.count("am") == 1

    explorer.auto_checkbox.value = True  # auto: the current channel at once, then each new
    explorer.channel_slider.value = 4
    assert calls.count("am") == 2 and ("conv2", 4) in explorer.maximized


def test_a_failure_is_shown_in_the_widget_not_raised(model, images, monkeypatch):
    def broken_for_conv2(model, x, layer, **kwargs):
        if layer.name == "conv2":
            raise RuntimeError("out of memory")
        return channel_peaks(model, x, layer, **kwargs)

    monkeypatch.setattr(top_patches, "channel_peaks", broken_for_conv2)
    explorer = vz.UnitExplorer(model, images)
    first_picture = explorer.picture.value

    explorer.layer_dropdown.value = "conv2"  # must not raise
    status = status_text(explorer)
    assert "Could not compute the feature maps of layer &#x27;conv2&#x27;: out of memory" in status
    assert "Traceback" not in status and "RuntimeError" not in status
    assert explorer.error == "Could not compute the feature maps of layer 'conv2': out of memory"
    assert explorer.top_patches is None and not explorer.image_axes.get_visible()
    assert explorer.picture.value not in (b"", first_picture)
    explorer.channel_slider.value = 1  # still broken: the same words, nothing raised
    assert explorer.error.endswith("out of memory")

    explorer.layer_dropdown.value = "conv3"  # a good layer: the widget works again
    assert explorer.error is None and explorer.image_axes.get_visible()
    assert "<b>conv3</b>" in status_text(explorer) and "Could not" not in status_text(explorer)


def test_a_layer_that_failed_is_retried_with_its_own_slider_ranges(model, images, monkeypatch):
    failures = ["conv3"]

    def flaky(model, x, layer, **kwargs):
        if layer.name in failures:
            failures.remove(layer.name)
            raise RuntimeError("busy")
        return channel_peaks(model, x, layer, **kwargs)

    monkeypatch.setattr(top_patches, "channel_peaks", flaky)
    explorer = vz.UnitExplorer(model, images)
    explorer.row_slider.value = 11
    explorer.layer_dropdown.value = "conv3"
    assert explorer.error.endswith("busy") and explorer.row_slider.max == 11
    explorer.channel_slider.value = 1  # the next change retries, and now it works
    assert explorer.error is None
    assert explorer.position == (2, 2) and explorer.row_slider.max == 3
    assert explorer.channel_slider.max == 3 and explorer.channel_slider.value == 1
    assert "<b>conv3</b>: grid 4&times;4" in status_text(explorer)


def test_partial_failures_leave_the_other_panels(model, images, monkeypatch):
    def no_gradient(*args, **kwargs):
        raise ValueError("no gradient here")

    def no_ascent(*args, **kwargs):
        raise RuntimeError("ascent broke")

    monkeypatch.setattr(inspection, "effective_receptive_field", no_gradient)
    monkeypatch.setattr(inspection, "activation_maximization", no_ascent)
    explorer = vz.UnitExplorer(model, images, k=3)
    assert (
        explorer.error == "Could not measure the effective field of unit (6, 6): no gradient here"
    )
    assert explorer.effective_field is None and not explorer.erf_artist.get_visible()
    assert explorer.top_patches is not None and explorer.image_axes.get_visible()
    explorer.maximize_button.click()  # must not raise
    assert "Could not compute the activation maximisation of channel 0: ascent broke" in (
        explorer.error
    )
    assert explorer.maximized == {} and not explorer.maximize_button.disabled
    assert "ascent broke" in status_text(explorer)


def test_nan_feature_maps_are_a_message(model, images):
    kernel, bias = model.get_layer("conv3").get_weights()
    model.get_layer("conv3").set_weights([np.full_like(kernel, np.nan), bias])
    explorer = vz.UnitExplorer(model, images)
    explorer.layer_dropdown.value = "conv3"
    assert "NaN or infinite" in explorer.error and "'conv3'" in explorer.error
    explorer.layer_dropdown.value = "conv1"
    assert explorer.error is None


def test_rgb_images_and_nested_layers(nested_cnn, keras):
    x = np.random.default_rng(3).random((10, 8, 8, 3), dtype=np.float32) * 2 - 1
    explorer = vz.UnitExplorer(nested_cnn, x, layers=["block/inner_conv"], k=2)
    assert explorer.layer_dropdown.options == ("inner_conv",)
    assert explorer.position == (3, 3) and explorer.error is None
    top = top_activating_patches(nested_cnn, x, "inner_conv", 0, k=2)
    np.testing.assert_array_equal(explorer.top_patches.indices, top.indices)
    # RGB drawn as RGB, scaled from the images' range to [0, 1]
    low, high = x.min(), x.max()
    want = (x[top.indices[0]] - low) / (high - low)
    np.testing.assert_allclose(drawn(explorer.top_images[0]), want, rtol=1e-5, atol=1e-6)
    _, field = field_of(nested_cnn, "inner_conv")
    assert rectangle_box(explorer.unit_rectangle) == field.box((3, 3))
    assert "receptive field 5&times;5 pixels" in status_text(explorer)


def test_real_images(keras):
    (_, _), (_, _), (X_test, y_test) = vz.data.load_fashion_mnist()
    x = vz.data.scale_images(X_test[:40])
    names = [vz.data.FASHION_MNIST_CLASSES[y] for y in y_test[:40]]
    keras.utils.set_random_seed(4)
    cnn = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(8, 5, activation="relu", name="conv"),
            keras.layers.MaxPool2D(2, name="pool"),
        ]
    )
    explorer = vz.UnitExplorer(cnn, x, labels=names)
    explorer.layer_dropdown.value = "pool"
    explorer.channel_slider.value = 6
    top = top_activating_patches(cnn, x, "pool", 6)
    np.testing.assert_array_equal(explorer.top_patches.indices, top.indices)
    for n, index in enumerate(top.indices):
        np.testing.assert_array_equal(drawn(explorer.top_images[n]), x[index, ..., 0])
        assert explorer.top_titles[n].get_text().startswith(f"#{index} {names[index]}: ")
    assert explorer.position == (6, 6)
    _, field = field_of(cnn, "pool")
    assert explorer.unit_box == field.box((6, 6)) and field.size == (6, 6)
    assert "receptive field 6&times;6 pixels" in status_text(explorer)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"layers": ["dense"]}, ValueError, r"layers \['dense'\] do not output 4-D"),
        ({"layers": ["flat", "conv1"]}, ValueError, r"layers \['flat'\] do not output 4-D"),
        ({"layers": ["nope"]}, ValueError, r"layers\[0\]='nope' is not a layer"),
        ({"layers": "conv1"}, TypeError, "layers must be a list"),
        ({"layers": []}, ValueError, "layers is empty"),
        ({"labels": ["a"]}, ValueError, r"labels must give one caption per image \(16\), got 1"),
        ({"labels": "abcd"}, TypeError, "labels must be a sequence"),
        ({"k": 0}, ValueError, r"k must be in 1..16"),
        ({"k": 17}, ValueError, r"k must be in 1..16 \(images holds 16 images\), got 17"),
        ({"k": 2.0}, TypeError, "k must be an int"),
    ],
)
def test_bad_arguments(model, images, kwargs, error, match):
    with pytest.raises(error, match=match):
        vz.UnitExplorer(model, images, **kwargs)


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        (np.zeros((2, 12, 12, 3)), ValueError, "images has 3 channels"),
        (np.zeros((12, 12, 1)), ValueError, "images must be a batch"),
        (np.zeros((2, 10, 10, 1)), ValueError, "images has spatial shape"),
        ([["a"]], TypeError, "images"),
    ],
)
def test_bad_images(model, bad, error, match):
    with pytest.raises(error, match=match):
        vz.UnitExplorer(model, bad)


def test_bad_model():
    with pytest.raises(TypeError, match="model must be a keras.Model"):
        vz.UnitExplorer("model", np.zeros((1, 8, 8, 3)))


def test_panels_are_displays_updated_in_place(model, images, calls):
    """The top images and the activation maximisation are TopPatchesDisplay and
    ActivationMaximizationDisplay drawn once into the widget's figure: a change of
    ``.value`` changes their artists' data, never the figure or the artists."""
    explorer = vz.UnitExplorer(model, images, layers=["conv2"], k=4)
    figure, n_axes = explorer.figure, len(explorer.figure.axes)
    top, am = explorer._top_display, explorer._am_display
    assert isinstance(top, vz.TopPatchesDisplay) and top.figure_ is figure
    assert isinstance(am, vz.ActivationMaximizationDisplay) and am.figure_ is figure
    assert explorer.top_images == top.image_artists_ and len(top.image_artists_) == 4
    artists = list(explorer.top_images)
    before = [drawn(artist).copy() for artist in artists]
    boxes = [rectangle_box(r) for r in explorer.top_rectangles]
    explorer.channel_slider.value = 3
    assert explorer.figure is figure and len(figure.axes) == n_axes
    assert explorer._top_display is top and top.result is explorer.top_patches
    assert explorer.top_images == artists == top.image_artists_  # the same artists
    expected = top_activating_patches(model, images, "conv2", 3, k=4)
    for n, index in enumerate(expected.indices):
        np.testing.assert_array_equal(drawn(artists[n]), images[index, ..., 0])
    after = [rectangle_box(r) for r in explorer.top_rectangles]
    changed = [not np.array_equal(b, drawn(a)) for b, a in zip(before, artists, strict=True)]
    assert any(changed) or after != boxes  # channel 3 shows other images or other boxes

    maximization = explorer.maximization_image
    explorer.maximize_button.click()
    assert explorer._am_display is am and explorer.maximization_image is maximization
    assert am.image_artists_ == [maximization] and explorer.figure is figure
    np.testing.assert_array_equal(drawn(maximization), explorer.maximized[("conv2", 3)][..., 0])
    assert am.channels_ == [3] and len(figure.axes) == n_axes


def test_field_panels_are_a_receptive_field_display_updated_in_place(model, images, monkeypatch):
    """The image with the unit's field and the effective field are one
    ReceptiveFieldDisplay drawn once into the widget's figure: every ``.value`` (unit,
    image, layer, channel, the effective-field box) changes its artists' data, never the
    figure or the artists; an unknown field, an effective field off or failed are words."""

    def unknown_for_conv3(model, layer, **kwargs):
        if layer.name == "conv3":
            raise ValueError("cannot follow conv3")
        return field_of(model, layer, **kwargs)

    def failing_at_1_1(model, x, layer, *, position, **kwargs):
        if tuple(position) == (1, 1):
            raise RuntimeError("no gradient")
        return effective_receptive_field(model, x, layer, position=position, **kwargs)

    monkeypatch.setattr(inspection, "field_of", unknown_for_conv3)
    monkeypatch.setattr(inspection, "effective_receptive_field", failing_at_1_1)
    explorer = vz.UnitExplorer(model, images, k=2)
    figure, n_axes = explorer.figure, len(explorer.figure.axes)
    display = explorer._field_display
    assert isinstance(display, vz.ReceptiveFieldDisplay) and display.figure_ is figure
    assert display.axes_ == [explorer.image_axes, explorer.erf_axes]
    artists = (explorer.image_artist, explorer.erf_artist, explorer.unit_rectangle)
    assert artists == (
        display.image_artist_,
        display.effective_image_,
        display.patches_[0]["theoretical"],
    )
    assert explorer.erf_rectangle is display.patches_[1]["theoretical"]
    n_patches = [len(ax.patches) for ax in display.axes_]

    def kept():
        assert explorer.figure is figure and len(figure.axes) == n_axes
        assert explorer._field_display is display and display.figure_ is figure
        assert (explorer.image_artist, explorer.erf_artist, explorer.unit_rectangle) == artists
        assert [len(ax.patches) for ax in display.axes_] == n_patches
        assert explorer.error is None or "no gradient" in explorer.error

    def shows_field(layer, position):
        _, field = field_of(model, layer)
        assert display.box_ == field.box(position) == rectangle_box(explorer.unit_rectangle)
        assert rectangle_box(explorer.erf_rectangle) == field.box(position)
        (top, bottom), (left, right) = field.box(position)
        over = (top < 0) + (left < 0) + (bottom > 11) + (right > 11)
        padding = display.patches_[0]["padding"]
        assert len(padding) == over and all(p.get_visible() for p in padding)
        # the view reaches the field where it hangs over the border
        assert explorer.image_axes.get_xlim()[0] <= min(left, 0) - 0.5
        expected = effective_receptive_field(model, images[:8], layer, position=position)
        np.testing.assert_allclose(drawn(explorer.erf_artist), expected, rtol=1e-6)
        assert explorer.erf_artist.get_visible()

    shows_field("conv1", (6, 6))
    centre_erf = drawn(explorer.erf_artist).copy()
    explorer.row_slider.value = 0  # the unit: to the top border
    explorer.column_slider.value = 0  # and the corner
    kept()
    shows_field("conv1", (0, 0))
    assert not np.array_equal(drawn(explorer.erf_artist), centre_erf)

    explorer.image_slider.value = 5
    kept()
    np.testing.assert_array_equal(drawn(explorer.image_artist), images[5, ..., 0])
    assert explorer.image_title.get_text() == "image 5"

    explorer.layer_dropdown.value = "conv2"  # the centre unit of another layer
    kept()
    shows_field("conv2", explorer.position)
    explorer.channel_slider.value = 3  # a channel: the same unit, the same field
    kept()
    shows_field("conv2", explorer.position)

    explorer.effective_field_checkbox.value = False
    kept()
    assert not explorer.erf_artist.get_visible() and explorer._erf_message.get_visible()
    assert explorer._erf_message.get_text().startswith("effective field:\nnot measured")
    assert not any(p.get_visible() for p in explorer.erf_axes.patches)
    explorer.effective_field_checkbox.value = True
    kept()
    shows_field("conv2", explorer.position)

    explorer.row_slider.value = explorer.column_slider.value = 1  # its gradient fails
    kept()
    assert "no gradient" in explorer.error and not explorer.erf_artist.get_visible()
    assert explorer._erf_message.get_text() == "effective field:\nnot measured"
    assert display.box_ == field_of(model, "conv2")[1].box((1, 1))  # the box still moves

    explorer.layer_dropdown.value = "conv3"  # its field unknown: a box round the image
    kept()
    assert explorer.unit_box is None and display.box_ == ((0, 11), (0, 11))
    assert rectangle_box(explorer.unit_rectangle) == ((0, 11), (0, 11))
    assert display.patches_[0]["padding"] == []
    assert "receptive field unknown" in status_text(explorer)
    assert explorer.error is None and explorer.image_axes.get_visible()
