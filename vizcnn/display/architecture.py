"""ArchitectureDisplay: a Keras model's layers as boxes, its skip connections as arcs.

One box per layer, in data-flow order, with the layer's name and output shape (batch
axis left out: ``28×28×64``); the colour of a box says what kind of layer it is. Skip
connections are red arcs that run beside the column, around the boxes they skip. Long
models wrap into several columns (cut only where a single tensor flows, so no branch is
torn apart), which keeps ResNet50's 176 layers on one page.

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

import math
from collections import namedtuple

from vizcnn.graph import keras_internals
from vizcnn.validation import check_bool, check_model, check_number, check_positive_int

Node = namedtuple(
    "Node", ["name", "kind", "shape_text", "category", "groups", "residual", "detail"]
)
Node.__doc__ = """One thing to draw: a layer, a collapsed block, or a model input.

``name`` is ``"outer/inner"`` inside an expanded block; ``kind`` the layer class name;
``category`` picks the colour; ``groups`` the names of the expanded blocks around it
(outermost first); ``residual`` the skip description of a collapsed residual unit (else
None); ``detail`` extra text after the shape (``"12 layers"`` for a collapsed model)."""

Edge = namedtuple("Edge", ["source", "target", "label"])
Edge.__doc__ = "A tensor from node ``source`` to node ``target`` (indices); ``label`` or None."

Box = namedtuple("Box", ["name", "kind", "shape_text", "patch", "text"])
Box.__doc__ = """A drawn layer: ``name``, ``kind`` (class name), ``shape_text`` (output shape
without the batch axis), ``patch`` (the matplotlib box or, for an ``Add``, circle) and
``text`` (the Text artists drawn on it)."""

Skip = namedtuple("Skip", ["source", "target", "label", "patch"])
Skip.__doc__ = """A drawn skip arc from node ``source`` to node ``target`` (names).

For a collapsed residual unit ``source == target ==`` the unit's name (the arc runs around
its box). ``label`` is ``"identity"``, a projection such as ``"1×1 conv, BN"``, or None
(a skip of a functional graph); ``patch`` is the arrow."""

# colour of each kind of layer (fill), and the legend's words for it
_CATEGORIES = {
    "input": ("#ffffff", "input"),
    "conv": ("#a6cee3", "convolution"),
    "norm": ("#dcdcdc", "normalisation"),
    "activation": ("#b8e186", "activation"),
    "pool": ("#fdbf6f", "pooling"),
    "dense": ("#cab2d6", "dense"),
    "reshape": ("#f3e79b", "reshape / padding"),
    "dropout": ("#f7d1d1", "dropout / noise"),
    "merge": ("#fde0dd", "merge (+, concat)"),
    "block": ("#8fb8de", "block (expand= opens it)"),
    "other": ("#f0f0f0", "other"),
}
_MERGES = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot"}
_ACTIVATIONS = {"Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"}
_RESHAPES = ("Flatten", "Reshape", "ZeroPadding", "Cropping", "UpSampling", "Permute", "Repeat")
_SKIP_COLOR = "#c0392b"
_EDGE_COLOR = "#555555"


def _category(kind: str) -> str:
    if kind == "InputLayer":
        return "input"
    if kind in _MERGES:
        return "merge"
    if kind in _ACTIVATIONS:
        return "activation"
    if "Conv" in kind:
        return "conv"
    if "Normalization" in kind:
        return "norm"
    if "Pool" in kind:
        return "pool"
    if kind in ("Dense", "EinsumDense"):
        return "dense"
    if kind.startswith(_RESHAPES):
        return "reshape"
    if "Dropout" in kind or kind.startswith("Gaussian"):
        return "dropout"
    return "other"


def _is_residual(layer) -> bool:
    """A ``vz.layers.ResidualUnit``-like layer: ``main_layers`` and ``skip_layers`` lists."""
    return hasattr(layer, "main_layers") and hasattr(layer, "skip_layers")


def _has_graph(keras, model) -> bool:
    """Whether a model's layers and their connections can be read (not subclassed)."""
    return isinstance(model, keras.Sequential) or keras_internals.has_functional_graph(model)


def _expandable(keras, layer) -> bool:
    return _is_residual(layer) or (isinstance(layer, keras.Model) and _has_graph(keras, layer))


def _shape_text(shape) -> str:
    """``(None, 28, 28, 64)`` -> ``"28×28×64"``; unknown -> ``"?"``."""
    if shape is None:
        return "?"
    dims = tuple(shape)[1:]
    if not dims:
        return "scalar"
    return "×".join("?" if d is None else str(d) for d in dims)


def _output_shape(layer, shape):
    """``layer``'s output shape for input ``shape``, or None when Keras cannot say."""
    if shape is None:
        return None
    try:
        out = layer.compute_output_shape(tuple(shape))
    except Exception:  # any layer may refuse; the box then reads "?"
        return None
    return tuple(out) if isinstance(out, (tuple, list)) else None


def _skip_text(unit) -> str:
    """``"identity"`` or the projection, e.g. ``"1×1 conv, BN"``, of a residual unit."""
    parts = []
    for layer in unit.skip_layers:
        kind = type(layer).__name__
        if "Conv" in kind and hasattr(layer, "kernel_size"):
            size = tuple(layer.kernel_size)
            parts.append(f"{'×'.join(str(k) for k in size)} conv")
        elif kind == "BatchNormalization":
            parts.append("BN")
        else:
            parts.append(kind)
    return ", ".join(parts) or "identity"


def _n_layers(model) -> int:
    from vizcnn.validation import iter_layers

    return sum(1 for _ in iter_layers(model))


class _GraphReader:
    """Read a model into :class:`Node` s and :class:`Edge` s, in data-flow order.

    A token is ``(node index or None, output shape)``: what flows along one tensor.
    """

    def __init__(self, keras, expand_all: bool, expand_ids: set[int]):
        self.keras = keras
        self.expand_all = expand_all
        self.expand_ids = expand_ids
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self._used: dict[str, int] = {}

    def add(self, name, kind, shape_text, groups, *, category=None, residual=None, detail=""):
        count = self._used.get(name, 0) + 1  # a shared layer, called twice, gets two boxes
        self._used[name] = count
        if count > 1:
            name = f"{name} (call {count})"
        category = category or _category(kind)
        self.nodes.append(Node(name, kind, shape_text, category, groups, residual, detail))
        return len(self.nodes) - 1

    def link(self, source, target, label=None):
        if source is None:
            return
        edge = Edge(source, target, label)
        if edge not in self.edges:
            self.edges.append(edge)

    # -- models ---------------------------------------------------------------------
    def top(self, model):
        tokens = []
        try:
            inputs = list(model.inputs or [])
        except (AttributeError, ValueError):  # a Sequential without keras.Input
            inputs = []
        for tensor in inputs:
            made_by = keras_internals.producer(tensor)
            name = getattr(made_by[0], "name", None) if made_by else None
            name = name or "input"
            index = self.add(name, "InputLayer", _shape_text(tensor.shape), ())
            tokens.append((index, tuple(tensor.shape)))
        if not tokens:
            tokens = [(None, None)]
        if not _has_graph(self.keras, model):
            raise TypeError(
                f"model {model.name!r} ({type(model).__name__}) is a subclassed model: its "
                "graph is hidden in Python code; use a Sequential or functional model"
            )
        self.model(model, tokens, ())

    def model(self, model, tokens, groups):
        if isinstance(model, self.keras.Sequential):
            for layer in model.layers:
                if type(layer).__name__ == "InputLayer":
                    continue
                tokens = self.layer(layer, tokens[:1], None, groups)
            return tokens
        tensors = {id(t): token for t, token in zip(model.inputs, tokens, strict=False)}
        by_depth = keras_internals.nodes_by_depth(model)  # the order of keras' own walk
        for depth in sorted(by_depth, reverse=True):
            for node in by_depth[depth]:
                if node.operation is None or node.is_input:
                    continue
                if any(id(t) not in tensors for t in node.input_tensors):
                    continue
                ins = [tensors[id(t)] for t in node.input_tensors]
                shapes = [tuple(t.shape) for t in node.outputs]
                outs = self.layer(node.operation, ins, shapes, groups)
                for tensor, token in zip(node.outputs, outs, strict=False):
                    tensors[id(tensor)] = token
        return [tensors.get(id(t), (None, None)) for t in model.outputs]

    def _expand(self, layer) -> bool:
        if not _expandable(self.keras, layer):
            return False
        return self.expand_all or id(layer) in self.expand_ids

    def layer(self, layer, tokens, shapes, groups):
        inner = (*groups, layer.name)
        if self._expand(layer):
            if _is_residual(layer):
                return [self.residual(layer, tokens[0], inner)]
            return self.model(layer, tokens, inner)
        if shapes is None:  # Sequential: compute what the layer makes of its input
            shapes = [_output_shape(layer, tokens[0][1])]
        kind = type(layer).__name__
        category, residual, detail = None, None, ""
        if _is_residual(layer):
            category, residual = "block", _skip_text(layer)
        elif isinstance(layer, self.keras.Model):
            category, detail = "block", f"{_n_layers(layer)} layers"
        shape_text = ", ".join(_shape_text(s) for s in shapes)
        index = self.add(
            "/".join(inner),
            kind,
            shape_text,
            groups,
            category=category,
            residual=residual,
            detail=detail,
        )
        for source, _ in tokens:
            self.link(source, index)
        return [(index, shape) for shape in shapes]

    def residual(self, unit, token, groups):
        """Main path as boxes, then ``+`` (the skip arc from the unit's input) and the
        activation after the sum."""
        prefix = "/".join(groups)
        current = token
        for layer in unit.main_layers:
            shape = _output_shape(layer, current[1])
            index = self.add(
                f"{prefix}/{layer.name}", type(layer).__name__, _shape_text(shape), groups
            )
            self.link(current[0], index)
            current = (index, shape)
        add = self.add(f"{prefix}/add", "Add", _shape_text(current[1]), groups)
        self.link(current[0], add)
        self.link(token[0], add, _skip_text(unit))
        current = (add, current[1])
        after = getattr(unit, "activation", None)
        if isinstance(after, self.keras.layers.Layer):
            index = self.add(
                f"{prefix}/{after.name}", type(after).__name__, _shape_text(current[1]), groups
            )
            self.link(add, index)
            current = (index, current[1])
        return current


def _resolve_expand(keras, model, expand):
    """``(expand_all, ids of the layers to open)``, with the blocks around them opened too."""
    from vizcnn.validation import iter_layers

    if expand is None:
        return False, set()
    if isinstance(expand, bool) or type(expand).__name__ == "bool_":
        return bool(expand), set()
    if isinstance(expand, str):
        raise TypeError(
            f"expand must be None, a bool or a list of layer names, got str {expand!r}; "
            f"write expand=[{expand!r}]"
        )
    if not isinstance(expand, (list, tuple)):
        raise TypeError(
            f"expand must be None, a bool or a list of layer names, got {type(expand).__name__}"
        )
    for i, name in enumerate(expand):
        if not isinstance(name, str):
            raise TypeError(
                f"expand[{i}] must be a layer name (str), got {type(name).__name__} {name!r}"
            )
    paths = {}
    for path, layer in iter_layers(model):
        if _expandable(keras, layer):
            paths.setdefault(layer.name, path)
            paths.setdefault("/".join(p.name for p in path), path)
    unknown = [name for name in expand if name not in paths]
    if unknown:
        valid = sorted({path[-1].name for path in paths.values()})
        if not valid:
            raise ValueError(
                f"expand names {unknown}, but model {model.name!r} has no nested models "
                "or residual units to open"
            )
        raise ValueError(
            f"expand names {unknown}, which are not nested models or residual units of "
            f"model {model.name!r}; valid names: {', '.join(valid)}"
        )
    ids = {id(layer) for name in expand for layer in paths[name]}
    return False, ids


class _Layout:
    """Rows and lanes: the longest path is the column (lane 0), other branches sit in side
    lanes beside it. Which edges are skips, and where a column may be cut."""

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
        end = max(range(n), key=lambda v: (depth[v], v)) if n else None
        spine = []
        while end is not None:
            spine.append(end)
            on_path = [p for p in self.preds[end] if depth[p] == depth[end] - 1]
            end = max(on_path) if on_path else None
        self.spine = set(spine)
        self.row = [0] * n
        self.lane = [0] * n
        taken = set()
        for v in range(n):
            if v in self.spine:
                self.row[v] = depth[v]
            else:  # between its inputs and its users, centred in the room it has
                slack = (self.n_rows - 1 - height[v]) - depth[v]
                above = max((self.row[p] + 1 for p in self.preds[v]), default=0)
                self.row[v] = max(above, depth[v] + slack // 2)
                lane = 1
                while (self.row[v], lane) in taken:
                    lane += 1
                self.lane[v] = lane
            taken.add((self.row[v], self.lane[v]))
        self.n_lanes = max(self.lane, default=0)
        at = {(self.row[v], self.lane[v]): v for v in range(n)}
        self.skips = []
        for i, e in enumerate(edges):
            merge = len(set(self.preds[e.target])) > 1 or nodes[e.target].category == "merge"
            before = at.get((self.row[e.target] - 1, self.lane[e.target]))
            if merge and e.source != before:
                self.skips.append(i)
        blocked = [False] * max(self.n_rows - 1, 0)
        for e in edges:
            u, v = e.source, e.target
            consecutive = self.lane[u] == self.lane[v] == 0 and self.row[v] == self.row[u] + 1
            if not consecutive:
                for r in range(self.row[u], self.row[v]):
                    blocked[r] = True
        self.cuts = [r for r, b in enumerate(blocked) if not b]  # cut after row r

    def columns(self, n_columns: int):
        """Row ranges ``[(first, last), ...]`` of at most ``n_columns`` (when cuts allow)."""
        rows = self.n_rows
        if n_columns <= 1 or rows <= 1:
            return [(0, rows - 1)]
        for capacity in range(math.ceil(rows / n_columns), rows + 1):
            packed = self._pack(capacity)
            if len(packed) <= n_columns:
                return packed
        return [(0, rows - 1)]

    def _pack(self, capacity):
        out, start, rows = [], 0, self.n_rows
        while rows - start > capacity:
            fits = [c for c in self.cuts if start <= c <= start + capacity - 1]
            later = [c for c in self.cuts if c >= start]
            cut = fits[-1] if fits else (later[0] if later else start + capacity - 1)
            out.append((start, cut))
            start = cut + 1
        out.append((start, rows - 1))
        return out


class ArchitectureDisplay:
    """A Keras model drawn as boxes (layers) in data-flow order, with skip arcs.

    Every layer is a box with its name and output shape; the box colour is the kind of
    layer. ``Add`` layers are drawn as a ``+`` circle. Skip connections are red arcs
    beside the column; branches that hold layers (ResNet50's projection shortcut) sit in
    a side lane. Long models wrap into columns, cut only where one tensor flows.

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

    Parameters
    ----------
    nodes : list of Node
        What to draw, in data-flow order (inputs first); see :meth:`from_model`.
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

    See Also
    --------
    keras.utils.plot_model : Graphviz picture of any graph (see the module docstring).

    Examples
    --------
    >>> display = vz.ArchitectureDisplay.from_model(vz.models.small_resnet(), expand=True)
    >>> len(display.skips_)
    3
    """

    def __init__(self, nodes, edges, *, name: str = "model"):
        self.nodes = [Node(*n) for n in nodes]
        self.edges = [Edge(*e) for e in edges]
        for e in self.edges:
            if not 0 <= e.source < e.target < len(self.nodes):
                raise ValueError(f"edge {e} must join two nodes, source before target")
        self.name = str(name)
        self.layout = _Layout(self.nodes, self.edges)

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
            Passed to :meth:`plot`.

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
        from vizcnn.backend import keras as _keras

        check_model(model)
        keras = _keras()
        expand_all, expand_ids = _resolve_expand(keras, model, expand)
        reader = _GraphReader(keras, expand_all, expand_ids)
        reader.top(model)
        return cls(reader.nodes, reader.edges, name=model.name).plot(**plot_kwargs)

    # -- drawing --------------------------------------------------------------------
    def plot(
        self,
        *,
        ax=None,
        ncols: int | None = None,
        fontsize: float = 7.0,
        title: str | None = None,
        legend: bool = True,
    ):
        """Draw the boxes, edges and skip arcs.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw (its aspect is set to equal and its frame hidden); a new figure
            sized to the picture when None.
        ncols : int, optional
            Columns to wrap into; by default about as many as make the picture square.
            A column is cut only where a single tensor flows, so there may be fewer.
        fontsize : float, default=7
            Size of the box text in points; everything else scales with it.
        title : str, optional
            Default: the model name, the number of boxes and of skip connections.
        legend : bool, default=True
            Show what each box colour means.

        Returns
        -------
        self
        """
        import matplotlib.pyplot as plt

        if ncols is not None:
            ncols = check_positive_int(ncols, "ncols")
        fontsize = check_number(fontsize, "fontsize", minimum=4, maximum=24)
        legend = check_bool(legend, "legend")
        if title is not None and not isinstance(title, str):
            raise TypeError(f"title must be a str or None, got {type(title).__name__}")
        g = _Geometry(self, fontsize)
        n_boxes = sum(1 for n in self.nodes if n.category != "input")
        n_skips = len(self.layout.skips) + sum(1 for n in self.nodes if n.residual)
        if title is None:
            plural = "" if n_skips == 1 else "s"
            title = f"{self.name}\n{n_boxes} boxes · {n_skips} skip connection{plural}"
            if any(n.category == "block" for n in self.nodes):
                title += "\nexpand=True opens the blocks"
        g.title_width(title)
        if ncols is None:
            self.columns_ = self._squarest(g)
        else:
            self.columns_ = self.layout.columns(ncols)
        g.place(self.columns_)
        header = g.header(title, legend)
        if ax is None:
            fig = plt.figure(figsize=(g.width, g.height + header), layout="none")
            ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, g.width)
        ax.set_ylim(g.height + header, 0)
        ax.set_aspect("equal")
        ax.set_axis_off()
        self.figure_, self.ax_ = ax.figure, ax
        g.draw_header(ax, title, legend)
        g.offset_y(header)
        g.draw_frames(ax)
        self.boxes_ = g.draw_boxes(ax)
        self.skips_ = g.draw_edges(ax)
        return self

    def _squarest(self, g):
        """The column split whose figure has the smallest longer side."""
        rows = self.layout.n_rows
        if rows <= 16:
            return self.layout.columns(1)
        ideal = math.sqrt(rows * g.pitch / (g.column + g.gutter))
        best = None
        for n in range(max(1, math.floor(ideal) - 1), math.ceil(ideal) + 2):
            columns = self.layout.columns(n)
            g.place(columns)
            size = max(g.width, g.height)
            if best is None or size < best[0] - 1e-9:
                best = (size, columns)
        return best[1]


class _Geometry:
    """Sizes in inches (the Axes' data units are inches, y pointing down)."""

    step = 0.15  # inches between nested arcs beside a column

    def __init__(self, display, fontsize):
        from matplotlib.font_manager import FontProperties
        from matplotlib.textpath import text_to_path

        def width(text, size):
            prop = FontProperties(size=size)
            return text_to_path.get_text_width_height_descent(text, prop, ismath=False)[0] / 72

        self.text_width = width
        self.display, self.nodes, self.layout = display, display.nodes, display.layout
        self.fs = fontsize
        self.small = fontsize - 0.5
        k = fontsize / 7.0
        self.k = k
        self.line = fontsize * 1.25 / 72
        self.box_h = 2 * self.line + 0.06 * k
        self.pitch = self.box_h + 0.11 * k
        self.max_box_w = 2.0 * k
        widths = [
            max(width(self._title(n), fontsize), width(self._subtitle(n), self.small))
            for n in self.nodes
            if n.kind != "Add"
        ]
        self.box_w = min(max([0.9 * k, *(w + 0.14 * k for w in widths)]), self.max_box_w)
        self.radius = min(self.box_h / 2, 0.13 * k)
        labelled = any(n.residual for n in self.nodes) or any(
            display.edges[i].label for i in self.layout.skips
        )
        self.bulge = 0.2 * k
        self.level = self._levels()  # skip index -> nesting level of its arc
        self.arc_space = (0.44 if labelled else 0.32) * k + self.step * k * max(
            self.level.values(), default=0
        )
        self.lane_w = self.box_w + 0.12 * k
        self.column = self.box_w + self.arc_space + self.layout.n_lanes * self.lane_w
        depth = max((len(n.groups) for n in self.nodes), default=0)
        self.frame_pad = 0.07 * k
        self.left = 0.15 * k + depth * 0.2 * k  # room for the frames' names
        self.gutter = 0.3 * k + depth * 0.2 * k
        self.top = 0.1 * k
        self.min_width = 3.4 * k

    def title_width(self, title):
        """Make the figure at least as wide as the title."""
        if title:
            first, *rest = title.split("\n")
            widths = [self.text_width(first, self.fs + 3)]
            widths += [self.text_width(line, self.fs + 1) for line in rest]
            self.min_width = max(self.min_width, max(widths) + 0.3 * self.k)

    def _levels(self):
        """Arcs beside the column that overlap are nested: a longer arc bulges further."""
        layout, edges = self.layout, self.display.edges
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
        return node.name.split("/")[-1] if node.groups else node.name

    def _title(self, node):
        return "input" if node.category == "input" else self._short(node)

    def _subtitle(self, node):
        return f"{node.shape_text} · {node.detail}" if node.detail else node.shape_text

    def _fit(self, text, size):
        room = self.box_w - 0.1 * self.k
        if self.text_width(text, size) <= room:
            return text
        while len(text) > 1 and self.text_width(text + "…", size) > room:
            text = text[:-1]
        return text + "…"

    # -- placement ------------------------------------------------------------------
    def place(self, columns):
        self.col_of_row = {}
        for c, (first, last) in enumerate(columns):
            for r in range(first, last + 1):
                self.col_of_row[r] = c
        self.first_row = [first for first, _ in columns]
        rows = max(last - first + 1 for first, last in columns)
        width = self.left + len(columns) * self.column + (len(columns) - 1) * self.gutter
        self.width = max(width + 0.1 * self.k, self.min_width)
        self.x_shift = (self.width - width) / 2
        self.height = self.top + rows * self.pitch + 0.12 * self.k
        self.y_shift = 0.0

    def offset_y(self, dy):
        self.y_shift = dy

    def col(self, v):
        return self.col_of_row[self.layout.row[v]]

    def x0(self, c):
        return self.x_shift + self.left + c * (self.column + self.gutter)

    def center(self, v):
        c, lane = self.col(v), self.layout.lane[v]
        x = self.x0(c) + self.box_w / 2
        if lane:
            x = self.x0(c) + self.box_w + self.arc_space + (lane - 1) * self.lane_w + self.box_w / 2
        r = self.layout.row[v] - self.first_row[c]
        return x, self.y_shift + self.top + (r + 0.5) * self.pitch

    def half(self, v):
        """Half width and half height of node ``v``'s patch."""
        if self.nodes[v].kind == "Add":
            return self.radius, self.radius
        return self.box_w / 2, self.box_h / 2

    # -- header ---------------------------------------------------------------------
    def _legend_items(self):
        """``(key, words)``: the box colours in use, then the kinds of skip arc."""
        present = {n.category for n in self.nodes} - {"input"}
        items = [(cat, words) for cat, (_, words) in _CATEGORIES.items() if cat in present]
        labels = [n.residual for n in self.nodes if n.residual]
        labels += [self.display.edges[i].label for i in self.layout.skips]
        if any(label in (None, "identity") for label in labels):
            items.append(("skip", "skip connection"))
        if any(label not in (None, "identity") for label in labels):
            items.append(("projection", "projection skip (1×1 conv)"))
        return items

    def header(self, title, legend):
        lines = title.count("\n") + 1 if title else 0
        height = lines * (self.fs + 3) * 1.35 / 72 + 0.1 * self.k
        if legend:
            self._legend_rows = self._legend_layout()
            height += len(self._legend_rows) * 0.2 * self.k + 0.05 * self.k
        return height

    def _legend_layout(self):
        rows, row, used = [], [], 0.0
        room = self.width - 0.3 * self.k
        for key, words in self._legend_items():
            w = 0.2 * self.k + self.text_width(words, self.small) + 0.2 * self.k
            if row and used + w > room:
                rows.append(row)
                row, used = [], 0.0
            row.append((key, words, w))
            used += w
        if row:
            rows.append(row)
        return rows

    def draw_header(self, ax, title, legend):
        from matplotlib.patches import Rectangle

        y = 0.08 * self.k
        if title:
            first, *rest = title.split("\n")
            ax.text(
                self.width / 2,
                y,
                first,
                ha="center",
                va="top",
                fontsize=self.fs + 3,
                fontweight="bold",
            )
            y += (self.fs + 3) * 1.35 / 72
            for line in rest:
                ax.text(
                    self.width / 2,
                    y,
                    line,
                    ha="center",
                    va="top",
                    fontsize=self.fs + 1,
                    color="#333333",
                )
                y += (self.fs + 3) * 1.35 / 72
        if legend:
            y += 0.06 * self.k
            for row in self._legend_rows:
                total = sum(w for *_, w in row)
                x = (self.width - total) / 2
                for key, words, w in row:
                    s = 0.12 * self.k
                    if key in _CATEGORIES:
                        color = _CATEGORIES[key][0]
                        ax.add_patch(Rectangle((x, y), s, s, fc=color, ec=_EDGE_COLOR, lw=0.5))
                    else:
                        ax.plot(
                            [x - 0.04 * self.k, x + s],
                            [y + s / 2, y + s / 2],
                            color=_SKIP_COLOR,
                            lw=1.1,
                            ls=(0, (3, 2)) if key == "projection" else "-",
                        )
                    ax.text(
                        x + s + 0.05 * self.k, y + s / 2, words, va="center", fontsize=self.small
                    )
                    x += w
                y += 0.2 * self.k

    # -- frames around opened blocks ------------------------------------------------
    def draw_frames(self, ax):
        from matplotlib.patches import FancyBboxPatch

        groups = {}
        for v, n in enumerate(self.nodes):
            for d in range(1, len(n.groups) + 1):
                groups.setdefault(n.groups[:d], []).append(v)
        for path, members in groups.items():
            depth = len(path)
            pad = self.frame_pad + (self._max_depth(members) - depth) * 0.1 * self.k
            by_col = {}
            for v in members:
                by_col.setdefault(self.col(v), []).append(v)
            for i, (c, vs) in enumerate(sorted(by_col.items())):
                ys = [self.center(v)[1] for v in vs]
                left = self.x0(c) - pad - 0.05 * self.k
                right = self.x0(c) + self.column - 0.06 * self.k + pad
                top = min(ys) - self.box_h / 2 - pad
                bottom = max(ys) + self.box_h / 2 + pad
                ax.add_patch(
                    FancyBboxPatch(
                        (left, top),
                        right - left,
                        bottom - top,
                        boxstyle=f"round,pad=0,rounding_size={0.06 * self.k}",
                        fc="#f4f7fb" if depth % 2 else "#ffffff",
                        ec="#9aaabb",
                        lw=0.7,
                        zorder=0.5 + 0.01 * depth,
                    )
                )
                if i == 0 or self.text_width(path[-1], self.small) < bottom - top:
                    ax.text(
                        left + 0.015 * self.k,
                        (top + bottom) / 2,
                        path[-1],
                        rotation=90,
                        ha="right",
                        va="center",
                        fontsize=self.small,
                        color="#50657a",
                        style="italic",
                        zorder=3,
                    )

    def _max_depth(self, members):
        return max(len(self.nodes[v].groups) for v in members)

    # -- boxes ----------------------------------------------------------------------
    def draw_boxes(self, ax):
        from matplotlib.patches import Circle, FancyBboxPatch

        boxes = []
        for v, n in enumerate(self.nodes):
            x, y = self.center(v)
            color = _CATEGORIES[n.category][0]
            if n.kind == "Add":
                patch = Circle((x, y), self.radius, fc=color, ec=_SKIP_COLOR, lw=0.9, zorder=2)
                ax.add_patch(patch)
                texts = [
                    ax.text(
                        x,
                        y,
                        "+",
                        ha="center",
                        va="center_baseline",
                        fontsize=self.fs + 2,
                        fontweight="bold",
                        color=_SKIP_COLOR,
                        zorder=3,
                    ),
                    ax.text(
                        x - self.radius - 0.05 * self.k,
                        y,
                        n.shape_text,
                        ha="right",
                        va="center",
                        fontsize=self.small,
                        color="#444444",
                        zorder=3,
                    ),
                ]
            else:
                w, h = self.box_w, self.box_h
                patch = FancyBboxPatch(
                    (x - w / 2, y - h / 2),
                    w,
                    h,
                    boxstyle=f"round,pad=0,rounding_size={0.04 * self.k}",
                    fc=color,
                    ec=_EDGE_COLOR,
                    lw=1.3 if n.category == "block" else 0.6,
                    ls="--" if n.category == "input" else "-",
                    zorder=2,
                )
                ax.add_patch(patch)
                texts = [
                    ax.text(
                        x,
                        y - self.line / 2,
                        self._fit(self._title(n), self.fs),
                        ha="center",
                        va="center",
                        fontsize=self.fs,
                        zorder=3,
                        fontweight="bold" if n.category == "block" else "normal",
                    ),
                    ax.text(
                        x,
                        y + self.line / 2,
                        self._fit(self._subtitle(n), self.small),
                        ha="center",
                        va="center",
                        fontsize=self.small,
                        color="#333333",
                        zorder=3,
                    ),
                ]
            if n.category != "input":
                boxes.append(Box(n.name, n.kind, n.shape_text, patch, texts))
        return boxes

    # -- edges and skips ------------------------------------------------------------
    def _arrow(self, ax, verts, codes, *, skip=False, dashed=False):
        from matplotlib.patches import FancyArrowPatch
        from matplotlib.path import Path

        arrow = FancyArrowPatch(
            path=Path(verts, codes),
            arrowstyle="-|>",
            mutation_scale=(7 if skip else 6) * self.k,
            lw=1.1 if skip else 0.7,
            color=_SKIP_COLOR if skip else _EDGE_COLOR,
            linestyle=(0, (3, 2)) if dashed else "-",
            shrinkA=0,
            shrinkB=0,
            zorder=1.5 if skip else 1,
        )
        ax.add_patch(arrow)
        return arrow

    def _curve(self, ax, p0, c1, c2, p3, **kwargs):
        from matplotlib.path import Path

        codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4]
        return self._arrow(ax, [p0, c1, c2, p3], codes, **kwargs)

    def _line(self, ax, points, **kwargs):
        from matplotlib.path import Path

        codes = [Path.MOVETO] + [Path.LINETO] * (len(points) - 1)
        return self._arrow(ax, points, codes, **kwargs)

    def draw_edges(self, ax):
        display, layout = self.display, self.layout
        skip_of = set(layout.skips)
        # side-lane layers that lead to a skip (ResNet50's 1x1 shortcut): drawn red as well
        shortcut = set()
        stack = [display.edges[i].source for i in layout.skips]
        while stack:
            u = stack.pop()
            if layout.lane[u] and u not in shortcut:
                shortcut.add(u)
                stack.extend(layout.preds[u])
        skips = []
        for i, e in enumerate(display.edges):
            u, v = e.source, e.target
            (xu, yu), (xv, yv) = self.center(u), self.center(v)
            (wu, hu), (wv, hv) = self.half(u), self.half(v)
            lu, lv = layout.lane[u], layout.lane[v]
            is_skip = i in skip_of
            style = {
                "skip": is_skip or v in shortcut,
                "dashed": is_skip and e.label not in (None, "identity"),
            }
            if self.col(u) != self.col(v):
                if lu == lv == 0 and layout.row[v] == layout.row[u] + 1:
                    patch = self._wrap(ax, u, v)
                else:  # a branch torn by a column cut: a straight dashed line
                    patch = self._line(
                        ax, [(xu + wu, yu), (xv + wv, yv)], skip=is_skip, dashed=True
                    )
            elif lu == lv and layout.row[v] == layout.row[u] + 1:
                patch = self._line(ax, [(xu, yu + hu), (xv, yv - hv)])
            elif lu == lv == 0:  # around the boxes in between, on the right
                start, end = (xu + wu, yu), (xv + wv, yv)
                bulge = self.bulge + self.step * self.k * self.level.get(i, 0)
                reach = xu + self.box_w / 2 + bulge / 0.75
                patch = self._curve(ax, start, (reach, yu), (reach, yv), end, **style)
                if e.label:
                    ax.text(
                        xu + self.box_w / 2 + bulge + 0.04 * self.k,
                        (yu + yv) / 2,
                        e.label,
                        rotation=90,
                        ha="left",
                        va="center",
                        fontsize=self.small - 0.5,
                        color=_SKIP_COLOR,
                    )
            elif lu == 0:  # out to a side lane
                start, end = (xu + wu, yu), (xv, yv - hv)
                patch = self._curve(ax, start, (xv, yu), (xv, yu), end, **style)
            elif lv == 0:  # back from a side lane
                start, end = (xu, yu + hu), (xv + wv, yv)
                patch = self._curve(ax, start, (xu, yv), (xu, yv), end, **style)
            else:
                start, end = (xu, yu + hu), (xv, yv - hv)
                mid = (start[1] + end[1]) / 2
                patch = self._curve(ax, start, (xu, mid), (xv, mid), end, **style)
            if is_skip:
                skips.append(Skip(self.nodes[u].name, self.nodes[v].name, e.label, patch))
        for v, n in enumerate(self.nodes):
            if n.residual:
                skips.append(Skip(n.name, n.name, n.residual, self._around(ax, v, n.residual)))
        order = {name: i for i, name in enumerate(n.name for n in self.nodes)}
        skips.sort(key=lambda s: (order[s.target], order[s.source]))
        return skips

    def _around(self, ax, v, label):
        """The skip arc of a collapsed residual unit: from the line above its box to the
        line below, around the box's right side."""
        x, y = self.center(v)
        gap = (self.pitch - self.box_h) / 2
        top, bottom = y - self.box_h / 2 - gap, y + self.box_h / 2 + gap
        apex = x + self.box_w / 2 + self.bulge * 0.8
        reach = x + (apex - x) / 0.75
        dashed = label != "identity"
        patch = self._curve(
            ax, (x, top), (reach, top), (reach, bottom), (x, bottom), skip=True, dashed=dashed
        )
        if dashed:
            ax.text(
                apex + 0.03 * self.k,
                y,
                label.split(",")[0].replace(" conv", ""),
                ha="left",
                va="center",
                fontsize=self.small - 1,
                color=_SKIP_COLOR,
            )
        return patch

    def _wrap(self, ax, u, v):
        """The line from the bottom of one column to the top of the next."""
        (xu, yu), (xv, yv) = self.center(u), self.center(v)
        below = yu + self.half(u)[1] + 0.06 * self.k
        above = yv - self.half(v)[1] - 0.06 * self.k
        x_gap = self.x0(self.col(u)) + self.column + 0.1 * self.k
        points = [
            (xu, yu + self.half(u)[1]),
            (xu, below),
            (x_gap, below),
            (x_gap, above),
            (xv, above),
            (xv, yv - self.half(v)[1]),
        ]
        return self._line(ax, points)
