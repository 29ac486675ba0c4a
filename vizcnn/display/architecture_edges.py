"""The arrows of an architecture drawing: edges down a column, skip arcs, wrap lines.

Called by :class:`vizcnn.ArchitectureDisplay` with an
:class:`~vizcnn.display.architecture_geometry.ArchitectureGeometry` that says where every
box is. An edge torn by a column cut runs through the gutter between the columns.
"""

from __future__ import annotations

from collections import namedtuple

from matplotlib.patches import FancyArrowPatch
from matplotlib.path import Path

__all__ = ["Skip", "draw_edges"]

Skip = namedtuple("Skip", ["source", "target", "label", "patch"])
Skip.__doc__ = """A drawn skip arc from node ``source`` to node ``target`` (names).

For a collapsed residual unit ``source == target ==`` the unit's name (the arc runs around
its box). ``label`` is ``"identity"``, a projection such as ``"1×1 conv, BN"``, or None
(a skip of a functional graph); ``patch`` is the arrow."""


def draw_edges(ax, g):
    """Draw every edge of geometry ``g`` on ``ax``; return the skips as :class:`Skip` s,
    sorted by target then source."""
    layout, s = g.layout, g.style
    skip_of = set(layout.skips)
    # side-lane layers that lead to a skip (ResNet50's 1x1 shortcut): drawn red as well
    shortcut = set()
    stack = [g.edges[i].source for i in layout.skips]
    while stack:
        u = stack.pop()
        if layout.lane[u] and u not in shortcut:
            shortcut.add(u)
            stack.extend(layout.preds[u])
    torn = {}  # column -> how many torn edges already run through the gutter after it
    skips = []
    for i, e in enumerate(g.edges):
        u, v = e.source, e.target
        (xu, yu), (xv, yv) = g.center(u), g.center(v)
        (wu, hu), (wv, hv) = g.half(u), g.half(v)
        lu, lv = layout.lane[u], layout.lane[v]
        is_skip = i in skip_of
        style = {
            "skip": is_skip or v in shortcut,
            "dashed": is_skip and e.label not in (None, "identity"),
        }
        if g.col(u) != g.col(v):
            if layout.consecutive(u, v):
                patch = _wrap(ax, g, u, v)
            else:
                n = torn.get(g.col(u), 0)
                torn[g.col(u)] = n + 1
                patch = _torn(ax, g, u, v, n, **style)
        elif lu == lv and layout.row[v] == layout.row[u] + 1:
            patch = _line(ax, g, [(xu, yu + hu), (xv, yv - hv)])
        elif lu == lv == 0:  # around the boxes in between, on the right
            start, end = (xu + wu, yu), (xv + wv, yv)
            bulge = g.bulge + g.step * g.k * g.level.get(i, 0)
            reach = xu + g.box_w / 2 + bulge / 0.75
            patch = _curve(ax, g, start, (reach, yu), (reach, yv), end, **style)
            if e.label:
                ax.text(
                    xu + g.box_w / 2 + bulge + 0.04 * g.k,
                    (yu + yv) / 2,
                    e.label,
                    rotation=90,
                    ha="left",
                    va="center",
                    fontsize=g.small - 0.5,
                    color=s.skip_color,
                )
        elif lu == 0:  # out to a side lane
            start, end = (xu + wu, yu), (xv, yv - hv)
            patch = _curve(ax, g, start, (xv, yu), (xv, yu), end, **style)
        elif lv == 0:  # back from a side lane
            start, end = (xu, yu + hu), (xv + wv, yv)
            patch = _curve(ax, g, start, (xu, yv), (xu, yv), end, **style)
        else:
            start, end = (xu, yu + hu), (xv, yv - hv)
            mid = (start[1] + end[1]) / 2
            patch = _curve(ax, g, start, (xu, mid), (xv, mid), end, **style)
        if is_skip:
            skips.append(Skip(g.nodes[u].name, g.nodes[v].name, e.label, patch))
    for v, n in enumerate(g.nodes):
        if n.residual:
            skips.append(Skip(n.name, n.name, n.residual, _around(ax, g, v, n.residual)))
    order = {name: i for i, name in enumerate(n.name for n in g.nodes)}
    skips.sort(key=lambda sk: (order[sk.target], order[sk.source]))
    return skips


def _arrow(ax, g, verts, codes, *, skip=False, dashed=False):
    s = g.style
    arrow = FancyArrowPatch(
        path=Path(verts, codes),
        arrowstyle="-|>",
        mutation_scale=(s.skip_head if skip else s.edge_head) * g.k,
        lw=s.skip_lw if skip else s.edge_lw,
        color=s.skip_color if skip else s.edge_color,
        linestyle=(0, s.dash) if dashed else "-",
        shrinkA=0,
        shrinkB=0,
        zorder=1.5 if skip else 1,
    )
    ax.add_patch(arrow)
    return arrow


def _curve(ax, g, p0, c1, c2, p3, **kwargs):
    codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4]
    return _arrow(ax, g, [p0, c1, c2, p3], codes, **kwargs)


def _line(ax, g, points, **kwargs):
    codes = [Path.MOVETO] + [Path.LINETO] * (len(points) - 1)
    return _arrow(ax, g, points, codes, **kwargs)


def _around(ax, g, v, label):
    """The skip arc of a collapsed residual unit: from the line above its box to the line
    below, around the box's right side."""
    x, y = g.center(v)
    gap = (g.pitch - g.box_h) / 2
    top, bottom = y - g.box_h / 2 - gap, y + g.box_h / 2 + gap
    apex = x + g.box_w / 2 + g.bulge * 0.8
    reach = x + (apex - x) / 0.75
    dashed = label != "identity"
    patch = _curve(
        ax, g, (x, top), (reach, top), (reach, bottom), (x, bottom), skip=True, dashed=dashed
    )
    if dashed:
        ax.text(
            apex + 0.03 * g.k,
            y,
            label.split(",")[0].replace(" conv", ""),
            ha="left",
            va="center",
            fontsize=g.small - 1,
            color=g.style.skip_color,
        )
    return patch


def _wrap(ax, g, u, v):
    """The line from the bottom of one column to the top of the next."""
    (xu, yu), (xv, yv) = g.center(u), g.center(v)
    drop = g.style.wrap_drop * g.k
    below = yu + g.half(u)[1] + drop
    above = yv - g.half(v)[1] - drop
    x_gap = g.right(g.col(u)) + 0.1 * g.k
    points = [
        (xu, yu + g.half(u)[1]),
        (xu, below),
        (x_gap, below),
        (x_gap, above),
        (xv, above),
        (xv, yv - g.half(v)[1]),
    ]
    return _line(ax, g, points)


def _torn(ax, g, u, v, n, **style):
    """An edge torn by a column cut: down out of ``u``, along the gutter after ``u``'s
    column (the ``n``-th such edge there, a little further right), over the top to the
    gutter before ``v``'s column, and into ``v`` from above."""
    (xu, yu), (xv, yv) = g.center(u), g.center(v)
    hu, hv = g.half(u)[1], g.half(v)[1]
    gap = (g.pitch - g.box_h) / 2
    room = max(g.gutter - 0.2 * g.k, 0.05 * g.k)
    offset = 0.17 * g.k + (n * 0.035 * g.k) % room
    x_out = g.right(g.col(u)) + offset
    x_in = g.x0(g.col(v)) - g.gutter + offset
    below, above = yu + hu + gap * 0.6, yv - hv - gap * 0.6
    points = [(xu, yu + hu), (xu, below), (x_out, below)]
    if abs(x_in - x_out) > 1e-9:  # not the neighbouring column: over the top
        over = g.y_shift + g.top * 0.4
        points += [(x_out, over), (x_in, over)]
    points += [(x_in, above), (xv, above), (xv, yv - hv)]
    return _line(ax, g, points, **style)
