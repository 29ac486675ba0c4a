"""Compute what a model does: feature maps, filters, receptive fields (TensorFlow).

- :mod:`~vizcnn.inspection.activations`: ``feature_maps``, ``filters``;
- :mod:`~vizcnn.inspection.receptive_field`: the per-layer fields and their table, from
  the graph walk (:mod:`~vizcnn.inspection.graph_walk`);
- :mod:`~vizcnn.inspection.measured_field`: the same fields measured with gradients (on
  the linear probe, :mod:`~vizcnn.inspection.probe`), and the effective field;
- :mod:`~vizcnn.inspection.top_patches`, :mod:`~vizcnn.inspection.activation_max`: what
  one channel responds to (its top images, and the image gradient ascent builds for it);
- :mod:`~vizcnn.inspection.shift_consistency`: whether a classifier keeps its answer when
  the image moves by a few pixels.

What each layer kind does to the pixel grid is :mod:`vizcnn.graph.layer_kinds`.
"""

from vizcnn.graph.lookup import find_layer, iter_layers
from vizcnn.inspection.activation_max import activation_maximization, maximize_channels
from vizcnn.inspection.activations import feature_maps, filters
from vizcnn.inspection.cost import forward_flops_per_image, layer_costs, training_flops_per_image
from vizcnn.inspection.grad_cam import grad_cam, grad_cam_layer
from vizcnn.inspection.measured_field import effective_receptive_field, empirical_receptive_field
from vizcnn.inspection.receptive_field import (
    ReceptiveField,
    field_of,
    receptive_field_table,
    receptive_fields,
)
from vizcnn.inspection.shift_consistency import prediction_consistency, shift_images
from vizcnn.inspection.top_patches import (
    ChannelPeaks,
    TopPatches,
    channel_peaks,
    top_activating_patches,
)

__all__ = [
    "ChannelPeaks",
    "ReceptiveField",
    "TopPatches",
    "activation_maximization",
    "channel_peaks",
    "effective_receptive_field",
    "empirical_receptive_field",
    "feature_maps",
    "field_of",
    "filters",
    "find_layer",
    "forward_flops_per_image",
    "grad_cam",
    "grad_cam_layer",
    "prediction_consistency",
    "shift_images",
    "iter_layers",
    "layer_costs",
    "maximize_channels",
    "receptive_field_table",
    "receptive_fields",
    "top_activating_patches",
    "training_flops_per_image",
]
