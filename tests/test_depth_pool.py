"""DepthPool: NumPy reference, shapes, serialization, gradients, bad arguments."""

import numpy as np
import pytest

import vizcnn as vz


@pytest.fixture(scope="module")
def tf():
    return vz.import_tensorflow()


def depth_pool_reference(x, pool_size, mode):
    """Pool consecutive channels with plain loops: the definition, written the slow way."""
    groups = x.shape[-1] // pool_size
    out = np.empty((*x.shape[:-1], groups), dtype=x.dtype)
    reduce = np.max if mode == "max" else np.mean
    for g in range(groups):
        out[..., g] = reduce(x[..., g * pool_size : (g + 1) * pool_size], axis=-1)
    return out


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("pool_size, channels", [(2, 8), (3, 6), (4, 12), (1, 5), (6, 6)])
def test_matches_numpy_reference(mode, pool_size, channels):
    x = np.random.default_rng(pool_size * channels).normal(size=(3, 5, 7, channels))
    x = x.astype("float32")
    got = np.asarray(vz.layers.DepthPool(pool_size, mode=mode)(x))
    want = depth_pool_reference(x, pool_size, mode)
    assert got.shape == (3, 5, 7, channels // pool_size)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_groups_are_consecutive_channels():
    # Channel c holds the value c: max over groups of 3 picks the last of each group.
    x = np.broadcast_to(np.arange(9, dtype="float32"), (1, 2, 2, 9))
    got = np.asarray(vz.layers.DepthPool(3)(x))
    np.testing.assert_array_equal(got[0, 0, 0], [2.0, 5.0, 8.0])
    got = np.asarray(vz.layers.DepthPool(3, mode="avg")(x))
    np.testing.assert_array_equal(got[0, 0, 0], [1.0, 4.0, 7.0])


def test_other_ranks_pool_the_last_axis():
    x = np.random.default_rng(0).normal(size=(4, 10)).astype("float32")
    got = np.asarray(vz.layers.DepthPool(5)(x))
    np.testing.assert_allclose(got, depth_pool_reference(x, 5, "max"))


def test_static_output_shape_in_functional_model(keras):
    inputs = keras.Input((None, None, 12))
    outputs = vz.layers.DepthPool(4, mode="avg")(inputs)
    assert tuple(outputs.shape) == (None, None, None, 3)
    layer = vz.layers.DepthPool(3)
    assert layer.compute_output_shape((None, 7, 9, 6)) == (None, 7, 9, 2)


def test_unknown_batch_and_spatial_size_in_tf_function(tf):
    layer = vz.layers.DepthPool(2)
    static_shapes = []

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 6], tf.float32)])
    def pooled(t):
        y = layer(t)
        static_shapes.append(tuple(y.shape))
        return y

    x = np.random.default_rng(1).normal(size=(2, 3, 4, 6)).astype("float32")
    np.testing.assert_allclose(pooled(x).numpy(), depth_pool_reference(x, 2, "max"))
    assert static_shapes == [(None, None, None, 3)]


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_keras_file_round_trip(keras, tmp_path, mode):
    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [
            keras.Input((9, 9, 2)),
            keras.layers.Conv2D(8, 3, padding="same", name="conv"),
            vz.layers.DepthPool(4, mode=mode, name="depth_pool"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(3),
        ]
    )
    x = np.random.default_rng(4).normal(size=(5, 9, 9, 2)).astype("float32")
    path = tmp_path / "depth_pool.keras"
    model.save(path)
    # No custom_objects: the layer is registered under the package name "vizcnn".
    loaded = keras.models.load_model(path)
    layer = loaded.get_layer("depth_pool")
    assert isinstance(layer, vz.layers.DepthPool)
    assert (layer.pool_size, layer.mode) == (4, mode)
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))


def test_config_round_trip():
    layer = vz.layers.DepthPool(3, mode="avg", name="dp")
    config = layer.get_config()
    assert config["pool_size"] == 3 and config["mode"] == "avg" and config["name"] == "dp"
    clone = vz.layers.DepthPool.from_config(config)
    assert (clone.pool_size, clone.mode, clone.name) == (3, "avg", "dp")


def test_max_gradient_goes_to_the_winner_of_each_group(tf):
    x = tf.constant(np.random.default_rng(5).normal(size=(2, 3, 3, 8)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = vz.layers.DepthPool(4)(x)
        loss = tf.reduce_sum(y)
    grad = tape.gradient(loss, x).numpy()
    # Random normals have no ties, so each group of 4 has exactly one maximum.
    grouped = x.numpy().reshape(2, 3, 3, 2, 4)
    winner = grouped == grouped.max(axis=-1, keepdims=True)
    np.testing.assert_array_equal(grad.reshape(2, 3, 3, 2, 4), winner.astype("float32"))


def test_avg_gradient_is_shared_equally(tf):
    x = tf.constant(np.random.default_rng(6).normal(size=(1, 2, 2, 6)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(vz.layers.DepthPool(3, mode="avg")(x))
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), np.full((1, 2, 2, 6), 1 / 3))


def test_gradients_reach_the_convolution_below(keras, tf):
    keras.utils.set_random_seed(7)
    model = keras.Sequential(
        [keras.Input((6, 6, 1)), keras.layers.Conv2D(4, 3), vz.layers.DepthPool(2)]
    )
    x = np.random.default_rng(7).normal(size=(2, 6, 6, 1)).astype("float32")
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    assert len(grads) == 2  # kernel and bias
    assert all(g is not None and np.abs(g.numpy()).sum() > 0 for g in grads)


def test_has_no_weights():
    layer = vz.layers.DepthPool(2)
    layer(np.zeros((1, 2, 2, 4), "float32"))
    assert layer.count_params() == 0


def test_channels_not_divisible_names_both_numbers(keras):
    with pytest.raises(ValueError, match=r"6 channels.*pool_size=4"):
        vz.layers.DepthPool(4)(np.zeros((1, 2, 2, 6), "float32"))
    with pytest.raises(ValueError, match=r"10 channels.*pool_size=3"):
        vz.layers.DepthPool(3)(keras.Input((5, 5, 10)))


def test_unknown_channels_are_an_error(keras):
    with pytest.raises(ValueError, match="known channel count"):
        vz.layers.DepthPool(2)(keras.Input((5, 5, None)))


@pytest.mark.parametrize("pool_size", [0, -2])
def test_pool_size_below_one(pool_size):
    with pytest.raises(ValueError, match=rf"pool_size must be >= 1, got {pool_size}"):
        vz.layers.DepthPool(pool_size)


@pytest.mark.parametrize("pool_size", [2.0, "2", True, None])
def test_pool_size_must_be_an_int(pool_size):
    with pytest.raises(TypeError, match="pool_size must be an int"):
        vz.layers.DepthPool(pool_size)


@pytest.mark.parametrize(
    ("mode", "error"), [("min", ValueError), ("average", ValueError), (None, TypeError)]
)
def test_bad_mode(mode, error):
    with pytest.raises(error, match="mode must be one of 'max', 'avg'"):
        vz.layers.DepthPool(2, mode=mode)
