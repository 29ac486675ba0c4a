"""The graph foundation: the only code that reads Keras internals.

- :mod:`~vizcnn.graph.keras_internals`: every private Keras attribute vizcnn reads;
- :mod:`~vizcnn.graph.layer_kinds`: one taxonomy of layer kinds (grid effect, cost rule,
  drawing category) and :func:`~vizcnn.graph.layer_kinds.register_layer_geometry`;
- :mod:`~vizcnn.graph.walk`: the one walk of a model in graph order, which receptive
  fields and layer costs fold over;
- :mod:`~vizcnn.graph.lookup`: layers found inside a model (``iter_layers``,
  ``find_layer``) and the ``"outer/inner"`` keys results are indexed by;
- :mod:`~vizcnn.graph.submodels`: sub-models cut out of a model (a layer's output,
  Grad-CAM's cut) and the one shape inference of a layer (``output_spec``).
"""
