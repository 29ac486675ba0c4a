"""The words beside the PaddingStrideExplorer's diagram: colour key, sizes and formula.

HTML, so it stays sharp and selectable (the diagram itself carries no text: glyphs are
most of an Agg draw).
"""

from __future__ import annotations

from vizcnn.display.conv_arithmetic import COLORS
from vizcnn.language import text

_KEYS = ("input", "padding", "extra", "unread", "tap", "output", "current")


def legend_html():
    """The diagram's colour key, as HTML swatches (in the lessons' language)."""
    entries = [(key, text(f"padding_stride.legend.{key}")) for key in _KEYS]
    swatch = (
        '<span style="display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;'
        'vertical-align:middle;border:1px solid #8c8c8c;background:{}"></span>{}'
    )
    return "<div>" + "".join(swatch.format(COLORS[key], words) for key, words in entries) + "</div>"


def info_html(d):
    """Output size, padding split and the formula with the numbers filled in (HTML, in the
    lessons' language; the formulas are the same in both)."""
    n, k, s, dil = d.input_size[0], d.kernel_size[0], d.strides[0], d.dilation_rate[0]
    g = d.rows_
    span = g.span
    lines = [f"<b>{text('padding_stride.info.output', size=g.output_size)}</b>"]
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
            f"{text('padding_stride.info.padding')} "
            "<code>= max((out−1)·s + d·(k−1) + 1 − n, 0)</code><br>"
            f"<code>= max({g.output_size - 1}·{s} + {span} − {n}, 0) = {total}</code>"
            + text("padding_stride.info.split", before=g.pad_before, after=g.pad_after)
            + (text("padding_stride.info.odd") if g.pad_after > g.pad_before else "")
        )
    if dil > 1:
        formula = f"<code>{dil}·({k}−1) + 1 = {span}</code>"
        lines.append(text("padding_stride.info.dilated", formula=formula))
    if g.dropped:
        key = "one" if g.dropped == 1 else "many"
        dropped = text(f"padding_stride.info.dropped_{key}", n=g.dropped)
        lines.append(f'<span style="color:#636363">{dropped}</span>')
    i, j = d.position_
    rows = _coords(d.rows_.taps(i), g.input_size)
    columns = _coords(d.cols_.taps(j), g.input_size)
    lines.append(text("padding_stride.info.reads", i=i, j=j, rows=rows, columns=columns))
    return '<div style="line-height:1.6;max-width:460px">' + "<br>".join(lines) + "</div>"


def _coords(taps, size):
    """Tap coordinates, padding ones marked as 'pad' (in the lessons' language)."""
    pad = text("padding_stride.info.pad")
    return ", ".join(str(t) if 0 <= t < size else pad for t in taps)
