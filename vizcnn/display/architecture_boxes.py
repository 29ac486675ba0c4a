"""The boxes of an architecture drawing, the frames around opened blocks, the header.

Called by :class:`vizcnn.ArchitectureDisplay` with an
:class:`~vizcnn.display.architecture_geometry.ArchitectureGeometry` that says where every
box is and how large; the colours come from its
:class:`~vizcnn.display.architecture_style.ArchitectureStyle`.
"""

from __future__ import annotations

from collections import namedtuple

from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

__all__ = ["Box", "draw_boxes", "draw_frames", "draw_header"]

Box = namedtuple("Box", ["name", "kind", "shape_text", "patch", "text"])
Box.__doc__ = """A drawn layer: ``name``, ``kind`` (class name), ``shape_text`` (output shape
without the batch axis), ``patch`` (the matplotlib box or, for an ``Add``, circle) and
``text`` (the Text artists drawn on it)."""


def draw_header(ax, g, title, legend):
    """The title (first line bold) and the legend rows of ``g.header(...)``."""
    s, k = g.style, g.k
    y = 0.08 * k
    if title:
        first, *rest = title.split("\n")
        bold = {"fontsize": g.fs + s.title_extra, "fontweight": "bold"}
        subtitle = {"fontsize": g.fs + s.subtitle_extra, "color": s.subtitle_color}
        for line, look in [(first, bold)] + [(line, subtitle) for line in rest]:
            ax.text(g.width / 2, y, line, ha="center", va="top", **look)
            y += (g.fs + s.title_extra) * 1.35 / 72  # every line as tall as the first
    if not legend:
        return
    y += s.legend_pad * k
    for row in g.legend_rows:
        total = sum(w for *_, w in row)
        x = (g.width - total) / 2
        for key, words, w in row:
            size = s.legend_swatch * k
            if key in s.fills:
                ax.add_patch(Rectangle((x, y), size, size, fc=s.fill(key), ec=s.edge_color, lw=0.5))
            else:
                ax.plot(
                    [x - 0.04 * k, x + size],
                    [y + size / 2, y + size / 2],
                    color=s.skip_color,
                    lw=s.skip_lw,
                    ls=(0, s.dash) if key == "projection" else "-",
                )
            ax.text(x + size + 0.05 * k, y + size / 2, words, va="center", fontsize=g.small)
            x += w
        y += s.legend_row * k


def draw_frames(ax, g):
    """A rounded frame around every opened block (one per column it spans), its name
    written up its left side."""
    s, k = g.style, g.k
    groups = {}
    for v, n in enumerate(g.nodes):
        for d in range(1, len(n.groups) + 1):
            groups.setdefault(n.groups[:d], []).append(v)
    for path, members in groups.items():
        depth = len(path)
        deepest = max(len(g.nodes[v].groups) for v in members)
        pad = g.frame_pad + (deepest - depth) * s.frame_step * k
        by_col = {}
        for v in members:
            by_col.setdefault(g.col(v), []).append(v)
        for i, (c, vs) in enumerate(sorted(by_col.items())):
            ys = [g.center(v)[1] for v in vs]
            left = g.x0(c) - pad - 0.05 * k
            right = g.x0(c) + g.widths[c] - 0.06 * k + pad
            top = min(ys) - g.box_h / 2 - pad
            bottom = max(ys) + g.box_h / 2 + pad
            ax.add_patch(
                FancyBboxPatch(
                    (left, top),
                    right - left,
                    bottom - top,
                    boxstyle=f"round,pad=0,rounding_size={s.frame_rounding * k}",
                    fc=s.frame_fill_odd if depth % 2 else s.frame_fill_even,
                    ec=s.frame_edge,
                    lw=s.frame_lw,
                    zorder=0.5 + 0.01 * depth,
                )
            )
            if i == 0 or g.text_width(path[-1], g.small) < bottom - top:
                ax.text(
                    left + 0.015 * k,
                    (top + bottom) / 2,
                    path[-1],
                    rotation=90,
                    ha="right",
                    va="center",
                    fontsize=g.small,
                    color=s.frame_text,
                    style="italic",
                    zorder=3,
                )


def draw_boxes(ax, g):
    """One box per node (an ``Add`` is a ``+`` circle); the :class:`Box` es of every
    node but the inputs, in data-flow order."""
    s, k = g.style, g.k
    boxes = []
    for v, n in enumerate(g.nodes):
        x, y = g.center(v)
        color = s.fill(n.category)
        if n.kind == "Add":
            patch = Circle((x, y), g.radius, fc=color, ec=s.skip_color, lw=s.add_lw, zorder=2)
            ax.add_patch(patch)
            texts = [
                ax.text(
                    x,
                    y,
                    "+",
                    ha="center",
                    va="center_baseline",
                    fontsize=g.fs + 2,
                    fontweight="bold",
                    color=s.skip_color,
                    zorder=3,
                ),
                ax.text(
                    x - g.radius - 0.05 * k,
                    y,
                    n.shape_text,
                    ha="right",
                    va="center",
                    fontsize=g.small,
                    color=s.shape_color,
                    zorder=3,
                ),
            ]
        else:
            w, h = g.box_w, g.box_h
            patch = FancyBboxPatch(
                (x - w / 2, y - h / 2),
                w,
                h,
                boxstyle=f"round,pad=0,rounding_size={s.box_rounding * k}",
                fc=color,
                ec=s.edge_color,
                lw=s.block_lw if n.category == "block" else s.box_lw,
                ls="--" if n.category == "input" else "-",
                zorder=2,
            )
            ax.add_patch(patch)
            texts = [
                ax.text(
                    x,
                    y - g.line / 2,
                    g.title(v),
                    ha="center",
                    va="center",
                    fontsize=g.fs,
                    zorder=3,
                    fontweight="bold" if n.category == "block" else "normal",
                ),
                ax.text(
                    x,
                    y + g.line / 2,
                    g.subtitle(v),
                    ha="center",
                    va="center",
                    fontsize=g.small,
                    color=s.text_color,
                    zorder=3,
                ),
            ]
        if n.category != "input":
            boxes.append(Box(n.name, n.kind, n.shape_text, patch, texts))
    return boxes
