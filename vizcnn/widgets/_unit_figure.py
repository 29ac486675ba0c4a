"""The figure of a :class:`~vizcnn.widgets.unit_explorer.UnitExplorer`, built once and
updated in place: the image with the unit's field boxed, the effective field, the ``k``
top-activating images with their peak unit's field boxed, and the activation
maximisation. Nothing here runs TensorFlow: the explorer computes, this draws.

The panels are the library's displays, drawn once into the widget's Axes and then
changed with their ``update``: :class:`~vizcnn.ReceptiveFieldDisplay` (the image and the
effective field, at build, on a blank image), :class:`~vizcnn.TopPatchesDisplay` (at the
first channel drawn) and :class:`~vizcnn.ActivationMaximizationDisplay` (at build,
hidden until a picture is computed).
"""

from __future__ import annotations

import math

import numpy as np

from vizcnn.display.receptive_field import ReceptiveFieldDisplay
from vizcnn.display.unit_response import ActivationMaximizationDisplay, TopPatchesDisplay
from vizcnn.language import text

_UNIT_COLOUR = "#e41a1c"
_PEAK_COLOUR = "#ff7f00"


class UnitFigure:
    """The panels of a UnitExplorer (a mixin: it needs ``figure``, ``images``, ``k``,
    ``labels`` and ``value_range`` on ``self``; the artists it makes are the explorer's
    public attributes)."""

    def _build_figure(self):
        figure = self.figure

        def image_axes(rect):
            ax = figure.add_axes(rect)
            # no axis: ticks and axis labels cost draw time and say nothing
            ax.xaxis.set_visible(False)
            ax.yaxis.set_visible(False)
            return ax

        self.image_axes = image_axes((0.01, 0.52, 0.22, 0.38))
        self.erf_axes = image_axes((0.01, 0.05, 0.22, 0.38))
        # the unit's field on the image and on the effective field: a ReceptiveFieldDisplay
        # drawn on a blank image of unknown field, moved by _draw_fields
        blank = np.zeros(self.images.shape[1:], dtype="float32")
        self._field_display = ReceptiveFieldDisplay(
            blank, None, position=None, layer_name="", effective_note=""
        ).plot(
            ax=[self.image_axes, self.erf_axes],
            color=_UNIT_COLOUR,
            title=" ",
            value_range=self.value_range,
        )
        field = self._field_display
        self.image_artist, self.erf_artist = field.image_artist_, field.effective_image_
        self.unit_rectangle = field.patches_[0]["theoretical"]
        self.erf_rectangle = field.patches_[1]["theoretical"]
        self._erf_message = field.effective_text_  # "not measured", in the widget's words
        self.image_title, self._erf_title = self.image_axes.title, self.erf_axes.title
        for title in (self.image_title, self._erf_title):
            title.set_fontsize(9)  # small panels; update() keeps it

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

    def _draw_fields(self, index, field, position, erf, *, note, erf_title):
        """Image ``index`` with ``field``'s box around the unit at ``position`` (the whole
        image where ``field`` is None), and the effective field ``erf`` ``(H, W)`` with
        the same box, or, where it is None, ``note`` in its place."""
        self.effective_field = erf
        self._field_display.update(
            self.images[index],
            field,
            position=position,
            effective=erf,
            effective_note=note,
            title=self._caption(index),
        )
        self._erf_title.set_text(erf_title)  # the widget's words, not the display's

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
