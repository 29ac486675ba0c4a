"""The public API on real models nobody here wrote: one row per model, one cell per function.

Every public function of vizcnn runs on ``keras.applications`` models (``weights=None``,
the smallest input each accepts, ``classes=10``) and on hand-built models that stress
what the lessons' models do not: a subclassed model, a custom per-position layer, two
outputs, preprocessing layers in front, a ``mixed_bfloat16`` model, a nested transfer
model (a MobileNetV2 base in a ``Sequential``) and its sigmoid-head twin.

Each cell is one of:

- ``ok``: the call returned, and what can be checked of its result holds (finite values,
  a Grad-CAM map that is not constant, ``feature_maps`` equal to a Keras sub-model's
  output, ``layer_costs`` summing to ``model.count_params()``, the measured field's box
  equal to the theoretical one, a widget with no ``error``);
- ``refused``: a ``ValueError`` or ``TypeError`` raised by vizcnn itself, in words, about
  something the model does not support (review the messages: that they are *clear* is a
  human judgement);
- ``error``: anything else: an exception from inside TensorFlow, Keras or NumPy, another
  exception type, a wrong result detected, or a widget that shows an error;
- ``timeout``: the call ran past ``--call-timeout`` seconds.

Printed as a Markdown table, with every non-ok cell's message (and, for errors, the last
lines of the traceback) below it; ``--json`` writes every cell, the CPU and the versions.

Run: ``.venv/bin/python benchmarks/real_models.py [--quick] [--models a,b]
[--json benchmarks/results/real_models.json]``
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import signal
import sys
import time
import traceback
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import vizcnn as vz  # noqa: E402
from vizcnn.graph import keras_internals  # noqa: E402
from vizcnn.graph.lookup import path_key  # noqa: E402

N_IMAGES = 8
TOP_K = 4
ASCENT_STEPS = 5
CALL_TIMEOUT_S = 300

# keras.applications models: (constructor name, input size). The smallest size each
# accepts (keras' obtain_input_shape: 32 for most, 75 for InceptionV3, 71 for Xception);
# at these sizes each still has several layers with a grid larger than 1x1.
APPLICATIONS = {
    "MobileNetV2": 32,
    "MobileNetV3Small": 32,
    "EfficientNetB0": 32,
    "EfficientNetV2B0": 32,
    "ConvNeXtTiny": 32,
    "DenseNet121": 32,
    "InceptionV3": 75,
    "Xception": 71,
    "ResNet50V2": 32,
    "NASNetMobile": 32,
    "VGG16": 32,
    "RegNetX002": 32,  # tf.keras 2 only: Keras 3 has no RegNet (reported as unavailable)
}
HAND_BUILT = (
    "Subclassed",
    "CustomLayer",
    "TwoOutput",
    "Preprocessing",
    "BFloat16",
    "NestedTransfer",
    "SigmoidHead",
)
ALL_MODELS = (*APPLICATIONS, *HAND_BUILT)
QUICK_MODELS = ("MobileNetV3Small", "CustomLayer", "TwoOutput")

FUNCTIONS = (
    "receptive_fields",
    "receptive_field_table",
    "layer_costs",
    "forward_flops_per_image",
    "feature_maps",
    "filters",
    "grad_cam",
    "top_activating_patches",
    "activation_maximization",
    "empirical_receptive_field",
    "FeatureMapDisplay",
    "FilterDisplay",
    "GradCamDisplay",
    "ReceptiveFieldDisplay",
    "ArchitectureDisplay",
    "FeatureMapExplorer",
    "UnitExplorer",
)
SHORT = {
    "receptive_fields": "rf",
    "receptive_field_table": "rf table",
    "layer_costs": "costs",
    "forward_flops_per_image": "flops",
    "feature_maps": "fmaps",
    "filters": "filters",
    "grad_cam": "grad_cam",
    "top_activating_patches": "top",
    "activation_maximization": "act max",
    "empirical_receptive_field": "emp rf",
    "FeatureMapDisplay": "FM disp",
    "FilterDisplay": "Filt disp",
    "GradCamDisplay": "GC disp",
    "ReceptiveFieldDisplay": "RF disp",
    "ArchitectureDisplay": "Arch disp",
    "FeatureMapExplorer": "FM expl",
    "UnitExplorer": "Unit expl",
}


class WrongResult(Exception):
    """A call returned, but its result is detectably wrong (NaN, a constant map, ...)."""


class CallTimeout(Exception):
    """The call ran past the time limit."""


class Unavailable(Exception):
    """The model cannot be built here (e.g. a constructor this Keras does not have)."""


# --------------------------------------------------------------------------- models


def _keras():
    from vizcnn.backend import import_tensorflow

    import_tensorflow()  # quietly, as vizcnn does
    import keras  # the same classes as tf.keras (Keras 3), with keras.saving

    return keras


def _register(keras):
    """The custom layer and the subclassed model (defined once per process)."""
    if "ChannelGate" in globals():
        return

    @keras.saving.register_keras_serializable(package="real_models")
    class ChannelGate(keras.layers.Layer):
        """A per-position custom op: ``tanh(x * gain + bias)``, one gain and bias per
        channel (changes no position: its receptive field is its input's)."""

        def build(self, input_shape):
            self.gain = self.add_weight(shape=(input_shape[-1],), initializer="ones")
            self.bias = self.add_weight(shape=(input_shape[-1],), initializer="zeros")

        def call(self, x):
            return keras.ops.tanh(x * self.gain + self.bias)

    class SubclassedCNN(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            layers = keras.layers
            self.conv1 = layers.Conv2D(16, 3, padding="same", activation="relu", name="conv1")
            self.pool = layers.MaxPool2D(name="pool")
            self.conv2 = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv2")
            self.gap = layers.GlobalAveragePooling2D(name="gap")
            self.dense = layers.Dense(10, activation="softmax", name="dense")

        def call(self, x):
            return self.dense(self.gap(self.conv2(self.pool(self.conv1(x)))))

    globals()["ChannelGate"] = ChannelGate
    globals()["SubclassedCNN"] = SubclassedCNN


def _small_trunk(keras, h, *, norm=False):
    layers = keras.layers
    for i, filters in enumerate((16, 32, 64), start=1):
        h = layers.Conv2D(filters, 3, padding="same", name=f"conv{i}")(h)
        if norm:
            h = layers.BatchNormalization(name=f"bn{i}")(h)
        h = layers.ReLU(name=f"relu{i}")(h)
        if i < 3:
            h = layers.MaxPool2D(name=f"pool{i}")(h)
    return layers.GlobalAveragePooling2D(name="gap")(h)


def build_model(name: str, seed: int = 0):
    """``(model, images)`` for one model of :data:`ALL_MODELS` (images: N_IMAGES random
    ones the model takes: ``[0, 1)``, or ``[0, 255)`` for a model that rescales)."""
    keras = _keras()
    _register(keras)
    keras.utils.set_random_seed(seed)
    layers = keras.layers
    size = APPLICATIONS.get(name, 32)
    shape = (size, size, 3)
    scale = 1.0
    if name in APPLICATIONS:
        constructor = getattr(keras.applications, name, None)
        if constructor is None:
            raise Unavailable(f"keras {keras.__version__} has no keras.applications.{name}")
        model = constructor(weights=None, input_shape=shape, classes=10)
    elif name == "Subclassed":
        model = SubclassedCNN(name="subclassed_cnn")  # noqa: F821 - defined by _register
        model(np.zeros((1, *shape), "float32"))  # builds it
    elif name == "CustomLayer":
        inputs = keras.Input(shape)
        h = layers.Conv2D(16, 3, padding="same", name="conv1")(inputs)
        h = ChannelGate(name="gate")(h)  # noqa: F821 - defined by _register
        h = layers.MaxPool2D(name="pool1")(h)
        h = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv2")(h)
        h = layers.GlobalAveragePooling2D(name="gap")(h)
        model = keras.Model(inputs, layers.Dense(10, "softmax", name="dense")(h), name="custom")
    elif name == "TwoOutput":
        inputs = keras.Input(shape)
        h = _small_trunk(keras, inputs)
        classes = layers.Dense(10, "softmax", name="classes")(h)
        score = layers.Dense(1, name="score")(h)
        model = keras.Model(inputs, [classes, score], name="two_output")
    elif name == "Preprocessing":
        inputs = keras.Input(shape)
        h = layers.Rescaling(1 / 255, name="rescale")(inputs)
        h = layers.RandomFlip("horizontal", name="flip")(h)
        h = _small_trunk(keras, h)
        model = keras.Model(inputs, layers.Dense(10, "softmax", name="dense")(h), name="prep")
        scale = 255.0
    elif name == "BFloat16":
        keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
        try:
            inputs = keras.Input(shape)
            h = _small_trunk(keras, inputs, norm=True)
            h = layers.Dense(10, name="dense")(h)
            out = layers.Activation("softmax", dtype="float32", name="softmax")(h)
            model = keras.Model(inputs, out, name="bfloat16_cnn")
        finally:
            keras.mixed_precision.set_dtype_policy("float32")
    elif name in ("NestedTransfer", "SigmoidHead"):
        base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=shape)
        head = layers.Dense(*((2, "softmax") if name == "NestedTransfer" else (1, "sigmoid")))
        # started with keras.Input, as keras.io's transfer-learning guide builds it; one
        # built by .build() instead is a known limit of grad_cam (tests/test_real_models_api)
        model = keras.Sequential([keras.Input(shape), base, layers.GlobalAveragePooling2D(), head])
    else:
        raise ValueError(f"unknown model {name!r}; choose from {list(ALL_MODELS)}")
    rng = np.random.default_rng(seed)
    images = (rng.random((N_IMAGES, *shape), dtype=np.float32) * scale).astype("float32")
    return model, images


# --------------------------------------------------------------------------- layers


def walk(model, prefix=()):
    """``(path, layer)`` for every non-input layer, nested models opened (read from Keras
    itself, not from vizcnn): the nested model's own entry first."""
    keras = _keras()
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        yield (*prefix, layer), layer
        if isinstance(layer, keras.Model):
            yield from walk(layer, (*prefix, layer))


def _output_shape(layer):
    try:
        return tuple(layer.output.shape)
    except (AttributeError, ValueError):  # subclassed model, several outputs, never called
        return None


def layer_name(model, path) -> str:
    """The bare name, or ``"outer/inner"`` where the bare name repeats in the model."""
    names = [p[-1].name for p, _ in walk(model)]
    bare = path[-1].name
    return bare if names.count(bare) == 1 else path_key(path)


def feature_layer(model):
    """The last layer (nested models opened) whose output is a grid larger than 1x1: its
    path, or None. A subclassed model hides its layers' outputs: its last Conv2D then."""
    keras = _keras()
    found = None
    for path, layer in walk(model):
        shape = _output_shape(layer)
        if isinstance(layer, keras.Model) or shape is None or len(shape) != 4:
            continue
        if shape[1] and shape[2] and shape[1] * shape[2] > 1:
            found = path
    if found is None:
        convs = [path for path, layer in walk(model) if isinstance(layer, keras.layers.Conv2D)]
        found = convs[-1] if convs else None
    return found


def first_conv(model):
    keras = _keras()
    kinds = (
        keras.layers.Conv2D,
        keras.layers.DepthwiseConv2D,
        keras.layers.SeparableConv2D,
        keras.layers.Conv2DTranspose,
    )
    return next((path for path, layer in walk(model) if isinstance(layer, kinds)), None)


def reference_output(model, path, x):
    """``path[-1]``'s output for ``x`` from a Keras sub-model (nested models composed)."""
    keras = _keras()
    if len(path) == 1:
        return np.asarray(keras.Model(model.inputs, path[0].output)(x, training=False))
    outer = path[0]
    inner = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    if inner and inner[0] is outer:  # the nested model takes the input itself
        inner_x = x
    else:
        tensor = keras_internals.call_inputs(outer)[0]
        inner_x = np.asarray(keras.Model(model.inputs, tensor)(x, training=False))
    return reference_output(outer, path[1:], inner_x)


def tolerance(model, path, reference) -> dict:
    """:func:`tests.numeric.network`'s rule: ``depth`` reductions (the layers up to
    ``path[-1]``) of at most ``fan_in`` terms (the largest kernel's), at the output's
    magnitude, in the layer's precision."""
    depth, fan_in = 0, 1
    for p, layer in walk(model):
        depth += 1
        kernel = getattr(layer, "depthwise_kernel", None)
        if kernel is None:
            kernel = getattr(layer, "kernel", None)
        if kernel is not None and len(kernel.shape) >= 2:
            fan_in = max(fan_in, int(np.prod(kernel.shape[:-1])))
        if p == tuple(path):
            break
    dtype = "bfloat16" if "bfloat16" in str(path[-1].compute_dtype) else "float32"
    u = {"float32": 2.0**-24, "bfloat16": 2.0**-8}[dtype]
    magnitude = max(1.0, float(np.abs(reference).max()))
    return {"rtol": 0, "atol": 2 * depth * fan_in * u * magnitude}


# --------------------------------------------------------------------------- calls


@contextlib.contextmanager
def _time_limit(seconds):
    if not seconds or not hasattr(signal, "SIGALRM"):
        yield
        return

    def _raise(signum, frame):
        raise CallTimeout(f"ran past {seconds} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(int(seconds))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@contextlib.contextmanager
def _widget_exceptions(caught):
    """Record the exceptions a widget turns into words (widgets never raise)."""
    import vizcnn.widgets._explorer_common as common

    modules = [m for n, m in sys.modules.items() if n.startswith("vizcnn.widgets") and m]
    patched = [m for m in modules if getattr(m, "words", None) is common.words]
    original = common.words

    def recording(exc):
        caught.append(exc)
        return original(exc)

    for m in patched:
        m.words = recording
    try:
        yield
    finally:
        for m in patched:
            m.words = original


def _finite(name, array):
    array = np.asarray(array)
    if not np.all(np.isfinite(array)):
        raise WrongResult(f"{name} holds {int((~np.isfinite(array)).sum())} NaN/inf values")


class Context:
    """One model and what the calls need of it."""

    def __init__(self, name, model, images):
        self.name, self.model, self.x = name, model, images
        self.feature_path = feature_layer(model)
        self.feature = layer_name(model, self.feature_path) if self.feature_path else None
        self.conv_path = first_conv(model)
        self.conv = layer_name(model, self.conv_path) if self.conv_path else None
        self.fields = None  # receptive_fields' result, once computed


def _check_widget(explorer, context, caught, what):
    if explorer.error is not None:
        raise WrongResult(f"the widget shows an error {what}: {explorer.error}")


def _set_layer(explorer, context):
    """Set one control's value: the layer dropdown to the feature layer (the image slider
    where that is already the layer shown)."""
    options = list(explorer.layer_dropdown.options)
    target = context.feature
    if target in options and explorer.layer_dropdown.value != target:
        explorer.layer_dropdown.value = target
        return f"layer_dropdown.value = {target!r}"
    explorer.image_slider.value = 1
    return "image_slider.value = 1"


def call(function: str, c: Context):
    """Run one public function on ``c``'s model; returns notes (list of str) or raises
    (WrongResult where the result is detectably wrong)."""
    model, x, notes = c.model, c.x, []
    if function == "receptive_fields":
        fields = vz.receptive_fields(model)
        c.fields = fields
        missing = [
            layer_name(model, p)
            for p, _ in walk(model)
            if layer_name(model, p) not in fields
            and not any(k.endswith("/" + p[-1].name) for k in fields)
        ]
        if missing:
            raise WrongResult(
                f"no field for {len(missing)} of {len(fields) + len(missing)} layers: {missing[:5]}"
            )
        notes.append(f"{len(fields)} fields")
    elif function == "receptive_field_table":
        table = vz.receptive_field_table(model)
        notes.append(f"{len(table)} rows")
    elif function == "layer_costs":
        costs = vz.layer_costs(model)
        total, expected = int(costs["params"].sum()), model.count_params()
        if total != expected:
            raise WrongResult(f"params sum to {total}, model.count_params() is {expected}")
    elif function == "forward_flops_per_image":
        flops = vz.forward_flops_per_image(model)
        if not flops > 0:
            raise WrongResult(f"{flops} FLOPs")
        notes.append(f"{flops / 1e6:.1f} MFLOP")
    elif function == "feature_maps":
        maps = vz.feature_maps(model, x, c.feature)
        _finite("the maps", maps)
        try:
            reference = reference_output(model, c.feature_path, x)
        except Exception as exc:  # noqa: BLE001 - no Keras graph to compare with
            notes.append(f"not compared: no Keras sub-model ({type(exc).__name__})")
        else:
            if maps.shape != reference.shape:
                raise WrongResult(f"shape {maps.shape}, Keras gives {reference.shape}")
            tol = tolerance(model, c.feature_path, reference)
            err = float(np.abs(maps - reference.astype("float32")).max())
            if err > tol["atol"]:
                raise WrongResult(f"differs from Keras by {err:.3g} > atol {tol['atol']:.3g}")
            notes.append(f"{c.feature} {maps.shape[1:]}; max diff {err:.2g}")
    elif function == "filters":
        kernel = vz.filters(model, c.conv)
        _finite("the kernel", kernel)
        notes.append(f"{c.conv} {kernel.shape}")
    elif function == "grad_cam":
        maps = vz.grad_cam(model, x)
        _finite("the maps", maps)
        flat = maps.reshape(len(maps), -1)
        constant = flat.max(axis=1) == flat.min(axis=1)
        zero = constant & (flat.max(axis=1) == 0)
        if constant.all():
            raise WrongResult(
                f"every map is constant ({int(zero.sum())} of {len(maps)} zero everywhere)"
            )
        if (constant & ~zero).any():
            raise WrongResult(
                f"{int((constant & ~zero).sum())} of {len(maps)} maps are a nonzero constant"
            )
        if zero.any():  # ReLU(sum_c w_c A_c) < 0 everywhere: possible with random weights
            notes.append(f"{int(zero.sum())} of {len(maps)} maps zero everywhere")
        with contextlib.suppress(Exception):
            from vizcnn.inspection.grad_cam import grad_cam_layer

            notes.append(f"layer {grad_cam_layer(model)}")
    elif function == "top_activating_patches":
        top = vz.top_activating_patches(model, x, c.feature, 0, k=TOP_K)
        _finite("the scores", top.scores)
        if len(top.indices) != TOP_K:
            raise WrongResult(f"{len(top.indices)} images, asked for {TOP_K}")
    elif function == "activation_maximization":
        value_range = (0.0, 255.0) if c.name == "Preprocessing" else (0.0, 1.0)
        image = vz.activation_maximization(
            model, c.feature, 0, steps=ASCENT_STEPS, value_range=value_range
        )
        _finite("the image", image)
        if image.shape != x.shape[1:]:
            raise WrongResult(f"image of shape {image.shape}, input is {x.shape[1:]}")
    elif function == "empirical_receptive_field":
        mask = vz.empirical_receptive_field(model, c.feature)
        ys, xs = np.nonzero(mask)
        rf = (c.fields or {}).get(c.feature)
        box = ((int(ys.min()), int(ys.max())), (int(xs.min()), int(xs.max()))) if len(ys) else None
        if box is None and (rf is None or rf.box_in_image(None) is not None):
            raise WrongResult("no input pixel reaches the centre unit")
        if rf is None:
            notes.append(f"box {box}; no theoretical field to compare with")
        else:
            expected = rf.box_in_image(None)
            if box != expected:
                raise WrongResult(f"measured box {box}, theoretical {expected}")
            notes.append(f"box {box} = theoretical")
    elif function == "FeatureMapDisplay":
        vz.FeatureMapDisplay.from_model(model, x, layer=c.feature)
    elif function == "FilterDisplay":
        if c.name == "Subclassed":
            vz.FilterDisplay.from_layer(c.conv_path[-1])
            notes.append("from_layer")
        else:
            vz.FilterDisplay.from_model(model, layer=c.conv)
    elif function == "GradCamDisplay":
        vz.GradCamDisplay.from_model(model, x)
    elif function == "ReceptiveFieldDisplay":
        vz.ReceptiveFieldDisplay.from_model(model, x[0], layer=c.feature)
    elif function == "ArchitectureDisplay":
        vz.ArchitectureDisplay.from_model(model)
    elif function in ("FeatureMapExplorer", "UnitExplorer"):
        caught = []
        with _widget_exceptions(caught):
            explorer = getattr(vz, function)(model, x)
            _check_widget(explorer, c, caught, "once built")
            notes.append(_set_layer(explorer, c))
            _check_widget(explorer, c, caught, f"after {notes[-1]}")
        if caught:
            notes.append(f"swallowed {[type(e).__name__ for e in caught]}")
        if function == "UnitExplorer" and explorer.top_patches is None:
            raise WrongResult("no top patches shown")
        _widget_caught.clear()
        _widget_caught.extend(caught)
    else:
        raise ValueError(f"unknown function {function!r}")
    return notes


_widget_caught = []  # the exceptions the last widget swallowed (for the traceback report)


def _where(tb) -> dict:
    frames = traceback.extract_tb(tb)
    root = os.path.dirname(os.path.dirname(os.path.abspath(vz.__file__)))
    ours = [f for f in frames if f"{os.sep}vizcnn{os.sep}" in f.filename]
    last = frames[-1] if frames else None
    out = {"raised_in": None, "vizcnn_frame": None}
    if last is not None:
        out["raised_in"] = f"{_short(last.filename, root)}:{last.lineno} ({last.name})"
    if ours:
        f = ours[-1]
        out["vizcnn_frame"] = f"{_short(f.filename, root)}:{f.lineno} ({f.name})"
    return out


def _short(filename, root):
    if filename.startswith(root + os.sep):
        return os.path.relpath(filename, root)
    marker = f"site-packages{os.sep}"
    return filename.split(marker, 1)[1] if marker in filename else filename


def _first_line(exc) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]


def classify(exc) -> str:
    """``refused`` for a ValueError/TypeError vizcnn raised itself, else ``error``."""
    if isinstance(exc, CallTimeout):
        return "timeout"
    if isinstance(exc, WrongResult):
        return "error"
    tb = traceback.extract_tb(exc.__traceback__)
    raised_by_vizcnn = bool(tb) and f"{os.sep}vizcnn{os.sep}" in tb[-1].filename
    if not (isinstance(exc, (ValueError, TypeError)) and raised_by_vizcnn):
        return "error"
    if _wrapped(exc) is not None:
        return "error"  # vizcnn's words around a failure inside TensorFlow or Keras
    return "refused"


def _wrapped(exc):
    """The exception from outside vizcnn that ``exc`` was raised while handling, if any
    (``raise ... from None`` says the first one is expected: not counted)."""
    inner = exc.__cause__
    if inner is None and not exc.__suppress_context__:
        inner = exc.__context__
    if inner is None:
        return None
    tb = traceback.extract_tb(inner.__traceback__)
    return inner if tb and f"{os.sep}vizcnn{os.sep}" not in tb[-1].filename else None


def run_cell(function, context, timeout=CALL_TIMEOUT_S) -> dict:
    start = time.perf_counter()
    _widget_caught.clear()
    with warnings.catch_warnings(record=True) as caught_warnings:
        warnings.simplefilter("always")
        try:
            with _time_limit(timeout):
                notes = call(function, context)
            cell = {"status": "ok", "notes": notes}
        except Exception as exc:  # noqa: BLE001 - every failure is a cell
            cell = {
                "status": classify(exc),
                "type": type(exc).__name__,
                "message": _first_line(exc),
                **_where(exc.__traceback__),
            }
            inner = _wrapped(exc) if isinstance(exc, (ValueError, TypeError)) else None
            if inner is not None:
                cell["wraps"] = f"{type(inner).__name__}: {_first_line(inner)}"
                cell["wrapped_raised_in"] = _where(inner.__traceback__)["raised_in"]
            if cell["status"] != "refused":
                lines = traceback.format_exception(exc)
                cell["traceback_tail"] = "".join(lines[-6:])[-3000:]
            if isinstance(exc, WrongResult) and _widget_caught:
                inner = _widget_caught[-1]
                cell["widget_exception"] = {
                    "type": type(inner).__name__,
                    "message": _first_line(inner),
                    **_where(inner.__traceback__),
                    "traceback_tail": "".join(traceback.format_exception(inner)[-6:])[-3000:],
                }
        finally:
            plt.close("all")
    cell["seconds"] = round(time.perf_counter() - start, 3)
    seen = []
    for w in caught_warnings:
        text = f"{w.category.__name__}: {str(w.message).splitlines()[0][:200]}"
        if "vizcnn" in (w.filename or "") or text not in seen:
            if text not in seen:
                seen.append(text)
    if seen:
        cell["warnings"] = seen[:5]
    return cell


def run_model(name, *, timeout=CALL_TIMEOUT_S, log=print) -> dict:
    keras = _keras()
    keras.backend.clear_session()
    gc.collect()
    start = time.perf_counter()
    row = {"cells": {}}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model, images = build_model(name)
    except Exception as exc:  # noqa: BLE001 - an unbuildable model is a row of its own
        status = "unavailable" if isinstance(exc, Unavailable) else "build failed"
        row.update(status=status, message=f"{type(exc).__name__}: {_first_line(exc)}")
        log(f"{name}: {row['status']}: {row['message']}")
        return row
    context = Context(name, model, images)
    row.update(
        status="built",
        input_shape=list(images.shape[1:]),
        build_seconds=round(time.perf_counter() - start, 2),
        params=int(model.count_params()),
        layers=sum(1 for _ in walk(model)),
        feature_layer=context.feature,
        first_conv=context.conv,
    )
    log(
        f"{name}: built in {row['build_seconds']} s, {row['layers']} layers, "
        f"{row['params']:,} params"
    )
    for function in FUNCTIONS:
        cell = run_cell(function, context, timeout)
        row["cells"][function] = cell
        detail = cell.get("message") or "; ".join(cell.get("notes", []))
        log(f"  {function:<26} {cell['status']:<8} {cell['seconds']:7.2f} s  {detail[:110]}")
    del context, model
    keras.backend.clear_session()
    gc.collect()
    return row


# --------------------------------------------------------------------------- report


def _cell_text(cell) -> str:
    s = cell["status"]
    if s == "ok":
        return f"ok {cell['seconds']:.1f}s"
    return {"refused": "refused", "error": "**error**", "timeout": "**timeout**"}.get(s, s)


def markdown(rows: dict) -> str:
    header = "| model | " + " | ".join(SHORT[f] for f in FUNCTIONS) + " |"
    lines = [header, "|" + "---|" * (len(FUNCTIONS) + 1)]
    for name, row in rows.items():
        if row["status"] != "built":
            cells = [row["status"]] * len(FUNCTIONS)
        else:
            cells = [_cell_text(row["cells"][f]) for f in FUNCTIONS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Cells that are not ok:", ""]
    for name, row in rows.items():
        if row["status"] != "built":
            lines.append(f"- **{name}**: {row['status']}: {row['message']}")
            continue
        for f in FUNCTIONS:
            cell = row["cells"][f]
            if cell["status"] == "ok":
                continue
            where = cell.get("vizcnn_frame") or cell.get("raised_in")
            lines.append(
                f"- **{name} / {f}** ({cell['status']}): {cell['type']}: {cell['message']}"
                f" [{where}]"
            )
    return "\n".join(lines)


def versions() -> dict:
    import ipywidgets
    import keras
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "matplotlib": matplotlib.__version__,
        "ipywidgets": ipywidgets.__version__,
        "vizcnn": vz.__version__,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", help=f"comma-separated, from {','.join(ALL_MODELS)}")
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK_MODELS)}")
    parser.add_argument("--json", help="write every cell, the CPU and versions here")
    parser.add_argument("--call-timeout", type=int, default=CALL_TIMEOUT_S)
    args = parser.parse_args(argv)
    if args.models:
        names = [n.strip() for n in args.models.split(",") if n.strip()]
        unknown = [n for n in names if n not in ALL_MODELS]
        if unknown:
            parser.error(f"unknown models {unknown}; choose from {','.join(ALL_MODELS)}")
    else:
        names = list(QUICK_MODELS if args.quick else ALL_MODELS)

    from vizcnn.backend import bfloat16_convolution_runs

    report = {
        "cpu": vz.backend.cpu_info(),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "versions": versions(),
        "bfloat16_convolution_runs": bfloat16_convolution_runs(),
        "settings": {"images": N_IMAGES, "top_k": TOP_K, "ascent_steps": ASCENT_STEPS},
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "models": {},
    }
    print(f"CPU: {report['cpu']}; versions: {report['versions']}", flush=True)
    start = time.perf_counter()
    for name in names:
        report["models"][name] = run_model(
            name, timeout=args.call_timeout, log=lambda s: print(s, flush=True)
        )
        report["total_seconds"] = round(time.perf_counter() - start, 1)
        if args.json:  # after each model: a run cut short keeps what it measured
            os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump(report, f, indent=1)
    print()
    print(markdown(report["models"]))
    print(f"\ntotal {report['total_seconds']} s")


if __name__ == "__main__":
    main()
