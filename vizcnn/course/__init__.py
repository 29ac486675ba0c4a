"""The course half: the lessons' own material, built on the library half, never under it.

Fashion-MNIST, the sample images and lesson 07's spoken digits (``data``; the digits
themselves in ``spoken_digits*``, ``espeak`` and ``wav``), the lessons' models (``models``), their
recipes and training loop (``recipes``, ``training*``), the degradation experiment
(``degradation``), this machine's speed and time estimates (``speed``, ``time_estimate``),
the run store of trained networks (``runs``) and the cache folder they share with the
spoken digits (``cache``), the glossary (``glossary``) and
``setup_lesson`` (``lesson``). ``vz.data``, ``vz.models``, ``vz.runs``, ... reach them, and
so does ``from vizcnn import training``.

Nothing in the library half (``arithmetic``, ``graph``, ``inspection``, ``display``,
``widgets``, ``validation``, ``language``, ``style``, ``backend``, ...) imports from here
(``tests/test_layering.py`` checks it).
"""
