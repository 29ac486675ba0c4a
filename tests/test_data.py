"""Data: the notes' sample-image batch, real checksummed Fashion-MNIST, (x, y) datasets."""

import subprocess
import sys

import numpy as np
import pytest

from vizcnn import data


def test_sample_images_are_the_notes_batch():
    images = data.load_sample_images()
    assert images.shape == (2, 70, 120, 3)
    assert images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    from sklearn.datasets import load_sample_images

    raw = load_sample_images()["images"][0]  # (427, 640, 3): centre crop starts at (178, 260)
    np.testing.assert_allclose(images[0], raw[178:248, 260:380] / 255, atol=1e-6)


@pytest.fixture(scope="module")
def fashion():
    return data.load_fashion_mnist()


def test_fashion_mnist_split_as_in_the_notes(fashion):
    (X_train, y_train), (X_valid, y_valid), (X_test, y_test) = fashion
    assert X_train.shape == (50_000, 28, 28) and y_train.shape == (50_000,)
    assert X_valid.shape == (10_000, 28, 28) and y_valid.shape == (10_000,)
    assert X_test.shape == (10_000, 28, 28) and y_test.shape == (10_000,)
    assert X_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert set(np.unique(y_train)) == set(range(10))
    # balanced classes: 6,000 per class in the official training set
    counts = np.bincount(np.concatenate([y_train, y_valid]), minlength=10)
    assert (counts == 6000).all()


def test_make_dataset_yields_scaled_pairs_in_order():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (70, 28, 28), dtype=np.uint8)
    y = rng.integers(0, 10, 70).astype(np.uint8)
    batches = list(data.make_dataset(X, y, batch_size=32))
    assert [len(b[0]) for b in batches] == [32, 32, 6]
    xb, yb = batches[0]
    assert tuple(xb.shape) == (32, 28, 28, 1) and xb.dtype.name == "float32"
    np.testing.assert_allclose(xb.numpy()[..., 0], X[:32] / 255, rtol=1e-6)
    np.testing.assert_array_equal(yb.numpy(), y[:32])


def test_make_dataset_shuffles_images_and_labels_together():
    X = np.repeat(np.arange(50, dtype=np.uint8)[:, None, None], 28 * 28, axis=1).reshape(50, 28, 28)
    y = np.arange(50)
    dataset = data.make_dataset(X, y, batch_size=10, shuffle=True, seed=3)
    epoch1 = np.concatenate([b[1].numpy() for b in dataset])
    epoch2 = np.concatenate([b[1].numpy() for b in dataset])
    assert sorted(epoch1) == list(range(50))
    assert not np.array_equal(epoch1, np.arange(50)) and not np.array_equal(epoch1, epoch2)
    for xb, yb in dataset:  # each image still carries its own label
        np.testing.assert_allclose(xb.numpy()[:, 0, 0, 0] * 255, yb.numpy(), atol=1e-3)


def test_make_dataset_switches_tf_data_autotuning_off():
    # Autotuning's model thread stalled Keras' fit ~20 s per epoch boundary (data.py).
    X, y = np.zeros((20, 28, 28), np.uint8), np.arange(20)
    dataset = data.make_dataset(X, y, batch_size=8, shuffle=True, seed=0)
    assert dataset.options().autotune.enabled is False
    # the option travels with the later maps the training code adds
    assert dataset.map(lambda xb, yb: (xb, yb)).options().autotune.enabled is False


def test_make_dataset_same_seed_same_order():
    X = np.zeros((40, 28, 28), np.uint8)
    y = np.arange(40)
    first = [
        b[1].numpy().tolist() for b in data.make_dataset(X, y, batch_size=8, shuffle=True, seed=7)
    ]
    again = [
        b[1].numpy().tolist() for b in data.make_dataset(X, y, batch_size=8, shuffle=True, seed=7)
    ]
    assert first == again


def test_scale_images_scales_uint8_and_adds_the_channel_axis(fashion):
    _, _, (X_test, _) = fashion
    scaled = data.scale_images(X_test[:100])
    assert scaled.shape == (100, 28, 28, 1) and scaled.dtype == np.float32
    assert 0.0 <= scaled.min() and scaled.max() == 1.0
    np.testing.assert_allclose(scaled[..., 0], X_test[:100] / 255, rtol=1e-6)
    assert X_test.dtype == np.uint8  # the caller's array is left alone
    # exactly the values make_dataset feeds the model, so evaluation matches training
    (xb, _) = next(iter(data.make_dataset(X_test[:100], np.zeros(100, int), batch_size=100)))
    np.testing.assert_array_equal(xb.numpy(), scaled)


def test_scale_images_keeps_channels_and_floats():
    rgb = np.full((2, 4, 5, 3), 255, np.uint8)
    assert data.scale_images(rgb).shape == (2, 4, 5, 3)
    assert (data.scale_images(rgb) == 1.0).all()
    floats = np.linspace(-1, 2, 2 * 4 * 5).reshape(2, 4, 5)
    out = data.scale_images(floats)
    assert out.shape == (2, 4, 5, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out[..., 0], floats, rtol=1e-6)  # floats are not rescaled
    assert data.scale_images(floats.tolist()).shape == (2, 4, 5, 1)


BAD_IMAGES = {
    "strings": (np.full((2, 4, 4), "a"), TypeError),
    "bools": (np.zeros((2, 4, 4), bool), TypeError),
    "complex": (np.zeros((2, 4, 4), complex), TypeError),
    "ragged list": ([[[1, 2]], [[1]]], TypeError),
    "None": (None, TypeError),
    "2-D": (np.zeros((4, 4), np.uint8), ValueError),
    "5-D": (np.zeros((1, 2, 4, 4, 1), np.uint8), ValueError),
    "empty": (np.zeros((0, 28, 28), np.uint8), ValueError),
    "NaN": (np.array([[[0.5, np.nan]]]), ValueError),
    "inf": (np.array([[[0.5, np.inf]]]), ValueError),
}


@pytest.mark.parametrize(("X", "error"), BAD_IMAGES.values(), ids=BAD_IMAGES)
def test_scale_images_rejects_bad_input(X, error):
    with pytest.raises(error, match=r"^X "):
        data.scale_images(X)


X4, Y4 = np.zeros((4, 28, 28), np.uint8), np.arange(4)
BAD_DATASET_ARGS = {
    "X 2-D": ({"X": np.zeros((4, 28))}, ValueError, "X must be images"),
    "X 3 channels": ({"X": np.zeros((4, 28, 28, 3))}, ValueError, "X must be images"),
    "X strings": ({"X": np.full((4, 28, 28), "a")}, TypeError, "X must hold real numbers"),
    "X NaN": ({"X": np.full((4, 28, 28), np.nan)}, ValueError, "X holds"),
    "X empty": ({"X": np.zeros((0, 28, 28)), "y": np.zeros(0, int)}, ValueError, "X is empty"),
    "y too long": ({"y": np.arange(5)}, ValueError, "y must be labels"),
    "y 2-D": ({"y": np.zeros((4, 1), int)}, ValueError, "y must be labels"),
    "y floats": ({"y": np.zeros(4)}, TypeError, "y must hold integer labels"),
    "y strings": ({"y": np.array(list("abcd"))}, TypeError, "y must hold integer labels"),
    "batch_size 0": ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
    "batch_size -1": ({"batch_size": -1}, ValueError, "batch_size must be >= 1"),
    "batch_size True": ({"batch_size": True}, TypeError, "batch_size must be an int"),
    "batch_size 2.0": ({"batch_size": 2.0}, TypeError, "batch_size must be an int"),
    "batch_size '32'": ({"batch_size": "32"}, TypeError, "batch_size must be an int"),
    "shuffle 'yes'": ({"shuffle": "yes"}, TypeError, "shuffle must be True or False"),
    "shuffle 1": ({"shuffle": 1}, TypeError, "shuffle must be True or False"),
    "seed 1.5": ({"seed": 1.5}, TypeError, "seed must be an int"),
    "seed True": ({"seed": True}, TypeError, "seed must be an int"),
    "seed '1'": ({"seed": "1"}, TypeError, "seed must be an int"),
}


@pytest.mark.parametrize(
    ("kwargs", "error", "match"), BAD_DATASET_ARGS.values(), ids=BAD_DATASET_ARGS
)
def test_make_dataset_rejects_bad_input(kwargs, error, match):
    kwargs = {"X": X4, "y": Y4, **kwargs}
    with pytest.raises(error, match=match):
        data.make_dataset(kwargs.pop("X"), kwargs.pop("y"), **kwargs)


def test_make_dataset_accepts_numpy_scalars():
    dataset = data.make_dataset(
        X4, Y4.astype(np.uint8), batch_size=np.int64(3), shuffle=np.bool_(True), seed=np.int32(1)
    )
    assert sorted(np.concatenate([yb.numpy() for _, yb in dataset])) == [0, 1, 2, 3]


def test_bad_arguments_fail_before_tensorflow_is_imported():
    code = (
        "import sys\n"
        "import numpy as np\n"
        "import vizcnn.course.data as d\n"
        "assert 'tensorflow' not in sys.modules, 'import vizcnn.course.data imported TensorFlow'\n"
        "d.keras_cache_dir()\n"
        "for kwargs in ({'batch_size': 0}, {'shuffle': 'no'}, {'seed': 0.5}):\n"
        "    try:\n"
        "        d.make_dataset(np.zeros((2, 28, 28), np.uint8), np.arange(2), **kwargs)\n"
        "    except (TypeError, ValueError):\n"
        "        pass\n"
        "try:\n"
        "    d.scale_images(np.zeros((2, 2)))\n"
        "except ValueError:\n"
        "    pass\n"
        "assert 'tensorflow' not in sys.modules, 'TensorFlow imported before validation'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
