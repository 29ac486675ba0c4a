"""vizcnn.signal: spectrograms checked on pure sines computed by hand, resampling, trimming."""

import numpy as np
import pytest
from numeric import elementwise, reordered_sum

from vizcnn import signal

RATE, LENGTH = 8000, 256


def sine(hz, *, amplitude=0.5, seconds=1.0, rate=RATE):
    return amplitude * np.sin(2 * np.pi * hz * np.arange(round(seconds * rate)) / rate)


def test_a_sine_on_a_bin_peaks_there_with_the_hand_computed_magnitude():
    # bin 32 of a 256-sample frame at 8 kHz is 32 * 8000 / 256 = 1000 Hz; a periodic Hann
    # window sums to L / 2, and a sine of amplitude A puts A / 2 in its bin: |X| = A L / 4
    S = signal.spectrogram(sine(1000), sample_rate=RATE, log=False)
    assert S.shape == (1 + (8000 - 256) // 128, 129)
    assert (S.argmax(axis=1) == 32).all()
    np.testing.assert_allclose(S[:, 32], 0.5 * 256 / 4, **reordered_sum(256, magnitude=64))


def test_a_sine_between_bins_peaks_in_the_nearest():
    S = signal.spectrogram(sine(1190), sample_rate=RATE)  # 1190 / 31.25 = 38.08
    assert (S.argmax(axis=1) == 38).all()


def test_a_sine_at_a_mel_bands_centre_peaks_in_that_band():
    # HTK mel, by hand: 40 bands, centres evenly spaced in mel from 0 to 4000 Hz
    top = 2595 * np.log10(1 + 4000 / 700)
    centres = 700 * (10 ** (np.linspace(0, top, 42)[1:-1] / 2595) - 1)
    _, frequencies = signal.spectrogram_axes(8000, sample_rate=RATE, mel_bins=40)
    np.testing.assert_allclose(frequencies, centres, **elementwise("float64"))
    for band in (10, 25, 39):
        S = signal.spectrogram(sine(centres[band]), sample_rate=RATE, mel_bins=40)
        assert S.shape == (61, 40)
        assert (S.argmax(axis=1) == band).all()


def test_shapes_follow_the_input_and_a_batch_equals_its_clips():
    rng = np.random.default_rng(0)
    batch = rng.uniform(-1, 1, size=(300, 1000, 1)).astype(np.float32)  # past one chunk
    S = signal.spectrogram(batch, sample_rate=RATE, mel_bins=20)
    assert S.shape == (300, 6, 20, 1) and S.dtype == np.float32
    for i in (0, 299):
        one = signal.spectrogram(batch[i], sample_rate=RATE, mel_bins=20)
        assert one.shape == (6, 20, 1)
        np.testing.assert_allclose(S[i], one, **elementwise())
        flat = signal.spectrogram(batch[i, :, 0], sample_rate=RATE, mel_bins=20)
        np.testing.assert_array_equal(flat, one[..., 0])


def test_axes_name_each_row_and_column():
    times, frequencies = signal.spectrogram_axes(8000, sample_rate=RATE)
    assert len(times) == 61 and len(frequencies) == 129
    assert times[0] == 128 / 8000 and times[1] - times[0] == 128 / 8000  # frame centres
    assert frequencies[32] == 1000 and frequencies[-1] == 4000


def test_silence_is_the_log_floor():
    S = signal.spectrogram(np.zeros(512), sample_rate=RATE)
    np.testing.assert_allclose(S, np.log(np.float32(1e-6)), **elementwise())


@pytest.mark.parametrize(
    ("x", "options", "error", "words"),
    [
        (np.zeros(100), {}, ValueError, "fewer than one frame"),
        (np.zeros((800, 2)), {}, ValueError, "one channel"),
        (np.zeros((2, 800, 1, 1)), {}, ValueError, r"\(T,\), \(T, 1\) or \(N, T, 1\)"),
        ("sound", {}, TypeError, "numeric"),
        (np.full(800, np.nan), {}, ValueError, "NaN"),
        (np.zeros(800), {"frame_length": 25.6}, TypeError, "frame_length"),
        (np.zeros(800), {"mel_bins": 100}, ValueError, "mel_bins <= 86"),
        (np.zeros(800), {"log": 1}, TypeError, "log"),
    ],
)
def test_bad_input_is_named(x, options, error, words):
    with pytest.raises(error, match=words):
        signal.spectrogram(x, sample_rate=RATE, **options)


def test_resampling_keeps_a_tones_frequency_and_is_scipys_filter():
    from scipy.signal import resample_poly

    tone = sine(440, rate=22050)
    out = signal.resample(tone, rate_in=22050, rate_out=8000)
    assert len(out) == 8000
    spectrum = np.abs(np.fft.rfft(out))
    assert spectrum.argmax() == 440  # 1 Hz per bin over one second
    np.testing.assert_array_equal(out, resample_poly(tone, 160, 441))


def test_trimming_keeps_the_loud_frames_only():
    x = np.concatenate([np.zeros(800), sine(500, seconds=0.1), np.full(400, 1e-4), np.zeros(800)])
    trimmed = signal.trim_silence(x, sample_rate=RATE)  # 1e-4 is -71 dB below 0.5: silence
    assert len(trimmed) == 800 and np.shares_memory(trimmed, x)
    np.testing.assert_array_equal(trimmed, x[800:1600])
    assert len(signal.trim_silence(np.zeros(50), sample_rate=RATE)) == 50
