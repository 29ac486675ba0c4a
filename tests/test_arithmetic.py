"""vizcnn.arithmetic against real Keras layers and Dumoulin & Visin's formulas."""

import math

import numpy as np
import pytest

from vizcnn.arithmetic import (
    conv_geometry,
    conv_output_size,
    dropped_cells,
    same_padding,
)

N_CASES = 360  # the issue asks for at least 300 random combinations


def _random_cases(n, seed=20261128):
    """Seeded random layer settings: conv and pooling, both paddings, non-square."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(n):
        kind = ("conv", "max", "avg")[i % 3]
        padding = ("valid", "same")[(i // 3) % 2]
        size = tuple(int(v) for v in rng.integers(1, 65, 2))
        kernel = tuple(int(v) for v in rng.integers(1, 10, 2))
        strides = tuple(int(v) for v in rng.integers(1, 6, 2))
        dilation = (1, 1)
        if kind == "conv":
            dilation = tuple(int(v) for v in rng.integers(1, 5, 2))
            # Keras rejects strides > 1 with dilation > 1; keep a few such cases
            # (to test that both refuse) but make most of them runnable.
            if max(strides) > 1 and max(dilation) > 1 and rng.random() < 0.85:
                if rng.random() < 0.5:
                    strides = (1, 1)
                else:
                    dilation = (1, 1)
        elif rng.random() < 0.3:
            strides = None  # pooling's default: strides = pool size
        cases.append((kind, size, kernel, strides, padding, dilation))
    return cases


CASES = _random_cases(N_CASES)


def test_random_cases_cover_the_space():
    kinds = {c[0] for c in CASES}
    paddings = {c[4] for c in CASES}
    assert len(CASES) >= 300
    assert kinds == {"conv", "max", "avg"} and paddings == {"valid", "same"}
    assert any(c[1][0] != c[1][1] for c in CASES)  # non-square inputs
    assert any(c[2][0] != c[2][1] for c in CASES)  # non-square kernels
    assert any(max(c[5]) > 1 for c in CASES)  # dilation
    assert any(c[3] is None for c in CASES)  # pooling default strides
    # enough cases where a valid window does not fit, and where Keras refuses
    assert sum(_fails(c) is not None for c in CASES) >= 10


def _fails(case):
    """Why Keras refuses these settings (None if it accepts them)."""
    kind, size, kernel, strides, padding, dilation = case
    if kind == "conv" and max(strides) > 1 and max(dilation) > 1:
        return "dilation"
    span = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    if padding == "valid" and any(s > n for s, n in zip(span, size, strict=True)):
        return "too large"
    return None


def _layer(keras, kind, kernel, strides, padding, dilation, seed):
    if kind == "conv":
        keras.utils.set_random_seed(seed)
        return keras.layers.Conv2D(
            1, kernel, strides=strides, padding=padding, dilation_rate=dilation, use_bias=False
        )
    cls = keras.layers.MaxPool2D if kind == "max" else keras.layers.AveragePooling2D
    return cls(kernel, strides=strides, padding=padding)


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_keras(case, keras):
    kind, size, kernel, strides, padding, dilation = case
    kwargs = dict(strides=strides, padding=padding, dilation_rate=dilation)
    reason = _fails(case)
    if reason is not None:
        with pytest.raises(ValueError):
            conv_output_size(size, kernel, **kwargs)
        layer_kwargs = dict(strides=strides, padding=padding, dilation=dilation)
        with pytest.raises(ValueError):
            layer = _layer(keras, kind, kernel, **layer_kwargs, seed=0)
            # compute_output_shape: calling a pooling layer too large for its input
            # crashes TensorFlow's CPU kernel (floating point exception), so ask Keras'
            # shape logic, which is what raises for Conv2D too.
            layer.compute_output_shape((1, *size, 1))
        return

    rng = np.random.default_rng(len(CASES) + sum(size))
    x = rng.standard_normal((1, *size, 1)).astype(np.float32)
    layer = _layer(keras, kind, kernel, strides, padding, dilation, seed=sum(size))
    y = np.asarray(layer(x))

    # 1. the output size
    assert y.shape[1:3] == conv_output_size(size, kernel, **kwargs)

    # 2. the padding split: explicit padding + `valid` gives exactly the `same` result
    if padding == "same":
        (top, bottom), (left, right) = same_padding(
            size, kernel, strides=strides, dilation_rate=dilation
        )
        pads = ((0, 0), (top, bottom), (left, right), (0, 0))
        if kind == "conv":
            valid = _layer(keras, kind, kernel, strides, "valid", dilation, seed=sum(size))
            expected = valid(np.pad(x, pads))
        elif kind == "max":
            valid = _layer(keras, kind, kernel, strides, "valid", dilation, seed=0)
            expected = valid(np.pad(x, pads, constant_values=-np.inf))
        else:  # TF's average ignores padding cells: sum of real cells / count of real cells
            valid = _layer(keras, kind, kernel, strides, "valid", dilation, seed=0)
            sums = np.asarray(valid(np.pad(x, pads)))
            counts = np.asarray(valid(np.pad(np.ones_like(x), pads)))
            expected = sums / counts
        np.testing.assert_allclose(y, np.asarray(expected), rtol=1e-5, atol=1e-5)

    # 3. the cells no tap reads (dropped at the end, skipped by strides, between dilated
    # taps) can change freely without changing the output; a read cell cannot (conv only:
    # a max/average may legitimately not move).
    rows, cols = (g.read_cells() for g in conv_geometry(size, kernel, **kwargs))
    unread = np.ones(size, bool)
    unread[np.ix_(rows, cols)] = False
    noisy = x.copy()
    noisy[0, unread, 0] = rng.standard_normal(int(unread.sum())) * 100
    np.testing.assert_allclose(np.asarray(layer(noisy)), y, rtol=1e-6, atol=1e-6)
    if kind == "conv" and rows and cols and np.any(layer.get_weights()[0] != 0):
        poked = x.copy()
        poked[0, rows[-1], cols[-1], 0] += 1000.0
        assert not np.allclose(np.asarray(layer(poked)), y)
    # the trailing dropped cells lie past every read cell; with a dense kernel (no
    # dilation) they are exactly the unread cells after the last read one
    for axis, read in enumerate((rows, cols)):
        dropped = dropped_cells(size, kernel, **kwargs)[axis]
        last = read[-1] if read else -1
        assert last < size[axis] - dropped
        if dilation[axis] == 1:
            assert dropped == size[axis] - 1 - last


def _dv_cases(n=2000, seed=7):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        i, k = int(rng.integers(1, 65)), int(rng.integers(1, 10))
        s, d = int(rng.integers(1, 6)), int(rng.integers(1, 5))
        if s > 1 and d > 1:
            d = 1
        yield i, k, s, d


def test_dumoulin_visin_valid():
    """Relationship 15 (dilated) with p = 0: o = floor((i - k - (k-1)(d-1)) / s) + 1."""
    checked = 0
    for i, k, s, d in _dv_cases():
        k_hat = k + (k - 1) * (d - 1)
        if k_hat > i:
            continue
        expected = math.floor((i - k - (k - 1) * (d - 1)) / s) + 1
        assert conv_output_size(i, k, strides=s, dilation_rate=d) == expected
        checked += 1
    assert checked > 500


def test_dumoulin_visin_same():
    """Relationship 6 with an asymmetric pair of paddings, and relationship 3 (half)."""
    for i, k, s, d in _dv_cases():
        before, after = same_padding(i, k, strides=s, dilation_rate=d)
        k_hat = k + (k - 1) * (d - 1)
        o = conv_output_size(i, k, strides=s, padding="same", dilation_rate=d)
        assert o == math.floor((i + before + after - k_hat) / s) + 1 == math.ceil(i / s)
        assert after - before in (0, 1)  # TF: the odd extra zero goes after
        if s == 1 and k_hat % 2 == 1:  # half padding: p = floor(k/2) on both sides
            assert (before, after) == (k_hat // 2, k_hat // 2)


def test_dumoulin_visin_full_padding():
    """Relationship 4: full padding p = k - 1 gives o = i + k - 1."""
    for i, k, _, _ in _dv_cases(200):
        assert conv_output_size(i + 2 * (k - 1), k) == i + k - 1


def test_odd_total_puts_extra_cell_after():
    assert same_padding(70, 4) == (1, 2)
    assert same_padding(6, 1, strides=2) == (0, 0)
    assert dropped_cells(6, 1, strides=2, padding="same") == 1  # stride > kernel skips


def test_int_and_tuple_forms():
    assert conv_output_size(70, 3) == 68
    assert conv_output_size((70, 120), 3) == (68, 118)
    assert conv_output_size([70, 120], (3, 5), strides=[1, 2]) == (68, 58)
    assert conv_output_size(np.int64(9), np.int32(2), strides=None) == 4
    assert conv_output_size(9, 3, padding="SAME") == 9  # case-insensitive, like Keras
    assert same_padding((70, 120), (4, 3)) == ((1, 2), (1, 1))
    assert conv_output_size((5, 6, 7), 3, padding="same", strides=2) == (3, 3, 4)


def test_pooling_default_strides_is_pool_size():
    assert conv_output_size(7, 2, strides=None) == 3
    assert conv_output_size((7, 9), (2, 3), strides=None, padding="same") == (4, 3)
    assert same_padding(7, 3, strides=None) == (1, 1)


def test_geometry_taps():
    (g,) = conv_geometry(5, 3, strides=2, padding="same")
    assert (g.pad_before, g.pad_after, g.output_size) == (1, 1, 3)
    assert [g.taps(i) for i in range(3)] == [(-1, 0, 1), (1, 2, 3), (3, 4, 5)]
    (g,) = conv_geometry(9, 3, dilation_rate=2)
    assert g.span == 5 and g.taps(4) == (4, 6, 8)
    with pytest.raises(ValueError, match="position"):
        g.taps(5)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(input_size=0, kernel_size=3), ValueError, "input_size"),
        (dict(input_size=(5, -1), kernel_size=3), ValueError, "input_size"),
        (dict(input_size=5, kernel_size=0), ValueError, "kernel_size"),
        (dict(input_size=5, kernel_size=3, strides=0), ValueError, "strides"),
        (dict(input_size=5, kernel_size=3, dilation_rate=0), ValueError, "dilation_rate"),
        (dict(input_size=5.0, kernel_size=3), TypeError, "input_size must be an int"),
        (dict(input_size=5, kernel_size=2.5), TypeError, "kernel_size must be an int"),
        (dict(input_size="5", kernel_size=3), TypeError, "input_size"),
        (dict(input_size=True, kernel_size=3), TypeError, "input_size"),
        (dict(input_size=5, kernel_size=3, padding="full"), ValueError, "padding"),
        (dict(input_size=5, kernel_size=3, padding=None), TypeError, "padding"),
        (dict(input_size=3, kernel_size=5), ValueError, "kernel_size"),
        (dict(input_size=5, kernel_size=3, dilation_rate=3), ValueError, "kernel_size.*dilated"),
        (
            dict(input_size=9, kernel_size=3, strides=2, dilation_rate=2),
            ValueError,
            "strides.*dilation",
        ),
        (
            dict(input_size=9, kernel_size=3, strides=(2, 1), dilation_rate=(1, 2)),
            ValueError,
            "dilation",
        ),
        (dict(input_size=(5, 6), kernel_size=(3, 3, 3)), ValueError, "one entry per axis"),
        (dict(input_size=(), kernel_size=()), ValueError, "at least one axis"),
    ],
)
def test_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        conv_output_size(**kwargs)


def test_numpy_integers_are_integers():
    assert conv_output_size(np.int64(70), np.int32(3), strides=np.uint8(2)) == 34
    assert same_padding(np.int16(5), 3, strides=np.int64(2)) == (1, 1)


def test_bad_input_same_padding():
    with pytest.raises(ValueError, match="strides"):
        same_padding(9, 3, strides=0)
    # `same` never fails for a large kernel: it pads instead
    assert same_padding(2, 5) == (2, 2)
