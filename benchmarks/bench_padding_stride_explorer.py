"""PaddingStrideExplorer redraw time over 100 random setting changes (printed, never asserted).

One "redraw" is the time from setting a control's ``.value`` until the widget has updated
its text and its PNG: the diagram artists moved in place, one Agg render, PNG encoding.
The goal (issue 3) is a median of at most 50 ms on the 2-core development machine.

Run: ``.venv/bin/python benchmarks/bench_padding_stride_explorer.py``
"""

from __future__ import annotations

import os
import random
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import vizcnn as vz  # noqa: E402

GOAL_MS = 50.0
N_CHANGES = 100


def random_change(explorer, rng):
    """Set one randomly chosen control to a new random value."""
    control = rng.choice(
        [
            explorer.input_size_slider,
            explorer.kernel_size_slider,
            explorer.strides_slider,
            explorer.padding_buttons,
            explorer.dilation_rate_slider,
            explorer.layer_buttons,
            explorer.row_slider,
            explorer.column_slider,
        ]
    )
    if hasattr(control, "options"):
        choices = [v for v in control.options if v != control.value]
    else:
        choices = [v for v in range(control.min, control.max + 1) if v != control.value]
    if choices:
        control.value = rng.choice(choices)


def measure(*, check_with_keras, seed=0):
    rng = random.Random(seed)
    explorer = vz.PaddingStrideExplorer(check_with_keras=check_with_keras)
    for _ in range(10):  # warm-up: font cache, TensorFlow import for the Keras check
        random_change(explorer, rng)
    times, errors = [], 0
    for _ in range(N_CHANGES):
        start = time.perf_counter()
        random_change(explorer, rng)
        times.append((time.perf_counter() - start) * 1000)
        errors += explorer.error is not None
    return times, errors


def main():
    vz.set_style()
    rows = []
    for label, keras in [("diagram + text", False), ("diagram + text + Keras check", True)]:
        times, errors = measure(check_with_keras=keras)
        q = statistics.quantiles(times, n=20)
        rows.append((label, statistics.median(times), q[-1], errors))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"PaddingStrideExplorer: {N_CHANGES} random setting changes "
        f"({os.cpu_count()} CPUs, load {load:.1f})"
    )
    print(
        f"{'redraw':<30} {'median ms':>10} {'p95 ms':>8} {'goal':>8} {'met':>5} {'impossible':>11}"
    )
    for label, median, p95, errors in rows:
        met = "yes" if median <= GOAL_MS else "no"
        print(f"{label:<30} {median:>10.1f} {p95:>8.1f} {'≤ 50':>8} {met:>5} {errors:>11d}")


if __name__ == "__main__":
    main()
