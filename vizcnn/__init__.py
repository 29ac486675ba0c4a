"""vizcnn: see what a convolutional neural network does.

``import vizcnn as vz`` is fast: TensorFlow and matplotlib are imported only when a name
that needs them is first used (PEP 562 lazy attributes).
"""

from __future__ import annotations

from vizcnn.lazy_import import lazy_getattr

__version__ = "0.1.0"

# public name -> module that defines it. Submodules (vz.data, vz.layers, ...) are listed
# too, so `vz.data.load_sample_images()` works after a bare `import vizcnn as vz`.
_LAZY = {
    # pure arithmetic: no TensorFlow
    "conv_output_size": "vizcnn.arithmetic",
    "same_padding": "vizcnn.arithmetic",
    # style: matplotlib only
    "set_style": "vizcnn.style",
    "save_fig": "vizcnn.style",
    # TensorFlow set-up
    "import_tensorflow": "vizcnn.backend",
    "use_fast_precision": "vizcnn.backend",
    "setup_lesson": "vizcnn.course.lesson",
    # compute
    "feature_maps": "vizcnn.inspection",
    "filters": "vizcnn.inspection",
    "receptive_fields": "vizcnn.inspection",
    "receptive_field_table": "vizcnn.inspection",
    "empirical_receptive_field": "vizcnn.inspection",
    "effective_receptive_field": "vizcnn.inspection",
    "ReceptiveField": "vizcnn.inspection",
    "layer_costs": "vizcnn.inspection",
    "forward_flops_per_image": "vizcnn.inspection",
    "training_flops_per_image": "vizcnn.inspection",
    "register_layer_geometry": "vizcnn.graph.layer_kinds",
    # what a unit responds to, and why the network chose a class
    "top_activating_patches": "vizcnn.inspection",
    "channel_peaks": "vizcnn.inspection",
    "activation_maximization": "vizcnn.inspection",
    "grad_cam": "vizcnn.inspection",
    "grad_cam_layer": "vizcnn.inspection",
    # does the answer survive a shift of a few pixels?
    "prediction_consistency": "vizcnn.inspection",
    "shift_images": "vizcnn.inspection",
    # how long training will take here
    "estimate_training_time": "vizcnn.course.time_estimate",
    # display
    "FilterDisplay": "vizcnn.display",
    "FeatureMapDisplay": "vizcnn.display",
    "ReceptiveFieldDisplay": "vizcnn.display",
    "ConvArithmeticDisplay": "vizcnn.display",
    "HistoryDisplay": "vizcnn.display",
    "ArchitectureDisplay": "vizcnn.display",
    "ArchitectureStyle": "vizcnn.display",
    "show_images": "vizcnn.display",
    "TopPatchesDisplay": "vizcnn.display",
    "ActivationMaximizationDisplay": "vizcnn.display",
    "GradCamDisplay": "vizcnn.display",
    # 1-D models (sound, text): time on the horizontal axis
    "WaveformFeatureMapDisplay": "vizcnn.display",
    "WaveformFilterDisplay": "vizcnn.display",
    "WaveformGradCamDisplay": "vizcnn.display",
    # widgets
    "PaddingStrideExplorer": "vizcnn.widgets",
    "FeatureMapExplorer": "vizcnn.widgets",
    "UnitExplorer": "vizcnn.widgets",
}
_SUBMODULES = (
    "arithmetic",
    "backend",
    "display",
    "inspection",
    "language",
    "layers",
    "prediction",
    "rounding",
    "signal",
    "style",
    "validation",
    "widgets",
)
# the course half (vizcnn/course/): the lessons' material, reached as vz.data, vz.runs, ...
# and `from vizcnn import training`, although its modules live in vizcnn.course
_COURSE = (
    "data",
    "degradation",
    "glossary",
    "lesson",
    "models",
    "recipes",
    "runs",
    "speed",
    "time_estimate",
    "training",
    "training_data",
    "training_schedule",
    "unit_lesions",
)

__all__ = sorted([*_LAZY, *_SUBMODULES, *_COURSE])


__getattr__ = lazy_getattr(
    __name__,
    {
        **_LAZY,
        **{name: f"vizcnn.{name}" for name in _SUBMODULES},
        **{name: f"vizcnn.course.{name}" for name in _COURSE},
    },
)


def __dir__():
    return __all__
