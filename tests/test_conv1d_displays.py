"""The 1-D displays: feature maps as a time × channel heat map under the waveform, filters
as short waveforms over their frequency responses, Grad-CAM as a band behind each sound."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from numeric import elementwise
from sound_networks import small_sound_network

import vizcnn as vz
from vizcnn import language
from vizcnn.display.waveform_filters import frequency_responses

RATE = 8000


@pytest.fixture
def sound(keras):
    return small_sound_network(
        keras, length=200, first=(6, 9), strides=2, second=4, classes=3, seed=0
    )


@pytest.fixture
def tones():
    t = np.arange(200) / RATE
    bursts = [
        np.sin(2 * np.pi * f * t) * np.exp(-(((t - 0.012) / 0.004) ** 2)) for f in (300, 1200)
    ]
    return np.stack(bursts)[..., None].astype("float32")


def test_frequency_responses_equal_the_analytic_ones():
    # [1, -1]: |H(f)| = |1 - exp(-2 pi i f)| = 2 |sin(pi f)|; [1, 1]: 2 |cos(pi f)|
    kernels = np.array([[1.0, 1.0], [-1.0, 1.0]])[:, None, :]
    freqs, mags = frequency_responses(kernels, n_fft=16)
    np.testing.assert_allclose(freqs, np.arange(9) / 16, **elementwise("float64"))
    np.testing.assert_allclose(mags[:, 0, 0], 2 * np.abs(np.sin(np.pi * freqs)), atol=1e-12)
    np.testing.assert_allclose(mags[:, 0, 1], 2 * np.abs(np.cos(np.pi * freqs)), atol=1e-12)
    hz, _ = frequency_responses(kernels, n_fft=16, sample_rate=RATE)
    assert hz[-1] == RATE / 2  # the Nyquist frequency
    # a cosine of 1/8 cycle per sample passes 1/8 best
    cosine = np.cos(2 * np.pi * np.arange(32) / 8)[:, None, None]
    freqs, mags = frequency_responses(cosine)
    assert freqs[np.argmax(mags[:, 0, 0])] == 1 / 8
    with pytest.raises(ValueError, match="n_fft must be"):
        frequency_responses(cosine, n_fft=16)


def test_feature_maps_are_drawn_under_the_waveform_on_one_time_axis(sound, tones):
    display = vz.WaveformFeatureMapDisplay.from_model(
        sound, tones, layer="c1", index=1, sample_rate=RATE
    )
    maps = vz.feature_maps(sound, tones[1:], "c1")[0]
    np.testing.assert_array_equal(display.image_.get_array(), maps.T)
    top, bottom = display.axes_
    np.testing.assert_array_equal(display.lines_[0].get_ydata(), tones[1, :, 0])
    # both axes span the 200 samples, 25 ms
    assert top.get_xlim() == bottom.get_xlim() == (-0.5 / RATE, 199.5 / RATE)
    assert display.image_.get_extent()[:2] == [-0.5 / RATE, 199.5 / RATE]
    assert bottom.get_xlabel() == "time (s)" and "c1" in top.get_title()
    assert display.colorbar_ is not None


def test_maps_display_draws_into_given_axes_and_checks_them(sound, tones):
    figure, axes = plt.subplots(2, 1)
    maps = vz.feature_maps(sound, tones, "pool")[0]
    display = vz.WaveformFeatureMapDisplay(tones[0], maps).plot(ax=axes, colorbar=False)
    assert display.figure_ is figure and list(display.axes_) == list(axes)
    assert axes[1].get_xlabel() == "time (samples)"
    with pytest.raises(ValueError, match="ax must hold at least 2 Axes"):
        vz.WaveformFeatureMapDisplay(tones[0], maps).plot(ax=axes[:1])
    with pytest.raises(ValueError, match=r"draws 1-D models .* vz.FeatureMapDisplay"):
        vz.WaveformFeatureMapDisplay.from_model(_image_model(), np.zeros((1, 8, 8, 1)), layer="c")


def _image_model():
    from vizcnn.backend import keras as _keras

    keras = _keras()
    return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="c")])


def test_filters_are_drawn_as_taps_over_their_responses(sound):
    display = vz.WaveformFilterDisplay.from_model(
        sound, layer="c1", sample_rate=RATE, filter_indices=[5, 0, 2], ncols=2
    )
    kernel = vz.filters(sound, "c1")
    np.testing.assert_array_equal(display.filter_indices_, [5, 0, 2])
    assert display.axes_.shape == (4, 2) and not display.axes_[3, 1].get_visible()
    taps = display.axes_[0, 0].lines[-1]
    np.testing.assert_array_equal(taps.get_ydata(), kernel[:, 0, 5])
    np.testing.assert_allclose(taps.get_xdata(), np.arange(9) * 1000 / RATE, **elementwise())
    _, mags = frequency_responses(kernel, sample_rate=RATE)
    np.testing.assert_array_equal(display.responses_, mags[:, 0, [5, 0, 2]])
    assert display.axes_[1, 0].get_xlabel() == "" and display.axes_[3, 0].get_xlabel()
    with pytest.raises(ValueError, match=r"2-D kernel .* vz.FilterDisplay"):
        vz.WaveformFilterDisplay.from_layer(_image_model().get_layer("c"))
    with pytest.raises(ValueError, match=r"input_channel must be"):
        vz.WaveformFilterDisplay(kernel, input_channel=1).plot()
    for bad in ([6], [1, 1], []):
        with pytest.raises(ValueError, match=r"filter_indices must be .* in 0..5"):
            vz.WaveformFilterDisplay(kernel).plot(filter_indices=bad)
    with pytest.raises(TypeError, match=r"filter_indices must be"):
        vz.WaveformFilterDisplay(kernel).plot(filter_indices=3)


def test_grad_cam_is_a_band_behind_each_sound(sound, tones):
    display = vz.WaveformGradCamDisplay.from_model(
        sound, tones, y_true=[0, 2], class_names=["a", "b", "c"], sample_rate=RATE
    )
    predicted = np.argmax(sound.predict(tones, verbose=0), axis=1)
    expected = vz.grad_cam(sound, tones, class_index=predicted)
    np.testing.assert_array_equal(display.heatmaps_, expected)
    assert len(display.overlays_) == len(display.lines_) == 2
    np.testing.assert_array_equal(display.overlays_[0].get_array()[0], expected[0])
    assert display.overlays_[1].get_extent()[:2] == [-0.5 / RATE, 199.5 / RATE]
    for i in range(2):
        wrong = predicted[i] != [0, 2][i]
        assert (display.titles_[i].get_color() == "tab:red") == wrong
    assert display.colorbar_.ax.get_ylabel() == "Grad-CAM (relative)"
    with pytest.raises(ValueError, match=r"heatmaps must be a batch of maps shaped \(N, t\)"):
        vz.WaveformGradCamDisplay(tones, expected[0], predicted=predicted).plot()
    with pytest.raises(ValueError, match=r"predicted must be labels shaped \(N,\)"):
        vz.WaveformGradCamDisplay(tones, expected, predicted=[0]).plot()


def test_the_1d_displays_speak_korean(sound, tones):
    before = language.get_language()
    try:
        language.set_language("ko")
        maps = vz.WaveformFeatureMapDisplay.from_model(sound, tones, layer="c1")
        assert maps.axes_[1].get_xlabel() == "시간 (샘플)"
        bank = vz.WaveformFilterDisplay.from_model(sound, layer="c1")
        assert bank.axes_[-1, 0].get_xlabel() == "주파수 (주기/샘플)"
    finally:
        language.set_language(before)
