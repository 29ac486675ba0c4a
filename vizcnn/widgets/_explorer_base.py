"""The base of the explorers: a PNG picture, a status text, a failure view, and one way
to move several controls at once.

Every explorer is an ``ipywidgets.VBox`` whose figure (a pyplot-free matplotlib Figure,
see ``_png_figure``) is built once and rendered to PNG bytes for an ``ipywidgets.Image``
after each change. A widget cannot raise into the learner's notebook (the error would
land in the browser console, or nowhere), so every problem goes through :meth:`_fail`:
the status text says it in words, the figure shows that nothing valid is drawn, and the
next valid choice draws again.

Every word a learner reads (control labels, status lines, titles drawn) is a message of
``vizcnn/data_files/messages/widgets.json`` in the lessons' language
(:mod:`vizcnn.language`), read when the widget is built and when a status is written;
exceptions raised to Python code stay English.
"""

from __future__ import annotations

import contextlib
import html

import ipywidgets as widgets

from vizcnn.language import text
from vizcnn.widgets._explorer_common import words
from vizcnn.widgets._png_figure import png_figure, render_png

RED = "#b2182b"
GREY = "#636363"


class ExplorerBase(widgets.VBox):
    """What the explorers share; a subclass sets :attr:`_status_style` and implements
    :meth:`_draw_failure`.

    Attributes
    ----------
    picture : ipywidgets.Image
        The rendered figure (PNG bytes in ``.value``).
    figure : matplotlib.figure.Figure
        The figure behind ``picture``.
    error : str or None
        The problem shown now, in words; None when the last update drew.
    """

    #: CSS of the ``<div>`` around the status text (the failure view adds the colour).
    _status_style = "padding-left:16px"

    def _init_explorer(self, figsize, dpi):
        """Make :attr:`picture` and :attr:`figure`; call first in ``__init__``."""
        self.error = None
        self._syncing = False
        self.picture = widgets.Image(format="png")
        self.figure = png_figure(figsize, dpi)

    # -- the picture ----------------------------------------------------------------------

    def _render(self):
        """Draw the figure once and put its PNG into :attr:`picture`."""
        self.picture.value = render_png(self.figure)

    # -- status text ----------------------------------------------------------------------

    def _status_widget(self) -> widgets.HTML:
        """The HTML widget that carries the status (default ``status_html``)."""
        return self.status_html

    def _status_html(self, body: str, *, failed: bool = False) -> str:
        colour = f";color:{RED}" if failed else ""
        return f"<div style='{self._status_style}{colour}'>{body}</div>"

    def _show_status(self, body: str):
        """Show ``body`` (HTML) as the status: the update worked, :attr:`error` is None."""
        self.error = None
        self._status_widget().value = self._status_html(body)

    # -- failures -------------------------------------------------------------------------

    def _fail(self, message: str, *, heading: str | None = None):
        """Say ``message`` in words and show that nothing valid is drawn; never raises.

        ``heading`` defaults to "Nothing drawn", in the lessons' language.
        """
        if heading is None:
            heading = text("explorer.nothing_drawn")
        self.error = message
        body = f"<b>{html.escape(heading)}.</b><br>{html.escape(message)}"
        self._status_widget().value = self._status_html(body, failed=True)
        try:  # the old drawing must not be taken for this choice's
            self._draw_failure(message, heading)
            self._render()
        except Exception:  # noqa: BLE001 - the words above already say what is wrong
            pass

    def _draw_failure(self, message: str, heading: str):
        """Change the figure to show that nothing valid is drawn (before one render)."""
        raise NotImplementedError

    def _guarded(self, action, *, heading: str, describe=None):
        """Run ``action()``; an exception becomes :meth:`_fail`, never a traceback.

        ``describe(exc)`` gives the words (default: :func:`words`).
        """
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - shown to the learner, the widget lives on
            self._fail((describe or words)(exc), heading=heading)

    # -- moving several controls at once ---------------------------------------------------

    @contextlib.contextmanager
    def _syncing_controls(self, *controls):
        """Change ``controls`` together: their observers see :attr:`_syncing` and skip,
        and each control sends its new state to the front end once (``hold_sync``)."""
        previous, self._syncing = self._syncing, True
        try:
            with contextlib.ExitStack() as stack:
                for control in controls:
                    stack.enter_context(control.hold_sync())
                yield
        finally:
            self._syncing = previous
