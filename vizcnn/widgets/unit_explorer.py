"""UnitExplorer: one unit of a layer, from four sides, in one figure.

Pick a layer, a channel, a unit (row, column) of the layer's grid and an image; the
figure shows

1. the image with the chosen unit's receptive field boxed (the graph walk's field,
   :func:`vizcnn.inspection.field_of`);
2. the unit's *effective* receptive field: ``|d unit / d input|`` averaged over the first
   few images (:func:`vizcnn.inspection.effective_receptive_field`, all channels of the
   unit summed), with the same box;
3. the ``k`` images whose strongest unit of the channel fires hardest, the peak unit's
   field boxed (what :func:`vizcnn.inspection.top_activating_patches` returns);
4. the channel's activation-maximisation picture
   (:func:`vizcnn.inspection.activation_maximization`), computed only when asked for.

What costs TensorFlow work is computed once and cached: a layer's feature maps for all
the images (one batched call per layer, reduced at once to each image's peak per channel,
so a change of channel is NumPy work), the effective field per (layer, unit), and the
activation maximisation per (layer, channel). The figure is built once; every change
updates its artists in place and renders it to PNG for an ``ipywidgets.Image`` (see
``_png_figure`` and ``benchmarks/bench_unit_explorer.py``).

A widget cannot raise into the learner's notebook, so every problem is written in words
in ``status_html`` instead, and the next valid choice draws again.
"""

from __future__ import annotations

import html
import math
import warnings
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from vizcnn import inspection, validation
from vizcnn.style import IMAGE_CMAP
from vizcnn.widgets._explorer_common import check_captions, choose_layers, words
from vizcnn.widgets._png_figure import png_figure, render_png

_STYLE = {"description_width": "90px"}
_BOX = "<div style='padding-left:16px;line-height:1.5{colour}'>{body}</div>"
_RED = ";color:#b2182b"
_N_ERF_IMAGES = 8  # the effective field is averaged over the first this many images
_UNIT_COLOUR = "#e41a1c"
_PEAK_COLOUR = "#ff7f00"
_PLACEHOLDER = "not computed yet:\npress the button"


@dataclass(frozen=True)
class _LayerPeaks:
    """One layer's feature maps over all the images, reduced to what the panels need."""

    scores: np.ndarray  # (N, C): each image's maximum of each channel
    where: np.ndarray  # (N, C): the flat index (row * W + column) of that maximum
    grid: tuple  # (H, W) of the layer's output


class UnitExplorer(widgets.VBox):
    """Explore one unit of a model: its field, its effective field, the images that excite
    its channel most, and the picture gradient ascent builds for that channel.

    Parameters
    ----------
    model : keras.Model
        Sequential or functional; nested models are searched.
    images : array-like, shape (N, H, W, C)
        The images to choose from and to search for top activations, as the model takes
        them (finite numbers).
    labels : sequence, optional
        One caption per image (e.g. its class name).
    layers : sequence of str or keras.layers.Layer, optional
        The layers to offer: objects, names, or ``"outer/inner"`` for a layer inside a
        nested model; each must output feature maps ``(N, H', W', C')``. Default: every
        such layer.
    k : int, default=9
        How many top-activating images to show, in ``1..N``.

    Attributes
    ----------
    layer_dropdown : ipywidgets.Dropdown
        Which layer (its name, or ``"outer/inner"`` where a name repeats).
    channel_slider : ipywidgets.IntSlider
        Which channel of the layer (0 .. C'-1).
    row_slider, column_slider : ipywidgets.IntSlider
        The unit, on the layer's grid; a new layer puts them on its centre unit.
    image_slider : ipywidgets.IntSlider
        Which image is shown with the unit's field (0 .. N-1).
    maximize_button : ipywidgets.Button
        "compute activation maximisation" for the current layer and channel (cached).
    auto_checkbox : ipywidgets.Checkbox
        When ticked, the activation maximisation is computed on every change of channel
        or layer (a few seconds each on a CPU).
    picture : ipywidgets.Image
        The rendered figure (PNG bytes in ``.value``).
    status_html : ipywidgets.HTML
        What is shown, or, in words, what went wrong.
    figure : matplotlib.figure.Figure
        The figure behind ``picture``.
    image_axes, erf_axes, maximization_axes : matplotlib.axes.Axes
    image_artist, erf_artist, maximization_image : matplotlib.image.AxesImage
        What those panels draw: the chosen image, the effective field, the activation
        maximisation (hidden until computed). Grey images are drawn as they are on the
        images' value range, RGB images scaled from that range to [0, 1].
    image_title : matplotlib.text.Text
    top_axes : list of matplotlib.axes.Axes
        One per top-activating image (``k``).
    top_images : list of matplotlib.image.AxesImage
        The top-activating images drawn, strongest first.
    top_titles : list of matplotlib.text.Text
        ``"#index: peak"`` (``"#index label: peak"`` with labels) per top image.
    top_header : matplotlib.text.Text
        Names the channel above the top images.
    unit_rectangle, erf_rectangle : matplotlib.patches.Rectangle
        The unit's receptive field on the image and on the effective field.
    top_rectangles : list of matplotlib.patches.Rectangle
        The peak unit's field on each top image.
    maximization_placeholder : matplotlib.text.Text
        Shown in place of the activation maximisation until it is computed.
    unit_box : tuple or None
        The unit's field ``((top, bottom), (left, right))``, inclusive, as
        ``ReceptiveField.box`` gives it (may hang over the border); None when unknown.
    top_patches : TopPatches or None
        The ``k`` images shown for the channel, as ``top_activating_patches`` returns them.
    effective_field : numpy.ndarray or None
        The effective field drawn, ``(H, W)``.
    maximized : dict
        ``(layer label, channel) -> image``: the activation maximisations computed so far.
    error : str or None
        The problem shown in ``status_html``, or None when everything could be drawn.

    Examples
    --------
    >>> explorer = vz.UnitExplorer(model, X_test[:500], labels=names)  # doctest: +SKIP
    >>> explorer.channel_slider.value = 5  # top images, titles and status follow
    >>> explorer.maximize_button.click()  # the activation maximisation, cached
    """

    def __init__(self, model, images, *, labels=None, layers=None, k: int = 9):
        validation.check_model(model)
        self.model = model
        self.images = validation.check_batch(model, images, name="images")
        n_images = len(self.images)
        self.labels = check_captions(labels, n_images)
        self.k = validation.check_int(k, "k")
        if not 1 <= self.k <= n_images:
            raise ValueError(
                f"k must be in 1..{n_images} (images holds {n_images} images), got {self.k}"
            )
        self._layers = choose_layers(model, layers)  # dropdown label -> layer object
        low, high = float(self.images.min()), float(self.images.max())
        self.value_range = (low, high if high > low else low + 1.0)

        self._peaks = {}  # label -> _LayerPeaks (only successes are cached)
        self._fields = {}  # label -> (ReceptiveField or None, note)
        self._erfs = {}  # (label, row, column) -> (H, W)
        self.maximized = {}
        self.error = None
        self.unit_box = None
        self.top_patches = None
        self.effective_field = None
        self._syncing = False  # slider bounds move during a layer change
        self._sliders_for = None  # the layer the channel and unit sliders fit
        self._problems = []  # what could not be drawn in this update (partial failures)
        self._notes = []  # what is worth knowing (an unknown field, a silent unit)
        self._silent = set()  # (label, channel) whose centre unit stayed 0 in the ascent

        def slider(description, maximum=0):
            return widgets.IntSlider(
                0, 0, maximum, description=description, style=_STYLE, continuous_update=False
            )

        self.layer_dropdown = widgets.Dropdown(
            options=list(self._layers), description="layer", style=_STYLE
        )
        self.channel_slider = slider("channel")
        self.row_slider = slider("unit row")
        self.column_slider = slider("unit column")
        self.image_slider = slider("image", n_images - 1)
        self.maximize_button = widgets.Button(
            description="compute activation maximisation",
            tooltip="gradient ascent on the input for this channel's centre unit (cached)",
            layout=widgets.Layout(width="260px"),
        )
        self.auto_checkbox = widgets.Checkbox(
            False,
            description="auto (on every change)",
            indent=False,
            layout=widgets.Layout(width="190px"),
        )
        self.status_html = widgets.HTML()
        n_erf = min(_N_ERF_IMAGES, n_images)
        self._legend = (
            "Left: the image with the unit's receptive field (red box), and the unit's "
            "effective field: |d unit / d pixel|, its channels summed, mean of images "
            f"0&ndash;{n_erf - 1}. Middle: the {self.k} of {n_images} images on which the "
            "channel peaks highest (orange box: the peak unit's field; title: image, "
            "peak). Right: an input built by gradient ascent to excite the channel's "
            "centre unit."
        )
        self.picture = widgets.Image(format="png")
        self.figure = png_figure((11.0, 5.0), 80)
        self._build_figure()

        self.layer_dropdown.observe(self._on_layer, names="value")
        for control in (self.channel_slider, self.auto_checkbox):
            control.observe(self._on_channel, names="value")
        for control in (self.row_slider, self.column_slider, self.image_slider):
            control.observe(self._on_unit_or_image, names="value")
        self.maximize_button.on_click(self._on_maximize)

        controls = widgets.VBox(
            [
                self.layer_dropdown,
                self.channel_slider,
                self.row_slider,
                self.column_slider,
                self.image_slider,
                widgets.HBox([self.maximize_button, self.auto_checkbox]),
            ],
            # the controls keep their width; the status text wraps beside them
            layout=widgets.Layout(min_width="460px", flex="0 0 auto"),
        )
        self.status_html.layout = widgets.Layout(flex="1 1 auto")
        super().__init__([widgets.HBox([controls, self.status_html]), self.picture])
        self._on_layer()

    def __repr__(self):
        # short and stable: the notebook stores this text
        return (
            f"UnitExplorer(layer {self.layer_dropdown.value!r}, "
            f"channel {self.channel_slider.value}, "
            f"unit ({self.row_slider.value}, {self.column_slider.value}), "
            f"image {self.image_slider.value})"
        )

    @property
    def position(self) -> tuple:
        """The unit ``(row, column)`` on the layer's grid."""
        return (self.row_slider.value, self.column_slider.value)

    # -- the figure, built once ---------------------------------------------------------

    def _build_figure(self):
        figure = self.figure
        blank = np.zeros(self.images.shape[1:3])

        def image_axes(rect, fontsize=9):
            ax = figure.add_axes(rect)
            # a frame but no axis: ticks and axis labels cost draw time and say nothing
            ax.xaxis.set_visible(False)
            ax.yaxis.set_visible(False)
            artist = ax.imshow(blank, cmap=IMAGE_CMAP, interpolation="nearest")
            # a plain text, not set_title: titles are re-positioned on every draw
            title = ax.text(
                0.5, 1.02, "", ha="center", va="bottom", fontsize=fontsize, transform=ax.transAxes
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
        self.top_axes, self.top_images, self.top_titles, self.top_rectangles = [], [], [], []
        for n in range(self.k):
            row, col = divmod(n, ncols)
            rect = (
                left + col * cell_w + 0.005,
                bottom + (nrows - 1 - row) * cell_h + 0.01,
                cell_w - 0.01,
                cell_h - 0.06,
            )
            ax, artist, title = image_axes(rect, fontsize=8)
            self.top_axes.append(ax)
            self.top_images.append(artist)
            self.top_titles.append(title)
            self.top_rectangles.append(box(ax, edgecolor=_PEAK_COLOUR, linewidth=1.2))
        self.top_header = figure.text(left + width / 2, 0.93, "", ha="center", fontsize=9)

        self.maximization_axes, self.maximization_image, self._am_title = image_axes(
            (0.745, 0.08, 0.245, 0.76)
        )
        self.maximization_placeholder = self.maximization_axes.text(
            0.5,
            0.5,
            _PLACEHOLDER,
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

    def _drawable(self, image):
        """One image as imshow takes it: grey as it is, RGB scaled to [0, 1]."""
        low, high = self.value_range
        if image.shape[-1] == 3:
            return np.clip((image - low) / (high - low), 0.0, 1.0)
        return image[..., 0]  # grey, or a channel count no screen shows: the first

    def _show_image(self, artist, image):
        artist.set_data(self._drawable(image))
        if image.shape[-1] != 3:
            artist.set_clim(*self.value_range)

    # -- events: each ends in _show() or _fail(), never in an exception ------------------

    def _on_layer(self, change=None):
        self._redraw()

    def _on_channel(self, change=None):
        if not self._syncing:
            self._redraw()

    def _on_unit_or_image(self, change=None):
        if not self._syncing:
            self._redraw()

    def _on_maximize(self, button=None):
        self._redraw(maximize=True)

    def _redraw(self, *, maximize=False):
        """Update every panel from the controls (cached work is reused)."""
        label = self.layer_dropdown.value
        peaks = self._layer_peaks(label)
        if peaks is None:
            return
        if self._sliders_for != label:
            self._fit_sliders(label, peaks)
        self._problems, self._notes = [], []
        try:
            channel = self.channel_slider.value
            field = self._field(label, peaks.grid)
            self._draw_unit(label, field)
            self._draw_top(label, channel, peaks, field)
            if maximize or self.auto_checkbox.value:
                self._maximize(label, channel)
            self._draw_maximization(label, channel)
            self._show(label, channel, peaks, field)
        except Exception as exc:  # noqa: BLE001 - shown in words; the next choice redraws
            self._fail(f"Could not draw layer {label!r}: {words(exc)}")

    def _fit_sliders(self, label, peaks):
        """The channel and unit sliders' ranges for a new layer, the unit on its centre."""
        rows, columns = peaks.grid
        self._syncing = True  # move the bounds without a redraw per slider
        try:
            self.channel_slider.max = peaks.scores.shape[1] - 1
            self.row_slider.max = rows - 1
            self.column_slider.max = columns - 1
            self.row_slider.value = rows // 2
            self.column_slider.value = columns // 2
        finally:
            self._syncing = False
        self._sliders_for = label

    # -- computing (cached) --------------------------------------------------------------

    def _layer_peaks(self, label):
        """The layer's per-image, per-channel peaks (cached), or None after saying why."""
        if label in self._peaks:
            return self._peaks[label]
        try:
            maps = inspection.feature_maps(self.model, self.images, self._layers[label])
        except Exception as exc:  # noqa: BLE001 - shown in words; the next choice retries
            self._fail(f"Could not compute the feature maps of layer {label!r}: {words(exc)}")
            return None
        if maps.ndim != 4:
            self._fail(f"Layer {label!r} outputs shape {maps.shape[1:]}, not feature maps")
            return None
        n, rows, columns, channels = maps.shape
        flat = maps.reshape(n, rows * columns, channels)
        scores = flat.max(axis=1)
        if not (np.isfinite(flat.min()) and np.isfinite(scores).all()):  # NaN, -inf, +inf
            self._fail(
                f"Layer {label!r} outputs NaN or infinite values: the model is broken, "
                "e.g. its training diverged (loss nan)"
            )
            return None
        peaks = _LayerPeaks(scores=scores, where=flat.argmax(axis=1), grid=(rows, columns))
        self._peaks[label] = peaks  # only successes are cached
        return peaks

    def _field(self, label, grid):
        """``(ReceptiveField or None, note)`` of the layer for these images (cached)."""
        if label not in self._fields:
            size = tuple(self.images.shape[1:3])
            try:
                _, field = inspection.field_of(self.model, self._layers[label], input_size=size)
            except ValueError as exc:
                self._fields[label] = (None, f"its receptive field is unknown ({words(exc)})")
            else:
                if field.is_global:
                    note = "its units see the whole image"
                elif None in tuple(field.size) or None in tuple(field.start):
                    note = f"its receptive field is unknown ({field.note})"
                elif tuple(field.grid) != tuple(grid):
                    note = f"its receptive field is for a grid {field.grid}, not {grid}"
                else:
                    note = None
                self._fields[label] = (None if note else field, note)
        field, note = self._fields[label]
        if note:
            self._notes.append(f"Layer {label!r}: {note}; boxes cover the whole image.")
        return field

    def _effective_field(self, label, position):
        key = (label, *position)
        if key not in self._erfs:
            self._erfs[key] = inspection.effective_receptive_field(
                self.model,
                self.images[:_N_ERF_IMAGES],
                self._layers[label],
                position=position,
            )
        return self._erfs[key]

    def _maximize(self, label, channel):
        if (label, channel) in self.maximized:
            return
        self.status_html.value = _BOX.format(
            colour="",
            body=f"computing the activation maximisation of channel {channel} of "
            f"<b>{html.escape(label)}</b>&hellip;",
        )
        self.maximize_button.disabled = True
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", RuntimeWarning)
                image = inspection.activation_maximization(
                    self.model,
                    self._layers[label],
                    channel,
                    image_shape=self.images.shape[1:],
                    value_range=self.value_range,
                )
        except Exception as exc:  # noqa: BLE001 - shown in words; pressing again retries
            self._problems.append(
                f"Could not compute the activation maximisation of channel {channel}: {words(exc)}"
            )
            return
        finally:
            self.maximize_button.disabled = False
        self.maximized[(label, channel)] = image
        if any("silent" in str(w.message) for w in caught):
            self._silent.add((label, channel))

    # -- drawing --------------------------------------------------------------------------

    def _draw_unit(self, label, field):
        index, position = self.image_slider.value, self.position
        self._show_image(self.image_artist, self.images[index])
        self.image_title.set_text(self._caption(index))
        height, width = self.images.shape[1:3]
        if field is None:
            self.unit_box = None
            box = ((0, height - 1), (0, width - 1))
        else:
            self.unit_box = box = field.box(position)
        for rectangle in (self.unit_rectangle, self.erf_rectangle):
            _place(rectangle, box)
        try:
            erf = self._effective_field(label, position)
        except Exception as exc:  # noqa: BLE001 - the other panels still mean something
            self.effective_field = None
            self.erf_artist.set_visible(False)
            self.erf_rectangle.set_visible(False)
            self._erf_message.set_text("effective field:\nnot measured")
            self._erf_message.set_visible(True)
            self._problems.append(
                f"Could not measure the effective field of unit {position}: {words(exc)}"
            )
        else:
            self.effective_field = erf
            self.erf_artist.set_data(erf)
            self.erf_artist.set_clim(0.0, float(erf.max()) or 1.0)
            self.erf_artist.set_visible(True)
            self.erf_rectangle.set_visible(True)
            self._erf_message.set_visible(False)
        n = min(_N_ERF_IMAGES, len(self.images))
        self._erf_title.set_text(f"effective field (images 0-{n - 1})")

    def _draw_top(self, label, channel, peaks, field):
        scores = peaks.scores[:, channel]
        order = np.argsort(-scores, kind="stable")[: self.k]  # as top_activating_patches
        positions = np.stack(np.unravel_index(peaks.where[order, channel], peaks.grid), axis=1)
        boxes = _clipped_boxes(field, positions, self.images.shape[1:3])
        self.top_patches = inspection.TopPatches(
            layer=label,
            channel=channel,
            scores=_frozen(scores[order].copy()),
            indices=_frozen(order.astype(int)),
            positions=_frozen(positions.astype(int)),
            boxes=_frozen(boxes),
            patches=[
                self.images[i, t:b, left:r].copy()
                for i, (t, left, b, r) in zip(order, boxes, strict=True)
            ],
        )
        for n, (index, score, (top, left, bottom, right)) in enumerate(
            zip(order, scores[order], boxes, strict=True)
        ):
            self._show_image(self.top_images[n], self.images[index])
            caption = f"#{index}" + (f" {self.labels[index]}" if self.labels else "")
            self.top_titles[n].set_text(f"{caption}: {score:.3g}")
            rectangle = self.top_rectangles[n]
            rectangle.set_xy((left - 0.5, top - 0.5))
            rectangle.set_width(right - left)
            rectangle.set_height(bottom - top)
        self.top_header.set_text(f"channel {channel}: its top {self.k} images")

    def _draw_maximization(self, label, channel):
        image = self.maximized.get((label, channel))
        self._am_title.set_text(f"channel {channel}: activation max.")
        if image is None:
            self.maximization_image.set_visible(False)
            self.maximization_placeholder.set_visible(True)
            return
        self._show_image(self.maximization_image, image)
        self.maximization_image.set_visible(True)
        self.maximization_placeholder.set_visible(False)
        if (label, channel) in self._silent:
            self._notes.append(
                f"The centre unit of channel {channel} stayed silent (0) during gradient "
                "ascent: the channel may be dead (it fires on no input in the images' range)."
            )

    def _caption(self, index):
        label = f": {self.labels[index]}" if self.labels else ""
        return f"image {index}{label}"

    # -- status ---------------------------------------------------------------------------

    def _show(self, label, channel, peaks, field):
        rows, columns = peaks.grid
        channels = peaks.scores.shape[1]
        position = self.position
        if field is None:
            sees = "receptive field unknown or global: the box covers the whole image"
        else:
            (top, bottom), (left, right) = self.unit_box
            size_h, size_w = field.size
            sees = (
                f"receptive field {size_h}&times;{size_w} pixels "
                f"(rows {top}&ndash;{bottom}, columns {left}&ndash;{right})"
            )
        index = self.image_slider.value
        peak_at = np.unravel_index(int(peaks.where[index, channel]), peaks.grid)
        if (label, channel) in self.maximized:
            am = "activation maximisation: shown (cached)"
        else:
            am = "activation maximisation: not computed yet (press the button)"
        lines = [
            f"<b>{html.escape(label)}</b>: grid {rows}&times;{columns}, {channels} channels",
            f"<b>channel {channel}</b>, unit ({position[0]}, {position[1]}): {sees}",
            f"{html.escape(self._caption(index))}: channel {channel} peaks at "
            f"{float(peaks.scores[index, channel]):.3g} there, at unit "
            f"({int(peak_at[0])}, {int(peak_at[1])})",
            am,
            f"<span style='color:#636363'>{self._legend}</span>",
        ]
        lines += [f"<span style='color:#636363'>{html.escape(n)}</span>" for n in self._notes]
        self.error = " ".join(self._problems) or None
        lines += [f"<span style='color:#b2182b'>{html.escape(p)}</span>" for p in self._problems]
        self.status_html.value = _BOX.format(colour="", body="<br>".join(lines))
        self._set_failed(False)
        self.picture.value = render_png(self.figure)

    def _fail(self, message: str):
        """Show ``message`` instead of the panels (they keep their artists)."""
        self.error = message
        self.top_patches = None
        self.effective_field = None
        self.unit_box = None
        body = f"<b>Nothing drawn.</b><br>{html.escape(message)}"
        self.status_html.value = _BOX.format(colour=_RED, body=body)
        try:  # an empty picture, so the old panels are not taken for this choice's
            self._set_failed(True)
            self.picture.value = render_png(self.figure)
        except Exception:  # noqa: BLE001 - the message above already says what is wrong
            pass

    def _set_failed(self, failed: bool):
        for ax in self._panels:
            ax.set_visible(not failed)
        self.top_header.set_visible(not failed)
        self._failure_text.set_text("nothing drawn: see the message above" if failed else "")
        self._failure_text.set_visible(failed)


def _place(rectangle, box):
    """Put ``rectangle`` around the pixels of ``((top, bottom), (left, right))`` inclusive."""
    (top, bottom), (left, right) = box
    rectangle.set_xy((left - 0.5, top - 0.5))  # pixel i covers i - 0.5 .. i + 0.5
    rectangle.set_width(right - left + 1)
    rectangle.set_height(bottom - top + 1)


def _clipped_boxes(field, positions, image_size) -> np.ndarray:
    """``(top, left, bottom, right)`` per unit, bottom/right exclusive, clipped (as
    ``TopPatches.boxes``); the whole image where the field is unknown."""
    height, width = image_size
    if field is None:
        return np.tile([0, 0, height, width], (len(positions), 1))
    boxes = []
    for row, col in positions:
        (top, bottom), (left, right) = field.box((int(row), int(col)))
        boxes.append([max(top, 0), max(left, 0), min(bottom + 1, height), min(right + 1, width)])
    return np.asarray(boxes, dtype=int).reshape(-1, 4)


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array
