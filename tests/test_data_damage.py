"""Fashion-MNIST on disk: damaged files, $VIZCNN_DATA, the Keras cache, downloads.

Damaged copies are built in ``tmp_path`` from the real Debian files; the other files of
each folder are symlinks to the real ones, and only the damaged file is read.
"""

import gzip
import os
import zlib
from pathlib import Path

import numpy as np
import pytest

from vizcnn import data
from vizcnn.graph import keras_internals

DEBIAN = data.DEBIAN_DIR
pytestmark = pytest.mark.skipif(
    not all((DEBIAN / f"{stem}.gz").is_file() for stem in data.FASHION_MNIST_FILES),
    reason="needs the Debian package dataset-fashion-mnist",
)
IMAGES, LABELS = "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"


def _linked_folder(folder: Path, skip=()) -> Path:
    """``folder`` with symlinks to the real files, except the stems in ``skip``."""
    folder.mkdir(parents=True, exist_ok=True)
    for stem in data.FASHION_MNIST_FILES:
        if stem not in skip:
            (folder / f"{stem}.gz").symlink_to(DEBIAN / f"{stem}.gz")
    return folder


def _flip(raw: bytes, index: int) -> bytes:
    damaged = bytearray(raw)
    damaged[index] ^= 0xFF
    return bytes(damaged)


def _edit(raw: bytes, index: int) -> bytes:
    damaged = bytearray(raw)
    damaged[index] = (damaged[index] + 1) % 10  # one label changed, still a valid label
    return bytes(damaged)


# (stem damaged, file name written, damage(real .gz bytes) -> bytes written, cause expected)
DAMAGE = {
    "gzip truncated": (LABELS, ".gz", lambda gz: gz[: len(gz) // 2], EOFError),
    "gzip end cut": (LABELS, ".gz", lambda gz: gz[:-4], EOFError),
    "content truncated": (
        LABELS,
        ".gz",
        lambda gz: gzip.compress(gzip.decompress(gz)[:-100]),
        None,
    ),
    "content altered": (
        LABELS,
        ".gz",
        lambda gz: gzip.compress(_edit(gzip.decompress(gz), 100)),
        None,
    ),
    "byte in deflate stream": (LABELS, ".gz", lambda gz: _flip(gz, 10), zlib.error),
    "gzip crc altered": (LABELS, ".gz", lambda gz: _flip(gz, len(gz) - 8), gzip.BadGzipFile),
    "gzip magic altered": (LABELS, ".gz", lambda gz: _flip(gz, 0), gzip.BadGzipFile),
    "gzip method altered": (LABELS, ".gz", lambda gz: _flip(gz, 2), gzip.BadGzipFile),
    "gzip flags altered": (LABELS, ".gz", lambda gz: _flip(gz, 3), EOFError),
    "labels in place of images": (
        IMAGES,
        ".gz",
        lambda gz: (DEBIAN / f"{LABELS}.gz").read_bytes(),
        None,
    ),
    "empty gzip": (LABELS, ".gz", lambda gz: b"", None),
    "empty uncompressed": (LABELS, "", lambda gz: b"", None),
    "uncompressed altered": (LABELS, "", lambda gz: _edit(gzip.decompress(gz), 100), None),
    "uncompressed truncated": (LABELS, "", lambda gz: gzip.decompress(gz)[:-1], None),
    "still gzipped, named uncompressed": (LABELS, "", lambda gz: gz, None),
}


@pytest.mark.parametrize(("stem", "suffix", "damage", "cause"), DAMAGE.values(), ids=DAMAGE)
def test_damaged_file_raises_checksum_error_naming_it(
    tmp_path, monkeypatch, stem, suffix, damage, cause
):
    folder = _linked_folder(tmp_path / "fashion", skip=[stem])
    path = folder / f"{stem}{suffix}"
    path.write_bytes(damage((DEBIAN / f"{stem}.gz").read_bytes()))
    monkeypatch.setenv("VIZCNN_DATA", str(folder))
    found = data._find_file(data._locate_fashion_mnist(), stem)
    assert found == path  # the damaged copy is the one used: no other copy replaces it
    with pytest.raises(data.ChecksumError) as info:
        data._read_checked(found, stem)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)
    if cause is not None:
        assert isinstance(info.value.__cause__, cause)


def test_loader_stops_at_the_damaged_file(tmp_path, monkeypatch):
    stem = "train-images-idx3-ubyte"  # read first, so nothing else is loaded
    folder = _linked_folder(tmp_path / "fashion", skip=[stem])
    path = folder / f"{stem}.gz"
    path.write_bytes((DEBIAN / f"{stem}.gz").read_bytes()[:1000])
    monkeypatch.setenv("VIZCNN_DATA", str(folder))
    with pytest.raises(data.ChecksumError, match="damaged") as info:
        data.load_fashion_mnist()
    assert str(path) in str(info.value)


def _idx(magic: int, *sizes: int, extra: int = 0) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in sizes)
    body = bytes(int(np.prod(sizes)) + extra)
    return header + body


def test_parse_idx_reads_a_well_formed_file():
    assert data._parse_idx(_idx(0x0803, 2, 28, 28), IMAGES, "x").shape == (2, 28, 28)
    assert data._parse_idx(_idx(0x0801, 5), LABELS, "y").shape == (5,)


@pytest.mark.parametrize(
    ("content", "stem"),
    [
        (b"", LABELS),
        (b"\x00\x00", LABELS),
        (_idx(0x0801, 5), IMAGES),  # labels parsed as images
        (_idx(0x0803, 2, 28, 28), LABELS),  # images parsed as labels
        (_idx(0x0903, 2, 28, 28), IMAGES),  # not uint8
        (_idx(0x0803, 2, 28, 28, extra=1), IMAGES),  # one byte too many
        (_idx(0x0803, 2, 28, 28)[:-1], IMAGES),  # one byte too few
        (_idx(0x0803, 2, 27, 29), IMAGES),  # not 28x28
        (_idx(0x0801, 5, extra=-1), LABELS),
    ],
    ids=[
        "empty",
        "short",
        "labels-as-images",
        "images-as-labels",
        "not-uint8",
        "too-long",
        "too-short",
        "not-28x28",
        "labels-too-short",
    ],
)
def test_parse_idx_rejects_a_bad_header(content, stem):
    with pytest.raises(data.ChecksumError, match="/some/file.gz"):
        data._parse_idx(content, stem, Path("/some/file.gz"))


# -- $VIZCNN_DATA ------------------------------------------------------------------------


def test_vizcnn_data_folder_comes_first(tmp_path, monkeypatch):
    folder = _linked_folder(tmp_path / "fashion")
    monkeypatch.setenv("VIZCNN_DATA", str(folder))
    assert data._locate_fashion_mnist() == folder


def test_empty_vizcnn_data_counts_as_unset(monkeypatch):
    monkeypatch.setenv("VIZCNN_DATA", "")
    assert data._locate_fashion_mnist() == DEBIAN


def _missing_folder(tmp_path):
    return tmp_path / "nowhere", list(data.FASHION_MNIST_FILES)


def _file_not_folder(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    return tmp_path / "a-file", list(data.FASHION_MNIST_FILES)


def _empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty", list(data.FASHION_MNIST_FILES)


def _partial_folder(tmp_path):
    absent = ["train-labels-idx1-ubyte", LABELS]
    return _linked_folder(tmp_path / "partial", skip=absent), absent


@pytest.mark.parametrize(
    "make", [_missing_folder, _file_not_folder, _empty_folder, _partial_folder]
)
def test_unusable_vizcnn_data_is_an_error_not_a_fallback(tmp_path, monkeypatch, make):
    folder, absent = make(tmp_path)
    monkeypatch.setenv("VIZCNN_DATA", str(folder))
    with pytest.raises(FileNotFoundError) as info:  # the complete Debian copy is not used
        data._locate_fashion_mnist()
    message = str(info.value)
    assert "$VIZCNN_DATA" in message and str(folder) in message
    for stem in data.FASHION_MNIST_FILES:
        assert (stem in message) == (stem in absent)


# -- the Keras cache and downloads -------------------------------------------------------


def test_keras_cache_dir_honours_keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))  # Keras creates it on import
    assert data.keras_cache_dir() == tmp_path / "kh" / "datasets" / "fashion-mnist"


def test_keras_cache_dir_default_is_under_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data.keras_cache_dir() == tmp_path / ".keras" / "datasets" / "fashion-mnist"


def test_keras_cache_dir_falls_back_to_tmp_like_keras(tmp_path, monkeypatch):
    real_access = os.access
    denied = tmp_path / "read-only"
    denied.mkdir()

    def access(path, mode):  # as root everything is writable: pretend this is not
        return not str(path).startswith(str(denied)) and real_access(path, mode)

    monkeypatch.setattr(os, "access", access)
    fallback = Path("/tmp/.keras/datasets/fashion-mnist")
    monkeypatch.setenv("KERAS_HOME", str(denied))
    assert data.keras_cache_dir() == fallback
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(denied))
    assert data.keras_cache_dir() == fallback
    monkeypatch.setenv("KERAS_HOME", "")  # Keras takes "" as set, and unwritable
    assert data.keras_cache_dir() == fallback


@pytest.fixture
def no_local_copy(tmp_path, monkeypatch, keras):
    """No $VIZCNN_DATA, no Debian copy, and Keras' home (env and live) in tmp_path."""
    monkeypatch.delenv("VIZCNN_DATA", raising=False)
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    # where the imported Keras reads its home (test_keras_internals checks the real one)
    monkeypatch.setattr(keras_internals, "live_keras_home", lambda: str(tmp_path / "keras"))
    return tmp_path / "keras" / "datasets" / "fashion-mnist"


def test_download_that_writes_nothing_is_a_clear_error(no_local_copy, monkeypatch, keras):
    _linked_folder(no_local_copy, skip=[IMAGES])  # a partial cache is passed over
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", lambda: None)
    with pytest.raises(FileNotFoundError, match="Searched") as info:
        data._locate_fashion_mnist()
    assert str(no_local_copy) in str(info.value)


def test_download_is_found_where_the_imported_keras_put_it(
    tmp_path, no_local_copy, monkeypatch, keras
):
    # $KERAS_HOME changed after Keras was imported: Keras still downloads to its old home
    monkeypatch.setattr(keras_internals, "live_keras_home", lambda: str(tmp_path / "old-home"))
    downloaded = tmp_path / "old-home" / "datasets" / "fashion-mnist"
    monkeypatch.setattr(
        keras.datasets.fashion_mnist, "load_data", lambda: _linked_folder(downloaded)
    )
    assert data._locate_fashion_mnist() == downloaded


def test_no_data_and_no_network_gives_one_clear_message(no_local_copy, monkeypatch, keras):
    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", offline)
    with pytest.raises(FileNotFoundError) as info:
        data.load_fashion_mnist()
    message = str(info.value)
    assert "dataset-fashion-mnist" in message and "network is unreachable" in message
    assert "$VIZCNN_DATA" in message
    assert str(no_local_copy) in message
