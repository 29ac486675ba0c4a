"""The residual unit of ResNet: two 3x3 convolutions plus a skip connection.

The book (Géron, ch. 14) writes it as a Keras layer holding two lists of sub-layers: the
main path ``main_layers`` and the skip path ``skip_layers``. We keep those names (the
receptive-field walk in ``vizcnn.inspection`` follows them) and make the layer
serializable, so models that use it save to ``.keras`` and load back.
"""

from __future__ import annotations

from vizcnn.backend import keras as _keras
from vizcnn.validation import check_positive_int

keras = _keras()
ops = keras.ops


def conv_before_bn(filters, *, kernel_size=3, strides=1, name=None):
    """A 'same'-padded, He-initialised Conv2D without bias, for a BatchNormalization to follow."""
    # No bias: the BatchNormalization right after it has its own shift (beta).
    return keras.layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding="same",
        use_bias=False,
        kernel_initializer="he_normal",
        name=name,
    )


# tf.keras (Keras 3 behind TF's shim) has no `saving` submodule; `utils` exports the same
# function as `keras.saving.register_keras_serializable`.
@keras.utils.register_keras_serializable(package="vizcnn")
class ResidualUnit(keras.layers.Layer):
    """``act(BN(conv(act(BN(conv(x))))) + skip(x))``: a ResNet basic block.

    Main path: 3x3 conv (``strides``) → BN → activation → 3x3 conv → BN.
    Skip path: the input itself when the shapes already match; otherwise (``strides > 1``
    or a different channel count) a 1x1 convolution with the same stride, then BN, so the
    two paths can be added. The activation is applied after the sum.

    Because the unit adds its input to what the main path computes, the main path only has
    to learn a *correction* to the identity. On the way back the gradient reaches the input
    along the skip as well as through the main path, which is what lets very deep stacks of
    these units train. (The activation after the sum still gates it; only a pre-activation
    unit, with the activation inside the main path, passes it through the ``+`` unchanged.)

    Parameters
    ----------
    filters : int
        Output channels of both convolutions (and of the unit).
    strides : int, default=1
        Stride of the first convolution (and of the 1x1 skip convolution): 2 halves the
        height and width.
    activation : str or callable, default="relu"
        Anything ``keras.activations.get`` accepts.
    **kwargs
        Passed to ``keras.layers.Layer`` (``name``, ``dtype``, ...).

    Attributes
    ----------
    main_layers : list of keras.layers.Layer
        Conv2D, BatchNormalization, Activation, Conv2D, BatchNormalization.
    skip_layers : list of keras.layers.Layer
        ``[]`` (identity skip) or ``[Conv2D 1x1, BatchNormalization]``. Decided when the
        layer is built, since it depends on the input's channel count.
    activation : keras.layers.Activation
        Applied after the sum.
    """

    def __init__(self, filters, strides=1, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.filters = check_positive_int(filters, "filters")
        self.strides = check_positive_int(strides, "strides")
        self.activation_name = keras.activations.serialize(keras.activations.get(activation))
        self.main_layers = [
            conv_before_bn(self.filters, strides=self.strides, name="conv1"),
            keras.layers.BatchNormalization(name="bn1"),
            keras.layers.Activation(activation, name="act1"),
            conv_before_bn(self.filters, name="conv2"),
            keras.layers.BatchNormalization(name="bn2"),
        ]
        self.skip_layers = []
        self.activation = keras.layers.Activation(activation, name="act_out")

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(
                "ResidualUnit expects inputs shaped (batch, height, width, channels) with a "
                f"known channel count, got shape {input_shape}"
            )
        if self.strides > 1 or input_shape[-1] != self.filters:
            self.skip_layers = [
                conv_before_bn(self.filters, kernel_size=1, strides=self.strides, name="skip_conv"),
                keras.layers.BatchNormalization(name="skip_bn"),
            ]
        # Build every sub-layer now (not lazily on first call) so that a saved model's
        # weights have somewhere to load into.
        for layers in (self.main_layers, self.skip_layers):
            shape = input_shape
            for layer in layers:
                layer.build(shape)
                shape = layer.compute_output_shape(shape)
        self.activation.build(self.compute_output_shape(input_shape))
        super().build(input_shape)

    def call(self, inputs, training=None):
        z = inputs
        for layer in self.main_layers:
            z = layer(z, training=training)
        skip = inputs
        for layer in self.skip_layers:
            skip = layer(skip, training=training)
        return self.activation(z + skip)

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = tuple(input_shape)

        def down(size):  # "same" padding: ceil(size / strides)
            return None if size is None else -(-size // self.strides)

        return (batch, down(height), down(width), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            {"filters": self.filters, "strides": self.strides, "activation": self.activation_name}
        )
        return config
