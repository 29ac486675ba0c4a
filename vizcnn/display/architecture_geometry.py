"""Sizes and positions, in inches, of everything an architecture drawing shows.

:class:`ArchitectureGeometry` turns an :class:`~vizcnn.display.architecture_layout.
ArchitectureLayout` (rows, lanes, columns) into box centres, column widths and the page
size for one font size. Text is measured by a function it is given, so this module does
not import matplotlib. The Axes' data units are inches, y pointing down.
"""

from __future__ import annotations

import math

from vizcnn.display.architecture_layout import middle_ellipsis, shared_prefix
from vizcnn.language import text

__all__ = ["ArchitectureGeometry"]


class ArchitectureGeometry:
    """Box sizes and positions for one font size.

    Parameters
    ----------
    nodes, edges : list of Node, list of Edge
    layout : ArchitectureLayout
    fontsize : float
        Box text size in points; every length of ``style`` is scaled by ``fontsize / 7``.
    style : ArchitectureStyle
    text_width : callable
        ``text_width(text, size) -> inches``.
    """

    def __init__(self, nodes, edges, layout, *, fontsize, style, text_width):
        s = self.style = style
        self.nodes, self.edges, self.layout = nodes, edges, layout
        self.text_width = text_width
        self.fs = fontsize
        self.small = fontsize - 0.5
        self.k = k = fontsize / 7.0
        self.line = fontsize * s.line_spacing / 72
        self.box_h = 2 * self.line + s.box_extra_height * k
        self.pitch = self.box_h + s.row_gap * k
        top_names = [n.name for n in nodes if not n.groups and n.category != "input"]
        self.prefix = shared_prefix(top_names, share=s.prefix_share)
        widths = [
            max(text_width(self._title(n), fontsize), text_width(self._subtitle(n), self.small))
            for n in nodes
            if n.kind != "Add"
        ]
        natural = max([s.min_box_width * k, *(w + s.box_padding * k for w in widths)])
        self.box_w = min(natural, s.max_box_width * k)
        self.radius = min(self.box_h / 2, s.add_radius * k)
        labelled = any(n.residual for n in nodes) or any(edges[i].label for i in layout.skips)
        self.bulge = s.bulge * k
        self.step = s.arc_step
        self.level = self._levels()  # skip index -> nesting level of its arc
        space = s.labelled_arc_space if labelled else s.arc_space
        self.arc_space = space * k + s.arc_step * k * max(self.level.values(), default=0)
        self.lane_w = self.box_w + s.lane_gap * k
        depth = max((len(n.groups) for n in nodes), default=0)
        self.frame_pad = s.frame_pad * k
        self.left = s.margin_left * k + depth * s.depth_margin * k  # room for frame names
        self.gutter = s.gutter * k + depth * s.depth_margin * k
        self.top = s.margin_top * k
        self.min_width = s.min_width * k
        self.y_shift = 0.0

    @property
    def column(self):
        """Width of a column with every side lane of the model."""
        return self.column_width(self.layout.n_lanes)

    def column_width(self, lanes):
        return self.box_w + self.arc_space + lanes * self.lane_w

    def title_width(self, title):
        """Make the page at least as wide as the title."""
        if title:
            first, *rest = title.split("\n")
            widths = [self.text_width(first, self.fs + self.style.title_extra)]
            widths += [self.text_width(t, self.fs + self.style.subtitle_extra) for t in rest]
            self.min_width = max(self.min_width, max(widths) + 0.3 * self.k)

    def _levels(self):
        """Arcs beside the column that overlap are nested: a longer arc bulges further."""
        layout, edges = self.layout, self.edges
        spans = []
        for i in layout.skips:
            u, v = edges[i].source, edges[i].target
            if layout.lane[u] == layout.lane[v] == 0:
                spans.append((layout.row[v] - layout.row[u], layout.row[u], layout.row[v], i))
        level = {}
        for _, start, end, i in sorted(spans):
            inside = [
                level[j] + 1 for _, s, e, j in spans if j in level and max(s, start) < min(e, end)
            ]
            level[i] = max(inside, default=0)
        return level

    # -- text on a box --------------------------------------------------------------
    def _short(self, node):
        name = node.name.split("/")[-1] if node.groups else node.name
        if self.prefix and not node.groups and name.startswith(self.prefix):
            name = name[len(self.prefix) :]
        return name

    def _title(self, node):
        return text("display.architecture.input") if node.category == "input" else self._short(node)

    def _subtitle(self, node):
        return f"{node.shape_text} · {node.detail}" if node.detail else node.shape_text

    def fit(self, text, size):
        """``text``, shortened in the middle if it is wider than a box."""
        room = self.box_w - 0.1 * self.k
        return middle_ellipsis(
            text, lambda t: self.text_width(t, size) <= room, head=self.style.name_head
        )

    def title(self, v):
        return self.fit(self._title(self.nodes[v]), self.fs)

    def subtitle(self, v):
        return self.fit(self._subtitle(self.nodes[v]), self.small)

    # -- placement ------------------------------------------------------------------
    def place(self, columns):
        """Lay the rows out in ``columns`` (row ranges) and size the page."""
        self.columns = columns
        self.col_of_row = {}
        for c, (first, last) in enumerate(columns):
            for r in range(first, last + 1):
                self.col_of_row[r] = c
        self.first_row = [first for first, _ in columns]
        lanes = [0] * len(columns)
        for v in range(len(self.nodes)):
            c = self.col_of_row[self.layout.row[v]]
            lanes[c] = max(lanes[c], self.layout.lane[v])
        # every column as wide as the widest: columns line up, and a model's picture does not
        # change shape with where its side branches fall
        self.widths = [self.column_width(max(lanes))] * len(columns)
        self.starts = [sum(self.widths[:c]) + c * self.gutter for c in range(len(columns))]
        rows = max(last - first + 1 for first, last in columns)
        width = self.left + self.starts[-1] + self.widths[-1]
        self.width = max(width + 0.1 * self.k, self.min_width)
        self.x_shift = (self.width - width) / 2
        self.height = self.top + rows * self.pitch + self.style.margin_bottom * self.k

    def squarest(self):
        """The column split whose page has the smallest longer side (placed)."""
        layout = self.layout
        rows = layout.n_rows
        if rows <= self.style.square_rows:
            best = layout.columns(1)
        else:
            ideal = math.sqrt(rows * self.pitch / (self.column + self.gutter))
            best, size = None, None
            for n in range(max(1, math.floor(ideal) - 1), math.ceil(ideal) + 3):
                columns = layout.columns(n)
                self.place(columns)
                if size is None or max(self.width, self.height) < size - 1e-9:
                    best, size = columns, max(self.width, self.height)
        self.place(best)
        return best

    def offset_y(self, dy):
        self.y_shift = dy

    def col(self, v):
        return self.col_of_row[self.layout.row[v]]

    def x0(self, c):
        return self.x_shift + self.left + self.starts[c]

    def right(self, c):
        """The right edge of column ``c``'s last side lane."""
        return self.x0(c) + self.widths[c]

    def center(self, v):
        c, lane = self.col(v), self.layout.lane[v]
        x = self.x0(c) + self.box_w / 2
        if lane:
            x += self.box_w + self.arc_space + (lane - 1) * self.lane_w
        r = self.layout.row[v] - self.first_row[c]
        return x, self.y_shift + self.top + (r + 0.5) * self.pitch

    def half(self, v):
        """Half width and half height of node ``v``'s patch."""
        if self.nodes[v].kind == "Add":
            return self.radius, self.radius
        return self.box_w / 2, self.box_h / 2

    # -- header ---------------------------------------------------------------------
    def legend_items(self):
        """``(key, words)``: the box colours in use, then the kinds of skip arc."""
        from vizcnn.inspection.architecture_graph import CATEGORIES

        present = {n.category for n in self.nodes} - {"input"}
        items = [(cat, self.style.words(cat)) for cat in CATEGORIES if cat in present]
        labels = [n.residual for n in self.nodes if n.residual]
        labels += [self.edges[i].label for i in self.layout.skips]
        if any(label in (None, "identity") for label in labels):
            items.append(("skip", text("display.architecture.skip")))
        if any(label not in (None, "identity") for label in labels):
            items.append(("projection", text("display.architecture.projection")))
        return items

    def header(self, title, legend):
        """Height of the title and legend above the boxes (and the legend's rows)."""
        s, k = self.style, self.k
        lines = title.count("\n") + 1 if title else 0
        height = lines * (self.fs + s.title_extra) * 1.35 / 72 + 0.1 * k
        self.legend_rows = []
        if legend:
            self.legend_rows = self._legend_layout()
            height += len(self.legend_rows) * s.legend_row * k + 0.05 * k
        return height

    def _legend_layout(self):
        rows, row, used = [], [], 0.0
        room = self.width - 0.3 * self.k
        for key, words in self.legend_items():
            w = 2 * self.style.legend_row * self.k + self.text_width(words, self.small)
            if row and used + w > room:
                rows.append(row)
                row, used = [], 0.0
            row.append((key, words, w))
            used += w
        if row:
            rows.append(row)
        return rows
