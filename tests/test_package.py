"""The package surface: fast lazy import, every public name resolves, quiet TensorFlow."""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

import vizcnn as vz

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )


def test_import_does_not_load_tensorflow_or_matplotlib():
    out = _run(
        "import sys, vizcnn; print('tensorflow' in sys.modules, 'matplotlib' in sys.modules)"
    )
    assert out.stdout.split() == ["False", "False"]


def test_arithmetic_path_stays_free_of_tensorflow():
    out = _run(
        "import sys, vizcnn as vz; vz.conv_output_size(7, 3); print('tensorflow' in sys.modules)"
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("name", vz.__all__)
def test_every_public_name_resolves(name):
    assert getattr(vz, name) is not None


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        vz.nope  # noqa: B018


def test_tensorflow_import_is_quiet_on_stderr():
    out = _run("import vizcnn as vz; tf = vz.import_tensorflow(); tf.zeros(1)")
    assert "oneDNN" not in out.stderr
    assert "absl::InitializeLog" not in out.stderr
    assert "cpu_feature_guard" not in out.stderr


def test_quiet_import_keeps_onednn_numerics_unchanged():
    # we hide log lines; we must not switch oneDNN off (that would change numerics)
    out = _run(
        "import os, vizcnn as vz; vz.import_tensorflow(); "
        "print(os.environ.get('TF_ENABLE_ONEDNN_OPTS'))"
    )
    assert out.stdout.strip() == "None"


def test_environment_yml_installs_exactly_the_pyproject_dev_set():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert pip_sections == [['-e ".[cpu,dev]"']], "environment.yml must install the project itself"
    assert "dev" in project["optional-dependencies"]
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    major, minor = python.split("=")[1].split(".")[:2]
    required = project["requires-python"].removeprefix(">=")
    assert (int(major), int(minor)) >= tuple(int(p) for p in required.split(".")[:2])
    declared = {
        dep.split(">")[0].split("=")[0].split(";")[0].strip() for dep in project["dependencies"]
    }
    for fixed in ("matplotlib", "ipywidgets", "jupyterlab", "scikit-learn"):
        assert fixed in declared
    dev = {dep.split(">")[0].strip() for dep in project["optional-dependencies"]["dev"]}
    assert {"pytest", "nbval", "ruff"} <= dev


def _names(requirements):
    return {re.split(r"[<>=;\[ ]", dep, maxsplit=1)[0] for dep in requirements}


def test_tensorflow_comes_from_an_extra_never_from_the_bare_install():
    """A GPU box or Colab keeps its own TensorFlow: only the extras choose a build."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not {"tensorflow", "tensorflow-cpu", "keras"} & _names(project["dependencies"])
    extras = project["optional-dependencies"]
    assert {"tensorflow-cpu", "tensorflow", "keras"} <= _names(extras["cpu"])
    assert any(dep.startswith("tensorflow[and-cuda]") for dep in extras["gpu"])
    assert "TF_EXTRA ?= cpu" in (ROOT / "Makefile").read_text()  # make setup: the CPU build


def test_without_tensorflow_import_works_and_the_first_need_names_the_extras():
    out = _run(
        "import sys; sys.modules['tensorflow'] = None\n"  # as if it were not installed
        "import vizcnn as vz\n"
        "print(vz.conv_output_size(28, 3, strides=2, padding='same'))\n"
        "try:\n"
        "    vz.setup_lesson()\n"
        "except ImportError as error:\n"
        "    print(type(error).__name__, error)\n"
    )
    size, message = out.stdout.strip().split("\n")
    assert size == "14"
    assert message.startswith("ImportError") and "TensorFlow" in message
    assert "vizcnn[cpu]" in message and "vizcnn[gpu]" in message


def test_a_tensorflow_without_keras_3_is_named():
    out = _run(
        "import sys, types\n"
        "sys.modules['tensorflow'] = types.SimpleNamespace(__version__='2.15.1')\n"
        "import vizcnn as vz\n"
        "try:\n"
        "    vz.import_tensorflow()\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    assert "Keras 3" in out.stdout and "TensorFlow 2.15.1" in out.stdout
    assert "tensorflow>=2.16" in out.stdout


def test_makefile_and_ci_call_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make lab" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def _imports(path):
    """Every ``vizcnn...`` module a file imports (``from a import b`` counts ``a.b`` too)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_no_module_imports_another_packages_private_module():
    """A private module (``_name.py``) serves its own package only; what another package
    needs is that package's public API."""
    root = Path(vz.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        package = ".".join(("vizcnn", *path.relative_to(root).parent.parts))
        for name in _imports(path):
            parts = name.split(".")
            private = [i for i, p in enumerate(parts) if p.startswith("_") and p != "__init__"]
            if parts[0] != "vizcnn" or not private:
                continue
            owner = ".".join(parts[: private[0]])  # the package the private part belongs to
            if owner != package:
                offenders.append(f"{path.relative_to(root)} imports {name}")
    assert not offenders, offenders


def test_every_module_has_one_job_and_at_most_400_lines():
    root = Path(vz.__file__).parent
    long = {
        str(path.relative_to(root)): n
        for path in root.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert not long, f"split these modules by job: {long}"
