"""``setup_lesson``: what the first cell of every lesson does, written once.

Course material: the lessons' set-up, not part of the drawing library.
"""

from __future__ import annotations

from vizcnn import validation
from vizcnn.language import check_language, set_language


def setup_lesson(seed: int = 42, *, language: str = "en"):
    """Prepare a lesson: TensorFlow imported quietly, seeds set, determinism, the style.

    Steps, in order:

    1. import TensorFlow without its C++ start-up log lines
       (:func:`vizcnn.backend.import_tensorflow`);
    2. set the lesson's language (:func:`vizcnn.language.set_language`), which helpers that
       write text a learner reads take, and apply the lessons' matplotlib style in it
       (:func:`vizcnn.style.set_style`: the Korean edition gets a font with Hangul);
    3. seed Python, NumPy and TensorFlow (``keras.utils.set_random_seed(seed)``);
    4. ask TensorFlow for deterministic ops, so a re-run gives the same numbers;
    5. print the TensorFlow and Keras versions (one line).

    Parameters
    ----------
    seed : int, default=42
        The seed for Python's ``random``, NumPy and TensorFlow; ``>= 0``.
    language : {"en", "ko"}, default="en"
        The lesson's edition: English (``notebooks/``) or Korean (``notebooks/ko/``).

    Returns
    -------
    module
        ``tensorflow`` (``tf.keras`` is Keras 3).

    Examples
    --------
    >>> tf = vz.setup_lesson(seed=42)  # doctest: +SKIP
    TensorFlow 2.21.0, Keras 3.15.1
    >>> tf = vz.setup_lesson(language="ko")  # doctest: +SKIP
    TensorFlow 2.21.0, Keras 3.15.1
    """
    # validate before the slow import, so a typo fails at once
    seed = validation.check_int(seed, "seed", minimum=0, maximum=2**32 - 1)
    language = check_language(language)
    from vizcnn.backend import import_tensorflow
    from vizcnn.style import register_korean_font, set_style

    if language == "ko":
        register_korean_font()  # a missing font package fails here, before anything changes

    tf = import_tensorflow()
    keras = tf.keras
    set_language(language)
    set_style(language)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}")
    return tf
