"""The design's layers, lowest first: no module imports one of a higher layer.

The order is README's Design section: the base (language, lazy imports; then the backend
and the style, which word their messages through language), the argument checks, the
arithmetic and the small library modules built on the checks, the graph, one reading of a
model's output, the folds over the walk, the displays, the widgets; the course half and
the package's lazy map on top. Each module's imports are read with ``ast`` (imports inside
functions count: a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

import vizcnn

PACKAGE = Path(vizcnn.__file__).parent

# unit (a sub-package or a top-level module of vizcnn) -> its layer; a unit may import
# any unit of its own layer or a lower one
LAYERS = {
    "lazy_import": 0,
    "language": 0,
    "backend": 1,
    "style": 1,
    "validation": 2,
    "arithmetic": 3,
    "pixels": 3,
    "rounding": 3,
    "signal": 3,  # spectrograms and resampling of sound: NumPy arithmetic, like `arithmetic`
    "graph": 4,
    "layers": 4,
    "prediction": 5,  # Grad-CAM and shift consistency in inspection read outputs through it
    "inspection": 6,
    "display": 7,
    "widgets": 8,
    "course": 9,
    "runs": 9,  # `python -m vizcnn.runs`: the course's run store
    "__init__": 9,  # the lazy map of public names (`import vizcnn as vz`): course-level
}


def unit_of(module: str, package: str) -> str | None:
    """The unit a dotted module name belongs to (``"graph"`` for ``vizcnn.graph.walk``),
    ``"__init__"`` for the package itself, ``None`` outside the package."""
    parts = module.split(".")
    if parts[0] != package:
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path) -> list[str]:
    """Every module of ``root``'s package that ``path`` imports, as dotted names.

    ``from pkg import name`` counts as ``pkg.name`` where ``name`` is a module or
    sub-package of ``pkg`` (a file or folder), else as ``pkg`` itself; relative imports are
    resolved against ``path``'s own package.
    """
    here = _module_name(path, root)
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # `from . import x`, `from ..graph import y`
                base = here.split(".")[: len(here.split(".")) - node.level + is_package]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module
            folder = root.parent.joinpath(*module.split("."))
            for alias in node.names:
                sub = folder / alias.name
                is_module = sub.is_dir() or sub.with_suffix(".py").is_file()
                found.append(f"{module}.{alias.name}" if is_module else module)
    return found


def upward_imports(root: Path, layers: dict) -> list[str]:
    """``"module -> imported (unit layer -> unit layer)"`` for every import of a higher
    layer in the package at ``root``, and ``"module: unit 'x' has no layer"`` for a unit
    the table does not place."""
    package = root.name
    problems = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        unit = unit_of(module, package)
        if unit not in layers:
            problems.append(f"{module}: unit {unit!r} has no layer")
            continue
        for imported in imported_modules(path, root):
            target = unit_of(imported, package)
            if target is None or target == unit:
                continue
            if target not in layers:
                problems.append(f"{module} -> {imported}: unit {target!r} has no layer")
            elif layers[target] > layers[unit]:
                problems.append(
                    f"{module} -> {imported} ({unit} {layers[unit]} -> {target} {layers[target]})"
                )
    return problems


def test_no_module_imports_a_higher_layer():
    assert len(list(PACKAGE.rglob("*.py"))) > 80
    assert upward_imports(PACKAGE, LAYERS) == []


def test_every_layer_in_the_table_exists():
    units = {
        p.stem for p in PACKAGE.iterdir() if p.suffix == ".py" or (p / "__init__.py").is_file()
    }
    assert set(LAYERS) == units


def _write(root: Path, files: dict) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_check_sees_a_forbidden_import(tmp_path):
    root = _write(
        tmp_path / "pkg",
        {
            "__init__.py": "",
            "low/__init__.py": "from pkg.low import helpers\n",
            "low/helpers.py": "def f():\n    from pkg.high import draw  # lazy, still upward\n",
            "low/near.py": "from ..high import draw\n",
            "low/named.py": "from pkg import high\n",
            "high/__init__.py": "from . import draw\nfrom pkg.low.helpers import f\n",
            "high/draw.py": "import numpy\nimport pkg.low\n",
            "base.py": "import pkg.low.helpers\n",
        },
    )
    layers = {"base": 0, "low": 1, "high": 2, "__init__": 3}
    assert upward_imports(root, layers) == [
        "pkg.base -> pkg.low.helpers (base 0 -> low 1)",
        "pkg.low.helpers -> pkg.high.draw (low 1 -> high 2)",
        "pkg.low.named -> pkg.high (low 1 -> high 2)",
        "pkg.low.near -> pkg.high.draw (low 1 -> high 2)",
    ]
    # a unit nobody placed is a problem too, not a silent pass
    unplaced = upward_imports(root, {"low": 1, "high": 2, "__init__": 3})
    assert "pkg.base: unit 'base' has no layer" in unplaced
