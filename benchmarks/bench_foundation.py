"""Foundation benchmarks: import time, FeatureMapDisplay speed, input-pipeline epoch stalls.

Run: `.venv/bin/python benchmarks/bench_foundation.py` (prints a table; asserts nothing).
Goals (issue 2): `import vizcnn` <= 0.3 s without TensorFlow; FeatureMapDisplay of 32 maps
<= 0.5 s; no epoch after the first slower than 1.05 x the steady state.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import numpy as np


def import_time() -> tuple[float, bool]:
    code = (
        "import time, sys; t = time.perf_counter(); import vizcnn; "
        "print(time.perf_counter() - t, 'tensorflow' in sys.modules)"
    )
    runs = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        seconds, tf_loaded = out.stdout.split()
        runs.append((float(seconds), tf_loaded == "True"))
    return statistics.median(r[0] for r in runs), any(r[1] for r in runs)


def feature_map_display_time() -> float:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import vizcnn as vz

    keras = vz.import_tensorflow().keras
    vz.set_style()
    keras.utils.set_random_seed(0)
    images = vz.data.load_sample_images()
    model = keras.Sequential([keras.Input((70, 120, 3)), keras.layers.Conv2D(32, 3, name="c")])
    vz.feature_maps(model, images, "c")  # warm up the traced extractor once
    times = []
    for _ in range(5):
        start = time.perf_counter()
        display = vz.FeatureMapDisplay.from_model(model, images, layer="c", max_maps=32)
        display.figure_.canvas.draw()  # rendering is part of what a learner waits for
        times.append(time.perf_counter() - start)
        plt.close(display.figure_)
    return statistics.median(times)


class EpochTimer:
    def __init__(self, keras):
        class _Timer(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.times = []

            def on_epoch_begin(self, epoch, logs=None):
                self.start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.end = time.perf_counter()
                self.times.append(self.end - self.start)

        self.callback = _Timer()


def epoch_times(feed: str, epochs: int = 5, n: int = 50_000) -> tuple[list[float], float]:
    """Seconds per epoch, and from the last epoch's end until ``fit`` returns."""
    import vizcnn as vz

    tf = vz.import_tensorflow()
    keras = tf.keras
    keras.utils.set_random_seed(0)
    (X, y), _, _ = vz.data.load_fashion_mnist()
    X, y = X[:n], y[:n]
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPool2D(),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    timer = EpochTimer(keras).callback
    if feed == "numpy arrays":
        model.fit(
            (X / 255.0)[..., None].astype("float32"),
            y,
            batch_size=128,
            epochs=epochs,
            shuffle=True,
            verbose=0,
            callbacks=[timer],
        )
    else:
        dataset = vz.data.make_dataset(X, y, batch_size=128, shuffle=True, seed=0)
        if feed == "make_dataset + prefetch":
            dataset = dataset.prefetch(tf.data.AUTOTUNE)
        if feed == "make_dataset, tf.data autotuning back on":
            options = tf.data.Options()
            options.autotune.enabled = True
            dataset = dataset.with_options(options)
        # the dataset reshuffles itself; shuffle=False stops Keras warning that it would not
        model.fit(dataset, epochs=epochs, shuffle=False, verbose=0, callbacks=[timer])
    return timer.times, time.perf_counter() - timer.end


def main() -> None:
    seconds, tf_loaded = import_time()
    print("| measurement | value | goal |")
    print("| --- | --- | --- |")
    print(
        f"| `import vizcnn` (median of 5) | {seconds * 1000:.0f} ms, TensorFlow imported: "
        f"{tf_loaded} | <= 300 ms, no TF |"
    )
    print(
        f"| FeatureMapDisplay, 32 maps of 70x120, computed + drawn (median of 5) | "
        f"{feature_map_display_time() * 1000:.0f} ms | <= 500 ms |"
    )
    feeds = (
        "numpy arrays",
        "make_dataset",
        "make_dataset + prefetch",
        "make_dataset, tf.data autotuning back on",
    )
    for feed in feeds:
        times, teardown = epoch_times(feed)
        steady = float(np.median(times[1:]))  # later epochs; the first one traces the graph
        worst = max(times[1:]) / steady
        shown = ", ".join(f"{t:.1f} s" for t in times)
        print(
            f"| epochs 1-{len(times)}, 50k images, fed by {feed} | {shown}; "
            f"worst later epoch {worst:.2f} x steady; fit returns {teardown:.1f} s after the "
            "last epoch | <= 1.05 x |"
        )


if __name__ == "__main__":
    main()
