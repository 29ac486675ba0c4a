"""Receptive-field benchmarks on ResNet-50 (random weights: nothing is downloaded).

Run: `.venv/bin/python benchmarks/bench_receptive_field.py` (prints a table; asserts nothing).
Goal (issue 5): the per-layer table of ResNet-50 in <= 200 ms. Also timed: the exact
gradient measurement of one unit (first call builds and caches the probe copy of the
model; later calls reuse it), and the exact per-unit box from the graph walk.
"""

from __future__ import annotations

import statistics
import time


def _median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    import vizcnn as vz

    keras = vz.import_tensorflow().keras
    keras.utils.set_random_seed(0)
    model = keras.applications.ResNet50(weights=None)
    n_layers = len(model.layers) - 1
    vz.receptive_field_table(model)  # imports pandas once

    fields_s = _median_time(lambda: vz.receptive_fields(model), 7)
    table_s = _median_time(lambda: vz.receptive_field_table(model), 7)
    rf = vz.receptive_fields(model)["conv5_block3_out"]
    box_s = _median_time(lambda: rf.box_in_image((3, 3)), 7)

    start = time.perf_counter()
    mask = vz.empirical_receptive_field(model, "conv5_block3_out", position=(0, 0))
    first_s = time.perf_counter() - start
    again_s = _median_time(
        lambda: vz.empirical_receptive_field(model, "conv5_block3_out", position=(0, 0)), 3
    )
    box = rf.box_in_image((0, 0))
    ys, xs = mask.nonzero()
    agrees = box == ((ys.min(), ys.max()), (xs.min(), xs.max()))

    rows = [
        ("receptive_fields(ResNet50)", f"{fields_s * 1e3:.0f} ms", f"{n_layers} layers"),
        ("receptive_field_table(ResNet50)", f"{table_s * 1e3:.0f} ms", "goal <= 200 ms"),
        ("box_in_image, one unit", f"{box_s * 1e3:.1f} ms", "graph walked back"),
        ("empirical field, first call", f"{first_s:.2f} s", "builds the probe copy"),
        ("empirical field, cached probe", f"{again_s:.2f} s", f"analytic == measured: {agrees}"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"ResNet-50 (weights=None, 224x224), field of conv5_block3_out {rf.size}")
    print(f"{'what':<{width}}  {'time':>9}  note")
    for what, seconds, note in rows:
        print(f"{what:<{width}}  {seconds:>9}  {note}")


if __name__ == "__main__":
    main()
