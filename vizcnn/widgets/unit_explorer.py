"""UnitExplorer: one unit of a layer, from four sides, in one figure.

Pick a layer, a channel, a unit (row, column) of the layer's grid and an image; the
figure (``_unit_figure``) shows

1. the image with the chosen unit's receptive field boxed (the graph walk's field,
   :func:`vizcnn.inspection.field_of`, drawn by :class:`vizcnn.ReceptiveFieldDisplay`);
2. the unit's *effective* receptive field: ``|d unit / d input|`` averaged over the first
   few images (:func:`vizcnn.inspection.effective_receptive_field`, all channels of the
   unit summed), with the same box, while ``effective_field_checkbox`` is ticked;
3. the ``k`` images whose strongest unit of the channel fires hardest, the peak unit's
   field boxed (:meth:`ChannelPeaks.top`, what
   :func:`vizcnn.inspection.top_activating_patches` returns);
4. the channel's activation-maximisation picture
   (:func:`vizcnn.inspection.activation_maximization`), computed only when asked for.

What costs TensorFlow work is computed once and cached: a layer's per-image peak of every
channel (:func:`vizcnn.inspection.top_patches.channel_peaks`, one pass per layer, so a
change of channel or image is NumPy work), its receptive field, the effective field per
(layer, unit) (an eager gradient: seconds per unit on a large model, so there it waits
for its checkbox), and the activation maximisation per (layer, channel). The figure is
built once and updated in place (see ``benchmarks/bench_unit_explorer.py``).

A widget cannot raise into the learner's notebook, so every problem is written in words
in ``status_html`` instead (``_explorer_base``), and the next valid choice draws again.
"""

from __future__ import annotations

import html
import warnings

import ipywidgets as widgets

from vizcnn import inspection, validation
from vizcnn.inspection import top_patches
from vizcnn.language import text
from vizcnn.widgets._explorer_base import ExplorerBase
from vizcnn.widgets._explorer_common import choose_layers, words
from vizcnn.widgets._unit_figure import UnitFigure
from vizcnn.widgets._unit_text import field_note, status_html

_STYLE = {"description_width": "90px"}
_N_ERF_IMAGES = 8  # the effective field is averaged over the first this many images
_K = 9  # top images shown by default (fewer when fewer images are given)
_ERF_AUTO_LAYERS = 60  # above this many layers the effective field starts switched off


class UnitExplorer(UnitFigure, ExplorerBase):
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
    k : int, optional
        How many top-activating images to show, in ``1..N``. Default: 9, or ``N`` when
        fewer images are given.
    effective_field : bool, optional
        Whether to start with the effective field measured (``effective_field_checkbox``
        ticked). Default: on for models of at most 60 layers, off for larger ones such as
        ``keras.applications`` models, where one measurement (an eager gradient through
        every layer) takes seconds per unit on a CPU; tick the box to measure.

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
    effective_field_checkbox : ipywidgets.Checkbox
        When ticked, the unit's effective field is measured (cached per layer and unit);
        unticked, its panel says how to ask for it.
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
        The unit's receptive field (dashed) on the image and on the effective field, as
        :class:`~vizcnn.ReceptiveFieldDisplay` draws it: the part over the padding hatched,
        the pixels in the image framed, the image's view widened to the field and the
        effective field's zoomed on it.
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
        The effective field drawn, ``(H, W)``; None while it is not measured.
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

    _status_style = "padding-left:16px;line-height:1.5"

    def __init__(self, model, images, *, labels=None, layers=None, k=None, effective_field=None):
        validation.check_model(model)
        self.model = model
        self.images = validation.check_batch(model, images, name="images")
        n_images = len(self.images)
        self.labels = validation.check_captions(labels, n_images)
        self.k = min(_K, n_images) if k is None else validation.check_int(k, "k")
        if not 1 <= self.k <= n_images:
            raise ValueError(
                f"k must be in 1..{n_images} (images holds {n_images} images), got {self.k}"
            )
        if effective_field is None:
            effective_field = len(list(inspection.iter_layers(model))) <= _ERF_AUTO_LAYERS
        effective_field = validation.check_bool(effective_field, "effective_field")
        self._layers = choose_layers(model, layers)  # dropdown label -> layer object
        low, high = float(self.images.min()), float(self.images.max())
        self.value_range = (low, high if high > low else low + 1.0)
        self._init_explorer((11.0, 5.0), 80)  # picture, figure, error

        self._peaks = {}  # label -> ChannelPeaks (only successes are cached)
        self._fields = {}  # label -> (ReceptiveField or None, note: (message key, fields) or None)
        self._erfs = {}  # (label, row, column) -> (H, W)
        self.maximized = {}
        self.unit_box = None
        self.top_patches = None
        self.effective_field = None
        self._sliders_for = None  # the layer the channel and unit sliders fit
        self._problems = []  # what could not be drawn in this update (partial failures)
        self._notes = []  # what is worth knowing (an unknown field, a silent unit)
        self._silent = set()  # (label, channel) whose centre unit stayed 0 in the ascent

        def label_text(key):  # the controls speak the language of the lesson that built them
            return text(f"unit_explorer.{key}")

        def slider(key, maximum=0):
            return widgets.IntSlider(
                0, 0, maximum, description=label_text(key), style=_STYLE, continuous_update=False
            )

        def checkbox(value, key, width):
            return widgets.Checkbox(
                value, description=label_text(key), indent=False, layout=widgets.Layout(width=width)
            )

        self.layer_dropdown = widgets.Dropdown(
            options=list(self._layers), description=label_text("control.layer"), style=_STYLE
        )
        self.channel_slider = slider("control.channel")
        self.row_slider = slider("control.row")
        self.column_slider = slider("control.column")
        self.image_slider = slider("control.image", n_images - 1)
        self.maximize_button = widgets.Button(
            description=label_text("control.maximize"),
            tooltip=label_text("tooltip.maximize"),
            layout=widgets.Layout(width="260px"),
        )
        self.auto_checkbox = checkbox(False, "control.auto", "190px")
        self.effective_field_checkbox = checkbox(
            effective_field, "control.effective_field", "190px"
        )
        self.status_html = widgets.HTML()
        self._n_erf_images = min(_N_ERF_IMAGES, n_images)
        self._build_figure()

        self.layer_dropdown.observe(self._on_change, names="value")
        controls = (self.channel_slider, self.auto_checkbox, self.effective_field_checkbox)
        for control in (*controls, self.row_slider, self.column_slider, self.image_slider):
            control.observe(self._on_change, names="value")
        self.maximize_button.on_click(self._on_maximize)

        panel = widgets.VBox(
            [
                self.layer_dropdown,
                self.channel_slider,
                self.row_slider,
                self.column_slider,
                self.image_slider,
                widgets.HBox([self.maximize_button, self.auto_checkbox]),
                self.effective_field_checkbox,
            ],
            # the controls keep their width; the status text wraps beside them
            layout=widgets.Layout(min_width="460px", flex="0 0 auto"),
        )
        self.status_html.layout = widgets.Layout(flex="1 1 auto")
        super().__init__([widgets.HBox([panel, self.status_html]), self.picture])
        self._redraw()

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

    # -- events: each ends in _show() or _fail(), never in an exception ------------------

    def _on_change(self, change=None):
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
            self._draw_top(peaks.top(self.images, channel, k=self.k, field=field))
            if maximize or self.auto_checkbox.value:
                self._maximize(label, channel)
            self._draw_maximization(label, channel)
            self._show(label, channel, peaks, field)
        except Exception as exc:  # noqa: BLE001 - shown in words; the next choice redraws
            self._fail(text("unit_explorer.cannot_draw", layer=label, error=words(exc)))

    def _fit_sliders(self, label, peaks):
        """The channel and unit sliders' ranges for a new layer, the unit on its centre."""
        rows, columns = peaks.grid
        sliders = (self.channel_slider, self.row_slider, self.column_slider)
        with self._syncing_controls(*sliders):  # no redraw per slider
            self.channel_slider.max = peaks.channels - 1
            self.row_slider.max = rows - 1
            self.column_slider.max = columns - 1
            self.row_slider.value = rows // 2
            self.column_slider.value = columns // 2
        self._sliders_for = label

    # -- computing (cached) --------------------------------------------------------------

    def _layer_peaks(self, label):
        """The layer's per-image, per-channel peaks (cached), or None after saying why."""
        if label in self._peaks:
            return self._peaks[label]
        try:
            peaks = top_patches.channel_peaks(self.model, self.images, self._layers[label])
        except Exception as exc:  # noqa: BLE001 - shown in words; the next choice retries
            self._fail(text("explorer.cannot_compute_maps", layer=label, error=words(exc)))
            return None
        if not peaks.finite:
            self._fail(text("unit_explorer.not_finite", layer=label))
            return None
        self._peaks[label] = peaks  # only successes are cached
        return peaks

    def _field(self, label, grid):
        """The layer's ReceptiveField for these images, or None (cached, with a note)."""
        if label not in self._fields:
            size = tuple(self.images.shape[1:3])
            try:
                _, field = inspection.field_of(self.model, self._layers[label], input_size=size)
            except ValueError as exc:
                self._fields[label] = (None, ("field.unknown", {"why": words(exc)}))
            else:
                note = field_note(field, grid)
                self._fields[label] = (None if note else field, note)
        field, note = self._fields[label]
        if note:  # kept as a message key: written in the language of the status
            note = text(f"unit_explorer.{note[0]}", **note[1])
            self._notes.append(text("unit_explorer.field.note", layer=label, note=note))
        return field

    def _effective_field(self, label, position):
        key, layer = (label, *position), self._layers[label]
        if key not in self._erfs:
            x = self.images[:_N_ERF_IMAGES]
            self._erfs[key] = inspection.effective_receptive_field(
                self.model, x, layer, position=position
            )
        return self._erfs[key]

    def _maximize(self, label, channel):
        if (label, channel) in self.maximized:
            return
        self.status_html.value = self._status_html(
            text("unit_explorer.maximizing", channel=channel, layer=html.escape(label))
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
                text("unit_explorer.cannot_maximize", channel=channel, error=words(exc))
            )
            return
        finally:
            self.maximize_button.disabled = False
        self.maximized[(label, channel)] = image
        if any("silent" in str(w.message) for w in caught):
            self._silent.add((label, channel))

    # -- drawing (the panels themselves: _unit_figure) -------------------------------------

    def _draw_unit(self, label, field):
        position = self.position
        self.unit_box = None if field is None else field.box(position)
        erf, note = None, None
        if not self.effective_field_checkbox.value:
            note = text("unit_explorer.erf.off")
        else:
            try:
                erf = self._effective_field(label, position)
            except Exception as exc:  # noqa: BLE001 - the other panels still mean something
                note = text("unit_explorer.erf.failed")
                self._problems.append(
                    text("unit_explorer.cannot_measure", position=position, error=words(exc))
                )
        title = text("unit_explorer.erf.title", last=self._n_erf_images - 1)
        self._draw_fields(self.image_slider.value, field, position, erf, note=note, erf_title=title)

    # -- status ---------------------------------------------------------------------------

    def _show(self, label, channel, peaks, field):
        if (label, channel) in self._silent and (label, channel) in self.maximized:
            self._notes.append(text("unit_explorer.silent", channel=channel))
        self._show_status(status_html(self, label, channel, peaks, field))
        self.error = " ".join(self._problems) or None
        self._set_failed(False)
        self._render()

    def _draw_failure(self, message, heading):
        """Hide the panels (they keep their artists), so old ones are not taken for new."""
        self.top_patches = None
        self.effective_field = None
        self.unit_box = None
        self._set_failed(True)
