"""The degradation experiment's pieces: one run, the per-step losses, gradient norms."""

import numpy as np
import pytest

import vizcnn as vz
from vizcnn import degradation


@pytest.fixture(scope="module")
def fashion_subset():
    (X, y), (Xv, yv), _ = vz.data.load_fashion_mnist()
    return (X[:384], y[:384]), (Xv[:128], yv[:128])


@pytest.fixture(scope="module")
def two_runs(fashion_subset):
    train, valid = fashion_subset
    return degradation.degradation_experiment(
        depths=(1,), train=train, valid=valid, epochs=2, batch_size=64
    )


def test_experiment_names_its_runs_by_kind_and_depth(two_runs):
    assert list(two_runs) == ["plain_8", "resnet_8"]
    assert degradation.run_name(9, skips=False) == "plain_56"
    plain, residual = two_runs["plain_8"], two_runs["resnet_8"]
    assert plain["layers"] == residual["layers"] == 8
    assert residual["params"] > plain["params"]  # the 1x1 projections
    for history in (plain, residual):
        assert len(history["loss"]) == len(history["val_accuracy"]) == 2
        assert len(history["epoch_seconds"]) == 2 and history["steps_per_epoch"] == 6


def test_step_losses_average_to_the_epoch_losses_keras_reports(two_runs):
    for history in two_runs.values():
        steps = np.reshape(history["step_loss"], (2, history["steps_per_epoch"]))
        np.testing.assert_allclose(steps.mean(axis=1), history["loss"], rtol=1e-4)
        assert np.all(np.isfinite(steps)) and np.ptp(steps) > 0  # batches really differ


def test_same_seed_same_weights_same_data_order(fashion_subset):
    train, _ = fashion_subset
    runs = [
        degradation.degradation_run(1, skips=False, train=train, epochs=1, batch_size=128)
        for _ in range(2)
    ]
    np.testing.assert_allclose(runs[0]["step_loss"][0], runs[1]["step_loss"][0], rtol=1e-5)


def test_gradient_norms_cover_every_main_path_convolution(fashion_subset):
    (X, y), _ = fashion_subset
    model = vz.models.resnet_like(units_per_stage=1)
    norms = degradation.gradient_norms(model, vz.data.scale_images(X[:32]), y[:32])
    assert list(norms)[0] == "stem_conv" and list(norms)[-1] == "s3u1_conv2"
    assert len(norms) == 7 and not any("skip" in name for name in norms)
    assert all(np.isfinite(v) and v > 0 for v in norms.values())


def test_bad_input_is_named(fashion_subset):
    train, _ = fashion_subset
    with pytest.raises(ValueError, match="units_per_stage"):
        degradation.degradation_run(0, skips=True, train=train)
    with pytest.raises(TypeError, match="skips"):
        degradation.degradation_run(1, skips="yes", train=train)
    with pytest.raises(TypeError, match="depths"):
        degradation.degradation_experiment(depths=(), train=train)
    with pytest.raises(ValueError, match="Conv2D"):
        keras = vz.backend.keras()
        dense = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        degradation.gradient_norms(dense, np.zeros((1, 4)), [0])


def test_loss_band_smooths_each_seed_over_an_epoch_then_spans_the_seeds():
    # two seeds of 2 epochs x 3 steps: one epoch's moving average, then mean/min/max
    seeds = [
        {"step_loss": [3.0, 0.0, 0.0, 6.0, 0.0, 0.0], "loss": [1.0, 2.0]},
        {"step_loss": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0], "loss": [0.0, 0.0]},
    ]
    band = degradation.loss_band(seeds)
    np.testing.assert_array_equal(band["step"], [3, 4, 5, 6])
    np.testing.assert_allclose(band["high"], [1.0, 2.0, 2.0, 2.0])
    np.testing.assert_allclose(band["low"], 0.0)
    np.testing.assert_allclose(band["mean"], [0.5, 1.0, 1.0, 1.0])
    assert band["seeds"] == 2 and band["final"] == [2.0, 0.0]
    np.testing.assert_array_equal(band["epoch_loss"], [[1.0, 2.0], [0.0, 0.0]])


def test_loss_band_reads_the_stores_records_and_refuses_what_does_not_fit():
    records = [
        vz.runs.record("plain_20_adam", seed) for seed in vz.runs.shipped_seeds("plain_20_adam")
    ]
    band = degradation.loss_band(records)
    steps = len(records[0].raw["step_loss"])
    per_epoch = steps // len(records[0].history["loss"])
    assert band["step"][0] == per_epoch and band["step"][-1] == steps
    assert np.all(band["low"] <= band["mean"]) and np.all(band["mean"] <= band["high"])
    with pytest.raises(TypeError, match="records"):
        degradation.loss_band([])
    with pytest.raises(ValueError, match="epochs"):
        degradation.loss_band([{"step_loss": [1.0, 2.0, 3.0], "loss": [1.0, 2.0]}])
    with pytest.raises(ValueError, match="different numbers of steps"):
        degradation.loss_band(
            [{"step_loss": [1.0, 2.0], "loss": [1.0]}, {"step_loss": [1.0] * 4, "loss": [1.0]}]
        )
