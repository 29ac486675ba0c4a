"""ipywidgets explorers for the lessons (TensorFlow imported only when a model is used)."""

from vizcnn._lazy import lazy_getattr

_WHERE = {
    "PaddingStrideExplorer": "vizcnn.widgets.padding_stride",
    "FeatureMapExplorer": "vizcnn.widgets.feature_map",
}
__all__ = sorted(_WHERE)

__getattr__ = lazy_getattr(__name__, _WHERE)
