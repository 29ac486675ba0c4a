"""Where each box of an architecture drawing goes: rows, side lanes, columns, labels.

Pure arithmetic on the plain nodes and edges of
:func:`vizcnn.inspection.architecture_graph.architecture_graph`; no matplotlib. The
longest path is the column (lane 0); other branches sit in side lanes beside it. A long
model wraps into columns, cut preferably where a single tensor flows; where no such place
is near (DenseNet's dense blocks, NASNet's cells: a skip crosses every row), the cut
tears the fewest edges, so no column grows past its share.
"""

from __future__ import annotations

import math
from collections import Counter

__all__ = ["ArchitectureLayout", "middle_ellipsis", "shared_prefix"]


class ArchitectureLayout:
    """Rows and lanes of every node; which edges are skips; where a column may be cut.

    Parameters
    ----------
    nodes : list of Node
        In data-flow order (inputs first).
    edges : list of Edge
        By node index, ``source < target``.

    Attributes
    ----------
    row, lane : list of int
        Per node.
    n_rows, n_lanes : int
    spine : set of int
        The nodes of the longest path (lane 0).
    skips : list of int
        Indices of the edges drawn as skip arcs: into a merge, not from the box above.
    crossing : list of int
        ``crossing[r]``: how many edges a cut after row ``r`` tears (0: a clean cut).
    """

    def __init__(self, nodes, edges):
        n = len(nodes)
        self.preds = [[] for _ in range(n)]
        self.succs = [[] for _ in range(n)]
        for e in edges:
            self.preds[e.target].append(e.source)
            self.succs[e.source].append(e.target)
        depth = [0] * n
        for v in range(n):  # nodes come in data-flow order: inputs before their users
            depth[v] = max((depth[p] + 1 for p in self.preds[v]), default=0)
        height = [0] * n
        for v in reversed(range(n)):
            height[v] = max((height[s] + 1 for s in self.succs[v]), default=0)
        self.n_rows = max(depth, default=-1) + 1
        self.spine = self._spine(depth)
        self.row, self.lane = self._place(depth, height)
        self.n_lanes = max(self.lane, default=0)
        at = {(self.row[v], self.lane[v]): v for v in range(n)}
        self.skips = []
        for i, e in enumerate(edges):
            merge = len(set(self.preds[e.target])) > 1 or nodes[e.target].category == "merge"
            before = at.get((self.row[e.target] - 1, self.lane[e.target]))
            if merge and e.source != before:
                self.skips.append(i)
        self.crossing = [0] * max(self.n_rows - 1, 0)
        for e in edges:
            u, v = e.source, e.target
            if not self.consecutive(u, v):
                for r in range(self.row[u], self.row[v]):
                    self.crossing[r] += 1

    def _spine(self, depth):
        n = len(depth)
        end = max(range(n), key=lambda v: (depth[v], v)) if n else None
        spine = []
        while end is not None:
            spine.append(end)
            on_path = [p for p in self.preds[end] if depth[p] == depth[end] - 1]
            end = max(on_path) if on_path else None
        return set(spine)

    def _place(self, depth, height):
        n = len(depth)
        row, lane = [0] * n, [0] * n
        taken = set()
        for v in range(n):
            if v in self.spine:
                row[v] = depth[v]
            else:  # between its inputs and its users, centred in the room it has
                slack = (self.n_rows - 1 - height[v]) - depth[v]
                above = max((row[p] + 1 for p in self.preds[v]), default=0)
                row[v] = max(above, depth[v] + slack // 2)
                lane[v] = 1
                while (row[v], lane[v]) in taken:
                    lane[v] += 1
            taken.add((row[v], lane[v]))
        return row, lane

    def consecutive(self, u, v) -> bool:
        """Whether edge ``u -> v`` runs straight down the column, one row."""
        return self.lane[u] == self.lane[v] == 0 and self.row[v] == self.row[u] + 1

    @property
    def cuts(self):
        """Rows after which a cut tears no edge."""
        return [r for r, c in enumerate(self.crossing) if c == 0]

    def columns(self, n_columns: int):
        """Row ranges ``[(first, last), ...]``: at most ``n_columns`` columns, as even as
        the cuts allow."""
        rows = self.n_rows
        if n_columns <= 1 or rows <= 1:
            return [(0, rows - 1)]
        for capacity in range(math.ceil(rows / n_columns), rows + 1):
            packed = self._pack(capacity)
            if len(packed) <= n_columns:
                return packed
        return [(0, rows - 1)]

    def _pack(self, capacity):
        """Columns of about ``capacity`` rows. A column ends at the last clean cut (no edge
        torn) in its second half, or at the first one after it if that is at most half a
        column further; only where none is that near (a dense block) is an edge torn, at the cut
        of least cost: a torn edge costs as much as leaving half a column empty."""
        out, start, rows = [], 0, self.n_rows
        weight = max(capacity / 2, 1.0)
        clean = self.cuts
        while rows - start > capacity:
            last = start + capacity - 1
            fits = [c for c in clean if start + capacity // 2 <= c <= last]
            later = [c for c in clean if last < c <= last + capacity // 2]
            if fits or later:
                cut = fits[-1] if fits else later[0]
            else:
                cut = min(
                    range(start, last + 1),
                    key=lambda r: (self.crossing[r] * weight + (last - r), -r),
                )
            out.append((start, cut))
            start = cut + 1
        out.append((start, rows - 1))
        return out


def shared_prefix(names, *, share=0.5):
    """The name prefix (ending with ``_``) that at least ``share`` of ``names`` start with.

    The shortest such prefix, lengthened while no name drops out; every name that has it
    keeps something after it. ``""`` when none. ConvNeXtTiny's
    ``convnext_tiny_stage_0_block_0_depthwise_conv`` and its 130 siblings give
    ``"convnext_tiny_"``, so the boxes can read
    ``stage_0_block_0_depthwise_conv``.

    Parameters
    ----------
    names : list of str
    share : float, default=0.5

    Returns
    -------
    str
    """
    names = [name for name in names if name]
    if not names:
        return ""
    counts = Counter()
    for name in names:
        cut = name.find("_")
        while 0 <= cut < len(name) - 1:
            counts[name[: cut + 1]] += 1
            cut = name.find("_", cut + 1)
    needed = max(2, math.ceil(share * len(names)))
    common = sorted((p for p, count in counts.items() if count >= needed), key=len)
    if not common:
        return ""
    # the shortest shared prefix, made as long as it stays on just as many names: the
    # model's own prefix (convnext_tiny_), not a stage's (convnext_tiny_stage_)
    best = common[0]
    for prefix in common[1:]:
        if prefix.startswith(best) and counts[prefix] == counts[best]:
            best = prefix
    return best


def middle_ellipsis(text, fits, *, head=0.35):
    """``text`` shortened in the middle (``"separable_co…left4_stem_2"``) until ``fits``.

    Parameters
    ----------
    text : str
    fits : callable
        ``fits(candidate) -> bool``.
    head : float, default=0.35
        Share of the kept characters taken from the start; the rest come from the end,
        which is where Keras names differ (``..._block_3_conv``).

    Returns
    -------
    str
    """
    if fits(text):
        return text

    def cut(keep):
        front = int(round(keep * head))
        return text[:front] + "…" + text[len(text) - (keep - front) :]

    low, high = 0, len(text) - 1  # cut(low) is tried last; find the longest that fits
    while low < high:
        mid = (low + high + 1) // 2
        if fits(cut(mid)):
            low = mid
        else:
            high = mid - 1
    return cut(low)
