"""Shared fixtures: a local Spark Connect session and a runner for Databricks notebooks."""

from __future__ import annotations

import os
import runpy
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

# MLflow's logger keeps the sys.stderr it finds when first imported; imported inside a test
# that captures output, it would write to a closed stream after that test.
import mlflow  # noqa: F401
import plotly.io as pio
import pytest
from plotly.io.base_renderers import ExternalRenderer

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
# The benchmarks' restatements of the course (bench/course_*.py) are tested like the package.
sys.path.insert(0, str(REPO / "bench"))


@pytest.fixture(scope="session")
def spark():
    """One local Spark Connect session for the whole test run (the JVM starts once)."""
    from cropseries.session import local_session

    session = local_session(cores="2", driver_memory="2g")
    yield session
    session.stop()


class FakeWidgets:
    """The part of `dbutils.widgets` the notebooks use: defaults, overridable by a job's values."""

    def __init__(self, values: dict[str, str]):
        self.values = dict(values)
        self.defaults: dict[str, str] = {}

    def text(self, name, default_value="", label=None):
        self.defaults[name] = default_value

    def dropdown(self, name, default_value, choices, label=None):
        self.defaults[name] = default_value

    def get(self, name):
        if name in self.values:
            return self.values[name]
        if name in self.defaults:
            return self.defaults[name]
        raise ValueError(f"widget {name!r} was read but never defined")


class FakeNotebookContext:
    """`dbutils.notebook.entry_point.getDbutils().notebook().getContext()`: the notebook's path.

    Databricks gives a workspace path without extension; here it is the local file's.
    """

    def __init__(self, path: Path):
        self.path = str(path.with_suffix(""))

    def notebookPath(self):  # noqa: N802 - the name Databricks' Scala API has
        return SimpleNamespace(get=lambda: self.path)


class FakeDbutils:
    def __init__(self, values: dict[str, str], notebook: Path):
        self.widgets = FakeWidgets(values)
        context = FakeNotebookContext(notebook)
        handle = SimpleNamespace(getContext=lambda: context)
        self.notebook = SimpleNamespace(
            entry_point=SimpleNamespace(getDbutils=lambda: SimpleNamespace(notebook=lambda: handle))
        )


class CapturedFigures(ExternalRenderer):
    """A plotly renderer that keeps the figures a notebook shows instead of opening them."""

    def __init__(self):
        self.figures: list[dict] = []

    def render(self, fig_dict):
        self.figures.append(fig_dict)


def run_notebook(name: str, spark, widgets: dict[str, str] | None = None, cwd=None) -> dict:
    """Execute notebooks/<name>.py as Databricks would, from a working directory of no meaning.

    `spark` and `dbutils` are provided as globals; the notebook runs in `cwd` (default: the
    system's temporary folder), so a path it resolves against the working directory instead of
    its own location fails. Returns the notebook's globals, with the figures it showed
    (`fig.show()`) under the key "_figures".
    """
    captured = CapturedFigures()
    pio.renderers["captured"] = captured
    pio.renderers.default = "captured"
    path = NOTEBOOKS / f"{name}.py"
    previous = os.getcwd()
    os.chdir(cwd or tempfile.gettempdir())
    try:
        result = runpy.run_path(
            str(path),
            init_globals={
                "spark": spark,
                "dbutils": FakeDbutils(widgets or {}, path),
                "display": print,
            },
            run_name="__main__",
        )
    finally:
        os.chdir(previous)
    result["_figures"] = captured.figures
    return result
