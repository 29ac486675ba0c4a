"""ArchitectureDisplay: a Keras model's layers as boxes, its skip connections as arcs.

One box per layer, in data-flow order, with the layer's name and output shape (batch
axis left out: ``28×28×64``); the colour of a box says what kind of layer it is. Skip
connections are red arcs that run beside the column, around the boxes they skip. Long
models wrap into several columns (cut where a single tensor flows, so no branch is torn
apart; where no such place is near, where the fewest edges cross), which keeps ResNet50's
176 layers on one page. A picture longer than ``ArchitectureStyle.max_size`` (24 inches)
is drawn with a smaller font, down to 5 points: DenseNet121 and NASNetMobile stay on one
page. Long Keras names are shortened in the middle, and a prefix most names
share (``convnext_tiny_``) is named once in the title instead of on every box.

The work is split by job: :mod:`vizcnn.inspection.architecture_graph` reads the model
into nodes and edges, :mod:`~vizcnn.display.architecture_layout` and
:mod:`~vizcnn.display.architecture_geometry` place them, and this module with
:mod:`~vizcnn.display.architecture_boxes` and :mod:`~vizcnn.display.architecture_edges`
draws them, in the colours of :class:`~vizcnn.display.architecture_style.ArchitectureStyle`.

When to use ``keras.utils.plot_model(model, show_shapes=True)`` instead
----------------------------------------------------------------------
``plot_model`` is Keras' own picture and the better tool for a *report*: it shows input
*and* output shapes of every layer, and it draws any functional graph, however many
branches it has, with Graphviz's layout. But it needs Graphviz and ``pydot`` installed
outside Python, it writes an image *file* (not a matplotlib figure you can put next to
other plots), it cannot open a subclassed layer such as :class:`vizcnn.layers.ResidualUnit`
(a residual unit is one opaque box, and its skip connection is invisible), and it draws
ResNet50 as a single strip of 177 boxes, many pages tall.

This display is matplotlib only. It draws on an Axes you choose, wraps long models into
columns, shows every skip connection as an arc beside the column (``skips_`` lists them),
and opens nested models and residual units on request (``expand=``): an opened residual
unit shows its main path, the ``+`` and the activation after it, and the skip arc labelled
``identity`` or ``1×1 conv, BN`` (a projection). What it does not do: a graph with several
long parallel branches (Inception) is drawn with the longest path as the column and the
other branches in side lanes, which is readable but less tidy than Graphviz.
"""

from __future__ import annotations

import dataclasses
import functools

from vizcnn.display._axes import check_ax
from vizcnn.display.architecture_boxes import Box, draw_boxes, draw_frames, draw_header
from vizcnn.display.architecture_edges import Skip, draw_edges
from vizcnn.display.architecture_geometry import ArchitectureGeometry
from vizcnn.display.architecture_layout import ArchitectureLayout
from vizcnn.display.architecture_style import ArchitectureStyle
from vizcnn.inspection.architecture_graph import Edge, Node, architecture_graph, check_graph
from vizcnn.language import text
from vizcnn.validation import check_bool, check_number, check_positive_int

__all__ = ["ArchitectureDisplay", "ArchitectureStyle", "Box", "Edge", "Node", "Skip"]


class ArchitectureDisplay:
    """A Keras model drawn as boxes (layers) in data-flow order, with skip arcs.

    Every layer is a box with its name and output shape; the box colour is the kind of
    layer. ``Add`` layers are drawn as a ``+`` circle. Skip connections are red arcs
    beside the column; branches that hold layers (ResNet50's projection shortcut) sit in
    a side lane. Long models wrap into columns, cut where one tensor flows when they can.

    Which boxes are drawn:

    - one per layer of a Sequential model, one per non-input layer of a functional model
      (the model input is drawn as a dashed ``input`` box, which is not in ``boxes_``);
    - a nested model or a ``vz.layers.ResidualUnit`` is ONE box (kind ``"Sequential"``,
      ``"Functional"``, ``"ResidualUnit"``) unless opened with ``expand=``. Opened, its
      layers are boxes named ``"block/layer"`` inside a frame; a residual unit shows its
      main path, an ``add`` (``+``) and its final activation (``act_out``).

    Which arcs count as skips (``skips_``):

    - in a functional graph, every edge into a merge (``Add``, ``Concatenate``, any layer
      with several inputs) that does not come from the box right above it. ResNet50 has
      16 ``Add`` layers, hence 16 skips;
    - an opened residual unit: one arc from the unit's input to its ``add``, labelled
      ``"identity"`` or its projection, e.g. ``"1×1 conv, BN"`` (drawn dashed);
    - a collapsed residual unit: a small arc around its box, counted too, with
      ``source == target ==`` the unit's name. So a model's skip count does not depend on
      ``expand``: ``small_resnet()`` has 3 skips, opened or not. (A collapsed nested
      *model* hides the skips inside it.)

    ``__init__`` only stores; :meth:`from_model` reads a model, :meth:`from_result`
    checks plain nodes and edges, :meth:`plot` lays out and draws.

    Parameters
    ----------
    nodes : list of Node
        What to draw, in data-flow order (inputs first); see
        :func:`vizcnn.inspection.architecture_graph.architecture_graph`.
    edges : list of Edge
        Tensors between nodes, by index; every ``source < target``.
    name : str, default="model"
        Used in the title.

    Attributes
    ----------
    figure_ : matplotlib.figure.Figure
    ax_ : matplotlib.axes.Axes
    boxes_ : list of Box
        One per drawn layer (input boxes excluded), in data-flow order: ``name``,
        ``kind``, ``shape_text`` (e.g. ``"28×28×64"``), ``patch``, ``text``.
    skips_ : list of Skip
        One per skip arc: ``source``, ``target`` (node names), ``label``, ``patch``.
    columns_ : list of (int, int)
        First and last row of each column.
    fontsize_ : float
        The box font size drawn: ``fontsize``, or smaller to keep the picture within
        ``style.max_size``.
    layout_ : ArchitectureLayout
        Rows, lanes and skips of every node.

    See Also
    --------
    keras.utils.plot_model : Graphviz picture of any graph (see the module docstring).
    ArchitectureStyle : the colours and sizes.

    Examples
    --------
    >>> display = vz.ArchitectureDisplay.from_model(vz.models.small_resnet(), expand=True)
    >>> len(display.skips_)
    3
    """

    def __init__(self, nodes, edges, *, name: str = "model"):
        self.nodes = nodes
        self.edges = edges
        self.name = name

    @classmethod
    def from_result(cls, nodes, edges, *, name: str = "model"):
        """A display of plain nodes and edges, checked (not drawn yet: call :meth:`plot`).

        Parameters
        ----------
        nodes : list of Node or of 7-tuples
        edges : list of Edge or of 3-tuples
        name : str, default="model"

        Returns
        -------
        ArchitectureDisplay

        Raises
        ------
        TypeError, ValueError
            See :func:`vizcnn.inspection.architecture_graph.check_graph`; a ``name`` that
            is not a str.
        """
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        nodes, edges = check_graph(nodes, edges)
        return cls(nodes, edges, name=name)

    @classmethod
    def from_model(cls, model, *, expand=None, **plot_kwargs):
        """Read ``model``'s layers and connections, then draw them.

        Parameters
        ----------
        model : keras.Model
            Sequential or functional (a subclassed model hides its graph: TypeError).
        expand : None, bool or list of str, default=None
            Which nested models and residual units to open: None or False none, True all,
            or a list of their names (``"outer/inner"`` or a unique bare name; the blocks
            around a named one are opened too).
        **plot_kwargs
            Passed to :meth:`plot` (checked before the model is read).

        Returns
        -------
        ArchitectureDisplay

        Raises
        ------
        TypeError
            If ``model`` is not a Keras model, or ``expand`` is not None, a bool or a list
            of str.
        ValueError
            If ``expand`` names a layer that is not a nested model or residual unit (the
            message lists the valid names).
        """
        _plot_options(**plot_kwargs)
        nodes, edges = architecture_graph(model, expand=expand)
        return cls.from_result(nodes, edges, name=model.name).plot(**plot_kwargs)

    # -- drawing --------------------------------------------------------------------
    def plot(self, *, ax=None, ncols=None, fontsize=7.0, title=None, legend=True, style=None):
        """Draw the boxes, edges and skip arcs.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw (its aspect is set to equal and its frame hidden); a new figure
            sized to the picture when None.
        ncols : int, optional
            Columns to wrap into; by default about as many as make the picture square.
            A column is cut where a single tensor flows when it can, so there may be fewer.
        fontsize : float, default=7
            Size of the box text in points; everything else scales with it. Made smaller
            (down to ``style.min_fontsize``) when the picture would be longer than
            ``style.max_size`` inches; ``fontsize_`` says what was drawn.
        title : str, optional
            Default: the model name, the number of boxes and of skip connections.
        legend : bool, default=True
            Show what each box colour means.
        style : ArchitectureStyle or dict, optional
            Colours and sizes; a dict changes those fields of the default style.

        Returns
        -------
        self
        """
        options = _plot_options(
            ax=ax, ncols=ncols, fontsize=fontsize, title=title, legend=legend, style=style
        )
        import matplotlib.pyplot as plt

        nodes, edges = check_graph(self.nodes, self.edges)
        style, legend, ncols = options["style"], options["legend"], options["ncols"]
        self.layout_ = layout = ArchitectureLayout(nodes, edges)
        size = options["fontsize"]
        for _ in range(4):  # shrink the font until the picture fits style.max_size
            g = ArchitectureGeometry(
                nodes, edges, layout, fontsize=size, style=style, text_width=_text_width
            )
            title = options["title"]
            if title is None:
                title = self._default_title(nodes, layout, g.prefix)
            g.title_width(title)
            if ncols is None:
                columns = g.squarest()
            else:
                columns = layout.columns(ncols)
                g.place(columns)
            header = g.header(title, legend)
            longest = max(g.width, g.height + header)
            if style.max_size is None or longest <= style.max_size + 1e-6:
                break
            if size <= style.min_fontsize:
                break
            size = max(style.min_fontsize, size * style.max_size / longest * 0.99)
        self.fontsize_, self.columns_ = size, columns
        if ax is None:
            fig = plt.figure(figsize=(g.width, g.height + header), layout="none")
            ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, g.width)
        ax.set_ylim(g.height + header, 0)
        ax.set_aspect("equal")
        ax.set_axis_off()
        self.figure_, self.ax_ = ax.figure, ax
        draw_header(ax, g, title, legend)
        g.offset_y(header)
        draw_frames(ax, g)
        self.boxes_ = draw_boxes(ax, g)
        self.skips_ = draw_edges(ax, g)
        return self

    def _default_title(self, nodes, layout, prefix):
        n_boxes = sum(1 for n in nodes if n.category != "input")
        n_skips = len(layout.skips) + sum(1 for n in nodes if n.residual)
        counts = f"display.architecture.counts_{'one' if n_skips == 1 else 'many'}"
        title = f"{self.name}\n" + text(counts, boxes=n_boxes, skips=n_skips)
        if prefix:
            title += "\n" + text("display.architecture.prefix", prefix=prefix)
        if any(n.category == "block" for n in nodes):
            title += "\n" + text("display.architecture.expand_hint")
        return title


def _plot_options(*, ax=None, ncols=None, fontsize=7.0, title=None, legend=True, style=None):
    """:meth:`ArchitectureDisplay.plot`'s options, checked (no drawing, no TensorFlow)."""
    check_ax(ax)
    if ncols is not None:
        ncols = check_positive_int(ncols, "ncols")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {type(title).__name__}")
    if style is None:
        style = ArchitectureStyle()
    elif isinstance(style, dict):
        names = {f.name for f in dataclasses.fields(ArchitectureStyle)}
        unknown = sorted(set(style) - names)
        if unknown:
            raise TypeError(f"style has unknown fields {unknown}; see ArchitectureStyle")
        style = ArchitectureStyle(**style)
    elif not isinstance(style, ArchitectureStyle):
        raise TypeError(
            f"style must be an ArchitectureStyle, a dict or None, got {type(style).__name__}"
        )
    return {
        "ax": ax,
        "ncols": ncols,
        "fontsize": check_number(fontsize, "fontsize", minimum=4, maximum=24),
        "title": title,
        "legend": check_bool(legend, "legend"),
        "style": style,
    }


@functools.lru_cache(maxsize=65536)
def _text_width(text, size):
    """Width in inches of ``text`` at ``size`` points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(size=size)
    return text_to_path.get_text_width_height_descent(text, prop, ismath=False)[0] / 72
