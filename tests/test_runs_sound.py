"""The run store learns from sound: lesson 07's two networks, declared, trained and checked.

Tiny runs (one epoch, narrow networks) learn from a small declaration of spoken digits
(three voices, one per split, two languages, two speeds: 40 clips a split) recorded by the
real espeak-ng in a cache of this module's own, through the same trainer, store, ``load``
and ``verify`` as the shipped runs.
"""

from __future__ import annotations

import io
import json
import shutil

import numpy as np
import pytest

import vizcnn as vz
from vizcnn.course import spoken_digits
from vizcnn.course.runs import cli, store, trainer

ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(ESPEAK is None, reason="needs espeak-ng (apt install espeak-ng)")

SMALL = {
    "format": 1,
    "sample_rate": 8000,
    "clip_seconds": 1.0,
    "languages": {
        "en": {"words": "zero one two three four five six seven eight nine".split(),
               "accents": ["en-us"]},
        "ko": {"words": list("영일이삼사오육칠팔구"), "accents": ["ko"]},
    },
    "speeds": [140, 180],
    "pitches": [50],
    "splits": {"train": ["m3"], "valid": ["f2"], "test": ["klatt"]},
    "noise": {"snr_db": [20, 40]},
    "silence_db": -40,
}  # fmt: skip
CLIPS_PER_SPLIT = 10 * 2 * 2  # digits x languages x speeds, one voice
# 25 ms frames every 10 ms at 8 kHz, 40 mel bands: 1 + (8000 - 200) // 80 frames
MEL = {"frame_length": 200, "frame_step": 80, "mel_bins": 40}
RECIPE = {"base": "SOUND_RECIPE", "epochs": 1, "batch_size": 16}
TINY = {
    "data": {
        "tiny_waves": {"source": "spoken_digits", "noise_seed": 3},
        "tiny_mel": {"source": "spoken_digits", "noise_seed": 3, "spectrogram": MEL},
    },
    "runs": {
        "tiny_waveform": {
            "builder": "waveform_cnn",
            "arguments": {"filters": 8, "widths": [8, 16]},
            "recipe": RECIPE,
            "data": "tiny_waves",
            "seeds": [0],
            "weights": [0],
        },
        "tiny_spectrogram": {
            "builder": "spectrogram_cnn",
            "arguments": {"widths": [8, 16]},
            "recipe": RECIPE,
            "data": "tiny_mel",
            "seeds": [0],
            "weights": [0],
        },
        "misfit": {
            "builder": "waveform_cnn",
            "arguments": {},
            "recipe": RECIPE,
            "data": "tiny_mel",
            "seeds": [0],
        },
    },
}
TINY_RUNS = ("tiny_waveform", "tiny_spectrogram")


def test_the_package_declares_lesson_07s_runs(monkeypatch):
    monkeypatch.delenv("VIZCNN_RUNS", raising=False)
    declared = vz.runs.declarations()
    waves, mel = declared["waveform_digits"], declared["spectrogram_digits"]
    for run in (waves, mel):
        assert run.data.source == "spoken_digits" and run.seeds == (0, 1, 2)
        assert run.weights == (0,)
        recipe = run.make_recipe()
        assert recipe.max_shift == 0 and recipe.flip is False  # the data shifts the words
    assert waves.data.spectrogram is None
    assert mel.data.spectrogram == MEL
    # each model takes what its data choice gives: one second at 8 kHz, or its log-mel image
    assert waves.build_model().input_shape == (None, 8000, 1)
    assert mel.build_model().input_shape == (None, 1 + (8000 - 200) // 80, 40, 1)
    # Fashion-MNIST's choices are written to records as before sound existed
    assert "source" not in declared["cnn"].as_dict()["data"]


def test_the_builders_shapes_and_readable_layers():
    waves = vz.models.waveform_cnn()
    bank = waves.get_layer("filterbank")
    assert bank.kernel.shape == (80, 1, 32) and bank.strides == (4,)
    assert waves.output_shape == (None, 10) and waves.count_params() < 500_000
    mel = vz.models.spectrogram_cnn(input_shape=(50, 20, 1), n_classes=4)
    assert mel.output_shape == (None, 4) and mel.count_params() < 500_000
    for model in (waves, mel):
        names = [layer.name for layer in model.layers]
        assert {"block1_conv", "block1_bn", "block1_pool", "gap", "output"} <= set(names)


@pytest.mark.parametrize(
    ("builder", "arguments", "named"),
    [
        ("waveform_cnn", {"kernel_size": 0}, "kernel_size"),
        ("waveform_cnn", {"input_shape": (40, 1), "kernel_size": 80}, "kernel_size=80"),
        ("waveform_cnn", {"widths": []}, "widths"),
        ("spectrogram_cnn", {"input_shape": (98, 40)}, "input_shape"),
    ],
)
def test_the_builders_name_a_wrong_argument(builder, arguments, named):
    with pytest.raises(ValueError, match=named):
        getattr(vz.models, builder)(**arguments)


def write_runs(folder, content):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "runs.json").write_text(json.dumps(content, ensure_ascii=False))
    return folder


@pytest.mark.parametrize(
    ("choice", "named"),
    [
        ({"source": "librispeech"}, "unknown source 'librispeech'"),
        ({"source": "spoken_digits", "spectrogram": {"hop": 80}}, "spectrogram"),
        ({"source": "spoken_digits", "spectrogram": {"frame_length": None}}, "spectrogram"),
        ({"source": "spoken_digits", "noise_seed": -1}, "noise_seed"),
        ({"noise_seed": 1}, r"unknown keys \['noise_seed'\]"),  # Fashion-MNIST has no noise
    ],
)
def test_a_wrong_data_choice_is_named(tmp_path, monkeypatch, choice, named):
    content = {"data": {"bad_choice": choice}, "runs": {}}
    monkeypatch.setenv("VIZCNN_RUNS", str(write_runs(tmp_path / "store", content)))
    with pytest.raises(ValueError, match=named) as error:
        vz.runs.declarations()
    assert "'bad_choice'" in str(error.value)


@pytest.fixture(scope="module")
def sound_store(tmp_path_factory):
    """The tiny runs trained once, in a store and cache of their own (recordings included)."""
    if ESPEAK is None:
        pytest.skip("needs espeak-ng (apt install espeak-ng)")
    tmp_path = tmp_path_factory.mktemp("sound_runs")
    declaration = tmp_path / "small.json"
    declaration.write_text(json.dumps(SMALL, ensure_ascii=False), encoding="utf-8")
    folder = write_runs(tmp_path / "store", TINY)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(spoken_digits, "default_declaration", lambda: declaration)
        patch.setenv("VIZCNN_RUNS", str(folder))
        patch.setenv("VIZCNN_CACHE", str(tmp_path / "cache"))
        records = {name: trainer.train_run(name, 0, out=None) for name in TINY_RUNS}
        yield folder, records, patch


@needs_espeak
@pytest.mark.parametrize("name", TINY_RUNS)
def test_a_sound_run_is_trained_on_its_own_splits_and_stored(sound_store, name):
    folder, records, _ = sound_store
    record = records[name]
    assert record == store.read_record(folder / name / "seed_0")
    assert record["data"]["source"] == "spoken_digits"
    assert record["train_size"] == record["test_size"] == CLIPS_PER_SPLIT
    assert len(record["history"]["val_accuracy"]) == 1
    assert len(record["step_loss"]) == CLIPS_PER_SPLIT // 16 + 1  # 40 clips, batches of 16
    assert (folder / name / "seed_0" / "weights.npz").is_file()


@needs_espeak
@pytest.mark.parametrize("name", TINY_RUNS)
def test_a_loaded_sound_run_reproduces_its_test_accuracy(sound_store, name):
    from vizcnn.course.runs.evaluation import accuracy_and_fragile

    model, record = vz.runs.load(name, seed=0)
    clips = vz.data.load_spoken_digits(seed=3)
    X, y = clips.arrays("test")
    if name == "tiny_spectrogram":
        X = vz.signal.spectrogram(X, sample_rate=8000, **MEL)
    assert model.input_shape[1:] == X.shape[1:]
    accuracy, near = accuracy_and_fragile(model, X, y)
    assert abs(accuracy - record.test_accuracy) * len(y) <= near
    again, _ = vz.runs.load(name, seed=0)  # the same weights: the same answers
    np.testing.assert_array_equal(model.predict_on_batch(X), again.predict_on_batch(X))


@needs_espeak
def test_verify_checks_each_run_on_its_own_test_set(sound_store):
    out = io.StringIO()
    assert cli.verify(out=out) == 0, out.getvalue()
    for name in TINY_RUNS:
        assert f"ok   {name} seed 0" in out.getvalue()
    assert "2 shipped networks checked, 0 failed" in out.getvalue()


@needs_espeak
@pytest.mark.parametrize("name", TINY_RUNS)
def test_a_damaged_sound_run_is_refused_by_name(sound_store, tmp_path, name):
    folder, _, patch = sound_store
    copy = tmp_path / "store"
    shutil.copytree(folder, copy)
    patch.setenv("VIZCNN_RUNS", str(copy))
    try:
        path = copy / name / "seed_0" / "weights.npz"
        path.write_bytes(path.read_bytes()[:-10])
        with pytest.raises(vz.runs.DamagedRunError, match="weights.npz"):
            vz.runs.load(name, seed=0)
    finally:
        patch.setenv("VIZCNN_RUNS", str(folder))


@needs_espeak
def test_a_model_that_does_not_take_its_data_is_refused_by_name(sound_store):
    with pytest.raises(ValueError, match=r"'tiny_mel' gives examples shaped \(98, 40, 1\)"):
        trainer.train_run("misfit", 0, out=None)
