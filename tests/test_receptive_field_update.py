"""ReceptiveFieldDisplay.update: another unit, image or field in the same figure and
artists, drawn as a new display would draw it; refused before plot() and for what does
not fit, leaving the display as it was."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import vizcnn as vz
from vizcnn.arithmetic.fields import ReceptiveField

RNG = np.random.default_rng(0)
GREY = RNG.random((8, 10, 1))
OTHER = RNG.random((8, 10, 1))
ERF = RNG.random((8, 10))
FMAP = RNG.random((8, 10))
FIELD = ReceptiveField(size=(3, 3), jump=(1, 1), start=(0, 0), grid=(8, 10), input_size=(8, 10))
WIDE = ReceptiveField(size=(5, 5), jump=(1, 1), start=(0, 0), grid=(8, 10), input_size=(8, 10))


def drawn(artist):
    return np.asarray(artist.get_array())


def shown_boxes(ax):
    """The rectangles visible on ``ax``, as comparable tuples (geometry and style)."""
    return sorted(
        (*p.get_xy(), p.get_width(), p.get_height(), p.get_hatch() or "", p.get_linestyle())
        for p in ax.patches
        if p.get_visible()
    )


def state(display):
    """What a display shows: per panel, its title, limits, visible boxes, and images."""
    panels = []
    for ax in display.axes_:
        images = [drawn(image).tolist() for image in ax.get_images() if image.get_visible()]
        texts = [t.get_text() for t in ax.texts if t.get_visible()]
        limits = (ax.get_xlim(), ax.get_ylim())
        panels.append((ax.title.get_text(), limits, shown_boxes(ax), images, texts))
    return panels


def fresh(image, field, position, **options):
    """The same data drawn by a new display: what update must show."""
    _, axes = plt.subplots(1, 2 + ("feature_map" in options))
    display = vz.ReceptiveFieldDisplay(image, field, position=position, layer_name="c", **options)
    return display.plot(ax=axes)


def test_update_moves_boxes_padding_and_limits_in_the_same_artists():
    display = fresh(GREY, FIELD, (4, 5), effective=ERF, feature_map=FMAP, channel=1)
    figure, artists = display.figure_, (display.image_artist_, display.effective_image_)
    theoretical = display.patches_[0]["theoretical"]
    n_patches = [len(ax.patches) for ax in display.axes_]
    assert display.patches_[0]["padding"] == []  # inside: no padding
    for image, field, position in [
        (OTHER, FIELD, (0, 0)),  # above and left over the padding
        (GREY, WIDE, (7, 9)),  # below and right, a wider field
        (OTHER, FIELD, (3, 0)),  # left only
        (GREY, FIELD, (4, 5)),  # back inside: the padding pieces disappear
    ]:
        erf, fmap = ERF * position[0], FMAP + position[1]
        display.update(image, field, position=position, effective=erf, feature_map=fmap, channel=2)
        want = fresh(image, field, position, effective=erf, feature_map=fmap, channel=2)
        assert state(display) == state(want)
        assert display.box_ == field.box(position)
        (top, bottom), (left, right) = field.box(position)
        over = (top < 0) + (bottom > 7) + (left < 0) + (right > 9)  # sides crossed
        hatched = [p for p in display.ax_.patches if p.get_visible() and p.get_hatch()]
        assert hatched == display.patches_[0]["padding"] and len(hatched) == over
        assert display.figure_ is figure and display.patches_[0]["theoretical"] is theoretical
        assert (display.image_artist_, display.effective_image_) == artists
        assert [len(ax.patches) for ax in display.axes_] == n_patches  # no artist added
        np.testing.assert_array_equal(drawn(display.image_artist_), image[..., 0])
        assert display.image_artist_.get_clim() == (image.min(), image.max())
        assert display.unit_patch_.get_xy() == (position[1] - 0.5, position[0] - 0.5)
    plt.close("all")


def test_effective_note_in_place_of_a_field_not_measured():
    display = fresh(GREY, FIELD, (2, 2), effective=ERF)
    display.update(GREY, FIELD, position=(0, 3), effective_note="not measured")
    assert not display.effective_image_.get_visible()
    assert display.effective_text_.get_visible()
    assert display.effective_text_.get_text() == "not measured"
    assert shown_boxes(display.axes_[1]) == []  # no boxes around nothing
    assert display.patches_[0]["padding"]  # the image panel still shows the field
    display.update(GREY, FIELD, position=(0, 3), effective=ERF / 2)
    assert display.effective_image_.get_visible() and not display.effective_text_.get_visible()
    np.testing.assert_array_equal(drawn(display.effective_image_), ERF / 2)
    assert display.effective_image_.get_clim() == ((ERF / 2).min(), (ERF / 2).max())
    plt.close("all")


def test_a_display_drawn_with_its_note_alone_and_an_unknown_field():
    display = vz.ReceptiveFieldDisplay(
        GREY, None, position=(1, 1), layer_name="c", effective_note="off"
    ).plot(value_range=(0.0, 2.0))
    assert len(display.axes_) == 2 and display.effective_text_.get_text() == "off"
    assert display.box_ == display.box_in_image_ == ((0, 7), (0, 9))  # the whole image
    assert display.ax_.get_title() == "c unit (1, 1): field unknown (box: the whole image)"
    assert display.image_artist_.get_clim() == (0.0, 2.0)
    display.update(OTHER, FIELD, position=(0, 0), effective_note="off")
    assert display.image_artist_.get_clim() == (0.0, 2.0)  # the value range drawn
    assert display.box_ == FIELD.box((0, 0)) and len(display.patches_[0]["padding"]) == 2
    plt.close("all")


def test_update_before_plot_is_refused():
    display = vz.ReceptiveFieldDisplay(GREY, FIELD, position=(1, 1), layer_name="c")
    with pytest.raises(RuntimeError, match=r"call plot\(\) first"):
        display.update(GREY, FIELD, position=(2, 2))
    assert display.position == (1, 1) and not hasattr(display, "box_")


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"image": GREY[:4]}, ValueError, r"image must have the shape drawn \(8, 10, 1\)"),
        ({"image": GREY[..., 0]}, ValueError, r"image must be one image shaped \(H, W, C\)"),
        ({"field": "conv1"}, TypeError, "field must be a ReceptiveField"),
        ({"position": (8, 0)}, ValueError, "position"),
        ({"effective": None}, ValueError, "effective .*must be given"),
        ({"effective": ERF[:4]}, ValueError, r"effective must be shaped like the image \(8, 10\)"),
        ({"effective_note": 3}, TypeError, "effective_note must be a str"),
        ({"feature_map": None}, ValueError, r"feature_map must be shaped \(8, 10\)"),
        ({"feature_map": FMAP[:2]}, ValueError, r"feature_map must be shaped \(8, 10\)"),
    ],
)
def test_bad_update_is_refused_and_changes_nothing(change, error, match):
    display = fresh(GREY, FIELD, (4, 5), effective=ERF, feature_map=FMAP, channel=1)
    before = state(display)
    given = {"image": OTHER, "field": FIELD, "position": (0, 0), "effective": ERF / 2}
    given |= {"feature_map": FMAP / 2, "channel": 2, **change}
    image, field = given.pop("image"), given.pop("field")
    with pytest.raises(error, match=match):
        display.update(image, field, **given)
    assert state(display) == before
    assert display.position == (4, 5) and display.box_ == FIELD.box((4, 5))
    plt.close("all")


def test_update_cannot_add_a_panel():
    display = fresh(GREY, FIELD, (4, 5), effective=ERF)
    with pytest.raises(ValueError, match=r"feature_map must be None as drawn"):
        display.update(GREY, FIELD, position=(0, 0), effective=ERF, feature_map=FMAP)
    alone = vz.ReceptiveFieldDisplay(GREY, FIELD, position=(1, 1), layer_name="c").plot()
    with pytest.raises(ValueError, match="need an effective-field panel"):
        alone.update(GREY, FIELD, position=(0, 0), effective=ERF)
    plt.close("all")
