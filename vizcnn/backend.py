"""Import TensorFlow once, quietly, and choose the precision this runtime computes fast.

TensorFlow 2.21 writes oneDNN and CPU-feature notices through absl *before* absl's log
is initialised, so ``TF_CPP_MIN_LOG_LEVEL`` cannot hide them, and ipykernel forwards
file-descriptor output into notebook cells. We silence file descriptor 2 for the
duration of ``import tensorflow`` only, then replay whatever was written that is *not*
one of the known notices: real errors still reach the user. Nothing here touches
numerics (oneDNN stays on; ``TF_ENABLE_ONEDNN_OPTS`` is left alone). TensorFlow is not a
hard dependency (a GPU box keeps its own build), so a missing one raises an ``ImportError``
that names the extras.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import tempfile

from vizcnn.language import text

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


# What to install when TensorFlow is missing: the package does not choose a build for the
# user (a GPU box keeps its own TensorFlow), its extras do.
_NO_TENSORFLOW = (
    "this part of vizcnn needs TensorFlow, which is not installed. Install the build that "
    "fits the machine: pip install 'vizcnn[cpu]' (a laptop or CI; tensorflow-cpu on Linux "
    "x86-64) or pip install 'vizcnn[gpu]' (tensorflow[and-cuda]); on Colab or a GPU box "
    "whose TensorFlow is already installed, plain pip install vizcnn keeps it."
)


def import_tensorflow():
    """Return the ``tensorflow`` module, imported without its start-up noise.

    Returns
    -------
    module
        ``tensorflow``. Later calls return the already imported module.

    Raises
    ------
    ImportError
        Where TensorFlow is not installed (naming the extras that install it), or is older
        than 2.16, whose ``tf.keras`` is not Keras 3.
    """
    tensorflow = sys.modules.get("tensorflow")
    if tensorflow is None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
        try:
            with _quiet_fd2(_STARTUP_NOISE):
                import tensorflow
        except ModuleNotFoundError as error:
            if error.name != "tensorflow":  # TensorFlow is there but broken: say so as it is
                raise
            raise ImportError(_NO_TENSORFLOW) from error
    major, minor = (int(part) for part in re.findall(r"\d+", tensorflow.__version__)[:2])
    if (major, minor) < (2, 16):  # tf.keras is Keras 3 from TensorFlow 2.16 on
        raise ImportError(
            f"vizcnn needs Keras 3, which tf.keras is from TensorFlow 2.16 on; this is "
            f"TensorFlow {tensorflow.__version__}: pip install -U 'tensorflow>=2.16'"
        )
    return tensorflow


@contextlib.contextmanager
def _quiet_fd2(noise: re.Pattern | None):
    """Capture file descriptor 2 (C++ logging), then replay lines that ``noise`` misses.

    ``noise=None`` drops everything written: for a probe whose failure is its answer.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (some embedded interpreters)
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", errors="replace")
    if noise is None:
        return
    kept = [line for line in text.splitlines() if line and not noise.search(line)]
    if kept:
        print("\n".join(kept), file=sys.stderr)


def keras():
    """Return ``tf.keras`` (Keras 3), importing TensorFlow quietly first."""
    return import_tensorflow().keras


def use_fast_precision(*, verbose: bool = True) -> str:
    """Use ``mixed_bfloat16`` where this runtime computes bfloat16 natively, else ``float32``.

    On a CPU with AVX-512 BF16 or AMX bfloat16 convolutions run about 1.7x faster; without
    them they are emulated and run far *slower*, or not at all. What decides is what the
    runtime can do, not the CPU flags alone: see :func:`bfloat16_support`. On a GPU the
    policy is left to the user (``float32``).

    Parameters
    ----------
    verbose : bool, default=True
        Print the policy and, where it is ``float32``, why (in the lessons' language).

    Returns
    -------
    str
        The global Keras dtype policy now in force.
    """
    k = keras()
    native, reason = bfloat16_support()
    policy = "mixed_bfloat16" if native else "float32"
    k.mixed_precision.set_global_policy(policy)
    if verbose:
        if native:
            print(text("precision.policy", policy=policy))
        else:
            print(text("precision.policy_because", policy=policy, reason=reason))
    return policy


# oneDNN's instruction-set caps (ONEDNN_MAX_CPU_ISA) under which it has no native bfloat16
# convolution: everything below AVX512_CORE_BF16 but AVX2_VNNI_2.
_ISA_WITHOUT_BF16 = frozenset(
    {"SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX512_CORE", "AVX512_CORE_VNNI"}
)


def bfloat16_support() -> tuple[bool, str]:
    """Whether bfloat16 training is native here, and in words why not.

    Four checks, cheapest first: the CPU advertises ``avx512_bf16`` or ``amx_bf16``; oneDNN
    is on (``TF_ENABLE_ONEDNN_OPTS`` is not ``0``) and not capped below bfloat16
    (``ONEDNN_MAX_CPU_ISA``, e.g. ``AVX2`` to run an AVX2 laptop's code paths); no GPU is
    visible; and a tiny bfloat16 convolution with its gradient runs (a build or runtime
    without one raises instead of computing). The answer is cached for the process
    (``bfloat16_support.cache_clear()`` forgets it); its words are in the lessons'
    language when asked (:mod:`vizcnn.language`).

    Returns
    -------
    tuple of (bool, str)
        ``(True, "native bfloat16")`` or ``(False, reason)``.
    """
    native, key, fields = _bfloat16_answer()
    return native, text(key, **fields)


@functools.cache
def _bfloat16_answer() -> tuple[bool, str, dict]:
    """:func:`bfloat16_support` as ``(native, message key, fields)``: the cached checks,
    without the words (the language may change after the first question)."""
    if not cpu_has_native_bf16():
        return False, "bfloat16.no_cpu_support", {}
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1").strip().lower() in {"0", "false"}:
        return False, "bfloat16.onednn_off", {}
    for name in ("ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"):
        cap = os.environ.get(name, "").strip().upper()
        if cap in _ISA_WITHOUT_BF16:
            return False, "bfloat16.onednn_capped", {"cap": cap, "name": name}
    tf = import_tensorflow()
    if tf.config.list_physical_devices("GPU"):
        return False, "bfloat16.gpu", {}
    if not bfloat16_convolution_runs():
        return False, "bfloat16.no_convolution", {}
    return True, "bfloat16.native", {}


bfloat16_support.cache_clear = _bfloat16_answer.cache_clear


@functools.cache
def bfloat16_convolution_runs() -> bool:
    """Whether a tiny bfloat16 convolution and its gradient run here at all (cached).

    True on most machines, emulated or not; False where the runtime refuses, as oneDNN
    capped below bfloat16 (``ONEDNN_MAX_CPU_ISA=AVX2``) does on a CPU whose flags say it
    has it. Its C++ log lines are dropped: here the failure is the answer.
    """
    tf = import_tensorflow()
    x = tf.ones((1, 4, 4, 2), dtype=tf.bfloat16)
    kernel = tf.ones((3, 3, 2, 2), dtype=tf.bfloat16)
    with _quiet_fd2(None):  # the failure is logged by C++ before it is raised
        try:
            with tf.GradientTape() as tape:
                tape.watch(kernel)
                y = tf.nn.conv2d(x, kernel, 1, "SAME")
            grad = tape.gradient(y, kernel)
            # 3x3 window of ones over 2 channels: the centre output is 18, exactly in bfloat16
            return float(y[0, 1, 1, 0]) == 18.0 and grad is not None
        except (tf.errors.OpError, RuntimeError):
            return False


def cpu_has_native_bf16() -> bool:
    """Whether this CPU advertises native bfloat16 arithmetic (Linux ``/proc/cpuinfo``).

    The flags alone do not make it usable: :func:`bfloat16_support` also asks the runtime.
    """
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
