"""Displays draw what ``vizcnn.inspection`` / ``vizcnn.arithmetic`` compute.

Every display follows scikit-learn's pattern: ``Display.from_...(...)`` computes,
``.plot(*, ax=None, ...)`` draws, stores ``figure_`` and ``ax_``/``axes_``, returns self.
``show_images(...)`` is the shortcut for ``ImageGridDisplay(...).plot(...)``.
"""

from vizcnn.lazy_import import lazy_getattr

_WHERE = {
    "FilterDisplay": "vizcnn.display.filters",
    "FeatureMapDisplay": "vizcnn.display.feature_maps",
    "ReceptiveFieldDisplay": "vizcnn.display.receptive_field",
    "ConvArithmeticDisplay": "vizcnn.display.conv_arithmetic",
    "HistoryDisplay": "vizcnn.display.history",
    "GradCamDisplay": "vizcnn.display.grad_cam",
    "ArchitectureDisplay": "vizcnn.display.architecture",
    "ArchitectureStyle": "vizcnn.display.architecture_style",
    "ImageGridDisplay": "vizcnn.display.images",
    "show_images": "vizcnn.display.images",
    "TopPatchesDisplay": "vizcnn.display.unit_response",
    "ActivationMaximizationDisplay": "vizcnn.display.unit_response",
    "WaveformFeatureMapDisplay": "vizcnn.display.waveform_maps",
    "WaveformFilterDisplay": "vizcnn.display.waveform_filters",
    "WaveformGradCamDisplay": "vizcnn.display.waveform_grad_cam",
}
__all__ = sorted(_WHERE)

__getattr__ = lazy_getattr(__name__, _WHERE)
