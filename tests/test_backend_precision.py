"""vz.backend's precision choice: from what the runtime can do, not the CPU flags alone."""

import pytest

from vizcnn import backend


@pytest.fixture
def fresh(monkeypatch):
    """bfloat16_support without its cache, restored afterwards."""
    backend.bfloat16_support.cache_clear()
    yield monkeypatch
    backend.bfloat16_support.cache_clear()


@pytest.mark.parametrize("cap", ["AVX2", "avx512_core", "SSE41"])
def test_an_instruction_set_cap_below_bfloat16_means_float32(fresh, cap):
    fresh.setattr(backend, "cpu_has_native_bf16", lambda: True)  # flags that claim it
    fresh.setenv("ONEDNN_MAX_CPU_ISA", cap)
    native, reason = backend.bfloat16_support()
    assert not native and cap.upper() in reason and "ONEDNN_MAX_CPU_ISA" in reason


def test_no_flags_or_onednn_off_mean_float32(fresh):
    fresh.setattr(backend, "cpu_has_native_bf16", lambda: False)
    assert backend.bfloat16_support() == (
        False,
        "this CPU has no native bfloat16 (avx512_bf16 or amx_bf16)",
    )
    backend.bfloat16_support.cache_clear()
    fresh.setattr(backend, "cpu_has_native_bf16", lambda: True)
    fresh.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert backend.bfloat16_support()[1] == "oneDNN is off (TF_ENABLE_ONEDNN_OPTS=0)"


def test_a_runtime_that_refuses_bfloat16_convolutions_means_float32(fresh):
    fresh.setattr(backend, "cpu_has_native_bf16", lambda: True)
    fresh.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    fresh.delenv("DNNL_MAX_CPU_ISA", raising=False)
    fresh.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    fresh.setattr(backend, "bfloat16_convolution_runs", lambda: False)
    assert backend.bfloat16_support() == (False, "this runtime has no bfloat16 convolution")


def test_the_probe_agrees_with_the_policy_in_force(keras):
    """Here, for real: where bfloat16 is called native, a bfloat16 convolution runs."""
    native, reason = backend.bfloat16_support()
    assert isinstance(reason, str) and reason
    if native:
        assert backend.bfloat16_convolution_runs()
    policy = backend.use_fast_precision(verbose=False)
    try:
        assert policy == ("mixed_bfloat16" if native else "float32")
        assert keras.mixed_precision.global_policy().name == policy
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_the_probe_fails_quietly_under_a_cap():
    """In a fresh process capped at AVX2, on a CPU whose flags claim bfloat16, the probe
    answers False, and oneDNN's error never reaches stderr."""
    import os
    import subprocess
    import sys

    code = "from vizcnn import backend; print(backend.bfloat16_convolution_runs())"
    env = {k: v for k, v in os.environ.items() if k != "ONEDNN_MAX_CPU_ISA"}
    capped = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "ONEDNN_MAX_CPU_ISA": "AVX2"},
        capture_output=True,
        text=True,
        check=True,
    )
    if backend.cpu_has_native_bf16():  # otherwise oneDNN never had bfloat16 to cap
        assert capped.stdout.strip() == "False"
    assert "primitive descriptor" not in capped.stderr
