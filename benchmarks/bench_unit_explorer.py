"""UnitExplorer redraw time for random channel changes (printed, never asserted).

One "redraw" is the time from setting ``channel_slider.value`` until the widget has
updated its text and its PNG: each image's peak of the new channel ranked (NumPy, from
the layer's cached feature maps), the k thumbnails, boxes and titles moved in place, one
Agg render, PNG encoding. The first visit of a layer (its feature maps for all the
images, its receptive field and the centre unit's effective field) is timed apart.
The goal (issue 8) is a median of at most 100 ms per channel change, after the layer's
first computation, on the 2-core development machine.

The model is ``vz.models.small_resnet()`` (untrained: redraw time does not depend on the
weights) on 500 real Fashion-MNIST test images.

``--applications`` times instead ``keras.applications.ConvNeXtTiny`` and ``MobileNetV2``
(``weights=None``, 64x64x3 inputs, 32 random images): the first visit of a middle layer,
then channel, unit and image changes. The goal there is at most 1 s per redraw after the
layer's first visit; their effective field is off by default (each unit is an eager
gradient through 100+ layers, seconds on a CPU), and ticking it is timed apart.

Run: ``.venv/bin/python benchmarks/bench_unit_explorer.py [--applications]``
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time

import matplotlib

matplotlib.use("Agg")

import vizcnn as vz  # noqa: E402

GOAL_MS = 100.0
N_IMAGES = 500
N_CHANGES = 50  # per layer
APPLICATIONS_GOAL_MS = 1000.0


def main():
    vz.setup_lesson(seed=0)  # the lessons' style (fonts: part of the render), seeds
    (_, _), (_, _), (X_test, y_test) = vz.data.load_fashion_mnist()
    x = vz.data.scale_images(X_test[:N_IMAGES])
    labels = [vz.data.FASHION_MNIST_CLASSES[y] for y in y_test[:N_IMAGES]]
    model = vz.models.small_resnet()

    start = time.perf_counter()
    explorer = vz.UnitExplorer(model, x, labels=labels)
    built_ms = (time.perf_counter() - start) * 1000
    rng = random.Random(0)
    rows, all_times = [], []
    for layer in explorer.layer_dropdown.options:
        shown = layer == explorer.layer_dropdown.value  # the first layer: computed at build
        start = time.perf_counter()
        explorer.layer_dropdown.value = layer
        first_ms = None if shown else (time.perf_counter() - start) * 1000
        channels = explorer.channel_slider.max + 1
        times = []
        for _ in range(N_CHANGES):
            new = rng.choice([c for c in range(channels) if c != explorer.channel_slider.value])
            start = time.perf_counter()
            explorer.channel_slider.value = new
            times.append((time.perf_counter() - start) * 1000)
            assert explorer.error is None, explorer.error
        all_times += times
        grid = f"{explorer.row_slider.max + 1}x{explorer.column_slider.max + 1}x{channels}"
        rows.append((layer, grid, first_ms, *_stats(times)))

    cpu = vz.backend.cpu_info()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"UnitExplorer on small_resnet, {N_IMAGES} Fashion-MNIST test images, k=9: "
        f"{N_CHANGES} random channel changes per layer"
    )
    print(f"CPU: {cpu['cpu']} ({cpu['cores']} cores, load {load:.1f}); built in {built_ms:.0f} ms")
    header = f"{'layer':<14} {'grid':>10} {'first ms':>9} {'median ms':>10} {'p90 ms':>8}"
    print(f"{header} {'goal':>6} {'median/goal':>12}")
    for layer, grid, first_ms, median, p90 in rows:
        first = "at build" if first_ms is None else f"{first_ms:.0f}"
        print(
            f"{layer:<14} {grid:>10} {first:>9} {median:>10.1f} {p90:>8.1f} "
            f"{'≤ 100':>6} {median / GOAL_MS:>12.2f}"
        )
    median, p90 = _stats(all_times)
    met = "met" if median <= GOAL_MS else "NOT met"
    print(
        f"all {len(all_times)} channel changes: median {median:.1f} ms, p90 {p90:.1f} ms, "
        f"median/goal {median / GOAL_MS:.2f} (goal ≤ {GOAL_MS:.0f} ms: {met}) on {cpu['cpu']}"
    )


def _stats(times):
    return statistics.median(times), statistics.quantiles(times, n=10)[-1]


def applications():
    """Redraw times of the UnitExplorer on two keras.applications models."""
    import numpy as np

    keras = vz.backend.keras()
    x = np.random.default_rng(0).random((32, 64, 64, 3), dtype=np.float32) * 255
    print("UnitExplorer on keras.applications (weights=None, 64x64x3, 32 images)")
    print(f"CPU: {vz.backend.cpu_info()['cpu']}; goal: <= {APPLICATIONS_GOAL_MS:.0f} ms a redraw")
    for name in ("ConvNeXtTiny", "MobileNetV2"):
        model = getattr(keras.applications, name)(weights=None, input_shape=(64, 64, 3))
        build, explorer = _timed(lambda model=model: vz.UnitExplorer(model, x))
        options = explorer.layer_dropdown.options
        layer = options[len(options) // 2]
        first = _set_ms(explorer.layer_dropdown, layer)
        changes = {
            "channel": [(explorer.channel_slider, c) for c in (1, 2, 3, 4, 5)],
            "unit": [(explorer.row_slider, r) for r in (0, 1, 2, 0, 1)],
            "image": [(explorer.image_slider, i) for i in (1, 2, 3, 4, 5)],
        }
        medians = {}
        for what, moves in changes.items():
            times = [_set_ms(control, value) for control, value in moves]
            medians[what] = statistics.median(times)
        tick = _set_ms(explorer.effective_field_checkbox, True)
        worst = max(medians.values())
        met = "met" if worst <= APPLICATIONS_GOAL_MS else "NOT met"
        print(
            f"{name}: built {build:.0f} ms; first visit of {layer} {first:.0f} ms; median "
            + ", ".join(f"{what} {ms:.0f} ms" for what, ms in medians.items())
            + f" (goal: {met}); ticking the effective field {tick:.0f} ms; "
            f"error={explorer.error}"
        )


def _set_ms(control, value):
    """Milliseconds from setting ``control.value`` until the explorer has redrawn."""
    return _timed(lambda: setattr(control, "value", value))[0]


def _timed(action):
    start = time.perf_counter()
    result = action()
    return (time.perf_counter() - start) * 1000, result


if __name__ == "__main__":
    applications() if "--applications" in sys.argv[1:] else main()
