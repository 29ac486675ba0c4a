"""One taxonomy of Keras layer kinds: what each does to the pixel grid, what it costs, how
it is drawn. Pure Python: no TensorFlow, no Keras import.

Everything that follows a model layer by layer asks this module: the receptive-field walk,
the linear probe that measures the same fields with gradients, the cost count and the
architecture drawing. One table stops them from drifting apart.

A layer is looked up by the names of its classes, nearest first (``type(layer).__mro__``):
a subclass of ``Conv2D`` is a convolution, and a class registered with
:func:`register_layer_geometry` wins over the built-in table. ``keras.ops`` functions
applied to Keras tensors in a functional graph are looked up by the operation class Keras
records (``keras.ops.leaky_relu`` -> ``LeakyRelu``).

Grid effects (:func:`grid_effect`):

``"window"``
    Each output unit reads a window of input positions: convolutions, pooling,
    ``ZeroPadding2D``, ``Cropping2D``, and their 1-D twins (``Conv1D``, also with
    ``padding="causal"``, ``MaxPooling1D``, ``ZeroPadding1D``, ...).
``"per_position"``
    Each output position is computed from the same position of its inputs (the channels
    are mixed, or not): activations, normalization, ``Dense`` on ``(H, W, C)``,
    ``LayerScale``, merges (``Add``, ``Concatenate``...) and pointwise ``keras.ops``.
``"global"``
    Every output depends on every input position: ``Flatten``, ``Reshape``, global pooling.
``"identity"``
    The layer returns its input at inference: the augmentation layers (``RandomFlip``,
    ``RandomRotation``, ``RandomZoom``, ...) and ``StochasticDepth``. Receptive fields
    describe the model at inference, so these pass the field through unchanged.
"""

from __future__ import annotations

# -- the built-in table, by class name ---------------------------------------------------

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
        "LayerScale",  # ConvNeXt: one learned factor per channel
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

# The identity at inference: random augmentation only acts with training=True.
IDENTITY_AT_INFERENCE = frozenset(
    {
        "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast",
        "RandomBrightness", "RandomColorDegeneration", "RandomColorJitter",
        "RandomElasticTransform", "RandomErasing", "RandomGaussianBlur", "RandomGrayscale",
        "RandomHue", "RandomInvert", "RandomPerspective", "RandomPosterization",
        "RandomSaturation", "RandomSharpness", "RandomShear", "AugMix", "CutMix", "MixUp",
        "RandAugment", "StochasticDepth",
    }
)  # fmt: skip

PER_POSITION = POINTWISE_LAYERS | POINTWISE_OPS | MERGES

# Window layers of images (2-D) and of sequences (1-D: sound, text), and how layer_costs
# counts every layer it knows. The same recurrences serve both, one axis at a time.
_WINDOW_RULES = {
    "Conv": "conv",
    "DepthwiseConv": "depthwise",
    "SeparableConv": "separable",
    "MaxPooling": "pooling",
    "AveragePooling": "pooling",
    "ZeroPadding": "none",
    "Cropping": "none",
}
WINDOW_RANKS = (1, 2)  # the spatial axes receptive fields follow: (T,) or (H, W)
_WINDOWS = {f"{stem}{rank}D": rule for stem, rule in _WINDOW_RULES.items() for rank in WINDOW_RANKS}
_COST_ONLY = {  # no receptive-field rule (volumes, or they resample the grid)
    "Conv3D": "conv",
    **dict.fromkeys(("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"), "transpose"),
    **dict.fromkeys(("MaxPooling3D", "AveragePooling3D"), "pooling"),
    **dict.fromkeys(("GlobalAveragePooling3D", "GlobalMaxPooling3D"), "global_pooling"),
    **dict.fromkeys(
        ("InputLayer", "Permute", "RepeatVector", "ZeroPadding3D", "Cropping3D"), "none"
    ),
}

# (grid effect or None, cost rule) per class name. Cost rules: "conv", "transpose",
# "depthwise", "separable", "dense" (multiply-accumulates); "pooling", "global_pooling",
# "merge", "elementwise" (other arithmetic); "none" (moves data); "identity" (does nothing).
_TABLE: dict[str, tuple[str | None, str]] = {
    **{name: (None, rule) for name, rule in _COST_ONLY.items()},
    **{name: ("per_position", "elementwise") for name in POINTWISE_LAYERS | POINTWISE_OPS},
    **{name: ("per_position", "merge") for name in MERGES},
    **{name: ("global", "none") for name in GLOBAL},
    **{name: ("global", "global_pooling") for name in GLOBAL if name.startswith("Global")},
    **{name: ("identity", "identity") for name in IDENTITY_AT_INFERENCE},
    **{name: ("window", rule) for name, rule in _WINDOWS.items()},
    "Dense": ("per_position", "dense"),  # on (N, H, W, C) Dense acts per position
    "Identity": ("identity", "none"),
    "Concatenate": ("per_position", "none"),
}

GRID_EFFECTS = ("window", "per_position", "global", "identity")
DECLARABLE = ("per_position", "identity", "global")
_DECLARED_COST = {"per_position": "elementwise", "identity": "identity", "global": "global_pooling"}
_REGISTRY: dict[type, str] = {}

SUPPORTED = (
    "Conv2D, DepthwiseConv2D, SeparableConv2D, MaxPooling2D, AveragePooling2D, "
    "ZeroPadding2D, Cropping2D, their 1-D twins (Conv1D with causal padding too, ...), "
    "global pooling, Flatten, Dense, merges (Add, Concatenate, ...), "
    "per-position layers (activations, normalization, dropout, LayerScale, DepthPool) and "
    "keras.ops, augmentation layers (the identity at inference), nested models and layers "
    "with main_layers/skip_layers such as vz.layers.ResidualUnit"
)
DECLARE_HINT = (
    "declare a custom layer's geometry with vz.register_layer_geometry(TheLayerClass, "
    "kind='per_position' | 'identity' | 'global')"
)


def register_layer_geometry(layer_class, *, kind: str):
    """Declare what a custom layer class does to the pixel grid.

    After this call :func:`vizcnn.receptive_fields`, :func:`vizcnn.receptive_field_table`,
    :class:`vizcnn.ReceptiveFieldDisplay` and :func:`vizcnn.layer_costs` follow layers of
    ``layer_class`` (and of its subclasses) instead of refusing them. The declaration
    lasts for the Python session and wins over vizcnn's own table.

    Parameters
    ----------
    layer_class : type
        The layer's class (not an instance), e.g. ``MyGate``.
    kind : {"per_position", "identity", "global"}
        ``"per_position"``: each output position is computed from the same position of
        the input (any channel mixing); the field passes through, and ``layer_costs``
        counts one elementwise operation per output element. ``"identity"``: the layer
        returns its input at inference (augmentation, regularisation); no cost.
        ``"global"``: every output depends on every input position (the field becomes the
        whole input); ``layer_costs`` counts one operation per input element. A layer that
        reads a window of positions is not declarable: subclass a Keras convolution or
        pooling layer, or build it from them in a ``keras.Sequential``.

    Returns
    -------
    type
        ``layer_class``, so the call can decorate the class definition.

    Raises
    ------
    TypeError
        If ``layer_class`` is not a class, or ``kind`` not a string.
    ValueError
        If ``kind`` is not one of the three kinds.

    Examples
    --------
    >>> import vizcnn as vz
    >>> class Gate:  # stands for a keras.layers.Layer subclass
    ...     pass
    >>> vz.register_layer_geometry(Gate, kind="per_position") is Gate
    True
    """
    if not isinstance(layer_class, type):
        raise TypeError(
            f"layer_class must be a layer class (e.g. MyLayer, not MyLayer()), got "
            f"{type(layer_class).__name__}"
        )
    if not isinstance(kind, str):
        raise TypeError(f"kind must be one of {', '.join(map(repr, DECLARABLE))}, got {kind!r}")
    if kind not in DECLARABLE:
        raise ValueError(f"kind must be one of {', '.join(map(repr, DECLARABLE))}, got {kind!r}")
    _REGISTRY[layer_class] = kind
    return layer_class


def _entry(layer) -> tuple[str | None, str | None]:
    """``(grid effect, cost rule)`` of a layer or operation: the nearest known class."""
    for cls in type(layer).__mro__:
        if cls in _REGISTRY:
            kind = _REGISTRY[cls]
            return kind, _DECLARED_COST[kind]
        if cls.__name__ in _TABLE:
            return _TABLE[cls.__name__]
    return None, None


def kind_name(layer) -> str:
    """The class name a layer or ``keras.ops`` node is shown under (``"Conv2D"``, ``"Add"``)."""
    return type(layer).__name__


def grid_effect(layer) -> str | None:
    """What ``layer`` does to the pixel grid: one of :data:`GRID_EFFECTS`, or ``None``.

    ``None``: vizcnn does not know (a custom layer: see :func:`register_layer_geometry`;
    upsampling, transposed convolutions, 3-D layers). Containers (nested models,
    :func:`is_block` layers) are not kinds: the walk opens them.
    """
    return _entry(layer)[0]


def cost_rule(layer) -> str | None:
    """How :func:`vizcnn.layer_costs` counts ``layer``, or ``None`` when it cannot.

    ``"conv"``, ``"transpose"``, ``"depthwise"``, ``"separable"``, ``"dense"`` count
    multiply-accumulates; ``"pooling"``, ``"global_pooling"``, ``"merge"``,
    ``"elementwise"`` other operations; ``"none"`` moves data (reshaping, padding,
    ``Concatenate``); ``"identity"`` does nothing at inference.
    """
    return _entry(layer)[1]


def window_rank(layer) -> int | None:
    """How many spatial axes a window layer slides over: 1 (``Conv1D``, ``MaxPooling1D``,
    ...), 2 (``Conv2D``, ...); ``None`` for a layer that is not a window layer."""
    if grid_effect(layer) != "window":
        return None
    name = next(cls.__name__ for cls in type(layer).__mro__ if cls.__name__ in _WINDOWS)
    return int(name[-2])  # "Conv1D" -> 1


# Known layers whose fields no (size, jump, start) describes, and why, by class-name stem.
_UNSUPPORTED_BECAUSE = {
    "UpSampling": (
        "it repeats every step (pixel), so neighbouring units of the layers after it see "
        "fields of different sizes, which no single size, jump and start describe"
    ),
    "3D": (
        "it works on volumes (N, D, H, W, C); receptive fields follow 2-D models "
        "(N, H, W, C) and 1-D models (N, T, C)"
    ),
}


def unsupported_reason(layer) -> str:
    """Why receptive fields refuse a layer vizcnn knows (``UpSampling1D``, 3-D layers), or
    ``""`` for a layer it does not know at all."""
    name = kind_name(layer)
    return next((why for stem, why in _UNSUPPORTED_BECAUSE.items() if stem in name), "")


def is_spatial(layer) -> bool:
    """Whether ``layer`` reads a window of input positions per output unit (grid effect
    ``"window"``: convolutions, pooling, ``ZeroPadding2D``, ``Cropping2D``)."""
    return grid_effect(layer) == "window"


def only_moves_grid(layer) -> bool:
    """Whether ``layer`` shifts or trims the grid without computing anything (padding,
    cropping): a window layer whose cost rule is ``"none"``."""
    return is_spatial(layer) and cost_rule(layer) == "none"


def is_merge(layer) -> bool:
    """Whether ``layer`` combines several tensors position by position (``Add``, ...)."""
    return any(cls.__name__ in MERGES for cls in type(layer).__mro__)


def is_block(layer) -> bool:
    """Whether ``layer`` is a residual block the walk can open: it has ``main_layers`` and
    ``skip_layers`` lists (``vz.layers.ResidualUnit``), summed and then passed through its
    ``activation`` layer if it has one."""
    return hasattr(layer, "main_layers") and hasattr(layer, "skip_layers")


def is_input_layer(layer) -> bool:
    """Whether ``layer`` is a model's ``InputLayer`` (a placeholder, not a computation)."""
    return type(layer).__name__ == "InputLayer"


def _nearest_known(layer) -> str | None:
    """The class name of ``layer``'s nearest class in the built-in table, or ``None``."""
    return next((c.__name__ for c in type(layer).__mro__ if c.__name__ in _TABLE), None)


_KERNELS = ("conv", "transpose", "depthwise", "separable")


def kernel_kind(layer) -> str | None:
    """Which kernel a layer holds: ``"conv"``, ``"transpose"``, ``"depthwise"`` (one
    spatial kernel per input channel) or ``"separable"`` (depthwise, then a 1x1
    ``pointwise`` kernel); ``None`` for a layer that is not a convolution."""
    rule = _TABLE.get(_nearest_known(layer), (None, None))[1]
    return rule if rule in _KERNELS else None


# Layers that bring pixels into the range a model was trained on.
INPUT_SCALING = frozenset({"Rescaling", "Normalization"})


def scales_input(layer) -> bool:
    """Whether ``layer`` rescales or normalises its input (``Rescaling``, ``Normalization``)."""
    return any(cls.__name__ in INPUT_SCALING for cls in type(layer).__mro__)


# Max pooling's gradient reaches one pixel per window: the probe averages instead.
_MAX_TO_AVERAGE = {
    f"{scope}MaxPooling{rank}D": f"{scope}AveragePooling{rank}D"
    for scope in ("", "Global")
    for rank in WINDOW_RANKS
}


def probe_replacement(layer) -> str | None:
    """What the linear probe (:mod:`~vizcnn.inspection.probe`) puts in ``layer``'s place.

    ``"identity"`` for a pointwise layer or ``keras.ops`` node, and for one that is the
    identity at inference; ``"add"`` for a merge whose gradient can vanish or cancel
    (:data:`MERGES_TO_ADD`); the class name of an averaging pooling layer for a max
    pooling one; ``None``: a copy of the layer itself (made linear).
    """
    if grid_effect(layer) == "identity":  # augmentation, and registered identities
        return "identity"
    name = _nearest_known(layer)
    if name in POINTWISE_LAYERS or name in POINTWISE_OPS:
        return "identity"
    if name in MERGES_TO_ADD:
        return "add"
    return _MAX_TO_AVERAGE.get(name)


# -- the architecture drawing's colour classes --------------------------------------------

_DRAWN_MERGES = {
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
    "Dot",
}
_DRAWN_ACTIVATIONS = {"Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"}
_DRAWN_RESHAPES = (
    "Flatten",
    "Reshape",
    "ZeroPadding",
    "Cropping",
    "UpSampling",
    "Permute",
    "Repeat",
)


def drawing_category(kind: str) -> str:
    """The colour class of a layer box, from its class name (``"Conv2D"`` -> ``"conv"``).

    One of ``"input"``, ``"merge"``, ``"activation"``, ``"conv"``, ``"norm"``, ``"pool"``,
    ``"dense"``, ``"reshape"``, ``"dropout"``, ``"other"``.
    """
    if kind == "InputLayer":
        return "input"
    if kind in _DRAWN_MERGES:
        return "merge"
    if kind in _DRAWN_ACTIVATIONS:
        return "activation"
    for word, category in (("Conv", "conv"), ("Normalization", "norm"), ("Pool", "pool")):
        if word in kind:
            return category
    if kind in ("Dense", "EinsumDense"):
        return "dense"
    if kind.startswith(_DRAWN_RESHAPES):
        return "reshape"
    if "Dropout" in kind or kind.startswith("Gaussian"):
        return "dropout"
    return "other"
