"""A Keras model read into boxes and arrows: what :class:`vizcnn.ArchitectureDisplay` draws.

:func:`architecture_graph` walks a Sequential or functional model (nested models and
``vz.layers.ResidualUnit`` s opened on request) and returns plain data: a list of
:class:`Node` (one per box, in data-flow order, inputs first) and a list of :class:`Edge`
(one per tensor, by node index). No matplotlib here; the layout and the drawing live in
:mod:`vizcnn.display`.
"""

from __future__ import annotations

from collections import namedtuple

from vizcnn.graph import keras_internals
from vizcnn.graph.layer_kinds import drawing_category, is_block
from vizcnn.graph.lookup import iter_layers, path_key
from vizcnn.graph.submodels import output_spec
from vizcnn.graph.walk import has_graph, subclassed_error

__all__ = ["CATEGORIES", "Edge", "Node", "architecture_graph", "check_graph"]

#: Every value of :attr:`Node.category` (the colour class of a box).
CATEGORIES = (
    "input",
    "conv",
    "norm",
    "activation",
    "pool",
    "dense",
    "reshape",
    "dropout",
    "merge",
    "block",
    "other",
)

Node = namedtuple(
    "Node", ["name", "kind", "shape_text", "category", "groups", "residual", "detail"]
)
Node.__doc__ = """One thing to draw: a layer, a collapsed block, or a model input.

``name`` is ``"outer/inner"`` inside an expanded block; ``kind`` the layer class name;
``category`` picks the colour (one of :data:`CATEGORIES`); ``groups`` the names of the
expanded blocks around it (outermost first); ``residual`` the skip description of a
collapsed residual unit (else None); ``detail`` extra text after the shape (``"12
layers"`` for a collapsed model)."""

Edge = namedtuple("Edge", ["source", "target", "label"])
Edge.__doc__ = "A tensor from node ``source`` to node ``target`` (indices); ``label`` or None."


def architecture_graph(model, *, expand=None):
    """Read ``model``'s layers and connections into nodes and edges, in data-flow order.

    Parameters
    ----------
    model : keras.Model
        Sequential or functional (a subclassed model hides its graph: TypeError).
    expand : None, bool or list of str, default=None
        Which nested models and residual units to open: None or False none, True all, or
        a list of their names (``"outer/inner"`` or a unique bare name; the blocks around
        a named one are opened too).

    Returns
    -------
    nodes : list of Node
    edges : list of Edge

    Raises
    ------
    TypeError
        If ``model`` is not a Keras model or is subclassed, or ``expand`` is not None, a
        bool or a list of str.
    ValueError
        If ``expand`` names a layer that is not a nested model or residual unit (the
        message lists the valid names).
    """
    from vizcnn.backend import keras as _keras
    from vizcnn.validation import check_model

    _check_expand_type(expand)
    check_model(model)
    keras = _keras()
    expand_all, expand_ids = _resolve_expand(keras, model, expand)
    reader = _GraphReader(keras, expand_all, expand_ids)
    reader.top(model)
    return reader.nodes, reader.edges


def check_graph(nodes, edges):
    """``(nodes, edges)`` as lists of :class:`Node` and :class:`Edge`, checked.

    Raises
    ------
    TypeError
        If a node or an edge has the wrong number of fields.
    ValueError
        If an edge does not join two nodes with ``source < target``, or a node's category
        is not one of :data:`CATEGORIES`.
    """
    try:
        nodes = [Node(*n) for n in nodes]
        edges = [Edge(*e) for e in edges]
    except TypeError as error:
        raise TypeError(
            f"nodes must be 7-field Node tuples and edges 3-field Edge tuples: {error}"
        ) from None
    for e in edges:
        if not (isinstance(e.source, int) and isinstance(e.target, int)):
            raise TypeError(f"edge {e} must join two node indices (int)")
        if not 0 <= e.source < e.target < len(nodes):
            raise ValueError(f"edge {e} must join two nodes, source before target")
    for n in nodes:
        if n.category not in CATEGORIES:
            raise ValueError(
                f"node {n.name!r} has category {n.category!r}; expected one of {CATEGORIES}"
            )
    return nodes, edges


def _expandable(keras, layer) -> bool:
    return is_block(layer) or (isinstance(layer, keras.Model) and has_graph(layer))


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
    from vizcnn.backend import keras as _keras

    try:
        out = output_spec(layer, _keras().KerasTensor(tuple(shape)))
    except Exception:  # any layer may refuse; the box then reads "?"
        return None
    return tuple(out.shape) if hasattr(out, "shape") else None


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
        category = category or drawing_category(kind)
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
            index = self.add(name or "input", "InputLayer", _shape_text(tensor.shape), ())
            tokens.append((index, tuple(tensor.shape)))
        if not tokens:
            tokens = [(None, None)]
        if not has_graph(model):
            raise subclassed_error(model)
        self.model(model, tokens, ())

    def model(self, model, tokens, groups):
        if isinstance(model, self.keras.Sequential):
            for layer in model.layers:
                if type(layer).__name__ == "InputLayer":
                    continue
                tokens = self.layer(layer, tokens[:1], None, groups)
            return tokens
        tensors = {id(t): token for t, token in zip(model.inputs, tokens, strict=False)}
        for layer, inputs, outputs in keras_internals.graph_steps(model):  # keras' own order
            if any(id(t) not in tensors for t in inputs):
                continue
            ins = [tensors[id(t)] for t in inputs]
            shapes = [tuple(t.shape) for t in outputs]
            outs = self.layer(layer, ins, shapes, groups)
            for tensor, token in zip(outputs, outs, strict=False):
                tensors[id(tensor)] = token
        return [tensors.get(id(t), (None, None)) for t in model.outputs]

    def _expand(self, layer) -> bool:
        if not _expandable(self.keras, layer):
            return False
        return self.expand_all or id(layer) in self.expand_ids

    def layer(self, layer, tokens, shapes, groups):
        inner = (*groups, layer.name)
        if self._expand(layer):
            if is_block(layer):
                return [self.residual(layer, tokens[0], inner)]
            return self.model(layer, tokens, inner)
        if shapes is None:  # Sequential: compute what the layer makes of its input
            shapes = [_output_shape(layer, tokens[0][1])]
        kind = type(layer).__name__
        category, residual, detail = None, None, ""
        if is_block(layer):
            category, residual = "block", _skip_text(layer)
        elif isinstance(layer, self.keras.Model):
            category, detail = "block", f"{_n_layers(layer)} layers"
        index = self.add(
            "/".join(inner),
            kind,
            ", ".join(_shape_text(s) for s in shapes),
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


def _check_expand_type(expand):
    """TypeError for an ``expand`` that is not None, a bool or a list of str (no Keras)."""
    if expand is None or isinstance(expand, bool) or type(expand).__name__ == "bool_":
        return
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


def _resolve_expand(keras, model, expand):
    """``(expand_all, ids of the layers to open)``, with the blocks around them opened too."""
    if expand is None:
        return False, set()
    if isinstance(expand, bool) or type(expand).__name__ == "bool_":
        return bool(expand), set()
    paths = {}
    for path, layer in iter_layers(model):
        if _expandable(keras, layer):
            paths.setdefault(layer.name, path)
            paths.setdefault(path_key(path), path)
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
