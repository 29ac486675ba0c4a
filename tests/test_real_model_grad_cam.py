"""Grad-CAM on real keras.applications networks (random weights, small inputs): the
default layer skips 1x1 grids, binary (sigmoid) heads, and models with two outputs."""

import numpy as np
import pytest

import vizcnn as vz
from vizcnn.inspection.grad_cam import grad_cam_layer

# keras.applications models: graphs, not numerics, so `make test` runs them once
pytestmark = pytest.mark.applications

SIZE = 64  # MobileNetV3Small's last grid is 2x2 at 64 px, its head 1x1


@pytest.fixture(scope="module")
def mobilenet():
    from vizcnn.backend import keras

    keras().utils.set_random_seed(0)
    return keras().applications.MobileNetV3Small(weights=None, input_shape=(SIZE, SIZE, 3))


@pytest.fixture(scope="module")
def pixels():
    """Four 0-255 float images: MobileNetV3 rescales them itself (a Rescaling layer)."""
    return np.random.default_rng(0).uniform(0, 255, (4, SIZE, SIZE, 3)).astype("float32")


@pytest.fixture(scope="module")
def base():
    """MobileNetV3Small without its head: the feature extractor of transfer learning."""
    from vizcnn.backend import keras

    keras().utils.set_random_seed(1)
    return keras().applications.MobileNetV3Small(
        weights=None, include_top=False, input_shape=(SIZE, SIZE, 3)
    )


def _last_grid_larger_than_one(model):
    """By hand: the last layer whose output is (N, H, W, C) with H * W > 1."""
    found = None
    for layer in model.layers:
        shape = tuple(layer.output.shape)
        if len(shape) == 4 and shape[1] * shape[2] > 1:
            found = layer.name
    return found


def test_default_layer_skips_the_1x1_head(mobilenet, pixels):
    # the head's Conv2D layers act on a 1x1 grid after global pooling
    assert tuple(mobilenet.get_layer("conv_2").output.shape)[1:3] == (1, 1)
    chosen = grad_cam_layer(mobilenet)
    assert chosen == _last_grid_larger_than_one(mobilenet)
    assert tuple(mobilenet.get_layer(chosen).output.shape)[1:3] == (2, 2)
    maps = vz.grad_cam(mobilenet, pixels, resize=False)
    assert maps.shape == (4, 2, 2)
    assert np.isfinite(maps).all() and (maps >= 0).all()
    # not the constant map a 1x1 layer gives: each map has places below its peak
    assert (maps.min(axis=(1, 2)) < maps.max(axis=(1, 2))).all()


def test_asking_for_a_1x1_layer_warns_and_names_the_default(mobilenet, pixels):
    with pytest.warns(UserWarning, match=r"'conv_2' has a 1x1 grid") as caught:
        maps = vz.grad_cam(mobilenet, pixels[:2], layer="conv_2", resize=False)
    assert f"layer={grad_cam_layer(mobilenet)!r}" in str(caught[0].message)
    assert maps.shape == (2, 1, 1)


def test_a_model_that_rescales_gets_no_pixel_warning(mobilenet, pixels):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0-255 pixels, but the model starts with Rescaling
        vz.grad_cam(mobilenet, pixels[:1])


@pytest.fixture(scope="module")
def binary(base):
    """The keras.io transfer-learning head: the base, global pooling, Dense(1, sigmoid)."""
    from vizcnn.backend import keras

    keras = keras()
    inputs = keras.Input((SIZE, SIZE, 3))
    h = keras.layers.GlobalAveragePooling2D()(base(inputs, training=False))
    outputs = keras.layers.Dense(1, activation="sigmoid", name="cat_or_dog")(h)
    model = keras.Model(inputs, outputs, name="cats_vs_dogs")
    # weights that split the images: image 0 a dog (z = +2), image 1 a cat (z = -2)
    features = keras.Model(inputs, h).predict_on_batch(_binary_pixels()).astype("float64")
    w = features[0] - features[1]
    w *= 4 / (w @ w)
    bias = -w @ (features[0] + features[1]) / 2
    model.get_layer("cat_or_dog").set_weights([w[:, None], np.array([bias])])
    return model


def _binary_pixels():
    """Four images, dark and bright, so that random weights tell them apart."""
    rng = np.random.default_rng(2)
    low = np.array([0, 200, 40, 150])[:, None, None, None]
    return (low + rng.uniform(0, 55, (4, SIZE, SIZE, 3))).astype("float32")


def test_binary_head_display_titles_class_and_probability(binary):
    x = _binary_pixels()
    p = np.asarray(binary.predict_on_batch(x), dtype="float64")[:, 0]
    expected = (p >= 0.5).astype(int)
    assert expected[0] == 1 and expected[1] == 0  # both classes occur
    display = vz.GradCamDisplay.from_model(binary, x, class_names=["cat", "dog"])
    np.testing.assert_array_equal(display.predicted_, expected)
    # the probability of the class predicted: p for "dog", 1 - p for "cat"
    chosen = np.where(expected == 1, p, 1 - p)
    np.testing.assert_allclose(display.confidence_, chosen, rtol=1e-6, atol=1e-6)
    assert (display.confidence_ >= 0.5).all()
    for n, title in enumerate(display.titles_):
        name = ["cat", "dog"][expected[n]]
        assert title.get_text() == f"pred: {name} ({chosen[n]:.2f})"
    assert grad_cam_layer(binary).split("/")[-1] in display.figure_.get_suptitle()


def test_binary_head_maps_explain_each_class_by_its_own_sign(binary):
    x = _binary_pixels()
    p = np.asarray(binary.predict_on_batch(x))[:, 0]
    default = vz.grad_cam(binary, x, resize=False)
    np.testing.assert_array_equal(
        default, vz.grad_cam(binary, x, class_index=(p >= 0.5).astype(int), resize=False)
    )
    dog = vz.grad_cam(binary, x, class_index=1, resize=False)
    cat = vz.grad_cam(binary, x, class_index=0, resize=False)
    # class 0 is explained by -z: its channel weights are class 1's, negated, so the
    # two ReLU maps never both light up a place
    assert not ((dog > 0) & (cat > 0)).any()
    assert ((dog > 0) | (cat > 0)).any(axis=(1, 2)).all()
    with pytest.raises(ValueError, match=r"class_index must be in 0\.\.1 \(the model has 2"):
        vz.grad_cam(binary, x, class_index=2)


@pytest.fixture(scope="module")
def two_heads(base):
    from vizcnn.backend import keras

    keras = keras()
    inputs = keras.Input((SIZE, SIZE, 3))
    h = keras.layers.GlobalAveragePooling2D()(base(inputs, training=False))
    kind = keras.layers.Dense(5, activation="softmax", name="kind")(h)
    box = keras.layers.Dense(4, name="box")(h)
    return {
        "list": keras.Model(inputs, [kind, box], name="listed"),
        "dict": keras.Model(inputs, {"kind": kind, "box": box}, name="named"),
    }


@pytest.mark.parametrize("outputs", ["list", "dict"])
def test_two_outputs_are_refused_clearly_before_tensorflow_runs(
    two_heads, outputs, monkeypatch, pixels
):
    model = two_heads[outputs]
    tf = vz.import_tensorflow()

    def refuse(*args, **kwargs):
        raise AssertionError("TensorFlow ran before the model was checked")

    monkeypatch.setattr(tf, "GradientTape", refuse)
    monkeypatch.setattr(model, "predict_on_batch", refuse)
    pattern = r"needs a model with one output \(the class scores\); model '\w+' has 2"
    with pytest.raises(ValueError, match="grad_cam " + pattern):
        vz.grad_cam(model, pixels)
    with pytest.raises(ValueError, match="GradCamDisplay " + pattern) as caught:
        vz.GradCamDisplay.from_model(model, pixels)
    assert "'kind'" in str(caught.value) and "'box'" in str(caught.value)


def test_the_default_layer_is_not_padding_around_a_1x1_map(pixels):
    # ResNet50V2 at 32 px: conv5's maps are 1x1, and a ZeroPadding2D makes them 3x3 with
    # eight cells of zeros; the default must be a layer whose grid holds real values
    keras = vz.import_tensorflow().keras
    model = keras.applications.ResNet50V2(weights=None, input_shape=(32, 32, 3), classes=10)
    key = grad_cam_layer(model)
    layer = model.get_layer(key)
    assert type(layer).__name__ not in ("ZeroPadding2D", "Cropping2D")
    assert min(layer.output.shape[1:3]) > 1
    x = pixels[:4, :32, :32] / 127.5 - 1  # as its preprocess_input scales
    maps = vz.grad_cam(model, x, resize=False)
    assert np.ptp(maps) > 0  # not one constant value everywhere
