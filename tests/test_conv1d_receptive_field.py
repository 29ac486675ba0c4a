"""Receptive fields of 1-D models (sound, text): sizes, jumps and starts in steps, worked
out by hand, and the same fields measured with gradients on the linear probe."""

import numpy as np
import pytest

import vizcnn as vz
from vizcnn.arithmetic import axis_window
from vizcnn.graph.lookup import find_layer
from vizcnn.inspection.measured_field import _measured_masks


def _span(mask):
    """``((first, last),)`` of the steps a 1-D mask marks, ``None`` when it marks none."""
    steps = np.flatnonzero(mask)
    return None if steps.size == 0 else ((int(steps[0]), int(steps[-1])),)


def _assert_every_unit_measured(model):
    """For every layer with a grid, every unit's exact span == the gradient's span; layers
    without a grid: every step. Returns how many units were compared."""
    grid = tuple(model.inputs[0].shape[1:2])
    checked = 0
    for name, rf in vz.receptive_fields(model).items():
        positions = [None] if rf.is_global else [(t,) for t in range(rf.grid[0])]
        masks = _measured_masks(model, find_layer(model, name), grid, positions)
        for position, mask in zip(positions, masks, strict=True):
            assert _span(mask) == rf.box_in_image(position), (name, position)
            checked += 1
    return checked


@pytest.fixture
def wavenet(keras):
    """WaveNet's stack: kernel 2, dilations 1, 2, 4, 8, causal padding."""
    keras.utils.set_random_seed(0)
    layers = keras.layers
    return keras.Sequential(
        [keras.Input((40, 1))]
        + [
            layers.Conv1D(3, 2, dilation_rate=d, padding="causal", activation="relu", name=f"d{d}")
            for d in (1, 2, 4, 8)
        ]
        + [layers.GlobalMaxPooling1D(name="gmp"), layers.Dense(2, name="out")],
        name="wavenet",
    )


def test_a_dilated_causal_stack_sees_one_plus_the_sum_of_its_dilations(wavenet):
    fields = vz.receptive_fields(wavenet)
    seen = 1
    for d in (1, 2, 4, 8):
        seen += (2 - 1) * d  # each layer adds (k - 1) * dilation steps
        rf = fields[f"d{d}"]
        assert rf.size == (seen,)
        assert rf.jump == (1,)
        # causal: unit t sees steps t - (size - 1) .. t, so its centre lies (size - 1) / 2
        # before it
        assert rf.start == (-(seen - 1) / 2,)
        assert rf.grid == (40,)
        assert rf.box(30) == ((30 - (seen - 1), 30),)
        assert rf.box_in_image((0,)) == ((0, 0),)  # the first step sees only itself
    assert fields["d8"].size == (16,)
    assert fields["gmp"].is_global and fields["out"].is_global


def test_the_dilated_stack_measured_with_gradients_equals_the_walk(wavenet):
    grid = (40,)
    rf = vz.receptive_fields(wavenet)["d8"]
    for t in (0, 7, 15, 16, 39):
        mask = vz.empirical_receptive_field(wavenet, "d8", position=t)
        assert mask.shape == grid and mask.dtype == bool
        first = max(t - 15, 0)
        expected = np.zeros(grid, dtype=bool)
        expected[first : t + 1] = True
        np.testing.assert_array_equal(mask, expected)
        assert _span(mask) == rf.box_in_image(t)
    assert _assert_every_unit_measured(wavenet) > 4 * 40


def test_strides_same_and_valid_padding_and_pooling_by_hand(keras):
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((50, 2)),
            layers.Conv1D(3, 5, strides=2, padding="same", name="c1"),
            layers.MaxPooling1D(2, name="pool"),
            layers.Conv1D(3, 3, dilation_rate=2, name="c3"),
        ],
        name="strided",
    )
    fields = vz.receptive_fields(model)
    # c1: 25 outputs; TF pads (25 - 1) * 2 + 5 - 50 = 3 zeros, 1 before and 2 after, so
    # unit 0 covers steps -1..3, centre 1
    assert (fields["c1"].size, fields["c1"].jump, fields["c1"].start) == ((5,), (2,), (1,))
    assert fields["c1"].grid == (25,)
    # pool 2: 12 outputs; two c1 units 2 steps apart: 5 + 2 = 7 steps, jump 4, centre 2
    assert (fields["pool"].size, fields["pool"].jump, fields["pool"].start) == ((7,), (4,), (2,))
    # c3: span 5 pool units, 4 steps apart: 7 + 4 * 4 = 23; 8 outputs; centre 2 + 2 * 4
    assert (fields["c3"].size, fields["c3"].jump, fields["c3"].start) == ((23,), (4,), (10,))
    assert fields["c3"].grid == (8,)
    assert _assert_every_unit_measured(model) == 25 + 12 + 8


def test_every_1d_kind_equals_its_measured_field(keras):
    layers = keras.layers
    inputs = keras.Input((30, 2))
    x = layers.ZeroPadding1D((2, 1), name="pad")(inputs)
    x = layers.SeparableConv1D(4, 3, strides=2, padding="valid", name="sep")(x)
    x = layers.DepthwiseConv1D(3, padding="same", name="dw")(x)
    x = layers.AveragePooling1D(3, strides=1, padding="same", name="avg")(x)
    branch = layers.Conv1D(4, 2, padding="causal", name="causal")(x)
    x = layers.Add(name="add")([x, branch])
    x = layers.Cropping1D((1, 2), name="crop")(x)
    x = layers.Conv1D(4, 4, padding="same", name="even")(x)
    x = layers.GlobalAveragePooling1D(name="gap")(x)
    model = keras.Model(inputs, layers.Dense(2, name="out")(x), name="kinds")
    fields = vz.receptive_fields(model)
    # by hand: padding 2 shifts the grid; sep: 3 taps, jump 2, unit 0 centred on padded
    # step 1 = input step -1; dw 'same': 3 taps 2 steps apart, size 3 + 2 * 2 = 7
    assert (fields["sep"].size, fields["sep"].jump, fields["sep"].start) == ((3,), (2,), (-1,))
    assert (fields["dw"].size, fields["dw"].start) == ((7,), (-1,))
    # avg 3 'same' stride 1: one unit each side, size 7 + 2 * 2 = 11 (steps -6..4 for
    # unit 0); the causal branch adds the unit before: steps -8..4, 13 steps centred on -2
    assert (fields["avg"].size, fields["avg"].start) == ((11,), (-1,))
    assert (fields["causal"].size, fields["causal"].start) == ((13,), (-2,))
    assert (fields["add"].size, fields["add"].start) == ((13,), (-2,))
    # cropping one unit (2 steps) from the front moves unit 0's centre by 2
    assert (fields["crop"].size, fields["crop"].start) == ((13,), (0,))
    assert fields["crop"].grid == (16 - 3,)
    # an even kernel, 'same': 1 zero before, 2 after; centre half a unit after unit 0's
    assert (fields["even"].size, fields["even"].start) == ((13 + 3 * 2,), (1,))
    assert _assert_every_unit_measured(model) >= 5 * 10


def test_the_table_counts_steps_as_plain_numbers(wavenet):
    table = vz.receptive_field_table(wavenet)
    assert table.loc["d4", "size"] == 1 + 1 + 2 + 4
    assert table.loc["d4", "jump"] == 1
    assert table.loc["d4", "start"] == -3.5
    assert table.loc["d4", "output"] == 40
    assert table.loc["d1", "type"] == "Conv1D"


def test_a_free_length_model_keeps_its_sizes_and_takes_input_size(keras):
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((None, 1)),
            layers.Conv1D(2, 3, padding="causal", dilation_rate=3, name="c"),
            layers.Conv1D(2, 4, strides=2, padding="same", name="s"),
        ]
    )
    free = vz.receptive_fields(model)
    assert free["c"].size == (7,) and free["c"].start == (-3,)  # causal: no size needed
    assert free["s"].size == (10,) and free["s"].grid == (None,)
    fixed = vz.receptive_fields(model, input_size=101)
    assert fixed["s"].grid == (51,)
    assert vz.receptive_fields(model, input_size=(101,))["s"] == fixed["s"]


def test_causal_windows_are_what_keras_computes(keras):
    for n, k, s, d in [(10, 3, 1, 1), (10, 3, 2, 1), (7, 2, 1, 4), (9, 4, 3, 1), (1, 5, 1, 2)]:
        window = axis_window(n, k, strides=s, padding="causal", dilation_rate=d)
        layer = keras.layers.Conv1D(1, k, strides=s, dilation_rate=d, padding="causal")
        out = layer.compute_output_shape((None, n, 1))[1]
        assert window.output_size == out, (n, k, s, d)
        assert (window.pad_before, window.pad_after) == (d * (k - 1), 0)
        # the last output reads nothing after its own step t * s
        assert max(window.taps(window.output_size - 1)) == (window.output_size - 1) * s
    free = axis_window(None, 3, strides=2, padding="causal", dilation_rate=1)
    assert free.pad_before == 2 and free.output_size is None


def test_positions_on_a_1d_grid(wavenet):
    rf = vz.receptive_fields(wavenet)["d2"]
    assert rf.center(5) == rf.center((5,)) == (5 - 1.5,)
    assert rf.center() == rf.center(20)  # None: the centre unit, 40 // 2
    with pytest.raises(ValueError, match=r"position 40 is outside the grid of 40 steps"):
        rf.box(40)
    with pytest.raises(ValueError, match=r"position must be one step t"):
        rf.box((1, 2))
    with pytest.raises(TypeError, match=r"position must be an int t"):
        rf.box(1.5)
    with pytest.raises(ValueError, match=r"position 40 is outside"):
        vz.empirical_receptive_field(wavenet, "d2", position=40)


def test_the_effective_field_of_a_1d_unit_lies_inside_its_field(wavenet):
    x = np.random.default_rng(0).standard_normal((4, 40, 1)).astype("float32")
    strength = vz.inspection.effective_receptive_field(wavenet, x, "d4", position=20, channel=1)
    assert strength.shape == (40,)
    ((first, last),) = vz.receptive_fields(wavenet)["d4"].box_in_image(20)
    assert (first, last) == (20 - 7, 20)
    assert not strength[:first].any() and not strength[last + 1 :].any()
    assert strength[first : last + 1].any()
