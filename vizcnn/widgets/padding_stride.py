"""PaddingStrideExplorer: play with input size, kernel, stride, padding and dilation.

How the figure updates: a plain ``matplotlib.figure.Figure`` (not pyplot, no ipympl
needed) is built once; each change moves its artists in place
(:meth:`ConvArithmeticDisplay.update`) and the figure is rendered to PNG bytes that
replace the value of an ``ipywidgets.Image``. That works in any Jupyter front end and
in static HTML exports, and costs one Agg render per change (see
``benchmarks/bench_padding_stride_explorer.py``).

The diagram path never touches TensorFlow. The "what does a real Keras layer return"
check imports TensorFlow only on first use, runs after the diagram is drawn, and caches
its answer per setting.
"""

from __future__ import annotations

import html
import textwrap

import ipywidgets as widgets

from vizcnn.arithmetic import conv_output_size
from vizcnn.display.conv_arithmetic import COLORS, ConvArithmeticDisplay
from vizcnn.widgets._png_figure import png_figure, render_png

LAYERS = ("Conv2D", "MaxPool2D", "AveragePooling2D")
_LABEL_STYLE = {"description_width": "190px"}
_WIDE = widgets.Layout(width="500px")


class PaddingStrideExplorer(widgets.VBox):
    """Explore how padding, strides and dilation set a layer's output size.

    Parameters
    ----------
    input_size : int, default=7
        Starting input height and width (the slider goes to ``max_input_size``).
    kernel_size : int, default=3
    strides : int, default=1
    padding : {"valid", "same"}, default="same"
    dilation_rate : int, default=1
    layer : {"Conv2D", "MaxPool2D", "AveragePooling2D"}, default="Conv2D"
        Pooling layers have no dilation: the dilation slider is disabled for them.
    check_with_keras : bool, default=True
        Also build the real Keras layer and show the shape it returns.
    max_input_size : int, default=32
    figsize : (float, float), default=(8.0, 5.0)
    dpi : int, default=80

    Attributes
    ----------
    layer, padding : ipywidgets.ToggleButtons
    input_size, kernel_size, strides, dilation_rate : ipywidgets.IntSlider
    row, column : ipywidgets.IntSlider
        The output cell whose window is highlighted.
    check_with_keras : ipywidgets.Checkbox
    image : ipywidgets.Image
        The diagram, as PNG bytes.
    legend : ipywidgets.HTML
        The diagram's colour key.
    info : ipywidgets.HTML
        Output size, padding split and the formula with the numbers filled in (or the
        reason the settings are impossible).
    keras_info : ipywidgets.HTML
        The shape a real Keras layer returns for the same settings.
    display_ : vizcnn.ConvArithmeticDisplay
        Draws the diagram (``display_.figure_`` is the matplotlib figure).
    figure : matplotlib.figure.Figure
    error : str or None
        Why the current settings are impossible, None when they are fine.

    Examples
    --------
    >>> import vizcnn as vz
    >>> explorer = vz.PaddingStrideExplorer()
    >>> explorer.strides.value = 2  # the diagram, text and Keras check update
    >>> explorer  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        input_size=7,
        kernel_size=3,
        strides=1,
        padding="same",
        dilation_rate=1,
        layer="Conv2D",
        check_with_keras=True,
        max_input_size=32,
        figsize=(8.0, 5.0),
        dpi=80,
    ):
        if layer not in LAYERS:
            raise ValueError(f"layer must be one of {LAYERS}, got {layer!r}")
        # Validate the starting point once, loudly: later changes only show messages.
        conv_output_size(
            input_size, kernel_size, strides=strides, padding=padding, dilation_rate=dilation_rate
        )
        if not 1 <= input_size <= max_input_size:
            raise ValueError(f"input_size must be in 1..{max_input_size}, got {input_size}")

        def slider(value, lo, hi, description, tooltip):
            return widgets.IntSlider(
                value=value,
                min=lo,
                max=hi,
                description=description,
                tooltip=tooltip,
                style=_LABEL_STYLE,
                layout=_WIDE,
                continuous_update=True,
            )

        self.layer = widgets.ToggleButtons(
            options=LAYERS, value=layer, description="Layer", style=_LABEL_STYLE
        )
        self.input_size = slider(
            input_size, 1, max_input_size, "Input size (pixels)", "height = width of the input"
        )
        self.kernel_size = slider(kernel_size, 1, 9, "Kernel size", "window height = width")
        self.strides = slider(strides, 1, 5, "Stride (step)", "cells the window moves per step")
        self.padding = widgets.ToggleButtons(
            options=("valid", "same"),
            value=padding.lower(),
            description="Padding",
            tooltips=("no padding: only whole windows", "zeros so that output = input / stride"),
            style=_LABEL_STYLE,
        )
        self.dilation_rate = slider(
            dilation_rate, 1, 4, "Dilation (gap between taps)", "1 = an ordinary dense kernel"
        )
        self.row = slider(0, 0, 0, "Highlighted output row", "which output cell to explain")
        self.column = slider(0, 0, 0, "Highlighted output column", "which output cell to explain")
        self.check_with_keras = widgets.Checkbox(
            value=check_with_keras, description="Ask a real Keras layer", indent=False
        )
        self.image = widgets.Image(format="png")
        self.info = widgets.HTML()
        self.keras_info = widgets.HTML()
        self.error = None
        self._keras_cache = {}

        self.figure = png_figure(figsize, dpi)
        ax = self.figure.add_axes((0.01, 0.01, 0.98, 0.98))
        # No text in the figure: glyph rendering is most of an Agg draw, and the HTML
        # next to it (sizes, formula, colour key) says it all, selectable and sharp.
        self.display_ = ConvArithmeticDisplay(
            input_size, kernel_size, strides=strides, padding=padding, dilation_rate=dilation_rate
        ).plot(ax=ax, title="", legend=False, labels=False)
        self.legend = widgets.HTML(_legend_html())

        settings = (
            self.layer,
            self.input_size,
            self.kernel_size,
            self.strides,
            self.padding,
            self.dilation_rate,
        )
        for control in settings:
            control.observe(self._on_settings, names="value")
        for control in (self.row, self.column):
            control.observe(self._on_position, names="value")
        self.check_with_keras.observe(self._on_keras_toggle, names="value")
        self._syncing = False

        controls = widgets.VBox(
            [*settings, self.row, self.column, self.check_with_keras],
            layout=widgets.Layout(min_width="510px"),
        )
        text = widgets.VBox([self.info, self.keras_info], layout=widgets.Layout(padding="0 12px"))
        super().__init__([widgets.HBox([controls, text]), self.legend, self.image])
        self.update()

    def __repr__(self):
        # Short and stable: the default lists every child, PNG bytes included, and
        # ipywidgets cuts a widget's text/plain at 110 characters.
        s = self.settings
        return (
            f"PaddingStrideExplorer({self.layer.value}: input {s['input_size']}, "
            f"kernel {s['kernel_size']}, stride {s['strides']}, {s['padding']!r}, "
            f"dilation {s['dilation_rate']}, cell ({self.row.value}, {self.column.value}))"
        )

    # ------------------------------------------------------------------ state
    @property
    def settings(self):
        """The current settings as keyword arguments of ``vz.conv_output_size``."""
        pooling = self.layer.value != "Conv2D"
        return dict(
            input_size=self.input_size.value,
            kernel_size=self.kernel_size.value,
            strides=self.strides.value,
            padding=self.padding.value,
            dilation_rate=1 if pooling else self.dilation_rate.value,
        )

    def update(self):
        """Recompute everything from the controls and redraw (called on every change)."""
        self.dilation_rate.disabled = self.layer.value != "Conv2D"
        settings = self.settings
        try:
            out = conv_output_size(**settings)  # int settings: messages read like the controls
        except ValueError as exc:
            self._show_error(str(exc))
            return
        self.error = None
        # keep the highlighted cell (clipped to the new output), even if it was moved
        # while the settings were impossible
        position = (min(self.row.value, out - 1), min(self.column.value, out - 1))
        self.display_.update(**settings, position=position)
        self._sync_position_sliders()
        self.info.value = _info_html(self.display_)
        self._render()
        self._update_keras()

    def _position(self):
        return (self.row.value, self.column.value)

    def _sync_position_sliders(self):
        """Fit the row/column sliders to the new output size without a second redraw."""
        self._syncing = True
        try:
            for control, size, value in zip(
                (self.row, self.column),
                self.display_.output_size_,
                self.display_.position_,
                strict=True,
            ):
                control.max = max(size - 1, 0)
                control.value = value
        finally:
            self._syncing = False

    def _on_settings(self, change):
        self.update()

    def _on_position(self, change):
        if self._syncing or self.error:
            return
        self.display_.update(position=self._position())
        self.info.value = _info_html(self.display_)  # it names the cells this window reads
        self._render()

    def _on_keras_toggle(self, change):
        if self.error is None:
            self._update_keras()

    def _show_error(self, message):
        self.error = message
        self.display_.show_message("Impossible settings:\n" + textwrap.fill(message, 60))
        self.info.value = (
            '<div style="color:#b2182b;max-width:420px"><b>Impossible settings.</b><br>'
            f"{html.escape(message)}</div>"
        )
        self._render()
        # Let Keras confirm for convolutions. Never for pooling: a pooling window larger
        # than its input crashes TensorFlow's CPU kernel (floating point exception).
        if self.layer.value == "Conv2D":
            self._update_keras()
        else:
            self.keras_info.value = ""

    def _render(self):
        self.image.value = render_png(self.figure)

    # ------------------------------------------------------------------ Keras
    def _update_keras(self):
        if not self.check_with_keras.value:
            self.keras_info.value = ""
            return
        key = (self.layer.value, *self.settings.values())
        if key not in self._keras_cache:
            self._keras_cache[key] = _keras_shape(self.layer.value, **self.settings)
        shape, call = self._keras_cache[key]
        if isinstance(shape, str):  # Keras refused
            agrees = "and so does the formula" if self.error else "but the formula did not!"
            verdict = (
                f'<br><span style="color:#b2182b">refuses: {html.escape(shape)}</span> ({agrees})'
            )
            shape = "an error"
        elif self.error:
            verdict = '<span style="color:#b2182b">✗ but the formula said impossible</span>'
        elif tuple(shape) == (1, *self.display_.output_size_, 1):
            verdict = '<span style="color:#1b7837">✓ the same as the formula</span>'
        else:
            verdict = '<span style="color:#b2182b">✗ differs from the formula</span>'
        n = self.settings["input_size"]
        self.keras_info.value = (
            '<div style="max-width:460px"><b>A real Keras layer</b><br>'
            f"<code>{html.escape(call)}</code><br>"
            f"on a <code>(1, {n}, {n}, 1)</code> batch returns <code>{shape}</code> {verdict}"
            "</div>"
        )


def _legend_html():
    """The diagram's colour key, as HTML swatches."""
    entries = [
        ("input", "input cell"),
        ("padding", "padding"),
        ("extra", "extra padding (TF puts it after)"),
        ("unread", "never read (dropped)"),
        ("tap", "kernel tap"),
        ("output", "output cell"),
        ("current", "highlighted output"),
    ]
    swatch = (
        '<span style="display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;'
        'vertical-align:middle;border:1px solid #8c8c8c;background:{}"></span>{}'
    )
    return "<div>" + "".join(swatch.format(COLORS[key], text) for key, text in entries) + "</div>"


def _keras_shape(layer, *, input_size, kernel_size, strides, padding, dilation_rate):
    """Shape a real Keras layer returns on a zero batch (TensorFlow imported here)."""
    import numpy as np

    from vizcnn._tf import keras as _keras

    keras = _keras()
    if layer == "Conv2D":
        call = (
            f"keras.layers.Conv2D(1, {kernel_size}, strides={strides}, "
            f"padding={padding!r}, dilation_rate={dilation_rate})"
        )
    else:
        call = f"keras.layers.{layer}({kernel_size}, strides={strides}, padding={padding!r})"
    try:  # Keras refuses some settings already when the layer is made
        if layer == "Conv2D":
            made = keras.layers.Conv2D(
                1, kernel_size, strides=strides, padding=padding, dilation_rate=dilation_rate
            )
        else:
            made = getattr(keras.layers, layer)(kernel_size, strides=strides, padding=padding)
        shape = tuple(made(np.zeros((1, input_size, input_size, 1), "float32")).shape)
    except Exception as exc:  # shown to the learner, not raised
        return str(exc).splitlines()[0], call
    return shape, call


def _info_html(d):
    """Output size, padding split and the formula with the numbers filled in."""
    n, k, s, dil = d.input_size[0], d.kernel_size[0], d.strides[0], d.dilation_rate[0]
    g = d.rows_
    span = g.span
    lines = [f"<b>Output: {g.output_size} × {g.output_size}</b>"]
    if d.padding == "valid":
        lines.append(
            "valid: <code>out = ⌊(n − d·(k−1) − 1) / s⌋ + 1</code><br>"
            f"<code>= ⌊({n} − {dil}·({k}−1) − 1) / {s}⌋ + 1 "
            f"= ⌊{n - span} / {s}⌋ + 1 = {g.output_size}</code>"
        )
    else:
        total = g.pad_before + g.pad_after
        lines.append(
            f"same: <code>out = ⌈n / s⌉ = ⌈{n} / {s}⌉ = {g.output_size}</code><br>"
            "padding <code>= max((out−1)·s + d·(k−1) + 1 − n, 0)</code><br>"
            f"<code>= max({g.output_size - 1}·{s} + {span} − {n}, 0) = {total}</code>"
            f" → before {g.pad_before}, after {g.pad_after}"
            + (" (odd total: the extra zero goes after)" if g.pad_after > g.pad_before else "")
        )
    if dil > 1:
        lines.append(f"dilated kernel spans <code>{dil}·({k}−1) + 1 = {span}</code> cells")
    if g.dropped:
        lines.append(
            f'<span style="color:#636363">the last {g.dropped} {_plural(g.dropped, "row")} '
            f"and {_plural(g.dropped, 'column')} are never read by any window</span>"
        )
    i, j = d.position_
    rows = d.rows_.taps(i)
    lines.append(
        f"highlighted output ({i}, {j}) reads input rows {_coords(rows, g.input_size)}, "
        f"columns {_coords(d.cols_.taps(j), g.input_size)}"
    )
    return '<div style="line-height:1.6;max-width:460px">' + "<br>".join(lines) + "</div>"


def _plural(n, word):
    return word if n == 1 else word + "s"


def _coords(taps, size):
    """Tap coordinates, padding ones marked as 'pad'."""
    return ", ".join(str(t) if 0 <= t < size else "pad" for t in taps)
