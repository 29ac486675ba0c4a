"""grad_cam (Selvaraju et al.) against CAM, a hand computation and Keras' own recipe;
GradCamDisplay; every bad input."""

import numeric
import numpy as np
import pytest

import vizcnn as vz

FASHION = list(vz.data.FASHION_MNIST_CLASSES)  # the class names the lessons use


@pytest.fixture(scope="module")
def resnet():
    from vizcnn.backend import keras

    keras().utils.set_random_seed(0)
    model = vz.models.small_resnet(stages=((16, 1), (32, 1), (64, 1)), stem_filters=8)
    # a trained network's BN is not the identity: move it, so the maps are not trivial
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if layer.name.startswith("res"):
            for bn in [*layer.main_layers, *layer.skip_layers]:
                if type(bn).__name__ == "BatchNormalization":
                    c = bn.gamma.shape[0]
                    bn.set_weights(
                        [
                            rng.uniform(0.5, 1.5, c),
                            rng.normal(0, 0.3, c),
                            rng.normal(0, 0.2, c),
                            rng.uniform(0.5, 2.0, c),
                        ]
                    )
    return model


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(1).random((6, 28, 28, 1), dtype=np.float32)


# The fixture's maps at res3_1 run 7 convolutions forward (up to 3 * 3 * 64 = 576 terms
# each), then the dense layer's and the mean's gradients back: 9 reductions of at most 576
# terms on maps scaled to a peak of 1 (tests/numeric.py, rule 4).
RESNET_CAM = numeric.network(depth=9, fan_in=576)


def _assert_normalised(maps):
    assert maps.dtype == np.float32
    assert np.isfinite(maps).all() and (maps >= 0).all()
    peaks = maps.max(axis=(1, 2))
    assert np.all((peaks == 1.0) | (peaks == 0.0)), peaks


def _predicted(model, x):
    return np.asarray(model(x, training=False)).argmax(-1)


# --------------------------------------------------------------------------- the maps


def test_shape_range_and_default_layer(resnet, images):
    maps = vz.grad_cam(resnet, images)
    assert maps.shape == (6, 28, 28)
    _assert_normalised(maps)
    assert (maps.max(axis=(1, 2)) == 1.0).sum() >= 4  # most maps are not all zero
    # the default is the last 4-D layer: the last residual unit
    np.testing.assert_array_equal(maps, vz.grad_cam(resnet, images, layer="res3_1"))
    at_layer = vz.grad_cam(resnet, images, resize=False)
    assert at_layer.shape == (6, 4, 4)
    _assert_normalised(at_layer)
    assert vz.grad_cam(resnet, images, layer="res2_1", resize=False).shape == (6, 7, 7)


def test_equals_the_class_activation_map_for_gap_and_one_dense(resnet, images):
    """GAP + Dense: d logit_k / d A_c[i, j] = W[c, k] / (H' W'), so Grad-CAM is CAM."""
    classes = np.array([0, 3, 9, 5, 1, 7])
    A = vz.feature_maps(resnet, images, "res3_1")
    W = np.asarray(resnet.get_layer("output").kernel)
    for class_index in (None, classes):
        k = _predicted(resnet, images) if class_index is None else class_index
        cam = np.maximum(np.einsum("nijc,cn->nij", A, W[:, k]), 0)
        assert (cam.max(axis=(1, 2)) > 0).all()
        expected = cam / cam.max(axis=(1, 2), keepdims=True)
        maps = vz.grad_cam(resnet, images, class_index=class_index, resize=False)
        np.testing.assert_allclose(maps, expected, **RESNET_CAM)
        assert not np.allclose(maps, maps[:1])  # the images differ


def test_hand_computation_on_a_tiny_model(keras):
    """Conv2D (2 filters) -> Flatten -> Dense softmax, differentiated by hand."""
    rng = np.random.default_rng(3)
    model = keras.Sequential(
        [
            keras.Input((6, 6, 1)),
            keras.layers.Conv2D(2, 3, activation="relu", name="conv"),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ]
    )
    K, b = rng.normal(size=(3, 3, 1, 2)), rng.normal(0, 0.1, 2)
    W, c = rng.normal(size=(32, 3)), rng.normal(size=3)
    model.get_layer("conv").set_weights([K, b])
    model.get_layer("out").set_weights([W, c])
    x = rng.random((4, 6, 6, 1)).astype("float32")

    A = np.zeros((4, 4, 4, 2))  # the convolution, by hand
    for i in range(4):
        for j in range(4):
            A[:, i, j, :] = np.einsum("nab,abf->nf", x[:, i : i + 3, j : j + 3, 0], K[:, :, 0])
    A = np.maximum(A + b, 0)

    def by_hand(W, c):
        logits = A.reshape(4, 32) @ W + c  # Flatten is row-major: index (i * 4 + j) * 2 + f
        k = logits.argmax(-1)
        d_logit = W[:, k].T.reshape(4, 4, 4, 2)  # d logit_k / d A: the Dense weights
        raw = np.maximum((d_logit.mean(axis=(1, 2), keepdims=True) * A).sum(-1), 0)
        peak = raw.max(axis=(1, 2), keepdims=True)
        return logits, k, raw, np.divide(raw, peak, out=np.zeros_like(raw), where=peak > 0)

    logits, k, raw, expected = by_hand(W, c)
    maps = vz.grad_cam(model, x, resize=False)
    # float32 against float64: the convolution (9 terms), the dense layer (32) and its
    # gradient (32), on maps scaled to a peak of 1
    tolerance = numeric.network(depth=3, fan_in=32)
    np.testing.assert_allclose(maps, expected, **tolerance)
    assert 0 < (maps == 0).mean() < 0.9  # the ReLU cut some places, not all

    # new weights (training goes on): the next call uses them
    W2, c2 = rng.normal(size=(32, 3)), rng.normal(size=3)
    model.get_layer("out").set_weights([W2, c2])
    np.testing.assert_allclose(vz.grad_cam(model, x, resize=False), by_hand(W2, c2)[3], **tolerance)
    model.get_layer("out").set_weights([W, c])

    # the probability's gradient would weigh the channels differently
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    pk = p[np.arange(4), k][:, None]
    d_prob = pk * (W[:, k].T - p @ W.T)  # d p_k / d A, flattened
    raw_p = np.maximum((d_prob.reshape(4, 4, 4, 2).mean(axis=(1, 2), keepdims=True) * A).sum(-1), 0)
    peak_p = raw_p.max(axis=(1, 2), keepdims=True)
    from_prob = np.divide(raw_p, peak_p, out=np.zeros_like(raw_p), where=peak_p > 0)
    assert not np.allclose(from_prob, expected, atol=1e-2)

    # resize=True: the same map, bilinear-resized to 6x6, then scaled to a maximum of 1
    tf = vz.import_tensorflow()
    big = np.asarray(tf.image.resize(raw[..., None].astype("float32"), (6, 6)))[..., 0]
    top = big.max(axis=(1, 2), keepdims=True)
    big = np.divide(big, top, out=np.zeros_like(big), where=top > 0)
    np.testing.assert_allclose(vz.grad_cam(model, x), big, **tolerance)


def test_class_index_none_is_the_predicted_class_and_arrays_go_per_image(resnet, images):
    predicted = _predicted(resnet, images)
    default = vz.grad_cam(resnet, images, resize=False)
    np.testing.assert_array_equal(
        default, vz.grad_cam(resnet, images, class_index=predicted, resize=False)
    )
    classes = [2, 2, 7, 0, 9, 4]
    mixed = vz.grad_cam(resnet, images, class_index=np.array(classes), resize=False)
    for n, k in enumerate(classes):
        alone = vz.grad_cam(resnet, images[n : n + 1], class_index=k, resize=False)
        # one image and six pick different oneDNN kernels: the same sums in another order
        np.testing.assert_allclose(mixed[n], alone[0], **RESNET_CAM)
    other = np.where(predicted == 0, 1, 0)
    assert not np.allclose(default, vz.grad_cam(resnet, images, class_index=other, resize=False))


def test_chunks_give_the_same_maps(resnet, images):
    np.testing.assert_allclose(
        vz.grad_cam(resnet, images, batch_size=4), vz.grad_cam(resnet, images), **RESNET_CAM
    )


def test_skip_connections_match_keras_recipe(keras, images):
    """A layer inside a residual unit of a functional model with Add layers: the
    Keras-tutorial recipe (one model returning the maps and the output) agrees."""
    tf = vz.import_tensorflow()
    keras.utils.set_random_seed(2)
    model = vz.models.resnet_like(units_per_stage=1, widths=(8, 16, 16))
    layer = model.get_layer("s2u1_conv1")
    dense = model.layers[-1]
    both = keras.Model(model.inputs[0], [layer.output, dense.input])
    k = 4

    @tf.function  # traced: eager TF would also take the filter gradients (see grad_cam)
    def recipe(x):
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(x)  # records the whole pass, A included
            A, h = both(x, training=False)
            logit = tf.reduce_sum((h @ dense.kernel + dense.bias)[:, k])
        weights = tf.reduce_mean(tape.gradient(logit, A), axis=(1, 2), keepdims=True)
        return A, weights

    A, weights = recipe(tf.constant(images))
    raw = np.maximum(np.asarray(tf.reduce_sum(weights * A, axis=-1)), 0)
    expected = raw / raw.max(axis=(1, 2), keepdims=True)
    maps = vz.grad_cam(model, images, layer="s2u1_conv1", class_index=k, resize=False)
    assert maps.shape == (6, 14, 14)
    # two graphs over the same weights: 4 convolutions forward, about 6 back, <= 144 terms
    np.testing.assert_allclose(maps, expected, **numeric.network(depth=10, fan_in=144))


def test_nested_model_layers(keras, images):
    keras.utils.set_random_seed(4)
    block = keras.Sequential(
        [
            keras.Input((14, 14, 4)),
            keras.layers.Conv2D(6, 3, name="inner_conv"),
            keras.layers.ReLU(name="inner_relu"),
        ],
        name="block",
    )
    inputs = keras.Input((28, 28, 1))
    h = keras.layers.Conv2D(4, 3, strides=2, padding="same", name="outer_conv")(inputs)
    h = keras.layers.GlobalAveragePooling2D(name="gap")(block(h))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax", name="out")(h))
    # GAP + Dense after the block: Grad-CAM at its output is the CAM
    A = vz.feature_maps(model, images, "block")
    k = _predicted(model, images)
    cam = np.maximum(
        np.einsum("nijc,cn->nij", A, np.asarray(model.get_layer("out").kernel)[:, k]), 0
    )
    expected = cam / cam.max(axis=(1, 2), keepdims=True)
    tolerance = numeric.network(depth=4, fan_in=36)  # two convolutions, the CAM sum, back
    for layer in ("block", "block/inner_relu", None):  # None: the last 4-D layer, nested
        maps = vz.grad_cam(model, images, layer=layer, resize=False)
        np.testing.assert_allclose(maps, expected, **tolerance)
    inner = vz.grad_cam(model, images, layer="block/inner_conv")
    assert inner.shape == (6, 28, 28)
    _assert_normalised(inner)
    assert vz.grad_cam(model, images, layer="outer_conv", resize=False).shape == (6, 14, 14)


def test_basic_cnn_defaults_to_its_last_pooling(images):
    model = vz.models.basic_cnn()
    maps = vz.grad_cam(model, images[:2], resize=False)
    assert maps.shape == (2, 3, 3)
    _assert_normalised(maps)


def test_bfloat16_model(keras, images, bfloat16_convolutions):
    config = {"stages": ((8, 1), (16, 1)), "stem_filters": 8}
    keras.utils.set_random_seed(5)
    twin = vz.models.small_resnet(**config)
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = vz.models.small_resnet(**config)
        model.set_weights(twin.get_weights())
        assert model.get_layer("res2_1").compute_dtype == "bfloat16"
        maps = vz.grad_cam(model, images[:3], layer="res1_1")
        at_layer = vz.grad_cam(model, images[:3], resize=False)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert maps.shape == (3, 28, 28) and at_layer.shape == (3, 7, 7)
    _assert_normalised(maps)
    _assert_normalised(at_layer)
    # bfloat16 rounding moves the maps a little, not their pattern
    exact = vz.grad_cam(twin, images[:3], layer="res1_1")
    assert (exact.max(axis=(1, 2)) == 1.0).all()
    for rounded, reference in zip(maps, exact, strict=True):
        assert np.corrcoef(rounded.ravel(), reference.ravel())[0, 1] > 0.98


# --------------------------------------------------------------------------- the display


def test_display_draws_maps_titles_and_one_colour_bar(resnet, images):
    y_true = np.array([0, 1, 6, 3, 4, 5])
    display = vz.GradCamDisplay.from_model(
        resnet, images, y_true=y_true, class_names=FASHION, alpha=0.4
    )
    predicted = _predicted(resnet, images)
    np.testing.assert_array_equal(display.predicted_, predicted)
    np.testing.assert_allclose(display.heatmaps_, vz.grad_cam(resnet, images), **RESNET_CAM)
    assert display.heatmaps_.shape == (6, 28, 28)
    assert len(display.overlays_) == len(display.images_) == len(display.titles_) == 6
    assert display.overlays_[0].get_alpha() == 0.4
    assert display.overlays_[0].get_clim() == (0.0, 1.0)
    assert display.axes_.shape == (1, 6)
    assert display.colorbar_.ax.get_ylabel() == "Grad-CAM (relative)"
    colorbars = [ax for ax in display.figure_.axes if ax not in display.axes_.flat]
    assert len(colorbars) == 1
    for n, title in enumerate(display.titles_):
        text = title.get_text()
        assert text.startswith(f"true: {FASHION[y_true[n]]}\npred: {FASHION[predicted[n]]} (")
    width, _ = display.figure_.get_size_inches()
    assert width <= 10.5


def test_display_names_the_explained_class_and_wraps_rows(resnet, images):
    x = np.concatenate([images, images])
    display = vz.GradCamDisplay.from_model(resnet, x, class_index=3, cmap="jet")
    assert display.axes_.shape == (2, 6)
    assert (display.class_index_ == 3).all()
    predicted = _predicted(resnet, x)
    for n, title in enumerate(display.titles_):
        assert ("map for: 3" in title.get_text()) == (predicted[n] != 3)
        assert title.get_text().startswith(f"pred: {predicted[n]} (")


def test_display_draws_into_given_axes_from_given_maps(images):
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(2, 4)
    maps = np.random.default_rng(0).random((6, 4, 4))  # at the layer's resolution
    display = vz.GradCamDisplay(images, maps, predicted=np.arange(6), class_names=FASHION)
    display.plot(ax=ax, colorbar=False)
    assert display.figure_ is figure and display.colorbar_ is None
    assert [a.get_visible() for a in ax.flat] == [True] * 6 + [False] * 2
    assert display.overlays_[0].get_extent() == [-0.5, 27.5, 27.5, -0.5]  # stretched
    assert [t.get_text() for t in display.titles_][:2] == ["pred: T-shirt/top", "pred: Trouser"]
    with pytest.raises(ValueError, match="ax must hold at least 6 Axes"):
        display.plot(ax=ax[0])


def test_display_errors(resnet, images):
    with pytest.raises(ValueError, match="y_true"):
        vz.GradCamDisplay.from_model(resnet, images, y_true=[0, 1, 2])
    with pytest.raises(ValueError, match="class_names must name the model's 10 classes"):
        vz.GradCamDisplay.from_model(resnet, images, class_names=FASHION[:9])
    with pytest.raises(TypeError, match="class_names"):
        vz.GradCamDisplay.from_model(resnet, images, class_names="abc")
    with pytest.raises(ValueError, match="alpha"):
        vz.GradCamDisplay.from_model(resnet, images, alpha=1.5)
    with pytest.raises(ValueError, match="heatmaps must hold one map per image"):
        vz.GradCamDisplay.from_result(images, np.zeros((5, 28, 28)), predicted=np.zeros(6, int))


def test_display_init_only_stores_and_plot_checks(images):
    maps = np.zeros((5, 28, 28))
    display = vz.GradCamDisplay(images, maps, predicted=np.zeros(6, int), layer_name="conv")
    assert display.heatmaps is maps and display.layer_name == "conv"  # stored as given
    assert not hasattr(display, "figure_")
    with pytest.raises(ValueError, match=r"heatmaps must hold one map per image \(6\), got 5"):
        display.plot()


def test_from_result_draws_given_arrays(images):
    maps = np.random.default_rng(1).random((6, 7, 7))
    display = vz.GradCamDisplay.from_result(
        images, maps, predicted=[0, 1, 2, 3, 4, 5], confidence=np.full(6, 0.25), alpha=0.3
    )
    np.testing.assert_array_equal(display.heatmaps_, maps.astype("float32"))
    assert display.overlays_[0].get_alpha() == 0.3
    assert [t.get_text() for t in display.titles_][:2] == ["pred: 0 (0.25)", "pred: 1 (0.25)"]


def test_display_names_the_default_layer(resnet, images):
    display = vz.GradCamDisplay.from_model(resnet, images[:2])
    assert display.figure_.get_suptitle() == "Grad-CAM at layer 'res3_1'"


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"class_index": 10}, ValueError, r"class_index must be in 0\.\.9 \(the model has 10"),
        ({"class_index": -1}, ValueError, "class_index must be in 0..9"),
        ({"class_index": [1, 2]}, ValueError, r"class_index must be one int, or one per image"),
        ({"class_index": np.zeros((6, 1), int)}, ValueError, r"shape \(6,\)"),
        ({"class_index": [0, 1, 2, 3, 4, 12]}, ValueError, r"class_index\[5\] must be in 0\.\.9"),
        ({"class_index": 1.0}, TypeError, "class_index must be an int"),
        ({"class_index": True}, TypeError, "class_index must be an int"),
        ({"class_index": "Shirt"}, TypeError, "class_index must be an int"),
        ({"class_index": np.zeros(6)}, TypeError, "class_index must hold ints"),
        ({"layer": "gap"}, ValueError, "'gap' is not a convolutional layer"),
        ({"layer": "output"}, ValueError, "not a convolutional layer"),
        ({"layer": "nope"}, ValueError, "layer='nope' is not a layer"),
        ({"layer": 3}, TypeError, "layer must be a layer name"),
        ({"resize": "yes"}, TypeError, "resize must be True or False"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
    ],
)
def test_bad_arguments(resnet, images, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        vz.grad_cam(resnet, images, **kwargs)


@pytest.mark.parametrize(
    ("x", "error", "pattern"),
    [
        (np.zeros((28, 28, 1)), ValueError, r"x must be a batch of images"),
        (np.zeros((2, 28, 28, 3)), ValueError, "x has 3 channels"),
        (np.zeros((2, 14, 14, 1)), ValueError, "x has spatial shape"),
        (np.full((2, 28, 28, 1), np.nan), ValueError, "NaN"),
        (np.zeros((0, 28, 28, 1)), ValueError, "x is empty"),
        ("images", TypeError, "x must be a numeric array"),
    ],
)
def test_bad_x(resnet, x, error, pattern):
    with pytest.raises(error, match=pattern):
        vz.grad_cam(resnet, x)


def test_pixels_in_0_255_warn_unless_the_model_rescales(keras, resnet, images):
    with pytest.warns(
        UserWarning, match=r"grad_cam: x holds values up to 25\d.*vz\.data\.scale_images"
    ):
        vz.grad_cam(resnet, images * 255)
    with pytest.warns(UserWarning, match="x holds uint8 pixels"):
        vz.grad_cam(resnet, (images * 255).astype("uint8"))
    inputs = keras.Input((28, 28, 1))
    h = keras.layers.Rescaling(1 / 255)(inputs)
    h = keras.layers.GlobalAveragePooling2D()(keras.layers.Conv2D(3, 3, name="conv")(h))
    rescaled = keras.Model(inputs, keras.layers.Dense(2)(h))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vz.grad_cam(rescaled, images * 255)


def test_bad_models(keras, images):
    with pytest.raises(TypeError, match="model must be a keras.Model"):
        vz.grad_cam("model", images)
    inputs = keras.Input((28, 28, 1))
    mlp = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Flatten()(inputs)))
    with pytest.raises(ValueError, match="no layer with a 4-D output"):
        vz.grad_cam(mlp, images)
    conv_only = keras.Model(inputs, keras.layers.Conv2D(2, 3)(inputs))
    with pytest.raises(ValueError, match=r"needs a classifier.*not \(N, n_classes\)"):
        vz.grad_cam(conv_only, images)
    pixel = keras.Input((1, 1, 1))
    flat = keras.layers.Flatten()(keras.layers.Conv2D(2, 1)(pixel))
    with pytest.raises(ValueError, match="every 4-D layer .* has a 1x1 grid"):
        vz.grad_cam(keras.Model(pixel, keras.layers.Dense(3)(flat)), images[:, :1, :1])
