"""A learner's own recording: WAV files written by espeak-ng and by Python's wave module,
made into a clip like the data set's; every bad file or array named."""

import shutil
import subprocess
import wave

import numpy as np
import pytest

import vizcnn as vz
from vizcnn.course.wav import read_wav

ESPEAK = shutil.which("espeak-ng")


def write_wav(path, samples, *, rate=16000, width=2, channels=1):
    """``samples`` (frames, channels) in [-1, 1] as integer PCM, by the wave module."""
    samples = np.asarray(samples, dtype=np.float64).reshape(len(samples), channels)
    if width == 1:
        data = np.round(samples * 127 + 128).astype(np.uint8).tobytes()
    else:
        full = np.round(samples * (2 ** (8 * width - 1) - 1)).astype("<i4")
        data = full.view(np.uint8).reshape(-1, 4)[:, :width].tobytes()  # low bytes, LE
    with wave.open(str(path), "wb") as stream:
        stream.setnchannels(channels)
        stream.setsampwidth(width)
        stream.setframerate(rate)
        stream.writeframes(data)
    return path


def tone(hz=440, *, seconds=0.5, rate=16000, amplitude=0.5):
    return amplitude * np.sin(2 * np.pi * hz * np.arange(round(seconds * rate)) / rate)


@pytest.mark.skipif(ESPEAK is None, reason="needs espeak-ng (apt install espeak-ng)")
def test_a_word_written_by_espeak_ng_becomes_a_centred_one_second_clip(tmp_path):
    path = tmp_path / "seven.wav"
    subprocess.run([ESPEAK, "-v", "en-us", "-w", str(path), "seven"], check=True)
    clip = vz.data.load_wav(path)
    assert clip.shape == (8000, 1) and clip.dtype == np.float32
    sound = np.flatnonzero(clip[:, 0])
    assert 0.3 * 8000 < len(sound) < 8000
    # in the middle of the window; silence is trimmed by whole 10 ms frames (80 samples)
    assert abs((sound[0] + sound[-1]) / 2 - 4000) <= 80


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_every_pcm_width_reads_the_same_tone(tmp_path, width):
    path = write_wav(tmp_path / f"{width}.wav", tone(), width=width)
    samples, rate = read_wav(path)
    assert rate == 16000 and len(samples) == 8000
    # one rounding to the file's width: half a step of 2**(8 width - 1)
    np.testing.assert_allclose(samples, tone(), rtol=0, atol=1.01 / 2 ** (8 * width - 1))


def test_a_tone_keeps_its_pitch_and_length_at_the_data_sets_rate(tmp_path):
    clip = vz.data.load_wav(
        write_wav(tmp_path / "a.wav", tone(440, seconds=0.5, rate=44100), rate=44100)
    )
    sound = clip[np.flatnonzero(clip[:, 0])[0] : np.flatnonzero(clip[:, 0])[-1] + 1, 0]
    assert abs(len(sound) - 4000) <= 80  # 0.5 s at 8 kHz, within one 10 ms frame
    spectrum = np.abs(np.fft.rfft(sound, n=8000))  # 1 Hz per bin
    assert abs(int(spectrum.argmax()) - 440) <= 1


def test_a_stereo_file_is_averaged_to_mono(tmp_path):
    left = tone(440)
    both = write_wav(tmp_path / "s.wav", np.stack([left, left], 1), channels=2)
    one_side = write_wav(tmp_path / "l.wav", np.stack([left, 0 * left], 1), channels=2)
    mono = write_wav(tmp_path / "m.wav", left)
    np.testing.assert_array_equal(read_wav(both)[0], read_wav(mono)[0])
    np.testing.assert_allclose(read_wav(one_side)[0], read_wav(mono)[0] / 2, rtol=0, atol=2**-16)


def test_a_recording_longer_than_the_window_keeps_its_middle():
    x = np.concatenate([tone(300, seconds=1, rate=8000), tone(600, seconds=1, rate=8000)])
    clip = vz.data.prepare_clip(x, sample_rate=8000)
    np.testing.assert_array_equal(clip[:, 0], x[4000:12000].astype(np.float32))


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"hello, this is not a sound", "not a WAV file"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "not a WAV file"),  # cut inside its header
    ],
)
def test_a_file_that_is_no_wav_is_named(tmp_path, content, words):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=words) as caught:
        vz.data.load_wav(path)
    assert str(path) in str(caught.value)


def test_a_wav_without_samples_is_named(tmp_path):
    path = write_wav(tmp_path / "none.wav", np.zeros(0))
    with pytest.raises(ValueError, match="holds no samples"):
        vz.data.load_wav(path)


def test_a_float_wav_says_how_to_convert_it(tmp_path):
    path = tmp_path / "float.wav"
    data = np.zeros(100, dtype="<f4").tobytes()
    fmt = (16).to_bytes(4, "little") + (3).to_bytes(2, "little") + (1).to_bytes(2, "little")
    fmt += (8000).to_bytes(4, "little") + (32000).to_bytes(4, "little")
    fmt += (4).to_bytes(2, "little") + (32).to_bytes(2, "little")
    body = b"WAVE" + b"fmt " + fmt + b"data" + len(data).to_bytes(4, "little") + data
    path.write_bytes(b"RIFF" + len(body).to_bytes(4, "little") + body)
    with pytest.raises(ValueError, match="16-bit PCM"):
        vz.data.load_wav(path)


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        vz.data.load_wav(tmp_path / "nothing.wav")


@pytest.mark.parametrize(
    ("samples", "rate", "error", "words"),
    [
        (np.zeros((2, 800, 1)), 8000, ValueError, r"samples must be one mono recording"),
        (np.zeros((800, 2)), 8000, ValueError, "average the channels"),
        (np.zeros(800, dtype=np.int16), 8000, ValueError, "floating point.*32768"),
        (np.full(800, 2.0), 8000, ValueError, r"\[-1, 1\]"),
        (np.zeros(0), 8000, ValueError, "empty"),
        (np.full(800, np.nan), 8000, ValueError, "NaN"),
        (["a", "b"], 8000, TypeError, "samples must be a numeric array"),
        (np.zeros(800), 0, ValueError, "sample_rate"),
        (np.zeros(800), 8000.0, TypeError, "sample_rate"),
        (np.zeros(800), 10**7, ValueError, "sample_rate"),
    ],
)
def test_bad_samples_are_named(samples, rate, error, words):
    with pytest.raises(error, match=words):
        vz.data.prepare_clip(samples, sample_rate=rate)
