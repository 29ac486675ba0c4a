"""A matplotlib Figure that a widget renders to PNG bytes once per change.

A plain ``Figure`` (no pyplot, no ipympl) works in every Jupyter front end and in static
HTML exports; the widget puts the PNG into an ``ipywidgets.Image``.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


class _PngCanvas(FigureCanvasAgg):
    """Agg canvas whose ``draw_idle`` only marks the figure stale.

    Agg's ``draw_idle`` draws at once; a widget renders exactly once per change, to PNG.
    """

    def draw_idle(self, *args, **kwargs):
        self.figure.stale = True


def png_figure(figsize, dpi) -> Figure:
    """A pyplot-free figure with a fixed layout (no tight bbox: one draw per render)."""
    figure = Figure(figsize=figsize, dpi=dpi, layout="none")
    _PngCanvas(figure)
    return figure


def render_png(figure: Figure) -> bytes:
    """Draw ``figure`` once and return PNG bytes.

    ``print_png`` skips savefig's bbox handling (``set_style`` asks for a "tight" bbox,
    which costs a second draw); compress_level=1 is ~3x faster to encode than the default.
    """
    buffer = io.BytesIO()
    figure.canvas.print_png(buffer, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()
