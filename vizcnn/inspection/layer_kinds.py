"""What each kind of Keras layer (or ``keras.ops`` node) does to the pixel grid.

One table for everything that follows pixels through a model: the receptive-field walk
(:mod:`~vizcnn.inspection.graph_walk`) and the linear probe copy that measures the same
fields with gradients (:mod:`~vizcnn.inspection.probe`). Keeping one list is what stops
the two from drifting apart (``tests/test_receptive_field.py`` checks every name here
through both).

Names are class names: ``type(layer).__name__`` for layers, and for ``keras.ops``
functions applied to Keras tensors in a functional graph, the name of the operation class
Keras records (``keras.ops.leaky_relu`` -> ``LeakyRelu``).
"""

from __future__ import annotations

# Layers that act on each position separately (on the channels only): grid and field pass
# through unchanged. In the probe they become the identity: their gradient can vanish
# (a ReLU that is off, a normalisation of a constant input) although the pixel is wired.
POINTWISE_LAYERS = frozenset(
    {
        "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
        "BatchNormalization", "LayerNormalization", "GroupNormalization",
        "UnitNormalization", "Dropout", "SpatialDropout2D", "GaussianNoise",
        "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Rescaling",
        "Normalization", "Identity", "DepthPool",
    }
)  # fmt: skip

# keras.ops nodes acting on each position separately.
POINTWISE_OPS = frozenset(
    {
        "Relu", "Relu6", "LeakyRelu", "Elu", "Selu", "Sigmoid", "HardSigmoid", "Tanh",
        "Silu", "Gelu", "Softplus", "Softsign", "Softmax", "LogSoftmax", "Abs", "Absolute",
        "Square", "Sqrt", "Negative", "Exp", "Log", "Cast", "Clip",
    }
)  # fmt: skip

# Combine several tensors position by position (layers and keras.ops alike). With one
# tensor input (``keras.ops.add(x, 1.0)``) they are pointwise.
MERGES = frozenset(
    {
        "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
        "Divide", "TrueDivide", "Power",
    }
)  # fmt: skip

# Merges whose gradient can vanish (a max not taken, a product at zero) or cancel (minus
# signs): the probe replaces them with ``Add``.
MERGES_TO_ADD = frozenset(
    {"Maximum", "Minimum", "Multiply", "Subtract", "Divide", "TrueDivide", "Power"}
)

# Every output depends on every input position.
GLOBAL = frozenset(
    {
        "Flatten", "Reshape", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
        "GlobalAveragePooling1D", "GlobalMaxPooling1D",
    }
)  # fmt: skip

PER_POSITION = POINTWISE_LAYERS | POINTWISE_OPS | MERGES

SUPPORTED = (
    "Conv2D, DepthwiseConv2D, SeparableConv2D, MaxPooling2D, AveragePooling2D, "
    "ZeroPadding2D, Cropping2D, global pooling, Flatten, Dense, merges (Add, Concatenate, ...), "
    "per-position layers (activations, normalization, dropout, DepthPool) and keras.ops, "
    "nested models and layers with main_layers/skip_layers such as vz.layers.ResidualUnit"
)
