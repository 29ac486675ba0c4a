"""A table whose column names are code but whose headers are shown in the lesson's language.

Lessons index the helpers' tables by column (``costs["macs"]``, ``table["type"]``), in
every edition, so the columns keep their English names. What Jupyter *shows* (the HTML
and the text) names them in the lesson's language instead: the translation is read from
the message files (``vizcnn/data_files/messages/tables.json``) each time the table is
shown, so a table made before ``set_language`` follows the new setting. In English the
table shows exactly what a plain ``pandas.DataFrame`` shows.
"""

from __future__ import annotations

import contextlib

import pandas as pd

from vizcnn.language import get_language, messages, text

__all__ = ["ShownTable", "shown_table"]


class ShownTable(pd.DataFrame):
    """A ``pandas.DataFrame`` that shows its headers in the lesson's language.

    Everything else is a plain DataFrame: columns, index and values are the same in
    every language, and slices, filters and copies are ``ShownTable`` too.

    Attributes
    ----------
    header_area : str or None
        The prefix of the headers' message keys (``"layer_costs"``: the header of column
        ``macs`` is the message ``"layer_costs.macs"``, the index name's
        ``"layer_costs.layer"``). A column without a message (one a lesson added) is
        shown as it is named.
    """

    _metadata = ["header_area"]
    header_area = None

    @property
    def _constructor(self):
        return ShownTable

    def shown(self) -> pd.DataFrame:
        """A plain DataFrame with the headers of the lesson's language (the data is shared)."""
        frame = pd.DataFrame(self, copy=False)
        if get_language() == "en" or self.header_area is None:
            return frame
        shown = frame.rename(columns=lambda c: _header(self.header_area, c))
        shown.index = shown.index.set_names(
            [_header(self.header_area, n) for n in shown.index.names]
        )
        return shown

    def _repr_html_(self):
        return self.shown()._repr_html_()

    def __repr__(self):
        with _text_layout():
            return repr(self.shown())

    def to_string(self, *args, **kwargs):
        """``DataFrame.to_string``, with the headers of the lesson's language."""
        with _text_layout():
            return self.shown().to_string(*args, **kwargs)

    def to_html(self, *args, **kwargs):
        """``DataFrame.to_html``, with the headers of the lesson's language."""
        return self.shown().to_html(*args, **kwargs)


def _text_layout():
    """Hangul is two columns wide in a terminal: pandas aligns it when told so (not in
    English, whose text stays exactly what pandas writes by default)."""
    if get_language() == "en":
        return contextlib.nullcontext()
    return pd.option_context("display.unicode.east_asian_width", True)


def _header(area, name):
    """The shown header of column (or index level) ``name``: its message, else the name."""
    if not isinstance(name, str) or f"{area}.{name}" not in messages():
        return name
    return text(f"{area}.{name}")


def shown_table(frame: pd.DataFrame, area: str) -> ShownTable:
    """``frame`` as a :class:`ShownTable` whose headers are the messages ``area.*``."""
    table = ShownTable(frame)
    table.header_area = area
    return table
