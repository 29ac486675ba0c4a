"""What each kind of Keras layer does to the pixel grid: moved to
:mod:`vizcnn.graph.layer_kinds` (the one taxonomy of layer kinds); re-exported here."""

from vizcnn.graph.layer_kinds import (
    GLOBAL,
    IDENTITY_AT_INFERENCE,
    MERGES,
    MERGES_TO_ADD,
    PER_POSITION,
    POINTWISE_LAYERS,
    POINTWISE_OPS,
    SUPPORTED,
)

__all__ = [
    "GLOBAL",
    "IDENTITY_AT_INFERENCE",
    "MERGES",
    "MERGES_TO_ADD",
    "PER_POSITION",
    "POINTWISE_LAYERS",
    "POINTWISE_OPS",
    "SUPPORTED",
]
