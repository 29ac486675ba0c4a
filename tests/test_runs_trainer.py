"""The run store's trainer: a run interrupted and resumed equals one that never stopped.

A tiny run (a small ResNet of one 16-filter unit, 384 training images, two epochs) is
trained three ways in separate stores and caches: straight through; stopped after one
epoch and resumed by a second call; and resumed with its optimizer state thrown away.
The first two must give the same weights exactly (the same operations on the same data,
rule 1 of ``tests/numeric.py``: the resumed epoch sees the same image order, the same
augmentation and the same optimizer moments); the third must not, which shows that the
comparison can fail and what it rests on.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from vizcnn.course.runs import store, trainer

TINY = {
    "data": {"tiny": {"split": "train", "first": 384, "valid_first": 256}},
    "runs": {
        "tiny": {
            "builder": "small_resnet",
            "arguments": {"stages": [[16, 1]], "stem_filters": 8},
            "recipe": {"base": "RESNET_RECIPE", "epochs": 2, "batch_size": 64},
            "data": "tiny",
            "seeds": [0, 1],
            "weights": [0],
        }
    },
}


def use_store(monkeypatch, tmp_path, name):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "runs.json").write_text(json.dumps(TINY))
    monkeypatch.setenv("VIZCNN_RUNS", str(folder))
    monkeypatch.setenv("VIZCNN_CACHE", str(tmp_path / f"{name}_cache"))
    return folder


def final_checkpoint(tmp_path, name):
    """The float32 weights of the last checkpoint (before the float16 rounding)."""
    folder = tmp_path / f"{name}_cache" / "runs" / "tiny" / "seed_0"
    progress = json.loads((folder / "progress.json").read_text())
    with np.load(folder / progress["file"]) as saved:
        return [saved[k] for k in sorted(saved.files) if k.startswith("w")], progress


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("runs")
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_store(monkeypatch, tmp_path, "straight")
        straight = trainer.train_run("tiny", 0, out=None)

        use_store(monkeypatch, tmp_path, "resumed")
        assert trainer.train_run("tiny", 0, stop_after=1, out=None) is None
        halfway = final_checkpoint(tmp_path, "resumed")[1]
        resumed = trainer.train_run("tiny", 0, out=None)

        use_store(monkeypatch, tmp_path, "forgetful")
        trainer.train_run("tiny", 0, stop_after=1, out=None)
        restore = trainer._restore

        def weights_only(folder, progress, model):  # the optimizer starts from zero again
            slots = [v.numpy() for v in model.optimizer.variables]
            fitted = restore(folder, progress, model)
            for variable, value in zip(model.optimizer.variables, slots, strict=True):
                variable.assign(value)
            return fitted

        monkeypatch.setattr(trainer, "_restore", weights_only)
        trainer.train_run("tiny", 0, out=None)
    return tmp_path, straight, resumed, halfway


def test_an_interrupted_run_resumes_to_the_same_weights(three_runs):
    tmp_path, straight, resumed, halfway = three_runs
    assert len(halfway["epochs"]) == 1  # it really stopped after one epoch
    a, _ = final_checkpoint(tmp_path, "straight")
    b, _ = final_checkpoint(tmp_path, "resumed")
    assert len(a) == len(b) > 0
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert resumed["history"] == straight["history"]
    assert resumed["test_accuracy"] == straight["test_accuracy"]


def test_resuming_without_the_optimizer_state_is_caught(three_runs):
    tmp_path = three_runs[0]
    a, _ = final_checkpoint(tmp_path, "straight")
    c, _ = final_checkpoint(tmp_path, "forgetful")
    assert any(not np.array_equal(x, y) for x, y in zip(a, c, strict=True))


def test_a_finished_run_has_its_record_and_checked_weights(three_runs):
    tmp_path, straight, _, _ = three_runs
    folder = tmp_path / "straight" / "tiny" / "seed_0"
    record = json.loads((folder / "record.json").read_text())
    assert record == straight
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(record["history"][key]) == 2
    assert len(record["epoch_seconds"]) == 2 and record["images_per_second"] > 0
    steps = 384 // 64  # batches per epoch; every step's own loss is recorded
    assert len(record["step_loss"]) == 2 * steps
    for epoch in range(2):  # the steps of an epoch average to the epoch's loss
        mean = np.mean(record["step_loss"][epoch * steps : (epoch + 1) * steps])
        assert mean == pytest.approx(record["history"]["loss"][epoch], rel=64 * 2.0**-24)
    assert record["train_size"] == 384 and record["test_size"] == 10_000
    assert 0 <= record["test_accuracy"] <= 1 and record["seed"] == 0
    assert record["recipe"]["epochs"] == 2 and record["recipe"]["batch_size"] == 64
    assert record["machine"]["cpu"] and record["tensorflow"] and record["keras"]
    assert record["precision"] and record["commit"]
    data = (folder / "weights.npz").read_bytes()
    assert record["weights"]["sha256"] == store.sha256(data)
    arrays, names = store.decode_weights(data, "weights")
    assert len(arrays) == len(names) and all(a.dtype == np.float32 for a in arrays)


def test_the_stored_weights_are_the_trained_ones_rounded_to_float16(three_runs):
    tmp_path = three_runs[0]
    trained, _ = final_checkpoint(tmp_path, "straight")
    data = (tmp_path / "straight" / "tiny" / "seed_0" / "weights.npz").read_bytes()
    stored, _ = store.decode_weights(data, "weights")
    for x, y in zip(trained, stored, strict=True):
        np.testing.assert_array_equal(x.astype(np.float16).astype(np.float32), y)


def test_a_kill_during_a_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "progress.json"
    store.write_atomic(path, b"old")

    def killed(*args):
        raise KeyboardInterrupt  # as if the process were stopped mid-write

    monkeypatch.setattr(store.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        store.write_atomic(path, b"new, but never finished")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["progress.json"]  # no temporary left


@pytest.fixture()
def trained_store(three_runs, monkeypatch):
    """The straight run's store, in use (a copy, so a test may damage it)."""
    import shutil

    tmp_path = three_runs[0]
    folder = tmp_path / "copy"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(tmp_path / "straight", folder)
    monkeypatch.setenv("VIZCNN_RUNS", str(folder))
    return folder


def test_load_gives_the_trained_model_and_its_record(trained_store):
    import vizcnn as vz
    from vizcnn.course.runs.evaluation import accuracy_and_fragile

    model, record = vz.runs.load("tiny", seed=0)
    assert record.name == "tiny" and record.seed == 0 and record.epochs == 2
    _, _, (X_test, y_test) = vz.data.load_fashion_mnist()
    accuracy, near = accuracy_and_fragile(model, X_test, y_test)
    assert abs(accuracy - record.test_accuracy) * len(y_test) <= near


def test_history_reads_the_curves_of_every_seed_without_weights(trained_store, three_runs):
    import vizcnn as vz

    curves = vz.runs.history("tiny", seeds=[0])
    assert list(curves["epoch"]) == [1, 2] and set(curves["seed"]) == {0}
    assert list(curves["val_accuracy"]) == three_runs[1]["history"]["val_accuracy"]


@pytest.mark.parametrize("damage", ["truncated", "altered", "missing"])
def test_a_damaged_weight_file_is_refused_by_name(trained_store, damage):
    import vizcnn as vz

    path = trained_store / "tiny" / "seed_0" / "weights.npz"
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "altered":
        path.write_bytes(data[:-100] + bytes([data[-100] ^ 1]) + data[-99:])
    else:
        path.unlink()
    with pytest.raises(vz.runs.DamagedRunError, match="weights.npz"):
        vz.runs.load("tiny", seed=0)


def test_weights_that_do_not_fit_the_declared_model_name_the_layer(trained_store):
    import vizcnn as vz

    wider = json.loads(json.dumps(TINY))
    wider["runs"]["tiny"]["arguments"]["stem_filters"] = 12
    (trained_store / "runs.json").write_text(json.dumps(wider))
    with pytest.raises(vz.runs.DamagedRunError, match="stem"):
        vz.runs.load("tiny", seed=0)


def test_unknown_and_missing_runs_say_what_to_do(trained_store):
    import vizcnn as vz

    with pytest.raises(ValueError, match="declared runs are: .*tiny"):
        vz.runs.load("tiny_typo")
    with pytest.raises(vz.runs.MissingRunError) as missing:
        vz.runs.load("tiny", seed=1)
    assert "python -m vizcnn.runs train tiny --seeds 1" in str(missing.value)
    assert "minutes for 2 epochs on this CPU" in str(missing.value)  # measured here
