"""Compute what a model does: feature maps, filters, receptive fields (TensorFlow)."""

from vizcnn.inspection._model_graph import find_layer, iter_layers
from vizcnn.inspection.activations import feature_maps, filters
from vizcnn.inspection.receptive_field import (
    ReceptiveField,
    effective_receptive_field,
    empirical_receptive_field,
    receptive_field_table,
    receptive_fields,
)

__all__ = [
    "ReceptiveField",
    "effective_receptive_field",
    "empirical_receptive_field",
    "feature_maps",
    "filters",
    "find_layer",
    "iter_layers",
    "receptive_field_table",
    "receptive_fields",
]
