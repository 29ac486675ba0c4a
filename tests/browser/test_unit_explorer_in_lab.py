"""The UnitExplorer in a real JupyterLab: run a small notebook, move the channel slider
with the keyboard, and check that the kernel redraws the picture and rewrites the status.

The notebook is written by the test (into the lab's temporary copy of ``notebooks/``),
so it stays small: an untrained three-layer CNN on 12 random 12x12 images.
"""

from __future__ import annotations

import nbformat
import pytest

from .conftest import SCREENSHOTS, wait_until, wait_visible
from .test_widgets_in_lab import control, press_right, shown_png, slider_value

pytestmark = pytest.mark.browser

NOTEBOOK = "unit_explorer_browser_test.ipynb"
CELLS = [
    "import numpy as np\n\nimport vizcnn as vz\n\nkeras = vz.import_tensorflow().keras",
    """keras.utils.set_random_seed(0)
model = keras.Sequential(
    [
        keras.Input((12, 12, 1)),
        keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv1"),
        keras.layers.Conv2D(6, 3, strides=2, padding="same", name="conv2"),
    ]
)
images = np.random.default_rng(0).random((12, 12, 12, 1), dtype="float32")
explorer = vz.UnitExplorer(model, images, k=4)
explorer""",
]


def test_unit_explorer_in_lab(open_notebook, lab):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in CELLS])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, lab.root / NOTEBOOK)
    notebook = open_notebook(NOTEBOOK)
    notebook.run_cell(0)
    cell = notebook.run_cell(1)
    widget = wait_visible(
        cell.locator(".jp-OutputArea-output .jupyter-widgets.widget-vbox"),
        "the UnitExplorer in the output of cell 1",
    )
    channel = wait_visible(control(widget, ".widget-slider", "channel"), "channel slider")
    layer = wait_visible(control(widget, ".widget-dropdown", "layer").locator("select"), "layer")
    plot = wait_visible(widget.locator("img.widget-image"), "the explorer's picture")
    status = widget.locator(".widget-html")

    def status_text():
        return " ".join(status.inner_text().split())

    def check(text, before_png, step):
        wait_until(
            lambda: text in status_text(), f"status reads {text!r} ({step})", seen=status_text
        )
        wait_until(
            lambda: shown_png(plot) not in (b"", before_png), f"the picture redrawn ({step})"
        )
        return shown_png(plot)

    options = layer.evaluate("s => Array.from(s.options, o => o.value)")
    assert options == ["conv1", "conv2"], options
    png = check("channel 0, unit (6, 6): receptive field 3×3 pixels", b"", "as first shown")
    assert "conv1: grid 12×12, 4 channels" in status_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    widget.screenshot(path=SCREENSHOTS / "unit_explorer.png")

    moved = press_right(channel, "channel")
    assert moved == 1 == slider_value(channel)
    png = check("channel 1, unit (6, 6)", png, "after the channel slider moved")
    assert "channel 0," not in status_text()
    press_right(channel, "channel")
    check("channel 2, unit (6, 6)", png, "after the channel slider moved again")
    widget.screenshot(path=SCREENSHOTS / "unit_explorer_changed.png")
    assert not widget.page.errors, widget.page.errors
