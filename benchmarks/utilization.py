"""How much of this CPU's peak the lessons' training uses: measured peaks vs achieved FLOP/s.

In one run, on all cores:

1. this machine's peak in TensorFlow: a large float32 matmul and a 3x3 convolution (NHWC,
   128 -> 128 channels), each the median of several repeats; the same two in bfloat16
   where the CPU computes it natively (``vz.backend.bfloat16_support()``);
2. for each lesson model (``basic_cnn``, ``small_resnet``) and precision (float32, and
   ``mixed_bfloat16`` where native): training images/s at batch 256 (``fit`` on a
   ``vz.data.make_dataset`` pipeline of synthetic images held in memory, Adam; warm-up
   steps skipped, then N steps timed), training FLOPs per image
   (``vz.training_flops_per_image``: 3 x forward, matmul-like work only), the achieved
   GFLOP/s, and that as a share of the measured conv peak of the same precision;
3. for each model, every layer's share of the FLOPs and of the elementwise operations
   (``vz.layer_costs``): where the time *should* go. Timing single layers inside a
   compiled Keras step is not possible; a model far below peak whose FLOPs sit in a few
   convolutions loses its time in the elementwise layers and the framework around them.

Nothing is asserted: the numbers depend on the machine and on what else runs on it (the
load average is printed).

    python benchmarks/utilization.py                 # the real run (a few minutes)
    python benchmarks/utilization.py --quick         # tiny sizes, a smoke test (< 1 minute)
    python benchmarks/utilization.py --json out.json # also write the numbers
"""

from __future__ import annotations

import argparse
import json
import os

import vizcnn as vz
from vizcnn.backend import bfloat16_support, cpu_info
from vizcnn.course.speed import FULL, QUICK, peaks, training_speed

MODELS = ("basic_cnn", "small_resnet")


def layer_shares(factory):
    """Each layer's share of the model's FLOPs and elementwise ops (per image, forward)."""
    vz.import_tensorflow().keras.backend.clear_session()  # layer names as in a fresh kernel
    table = vz.layer_costs(getattr(vz.models, factory)())
    table["flops_share"] = table["flops"] / table["flops"].sum()
    table["elementwise_share"] = table["elementwise"] / max(table["elementwise"].sum(), 1)
    return table


def _print_layer_table(factory, table):
    print(f"\n{factory}: where the work is (forward pass, per image)")
    header = f"{'layer':<20} {'type':<22} {'output':<15} {'params':>9} {'MFLOP':>8}"
    print(f"{header} {'FLOP %':>7} {'elem. k':>8} {'elem. %':>7}")
    for key, row in table.iterrows():
        print(
            f"{key:<20} {row['type']:<22} {str(row['output']):<15} {row['params']:>9,d} "
            f"{row['flops'] / 1e6:>8.2f} {100 * row['flops_share']:>6.1f}% "
            f"{row['elementwise'] / 1e3:>8.1f} {100 * row['elementwise_share']:>6.1f}%"
        )
    print(
        f"{'total':<20} {'':<22} {'':<15} {table['params'].sum():>9,d} "
        f"{table['flops'].sum() / 1e6:>8.2f} {'100.0%':>7} {table['elementwise'].sum() / 1e3:>8.1f}"
    )


def _plain(value):
    """NumPy scalars as Python numbers, for ``json.dump``."""
    return value.item() if hasattr(value, "item") else str(value)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a smoke test")
    parser.add_argument("--json", metavar="PATH", help="also write the numbers as JSON")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL

    info = cpu_info()
    native, native_reason = bfloat16_support()
    tf = vz.import_tensorflow()
    flags = ", ".join(info["flags"]) or "none of avx2/fma/avx512f/avx512_bf16/amx"
    print(f"CPU: {info['cpu']}; {info['cores']} cores; flags: {flags}")
    print(
        f"TensorFlow {tf.__version__}; native bfloat16: {native} ({native_reason}); "
        f"load average at start: {os.getloadavg()[0]:.2f}" + ("; QUICK sizes" if args.quick else "")
    )

    dtypes = ["float32", "bfloat16"] if native else ["float32"]
    peak = peaks(sizes, dtypes)
    print(f"\n{'peak in TensorFlow, all cores':<58} {'GFLOP/s':>8}")
    for dtype, p in peak.items():
        print(f"{p['matmul'] + ', ' + dtype:<58} {p['matmul_gflops']:>8.1f}")
        print(f"{p['conv'] + ', ' + dtype:<58} {p['conv_gflops']:>8.1f}")

    policies = ["float32", "mixed_bfloat16"] if native else ["float32"]
    runs = []
    for factory in MODELS:
        for policy in policies:
            run = training_speed(factory, policy, sizes)
            conv_peak = peak["bfloat16" if policy == "mixed_bfloat16" else "float32"]["conv_gflops"]
            run["conv_peak_gflops"] = conv_peak
            run["percent_of_conv_peak"] = 100 * run["achieved_gflops"] / conv_peak
            runs.append(run)
    print(
        f"\n{'training (batch ' + str(sizes['batch']) + ', fit on make_dataset)':<40} {'img/s':>8} "
        f"{'MFLOP/img':>10} {'GFLOP/s':>8} {'% conv peak':>12}"
    )
    for r in runs:
        label = f"{r['model']}, {r['policy']}"
        print(
            f"{label:<40} {r['images_per_second']:>8.0f} "
            f"{r['training_flops_per_image'] / 1e6:>10.1f} {r['achieved_gflops']:>8.1f} "
            f"{r['percent_of_conv_peak']:>11.1f}%"
        )
    print("(training FLOPs = 3 x forward matmul-like FLOPs; elementwise work not counted)")
    if args.quick:
        print("(--quick: tiny peaks and batches; the percentages mean nothing)")

    tables = {}
    for factory in MODELS:
        tables[factory] = layer_shares(factory)
        _print_layer_table(factory, tables[factory])

    if args.json:
        out = {
            "cpu": info,
            "native_bf16": native,
            "tensorflow": tf.__version__,
            "quick": args.quick,
            "sizes": sizes,
            "peaks": peak,
            "training": runs,
            "layers": {
                name: table.reset_index()
                .assign(output=table["output"].map(list).values)
                .to_dict(orient="records")
                for name, table in tables.items()
            },
        }
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2, default=_plain)
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
