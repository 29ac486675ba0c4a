"""``setup_lesson``: what the first cell of every lesson does, written once.

Course material: the lessons' set-up, not part of the drawing library.
"""

from __future__ import annotations

from vizcnn import validation


def setup_lesson(seed: int = 42):
    """Prepare a lesson: TensorFlow imported quietly, seeds set, determinism, the style.

    Steps, in order:

    1. import TensorFlow without its C++ start-up log lines
       (:func:`vizcnn.backend.import_tensorflow`);
    2. apply the lessons' matplotlib style (:func:`vizcnn.style.set_style`);
    3. seed Python, NumPy and TensorFlow (``keras.utils.set_random_seed(seed)``);
    4. ask TensorFlow for deterministic ops, so a re-run gives the same numbers;
    5. print the TensorFlow and Keras versions (one line).

    Parameters
    ----------
    seed : int, default=42
        The seed for Python's ``random``, NumPy and TensorFlow; ``>= 0``.

    Returns
    -------
    module
        ``tensorflow`` (``tf.keras`` is Keras 3).

    Examples
    --------
    >>> tf = vz.setup_lesson(seed=42)  # doctest: +SKIP
    TensorFlow 2.21.0, Keras 3.15.1
    """
    # validate before the slow import, so a typo fails at once
    seed = validation.check_int(seed, "seed", minimum=0, maximum=2**32 - 1)
    from vizcnn.backend import import_tensorflow
    from vizcnn.style import set_style

    tf = import_tensorflow()
    keras = tf.keras
    set_style()
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}")
    return tf
