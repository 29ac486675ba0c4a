"""ArchitectureDisplay on real keras.applications models: readable names, bounded pages."""

import collections

import pytest

import vizcnn as vz

# keras.applications models: graphs, not numerics, so `make test` runs them once
pytestmark = pytest.mark.applications


def _labels(display):
    """The first text line of every box that is not a ``+`` circle."""
    return [box.text[0].get_text() for box in display.boxes_ if box.kind != "Add"]


@pytest.mark.slow
def test_convnext_tiny_box_labels_are_distinct(keras):
    model = keras.applications.ConvNeXtTiny(weights=None, input_shape=(32, 32, 3), classes=10)
    display = vz.ArchitectureDisplay.from_model(model)
    labels = _labels(display)
    repeated = [label for label, n in collections.Counter(labels).items() if n > 1]
    assert not repeated
    # the prefix every stage layer shares is named once, in the title, not on each box
    assert "stage_0_block_0_depthwise_conv" in labels
    assert not any(label.startswith("convnext_tiny_") for label in labels)
    assert "'convnext_tiny_'" in display.ax_.texts[0].get_text() + "".join(
        t.get_text() for t in display.ax_.texts[:4]
    )
    # the full names stay on the boxes
    assert "convnext_tiny_stage_0_block_0_depthwise_conv" in [b.name for b in display.boxes_]


@pytest.mark.slow
def test_densenet121_fits_a_page_and_keeps_every_layer(keras):
    model = keras.applications.DenseNet121(weights=None, input_shape=(32, 32, 3), classes=10)
    display = vz.ArchitectureDisplay.from_model(model)
    layers = [la.name for la in model.layers if type(la).__name__ != "InputLayer"]
    assert sorted(box.name for box in display.boxes_) == sorted(layers)
    width, height = display.figure_.get_size_inches()
    assert width <= 24.01 and height <= 24.01  # was 13 x 71 inches: one endless strip
    assert max(width, height) / min(width, height) < 2
    assert display.fontsize_ >= 5
    # dense blocks have no clean cut: columns tear concatenation skips, but stay even
    rows = [last - first + 1 for first, last in display.columns_]
    assert len(rows) >= 4 and max(rows) <= 2 * min(rows)
    assert len(display.skips_) == 58  # every concatenation's skip is still drawn
    assert all(skip.patch in display.ax_.patches for skip in display.skips_)
