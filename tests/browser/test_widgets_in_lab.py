"""The explorers in a real JupyterLab, driven like a learner would: run, look, slide, click.

Unit tests set ``.value`` in Python; these check the other half: that the widget renders
in the browser, that a slider moved with the keyboard or a button clicked with the mouse
reaches the kernel, and that what comes back on screen (text and diagram) is right.
Expected values come from ``vz.conv_output_size`` and, for the diagram, from the same
explorer rendered here in the test process with the settings the browser should show.
"""

from __future__ import annotations

import base64
import hashlib
import re

import matplotlib as mpl
import nbformat
import pytest

import vizcnn as vz

from .conftest import SCREENSHOTS, wait_until, wait_visible

pytestmark = pytest.mark.browser

LESSON = "02_padding_and_strides.ipynb"

_FETCH_PNG = """async (img) => {
    const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    let text = "";
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text);
}"""


def shown_png(image):
    """The PNG bytes an ``ipywidgets.Image`` shows in the page (b"" before it has any)."""
    if not image.get_attribute("src"):
        return b""
    return base64.b64decode(image.evaluate(_FETCH_PNG))


def wait_for_png(image, expected, what):
    """Wait until the page shows exactly the PNG ``expected``."""

    def digest(data):
        return hashlib.sha256(data).hexdigest()[:12] + f" ({len(data)} bytes)"

    wait_until(
        lambda: shown_png(image) == expected,
        f"{what}: the page shows the expected PNG {digest(expected)}",
        seen=lambda: digest(shown_png(image)),
    )


def control(widget, kind, label):
    """The control of class ``kind`` whose description reads ``label``."""
    page = widget.page
    return widget.locator(kind).filter(
        has=page.locator(".widget-label", has_text=re.compile(f"^{re.escape(label)}$"))
    )


def slider_value(slider):
    return int(slider.locator(".widget-readout").inner_text())


def press_right(slider, what):
    """Focus the slider's handle and press ArrowRight once, as a keyboard user would."""
    handle = wait_visible(slider.locator(".noUi-handle"), f"{what} slider handle")
    before = slider_value(slider)
    handle.focus()
    handle.press("ArrowRight")
    wait_until(lambda: slider_value(slider) == before + 1, f"{what} slider moved to {before + 1}")
    return before + 1


def lesson_cells(path):
    """Indices of the lesson's setup cell (the first code cell) and its explorer cell."""
    cells = nbformat.read(path, as_version=4).cells
    code = [i for i, cell in enumerate(cells) if cell.cell_type == "code"]
    explorer = [i for i in code if "PaddingStrideExplorer(" in cells[i].source]
    assert explorer, f"{path.name} has no cell that makes a vz.PaddingStrideExplorer"
    return code[0], explorer[0]


def expected_explorer_png(initial, changes):
    """What the explorer draws after ``changes``, rendered here in the lesson's style."""
    with mpl.rc_context():
        vz.set_style()  # the lesson's setup cell does this in the kernel
        explorer = vz.PaddingStrideExplorer(**initial, check_with_keras=False)
        controls = {"strides": explorer.strides_slider, "padding": explorer.padding_buttons}
        for name, value in changes:
            controls[name].value = value
        return explorer.picture.value


def test_padding_stride_explorer_in_lab(open_notebook, lab):
    setup, explorer_cell = lesson_cells(lab.root / LESSON)
    notebook = open_notebook(LESSON)
    notebook.clear_outputs()  # drop the saved snapshot: what follows comes from the kernel
    notebook.run_cell(setup)
    cell = notebook.run_cell(explorer_cell)
    what = f"the PaddingStrideExplorer in the output of cell {explorer_cell}"
    widget = wait_visible(cell.locator(".jp-OutputArea-output .jupyter-widgets.widget-vbox"), what)

    stride = wait_visible(control(widget, ".widget-slider", "Stride (step)"), "Stride slider")
    size = wait_visible(control(widget, ".widget-slider", "Input size (pixels)"), "Input slider")
    kernel = wait_visible(control(widget, ".widget-slider", "Kernel size"), "Kernel slider")
    padding = wait_visible(control(widget, ".widget-toggle-buttons", "Padding"), "Padding toggle")
    info = widget.locator(".widget-html").filter(has_text="Output:")
    keras_info = widget.locator(".widget-html").filter(has_text="A real Keras layer")
    image = wait_visible(widget.locator("img.widget-image"), "the explorer's diagram")

    # The lesson's starting point, read off the screen.
    initial = dict(
        input_size=slider_value(size),
        kernel_size=slider_value(kernel),
        strides=slider_value(stride),
        padding=padding.locator(".widget-toggle-button.mod-active").inner_text().strip(),
    )
    changes = []

    def check(step):
        out = vz.conv_output_size(
            initial["input_size"],
            initial["kernel_size"],
            strides=dict(changes).get("strides", initial["strides"]),
            padding=dict(changes).get("padding", initial["padding"]),
        )
        wait_visible(
            info.filter(has_text=f"Output: {out} × {out}"),
            f"the explorer's text 'Output: {out} × {out}' ({step})",
        )
        # the real Keras layer (in the kernel) agrees with the formula (in the test)
        wait_visible(
            keras_info.filter(has_text=f"returns (1, {out}, {out}, 1) ✓ the same"),
            f"Keras check 'returns (1, {out}, {out}, 1) ✓' ({step})",
            timeout_s=60,
        )
        wait_for_png(image, expected_explorer_png(initial, changes), f"diagram {step}")
        return out

    start = check("as the lesson starts")
    SCREENSHOTS.mkdir(exist_ok=True)
    widget.screenshot(path=SCREENSHOTS / "padding_stride_explorer.png")

    changes.append(("strides", press_right(stride, "Stride")))
    after_stride = check(f"after the stride went to {changes[-1][1]}")

    other = "valid" if initial["padding"] == "same" else "same"
    padding.locator(".widget-toggle-button", has_text=re.compile(f"^{other}$")).click()
    changes.append(("padding", other))
    wait_visible(
        padding.locator(".widget-toggle-button.mod-active", has_text=other),
        f"Padding toggle showing {other!r} as pressed",
    )
    after_padding = check(f"after padding went to {other!r}")
    widget.screenshot(path=SCREENSHOTS / "padding_stride_explorer_changed.png")

    # The steps must have changed the output size, or the checks above prove little.
    assert start != after_stride != after_padding, (start, after_stride, after_padding)
    assert not widget.page.errors, widget.page.errors


FEATURE_NOTEBOOK = "feature_map_explorer_browser_test.ipynb"
FEATURE_CELLS = [
    "import numpy as np\n\nimport vizcnn as vz\n\nkeras = vz.import_tensorflow().keras",
    """keras.utils.set_random_seed(0)
model = keras.Sequential(
    [
        keras.Input((12, 12, 1)),
        keras.layers.Conv2D(4, 3, activation="relu", name="conv1"),
        keras.layers.MaxPool2D(2, name="pool1"),
        keras.layers.Conv2D(6, 3, name="conv2"),
    ]
)
images = np.random.default_rng(0).random((3, 12, 12, 1), dtype="float32")
explorer = vz.FeatureMapExplorer(model, images, max_maps=4)
explorer""",
]


def test_feature_map_explorer_in_lab(open_notebook, lab):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in FEATURE_CELLS])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, lab.root / FEATURE_NOTEBOOK)
    notebook = open_notebook(FEATURE_NOTEBOOK)
    notebook.run_cell(0)
    cell = notebook.run_cell(1)
    widget = wait_visible(
        cell.locator(".jp-OutputArea-output .jupyter-widgets.widget-vbox"),
        "the FeatureMapExplorer in the output of cell 1",
    )
    image = wait_visible(control(widget, ".widget-slider", "image"), "image slider")
    first = wait_visible(control(widget, ".widget-slider", "first channel"), "channel slider")
    layer = wait_visible(control(widget, ".widget-dropdown", "layer").locator("select"), "layer")
    plot = wait_visible(widget.locator("img.widget-image"), "the feature-map mosaic")
    status = widget.locator(".widget-html")

    size = {"conv1": vz.conv_output_size(12, 3)}
    size["pool1"] = vz.conv_output_size(size["conv1"], 2, strides=2)
    size["conv2"] = vz.conv_output_size(size["pool1"], 3)
    channels = {"conv1": 4, "pool1": 4, "conv2": 6}

    def check(name, first_channel, image_index, before_png, step):
        n, c = size[name], channels[name]
        last = min(first_channel + 4, c) - 1
        text = (
            f"{name}: {c} feature maps of {n}×{n} "
            f"showing channels {first_channel}–{last} of image {image_index}"
        )
        wait_until(
            lambda: text in " ".join(status.inner_text().split()),
            f"status reads {text!r} ({step})",
            seen=lambda: " ".join(status.inner_text().split()),
        )
        wait_until(lambda: shown_png(plot) not in (b"", before_png), f"the mosaic redrawn ({step})")
        return shown_png(plot)

    png = check("conv1", 0, 0, b"", "as first shown")
    options = layer.evaluate("s => Array.from(s.options, o => o.value)")
    assert options == ["conv1", "pool1", "conv2"], options
    SCREENSHOTS.mkdir(exist_ok=True)
    widget.screenshot(path=SCREENSHOTS / "feature_map_explorer.png")

    press_right(image, "image")
    png = check("conv1", 0, 1, png, "after the image slider moved")
    layer.select_option("conv2")
    png = check("conv2", 0, 1, png, "after choosing layer conv2")
    press_right(first, "first channel")
    check("conv2", 1, 1, png, "after the first-channel slider moved")
    widget.screenshot(path=SCREENSHOTS / "feature_map_explorer_changed.png")
    assert not widget.page.errors, widget.page.errors
