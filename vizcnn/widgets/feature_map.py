"""FeatureMapExplorer: pick an image, a layer and channels; see that layer's feature maps.

Feature maps are computed in blocks of images (one batched call per block) and kept in a
cache of bounded size: a few thousand images at every layer would hold gigabytes, though
one image is drawn at a time. Within a cached block, changing the image or the channels
is NumPy slicing plus one ``set_data`` on the display's mosaic. Changing the layer redraws
the same figure (the map size changes).
The figure is rendered to PNG for an ``ipywidgets.Image`` (see ``_png_figure``).

A widget cannot raise into the learner's notebook, so every problem is written in words
in ``status_html`` instead (``_explorer_base``), and the next valid choice draws again.
Maps that say nothing (an empty grid, or channels that are 0 everywhere on the image)
are named in words too, so a blank panel is never left unexplained.
"""

from __future__ import annotations

import html
from collections import OrderedDict

import ipywidgets as widgets
import numpy as np

from vizcnn import inspection, validation
from vizcnn.display.feature_maps import FeatureMapDisplay
from vizcnn.display.screen import screen_image
from vizcnn.language import text
from vizcnn.style import IMAGE_CMAP
from vizcnn.widgets._explorer_base import GREY, ExplorerBase
from vizcnn.widgets._explorer_common import choose_layers, words

_STYLE = {"description_width": "110px"}
_FIRST_BLOCK = 8  # images in a layer's first block, before its maps' size is known
_BLOCK_BYTES = 16 * 2**20  # a block's maps, once a layer's size per image is known
_CACHE_BYTES = 64 * 2**20  # all cached maps; the newest block is always kept


class FeatureMapExplorer(ExplorerBase):
    """Explore the feature maps of a model's spatial layers.

    Parameters
    ----------
    model : keras.Model
        Sequential or functional; nested models are searched.
    images : array-like, shape (N, H, W, C)
        The images to choose from (what the model takes as input), finite numbers.
    layers : sequence of str or keras.layers.Layer, optional
        The layers to offer: objects, names, or ``"outer/inner"`` for a layer inside a
        nested model. Default: every layer with a spatial ``(H, W, C)`` output.
    labels : sequence, optional
        One caption per image (e.g. its class name).
    max_maps : int, default=16
        Channels shown at once.

    Attributes
    ----------
    image_slider : ipywidgets.IntSlider
        Which image (0 .. N-1). Set ``.value`` to drive the widget from code.
    layer_dropdown : ipywidgets.Dropdown
        Which layer; its options are layer names (``"outer/inner"`` where a name repeats).
    first_channel_slider : ipywidgets.IntSlider
        The first channel shown; ``max_maps`` channels from there.
    picture : ipywidgets.Image
        The rendered figure (PNG bytes in ``.value``).
    status_html : ipywidgets.HTML
        What is shown, or, in words, what went wrong.
    figure : matplotlib.figure.Figure
        The figure behind ``picture`` (the input image and the feature-map mosaic).
    display_ : FeatureMapDisplay or None
        What is drawn now; None while the current choice cannot be drawn.
    error : str or None
        The problem shown in ``status_html``, or None when the last update worked.
    note : str or None
        What the maps drawn do not show by themselves (channels that are 0 everywhere on
        this image), also in ``status_html``; None when every map shown has a response.
    channels : list of int
        The channel numbers shown now.
    max_maps : int
        Channels shown at once.
    """

    def __init__(self, model, images, *, layers=None, labels=None, max_maps: int = 16):
        validation.check_model(model)
        self.model = model
        self.images = validation.check_batch(model, images, name="images")
        self.max_maps = validation.check_positive_int(max_maps, "max_maps")
        self.labels = validation.check_captions(labels, len(self.images))
        self._layers = choose_layers(model, layers)  # dropdown label -> layer object
        self._init_explorer((10, 4.2), 80)  # picture, figure, error
        self._maps = OrderedDict()  # (label, first, stop) -> maps of images[first:stop]
        self._per_image = {}  # dropdown label -> (bytes of one image's maps, channels)
        self.display_ = None
        self.note = None

        self.image_slider = widgets.IntSlider(
            0,
            0,
            len(self.images) - 1,
            description=text("feature_map_explorer.control.image"),
            style=_STYLE,
            continuous_update=False,
        )
        self.layer_dropdown = widgets.Dropdown(
            options=list(self._layers),
            description=text("feature_map_explorer.control.layer"),
            style=_STYLE,
        )
        self.first_channel_slider = widgets.IntSlider(
            0,
            0,
            0,
            description=text("feature_map_explorer.control.first_channel"),
            style=_STYLE,
            continuous_update=False,
        )
        self.status_html = widgets.HTML()

        self.image_slider.observe(self._on_image_or_channels, names="value")
        self.first_channel_slider.observe(self._on_image_or_channels, names="value")
        self.layer_dropdown.observe(self._on_layer, names="value")
        controls = widgets.HBox(
            [
                widgets.VBox([self.layer_dropdown, self.image_slider, self.first_channel_slider]),
                self.status_html,
            ]
        )
        super().__init__([controls, self.picture])
        self._on_layer()

    def __repr__(self):
        # short and stable: the notebook stores this text
        return (
            f"FeatureMapExplorer(layer {self.layer_dropdown.value!r}, "
            f"image {self.image_slider.value}, channels from {self.first_channel_slider.value})"
        )

    @property
    def channels(self) -> list[int]:
        """The channel numbers shown now (empty while the layer's maps are unknown)."""
        known = self._per_image.get(self.layer_dropdown.value)
        if known is None:
            return []
        first = self.first_channel_slider.value
        return list(range(first, min(first + self.max_maps, known[1])))

    # -- updates: each one ends in _show() or _fail(), never in an exception -------------

    def _on_layer(self, change=None):
        maps = self._compute()
        if maps is None:
            return
        # keep the panel count fixed while sliding, so updates stay in place
        with self._syncing_controls(self.first_channel_slider):
            self.first_channel_slider.max = max(0, maps.shape[-1] - self.max_maps)
        self._draw(maps, rebuild=True)

    def _on_image_or_channels(self, change=None):
        if self._syncing:
            return
        maps = self._compute()
        if maps is not None:
            self._draw(maps, rebuild=self.display_ is None)

    def _compute(self):
        """The shown image's maps at the current layer (cached), or None after showing
        why not."""
        label, index = self.layer_dropdown.value, self.image_slider.value
        for key in self._maps:
            if key[0] == label and key[1] <= index < key[2]:
                self._maps.move_to_end(key)  # the least recently used go first
                return self._maps[key][index - key[1]]
        first, stop = self._block(label, index)
        try:
            maps = inspection.feature_maps(self.model, self.images[first:stop], self._layers[label])
        except Exception as exc:  # noqa: BLE001 - shown in words; the next choice retries
            self._fail(text("explorer.cannot_compute_maps", layer=label, error=words(exc)))
            return None
        if maps.ndim != 4 or 0 in maps.shape[1:]:
            self._fail(_empty_message(label, maps.shape, self.images.shape))
            return None
        self._per_image[label] = (maps[0].nbytes, maps.shape[-1])
        self._maps[(label, first, stop)] = maps  # only successes are cached
        while len(self._maps) > 1 and sum(m.nbytes for m in self._maps.values()) > _CACHE_BYTES:
            self._maps.popitem(last=False)
        return maps[index - first]

    def _block(self, label, index):
        """The images ``first:stop`` to compute with ``index``: as many as fit a block."""
        known = self._per_image.get(label)
        size = _FIRST_BLOCK if known is None else max(1, _BLOCK_BYTES // max(known[0], 1))
        first = index - index % size
        return first, min(len(self.images), first + size)

    def _draw(self, maps, *, rebuild: bool):
        """Draw ``maps`` (the shown image's, ``(H, W, C)``) at the chosen channels."""
        label = self.layer_dropdown.value
        try:
            shown = maps[..., self.channels]
            bad = int(shown.size - np.count_nonzero(np.isfinite(shown)))
            if bad:  # a broken model (diverged training) would draw a silent blank
                self._fail(
                    text(
                        "feature_map_explorer.not_finite",
                        layer=label,
                        image=self.image_slider.value,
                        bad=bad,
                        total=shown.size,
                    )
                )
                return
            if rebuild:
                self._new_figure()
                self.display_ = FeatureMapDisplay.from_result(
                    shown,
                    layer_name=self._layers[label].name,
                    channels=self.channels,
                    ax=self._ax_maps,
                )
            else:
                self.display_.set_maps(shown, channels=self.channels)
                self._input_artist.set_data(self._input_picture())
                self._input_title.set_text(self._caption())
            self._show(maps)
        except Exception as exc:  # noqa: BLE001 - shown in words; the next choice redraws
            self._fail(text("feature_map_explorer.cannot_draw", layer=label, error=words(exc)))

    def _new_figure(self):
        self.figure.clear()
        ax_image = self.figure.add_axes((0.01, 0.08, 0.17, 0.8))
        self._ax_maps = self.figure.add_axes((0.21, 0.02, 0.78, 0.9))
        picture = self._input_picture()
        self._input_artist = ax_image.imshow(
            picture, cmap=IMAGE_CMAP if picture.ndim == 2 else None
        )
        self._input_title = ax_image.set_title(self._caption(), fontsize=9)
        ax_image.set_xticks([])
        ax_image.set_yticks([])

    def _input_picture(self):
        return screen_image(self.images[self.image_slider.value])

    def _caption(self):
        index = self.image_slider.value
        if self.labels:
            return text("explorer.caption_label", index=index, label=self.labels[index])
        return text("explorer.caption", index=index)

    def _show(self, maps):
        h, w, c = maps.shape
        first, last = self.channels[0], self.channels[-1]
        caption = html.escape(self._caption())
        showing = text(
            "feature_map_explorer.status.showing", first=first, last=last, caption=caption
        )
        body = (
            f"<b>{html.escape(self.layer_dropdown.value)}</b>: "
            f"{text('feature_map_explorer.status.maps', c=c, h=h, w=w)}<br>{showing}"
            f"<br>{text('feature_map_explorer.status.scale')}"
        )
        self.note = self._silent_note(maps[..., self.channels])
        if self.note:
            body += f"<br><span style='color:{GREY}'>{html.escape(self.note)}</span>"
        self._show_status(body)
        self._render()

    def _silent_note(self, shown):
        """Words for the channels shown that are 0 everywhere on this image, or None."""
        silent = [c for n, c in enumerate(self.channels) if not np.any(shown[..., n])]
        if not silent:
            return None
        if len(silent) == len(self.channels):
            return text("feature_map_explorer.silent.all", caption=self._caption())
        return text(
            f"feature_map_explorer.silent.{'many' if len(silent) > 1 else 'one'}",
            channels=", ".join(map(str, silent)),
            caption=self._caption(),
        )

    def _draw_failure(self, message, heading):
        """The picture keeps only the input image, and says that no maps are drawn."""
        self.display_ = None
        self.note = None
        self._new_figure()
        self._ax_maps.set_axis_off()
        self._ax_maps.text(0.5, 0.5, text("feature_map_explorer.no_maps"), ha="center", color="0.4")


def _empty_message(label, shape, images_shape):
    """Why a layer's maps cannot be drawn: no grid (or no channels) for these images."""
    size = f"{images_shape[1]}x{images_shape[2]}"
    return text("feature_map_explorer.empty", layer=label, shape=tuple(shape[1:]), size=size)
