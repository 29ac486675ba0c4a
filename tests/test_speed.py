"""vizcnn.course.speed: peaks and training speed come back as sane, consistent numbers."""

import pytest

from vizcnn import speed

TINY = {"matmul": 64, "conv": (2, 8, 8), "repeats": 2, "batch": 8, "warmup": 1, "steps": 2}


def test_peaks_are_positive_gflops():
    result = speed.peaks(TINY, ["float32"])
    assert set(result) == {"float32"}
    assert result["float32"]["matmul_gflops"] > 0 and result["float32"]["conv_gflops"] > 0
    assert "64x64" in result["float32"]["matmul"]


def test_training_speed_multiplies_flops_by_images_per_second(keras):
    result = speed.training_speed("small_resnet", "float32", TINY)
    assert result["images_per_second"] > 0
    assert result["achieved_gflops"] == pytest.approx(
        result["training_flops_per_image"] * result["images_per_second"] / 1e9
    )
    assert keras.mixed_precision.global_policy().name == "float32"  # restored
