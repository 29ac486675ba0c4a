"""Data for the lessons: scikit-learn's sample images, the real Fashion-MNIST, spoken digits.

Course material: the lessons' data sets, not part of the drawing library.

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
import tempfile
import zlib
from pathlib import Path

import numpy as np

# lesson 07's sound: espeak-ng's spoken digits, and a learner's own WAV file, as vz.data.*
from vizcnn.course.spoken_digits import SPOKEN_DIGIT_CLASSES as SPOKEN_DIGIT_CLASSES
from vizcnn.course.spoken_digits import SpokenDigits as SpokenDigits
from vizcnn.course.spoken_digits import load_spoken_digits as load_spoken_digits
from vizcnn.course.spoken_digits import word_spans as word_spans
from vizcnn.course.wav import load_wav as load_wav
from vizcnn.course.wav import prepare_clip as prepare_clip
from vizcnn.graph import keras_internals
from vizcnn.pixels import UINT8_SCALE as _UINT8_SCALE  # make_dataset scales as scale_images
from vizcnn.pixels import scale_images as scale_images  # vz.data.scale_images, as lessons call it
from vizcnn.validation import (
    check_bool,
    check_int,
    check_labels,
    check_pixels,
    check_positive_int,
)

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

    from vizcnn.backend import keras as _keras

    keras = _keras()
    images = np.stack(_sklearn_images()["images"])  # (2, 427, 640, 3) uint8
    images = keras.layers.CenterCrop(height=70, width=120)(images)
    images = keras.layers.Rescaling(scale=1 / 255)(images)
    return np.asarray(images, dtype="float32")


# -- where the files are ------------------------------------------------------------------


def _writable(folder: str, *, created_if_missing: bool) -> bool:
    if not folder:
        return False
    path = os.path.abspath(folder)
    while created_if_missing and not os.path.exists(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)  # Keras would create it: can its parent be written?
    return os.access(path, os.W_OK)


def _keras_datasets_dir(home: str, *, created_if_missing: bool) -> Path:
    # keras/src/utils/file_utils.py get_file: an unwritable cache_dir becomes /tmp/.keras.
    base = os.path.expanduser(home)
    if not _writable(base, created_if_missing=created_if_missing):
        base = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    return Path(base) / "datasets" / "fashion-mnist"


def keras_cache_dir() -> Path:
    """Where ``keras.datasets.fashion_mnist.load_data()`` keeps its files.

    Keras' own rule, replicated so that asking imports no TensorFlow:
    ``keras/src/backend/config.py`` takes ``$KERAS_HOME`` if set, else ``~/.keras``
    (``/tmp/.keras`` when the home folder is not writable) and creates it on import;
    ``get_file`` in ``keras/src/utils/file_utils.py`` then uses ``/tmp/.keras`` when that
    folder is not writable, and ``fashion_mnist.py`` adds ``datasets/fashion-mnist``.

    Returns
    -------
    pathlib.Path
    """
    if "KERAS_HOME" in os.environ:  # set, even to "", wins (as in Keras)
        home = os.environ["KERAS_HOME"]
    else:
        user_home = os.path.expanduser("~")
        home = os.path.join(user_home if os.access(user_home, os.W_OK) else "/tmp", ".keras")
    return _keras_datasets_dir(home, created_if_missing=True)


def _keras_cache_dirs() -> list[Path]:
    """``keras_cache_dir()``, plus the one an imported Keras uses (it read $KERAS_HOME once)."""
    dirs = [keras_cache_dir()]
    home = keras_internals.live_keras_home()
    if home is not None:
        live = _keras_datasets_dir(home, created_if_missing=False)
        if live not in dirs:
            dirs.append(live)
    return dirs


def _candidate_dirs() -> list[tuple[str, Path]]:
    """The folders searched after ``$VIZCNN_DATA``, in order."""
    debian = ("Debian package dataset-fashion-mnist", DEBIAN_DIR)
    return [debian, *(("Keras cache", folder) for folder in _keras_cache_dirs())]


def _find_file(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def _missing(folder: Path) -> list[str]:
    return [stem for stem in FASHION_MNIST_FILES if _find_file(folder, stem) is None]


def _vizcnn_data_dir() -> Path | None:
    """``$VIZCNN_DATA`` (None if unset or ""): the user chose it, so it must be complete."""
    value = os.environ.get("VIZCNN_DATA", "")
    if not value:
        return None
    folder = Path(value).expanduser()
    missing = _missing(folder)  # all four when it is no folder at all
    if not missing:
        return folder
    if not folder.exists():
        problem = "does not exist"
    elif not folder.is_dir():
        problem = "is not a folder"
    else:
        problem = "is empty" if not any(folder.iterdir()) else "lacks some of the files"
    missing = ", ".join(f"{stem}.gz" for stem in missing)
    raise FileNotFoundError(
        f"$VIZCNN_DATA={value!r} {problem}. Missing: {missing} (each may also be "
        "uncompressed, without .gz). No other copy is used while $VIZCNN_DATA is set: "
        "put the four official Fashion-MNIST files there, or unset it."
    )


def _locate_fashion_mnist() -> Path:
    """``$VIZCNN_DATA``, else the first folder holding all four files, else a download."""
    chosen = _vizcnn_data_dir()
    if chosen is not None:
        return chosen
    for _, folder in _candidate_dirs():
        if not _missing(folder):  # a partial copy is passed over, not an error
            return folder
    return _download_fashion_mnist()


def _download_fashion_mnist() -> Path:
    from vizcnn.backend import keras as _keras

    def searched() -> str:
        return "\n".join(f"  - {label}: {folder}" for label, folder in _candidate_dirs())

    try:
        _keras().datasets.fashion_mnist.load_data()
    except Exception as exc:  # noqa: BLE001 - any download failure gets the same advice
        raise FileNotFoundError(
            "Fashion-MNIST was not found and could not be downloaded "
            f"({type(exc).__name__}: {exc}).\nSearched:\n{searched()}\n"
            "Install it with `sudo apt install dataset-fashion-mnist` (Debian/Ubuntu), "
            "or put the four official *-ubyte.gz files in a folder named by $VIZCNN_DATA, "
            f"or in the Keras cache folder {keras_cache_dir()}."
        ) from exc
    for folder in _keras_cache_dirs():
        if not _missing(folder):
            return folder
    raise FileNotFoundError(
        "Keras reported that it downloaded Fashion-MNIST, but the four files are not in "
        f"the Keras cache.\nSearched:\n{searched()}\n"
        "Put the four official *-ubyte.gz files in a folder named by $VIZCNN_DATA."
    )


# -- reading and checking -----------------------------------------------------------------


def _read_checked(path: Path, stem: str) -> bytes:
    """Decompressed bytes of ``path``, or ChecksumError naming it."""
    raw = path.read_bytes()  # outside the try: an unreadable file is no checksum failure
    if not raw:
        raise ChecksumError(f"{path} is empty (0 bytes); it failed its checksum.")
    try:
        # zlib.error: a byte altered inside the deflate stream; EOFError: truncated;
        # BadGzipFile: bad header or CRC.
        data = gzip.decompress(raw) if path.suffix == ".gz" else raw
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise ChecksumError(
            f"{path} is damaged and cannot be decompressed ({type(exc).__name__}: {exc}); "
            "it failed its checksum. Delete it or reinstall the data."
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != FASHION_MNIST_FILES[stem]:
        raise ChecksumError(
            f"{path} failed its checksum: sha256 of its decompressed bytes is {digest}, "
            f"expected {FASHION_MNIST_FILES[stem]} ({stem}). It is not used; delete or "
            "replace it."
        )
    return data


def _parse_idx(data: bytes, stem: str, path: Path | str = "<bytes>") -> np.ndarray:
    """An IDX file's array, its header checked (a file that passed its checksum passes)."""
    ndim = 3 if "images" in stem else 1
    header = 4 + 4 * ndim
    magic = int.from_bytes(data[:4], "big") if len(data) >= 4 else None
    if magic != 0x0800 + ndim or len(data) < header:  # 0x08 = unsigned bytes
        raise ChecksumError(f"{path} is not an IDX file of {ndim}-D uint8 data ({stem})")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if shape[1:] not in ((), (28, 28)) or len(data) != header + int(np.prod(shape)):
        raise ChecksumError(
            f"{path} has header shape {shape} but {len(data) - header} data bytes ({stem})"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


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
        If a file is truncated, altered, empty or the wrong file (the message names it).
    FileNotFoundError
        If ``$VIZCNN_DATA`` is set but lacks files, or there is no copy and no network.
    """
    folder = _locate_fashion_mnist()
    arrays = {}
    for stem in FASHION_MNIST_FILES:
        path = _find_file(folder, stem)
        arrays[stem] = _parse_idx(_read_checked(path, stem), stem, path)
    X_full, y_full = arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"]
    X_test, y_test = arrays["t10k-images-idx3-ubyte"], arrays["t10k-labels-idx1-ubyte"]
    split = len(X_full) - N_VALID
    return (
        (X_full[:split], y_full[:split]),
        (X_full[split:], y_full[split:]),
        (X_test, y_test),
    )


# -- images for a model -------------------------------------------------------------------


def make_dataset(X, y, *, batch_size: int = 32, shuffle: bool = False, seed=None):
    """A ``tf.data.Dataset`` of ``(x, y)`` batches: what ``model.fit`` expects.

    Images and labels travel *together* (shuffling one without the other is the quiet
    bug beside the notes' ``model.fit(dataset, y)`` error). Batching happens before the
    map, so scaling runs once per batch, vectorised.

    Parameters
    ----------
    X : array-like, shape (N, H, W) or (N, H, W, 1), uint8 or float
        Images; ``uint8`` is scaled to [0, 1] as :func:`scale_images` does.
    y : array-like of int, shape (N,)
        Integer labels.
    batch_size : int, default=32
    shuffle : bool, default=False
        Reshuffle every epoch (buffer = whole set, cheap for 28x28 images).
    seed : int, optional
        Shuffle seed, for a reproducible order.

    Returns
    -------
    tf.data.Dataset
        Yields ``x`` float32 ``(batch, H, W, 1)`` and ``y`` int32 ``(batch,)``.

    Raises
    ------
    TypeError
        For non-numeric images, non-integer labels, a non-int ``batch_size`` or ``seed``
        (bools included), or a non-bool ``shuffle``.
    ValueError
        For wrong shapes, empty or non-finite images, or ``batch_size < 1``.

    Notes
    -----
    tf.data's *autotuning* is switched off. Its model thread outlives each epoch's
    iterator, and tearing the iterator down waits for it: with Keras 3.15 (which builds
    a new iterator every epoch) ``fit`` stood idle for ~20 s at every other epoch
    boundary, and for up to a minute after the last epoch, on this 2-core CPU (measured
    in ``benchmarks/bench_foundation.py``). Nothing here needs tuning: the data live in
    memory and the two maps are cheap. For the same reason there is no ``prefetch``.
    """
    X = check_pixels(X)
    if X.shape[-1] != 1:
        raise ValueError(f"X must be images shaped (N, H, W) or (N, H, W, 1), got {X.shape}")
    y = check_labels(y, len(X))
    batch_size = check_positive_int(batch_size, "batch_size")
    shuffle = check_bool(shuffle, "shuffle")
    if seed is not None:
        seed = check_int(seed, "seed")

    from vizcnn.backend import import_tensorflow

    tf = import_tensorflow()
    # Scaled inside tf.data, per batch: a float32 copy of the whole set would cost memory.
    scale = _UINT8_SCALE if X.dtype == np.uint8 else np.float32(1)
    dataset = tf.data.Dataset.from_tensor_slices((X, y.astype("int32")))
    if shuffle:
        dataset = dataset.shuffle(len(X), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    dataset = dataset.map(
        lambda xb, yb: (tf.cast(xb, tf.float32) * scale, yb),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    return dataset.with_options(without_autotuning())


def without_autotuning():
    """``tf.data.Options`` with autotuning off (see :func:`make_dataset`'s notes)."""
    from vizcnn.backend import import_tensorflow

    options = import_tensorflow().data.Options()
    options.autotune.enabled = False
    return options
