"""ipywidgets explorers for the lessons (TensorFlow imported only when a model is used)."""

from vizcnn.lazy_import import lazy_getattr

_WHERE = {
    "PaddingStrideExplorer": "vizcnn.widgets.padding_stride",
    "FeatureMapExplorer": "vizcnn.widgets.feature_map",
    "UnitExplorer": "vizcnn.widgets.unit_explorer",
}
__all__ = sorted(_WHERE)

__getattr__ = lazy_getattr(__name__, _WHERE)
