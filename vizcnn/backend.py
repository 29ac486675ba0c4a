"""Import TensorFlow once, without its C++ start-up log lines.

TensorFlow 2.21 writes oneDNN and CPU-feature notices through absl *before* absl's log
is initialised, so ``TF_CPP_MIN_LOG_LEVEL`` cannot hide them, and ipykernel forwards
file-descriptor output into notebook cells. We silence file descriptor 2 for the
duration of ``import tensorflow`` only, then replay whatever was written that is *not*
one of the known notices: real errors still reach the user. Nothing here touches
numerics (oneDNN stays on; ``TF_ENABLE_ONEDNN_OPTS`` is left alone).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile

# Lines TensorFlow prints on every start-up; they carry no information for a learner.
_STARTUP_NOISE = re.compile(
    r"oneDNN custom operations are on"
    r"|cpu_feature_guard"
    r"|To enable the following instructions"
    r"|All log messages before absl::InitializeLog"
    r"|Could not find cuda drivers"
    r"|Unable to register cu(DNN|FFT|BLAS) factory"
    r"|computation placer already registered"
)


def import_tensorflow():
    """Return the ``tensorflow`` module, imported without its start-up noise.

    Returns
    -------
    module
        ``tensorflow``. Later calls return the already imported module.
    """
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (some embedded interpreters)
        import tensorflow

        return tensorflow
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", errors="replace")
    kept = [line for line in text.splitlines() if line and not _STARTUP_NOISE.search(line)]
    if kept:
        print("\n".join(kept), file=sys.stderr)
    return tensorflow


def keras():
    """Return ``tf.keras`` (Keras 3), importing TensorFlow quietly first."""
    return import_tensorflow().keras


def use_fast_precision(*, verbose: bool = True) -> str:
    """Use ``mixed_bfloat16`` where the CPU computes bfloat16 natively, else ``float32``.

    On a CPU with AVX-512 BF16 or AMX (``/proc/cpuinfo`` flags ``avx512_bf16`` /
    ``amx_bf16``) bfloat16 convolutions run about 1.7x faster; on a CPU without them
    they are emulated and run far *slower*, so we detect instead of assuming. On a GPU
    the policy is left to the user (``float32``).

    Returns
    -------
    str
        The global Keras dtype policy now in force.
    """
    k = keras()
    policy = "mixed_bfloat16" if cpu_has_native_bf16() else "float32"
    k.mixed_precision.set_global_policy(policy)
    if verbose:
        print(f"Keras dtype policy: {policy}")
    return policy


def cpu_has_native_bf16() -> bool:
    """Whether this CPU advertises native bfloat16 arithmetic (Linux only)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = f.read()
    except OSError:
        return False
    return bool(re.search(r"\b(avx512_bf16|amx_bf16)\b", flags))


_REPORTED_CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")


def cpu_info() -> dict:
    """What this CPU is, for benchmark reports: its name, the flags that matter, its cores.

    Read from ``/proc/cpuinfo`` (Linux); TensorFlow is not imported.

    Returns
    -------
    dict
        ``"cpu"``: the ``model name`` line (``"unknown"`` where ``/proc/cpuinfo`` is missing
        or has none); ``"flags"``: those of ``avx2``, ``fma``, ``avx512f``, ``avx512_bf16``,
        ``amx_bf16``, ``amx_tile`` the CPU advertises, in that order (the vector and matrix
        units a float32 or bfloat16 peak depends on); ``"cores"``: ``os.cpu_count()``.
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            text = f.read()
    except OSError:
        text = ""
    name = re.search(r"^model name\s*:\s*(.+?)\s*$", text, re.MULTILINE)
    flags = re.search(r"^flags\s*:(.*)$", text, re.MULTILINE)
    present = set(flags.group(1).split()) if flags else set()
    return {
        "cpu": name.group(1) if name else "unknown",
        "flags": [flag for flag in _REPORTED_CPU_FLAGS if flag in present],
        "cores": os.cpu_count(),
    }
