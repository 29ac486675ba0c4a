"""The words beside a :class:`~vizcnn.widgets.unit_explorer.UnitExplorer`'s figure:
what is shown (layer, channel, unit and its field, the image's peak), what is not
computed yet, notes and partial failures.
"""

from __future__ import annotations

import html

from vizcnn.widgets._explorer_base import GREY, RED


def legend(k: int, n_images: int, n_erf: int) -> str:
    """What each panel of the figure is (HTML)."""
    return (
        "Left: the image with the unit's receptive field (red box), and the unit's "
        "effective field: |d unit / d pixel|, its channels summed, mean of images "
        f"0&ndash;{n_erf - 1}. Middle: the {k} of {n_images} images on which the "
        "channel peaks highest (orange box: the peak unit's field; title: image, "
        "peak). Right: an input built by gradient ascent to excite the channel's "
        "centre unit."
    )


def status_html(explorer, label, channel, peaks, field) -> str:
    """The status text of ``explorer`` for what it has just drawn (HTML lines)."""
    rows, columns = peaks.grid
    position = explorer.position
    if field is None:
        sees = "receptive field unknown or global: the box covers the whole image"
    else:
        (top, bottom), (left, right) = explorer.unit_box
        size_h, size_w = field.size
        sees = (
            f"receptive field {size_h}&times;{size_w} pixels "
            f"(rows {top}&ndash;{bottom}, columns {left}&ndash;{right})"
        )
    index = explorer.image_slider.value
    peak_at = peaks.peak_unit(index, channel)
    if (label, channel) in explorer.maximized:
        am = "activation maximisation: shown (cached)"
    else:
        am = "activation maximisation: not computed yet (press the button)"
    lines = [
        f"<b>{html.escape(label)}</b>: grid {rows}&times;{columns}, {peaks.channels} channels",
        f"<b>channel {channel}</b>, unit ({position[0]}, {position[1]}): {sees}",
        f"{html.escape(explorer._caption(index))}: channel {channel} peaks at "
        f"{float(peaks.scores[index, channel]):.3g} there, at unit "
        f"({peak_at[0]}, {peak_at[1]})",
        am,
    ]
    if not explorer.effective_field_checkbox.value:
        lines.append(
            "effective field: not measured (tick <i>effective field</i>; on a large model "
            "each unit takes seconds)"
        )
    lines.append(f"<span style='color:{GREY}'>{explorer._legend}</span>")
    lines += [f"<span style='color:{GREY}'>{html.escape(n)}</span>" for n in explorer._notes]
    lines += [f"<span style='color:{RED}'>{html.escape(p)}</span>" for p in explorer._problems]
    return "<br>".join(lines)
