"""The package's structure: no import cycles, and each package says what it owns and imports.

Imports are read from the source (module level and inside functions alike, since a cycle
through a function-level import is still a cycle of ideas). `from pkg import name` imports
the module `pkg.name` when there is one, else `pkg` itself.
"""

from __future__ import annotations

import ast
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "cropseries"


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted((SRC / PACKAGE).rglob("*.py"))}


def imports_of(path: Path, modules=MODULES) -> set[str]:
    """The package's modules that `path` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in modules else node.module)
    return {name for name in found if name in modules}


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (`a -> b -> ... -> a`) if the graph has any, else None."""
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        return error.args[1]
    return None


def test_no_module_of_the_package_imports_itself_back():
    graph = {name: imports_of(path) for name, path in MODULES.items()}
    assert cycle(graph) is None


def test_the_cycle_check_finds_a_cycle_through_a_function_level_import(tmp_path):
    (tmp_path / "a.py").write_text("from b import f\n")
    (tmp_path / "b.py").write_text("def f():\n    from c import g\n")
    (tmp_path / "c.py").write_text("import a\n")
    (tmp_path / "d.py").write_text("import a\n")
    modules = {p.stem: p for p in tmp_path.glob("*.py")}
    graph = {name: imports_of(path, modules) for name, path in modules.items()}
    found = cycle(graph)
    assert found[0] == found[-1] and sorted(found[:-1]) == ["a", "b", "c"]


PACKAGES = sorted(name for name, path in MODULES.items() if path.name == "__init__.py")


def package_of(module: str) -> str:
    return module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]


def declared(package: str) -> tuple[str, set[str]]:
    """What a package's docstring says it owns, and the modules its "May import:" names."""
    docstring = ast.get_docstring(ast.parse(MODULES[package].read_text())) or ""
    owns = re.search(r"^Owns: (.+?)(?:\n\n|\Z)", docstring, re.MULTILINE | re.DOTALL)
    allowed = re.search(r"^May import: (.+?)(?:\n\n|\Z)", docstring, re.MULTILINE | re.DOTALL)
    assert owns and allowed, f"{package}: the docstring needs an 'Owns:' and a 'May import:'"
    names = re.findall(r"`(\w+)`", re.sub(r"\([^)]*\)", "", allowed.group(1)))
    return owns.group(1), {f"{PACKAGE}.{name}" for name in names}


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_imports_only_what_its_docstring_allows(package):
    _, allowed = declared(package)
    if package == PACKAGE:  # the top-level modules use one another, no stage package
        allowed = {m for m in MODULES if package_of(m) == PACKAGE}
    found = {
        f"{module} imports {target}"
        for module in MODULES
        if package_of(module) == package
        for target in imports_of(MODULES[module])
        if package_of(target) != package
        and target not in allowed
        and package_of(target) not in allowed
    }
    assert found == set(), f"not in {package}'s 'May import:' line"
