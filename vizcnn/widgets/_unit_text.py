"""The words beside a :class:`~vizcnn.widgets.unit_explorer.UnitExplorer`'s figure:
what is shown (layer, channel, unit and its field, the image's peak), what is not
computed yet, notes and partial failures.
"""

from __future__ import annotations

import html

from vizcnn.language import text
from vizcnn.widgets._explorer_base import GREY, RED


def legend(k: int, n_images: int, n_erf: int) -> str:
    """What each panel of the figure is (HTML, in the lessons' language)."""
    return text("unit_explorer.legend", last=n_erf - 1, k=k, n=n_images)


def field_note(field, grid):
    """Why the boxes cannot show ``field`` on a layer of ``grid``: ``(message key,
    fields)`` of ``unit_explorer.field.*``, or None where they can."""
    if field.is_global:
        return ("field.global", {})
    if None in tuple(field.size) or None in tuple(field.start):
        return ("field.unknown", {"why": field.note})
    if tuple(field.grid) != tuple(grid):
        return ("field.other_grid", {"field_grid": field.grid, "grid": grid})
    return None


def status_html(explorer, label, channel, peaks, field) -> str:
    """The status text of ``explorer`` for what it has just drawn (HTML lines, in the
    lessons' language)."""

    def words(key, **fields):
        return text(f"unit_explorer.status.{key}", **fields)

    rows, columns = peaks.grid
    position = explorer.position
    if field is None:
        sees = words("sees_unknown")
    else:
        (top, bottom), (left, right) = explorer.unit_box
        size_h, size_w = field.size
        sees = words("sees", h=size_h, w=size_w, top=top, bottom=bottom, left=left, right=right)
    index = explorer.image_slider.value
    peak_at = peaks.peak_unit(index, channel)
    maximized = (label, channel) in explorer.maximized
    lines = [
        words(
            "layer", layer=html.escape(label), rows=rows, columns=columns, channels=peaks.channels
        ),
        words("unit", channel=channel, row=position[0], column=position[1], sees=sees),
        words(
            "peak",
            caption=html.escape(explorer._caption(index)),
            channel=channel,
            score=float(peaks.scores[index, channel]),
            row=peak_at[0],
            column=peak_at[1],
        ),
        words("maximized" if maximized else "not_maximized"),
    ]
    if not explorer.effective_field_checkbox.value:
        lines.append(words("erf_off"))
    key = legend(explorer.k, len(explorer.images), explorer._n_erf_images)
    lines.append(f"<span style='color:{GREY}'>{key}</span>")
    lines += [f"<span style='color:{GREY}'>{html.escape(n)}</span>" for n in explorer._notes]
    lines += [f"<span style='color:{RED}'>{html.escape(p)}</span>" for p in explorer._problems]
    return "<br>".join(lines)
