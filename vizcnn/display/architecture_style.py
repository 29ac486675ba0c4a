"""ArchitectureStyle: every colour, line width and size :class:`ArchitectureDisplay` uses.

Lengths are in inches *at the reference font size of 7 points*; the drawing scales them
all by ``fontsize / 7``, so a larger font makes a proportionally larger picture. Pass a
changed copy to :meth:`vizcnn.ArchitectureDisplay.plot` (``style=``), e.g.
``ArchitectureStyle(skip_color="black", max_size=30)``. No matplotlib here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from vizcnn.language import text

__all__ = ["ArchitectureStyle"]


def _default_fills():
    return {
        "input": "#ffffff",
        "conv": "#a6cee3",
        "norm": "#dcdcdc",
        "activation": "#b8e186",
        "pool": "#fdbf6f",
        "dense": "#cab2d6",
        "reshape": "#f3e79b",
        "dropout": "#f7d1d1",
        "merge": "#fde0dd",
        "block": "#8fb8de",
        "other": "#f0f0f0",
    }


def _default_words():
    return {
        "input": "input",
        "conv": "convolution",
        "norm": "normalisation",
        "activation": "activation",
        "pool": "pooling",
        "dense": "dense",
        "reshape": "reshape / padding",
        "dropout": "dropout / noise",
        "merge": "merge (+, concat)",
        "block": "block (expand= opens it)",
        "other": "other",
    }


@dataclass(frozen=True, kw_only=True)
class ArchitectureStyle:
    """Drawing constants of :class:`vizcnn.ArchitectureDisplay` (lengths in inches at 7 pt).

    Parameters
    ----------
    fills : dict of str to colour
        Box fill per node category (``"conv"``, ``"norm"``, ... see
        :data:`vizcnn.inspection.architecture_graph.CATEGORIES`).
    legend_words : dict of str to str
        The legend's words for each category.
    skip_color, edge_color : colour
        Skip arcs (and the ``+`` circles); ordinary arrows and box borders.
    text_color, shape_color : colour
        The second line of a box; the shape beside a ``+`` circle.
    frame_fill_odd, frame_fill_even, frame_edge, frame_text : colour
        Frames around opened blocks (fill alternates with nesting depth), their border
        and their rotated name.
    subtitle_color : colour
        Title lines after the first.
    max_size : float or None, default=24
        Longest side of the picture, in inches: a larger picture is drawn with a smaller
        font (down to ``min_fontsize``) so a long model stays on one readable page.
        None: no cap.
    min_fontsize : float, default=5
        The smallest font ``max_size`` may shrink the text to.
    square_rows : int, default=16
        Models with at most this many rows stay in one column.
    name_head : float, default=0.35
        Share of a too-long name kept before the middle ellipsis (the rest: its end).
    prefix_share : float, default=0.5
        A name prefix (up to an ``_``) that at least this share of the boxes have is left
        out of their labels and named in the title instead.
    min_box_width, max_box_width, box_padding : float
        Box width bounds; room beside the text.
    line_spacing : float
        Text line height as a multiple of the font size.
    box_extra_height, row_gap : float
        Height added to two text lines; free space between rows.
    add_radius : float
        Radius of a ``+`` circle (at most half a box height).
    bulge, arc_step : float
        How far a skip arc reaches beyond the box; extra reach per nesting level.
    arc_space, labelled_arc_space : float
        Room beside the column for arcs (without / with skip labels).
    lane_gap : float
        Space between side lanes.
    frame_pad, frame_step : float
        Space between a frame and its boxes; extra per nesting level.
    margin_left, gutter, margin_top, margin_bottom, depth_margin : float
        Page margins, space between columns, and extra per nesting depth (frame names).
    min_width : float
        Narrowest picture.
    wrap_drop : float
        How far below / above a box the wrap line between two columns runs.
    box_rounding, frame_rounding : float
        Corner radii.
    box_lw, block_lw, add_lw, frame_lw, edge_lw, skip_lw : float
        Line widths in points.
    edge_head, skip_head : float
        Arrow head sizes (matplotlib ``mutation_scale`` at 7 pt).
    dash : tuple of float
        Dash pattern of projection skips.
    title_extra, subtitle_extra : float
        Points added to the font size for the title's first and later lines.
    legend_swatch, legend_row, legend_pad : float
        Legend colour square, row height and spacing around it.
    """

    fills: dict = field(default_factory=_default_fills)
    legend_words: dict = field(default_factory=_default_words)
    skip_color: str = "#c0392b"
    edge_color: str = "#555555"
    text_color: str = "#333333"
    shape_color: str = "#444444"
    frame_fill_odd: str = "#f4f7fb"
    frame_fill_even: str = "#ffffff"
    frame_edge: str = "#9aaabb"
    frame_text: str = "#50657a"
    subtitle_color: str = "#333333"
    max_size: float | None = 24.0
    min_fontsize: float = 5.0
    square_rows: int = 16
    name_head: float = 0.35
    prefix_share: float = 0.5
    min_box_width: float = 0.9
    max_box_width: float = 2.0
    box_padding: float = 0.14
    line_spacing: float = 1.25
    box_extra_height: float = 0.06
    row_gap: float = 0.11
    add_radius: float = 0.13
    bulge: float = 0.2
    arc_step: float = 0.15
    arc_space: float = 0.32
    labelled_arc_space: float = 0.44
    lane_gap: float = 0.12
    frame_pad: float = 0.07
    frame_step: float = 0.1
    margin_left: float = 0.15
    gutter: float = 0.3
    margin_top: float = 0.1
    margin_bottom: float = 0.12
    depth_margin: float = 0.2
    min_width: float = 3.4
    wrap_drop: float = 0.06
    box_rounding: float = 0.04
    frame_rounding: float = 0.06
    box_lw: float = 0.6
    block_lw: float = 1.3
    add_lw: float = 0.9
    frame_lw: float = 0.7
    edge_lw: float = 0.7
    skip_lw: float = 1.1
    edge_head: float = 6.0
    skip_head: float = 7.0
    dash: tuple = (3, 2)
    title_extra: float = 3.0
    subtitle_extra: float = 1.0
    legend_swatch: float = 0.12
    legend_row: float = 0.2
    legend_pad: float = 0.06

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("fills", "legend_words"):
                if not isinstance(value, dict):
                    raise TypeError(f"{f.name} must be a dict, got {type(value).__name__}")
            elif f.name == "max_size":
                if value is not None and not (_is_number(value) and value > 0):
                    raise ValueError(f"max_size must be a positive number or None, got {value!r}")
            elif f.name == "dash":
                if not (isinstance(value, tuple) and all(_is_number(v) for v in value)):
                    raise TypeError(f"dash must be a tuple of numbers, got {value!r}")
            elif f.type == "str":
                if not isinstance(value, str):
                    raise TypeError(f"{f.name} must be a colour string, got {value!r}")
            elif not _is_number(value) or value < 0:
                raise ValueError(f"{f.name} must be a number >= 0, got {value!r}")
        missing = set(_default_fills()) - set(self.fills)
        if missing:
            raise ValueError(
                f"fills must give a colour for every category; missing {sorted(missing)}"
            )
        if not 0 < self.name_head < 1:
            raise ValueError(f"name_head must lie strictly between 0 and 1, got {self.name_head}")

    def fill(self, category: str) -> str:
        """The fill colour of a ``category`` box."""
        return self.fills[category]

    def words(self, category: str) -> str:
        """The legend's words for ``category`` (its name when not given): the default
        words in the lesson's language, words a caller gave as given."""
        words = self.legend_words.get(category, category)
        if words == _default_words().get(category):  # the default stays in English here
            return text(f"display.architecture.legend.{category}")
        return words


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
