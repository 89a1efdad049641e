"""The packages are layered: autograd_core < nn < viz < autograd_app (the command line and the
demo), and each imports only the packages below it. In benchmarks/ the runner imports the
suites, never the other way round. No import cycles inside autograd_app."""

import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

# package -> the first-party packages it must not import (those above it)
ABOVE = {
    "autograd_core": {"nn", "viz", "autograd_app", "benchmarks"},
    "nn": {"viz", "autograd_app", "benchmarks"},
    "viz": {"autograd_app", "benchmarks"},
    "autograd_app": {"benchmarks"},
}


def imported_modules(path):
    """The absolute names of the modules that the file at ``path`` imports (anywhere in it,
    lazy imports inside functions included)."""
    package = ".".join(path.relative_to(ROOT).parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(_absolute(package, node))
    return names


def _absolute(package, node):
    """The absolute module names of ``from ... import ...`` in a module of ``package``."""
    if not node.level:
        return [node.module]
    parts = package.split(".")
    base = ".".join(parts[: len(parts) - node.level + 1])
    if node.module:
        return [f"{base}.{node.module}"]
    return [f"{base}.{alias.name}" for alias in node.names]  # from . import module


@pytest.mark.parametrize("package", sorted(ABOVE))
def test_no_module_imports_a_package_above_its_own(package):
    offending = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imported_modules(path):
            if name.split(".")[0] in ABOVE[package]:
                offending.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offending, offending


def test_importing_the_engine_loads_neither_nn_nor_viz():
    code = (
        "import sys, autograd_core; "
        "print(sorted(m for m in ('nn', 'viz', 'autograd_app') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == "[]"


def test_the_application_has_no_import_cycle():
    modules = {path.stem: path for path in (ROOT / "autograd_app").glob("*.py")}
    edges = {
        name: {
            m.split(".")[1]
            for m in imported_modules(path)
            if m.startswith("autograd_app.") and m.split(".")[1] in modules
        }
        for name, path in modules.items()
    }
    done, visiting = set(), []

    def visit(name):
        assert name not in visiting, f"import cycle: {' -> '.join(visiting + [name])}"
        if name in done:
            return
        visiting.append(name)
        for other in sorted(edges[name]):
            visit(other)
        visiting.pop()
        done.add(name)

    for name in sorted(modules):
        visit(name)
    assert "__main__" not in set().union(*edges.values())  # nothing imports the entry point


def test_benchmark_suites_do_not_import_the_runner():
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        if path.name != "run.py":
            assert "benchmarks.run" not in imported_modules(path), path.name
