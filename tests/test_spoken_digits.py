"""The spoken digits: real espeak-ng recordings of a small declaration, the split by voice,
labels, determinism, the cache's checksums and espeak-ng's absence.

The small declaration (three voices, two languages, one speed and pitch: 60 clips) is made
once per module, in a cache folder of its own, with the real espeak-ng (< 1 s).
"""

import hashlib
import json
import re
import shutil
import subprocess
import warnings

import numpy as np
import pytest

import vizcnn as vz
from vizcnn.course import espeak, spoken_digits_recordings
from vizcnn.course.spoken_digits_declaration import read_declaration
from vizcnn.course.spoken_digits_recordings import DamagedCacheWarning, clean_recordings

ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(ESPEAK is None, reason="needs espeak-ng (apt install espeak-ng)")
# what the words mean, written here by hand: the test's own spec, not the data file's
ENGLISH = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
KOREAN = ["영", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"]
SMALL = {
    "format": 1,
    "sample_rate": 8000,
    "clip_seconds": 1.0,
    "languages": {
        "en": {"words": ENGLISH, "accents": ["en-us", "en-gb"]},
        "ko": {"words": KOREAN, "accents": ["ko"]},
    },
    "speeds": [160],
    "pitches": [50],
    "splits": {"train": ["m3"], "valid": ["f2"], "test": ["klatt"]},
    "noise": {"snr_db": [10, 40]},
    "silence_db": -40,
}


def _write(folder, spec=SMALL, name="small.json"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return folder / name


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """(declaration path, cache folder): the small set, made once."""
    folder = tmp_path_factory.mktemp("spoken")
    path = _write(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VIZCNN_CACHE", str(folder / "cache"))
        if ESPEAK is not None:
            clean_recordings(path)
    return path, folder / "cache"


@pytest.fixture()
def cached(small, monkeypatch):
    path, cache = small
    monkeypatch.setenv("VIZCNN_CACHE", str(cache))
    return path


def _files(cache):
    folder = cache / "spoken_digits"
    return next(folder.glob("*.npz")), next(folder.glob("*.json"))


# -- the declaration and its split --------------------------------------------------------


def test_the_shipped_split_is_by_voice_and_covers_every_digit_in_both_languages():
    declaration = read_declaration(spoken_digits_recordings.default_declaration())
    voices = {}
    for group in declaration["groups"]:
        voices.setdefault(group.split, set()).add(group.voice)
    assert set(voices) == {"train", "valid", "test"}
    assert not voices["train"] & voices["valid"]
    assert not voices["train"] & voices["test"]
    assert not voices["valid"] & voices["test"]
    assert {g.language for g in declaration["groups"]} == {"en", "ko"}
    assert declaration["clips"] == 10 * len(declaration["groups"])
    assert 2000 <= declaration["clips"] <= 5000  # a few thousand clips


def test_a_voice_in_two_splits_is_refused_by_name(tmp_path):
    spec = {**SMALL, "splits": {"train": ["m3", "f2"], "valid": ["f2"], "test": ["klatt"]}}
    with pytest.raises(ValueError, match=r"'f2' is in both splits.train and splits.valid"):
        read_declaration(_write(tmp_path, spec))


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"speeds": [20]}, "speeds"),
        ({"pitches": []}, "pitches"),
        ({"languages": {"en": {"words": ENGLISH[:9], "accents": ["en-us"]}}}, "words"),
        ({"format": 2}, "format"),
    ],
)
def test_a_wrong_declaration_names_its_key(tmp_path, change, named):
    with pytest.raises(ValueError, match=named):
        read_declaration(_write(tmp_path, {**SMALL, **change}))


@needs_espeak
def test_an_unknown_voice_is_refused_before_any_recording(tmp_path, monkeypatch):
    monkeypatch.setenv("VIZCNN_CACHE", str(tmp_path / "cache"))
    spec = {**SMALL, "splits": {"train": ["m3"], "valid": ["f2"], "test": ["no-such-voice"]}}
    with pytest.raises(ValueError, match="no-such-voice"):
        clean_recordings(_write(tmp_path, spec))
    assert not (tmp_path / "cache").exists()


# -- the recordings -----------------------------------------------------------------------


@needs_espeak
def test_load_gives_one_second_clips_with_labels_and_who_said_them(cached):
    sounds = vz.data.load_spoken_digits(declaration=cached)
    assert sounds.waveforms.shape == (60, 8000, 1) and sounds.waveforms.dtype == np.float32
    assert sounds.sample_rate == 8000 and sounds.espeak_ng == espeak.espeak_version(ESPEAK)
    for i in range(len(sounds)):
        words = ENGLISH if sounds.language[i] == "en" else KOREAN
        assert sounds.word[i] == words[sounds.labels[i]]
    assert sorted(np.bincount(sounds.labels)) == [6] * 10
    # the split is by voice, in the loaded clips too
    for split, voice in (("train", "m3"), ("valid", "f2"), ("test", "klatt")):
        assert set(sounds.voice[sounds.split == split]) == {voice}
        X, y = sounds.arrays(split)
        assert X.shape == (20, 8000, 1) and sorted(y) == sorted(list(range(10)) * 2)
    # English accents in turn, voice after voice; Korean has one
    english = sounds.language == "en"
    assert [set(sounds.accent[english & (sounds.voice == v)]) for v in ("m3", "f2", "klatt")] == [
        {"en-us"},
        {"en-gb"},
        {"en-us"},
    ]
    assert set(sounds.accent[~english]) == {"ko"}
    assert list(sounds.table().columns[:3]) == ["label", "split", "voice"]


@needs_espeak
def test_each_clip_is_the_word_its_label_names(cached, tmp_path):
    """The word cut from one call matches espeak-ng saying that word alone, not another."""
    arrays, _ = clean_recordings(cached)
    starts = np.concatenate([[0], np.cumsum(arrays["lengths"])])
    for group, (words, voice) in enumerate([(ENGLISH, "en-us+m3"), (KOREAN, "ko+m3")]):
        mine = []
        for k in range(10):
            a, b = starts[10 * group + k], starts[10 * group + k + 1]
            clip = vz.data.prepare_clip(arrays["samples"][a:b] / 32768, sample_rate=8000)
            mine.append(vz.signal.spectrogram(clip[:, 0], sample_rate=8000, mel_bins=40))
        alone = []
        for k, word in enumerate(words):
            wav = tmp_path / f"{group}_{k}.wav"
            args = [ESPEAK, "-v", voice, "-s", "160", "-p", "50", "-w", str(wav), word]
            subprocess.run(args, check=True, capture_output=True)
            clip = vz.data.load_wav(wav)
            alone.append(vz.signal.spectrogram(clip[:, 0], sample_rate=8000, mel_bins=40))
        distances = np.array([[np.linalg.norm(m - a) for a in alone] for m in mine])
        assert list(distances.argmin(axis=1)) == list(range(10)), np.round(distances)


@needs_espeak
def test_word_spans_say_where_each_clean_word_sits_in_its_clip(cached):
    sounds = vz.data.load_spoken_digits(seed=5, declaration=cached)
    spans = vz.data.word_spans(seed=5, declaration=cached)
    arrays, _ = clean_recordings(cached)
    assert spans.shape == (len(sounds), 2)
    np.testing.assert_array_equal(spans[:, 1] - spans[:, 0], arrays["lengths"])
    assert (spans[:, 0] >= 0).all() and (spans[:, 1] <= 8000).all()
    starts = np.concatenate([[0], np.cumsum(arrays["lengths"])])
    for i, start in enumerate(spans[:, 0]):
        clean = arrays["samples"][starts[i] : starts[i + 1]].astype(np.float64)
        # the clean word, placed at the span, explains the clip better than one sample
        # earlier or later (the noise is 10-40 dB below the word)
        clip = sounds.waveforms[i, :, 0].astype(np.float64)
        scores = np.correlate(clip, clean, mode="valid")
        assert int(scores.argmax()) == start
    assert not np.array_equal(spans, vz.data.word_spans(seed=6, declaration=cached))
    with pytest.raises(ValueError, match="seed"):
        vz.data.word_spans(seed=-1, declaration=cached)


@needs_espeak
def test_the_same_seed_gives_the_same_arrays_and_another_seed_other_ones(cached):
    first = vz.data.load_spoken_digits(seed=3, declaration=cached)
    again = vz.data.load_spoken_digits(seed=3, declaration=cached)
    other = vz.data.load_spoken_digits(seed=4, declaration=cached)
    np.testing.assert_array_equal(first.waveforms, again.waveforms)
    assert not np.array_equal(first.waveforms, other.waveforms)
    np.testing.assert_array_equal(first.labels, other.labels)


@needs_espeak
def test_recordings_made_again_from_nothing_are_identical(small, tmp_path, monkeypatch):
    path, _ = small
    monkeypatch.setenv("VIZCNN_CACHE", str(tmp_path))
    fresh, fresh_record = clean_recordings(path)
    monkeypatch.setenv("VIZCNN_CACHE", str(small[1]))
    kept, kept_record = clean_recordings(path)
    for name in ("lengths", "samples"):
        np.testing.assert_array_equal(fresh[name], kept[name])
    assert fresh_record["content_sha256"] == kept_record["content_sha256"]


@needs_espeak
def test_every_word_was_cut_from_one_call_and_fits_its_window(cached):
    arrays, record = clean_recordings(cached)
    assert record["calls_cut_into_words"] == 6 and record["calls_said_word_by_word"] == 0
    assert (arrays["lengths"] > 0.1 * 8000).all() and (arrays["lengths"] <= 8000).all()


def test_each_word_is_shifted_and_noised_at_the_declared_ratio():
    from vizcnn.course.spoken_digits import _windows

    word = np.round(16000 * np.sin(np.arange(4000) * 0.3)).astype(np.int16)
    arrays = {"lengths": np.full(200, 4000), "samples": np.tile(word, 200)}
    clips = _windows(arrays, {"window": 8000, "snr_db": (20.0, 20.0)}, seed=0)[..., 0]
    clean = word / 32767.0
    offsets, noise_power = [], []
    for clip in clips[:40]:
        # the offset: where the clean word explains the most of the clip
        scores = np.correlate(clip.astype(np.float64), clean, mode="valid")
        offset = int(scores.argmax())
        residual = clip.astype(np.float64).copy()
        residual[offset : offset + 4000] -= clean
        offsets.append(offset)
        noise_power.append(np.mean(residual**2))
    # 20 dB below the word's power; 8,000 samples estimate a power within ~2 %
    expected = np.mean(clean**2) / 100
    np.testing.assert_allclose(noise_power, expected, rtol=0.1)
    assert min(offsets) < 400 and max(offsets) > 3600  # anywhere in the window
    assert len(set(offsets)) > 30


# -- the cache ----------------------------------------------------------------------------


@needs_espeak
def test_the_record_holds_the_checksums_and_espeak_ngs_version(small):
    data_path, record_path = _files(small[1])
    record = json.loads(record_path.read_text(encoding="utf-8"))
    data = data_path.read_bytes()
    assert record["sha256"] == hashlib.sha256(data).hexdigest()
    assert record["bytes"] == len(data) and record["clips"] == 60
    assert record["espeak_ng"] == espeak.espeak_version(ESPEAK)
    with np.load(data_path) as stored:
        content = (
            stored["lengths"].astype("<i4").tobytes() + stored["samples"].astype("<i2").tobytes()
        )
    assert record["content_sha256"] == hashlib.sha256(content).hexdigest()


def _copy_cache(small, tmp_path, monkeypatch):
    shutil.copytree(small[1], tmp_path / "cache")
    monkeypatch.setenv("VIZCNN_CACHE", str(tmp_path / "cache"))
    return _files(tmp_path / "cache")


@needs_espeak
@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "missing"])
def test_a_damaged_file_is_named_never_used_and_made_again(small, tmp_path, monkeypatch, damage):
    data_path, record_path = _copy_cache(small, tmp_path, monkeypatch)
    intact, raw = clean_recordings(small[0])[0], bytearray(data_path.read_bytes())
    if damage == "flipped byte":
        raw[len(raw) // 2] ^= 0xFF
        data_path.write_bytes(bytes(raw))
    elif damage == "truncated":
        data_path.write_bytes(bytes(raw[:-100]))
    else:
        data_path.unlink()
    # never read: the checksum fails first (the remade arrays come from espeak-ng)
    monkeypatch.setattr(np, "load", lambda *a, **k: pytest.fail("read before its checksum"))
    with pytest.warns(DamagedCacheWarning, match=re.escape(str(data_path))):
        clean_recordings(small[0])
    monkeypatch.undo()
    monkeypatch.setenv("VIZCNN_CACHE", str(tmp_path / "cache"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # remade: intact now
        again, _ = clean_recordings(small[0])
    np.testing.assert_array_equal(again["samples"], intact["samples"])


@needs_espeak
def test_a_damaged_record_is_named_and_made_again(small, tmp_path, monkeypatch):
    _, record_path = _copy_cache(small, tmp_path, monkeypatch)
    record_path.write_text("{not json", encoding="utf-8")
    with pytest.warns(DamagedCacheWarning, match=re.escape(str(record_path))):
        clean_recordings(small[0])
    assert json.loads(record_path.read_text(encoding="utf-8"))["clips"] == 60


@needs_espeak
def test_another_espeak_ng_version_makes_the_recordings_again(small, tmp_path, monkeypatch):
    _, record_path = _copy_cache(small, tmp_path, monkeypatch)
    made = []
    generate = spoken_digits_recordings._generate
    monkeypatch.setattr(
        spoken_digits_recordings, "_generate", lambda *a: made.append(1) or generate(*a)
    )
    clean_recordings(small[0])
    assert made == []  # the same version: the cache
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record_path.write_text(json.dumps({**record, "espeak_ng": "1.49"}), encoding="utf-8")
    _, remade = clean_recordings(small[0])
    assert made == [1] and remade["espeak_ng"] == espeak.espeak_version(ESPEAK)


# -- espeak-ng missing, or cutting that fails ------------------------------------------------


def test_without_espeak_ng_the_error_says_how_to_install_it(tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("VIZCNN_CACHE", str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError) as caught:
        vz.data.load_spoken_digits(declaration=_write(tmp_path))
    for advice in ("sudo apt install espeak-ng", "brew install espeak-ng", "Windows", ".msi"):
        assert advice in str(caught.value)


@needs_espeak
def test_without_espeak_ng_an_intact_cache_is_still_used(small, tmp_path, monkeypatch):
    _copy_cache(small, tmp_path, monkeypatch)
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    sounds = vz.data.load_spoken_digits(declaration=small[0])
    assert len(sounds) == 60 and sounds.espeak_ng == espeak.espeak_version(ESPEAK)


def test_cutting_at_gaps_keeps_short_pauses_inside_a_word():
    rate, burst = 8000, np.full(800, 1000, dtype=np.int16)
    short, long = np.zeros(800, np.int16), np.zeros(int(0.3 * rate), np.int16)  # 0.1 s, 0.3 s
    samples = np.concatenate([long, burst, short, burst, long, burst, long])
    pieces = espeak.cut_at_gaps(samples, rate)
    assert [len(p) for p in pieces] == [2400, 800]


@needs_espeak
def test_a_call_that_does_not_cut_into_ten_words_is_said_word_by_word(monkeypatch):
    monkeypatch.setattr(espeak, "GAP_SECONDS", 100.0)  # no gap is long enough: one piece
    pieces, rate, one_call = espeak.say_words(ESPEAK, ENGLISH, voice="en-us", speed=160, pitch=50)
    assert not one_call and len(pieces) == 10 and rate == 22050
    monkeypatch.undo()
    cut, _, one_call = espeak.say_words(ESPEAK, ENGLISH, voice="en-us", speed=160, pitch=50)
    assert one_call
    np.testing.assert_array_equal(pieces[0], cut[0])  # the first word starts alike
