"""FeatureMapExplorer: pick an image, a layer and channels; see that layer's feature maps.

How the figure updates: one plain ``matplotlib.figure.Figure`` (no pyplot, no ipympl) is
built once with the input image on the left and a :class:`FeatureMapDisplay` mosaic on
the right. Changing the image or the first channel replaces the arrays in place
(``set_data`` through ``FeatureMapDisplay.set_maps``); only a change of layer or of the
number of channels, which changes the mosaic's layout, redraws the mosaic on the same
Axes. The figure is rendered to PNG bytes in an ``ipywidgets.Image``, which works in any
Jupyter front end and in static HTML exports.

Feature maps are computed once per layer for all the images (``vz.feature_maps``) and
cached, so moving the image slider costs no model call.
"""

from __future__ import annotations

import html
import io

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from vizcnn.display._grid import bare, check_positive_int
from vizcnn.display.feature_maps import FeatureMapDisplay
from vizcnn.style import IMAGE_CMAP

_LABEL_STYLE = {"description_width": "110px"}
_WIDE = widgets.Layout(width="420px")


def _spatial_layers(model):
    """Names of the layers whose output is a batch of feature maps (N, H, W, C)."""
    from vizcnn.inspection import iter_layers

    names = []
    for _, layer in iter_layers(model):
        try:
            shape = tuple(layer.output.shape)
        except (AttributeError, ValueError):  # e.g. a layer used twice: no single output
            continue
        if len(shape) == 4:
            names.append(layer.name)
    return names


class FeatureMapExplorer(widgets.VBox):
    """Explore a trained model's feature maps, image by image and layer by layer.

    Parameters
    ----------
    model : keras.Model
        A built model (Sequential or functional; nested models are searched).
    images : array-like, shape (N, H, W, C)
        The images to choose from, as the model takes them (e.g. floats in [0, 1]).
    titles : sequence of str, optional
        One caption per image (for example its class name).
    max_maps : int, default=16
        The most channels shown at once (the "channels" slider's maximum).
    figsize : (float, float), default=(9.0, 4.0)
    dpi : int, default=80

    Attributes
    ----------
    image, first_channel, n_channels : ipywidgets.IntSlider
    layer : ipywidgets.Dropdown
        The model's spatial layers (outputs shaped (N, H, W, C)), in model order.
    picture : ipywidgets.Image
        The figure, as PNG bytes.
    info : ipywidgets.HTML
        What is shown (layer, output shape, channels), or why nothing can be.
    figure : matplotlib.figure.Figure
    input_image_ : matplotlib.image.AxesImage
        The chosen input image (updated with ``set_data``).
    display_ : vizcnn.FeatureMapDisplay or None
        The mosaic of feature maps now drawn.
    error : str or None
        Why the inputs cannot be shown; ``None`` when everything is fine.

    Examples
    --------
    >>> explorer = vz.FeatureMapExplorer(model, X_test[:12] / 255)  # doctest: +SKIP
    >>> explorer.layer.value = "conv2d_2"  # the figure and the text update
    """

    def __init__(self, model, images, *, titles=None, max_maps=16, figsize=(9.0, 4.0), dpi=80):
        self.max_maps = check_positive_int(max_maps, "max_maps")
        self.error = None
        self.display_ = None
        self._cache = {}
        self._busy = False
        self.image = widgets.IntSlider(
            0, 0, 0, description="image", style=_LABEL_STYLE, layout=_WIDE
        )
        self.layer = widgets.Dropdown(description="layer", style=_LABEL_STYLE, layout=_WIDE)
        self.first_channel = widgets.IntSlider(
            0, 0, 0, description="first channel", style=_LABEL_STYLE, layout=_WIDE
        )
        self.n_channels = widgets.IntSlider(
            min(8, self.max_maps),
            1,
            self.max_maps,
            description="channels",
            style=_LABEL_STYLE,
            layout=_WIDE,
        )
        self.picture = widgets.Image(format="png")
        self.info = widgets.HTML()
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="none")
        FigureCanvasAgg(self.figure)
        grid = self.figure.add_gridspec(1, 2, width_ratios=(1, 3.2), left=0.02, right=0.98)
        self.ax_image_ = self.figure.add_subplot(grid[0])
        self.ax_maps_ = self.figure.add_subplot(grid[1])
        bare(self.ax_image_)
        bare(self.ax_maps_)
        self.input_image_ = None
        super().__init__(
            [
                self.image,
                self.layer,
                widgets.HBox([self.first_channel, self.n_channels]),
                self.info,
                self.picture,
            ]
        )
        try:
            self._set_inputs(model, images, titles)
        except (TypeError, ValueError) as exc:  # shown in the widget, not raised
            self._show_error(exc)
            return
        for control in (self.image, self.layer, self.first_channel, self.n_channels):
            control.observe(self._on_change, names="value")
        self._update()

    # -- inputs -------------------------------------------------------------------------
    def _set_inputs(self, model, images, titles):
        from vizcnn.inspection._model_graph import check_batch, check_model

        check_model(model)
        self.model = model
        self.images = check_batch(model, images, argname="images")
        if len(self.images) == 0:
            raise ValueError("images must hold at least one image, got an empty batch")
        if titles is not None:
            titles = [str(t) for t in titles]
            if len(titles) != len(self.images):
                raise ValueError(
                    f"titles must give one caption per image ({len(self.images)}), "
                    f"got {len(titles)}"
                )
        self.titles = titles
        names = _spatial_layers(model)
        if not names:
            raise ValueError(
                f"model {model.name!r} has no layer with feature maps (outputs shaped "
                "(N, H, W, C)); pick a convolutional model"
            )
        self.layer.options = names
        self.layer.value = names[0]
        self.image.max = len(self.images) - 1
        shown = self.images[0]
        self.input_image_ = self.ax_image_.imshow(
            self._as_picture(shown), cmap=IMAGE_CMAP, vmin=0, vmax=1
        )

    @staticmethod
    def _as_picture(image):
        # grayscale images as 2-D, colour ones as RGB, scaled to [0, 1] for display
        image = image[..., 0] if image.shape[-1] == 1 else image[..., :3]
        low, high = float(image.min()), float(image.max())
        return (image - low) / (high - low) if high > 1 or low < 0 else image

    def _show_error(self, exc):
        self.error = str(exc)
        self.info.value = f"<b style='color:#b00'>Cannot show this:</b> {html.escape(self.error)}"
        for control in (self.image, self.layer, self.first_channel, self.n_channels):
            control.disabled = True
        self._render()

    # -- updates ------------------------------------------------------------------------
    def _maps(self, name):
        if name not in self._cache:
            from vizcnn.inspection import feature_maps

            self._cache[name] = feature_maps(self.model, self.images, name)
        return self._cache[name]

    def _on_change(self, change):
        if not self._busy:  # clamping a slider below must not start a second update
            self._update()

    def _update(self):
        maps = self._maps(self.layer.value)
        n_total = maps.shape[-1]
        self._busy = True
        try:  # keep the sliders inside this layer's channel range
            self.n_channels.max = min(self.max_maps, n_total)
            self.first_channel.max = max(0, n_total - self.n_channels.value)
        finally:
            self._busy = False
        first, count = self.first_channel.value, self.n_channels.value
        channels = list(range(first, first + count))
        index = self.image.value
        chosen = maps[index][..., channels]
        name = self.layer.value
        if self.display_ is not None and self.display_.maps.shape == chosen.shape:
            self.display_.set_maps(chosen, channels=channels, layer_name=name)
        else:  # a new layout: redraw the mosaic on the same Axes
            self.ax_maps_.clear()
            self.display_ = FeatureMapDisplay(chosen, layer_name=name, channels=channels)
            self.display_.plot(ax=self.ax_maps_, colorbar=False)
        h, w, _ = maps.shape[1:]
        self.display_.ax_.set_title(
            f"{name}: channels {first}-{first + count - 1} of {n_total}, {h}x{w}", pad=14
        )
        self.input_image_.set_data(self._as_picture(self.images[index]))
        caption = f"image {index}" + (f": {self.titles[index]}" if self.titles else "")
        self.ax_image_.set_title(caption)
        self.info.value = (
            f"layer <b>{html.escape(name)}</b> outputs {h}x{w}x{n_total} feature maps; "
            f"showing channels {first} to {first + count - 1} for image {index}. "
            f"Colour scale shared by the panels: {self.display_.vmin_:.3g} to "
            f"{self.display_.vmax_:.3g}."
        )
        self._render()

    def _render(self):
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        self.picture.value = buffer.getvalue()

    def __repr__(self):
        state = self.error or f"layer={self.layer.value!r}, image={self.image.value}"
        return f"FeatureMapExplorer({state})"

    @property
    def maps(self) -> np.ndarray:
        """The feature maps now drawn, shaped (H, W, channels shown)."""
        return None if self.display_ is None else self.display_.maps
