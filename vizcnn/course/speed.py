"""How fast this computer trains: its measured peak, and what a model achieves of it.

Course material: lesson 06's measurements, not part of the drawing library.

Shared by ``benchmarks/utilization.py`` and lesson 06. Peaks are measured in TensorFlow on
all cores (a big matmul and a 3x3 convolution, the operations that dominate a CNN's
FLOPs); a model's achieved GFLOP/s is its training FLOPs per image
(:func:`vizcnn.training_flops_per_image`) times the images per second it trains.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

import vizcnn as vz

__all__ = ["FULL", "QUICK", "peaks", "training_speed"]

#: Sizes of a real measurement (a few minutes for both lesson models) and of a smoke test.
FULL = {
    "matmul": 2048,
    "conv": (256, 14, 128),
    "repeats": 10,
    "batch": 256,
    "warmup": 5,
    "steps": 20,
}
QUICK = {"matmul": 512, "conv": (16, 14, 64), "repeats": 3, "batch": 16, "warmup": 2, "steps": 3}


def _median_seconds(fn, args, repeats):
    fn(*args).numpy()  # warm-up: traces, and oneDNN picks and caches its kernels
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args).numpy()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peaks(sizes, dtypes):
    """This machine's GFLOP/s on one big matmul and one 3x3 convolution, per dtype.

    Parameters
    ----------
    sizes : dict
        ``matmul`` (n for an n x n product), ``conv`` ((batch, grid, channels)) and
        ``repeats`` (the median of that many timed calls is used): ``FULL`` or ``QUICK``.
    dtypes : sequence of str
        ``"float32"``, and ``"bfloat16"`` where :func:`vizcnn.backend.bfloat16_support` says so.

    Returns
    -------
    dict
        ``{dtype: {"matmul_gflops": ..., "conv_gflops": ..., "matmul": text, "conv": text}}``
    """
    tf = vz.import_tensorflow()
    # one graph call per op, as in a training step; the sum (n^2 adds, no more) makes sure
    # the whole product is needed
    matmul = tf.function(lambda a, b: tf.reduce_sum(tf.linalg.matmul(a, b)))
    conv = tf.function(lambda x, w: tf.reduce_sum(tf.nn.conv2d(x, w, strides=1, padding="SAME")))
    rng = np.random.default_rng(0)
    n = sizes["matmul"]
    batch, grid, channels = sizes["conv"]
    results = {}
    for dtype in dtypes:

        def tensor(*shape, dtype=dtype):
            return tf.cast(rng.standard_normal(shape, dtype=np.float32), dtype)

        matmul_s = _median_seconds(matmul, (tensor(n, n), tensor(n, n)), sizes["repeats"])
        conv_args = (tensor(batch, grid, grid, channels), tensor(3, 3, channels, channels))
        conv_s = _median_seconds(conv, conv_args, sizes["repeats"])
        conv_flops = 2 * batch * grid * grid * 3 * 3 * channels * channels
        results[dtype] = {
            "matmul": f"{n}x{n} @ {n}x{n}",
            "matmul_gflops": 2 * n**3 / matmul_s / 1e9,
            "conv": f"3x3 conv, batch {batch}, {grid}x{grid}, {channels}->{channels} channels",
            "conv_gflops": conv_flops / conv_s / 1e9,
        }
    return results


def training_speed(factory, policy, sizes):
    """Steady-state training images/s of a lesson model under one dtype policy.

    ``fit`` on a ``vz.data.make_dataset`` pipeline of synthetic uint8 images held in memory
    (Adam; the optimizer's cost is small next to the convolutions); ``sizes["warmup"]``
    steps are skipped, then ``sizes["steps"]`` steps of ``sizes["batch"]`` images timed.

    Parameters
    ----------
    factory : str
        A function name of :mod:`vizcnn.course.models` (``"basic_cnn"``, ``"small_resnet"``).
    policy : str
        A Keras dtype policy (``"float32"``, ``"mixed_bfloat16"``); restored to float32 after.
    sizes : dict
        ``batch``, ``warmup``, ``steps`` (``FULL`` or ``QUICK``, or your own).

    Returns
    -------
    dict
        ``images_per_second``, ``training_flops_per_image``, ``achieved_gflops`` and the
        settings.
    """
    tf = vz.import_tensorflow()
    keras = tf.keras
    keras.mixed_precision.set_global_policy(policy)
    try:
        keras.utils.set_random_seed(0)
        model = getattr(vz.models, factory)()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        batch, warmup, steps = sizes["batch"], sizes["warmup"], sizes["steps"]
        rng = np.random.default_rng(0)
        X = rng.integers(0, 256, size=(4 * batch, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, size=4 * batch)
        dataset = vz.data.make_dataset(X, y, batch_size=batch).repeat()

        class Timer(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.ends = []

            def on_train_batch_end(self, batch, logs=None):
                self.ends.append(time.perf_counter())

        timer = Timer()
        model.fit(
            dataset,
            steps_per_epoch=warmup + steps,
            epochs=1,
            shuffle=False,  # synthetic data; stops Keras warning it would not shuffle
            verbose=0,
            callbacks=[timer],
        )
        seconds = timer.ends[-1] - timer.ends[warmup - 1]  # steps after the warm-up ones
        flops = vz.training_flops_per_image(model)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    images_per_second = batch * steps / seconds
    return {
        "model": factory,
        "policy": policy,
        "batch": batch,
        "steps_timed": steps,
        "images_per_second": images_per_second,
        "training_flops_per_image": flops,
        "achieved_gflops": flops * images_per_second / 1e9,
    }
