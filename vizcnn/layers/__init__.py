"""Keras layers the lessons need and Keras lacks (serializable, package ``vizcnn``)."""

from vizcnn.lazy_import import lazy_getattr

_WHERE = {
    "BlurPool2D": "vizcnn.layers.blur_pool",
    "DepthPool": "vizcnn.layers.depth_pool",
    "ResidualUnit": "vizcnn.layers.residual_unit",
}
__all__ = sorted(_WHERE)

__getattr__ = lazy_getattr(__name__, _WHERE)
