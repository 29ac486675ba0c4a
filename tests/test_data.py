"""Data: the notes' sample-image batch, real checksummed Fashion-MNIST, (x, y) datasets."""

import gzip
import shutil

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


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A private copy of the real files, selected through $VIZCNN_DATA."""
    folder = tmp_path / "fashion"
    shutil.copytree(data._locate_fashion_mnist(), folder)
    monkeypatch.setenv("VIZCNN_DATA", str(folder))
    return folder


def test_vizcnn_data_folder_comes_first(data_copy):
    assert data._locate_fashion_mnist() == data_copy
    (X_train, _), _, _ = data.load_fashion_mnist()
    assert X_train.shape == (50_000, 28, 28)


def test_truncated_file_fails_its_checksum_and_is_not_used(data_copy):
    path = data_copy / "t10k-labels-idx1-ubyte.gz"
    content = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(content[:-100]))
    with pytest.raises(data.ChecksumError, match="t10k-labels-idx1-ubyte.gz failed its checksum"):
        data.load_fashion_mnist()


def test_altered_file_fails_its_checksum(data_copy):
    path = data_copy / "train-labels-idx1-ubyte.gz"
    content = bytearray(gzip.decompress(path.read_bytes()))
    content[100] = (content[100] + 1) % 10  # one label changed
    path.write_bytes(gzip.compress(bytes(content)))
    with pytest.raises(data.ChecksumError, match="train-labels-idx1-ubyte.gz"):
        data.load_fashion_mnist()


def test_corrupt_gzip_names_the_file(data_copy):
    path = data_copy / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(data.ChecksumError, match="t10k-images-idx3-ubyte.gz"):
        data.load_fashion_mnist()


def test_no_data_and_no_network_gives_one_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("VIZCNN_DATA", str(tmp_path / "empty"))
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))

    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    from vizcnn._tf import keras

    monkeypatch.setattr(keras().datasets.fashion_mnist, "load_data", offline)
    with pytest.raises(FileNotFoundError) as info:
        data.load_fashion_mnist()
    message = str(info.value)
    assert "dataset-fashion-mnist" in message
    assert "$VIZCNN_DATA" in message
    assert str(tmp_path / "keras") in message


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


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "match"),
    [
        (np.zeros((4, 28)), np.zeros(4), {}, "X must be images"),
        (np.zeros((4, 28, 28, 3)), np.zeros(4), {}, "X must be images"),
        (np.zeros((4, 28, 28)), np.zeros(5), {}, "y must be labels"),
        (np.zeros((4, 28, 28)), np.zeros(4), {"batch_size": 0}, "batch_size must be"),
    ],
)
def test_make_dataset_rejects_bad_input(X, y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.make_dataset(X, y, **kwargs)
