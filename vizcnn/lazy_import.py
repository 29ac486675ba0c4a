"""PEP 562 lazy attributes: import a submodule only when one of its names is used."""

from __future__ import annotations

import importlib
import sys


def lazy_getattr(package: str, where: dict[str, str]):
    """Return a module ``__getattr__`` resolving ``name`` from module ``where[name]``.

    ``where[name]`` may name the module itself (a submodule import) or a module that
    defines ``name``. The value is cached in the package so each name resolves once.
    """

    def __getattr__(name: str):
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(where[name])
        # a module whose last part is the name itself is the value (vz.data is the module
        # vizcnn.course.data); otherwise the module defines the name
        is_module = module.__name__.rsplit(".", 1)[-1] == name
        value = module if is_module else getattr(module, name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
