"""How long a full run of a lesson takes on this computer, now that its networks ship trained.

The goal (set in the run store's issue): lessons 04 and 05, each edition, run in at most
three minutes on a 2-core AVX2 CPU; 04b, which loads lesson 04's network, is timed beside
them. On a CPU with more than AVX2, ``--isa AVX2`` caps oneDNN at AVX2 for the run
(``ONEDNN_MAX_CPU_ISA``), which also takes the float32 path of a CPU without bfloat16.
Each notebook is executed top to bottom by ``nbconvert`` in a fresh kernel, without
``VIZCNN_QUICK`` (a full run); the wall time includes the kernel's start and TensorFlow's
import. Nothing is asserted: a time is a property of the machine and of what else runs on
it (the load average is printed beside it).

    python benchmarks/lesson_time.py notebooks/04_cnn.ipynb notebooks/05_resnet.ipynb
    python benchmarks/lesson_time.py --isa AVX2 --in-place notebooks/04_cnn.ipynb
    python benchmarks/lesson_time.py --json benchmarks/results/lesson_time.json ...

``--in-place`` writes the executed notebook back (the committed outputs of a full run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from vizcnn.backend import cpu_info

GOAL_MINUTES = 3.0
ROOT = Path(__file__).resolve().parents[1]
LESSONS = [
    ROOT / "notebooks" / edition / name
    for name in ("04_cnn.ipynb", "04b_inside_the_cnn.ipynb", "05_resnet.ipynb")
    for edition in ("", "ko")  # English, then Korean
]


def run(notebook: Path, *, isa: str | None, in_place: bool) -> dict:
    """Execute ``notebook`` once; its wall time, machine and load."""
    env = {k: v for k, v in os.environ.items() if k != "VIZCNN_QUICK"}
    if isa:
        env["ONEDNN_MAX_CPU_ISA"] = isa
    # a copy beside the original, so the lesson's relative paths (../results/...) hold
    target = notebook if in_place else notebook.with_name(f".timing_{notebook.name}")
    if not in_place:
        shutil.copy(notebook, target)
    command = [
        sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
        "--inplace", "--ExecutePreprocessor.timeout=1800", target.name,
    ]  # fmt: skip
    load = os.getloadavg()[0]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=notebook.parent, env=env, capture_output=True, text=True)
    finally:
        if not in_place:
            target.unlink(missing_ok=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{notebook} failed:\n{done.stderr[-3000:]}")
    return {
        "notebook": str(notebook),
        "seconds": round(seconds, 1),
        "within_goal": seconds <= 60 * GOAL_MINUTES,
        "onednn_max_cpu_isa": isa,
        "load_before": round(load, 2),
        "machine": cpu_info(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, default=LESSONS)
    parser.add_argument("--isa", help="cap oneDNN at this instruction set (e.g. AVX2)")
    parser.add_argument("--in-place", action="store_true", help="keep the executed outputs")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    results = []
    for notebook in args.notebooks:
        result = run(notebook, isa=args.isa, in_place=args.in_place)
        results.append(result)
        cpu = result["machine"]["cpu"]
        print(
            f"{notebook}: {result['seconds'] / 60:.1f} min on {cpu} "
            f"(oneDNN cap {args.isa or 'none'}, load {result['load_before']}); "
            f"goal {GOAL_MINUTES:.0f} min: {'met' if result['within_goal'] else 'missed'}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
