"""Import docs/site/build_site.py (a script, not a package) for the site tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

PATH = Path(__file__).resolve().parents[1] / "docs" / "site" / "build_site.py"
_spec = importlib.util.spec_from_file_location("build_site", PATH)
build_site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_site)
