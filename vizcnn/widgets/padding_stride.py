"""PaddingStrideExplorer: play with input size, kernel, stride, padding and dilation.

How the figure updates: a plain ``matplotlib.figure.Figure`` (not pyplot, no ipympl
needed) is built once; each change moves its artists in place
(:meth:`ConvArithmeticDisplay.update`) and the figure is rendered to PNG bytes that
replace the value of an ``ipywidgets.Image``. That works in any Jupyter front end and
in static HTML exports, and costs one Agg render per change (see
``benchmarks/bench_padding_stride_explorer.py``).

The diagram path never touches TensorFlow. The "what does a real Keras layer return"
check (:func:`vizcnn.inspection.keras_check.keras_output_shape`, which imports
TensorFlow on first use and caches its answers) runs after the diagram is drawn.
"""

from __future__ import annotations

import html
import textwrap

import ipywidgets as widgets

from vizcnn.arithmetic import PADDINGS, conv_output_size
from vizcnn.display.conv_arithmetic import ConvArithmeticDisplay
from vizcnn.language import text
from vizcnn.validation import (
    check_bool,
    check_figsize,
    check_int,
    check_one_of,
    check_positive_int,
)
from vizcnn.widgets._explorer_base import ExplorerBase
from vizcnn.widgets._explorer_text import info_html, legend_html

LAYERS = ("Conv2D", "MaxPool2D", "AveragePooling2D")  # as vizcnn.inspection.keras_check
_LABEL_STYLE = {"description_width": "190px"}
_WIDE = widgets.Layout(width="500px")
# The sliders' upper ends; a larger starting value widens its slider.
_KERNEL_MAX, _STRIDES_MAX, _DILATION_MAX = 9, 5, 4


def _broken():
    """The heading of a drawing failure (a bug, not impossible settings)."""
    return text("padding_stride.heading.broken")


def _typed(exc):
    """A drawing failure, with its kind: it is a bug, not impossible settings."""
    return f"{type(exc).__name__}: {exc}"


class PaddingStrideExplorer(ExplorerBase):
    """Explore how padding, strides and dilation set a layer's output size.

    Parameters
    ----------
    input_size : int, default=7
        Starting input height and width, in ``1..max_input_size``.
    kernel_size : int, default=3
    strides : int, default=1
    padding : {"valid", "same"}, default="same"
        Case-insensitive, as in Keras.
    dilation_rate : int, default=1
    layer : {"Conv2D", "MaxPool2D", "AveragePooling2D"}, default="Conv2D"
        Pooling layers have no dilation: the dilation slider is disabled for them.
    check_with_keras : bool, default=True
        Also build the real Keras layer and show the shape it returns.
    max_input_size : int, default=32
        The input-size slider's upper end.
    figsize : (float, float), default=(8.0, 5.0)
    dpi : int, default=80

    The starting settings must be possible (else ``ValueError``); later changes to the
    controls never raise: impossible settings are explained in words instead.

    Attributes
    ----------
    layer_buttons : ipywidgets.ToggleButtons
        The layer: ``"Conv2D"``, ``"MaxPool2D"`` or ``"AveragePooling2D"``.
    padding_buttons : ipywidgets.ToggleButtons
        ``"valid"`` or ``"same"``.
    input_size_slider, kernel_size_slider : ipywidgets.IntSlider
    strides_slider, dilation_rate_slider : ipywidgets.IntSlider
        The settings of the same names (the same on both axes).
    row_slider, column_slider : ipywidgets.IntSlider
        The output cell whose window is highlighted.
    keras_checkbox : ipywidgets.Checkbox
        Whether to ask a real Keras layer.
    picture : ipywidgets.Image
        The diagram, as PNG bytes.
    legend_html : ipywidgets.HTML
        The diagram's colour key.
    info_html : ipywidgets.HTML
        Output size, padding split and the formula with the numbers filled in (or why
        the settings are impossible).
    keras_html : ipywidgets.HTML
        The shape a real Keras layer returns for the same settings (empty when the
        checkbox is off).
    display_ : vizcnn.ConvArithmeticDisplay
        Draws the diagram (``display_.figure_`` is :attr:`figure`).
    figure : matplotlib.figure.Figure
    error : str or None
        Why the current settings are impossible, None when they are fine.
    settings : dict
        The current settings, as keyword arguments of ``vz.conv_output_size``.

    Examples
    --------
    >>> import vizcnn as vz
    >>> explorer = vz.PaddingStrideExplorer()
    >>> explorer.strides_slider.value = 2  # the diagram, text and Keras check update
    >>> explorer  # doctest: +SKIP
    """

    _status_style = "max-width:420px"

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
        layer = check_one_of(layer, "layer", LAYERS)
        padding = check_one_of(padding, "padding", PADDINGS, ignore_case=True)
        max_input_size = check_positive_int(max_input_size, "max_input_size")
        input_size = check_int(input_size, "input_size", minimum=1, maximum=max_input_size)
        kernel_size = check_positive_int(kernel_size, "kernel_size")
        strides = check_positive_int(strides, "strides")
        dilation_rate = check_positive_int(dilation_rate, "dilation_rate")
        check_with_keras = check_bool(check_with_keras, "check_with_keras")
        figsize = check_figsize(figsize)
        dpi = check_positive_int(dpi, "dpi")
        # The starting point must be possible, loudly: later changes only show messages.
        conv_output_size(
            input_size,
            kernel_size,
            strides=strides,
            padding=padding,
            dilation_rate=1 if layer != "Conv2D" else dilation_rate,
        )
        self._init_explorer(figsize, dpi)  # picture, figure, error

        def slider(value, hi, description, tooltip, lo=1):
            return widgets.IntSlider(
                value=value,
                min=lo,
                max=max(hi, value),
                description=description,
                tooltip=tooltip,
                style=_LABEL_STYLE,
                layout=_WIDE,
                continuous_update=True,
            )

        def label_text(key):  # the controls speak the language of the lesson that built them
            return text(f"padding_stride.{key}")

        self.layer_buttons = widgets.ToggleButtons(
            options=LAYERS, value=layer, description=label_text("control.layer"), style=_LABEL_STYLE
        )
        self.input_size_slider = slider(
            input_size,
            max_input_size,
            label_text("control.input_size"),
            label_text("tooltip.input_size"),
        )
        self.kernel_size_slider = slider(
            kernel_size,
            _KERNEL_MAX,
            label_text("control.kernel_size"),
            label_text("tooltip.kernel_size"),
        )
        self.strides_slider = slider(
            strides, _STRIDES_MAX, label_text("control.strides"), label_text("tooltip.strides")
        )
        self.padding_buttons = widgets.ToggleButtons(
            options=PADDINGS,
            value=padding,
            description=label_text("control.padding"),
            tooltips=tuple(label_text(f"tooltip.{option}") for option in PADDINGS),
            style=_LABEL_STYLE,
        )
        self.dilation_rate_slider = slider(
            dilation_rate,
            _DILATION_MAX,
            label_text("control.dilation"),
            label_text("tooltip.dilation"),
        )
        explain = label_text("tooltip.position")
        self.row_slider = slider(0, 0, label_text("control.row"), explain, lo=0)
        self.column_slider = slider(0, 0, label_text("control.column"), explain, lo=0)
        self.keras_checkbox = widgets.Checkbox(
            value=check_with_keras, description=label_text("control.keras"), indent=False
        )
        self.info_html = widgets.HTML()
        self.keras_html = widgets.HTML()
        self.legend_html = widgets.HTML(legend_html())

        ax = self.figure.add_axes((0.01, 0.01, 0.98, 0.98))
        # No text in the figure: glyph rendering is most of an Agg draw, and the HTML
        # next to it (sizes, formula, colour key) says it all, selectable and sharp.
        self.display_ = ConvArithmeticDisplay(**self.settings).plot(
            ax=ax, title="", legend=False, labels=False
        )

        settings = (
            self.layer_buttons,
            self.input_size_slider,
            self.kernel_size_slider,
            self.strides_slider,
            self.padding_buttons,
            self.dilation_rate_slider,
        )
        for control in settings:
            control.observe(self._on_settings, names="value")
        for control in (self.row_slider, self.column_slider):
            control.observe(self._on_position, names="value")
        self.keras_checkbox.observe(self._on_keras_toggle, names="value")

        controls = widgets.VBox(
            [*settings, self.row_slider, self.column_slider, self.keras_checkbox],
            layout=widgets.Layout(min_width="510px"),
        )
        beside = widgets.VBox(
            [self.info_html, self.keras_html], layout=widgets.Layout(padding="0 12px")
        )
        super().__init__([widgets.HBox([controls, beside]), self.legend_html, self.picture])
        self.update()

    def __repr__(self):
        # Short and stable: the default lists every child, PNG bytes included, and
        # ipywidgets cuts a widget's text/plain at 110 characters.
        s = self.settings
        return (
            f"PaddingStrideExplorer({self.layer_buttons.value}: input {s['input_size']}, "
            f"kernel {s['kernel_size']}, stride {s['strides']}, {s['padding']!r}, "
            f"dilation {s['dilation_rate']}, "
            f"cell ({self.row_slider.value}, {self.column_slider.value}))"
        )

    # ------------------------------------------------------------------ state
    @property
    def settings(self):
        """The current settings as keyword arguments of ``vz.conv_output_size``
        (``dilation_rate`` is 1 for pooling layers)."""
        pooling = self.layer_buttons.value != "Conv2D"
        return dict(
            input_size=self.input_size_slider.value,
            kernel_size=self.kernel_size_slider.value,
            strides=self.strides_slider.value,
            padding=self.padding_buttons.value,
            dilation_rate=1 if pooling else self.dilation_rate_slider.value,
        )

    def update(self):
        """Recompute everything from the controls and redraw (called on every change).

        Impossible settings do not raise: :attr:`error` says why, and the diagram and
        :attr:`info_html` show it until the settings are possible again.
        """
        self.dilation_rate_slider.disabled = self.layer_buttons.value != "Conv2D"
        settings = self.settings
        try:
            out = conv_output_size(**settings)  # int settings: messages read like the controls
        except ValueError as exc:
            self._show_error(_impossible_words(exc, settings))
            return
        self.error = None
        # keep the highlighted cell (clipped to the new output), even if it was moved
        # while the settings were impossible
        row, column = self.row_slider.value, self.column_slider.value
        self.display_.update(**settings, position=(min(row, out - 1), min(column, out - 1)))
        self._sync_position_sliders()
        self.info_html.value = info_html(self.display_)
        self._render()
        self._update_keras()

    def _sync_position_sliders(self):
        """Fit the row/column sliders to the new output size without a second redraw."""
        sliders = (self.row_slider, self.column_slider)
        with self._syncing_controls(*sliders):
            for control, size, value in zip(
                sliders, self.display_.output_size_, self.display_.position_, strict=True
            ):
                control.max = max(size - 1, 0)
                control.value = value

    # ------------------------------------------------------------------ events
    def _on_settings(self, change):
        self._guarded(self.update, heading=_broken(), describe=_typed)

    def _on_position(self, change):
        if not self._syncing and self.error is None:
            self._guarded(self._move_position, heading=_broken(), describe=_typed)

    def _move_position(self):
        self.display_.update(position=(self.row_slider.value, self.column_slider.value))
        self.info_html.value = info_html(self.display_)  # it names the cells this window reads
        self._render()

    def _on_keras_toggle(self, change):
        self._guarded(self._update_keras, heading=_broken(), describe=_typed)

    def _show_error(self, message, heading=None):
        self._fail(message, heading=heading)

    # ------------------------------------------------------------------ the base's hooks
    def _status_widget(self):
        return self.info_html

    def _draw_failure(self, message, heading):
        self.display_.show_message(f"{heading}:\n" + textwrap.fill(message, 60))

    def _fail(self, message, *, heading=None):
        if heading is None:
            heading = text("padding_stride.heading.impossible")
        super()._fail(message, heading=heading)
        try:
            self._update_keras()  # Keras refuses too (its answer says so)
        except Exception:  # noqa: BLE001 - the message above already says what is wrong
            pass

    # ------------------------------------------------------------------ Keras
    def _update_keras(self):
        if not self.keras_checkbox.value:
            self.keras_html.value = ""
            return
        try:  # imported here: the diagram path never loads TensorFlow
            from vizcnn.inspection.keras_check import keras_output_shape

            answer = keras_output_shape(self.layer_buttons.value, **self.settings)
        except Exception as exc:  # e.g. TensorFlow missing: say so
            error = html.escape(f"{type(exc).__name__}: {exc}")
            self.keras_html.value = (
                f'<div style="max-width:460px"><b>{text("padding_stride.keras.title")}</b><br>'
                f"{text('padding_stride.keras.not_asked', error=error)}</div>"
            )
            return
        self.keras_html.value = _keras_html(answer, self.error, self.display_.output_size_)


def _keras_html(answer, formula_error, output_size):
    """What a real Keras layer answered, and whether the formula agrees (HTML)."""

    def words(key, **fields):
        return text(f"padding_stride.keras.{key}", **fields)

    if answer.error is not None:
        agrees = words("agrees" if formula_error else "disagrees")
        shape = words("an_error")
        refuses = words("refuses", error=html.escape(answer.error))
        verdict = f'<br><span style="color:#b2182b">{refuses}</span> ({agrees})'
    else:
        shape = str(answer.shape)
        if formula_error:
            verdict = f'<span style="color:#b2182b">{words("said_impossible")}</span>'
        elif answer.shape == (1, *output_size, 1):
            verdict = f'<span style="color:#1b7837">{words("same")}</span>'
        else:
            verdict = f'<span style="color:#b2182b">{words("differs")}</span>'
    return (
        f'<div style="max-width:460px"><b>{words("title")}</b><br>'
        f"<code>{html.escape(answer.call)}</code><br>"
        f"{words('returns', shape=shape, verdict=verdict)}</div>"
    )


def _impossible_words(exc, settings):
    """Why ``settings`` are impossible, in the lessons' language.

    The two refusals the controls can reach (``conv_output_size``'s, in its words) come
    from the message files; any other is shown as the exception says it.
    """
    k, s, d = settings["kernel_size"], settings["strides"], settings["dilation_rate"]
    n, span = settings["input_size"], d * (k - 1) + 1
    if s > 1 and d > 1:
        return text("padding_stride.impossible.strides_and_dilation", strides=s, dilation=d)
    if settings["padding"] == "valid" and span > n:
        dilated = text("padding_stride.impossible.dilated", span=span) if d > 1 else ""
        return text("padding_stride.impossible.too_large", kernel=k, dilated=dilated, size=n)
    return str(exc)
