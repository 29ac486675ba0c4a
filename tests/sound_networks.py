"""The small 1-D network the display and Grad-CAM tests of 1-D models share."""


def small_sound_network(keras, *, length, first, second, classes, seed, strides=1):
    """Conv1D (``first`` = filters, kernel; 'same') → max pooling 2 → dilated causal Conv1D
    of ``second`` filters → global average pooling → softmax over ``classes``."""
    keras.utils.set_random_seed(seed)
    layers = keras.layers
    filters, kernel = first
    return keras.Sequential(
        [
            keras.Input((length, 1)),
            layers.Conv1D(
                filters, kernel, strides=strides, padding="same", activation="relu", name="c1"
            ),
            layers.MaxPooling1D(2, name="pool"),
            layers.Conv1D(
                second, 3, dilation_rate=2, padding="causal", activation="relu", name="c2"
            ),
            layers.GlobalAveragePooling1D(name="gap"),
            layers.Dense(classes, activation="softmax", name="out"),
        ],
        name="sound",
    )
