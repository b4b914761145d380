"""The manual cannot go stale: its examples run, its links resolve, its reference is complete.

The Python examples of the pages run, page by page in the order the pipeline runs, in a
folder whose `data/demo/` holds a small generated dataset split and counted as `make demo`
would (examples that need `dbutils` run only on Databricks). The build itself, with warnings
as errors, is `make docs`, which `make test` runs first.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
from pathlib import Path

import pytest
from fixture_data import generated

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
SRC = REPO / "src"
#: Pages whose examples run, in the order they depend on each other (split, then statistics).
RUN_ORDER = (
    "stages/split.md",
    "stages/stats.md",
    "stages/loader.md",
    "stages/train.md",
    "legends.md",
    "getting-started.md",
    "errors.md",
)
_PYTHON = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def examples(page: str) -> list[str]:
    return _PYTHON.findall((DOCS / page).read_text())


def test_every_page_with_examples_runs_them_or_needs_databricks():
    pages = {
        str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md") if examples(str(p.relative_to(DOCS)))
    }
    databricks_only = {p for p in pages if all("dbutils" in code for code in examples(p))}
    assert pages - databricks_only == set(RUN_ORDER)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory, spark):
    """A folder holding `data/demo/course`, its year split, the split's stats.json, and the
    example legend files under `docs/examples/`."""
    from cropseries.config import SplitConfig
    from cropseries.split import run_split
    from cropseries.stats import compute_stats

    root = tmp_path_factory.mktemp("manual")
    shutil.copytree(DOCS / "examples", root / "docs" / "examples")  # the legend files
    course, splits = root / "data/demo/course", root / "data/demo/splits"
    generated(course, pixels=400)
    run_split(spark, str(course), str(splits), SplitConfig())
    compute_stats(spark, str(splits))
    return root


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.parametrize("page", RUN_ORDER)
def test_the_examples_of_a_page_run(page, demo_folder, spark, capsys):
    previous = os.getcwd()
    os.chdir(demo_folder)
    try:
        namespace = {"spark": spark}
        for code in examples(page):
            exec(compile(code, f"docs/{page}", "exec"), namespace)
    finally:
        os.chdir(previous)


@pytest.mark.parametrize(
    "document",
    ["README.md", "CHANGELOG.md", *sorted(str(p.relative_to(REPO)) for p in DOCS.rglob("*.md"))],
)
def test_every_relative_link_names_a_file_that_exists(document):
    path = REPO / document
    targets = [t for t in _LINK.findall(path.read_text()) if "://" not in t]
    generated_reference = [t for t in targets if t.startswith("reference/")]
    missing = [
        t for t in targets if t not in generated_reference and not (path.parent / t).exists()
    ]
    assert missing == []


def test_readme_is_the_short_front_door():
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    assert "make demo" in readme and "make test" in readme and "make docs" in readme


def public_definitions() -> list[str]:
    """Every public top-level function and class of the package, as `module:name`."""
    found = []
    for path in sorted((SRC / "cropseries").rglob("*.py")):
        tree = ast.parse(path.read_text())
        module = ".".join(path.relative_to(SRC).with_suffix("").parts)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
                found.append((module, node))
    return found


def test_the_api_reference_has_a_docstring_for_every_public_function_and_class():
    # sphinx-autoapi renders every module below src/cropseries (docs/conf.py); what makes an
    # entry worth reading is its docstring.
    missing = [
        f"{module}:{node.name}"
        for module, node in public_definitions()
        if not ast.get_docstring(node)
    ]
    assert missing == []
