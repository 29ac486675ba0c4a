"""The training recipe: schedule, augmentation, a tiny real fit, results saved as JSON."""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from vizcnn import models, recipes, training, training_data, training_schedule


def test_one_cycle_schedule():
    peak = 2e-3
    lrs = [training.one_cycle(p, peak=peak, warmup=0.1) for p in np.linspace(0, 1, 101)]
    assert lrs[0] == 0 and lrs[5] == pytest.approx(peak / 2) and lrs[10] == pytest.approx(peak)
    assert max(lrs) == pytest.approx(peak)
    assert lrs[-1] == pytest.approx(0, abs=1e-12)
    assert lrs[55] == pytest.approx(peak / 2)  # cosine half-way point of the decay
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:], strict=False))  # decays monotonically
    assert training.one_cycle(1.5, peak=peak, warmup=0.1) == pytest.approx(0, abs=1e-12)


def test_augment_batch_shifts_and_flips(keras):
    tf = training_tf()
    x = np.zeros((64, 6, 6, 1), "float32")
    x[:, 2, 3, 0] = 1.0  # one bright pixel, off-centre
    tf.random.set_seed(0)
    out = np.asarray(training.augment_batch(tf.constant(x), max_shift=1, flip=True))
    assert out.shape == x.shape
    assert np.all(out.sum(axis=(1, 2, 3)) == 1)  # a shift of 1 never loses this pixel
    rows, cols = np.nonzero(out[..., 0].reshape(64, -1) == 1)
    positions = {divmod(int(c), 6) for c in cols}
    # rows 1-3; columns 2-4 or, mirrored, 1-3
    assert {r for r, _ in positions} <= {1, 2, 3} and len({r for r, _ in positions}) == 3
    assert {c for _, c in positions} <= {1, 2, 3, 4} and len(positions) > 6
    plain = np.asarray(training.augment_batch(tf.constant(x), max_shift=0, flip=False))
    np.testing.assert_array_equal(plain, x)


def training_tf():
    import vizcnn as vz

    return vz.import_tensorflow()


def test_recipe_checks():
    with pytest.raises(ValueError, match="optimizer"):
        training.Recipe(optimizer="rmsprop")
    with pytest.raises(ValueError, match="epochs"):
        training.Recipe(epochs=0)
    with pytest.raises(ValueError, match="minutes"):
        training.Recipe(minutes=0)
    with pytest.raises(ValueError, match="label_smoothing"):
        training.Recipe(label_smoothing=1.0)
    assert training.BOOK_RECIPE.batch_size == 32 and training.BOOK_RECIPE.optimizer == "nadam"


def test_is_quick(monkeypatch):
    monkeypatch.setenv("VIZCNN_QUICK", "1")
    assert training.is_quick()
    monkeypatch.setenv("VIZCNN_QUICK", "0")
    assert not training.is_quick()
    monkeypatch.delenv("VIZCNN_QUICK")
    assert not training.is_quick()


@pytest.fixture
def separable():
    """Two classes of 28x28 images a tiny network learns in a few steps: bright top / bottom."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 256).astype("uint8")
    X = rng.integers(0, 60, (256, 28, 28)).astype("uint8")
    X[y == 0, :10] += 150
    X[y == 1, -10:] += 150
    return X, y


def _tiny(keras):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(4, 3, strides=2, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_train_learns_and_reports(keras, separable, smoothing, tmp_path):
    X, y = separable
    recipe = training.Recipe(
        epochs=3, batch_size=32, learning_rate=3e-2, label_smoothing=smoothing, flip=False
    )
    model = _tiny(keras)
    result = training.train(model, recipe, (X, y), (X[:64], y[:64]), quick=False, verbose=0)
    assert len(result.history["val_accuracy"]) == 3 == len(result.epoch_seconds)
    assert result.images == 3 * 256 and result.epochs == 3
    assert result.history["loss"][-1] < result.history["loss"][0]
    assert np.mean(training.predict_classes(model, X) == y) > 0.9
    assert model.optimizer.learning_rate.numpy() < 0.1 * recipe.learning_rate  # annealed
    result.to_json(tmp_path / "r.json")
    again = training.TrainingResult.from_json(tmp_path / "r.json")
    assert dataclasses.asdict(again) == dataclasses.asdict(result)


def test_compile_for_builds_the_optimizer_before_fit(keras):
    model = training.compile_for(_tiny(keras), training.Recipe())
    assert model.optimizer.built  # fit traces its step once, not twice
    assert len(model.optimizer.variables) > len(model.trainable_variables)  # slots exist


def test_prebuilt_optimizer_trains_to_the_same_weights(keras, separable):
    X, y = separable
    weights = []
    for prebuild in (False, True):
        model = _tiny(keras)
        model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
        if prebuild:
            training.prebuild_optimizer(model)
        model.fit(X[..., None] / 255, y, batch_size=64, epochs=2, shuffle=False, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_training_datasets_keep_autotuning_off(keras, separable):
    X, y = separable
    recipe = training.Recipe(batch_size=16, max_shift=1)
    valid = (X[:32], y[:32])
    train_ds, valid_ds = training_data.training_datasets(recipe, (X, y), valid, 2, seed=0)
    assert train_ds.options().autotune.enabled is False
    assert valid_ds.options().autotune.enabled is False


def test_quick_mode_uses_a_subset(keras, separable, monkeypatch):
    monkeypatch.setattr(training, "QUICK_TRAIN", 64)
    X, y = separable
    result = training.train(
        _tiny(keras), training.Recipe(epochs=5, batch_size=32), (X, y), quick=True, verbose=0
    )
    assert result.quick and result.train_size == 64
    assert len(result.history["loss"]) == training.QUICK_EPOCHS


def test_time_budget_stops_training(keras, separable, monkeypatch):
    # A fake clock that advances 0.1 s per reading: the budget is counted in readings, so
    # the test is exact on any machine (real timings belong in benchmarks/).
    ticks = iter(range(10**9))
    monkeypatch.setattr(training.time, "perf_counter", lambda: 0.1 * next(ticks))
    X, y = separable
    recipe = training.Recipe(epochs=1000, minutes=0.05, batch_size=32)  # 3 s = 30 readings
    result = training.train(_tiny(keras), recipe, (X, y), (X[:64], y[:64]), quick=False, verbose=0)
    epochs_run = len(result.history["loss"])
    assert 1 <= epochs_run < 1000
    assert result.images < 1000 * len(X)


def test_train_bad_input(keras, separable):
    X, y = separable
    with pytest.raises(TypeError, match="recipe"):
        training.train(_tiny(keras), {"epochs": 1}, (X, y))
    with pytest.raises(ValueError, match="differ in length"):
        training.train(_tiny(keras), training.Recipe(epochs=1), (X, y[:10]))


def test_predict_proba_matches_the_model(keras, separable):
    X, y = separable
    model = _tiny(keras)
    proba = training.predict_proba(model, X[:70], batch_size=32)
    expected = np.asarray(model(X[:70, :, :, None].astype("float32") / 255))
    np.testing.assert_allclose(proba, expected, rtol=1e-5, atol=1e-6)
    mirrored = training.predict_proba(model, X[:70, :, ::-1])
    both = np.argmax(proba + mirrored, axis=-1)
    np.testing.assert_array_equal(training.predict_classes(model, X[:70], flip_average=True), both)


def test_choose_flip_average_measures_both_on_validation(keras, separable):
    X, y = separable
    model = _tiny(keras)
    choice = training.choose_flip_average(model, (X[:64], y[:64]))
    plain = np.mean(training.predict_classes(model, X[:64]) == y[:64])
    averaged = np.mean(training.predict_classes(model, X[:64], flip_average=True) == y[:64])
    assert (choice.plain, choice.averaged) == (pytest.approx(plain), pytest.approx(averaged))
    assert choice.flip_average == (averaged > plain)
    # a tie keeps the cheaper single prediction
    assert training.FlipChoice(plain=0.9, averaged=0.9).flip_average is False
    assert training.FlipChoice(plain=0.9, averaged=0.91).flip_average is True
    with pytest.raises(ValueError, match="differ in length"):
        training.choose_flip_average(model, (X[:64], y[:10]))


def test_training_result_round_trips_through_json(tmp_path):
    result = training.TrainingResult(
        history={"accuracy": [0.5]},
        epoch_seconds=[1.0],
        seconds=1.0,
        images=10,
        train_size=10,
        quick=True,
        test_accuracy=0.5,
        params=3,
        flip_average=True,
    )
    result.to_json(tmp_path / "r.json")
    assert training.TrainingResult.from_json(tmp_path / "r.json") == result


def test_training_gathers_the_split_modules_under_its_old_names():
    # lessons 04-06 and the benchmarks reach everything as training.<name>: the same objects
    for module in (recipes, training_data, training_schedule):
        for name in set(module.__all__) & set(training.__all__):
            assert getattr(training, name) is getattr(module, name), name
    assert training.OPTIMIZERS == ("adamw", "nadam", "sgd", "adam", "momentum")
    assert set(training.__all__) <= set(dir(training))
    # the lessons print the recipes: their text must not depend on where Recipe lives
    assert repr(training.CNN_RECIPE) == (
        "Recipe(epochs=4, minutes=None, batch_size=256, learning_rate=0.003, warmup=0.05, "
        "weight_decay=0.0005, label_smoothing=0.1, max_shift=0, flip=True, optimizer='adamw')"
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"max_shift": -1}, ValueError, "max_shift must be >= 0, got -1"),
        ({"max_shift": 1.5}, TypeError, "max_shift must be an int"),
        ({"max_shift": True}, TypeError, "max_shift must be an int"),
        ({"flip": 1}, TypeError, "flip must be True or False"),
        ({"x": np.zeros((4, 6, 6), "float32")}, ValueError, r"x must be .*got shape \(4, 6, 6\)"),
        ({"x": [[0.0]]}, TypeError, "x must be an array or tensor"),
    ],
)
def test_augment_batch_bad_input_is_a_clear_error(kwargs, error, match):
    x = kwargs.pop("x", np.zeros((4, 6, 6, 1), "float32"))
    with pytest.raises(error, match=match):
        training.augment_batch(x, **kwargs)


def test_augment_batch_checks_before_importing_tensorflow():
    code = (
        "import sys, numpy as np\n"
        "from vizcnn import training\n"
        "try:\n"
        "    training.augment_batch(np.zeros((2, 4, 4, 1)), max_shift=-1)\n"
        "except ValueError as error:\n"
        "    print(error)\n"
        "print('tensorflow' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["max_shift must be >= 0, got -1", "False"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"warmup": 1.0}, ValueError, "warmup must be < 1"),
        ({"warmup": -0.1}, ValueError, "warmup must be >= 0"),
        ({"peak": -1e-3}, ValueError, "peak must be >= 0"),
        ({"progress": "half"}, TypeError, "progress must be a number"),
        ({"progress": float("nan")}, ValueError, "progress must be a finite number"),
    ],
)
def test_one_cycle_bad_input_is_a_clear_error(kwargs, error, match):
    arguments = {"progress": 0.5, "peak": 1e-3, "warmup": 0.1, **kwargs}
    with pytest.raises(error, match=match):
        training.one_cycle(arguments.pop("progress"), **arguments)


def test_one_cycle_without_warmup_starts_at_the_peak():
    assert training.one_cycle(0.0, peak=1e-3, warmup=0.0) == pytest.approx(1e-3)
    assert training.one_cycle(0.5, peak=1e-3, warmup=0.0) == pytest.approx(5e-4)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"recipe": {"epochs": 1}}, TypeError, "recipe must be a vizcnn.training.Recipe"),
        ({"steps_per_epoch": 0}, ValueError, "steps_per_epoch must be >= 1"),
        ({"epochs": 2.0}, TypeError, "epochs must be an int"),
        ({"train_size": -5}, ValueError, "train_size must be >= 1"),
        ({"budget": 0}, ValueError, "budget must be > 0"),
    ],
)
def test_schedule_tracker_bad_input_is_a_clear_error(kwargs, error, match):
    arguments = {
        "recipe": training.Recipe(),
        "steps_per_epoch": 4,
        "epochs": 2,
        "train_size": 100,
        "budget": None,
        **kwargs,
    }
    with pytest.raises(error, match=match):
        training_schedule.schedule_tracker(arguments.pop("recipe"), **arguments)


def test_compile_for_wants_a_recipe(keras):
    with pytest.raises(TypeError, match="recipe must be a vizcnn.training.Recipe, got dict"):
        training.compile_for(_tiny(keras), {"optimizer": "adamw"})


@pytest.mark.parametrize(
    ("name", "keras_class", "rate"), [("adam", "Adam", 1e-3), ("momentum", "SGD", 0.1)]
)
def test_constant_rate_optimizers_take_the_recipes_rate(name, keras_class, rate):
    model = models.pooling_cnn()
    recipe = training.Recipe(optimizer=name, learning_rate=rate, weight_decay=1e-4)
    training.compile_for(model, recipe)
    optimizer = model.optimizer
    assert type(optimizer).__name__ == keras_class
    assert float(optimizer.learning_rate) == pytest.approx(rate)
    if name == "momentum":
        assert optimizer.momentum == 0.9 and optimizer.weight_decay == pytest.approx(1e-4)
