"""The words beside the PaddingStrideExplorer's diagram: colour key, sizes and formula.

HTML, so it stays sharp and selectable (the diagram itself carries no text: glyphs are
most of an Agg draw).
"""

from __future__ import annotations

from vizcnn.display.conv_arithmetic import COLORS


def legend_html():
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


def info_html(d):
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
