"""Where a training step of the lesson models goes, by layer kind, on this CPU.

Inside a compiled Keras step single layers cannot be timed, so every layer is timed on its
own instead: each leaf layer of the model (the sub-layers of ``vz.layers.ResidualUnit``
opened, the unit's ``+`` timed as an add of its two inputs) gets a random input of the shape
it sees in training, and one compiled function runs its forward pass in training mode and
its backward pass (gradients for its input and its weights), the median of several repeats.
The optimizer's update of all weights (AdamW, as the recipes use) is timed the same way.
The sums per kind are set beside one measured whole step: the rest is what the framework
costs around the layers (and what fusing several layers into one compiled step saves).

Then the same for batch normalisation written as one fused kernel (TensorFlow's
``FusedBatchNormV3``, which Keras 3 does not use: its ``BatchNormalization`` computes the
moments and the normalisation as separate operations), at the ResNet's shapes.

Nothing is asserted: the numbers depend on the machine and on what else runs on it.

    python benchmarks/profile_step.py                  # the real run (a few minutes)
    python benchmarks/profile_step.py --quick          # a smoke test
    python benchmarks/profile_step.py --json out.json  # also write the numbers
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import time

import numpy as np

import vizcnn as vz
from vizcnn.backend import bfloat16_support, cpu_info
from vizcnn.graph.layer_kinds import is_block

MODELS = {"basic_cnn": 256, "small_resnet": 128}  # the batch sizes of the lesson recipes


def _leaves(layer):
    """The layers that compute, with ResidualUnit opened (its + is timed apart)."""
    if is_block(layer):
        return [*layer.main_layers, *layer.skip_layers, layer.activation]
    if hasattr(layer, "layers") and layer.layers:  # a nested model
        return [leaf for inner in layer.layers for leaf in _leaves(inner)]
    return [layer]


def _record_input_shapes(model, x):
    """Run the model once, eagerly, recording the input shape each leaf layer sees."""
    shapes, adds = {}, []
    leaves = [leaf for layer in model.layers for leaf in _leaves(layer)]
    originals = {}
    for leaf in leaves:
        originals[id(leaf)] = leaf.call

        def spy(inputs, *args, _leaf=leaf, **kwargs):
            shapes.setdefault(id(_leaf), (_leaf, tuple(inputs.shape)))
            return originals[id(_leaf)](inputs, *args, **kwargs)

        leaf.call = functools.wraps(leaf.call)(spy)
    try:
        model(x, training=True)
    finally:
        for leaf in leaves:
            del leaf.call  # back to the class's method
    for layer in model.layers:
        if is_block(layer):
            out = shapes[id(layer.activation)][1]  # the + makes what the activation gets
            adds.append((layer.name, out))
    return list(shapes.values()), adds


def _median_seconds(fn, repeats):
    fn()  # trace and warm up
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _layer_seconds(tf, layer, shape, repeats, dtype, *, input_gradient=True):
    # the layers next to the model's input need no gradient for it: training skips it too
    x = tf.Variable(tf.random.normal(shape, dtype=dtype))
    weights = layer.trainable_variables
    wanted = [x, *weights] if input_gradient else weights

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            y = layer(x, training=True)
            loss = tf.reduce_sum(tf.cast(y, tf.float32))
        grads = tape.gradient(loss, wanted) if wanted else []
        return [g for g in grads if g is not None]

    return _median_seconds(lambda: [g.numpy() for g in step()][:0], repeats)


def _add_seconds(tf, shape, repeats, dtype):
    a = tf.Variable(tf.random.normal(shape, dtype=dtype))
    b = tf.Variable(tf.random.normal(shape, dtype=dtype))

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.cast(a + b, tf.float32))
        return tape.gradient(loss, [a, b])

    return _median_seconds(lambda: [g.numpy() for g in step()][:0], repeats)


def _update_seconds(tf, keras, model, repeats):
    optimizer = keras.optimizers.AdamW(1e-3)
    variables = model.trainable_variables
    grads = [tf.random.normal(v.shape, dtype=v.dtype) * 1e-3 for v in variables]
    optimizer.build(variables)

    @tf.function
    def step():
        optimizer.apply(grads, variables)

    return _median_seconds(lambda: step(), repeats)


def _whole_step_seconds(tf, keras, model, batch, repeats):
    model.compile(optimizer=keras.optimizers.AdamW(1e-3), loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = tf.constant(rng.random((batch, 28, 28, 1), dtype=np.float32))
    y = tf.constant(rng.integers(0, 10, size=batch))
    return _median_seconds(lambda: model.train_on_batch(x, y), repeats)


def _kind(layer):
    name = type(layer).__name__
    if name == "Activation":
        return "activation"
    return {"BatchNormalization": "batch norm", "Conv2D": "convolution"}.get(name, name)


def profile(factory, policy, repeats):
    """Seconds per training step by layer kind for one lesson model and dtype policy."""
    tf = vz.import_tensorflow()
    keras = tf.keras
    keras.mixed_precision.set_global_policy(policy)
    try:
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        batch = MODELS[factory]
        model = getattr(vz.models, factory)()
        x = tf.random.uniform((batch, 28, 28, 1))
        layers, adds = _record_input_shapes(model, x)
        dtype = tf.bfloat16 if policy == "mixed_bfloat16" else tf.float32
        kinds = {}
        for layer, shape in layers:
            if type(layer).__name__ == "InputLayer":
                continue
            seconds = _layer_seconds(
                tf,
                layer,
                (batch, *shape[1:]),
                repeats,
                dtype,
                input_gradient=shape[1:] != tuple(model.input_shape[1:]),
            )
            kinds[_kind(layer)] = kinds.get(_kind(layer), 0.0) + seconds
        for _, shape in adds:
            kinds["add"] = kinds.get("add", 0.0) + _add_seconds(tf, shape, repeats, dtype)
        kinds["optimizer update"] = _update_seconds(tf, keras, model, repeats)
        whole = _whole_step_seconds(tf, keras, model, batch, repeats)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    return {
        "model": factory,
        "policy": policy,
        "batch": batch,
        "step_seconds": whole,
        "seconds_by_kind": kinds,
    }


def fused_batch_norm_comparison(repeats):
    """Keras' BatchNormalization vs one FusedBatchNormV3, forward + backward, float32."""
    tf = vz.import_tensorflow()
    keras = tf.keras
    rows = []
    for shape in [(128, 28, 28, 32), (128, 14, 14, 64), (128, 7, 7, 128), (128, 4, 4, 256)]:
        keras_bn = keras.layers.BatchNormalization()
        keras_bn.build(shape)
        keras_seconds = _layer_seconds(tf, keras_bn, shape, repeats, tf.float32)
        x = tf.Variable(tf.random.normal(shape))
        gamma = tf.Variable(tf.ones(shape[-1]))
        beta = tf.Variable(tf.zeros(shape[-1]))
        empty = tf.constant([], tf.float32)

        @tf.function
        def fused(x=x, gamma=gamma, beta=beta, empty=empty):
            with tf.GradientTape() as tape:
                y = tf.raw_ops.FusedBatchNormV3(
                    x=x,
                    scale=gamma,
                    offset=beta,
                    mean=empty,
                    variance=empty,
                    epsilon=1e-3,
                    is_training=True,
                )[0]
                loss = tf.reduce_sum(y)
            return tape.gradient(loss, [x, gamma, beta])

        fused_seconds = _median_seconds(lambda f=fused: [g.numpy() for g in f()][:0], repeats)
        rows.append(
            {"shape": list(shape), "keras_ms": 1e3 * keras_seconds, "fused_ms": 1e3 * fused_seconds}
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats, a smoke test")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    repeats = 3 if args.quick else 15
    cpu = cpu_info()
    native, reason = bfloat16_support()
    policies = ["float32", "mixed_bfloat16"] if native else ["float32"]
    print(f"CPU: {cpu['cpu']} ({cpu['cores']} cores; flags: {', '.join(cpu['flags'])})")
    print(f"oneDNN ISA cap: {os.environ.get('ONEDNN_MAX_CPU_ISA', 'none')}; bfloat16: {reason}")
    runs = [profile(m, p, repeats) for m in MODELS for p in policies]
    for run in runs:
        step = run["step_seconds"]
        print(
            f"\n{run['model']}, {run['policy']}, batch {run['batch']}: "
            f"one whole step {1e3 * step:.1f} ms"
        )
        parts = sorted(run["seconds_by_kind"].items(), key=lambda kv: -kv[1])
        for kind, seconds in parts:
            print(f"  {kind:<24} {1e3 * seconds:8.1f} ms  {seconds / step:6.1%}")
        rest = step - sum(run["seconds_by_kind"].values())
        print(f"  {'rest (framework, fusion)':<24} {1e3 * rest:8.1f} ms  {rest / step:6.1%}")
    fused = fused_batch_norm_comparison(repeats)
    print("\nbatch normalisation, forward + backward, float32:")
    for row in fused:
        print(
            f"  {str(tuple(row['shape'])):<20} Keras {row['keras_ms']:7.2f} ms   "
            f"FusedBatchNormV3 {row['fused_ms']:7.2f} ms"
        )
    if args.json:
        result = {
            "cpu": cpu,
            "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA"),
            "load_average": os.getloadavg(),
            "runs": runs,
            "fused_batch_norm": fused,
        }
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
