"""The two halves: the library never imports the course (vizcnn/course/)."""

from __future__ import annotations

import ast
from pathlib import Path

import vizcnn

PACKAGE = Path(vizcnn.__file__).parent
COURSE_NAMES = set(vizcnn._COURSE)


def course_imports(path: Path) -> list[str]:
    """Every import in ``path`` that reaches the course half, as written."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("vizcnn.course")]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("vizcnn.course"):
                found.append(node.module)
            elif node.module == "vizcnn":  # `from vizcnn import data` reaches the course too
                found += [f"vizcnn.{a.name}" for a in node.names if a.name in COURSE_NAMES]
    return found


def library_modules() -> list[Path]:
    course = PACKAGE / "course"
    skip = {PACKAGE / "__init__.py", PACKAGE / "runs.py"}  # the lazy map and the CLI's name
    return [p for p in PACKAGE.rglob("*.py") if course not in p.parents and p not in skip]


def test_the_library_half_never_imports_the_course_half():
    modules = library_modules()
    assert len(modules) > 50
    offenders = {str(p.relative_to(PACKAGE)): course_imports(p) for p in modules}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_sees_a_course_import(tmp_path):
    for line in ("from vizcnn.course.data import load_fashion_mnist", "from vizcnn import runs"):
        module = tmp_path / "module.py"
        module.write_text(line + "\n")
        assert course_imports(module)
