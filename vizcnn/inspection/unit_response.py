"""What one channel of a layer responds to: the images that excite it most, and the image
gradient ascent builds for it.

The code lives in two modules, one job each; this one keeps the old import path:

- :mod:`~vizcnn.inspection.top_patches`: :func:`top_activating_patches` (the ``k``
  images whose strongest unit of the channel fires hardest, with the patch that unit
  sees) and :func:`channel_peaks` (every channel at once, for a widget);
- :mod:`~vizcnn.inspection.activation_max`: :func:`activation_maximization` and
  :func:`maximize_channels` (gradient ascent on the input, regularised by jitter, blur
  and clipping).
"""

from vizcnn.inspection.activation_max import activation_maximization, maximize_channels
from vizcnn.inspection.top_patches import (
    ChannelPeaks,
    TopPatches,
    channel_peaks,
    top_activating_patches,
)

__all__ = [
    "ChannelPeaks",
    "TopPatches",
    "activation_maximization",
    "channel_peaks",
    "maximize_channels",
    "top_activating_patches",
]
