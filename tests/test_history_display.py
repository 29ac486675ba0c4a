"""HistoryDisplay: curves drawn from Keras histories and plain dicts."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import vizcnn as vz

CNN = {
    "loss": [1.2, 0.8, 0.6],
    "accuracy": [0.6, 0.7, 0.8],
    "val_loss": [1.0, 0.9, 0.7],
    "val_accuracy": [0.65, 0.72, 0.79],
}
RESNET = {"loss": [0.9, 0.5], "accuracy": [0.7, 0.85]}


def test_draws_every_run_and_metric():
    display = vz.HistoryDisplay.from_histories({"CNN": CNN, "ResNet": RESNET})
    assert display.axes_.shape == (2,)
    assert [ax.get_title() for ax in display.axes_] == ["loss", "accuracy"]
    line = display.lines_["CNN", "val_accuracy"]
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(line.get_ydata(), CNN["val_accuracy"])
    assert line.get_linestyle() == "--"
    assert display.lines_["ResNet", "loss"].get_linestyle() == "-"
    assert ("ResNet", "val_loss") not in display.lines_  # nothing invented
    # one colour per run, shared by its train and validation curves
    assert display.lines_["CNN", "loss"].get_color() == line.get_color()
    assert display.lines_["ResNet", "loss"].get_color() != line.get_color()
    labels = [t.get_text() for t in display.axes_[1].get_legend().get_texts()]
    assert labels == ["CNN train", "CNN validation", "ResNet train"]


def test_accepts_keras_history(keras):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).random((16, 3), dtype=np.float32)
    y = (x[:, 0] > 0.5).astype("int32")
    history = model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y))
    display = vz.HistoryDisplay.from_histories({"tiny": history}, metrics="accuracy")
    np.testing.assert_allclose(
        display.lines_["tiny", "val_accuracy"].get_ydata(), history.history["val_accuracy"]
    )


def test_given_axes_and_title():
    fig, axes = plt.subplots(1, 1)
    display = vz.HistoryDisplay.from_histories({"CNN": CNN}, ax=axes, metrics=["loss"], title="T")
    assert display.figure_ is fig
    assert display.axes_[0] is axes
    assert fig._suptitle.get_text() == "T"


def test_bad_input():
    with pytest.raises(TypeError, match="histories"):
        vz.HistoryDisplay.from_histories([CNN])
    with pytest.raises(ValueError, match="histories is empty"):
        vz.HistoryDisplay.from_histories({})
    with pytest.raises(TypeError, match=r"histories\['CNN'\]"):
        vz.HistoryDisplay.from_histories({"CNN": [0.1, 0.2]})
    with pytest.raises(ValueError, match=r"1-D"):
        vz.HistoryDisplay.from_histories({"CNN": {"loss": [[1, 2]]}})
    with pytest.raises(ValueError, match="available: .*accuracy"):
        vz.HistoryDisplay.from_histories({"CNN": CNN}, metrics=["auc"])
    with pytest.raises(ValueError, match="one Axes per metric"):
        _, ax = plt.subplots(1, 3)
        vz.HistoryDisplay.from_histories({"CNN": CNN}, ax=ax)
