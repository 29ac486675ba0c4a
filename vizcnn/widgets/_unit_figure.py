"""The figure of a :class:`~vizcnn.widgets.unit_explorer.UnitExplorer`, built once and
updated in place: the image with the unit's field boxed, the effective field, the ``k``
top-activating images with their peak unit's field boxed, and the activation
maximisation. Nothing here runs TensorFlow: the explorer computes, this draws.

The last two panels are the library's displays, drawn once into the widget's Axes and
then changed with their ``update``: :class:`~vizcnn.TopPatchesDisplay` (at the first
channel drawn) and :class:`~vizcnn.ActivationMaximizationDisplay` (at build, hidden
until a picture is computed).
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.patches import Rectangle

from vizcnn.display.screen import screen_image
from vizcnn.display.unit_response import ActivationMaximizationDisplay, TopPatchesDisplay
from vizcnn.language import text
from vizcnn.style import IMAGE_CMAP

_UNIT_COLOUR = "#e41a1c"
_PEAK_COLOUR = "#ff7f00"


class UnitFigure:
    """The panels of a UnitExplorer (a mixin: it needs ``figure``, ``images``, ``k``,
    ``labels`` and ``value_range`` on ``self``; the artists it makes are the explorer's
    public attributes)."""

    def _build_figure(self):
        figure = self.figure
        blank = np.zeros(self.images.shape[1:3])

        def image_axes(rect):
            ax = figure.add_axes(rect)
            # a frame but no axis: ticks and axis labels cost draw time and say nothing
            ax.xaxis.set_visible(False)
            ax.yaxis.set_visible(False)
            artist = ax.imshow(blank, cmap=IMAGE_CMAP, interpolation="nearest")
            # a plain text, not set_title: titles are re-positioned on every draw
            title = ax.text(
                0.5, 1.02, "", ha="center", va="bottom", fontsize=9, transform=ax.transAxes
            )
            return ax, artist, title

        def box(ax, **style):
            return ax.add_patch(Rectangle((0, 0), 1, 1, fill=False, **style))

        self.image_axes, self.image_artist, self.image_title = image_axes((0.01, 0.52, 0.22, 0.38))
        self.unit_rectangle = box(self.image_axes, edgecolor=_UNIT_COLOUR, linewidth=1.5)
        self.erf_axes, self.erf_artist, self._erf_title = image_axes((0.01, 0.05, 0.22, 0.38))
        self.erf_artist.set_cmap("magma")
        self.erf_rectangle = box(self.erf_axes, edgecolor="white", linewidth=1.0, linestyle="--")
        self._erf_message = self.erf_axes.text(
            0.5,
            0.5,
            "",
            ha="center",
            va="center",
            fontsize=8,
            color="0.4",
            transform=self.erf_axes.transAxes,
            visible=False,
        )

        ncols = min(self.k, math.ceil(math.sqrt(self.k)))
        nrows = math.ceil(self.k / ncols)
        left, bottom, width, height = 0.27, 0.02, 0.44, 0.84
        cell_w, cell_h = width / ncols, height / nrows
        self.top_axes = []
        for n in range(self.k):
            row, col = divmod(n, ncols)
            rect = (
                left + col * cell_w + 0.005,
                bottom + (nrows - 1 - row) * cell_h + 0.01,
                cell_w - 0.01,
                cell_h - 0.06,
            )
            self.top_axes.append(figure.add_axes(rect))
            self.top_axes[-1].set_axis_off()  # empty until the display draws into it
        # TopPatchesDisplay's artists, once it has drawn (_draw_top)
        self._top_display, self.top_images, self.top_titles, self.top_rectangles = None, [], [], []
        self.top_header = figure.text(left + width / 2, 0.93, "", ha="center", fontsize=9)

        self.maximization_axes = figure.add_axes((0.745, 0.08, 0.245, 0.76))
        blank = np.zeros((1, *self.images.shape[1:]), dtype="float32")
        self._am_display = ActivationMaximizationDisplay(blank, value_range=self.value_range).plot(
            ax=self.maximization_axes
        )
        self.maximization_image = self._am_display.image_artists_[0]
        self.maximization_image.set_visible(False)  # until a picture is computed
        self._am_title = self._am_display.titles_[0]  # worded by the widget: see _draw_maximization
        self._am_title.set_fontsize(9)
        self.maximization_placeholder = self.maximization_axes.text(
            0.5,
            0.5,
            text("unit_explorer.placeholder"),
            ha="center",
            va="center",
            fontsize=9,
            color="0.4",
            transform=self.maximization_axes.transAxes,
        )
        self._panels = [self.image_axes, self.erf_axes, *self.top_axes, self.maximization_axes]
        self._failure_text = figure.text(
            0.5, 0.5, "", ha="center", va="center", fontsize=11, color="0.4", visible=False
        )

    def _show_image(self, artist, image):
        artist.set_data(screen_image(image, value_range=self.value_range))
        if image.shape[-1] != 3:
            artist.set_clim(*self.value_range)

    def _draw_image_and_box(self, index, box):
        """The chosen image, its caption, and ``box`` on it and on the effective field."""
        self._show_image(self.image_artist, self.images[index])
        self.image_title.set_text(self._caption(index))
        for rectangle in (self.unit_rectangle, self.erf_rectangle):
            _place(rectangle, box)

    def _draw_effective_field(self, erf, *, title, message=None):
        """Draw ``erf`` ``(H, W)``, or, where it is None, ``message`` in its place."""
        self.effective_field = erf
        shown = erf is not None
        if shown:
            self.erf_artist.set_data(erf)
            self.erf_artist.set_clim(0.0, float(erf.max()) or 1.0)
        self.erf_artist.set_visible(shown)
        self.erf_rectangle.set_visible(shown)
        self._erf_message.set_text("" if shown else message)
        self._erf_message.set_visible(not shown)
        self._erf_title.set_text(title)

    def _draw_top(self, top):
        """The images of ``top`` (:class:`TopPatches`), their peak units' fields boxed:
        drawn by a TopPatchesDisplay the first time, changed in place after."""
        if self._top_display is None:
            display = TopPatchesDisplay(top, self.images, labels=self.labels)
            display.plot(ax=self.top_axes, value_range=self.value_range, color=_PEAK_COLOUR)
            for title in display.titles_:
                title.set_fontsize(8)  # small panels, whatever k
            self._top_display = display
            self.top_images, self.top_titles = display.image_artists_, display.titles_
            self.top_rectangles = display.rectangles_
        else:
            self._top_display.update(top)
        self.top_patches = top
        self.top_header.set_text(text("unit_explorer.top_header", channel=top.channel, k=self.k))

    def _draw_maximization(self, label, channel):
        image = self.maximized.get((label, channel))
        if image is not None:
            self._am_display.update(image[None], channels=[channel])
        # the panel's title says more than the display's "channel N": the widget words it
        self._am_title.set_text(text("unit_explorer.maximization_title", channel=channel))
        self.maximization_image.set_visible(image is not None)
        self.maximization_placeholder.set_visible(image is None)

    def _caption(self, index):
        if self.labels:
            return text("explorer.caption_label", index=index, label=self.labels[index])
        return text("explorer.caption", index=index)

    def _set_failed(self, failed: bool):
        for ax in self._panels:
            ax.set_visible(not failed)
        self.top_header.set_visible(not failed)
        self._failure_text.set_text(text("unit_explorer.failed") if failed else "")
        self._failure_text.set_visible(failed)


def _place(rectangle, box):
    """Put ``rectangle`` around the pixels of ``((top, bottom), (left, right))`` inclusive."""
    (top, bottom), (left, right) = box
    rectangle.set_xy((left - 0.5, top - 0.5))  # pixel i covers i - 0.5 .. i + 0.5
    rectangle.set_width(right - left + 1)
    rectangle.set_height(bottom - top + 1)
