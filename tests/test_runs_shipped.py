"""The shipped runs: small enough, declared as they were trained, and inside the wheel."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import vizcnn as vz
from vizcnn.course.runs import store

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "vizcnn" / "data_files" / "runs"
MB = 1e6


def shipped_files():
    return sorted(p for p in SHIPPED.glob("*/seed_*/*") if p.is_file())


def test_the_store_ships_runs_within_the_size_budget():
    files = shipped_files()
    assert any(p.name == "weights.npz" for p in files), "no shipped network in the store"
    per_run = {}
    for path in files:
        run = path.relative_to(SHIPPED).parts[0]
        per_run[run] = per_run.get(run, 0) + path.stat().st_size
    print({run: f"{size / MB:.2f} MB" for run, size in per_run.items()})
    assert max(per_run.values()) <= 8 * MB
    assert sum(per_run.values()) <= 40 * MB


def test_every_shipped_record_matches_its_declaration(monkeypatch):
    monkeypatch.delenv("VIZCNN_RUNS", raising=False)
    declared = vz.runs.declarations()
    for path in SHIPPED.glob("*/seed_*/record.json"):
        record = json.loads(path.read_text())
        run = declared[record["name"]]
        assert run.matches(record), f"{path} was trained from another declaration: retrain it"
        assert (record["weights"] is not None) == (record["seed"] in run.weights)
        assert len(record["history"]["val_accuracy"]) == run.make_recipe().epochs


def test_only_finished_runs_are_shipped():
    for folder in SHIPPED.glob("*/seed_*"):
        names = {p.name for p in folder.iterdir()}
        assert names <= {store.RECORD, store.WEIGHTS} and store.RECORD in names, folder


@pytest.mark.slow
def test_the_wheel_carries_the_shipped_runs(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "vizcnn", source / "vizcnn", ignore=shutil.ignore_patterns("__pycache__")
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        check=True,
    )
    (wheel,) = (tmp_path / "dist").glob("vizcnn-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    wanted = {str(p.relative_to(ROOT)) for p in shipped_files()}
    assert wanted and wanted <= inside, sorted(wanted - inside)
