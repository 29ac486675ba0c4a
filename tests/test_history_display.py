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
    # Keras knows its steps per epoch: 16 images in one batch
    display = vz.HistoryDisplay.from_histories({"tiny": history}, metrics="loss", x="steps")
    np.testing.assert_array_equal(display.lines_["tiny", "loss"].get_xdata(), [1, 2])


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


def test_a_run_without_epochs_is_refused():
    with pytest.raises(ValueError, match=r"histories\['CNN'\]\['loss'\] is empty: the run has no"):
        vz.HistoryDisplay.from_histories({"CNN": {"loss": [], "accuracy": []}})
    assert not plt.get_fignums()  # refused before a figure was made


@pytest.mark.parametrize("values", [["0.5", "0.4"], ["0.5", "x"], [0.5, None], "0.5"])
def test_values_that_are_not_numbers_are_refused(values):
    with pytest.raises(TypeError, match=r"histories\['CNN'\]\['loss'\] must be a list of numbers"):
        vz.HistoryDisplay.from_histories({"CNN": {"loss": values}})
    with pytest.raises(ValueError, match="one Axes per metric"):
        _, ax = plt.subplots(1, 3)
        vz.HistoryDisplay.from_histories({"CNN": CNN}, ax=ax)


def result(epoch_seconds, *, images=None, train_size=100):
    """A TrainingResult of ``len(epoch_seconds)`` epochs (the last partial if ``images``
    says so)."""
    from vizcnn.course.training import TrainingResult

    n = len(epoch_seconds)
    return TrainingResult(
        history={key: values[:n] for key, values in CNN.items()},
        epoch_seconds=list(epoch_seconds),
        seconds=float(sum(epoch_seconds)),
        images=n * train_size if images is None else images,
        train_size=train_size,
        quick=True,
    )


def test_epoch_axis_by_default():
    display = vz.HistoryDisplay.from_histories({"CNN": CNN})
    assert display.x_ == "epoch"
    assert [ax.get_xlabel() for ax in display.axes_] == ["epoch", "epoch"]


def test_minutes_from_training_result():
    seconds = [90.0, 30.0, 60.0]
    display = vz.HistoryDisplay.from_histories({"CNN": result(seconds)}, x="minutes")
    assert display.x_ == "minutes"
    expected = np.cumsum(seconds) / 60
    for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
        np.testing.assert_allclose(display.lines_["CNN", key].get_xdata(), expected)
    np.testing.assert_array_equal(display.lines_["CNN", "loss"].get_ydata(), CNN["loss"])
    assert [ax.get_xlabel() for ax in display.axes_] == ["minutes of training"] * 2


def test_minutes_with_partial_last_epoch():
    # a time budget stopped the run 40% into its third epoch: the timings place it
    run = result([60.0, 60.0, 24.0], images=240)
    display = vz.HistoryDisplay.from_histories({"CNN": run}, x="minutes")
    np.testing.assert_allclose(display.lines_["CNN", "val_loss"].get_xdata(), [1, 2, 2.4])


def test_minutes_from_dict_timings():
    history = {**CNN, "epoch_seconds": [30, 30, 60]}
    display = vz.HistoryDisplay.from_histories(
        {"CNN": history, "ResNet": {**RESNET, "epoch_seconds": [120, 60]}}, x="minutes"
    )
    np.testing.assert_allclose(display.lines_["CNN", "val_accuracy"].get_xdata(), [0.5, 1, 2])
    np.testing.assert_allclose(display.lines_["ResNet", "loss"].get_xdata(), [2, 3])
    # the timings are no metric: not drawn, kept apart, and epochs still work
    assert all(key != "epoch_seconds" for _, key in display.lines_)
    assert "epoch_seconds" not in display.histories["CNN"]
    np.testing.assert_array_equal(display.timings["CNN"], [30, 30, 60])
    display = vz.HistoryDisplay.from_histories({"CNN": history})
    np.testing.assert_array_equal(display.lines_["CNN", "loss"].get_xdata(), [1, 2, 3])
    assert len(display.lines_) == 4


def test_run_keys_are_not_listed_as_metrics():
    history = {**CNN, "epoch_seconds": [1, 1, 1], "steps_per_epoch": 5}
    with pytest.raises(ValueError, match="available") as info:
        vz.HistoryDisplay.from_histories({"CNN": history}, metrics="auc")
    assert "epoch_seconds" not in str(info.value)
    assert "steps_per_epoch" not in str(info.value)
    with pytest.raises(ValueError, match="no metrics"):
        vz.HistoryDisplay.from_histories({"CNN": {"epoch_seconds": [1.0]}})


def test_steps_from_an_int_for_every_run():
    display = vz.HistoryDisplay.from_histories(
        {"CNN": CNN, "ResNet": RESNET}, x="steps", steps_per_epoch=50
    )
    assert display.x_ == "steps"
    np.testing.assert_array_equal(display.lines_["CNN", "val_loss"].get_xdata(), [50, 100, 150])
    np.testing.assert_array_equal(display.lines_["ResNet", "loss"].get_xdata(), [50, 100])
    assert [ax.get_xlabel() for ax in display.axes_] == ["optimizer steps"] * 2


def test_steps_from_a_dict_and_from_the_history():
    display = vz.HistoryDisplay.from_histories(
        {"CNN": CNN, "ResNet": {**RESNET, "steps_per_epoch": 7}},
        x="steps",
        steps_per_epoch={"CNN": 10},
    )
    np.testing.assert_array_equal(display.lines_["CNN", "loss"].get_xdata(), [10, 20, 30])
    np.testing.assert_array_equal(display.lines_["ResNet", "accuracy"].get_xdata(), [7, 14])
    assert all(key != "steps_per_epoch" for _, key in display.lines_)
    # the argument wins over the history's key
    display = vz.HistoryDisplay.from_histories(
        {"ResNet": {**RESNET, "steps_per_epoch": 7}}, x="steps", steps_per_epoch={"ResNet": 3}
    )
    np.testing.assert_array_equal(display.lines_["ResNet", "loss"].get_xdata(), [3, 6])


def test_steps_with_partial_last_epoch():
    # 100 images in batches of 32: 4 steps an epoch; the budget stopped after 2 steps (64
    # images) of the third epoch
    run = result([1.0, 1.0, 0.5], images=200 + 64)
    display = vz.HistoryDisplay.from_histories({"CNN": run}, x="steps", steps_per_epoch=4)
    np.testing.assert_array_equal(display.lines_["CNN", "loss"].get_xdata(), [4, 8, 10])


def test_given_axes_with_minutes():
    fig, ax = plt.subplots(1, 1)
    display = vz.HistoryDisplay.from_histories(
        {"CNN": result([60.0, 60.0, 60.0])}, ax=ax, metrics="loss", x="minutes"
    )
    assert display.axes_[0] is ax
    assert ax.get_xlabel() == "minutes of training"
    np.testing.assert_allclose(display.lines_["CNN", "loss"].get_xdata(), [1, 2, 3])


def test_bad_x():
    with pytest.raises(ValueError, match="x must be one of 'epoch', 'minutes', 'steps'"):
        vz.HistoryDisplay.from_histories({"CNN": CNN}, x="seconds")
    with pytest.raises(TypeError, match="x must be one of"):
        vz.HistoryDisplay.from_histories({"CNN": CNN}, x=1)
    with pytest.raises(TypeError, match="x must be one of"):
        vz.HistoryDisplay.from_histories({"CNN": CNN}, x=None)
    display = vz.HistoryDisplay.from_histories({"CNN": CNN})
    with pytest.raises(ValueError, match="x must be one of"):
        display.plot(x="epochs")


def test_missing_timings_name_the_run():
    runs = {"CNN": result([1.0, 1.0, 1.0]), "ResNet": RESNET}
    before = plt.get_fignums()
    with pytest.raises(ValueError, match=r"x='minutes'.*'ResNet'.*epoch_seconds"):
        vz.HistoryDisplay.from_histories(runs, x="minutes")
    assert plt.get_fignums() == before  # no half-drawn figure left behind
    with pytest.raises(ValueError, match=r"'CNN' has 3 epochs but 2 epoch_seconds"):
        vz.HistoryDisplay.from_histories({"CNN": {**CNN, "epoch_seconds": [1, 1]}}, x="minutes")


def test_missing_steps_name_the_run():
    with pytest.raises(ValueError, match=r"x='steps'.*'ResNet'.*steps_per_epoch"):
        vz.HistoryDisplay.from_histories(
            {"CNN": CNN, "ResNet": RESNET}, x="steps", steps_per_epoch={"CNN": 10}
        )
    with pytest.raises(ValueError, match=r"x='steps'.*'CNN'"):
        vz.HistoryDisplay.from_histories({"CNN": result([1.0, 1.0, 1.0])}, x="steps")


def test_bad_run_facts():
    with pytest.raises(ValueError, match=r"steps_per_epoch names unknown runs \['VGG'\]"):
        vz.HistoryDisplay.from_histories({"CNN": CNN}, steps_per_epoch={"VGG": 3})
    with pytest.raises(TypeError, match="steps_per_epoch must be an int"):
        vz.HistoryDisplay.from_histories({"CNN": CNN}, steps_per_epoch=2.5)
    with pytest.raises(TypeError, match="steps_per_epoch must be an int"):
        vz.HistoryDisplay.from_histories({"CNN": CNN}, steps_per_epoch=True)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        vz.HistoryDisplay.from_histories({"CNN": CNN}, steps_per_epoch=0)
    with pytest.raises(ValueError, match=r"steps_per_epoch\['CNN'\]"):
        vz.HistoryDisplay.from_histories({"CNN": CNN}, steps_per_epoch={"CNN": -1})
    with pytest.raises(TypeError, match=r"histories\['CNN'\]\['steps_per_epoch'\]"):
        vz.HistoryDisplay.from_histories({"CNN": {**CNN, "steps_per_epoch": "5"}})
    with pytest.raises(ValueError, match=r"epoch_seconds.*non-negative"):
        vz.HistoryDisplay.from_histories({"CNN": {**CNN, "epoch_seconds": [1, -1, 1]}})
    with pytest.raises(ValueError, match=r"epoch_seconds.*1-D"):
        vz.HistoryDisplay.from_histories({"CNN": {**CNN, "epoch_seconds": [[1, 1, 1]]}})
    # numpy integers are ints
    display = vz.HistoryDisplay.from_histories({"CNN": CNN}, x="steps", steps_per_epoch=np.int64(2))
    np.testing.assert_array_equal(display.lines_["CNN", "loss"].get_xdata(), [2, 4, 6])
