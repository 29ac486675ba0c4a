"""FeatureMapExplorer: pick an image, a layer and channels; see that layer's feature maps.

Feature maps are computed once per layer for all the images (one batched call), then
cached: changing the image or the channels is NumPy slicing plus one ``set_data`` on the
display's mosaic. Changing the layer redraws the same figure (the map size changes).
The figure is rendered to PNG for an ``ipywidgets.Image`` (see ``_png_figure``).
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from vizcnn.display._grid import check_positive_int
from vizcnn.display.feature_maps import FeatureMapDisplay
from vizcnn.widgets._png_figure import png_figure, render_png

_STYLE = {"description_width": "110px"}


class FeatureMapExplorer(widgets.VBox):
    """Explore the feature maps of a model's spatial layers.

    Parameters
    ----------
    model : keras.Model
        Sequential or functional; nested models are searched.
    images : array-like, shape (N, H, W, C)
        The images to choose from (what the model takes as input).
    layers : sequence of str, optional
        Layer names to offer (default: every layer with a spatial ``(H, W, C)`` output).
    labels : sequence of str, optional
        One caption per image (e.g. its class name).
    max_maps : int, default=16
        Channels shown at once.

    Attributes
    ----------
    image, layer, first_channel : ipywidgets controls (set ``.value`` to drive it)
    display_ : FeatureMapDisplay
        What is drawn now.
    plot : ipywidgets.Image
        The rendered figure (PNG).
    status : ipywidgets.HTML
        What is shown, or the problem when something went wrong.
    error : str or None
        The last problem, if the last update failed.
    """

    def __init__(self, model, images, *, layers=None, labels=None, max_maps: int = 16):
        from vizcnn.inspection._model_graph import check_batch, check_model, iter_layers

        check_model(model)
        self.model = model
        self.images = check_batch(model, images, argname="images")
        if len(self.images) == 0:
            raise ValueError("images must hold at least one image")
        self.max_maps = check_positive_int(max_maps, "max_maps")
        if labels is not None and len(labels) != len(self.images):
            raise ValueError(
                f"labels must give one caption per image ({len(self.images)}), got {len(labels)}"
            )
        self.labels = None if labels is None else [str(label) for label in labels]
        spatial = [layer.name for _, layer in iter_layers(model) if _is_spatial(layer)]
        if layers is None:
            layers = spatial
        else:
            layers = list(layers)
            unknown = [name for name in layers if name not in spatial]
            if unknown:
                raise ValueError(
                    f"layers {unknown} are not spatial layers of model {model.name!r}; "
                    f"choose from {spatial}"
                )
        if not layers:
            raise ValueError(f"model {model.name!r} has no layer with (H, W, C) feature maps")
        self._maps = {}  # layer name -> feature maps of all images (N, H, W, C)
        self.error = None
        self._changing_layer = False  # slider bounds move during a layer change

        self.image = widgets.IntSlider(
            0, 0, len(self.images) - 1, description="image", style=_STYLE, continuous_update=False
        )
        self.layer = widgets.Dropdown(options=layers, description="layer", style=_STYLE)
        self.first_channel = widgets.IntSlider(
            0, 0, 0, description="first channel", style=_STYLE, continuous_update=False
        )
        self.status = widgets.HTML()
        self.plot = widgets.Image(format="png")
        self.figure = png_figure((10, 4.2), 80)
        self.display_ = None

        self.image.observe(self._on_image_or_channels, names="value")
        self.first_channel.observe(self._on_image_or_channels, names="value")
        self.layer.observe(self._on_layer, names="value")
        controls = widgets.HBox(
            [widgets.VBox([self.layer, self.image, self.first_channel]), self.status]
        )
        super().__init__([controls, self.plot])
        self._on_layer()

    def __repr__(self):
        # short and stable: the notebook stores this text
        return (
            f"FeatureMapExplorer(layer {self.layer.value!r}, image {self.image.value}, "
            f"channels from {self.first_channel.value})"
        )

    @property
    def channels(self) -> list[int]:
        """The channel numbers shown now."""
        n_channels = self._current_maps().shape[-1]
        first = self.first_channel.value
        return list(range(first, min(first + self.max_maps, n_channels)))

    def _current_maps(self):
        name = self.layer.value
        if name not in self._maps:
            from vizcnn.inspection import feature_maps

            self._maps[name] = feature_maps(self.model, self.images, name)
        return self._maps[name]

    def _on_layer(self, change=None):
        try:
            maps = self._current_maps()
            # keep the panel count fixed while sliding, so updates stay in place
            self._changing_layer = True
            try:
                self.first_channel.max = max(0, maps.shape[-1] - self.max_maps)
            finally:
                self._changing_layer = False
            self.figure.clear()
            ax_image = self.figure.add_axes((0.01, 0.08, 0.17, 0.8))
            ax_maps = self.figure.add_axes((0.21, 0.02, 0.78, 0.9))
            self._draw_input(ax_image)
            self.display_ = FeatureMapDisplay(
                maps[self.image.value][..., self.channels],
                layer_name=self.layer.value,
                channels=self.channels,
            ).plot(ax=ax_maps)
            self._show()
        except Exception as exc:  # noqa: BLE001 - a widget shows the problem instead of dying
            self._show_error(exc)

    def _on_image_or_channels(self, change=None):
        if self._changing_layer:
            return
        try:
            maps = self._current_maps()
            self.display_.set_maps(
                maps[self.image.value][..., self.channels], channels=self.channels
            )
            self._input_artist.set_data(self._input_picture())
            self._input_title.set_text(self._caption())
            self._show()
        except Exception as exc:  # noqa: BLE001 - a widget shows the problem instead of dying
            self._show_error(exc)

    def _draw_input(self, ax):
        picture = self._input_picture()
        self._input_artist = ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None)
        self._input_title = ax.set_title(self._caption(), fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])

    def _input_picture(self):
        image = self.images[self.image.value]
        if image.shape[-1] == 1:
            return image[..., 0]
        low, high = float(image.min()), float(image.max())
        return (image - low) / (high - low or 1.0) if image.shape[-1] == 3 else image[..., 0]

    def _caption(self):
        label = f": {self.labels[self.image.value]}" if self.labels else ""
        return f"image {self.image.value}{label}"

    def _show(self):
        self.error = None
        maps = self._current_maps()
        _, h, w, c = maps.shape
        first, last = self.channels[0], self.channels[-1]
        self.status.value = (
            f"<div style='padding-left:16px'><b>{html.escape(self.layer.value)}</b>: "
            f"{c} feature maps of {h}&times;{w}<br>showing channels {first}&ndash;{last} "
            f"of {html.escape(self._caption())}<br>one colour scale for all panels</div>"
        )
        self.plot.value = render_png(self.figure)

    def _show_error(self, exc):
        self.error = f"{type(exc).__name__}: {exc}"
        self.status.value = (
            "<div style='padding-left:16px;color:#b2182b'><b>Could not show this.</b><br>"
            f"{html.escape(self.error)}</div>"
        )


def _is_spatial(layer) -> bool:
    """A layer whose output is one (H, W, C) tensor per image."""
    try:
        shape = layer.output.shape
    except (AttributeError, ValueError):  # not called yet, or several outputs
        return False
    return len(shape) == 4 and type(layer).__name__ not in ("Functional", "Sequential")
