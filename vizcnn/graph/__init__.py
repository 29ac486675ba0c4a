"""The graph foundation: the only code that reads Keras internals (``keras_internals``)."""
