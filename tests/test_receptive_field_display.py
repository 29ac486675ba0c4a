"""ReceptiveFieldDisplay: the boxes drawn match the computed fields, panels hold real data."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import vizcnn as vz
from vizcnn.display._field_panels import outside as _outside
from vizcnn.inspection import effective_receptive_field


@pytest.fixture
def sample_cnn(keras):
    """A seeded CNN on the notes' 70x120 sample images."""
    keras.utils.set_random_seed(0)
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((70, 120, 3)),
            layers.Conv2D(4, 7, padding="same", activation="relu", name="conv1"),
            layers.MaxPool2D(2, name="pool1"),
            layers.Conv2D(4, 3, padding="same", activation="relu", name="conv2"),
            layers.MaxPool2D(2, name="pool2"),
            layers.Conv2D(4, 3, padding="same", activation="relu", name="conv3"),
            layers.GlobalAveragePooling2D(name="gap"),
        ],
        name="sample_cnn",
    )


@pytest.fixture(scope="module")
def image():
    return vz.data.load_sample_images()[0]


def _rect_box(rect):
    """A matplotlib Rectangle drawn around pixels, as ((top, bottom), (left, right))."""
    x, y = rect.get_xy()
    return (
        (round(y + 0.5), round(y + rect.get_height() - 0.5)),
        (round(x + 0.5), round(x + rect.get_width() - 0.5)),
    )


def test_box_at_the_border_is_split_into_image_and_padding(sample_cnn, image):
    display = vz.ReceptiveFieldDisplay.from_model(sample_cnn, image, layer="conv3", position=(0, 1))
    rf = vz.receptive_fields(sample_cnn)["conv3"]
    assert display.box_ == rf.box((0, 1))
    assert display.box_in_image_ == rf.box_in_image((0, 1))
    (top, bottom), (left, right) = display.box_
    assert top < 0 and left < 0  # this unit's field hangs over the top-left padding
    patches = display.patches_[0]
    assert _rect_box(patches["theoretical"]) == display.box_
    assert patches["theoretical"].get_linestyle() == "--"
    assert _rect_box(patches["in_image"]) == display.box_in_image_
    assert len(patches["padding"]) == 2  # a strip above and one to the left
    assert all(p.get_hatch() == "///" for p in patches["padding"])
    h, w = rf.size
    ih, iw = (hi - lo + 1 for lo, hi in display.box_in_image_)
    assert display.ax_.get_title() == f"conv3 unit (0, 1): field {h}x{w}, {ih}x{iw} in the image"
    # the view is widened to show the part over the padding
    assert display.ax_.get_xlim()[0] < -0.5 and display.ax_.get_ylim()[1] < -0.5


def test_centre_unit_by_default_with_feature_map_panel(sample_cnn, image):
    display = vz.ReceptiveFieldDisplay.from_model(sample_cnn, image, layer="conv2")
    rf = vz.receptive_fields(sample_cnn)["conv2"]
    centre = (rf.grid[0] // 2, rf.grid[1] // 2)
    assert display.position == centre
    assert display.box_ == rf.box(centre) == display.box_in_image_
    assert display.patches_[0]["padding"] == []
    assert len(display.axes_) == 2
    maps = vz.feature_maps(sample_cnn, image[None], "conv2")[0]
    assert display.channel == int(np.argmax(np.abs(maps[centre])))
    drawn = display.axes_[1].get_images()[0].get_array()
    np.testing.assert_allclose(drawn, maps[..., display.channel], rtol=1e-6)
    assert display.unit_patch_.get_xy() == (centre[1] - 0.5, centre[0] - 0.5)
    np.testing.assert_allclose(display.ax_.get_images()[0].get_array(), image)


def test_effective_field_panel_lies_inside_the_exact_box(sample_cnn, image):
    display = vz.ReceptiveFieldDisplay.from_model(
        sample_cnn, image, layer="conv3", position=(5, 9), effective=True, channel=2
    )
    assert len(display.axes_) == 3
    erf = display.axes_[1].get_images()[0].get_array()
    expected = effective_receptive_field(
        sample_cnn, image[None], "conv3", position=(5, 9), channel=2
    )
    np.testing.assert_allclose(erf, expected, rtol=1e-6)
    (top, bottom), (left, right) = display.box_in_image_
    outside = np.ones(erf.shape, dtype=bool)
    outside[top : bottom + 1, left : right + 1] = False
    assert erf[outside].max() == 0  # no gradient outside the field
    assert erf.max() > 0
    assert display.channel == 2
    assert "channel 2" in display.axes_[2].get_title()


def test_effective_field_averaged_over_a_batch(sample_cnn, image):
    batch = vz.data.load_sample_images()
    display = vz.ReceptiveFieldDisplay.from_model(
        sample_cnn, image, layer="conv2", effective=batch, feature_map=False
    )
    expected = effective_receptive_field(sample_cnn, batch, "conv2", position=display.position)
    np.testing.assert_allclose(display.axes_[1].get_images()[0].get_array(), expected, rtol=1e-6)
    assert display.axes_[1].get_title().endswith("mean of 2 inputs")
    with pytest.raises(ValueError, match=r"effective must be a batch of images shaped \(N, H"):
        vz.ReceptiveFieldDisplay.from_model(sample_cnn, image, layer="conv2", effective=image)


def test_global_layer_sees_the_whole_image(sample_cnn, image):
    display = vz.ReceptiveFieldDisplay.from_model(sample_cnn, image, layer="gap")
    assert display.position is None
    assert display.box_ == ((0, 69), (0, 119)) == display.box_in_image_
    assert len(display.axes_) == 1  # no grid, no feature map to mark
    assert display.ax_.get_title() == "gap: every unit sees the whole 70x120 input"


def test_unit_that_sees_only_padding(keras):
    model = keras.Sequential(
        [
            keras.Input((6, 6, 1)),
            keras.layers.ZeroPadding2D(4, name="pad"),
            keras.layers.Conv2D(1, 3, name="conv"),
        ]
    )
    image = np.random.default_rng(0).random((6, 6, 1))
    display = vz.ReceptiveFieldDisplay.from_model(
        model, image, layer="conv", position=(0, 0), feature_map=False
    )
    assert display.box_in_image_ is None
    assert display.patches_[0]["in_image"] is None
    assert display.ax_.get_title().endswith("(only padding)")
    assert not vz.empirical_receptive_field(model, "conv", position=(0, 0)).any()


def test_plot_on_given_axes(sample_cnn, image):
    fig, ax = plt.subplots()
    display = vz.ReceptiveFieldDisplay.from_model(
        sample_cnn, image, layer="conv1", feature_map=False, ax=ax, title="one unit"
    )
    assert display.ax_ is ax and display.figure_ is fig
    assert ax.get_title() == "one unit"
    with pytest.raises(ValueError, match="ax must hold 2 Axes"):
        vz.ReceptiveFieldDisplay.from_model(sample_cnn, image, layer="conv1", ax=ax)


def test_outside_pieces_cover_exactly_the_padding_part():
    for box in [((-3, 4), (-2, 10)), ((5, 12), (90, 130)), ((-8, 80), (-5, 125)), ((2, 5), (3, 6))]:
        (top, bottom), (left, right) = box
        covered = np.zeros((bottom - top + 1, right - left + 1), dtype=int)
        for y0, y1, x0, x1 in _outside(box, 70, 120):
            covered[y0 - top : y1 - top + 1, x0 - left : x1 - left + 1] += 1
        ys, xs = np.mgrid[top : bottom + 1, left : right + 1]
        in_image = (ys >= 0) & (ys < 70) & (xs >= 0) & (xs < 120)
        np.testing.assert_array_equal(covered, (~in_image).astype(int))  # once each, no overlap


def test_bad_input(sample_cnn, image):
    with pytest.raises(ValueError, match=r"one image shaped \(H, W, C\)"):
        vz.ReceptiveFieldDisplay.from_model(sample_cnn, image[None], layer="conv1")
    with pytest.raises(ValueError, match="spatial shape"):
        vz.ReceptiveFieldDisplay.from_model(sample_cnn, image[:50], layer="conv1")
    with pytest.raises(ValueError, match="outside the 17x30 grid"):
        vz.ReceptiveFieldDisplay.from_model(sample_cnn, image, layer="conv3", position=(40, 0))
    with pytest.raises(ValueError, match="channel must be in 0..3"):
        vz.ReceptiveFieldDisplay.from_model(sample_cnn, image, layer="conv3", channel=4)
    with pytest.raises(ValueError, match="close names"):
        vz.ReceptiveFieldDisplay.from_model(sample_cnn, image, layer="conv9")
    with pytest.raises(ValueError, match="position must be None"):
        vz.ReceptiveFieldDisplay.from_model(sample_cnn, image, layer="gap", position=(0, 0))
