"""The one display contract, checked on every display at once.

``__init__`` stores; ``from_model`` checks ``ax`` before it computes and calls
``from_result``; ``from_result`` builds from arrays; ``plot(*, ax=None)`` checks ``ax``
with one shared check (a string, a list where one Axes belongs, Axes of two figures, a
3-D or polar Axes are refused, naming ``ax``). Images reach the screen through one
conversion (``vizcnn.display.screen``), and float RGB pixels in 0-255 are drawn right,
with the hint ``vz.feature_maps`` gives.
"""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numeric
import numpy as np
import pytest

import vizcnn as vz
from vizcnn.arithmetic.fields import ReceptiveField

RNG = np.random.default_rng(0)
KERNEL = RNG.normal(size=(3, 3, 1, 4))
MAPS = RNG.random((4, 4, 3))
IMAGES = RNG.random((2, 8, 8, 3)).astype("float32")
FIELD = ReceptiveField(size=(3, 3), jump=(1, 1), start=(0, 0), grid=(8, 8), input_size=(8, 8))

# display name -> a function drawing it with the given ax (arrays only, no model)
PLOTS = {
    "FilterDisplay": lambda ax: vz.FilterDisplay(KERNEL).plot(ax=ax),
    "FeatureMapDisplay": lambda ax: vz.FeatureMapDisplay(MAPS).plot(ax=ax),
    "ConvArithmeticDisplay": lambda ax: vz.ConvArithmeticDisplay(5, 3).plot(ax=ax),
    "ImageGridDisplay": lambda ax: vz.show_images(IMAGES, ax=ax),
    "GradCamDisplay": lambda ax: vz.GradCamDisplay(IMAGES, IMAGES[..., 0], predicted=[0, 1]).plot(
        ax=ax
    ),
    "ReceptiveFieldDisplay": lambda ax: vz.ReceptiveFieldDisplay(
        IMAGES[0], FIELD, position=(1, 1), layer_name="c"
    ).plot(ax=ax),
    "ActivationMaximizationDisplay": lambda ax: vz.ActivationMaximizationDisplay(IMAGES).plot(
        ax=ax
    ),
    "HistoryDisplay": lambda ax: vz.HistoryDisplay({"a": {"loss": [1.0, 0.5]}}).plot(
        ax=ax, metrics=("loss",)
    ),
}
ONE_AXES = {"FilterDisplay", "FeatureMapDisplay", "ConvArithmeticDisplay"}


def _bad_axes(kind):
    if kind == "str":
        return "left"
    if kind == "3d":
        return plt.figure().add_subplot(projection="3d")
    if kind == "polar":
        return plt.figure().add_subplot(projection="polar")
    if kind == "two_figures":
        return [plt.subplots()[1], plt.subplots()[1]]
    if kind == "figure":
        return plt.figure()
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["str", "3d", "polar", "two_figures", "figure"])
@pytest.mark.parametrize("display", sorted(PLOTS))
def test_a_bad_ax_is_refused_by_name(display, kind):
    ax = _bad_axes(kind)
    with pytest.raises((TypeError, ValueError), match=r"^ax(\[\d\])? must"):
        PLOTS[display](ax)


@pytest.mark.parametrize("display", sorted(ONE_AXES))
def test_a_list_is_refused_where_one_axes_belongs(display):
    _, axes = plt.subplots(1, 2)
    with pytest.raises(TypeError, match="ax must be one matplotlib Axes"):
        PLOTS[display](list(axes))


def test_too_few_axes_are_named_with_the_count():
    _, axes = plt.subplots(1, 1)
    with pytest.raises(ValueError, match=r"ax must hold at least 2 Axes \(one per image\), got 1"):
        vz.show_images(IMAGES, ax=[axes])


@pytest.mark.parametrize("display", sorted(PLOTS))
def test_a_good_ax_is_drawn_on(display):
    figure, axes = plt.subplots(1, 2)
    ax = axes[0] if display in ONE_AXES or display == "HistoryDisplay" else axes
    if display == "ReceptiveFieldDisplay":
        ax = axes[:1]
    drawn = PLOTS[display](ax)
    assert drawn.figure_ is figure


# -- from_model checks ax before any computing ------------------------------------------


def _forbid(monkeypatch, module, name):
    def computed(*args, **kwargs):
        raise AssertionError(f"{name} ran before ax was checked")

    monkeypatch.setattr(module, name, computed)


def test_grad_cam_checks_ax_before_predicting(tiny_cnn, batch, monkeypatch):
    import vizcnn.inspection
    import vizcnn.prediction

    _forbid(monkeypatch, vizcnn.prediction, "classify")
    _forbid(monkeypatch, vizcnn.inspection, "grad_cam")
    polar = plt.figure().add_subplot(projection="polar")
    with pytest.raises(ValueError, match="ax must be an ordinary 2-D Axes"):
        vz.GradCamDisplay.from_model(tiny_cnn, batch, ax=polar)
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        vz.GradCamDisplay.from_model(tiny_cnn, batch, ax="left")
    _, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="ax must hold at least 3 Axes"):
        vz.GradCamDisplay.from_model(tiny_cnn, batch, ax=axes)


def test_top_patches_checks_ax_before_searching(tiny_cnn, batch, monkeypatch):
    import vizcnn.inspection.top_patches as top_patches

    _forbid(monkeypatch, top_patches, "top_activating_patches")
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        vz.TopPatchesDisplay.from_model(tiny_cnn, batch, "conv1", 0, k=2, ax="left")


def test_activation_maximization_checks_ax_before_the_ascent(tiny_cnn, monkeypatch):
    import vizcnn.inspection.activation_max as activation_max

    _forbid(monkeypatch, activation_max, "maximize_channels")
    three_d = plt.figure().add_subplot(projection="3d")
    with pytest.raises(ValueError, match="ax must be an ordinary 2-D Axes"):
        vz.ActivationMaximizationDisplay.from_model(tiny_cnn, "conv1", [0], ax=three_d)
    _, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="ax must hold at least 3 Axes"):
        vz.ActivationMaximizationDisplay.from_model(tiny_cnn, "conv1", [0, 1, 2], ax=axes)


@pytest.mark.parametrize(
    ("call", "module", "name"),
    [
        (
            lambda m, x, ax: vz.FeatureMapDisplay.from_model(m, x, "conv1", ax=ax),
            "vizcnn.inspection",
            "feature_maps",
        ),
        (
            lambda m, x, ax: vz.ReceptiveFieldDisplay.from_model(m, x[0], "conv1", ax=ax),
            "vizcnn.inspection",
            "field_of",
        ),
        (
            lambda m, x, ax: vz.FilterDisplay.from_model(m, "conv1", ax=ax),
            "vizcnn.inspection",
            "find_layer",
        ),
    ],
)
def test_from_model_checks_ax_first(tiny_cnn, batch, monkeypatch, call, module, name):
    import importlib

    _forbid(monkeypatch, importlib.import_module(module), name)
    with pytest.raises(TypeError, match="ax must be"):
        call(tiny_cnn, batch, ["left"])


# -- the contract: __init__ stores, from_result builds, layer may be positional ------------

STORED = {
    "FilterDisplay": lambda: vz.FilterDisplay("not a kernel"),
    "FeatureMapDisplay": lambda: vz.FeatureMapDisplay("not maps"),
    "ImageGridDisplay": lambda: vz.display.ImageGridDisplay("not images"),
    "GradCamDisplay": lambda: vz.GradCamDisplay("a", "b", predicted="c"),
    "ReceptiveFieldDisplay": lambda: vz.ReceptiveFieldDisplay(
        "a", "b", position="c", layer_name="d"
    ),
    "TopPatchesDisplay": lambda: vz.TopPatchesDisplay("a", "b"),
    "ConvArithmeticDisplay": lambda: vz.ConvArithmeticDisplay("a", "b"),
    "ActivationMaximizationDisplay": lambda: vz.ActivationMaximizationDisplay("a"),
}


@pytest.mark.parametrize("display", sorted(STORED))
def test_init_only_stores_and_plot_checks(display):
    stored = STORED[display]()  # nothing checked, nothing computed yet
    assert "a" in vars(stored).values() or any(
        isinstance(v, str) and v.startswith("not") for v in vars(stored).values()
    )
    with pytest.raises((TypeError, ValueError)):
        stored.plot()


@pytest.mark.parametrize("display", [*sorted(PLOTS), "TopPatchesDisplay", "ArchitectureDisplay"])
def test_every_display_has_from_result_and_a_keyword_only_plot(display):
    import inspect

    cls = getattr(vz.display, display, None) or getattr(vz, display)
    assert callable(getattr(cls, "from_result", None)), display
    parameters = inspect.signature(cls.plot).parameters
    assert parameters["ax"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["ax"].default is None


def test_from_result_draws_what_init_and_plot_draw():
    direct = vz.FilterDisplay(KERNEL, layer_name="k").plot()
    built = vz.FilterDisplay.from_result(KERNEL, layer_name="k")
    np.testing.assert_array_equal(built.image_.get_array(), direct.image_.get_array())
    assert built.ax_.get_title() == direct.ax_.get_title()
    maps = vz.FeatureMapDisplay.from_result(MAPS, channels=[4, 5, 6])
    assert [t.get_text() for t in maps.titles_] == ["ch 4", "ch 5", "ch 6"]
    activation = vz.ActivationMaximizationDisplay.from_result(IMAGES, channels=[3, 7])
    assert activation.channels_ == [3, 7] and activation.images_.shape == IMAGES.shape


def test_layer_may_be_given_by_position_everywhere(tiny_cnn, batch):
    """Lessons pass layer by position to TopPatchesDisplay: every from_model takes it so."""
    by_position = vz.FeatureMapDisplay.from_model(tiny_cnn, batch, "conv2")
    by_keyword = vz.FeatureMapDisplay.from_model(tiny_cnn, batch, layer="conv2")
    np.testing.assert_array_equal(by_position.maps_, by_keyword.maps_)
    assert vz.FilterDisplay.from_model(tiny_cnn, "conv1").filter_indices_.tolist() == [0, 1, 2, 3]
    field = vz.ReceptiveFieldDisplay.from_model(tiny_cnn, batch[0], "pool1", feature_map=False)
    assert field.layer_name == "pool1"
    cam = vz.GradCamDisplay.from_model(tiny_cnn, batch, "conv2", colorbar=False)
    assert cam.layer_name == "conv2"


# -- one conversion to the screen ------------------------------------------------------


def test_screen_image_cases():
    from vizcnn.display.screen import screen_image

    rgb = RNG.random((4, 5, 3)).astype("float32")
    np.testing.assert_array_equal(screen_image(rgb), rgb)  # [0, 1]: as it is
    np.testing.assert_allclose(screen_image(rgb * 255), rgb, **numeric.elementwise())
    pixels = (rgb * 255).astype(np.uint8)
    assert screen_image(pixels) is pixels
    standardised = rgb * 4 - 2
    stretched = screen_image(standardised)
    assert stretched.min() == 0.0 and stretched.max() == pytest.approx(1.0, rel=1e-6)
    assert screen_image(rgb[..., :1]).shape == (4, 5)
    np.testing.assert_allclose(
        screen_image(np.dstack([rgb, rgb[..., :1]])), np.dstack([rgb, rgb[..., :1]]).mean(-1)
    )
    ranged = screen_image(rgb * 2 - 1, value_range=(-1, 1))
    # (x * 2 - 1 + 1) / 2: roundings of values up to 1 in size, so an absolute tolerance
    np.testing.assert_allclose(ranged, rgb, rtol=0, atol=4 * numeric.roundoff())


def test_show_images_draws_float_pixels_in_0_255_with_a_hint():
    pixels = (RNG.random((2, 6, 6, 3)) * 255).round().astype("float32")
    with pytest.warns(UserWarning, match=r"images holds RGB floats up to .*0-255 pixels"):
        display = vz.show_images(pixels)
    drawn = display.images_[0].get_array()
    np.testing.assert_allclose(drawn, pixels[0] / 255, **numeric.elementwise())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # uint8 and [0, 1] floats: no hint
        vz.show_images(pixels.astype(np.uint8))
        vz.show_images(pixels / 255)


def test_the_other_displays_draw_0_255_pixels_the_same_way():
    pixels = IMAGES * 255
    field = vz.ReceptiveFieldDisplay(pixels[0], FIELD, position=(1, 1), layer_name="c").plot()
    cam = vz.GradCamDisplay(pixels, IMAGES[..., 0], predicted=[0, 1]).plot()
    for drawn in (field.ax_.images[0].get_array(), cam.images_[0].get_array()):
        np.testing.assert_allclose(drawn, IMAGES[0], **numeric.elementwise())


def test_model_inputs_in_0_255_get_the_feature_maps_hint(tiny_cnn, batch):
    from vizcnn.inspection.top_patches import channel_peaks

    with pytest.warns(UserWarning, match="top_activating_patches: x holds values up to"):
        vz.top_activating_patches(tiny_cnn, batch * 255, "conv1", 0, k=2)
    with pytest.warns(UserWarning, match="channel_peaks: x holds values up to"):
        channel_peaks(tiny_cnn, batch * 255, "conv1")
    with pytest.warns(UserWarning, match="channel_peaks: x holds values up to"):
        vz.UnitExplorer(tiny_cnn, batch * 255, k=2)  # its images reach channel_peaks


# -- caps on size ----------------------------------------------------------------------


def test_plot_positions_refuses_a_huge_figure_before_drawing():
    before = plt.get_fignums()
    display = vz.ConvArithmeticDisplay(40, 1)
    with pytest.raises(ValueError, match="max_positions must be at most 64"):
        display.plot_positions(max_positions=1600)
    with pytest.raises(ValueError, match="the limit is 30 inches a side"):
        display.plot_positions(max_positions=64, ncols=1)
    with pytest.raises(ValueError, match="the limit is 30 inches"):
        display.plot_positions(figsize=(40, 4))
    assert plt.get_fignums() == before  # refused before any figure was made
    tall = vz.ConvArithmeticDisplay((100, 1), 1).plot_positions(max_positions=64)
    assert max(tall.figure_.get_size_inches()) <= 30  # default layout widened to fit
    narrow = vz.ConvArithmeticDisplay(2, 1).plot_positions(max_positions=30, ncols=1)
    with pytest.raises(ValueError, match="the limit is 30 inches"):
        narrow.update(input_size=6)  # 30 positions in one column: 48.5 inches
    assert narrow.input_size == (2, 2) and len(narrow.panels_) == 4  # state kept
