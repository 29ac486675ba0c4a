"""Data for the lessons: scikit-learn's sample images and the real Fashion-MNIST.

Fashion-MNIST is looked for, in order, in ``$VIZCNN_DATA``, in Debian's
``/usr/share/datasets/fashion-mnist/`` (package ``dataset-fashion-mnist``) and in the
Keras cache; only then is it downloaded (by Keras). Every file is checked against the
SHA-256 of its *decompressed* bytes (Debian rewrites gzip headers, so compressed bytes
differ from upstream's). A file that fails is an error, never skipped for another copy.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np

FASHION_MNIST_FILES = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
N_VALID = 10_000  # the notes keep the last 10,000 training images for validation


class ChecksumError(ValueError):
    """A data file is present but its contents are not the official ones."""


def load_sample_images():
    """scikit-learn's two sample images, as the notes prepare them.

    ``CenterCrop(70, 120)`` then ``Rescaling(1/255)``, the Keras layers the notes use.

    Returns
    -------
    np.ndarray, shape (2, 70, 120, 3), float32 in [0, 1]
        The Chinese temple and the flower.
    """
    from sklearn.datasets import load_sample_images as _sklearn_images

    from vizcnn._tf import keras as _keras

    keras = _keras()
    images = np.stack(_sklearn_images()["images"])  # (2, 427, 640, 3) uint8
    images = keras.layers.CenterCrop(height=70, width=120)(images)
    images = keras.layers.Rescaling(scale=1 / 255)(images)
    return np.asarray(images, dtype="float32")


def keras_cache_dir() -> Path:
    """Where ``keras.datasets.fashion_mnist.load_data()`` keeps its files."""
    base = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    return base / "datasets" / "fashion-mnist"


def _candidate_dirs() -> list[tuple[str, Path]]:
    dirs = []
    if os.environ.get("VIZCNN_DATA"):
        dirs.append(("$VIZCNN_DATA", Path(os.environ["VIZCNN_DATA"])))
    dirs.append(("Debian package dataset-fashion-mnist", DEBIAN_DIR))
    dirs.append(("Keras cache", keras_cache_dir()))
    return dirs


def _find_file(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def _read_checked(path: Path, stem: str) -> bytes:
    """Decompressed bytes of ``path``, or ChecksumError naming it."""
    try:
        raw = path.read_bytes()
        data = gzip.decompress(raw) if path.suffix == ".gz" else raw
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ChecksumError(
            f"{path} is damaged and cannot be read ({exc}); it failed its checksum. "
            "Delete it or reinstall the data."
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != FASHION_MNIST_FILES[stem]:
        raise ChecksumError(
            f"{path} failed its checksum: sha256 of its decompressed bytes is {digest}, "
            f"expected {FASHION_MNIST_FILES[stem]}. It is not used; delete or replace it."
        )
    return data


def _parse_idx(data: bytes, stem: str) -> np.ndarray:
    if "images" in stem:
        return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(-1, 28, 28)
    return np.frombuffer(data, dtype=np.uint8, offset=8)


def _locate_fashion_mnist() -> Path:
    """The first folder holding all four files; files found there must pass checksums."""
    for _, folder in _candidate_dirs():
        if all(_find_file(folder, stem) for stem in FASHION_MNIST_FILES):
            return folder
    return _download_fashion_mnist()


def _download_fashion_mnist() -> Path:
    from vizcnn._tf import keras as _keras

    searched = "\n".join(f"  - {label}: {folder}" for label, folder in _candidate_dirs())
    try:
        _keras().datasets.fashion_mnist.load_data()
    except Exception as exc:  # noqa: BLE001 - any download failure gets the same advice
        raise FileNotFoundError(
            "Fashion-MNIST was not found and could not be downloaded "
            f"({type(exc).__name__}: {exc}).\nSearched:\n{searched}\n"
            "Install it with `sudo apt install dataset-fashion-mnist` (Debian/Ubuntu), "
            "or put the four official *-ubyte.gz files in a folder named by $VIZCNN_DATA, "
            f"or in the Keras cache folder {keras_cache_dir()}."
        ) from exc
    return keras_cache_dir()


def load_fashion_mnist():
    """The real Fashion-MNIST, split as in the notes.

    Returns
    -------
    (X_train, y_train), (X_valid, y_valid), (X_test, y_test)
        ``uint8`` images shaped (N, 28, 28) and ``uint8`` labels shaped (N,): 50,000
        training, 10,000 validation (the last 10,000 official training images) and the
        10,000 official test images. Class names: ``FASHION_MNIST_CLASSES``.

    Raises
    ------
    ChecksumError
        If a file is truncated or altered (the message names it).
    FileNotFoundError
        If there is no copy and no network.
    """
    folder = _locate_fashion_mnist()
    arrays = {
        stem: _parse_idx(_read_checked(_find_file(folder, stem), stem), stem)
        for stem in FASHION_MNIST_FILES
    }
    X_full, y_full = arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"]
    X_test, y_test = arrays["t10k-images-idx3-ubyte"], arrays["t10k-labels-idx1-ubyte"]
    split = len(X_full) - N_VALID
    return (
        (X_full[:split], y_full[:split]),
        (X_full[split:], y_full[split:]),
        (X_test, y_test),
    )


def make_dataset(X, y, *, batch_size: int = 32, shuffle: bool = False, seed=None):
    """A ``tf.data.Dataset`` of ``(x, y)`` batches: what ``model.fit`` expects.

    Images and labels travel *together* (shuffling one without the other is the quiet
    bug beside the notes' ``model.fit(dataset, y)`` error). Batching happens before the
    map, so scaling runs once per batch, vectorised.

    Parameters
    ----------
    X : array-like, shape (N, 28, 28) or (N, 28, 28, 1), uint8 or float
        Images; ``uint8`` is scaled to [0, 1].
    y : array-like, shape (N,)
        Integer labels.
    batch_size : int, default=32
    shuffle : bool, default=False
        Reshuffle every epoch (buffer = whole set, cheap for 28x28 images).
    seed : int, optional
        Shuffle seed, for a reproducible order.

    Returns
    -------
    tf.data.Dataset
        Yields ``x`` float32 ``(batch, 28, 28, 1)`` and ``y`` int32 ``(batch,)``.

    Notes
    -----
    tf.data's *autotuning* is switched off. Its model thread outlives each epoch's
    iterator, and tearing the iterator down waits for it: with Keras 3.15 (which builds
    a new iterator every epoch) ``fit`` stood idle for ~20 s at every other epoch
    boundary, and for up to a minute after the last epoch, on this 2-core CPU (measured
    in ``benchmarks/bench_foundation.py``). Nothing here needs tuning: the data live in
    memory and the two maps are cheap. For the same reason there is no ``prefetch``.
    """
    from vizcnn._tf import import_tensorflow

    tf = import_tensorflow()
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 3:
        X = X[..., None]
    if X.ndim != 4 or X.shape[-1] != 1:
        raise ValueError(f"X must be images shaped (N, H, W) or (N, H, W, 1), got {X.shape}")
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(
            f"y must be labels shaped (N,) with N = len(X) = {len(X)}, got shape {y.shape}"
        )
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    scale = 1 / 255 if X.dtype == np.uint8 else 1.0
    dataset = tf.data.Dataset.from_tensor_slices((X, y.astype("int32")))
    if shuffle:
        dataset = dataset.shuffle(len(X), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    dataset = dataset.map(
        lambda xb, yb: (tf.cast(xb, tf.float32) * scale, yb),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    return dataset.with_options(_without_autotuning())


def _without_autotuning():
    """``tf.data.Options`` with autotuning off (see :func:`make_dataset`'s notes)."""
    from vizcnn._tf import import_tensorflow

    options = import_tensorflow().data.Options()
    options.autotune.enabled = False
    return options
