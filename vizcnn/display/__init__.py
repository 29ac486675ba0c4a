"""Displays draw what ``vizcnn.inspection`` / ``vizcnn.arithmetic`` compute.

Every display follows one contract, scikit-learn's: ``__init__`` only stores its
arguments; ``Display.from_model(...)`` (or ``from_layer``, ``from_histories``) checks
``ax`` before any computing, computes, and calls ``Display.from_result(...)``, which
builds the display from arrays and plots it; ``.plot(*, ax=None, ...)`` checks what was
stored, draws, stores ``figure_`` and ``ax_``/``axes_``, and returns self. ``layer`` (and
a channel) may be given by position after the model and its input; every other option is
keyword-only. ``ax`` is checked by one function (``_axes``), and images reach the screen
through one conversion (``screen``). ``show_images(...)`` is the shortcut for
``ImageGridDisplay.from_result(...)``.
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
