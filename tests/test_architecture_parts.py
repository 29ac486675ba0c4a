"""The pieces of ArchitectureDisplay: plain nodes and edges, layout, names, style."""

import matplotlib.pyplot as plt
import pytest

import vizcnn as vz
from vizcnn.display.architecture_layout import (
    ArchitectureLayout,
    middle_ellipsis,
    shared_prefix,
)
from vizcnn.display.architecture_style import ArchitectureStyle
from vizcnn.inspection.architecture_graph import Edge, Node, architecture_graph, check_graph


def _node(name, kind="Conv2D", category="conv"):
    return Node(name, kind, "8×8×4", category, (), None, "")


def _dense_chain(n_blocks, *, per_block=6):
    """A DenseNet-like chain: every block's concat also takes the previous concat, so a
    skip crosses every row and there is no clean place to cut."""
    nodes, edges = [_node("input", "InputLayer", "input"), _node("stem")], [Edge(0, 1, None)]
    previous = 1
    for b in range(n_blocks):
        last = previous
        for i in range(per_block):
            nodes.append(_node(f"block{b}_layer{i}"))
            edges.append(Edge(last, len(nodes) - 1, None))
            last = len(nodes) - 1
        nodes.append(_node(f"block{b}_concat", "Concatenate", "merge"))
        concat = len(nodes) - 1
        edges += [Edge(previous, concat, None), Edge(last, concat, None)]
        previous = concat
    return nodes, edges


def test_init_only_stores_and_plot_draws_plain_data():
    nodes, edges = _dense_chain(2)
    display = vz.ArchitectureDisplay(nodes, edges, name="chain")
    assert display.nodes is nodes and display.edges is edges and display.name == "chain"
    assert not hasattr(display, "figure_") and not hasattr(display, "layout_")
    assert display.plot(legend=False) is display
    assert [b.name for b in display.boxes_] == [n.name for n in nodes[1:]]
    assert [(s.source, s.target) for s in display.skips_] == [
        ("stem", "block0_concat"),
        ("block0_concat", "block1_concat"),
    ]


def test_from_result_checks_the_plain_data():
    nodes, edges = _dense_chain(1)
    display = vz.ArchitectureDisplay.from_result([tuple(n) for n in nodes], edges)
    assert all(isinstance(n, Node) for n in display.nodes)
    with pytest.raises(ValueError, match="source before target"):
        vz.ArchitectureDisplay.from_result(nodes, [Edge(2, 1, None)])
    with pytest.raises(ValueError, match="category"):
        vz.ArchitectureDisplay.from_result([_node("x", category="shiny")], [])
    with pytest.raises(TypeError, match="7-field"):
        vz.ArchitectureDisplay.from_result([("x", "Conv2D")], [])
    with pytest.raises(TypeError, match="name must be a str"):
        vz.ArchitectureDisplay.from_result(nodes, edges, name=3)
    # a directly built display with bad data fails when drawn, naming the edge
    with pytest.raises(ValueError, match="source before target"):
        vz.ArchitectureDisplay(nodes, [Edge(1, 1, None)]).plot()


def test_long_chain_without_clean_cuts_wraps_into_even_columns():
    nodes, edges = _dense_chain(30)
    layout = ArchitectureLayout(nodes, edges)
    assert layout.n_rows == 2 + 30 * 7
    assert not [r for r in layout.cuts if 1 <= r < layout.n_rows - 2]  # no clean cut inside
    columns = layout.columns(5)
    assert len(columns) <= 5
    assert columns[0][0] == 0 and columns[-1][1] == layout.n_rows - 1
    assert all(b[0] == a[1] + 1 for a, b in zip(columns, columns[1:], strict=False))
    sizes = [last - first + 1 for first, last in columns]
    assert max(sizes) <= -(-layout.n_rows // 5) + 1
    display = vz.ArchitectureDisplay.from_result(nodes, edges).plot()
    width, height = display.figure_.get_size_inches()
    assert width <= 24.01 and height <= 24.01 and len(display.columns_) > 2
    assert len(display.skips_) == 30
    # a skip torn by a cut runs through the gutter between its two columns
    left = {b.name: b.patch.get_x() for b in display.boxes_}
    box_w = display.boxes_[0].patch.get_width()
    torn = [s for s in display.skips_ if left[s.target] > left[s.source] + box_w]
    assert torn
    for skip in torn:
        xs = skip.patch.get_path().vertices[:, 0]
        gutter = [x for x in xs if left[skip.source] + box_w < x < left[skip.target]]
        assert gutter, "a torn skip must pass between the columns"


def test_clean_cuts_still_win_when_near():
    nodes = [_node("input", "InputLayer", "input")] + [_node(f"l{i}") for i in range(40)]
    edges = [Edge(i, i + 1, None) for i in range(40)]
    layout = ArchitectureLayout(nodes, edges)
    assert layout.columns(2) == [(0, 20), (21, 40)]


def test_max_size_shrinks_the_font_down_to_the_floor():
    nodes, edges = _dense_chain(30)
    roomy = vz.ArchitectureDisplay(nodes, edges).plot(style={"max_size": None})
    assert roomy.fontsize_ == 7.0
    assert max(roomy.figure_.get_size_inches()) > 10
    capped = vz.ArchitectureDisplay(nodes, edges).plot(style={"max_size": 10})
    assert 5.0 <= capped.fontsize_ < 7.0
    assert max(capped.figure_.get_size_inches()) <= 10.01
    assert len(capped.boxes_) == len(roomy.boxes_) == len(nodes) - 1
    floor = vz.ArchitectureDisplay(nodes, edges).plot(style={"max_size": 2, "min_fontsize": 6})
    assert floor.fontsize_ == 6.0


def test_style_changes_the_drawing_and_is_checked():
    nodes, edges = _dense_chain(1)
    style = ArchitectureStyle(fills={**ArchitectureStyle().fills, "conv": "#000000"})
    display = vz.ArchitectureDisplay(nodes, edges).plot(style=style)
    conv = next(b for b in display.boxes_ if b.kind == "Conv2D")
    assert tuple(conv.patch.get_facecolor()) == (0.0, 0.0, 0.0, 1.0)
    assert vz.ArchitectureStyle is ArchitectureStyle
    with pytest.raises(TypeError, match="style has unknown fields"):
        vz.ArchitectureDisplay(nodes, edges).plot(style={"colour": "red"})
    with pytest.raises(TypeError, match="style must be an ArchitectureStyle"):
        vz.ArchitectureDisplay(nodes, edges).plot(style="dark")
    with pytest.raises(ValueError, match="max_size"):
        ArchitectureStyle(max_size=-1)
    with pytest.raises(ValueError, match="missing"):
        ArchitectureStyle(fills={"conv": "red"})
    with pytest.raises(TypeError, match="skip_color"):
        ArchitectureStyle(skip_color=3)
    with pytest.raises(TypeError, match="ax must be"):
        vz.ArchitectureDisplay(nodes, edges).plot(ax="left")
    plt.close("all")


def test_shared_prefix_and_middle_ellipsis():
    names = [f"convnext_tiny_stage_{s}_block_{b}_conv" for s in range(2) for b in range(3)]
    assert shared_prefix([*names, "convnext_tiny_stem", "head_dense"]) == "convnext_tiny_"
    assert shared_prefix(["conv1", "conv2", "pool"]) == ""
    assert shared_prefix(["a_b", "c_d", "e_f"]) == ""
    assert shared_prefix([]) == ""
    text = "separable_conv_2_bn_reduction_left4_stem_2"
    short = middle_ellipsis(text, lambda t: len(t) <= 20)
    assert len(short) <= 20 and "…" in short
    assert short.endswith("stem_2") and short.startswith("separ")
    assert middle_ellipsis("short", lambda t: len(t) <= 20) == "short"


def test_architecture_graph_is_plain_data(nested_cnn):
    nodes, edges = architecture_graph(nested_cnn)
    assert [n.name for n in nodes] == [nodes[0].name, "outer_conv", "block", "gap"]
    assert [n.category for n in nodes] == ["input", "conv", "block", "pool"]
    assert edges == [Edge(0, 1, None), Edge(1, 2, None), Edge(2, 3, None)]
    assert check_graph(nodes, edges) == (nodes, edges)
    with pytest.raises(TypeError, match="expand must be"):
        architecture_graph(nested_cnn, expand="block")
