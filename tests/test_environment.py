"""The job runs where its users are: one pinned serverless environment, pins that fit it.

The serverless targets declare one environment version for every task; the project's pins equal
that environment's versions; the wheel, as the job installs it, resolves there for Python 3.12
without replacing a package the environment ships; the local environment the tests run in has
the same versions; the classic target's runtime ships the same. Resolution asks the package
registry and skips, saying so, where it cannot be reached.
"""

from __future__ import annotations

import glob
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from bundle_config import REPO, jobs, load_bundle
from environment_check import (
    ResolutionImpossible,
    changed,
    exact_pins,
    pinned_requirements,
    registry_reachable,
    resolve,
    runtime_constraints,
    same_release,
    serverless_constraints,
    shipped,
)
from packaging.utils import canonicalize_name

SERVERLESS_TARGETS = ("dev", "prod")
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
#: Packaging tools every Python environment has. Serverless environment 5's published list leaves
#: them out, so resolving into an empty folder picks pip's newest there; both are used only to
#: install, never by the job's code (docs/databricks.md: classic clusters).
PACKAGING_TOOLS = {"setuptools", "wheel"}
#: Which published serverless versions the wheel installs in unchanged (docs/databricks.md: Which
#: environment the job runs in, states the same).
INSTALLS_UNCHANGED = {"4": False, "5": True, "6": False}


def job_environment(target: str):
    """The one environment every task of the target's job runs in."""
    job = jobs(load_bundle(target=target))["cropseries"]
    [environment] = job.environments
    assert {task.environment_key for task in job.tasks} == {environment.environment_key}
    return environment


TARGET = job_environment("dev").spec.environment_version


@pytest.mark.parametrize("target", SERVERLESS_TARGETS)
def test_every_serverless_task_runs_in_one_pinned_environment_with_the_bundles_wheel(target):
    spec = job_environment(target).spec
    assert spec.environment_version == TARGET and spec.client is None
    assert [Path(d) for d in spec.dependencies] == [REPO / "dist" / "*.whl"]
    artifact = load_bundle(target=target)["artifacts"]["cropseries"]
    assert "--wheel-dir dist" in artifact["build"]


def test_make_installs_under_the_targets_constraints():
    makefile = (REPO / "Makefile").read_text()
    constraints = serverless_constraints(TARGET).relative_to(REPO)
    assert f"SERVERLESS_CONSTRAINTS := {constraints}\n" in makefile
    assert "$(PINS): $(SERVERLESS_CONSTRAINTS)\n" in makefile and "-c $(PINS)" in makefile


def test_pyproject_pins_what_the_target_ships_at_its_versions():
    ships = shipped(serverless_constraints(TARGET))
    pins = pinned_requirements(PYPROJECT)
    for name in ("numpy", "pyarrow", "pandas", "protobuf", "grpcio", "databricks-sdk", "plotly"):
        assert name in pins and name in ships, name
    wrong = {
        name: (version, ships[name])
        for name, version in pins.items()
        if name in ships and not same_release(version, ships[name])
    }
    assert wrong == {}, f"pinned (ours, environment {TARGET}'s): {wrong}"


def test_every_requirement_is_pinned():
    requirements = list(PYPROJECT["project"]["dependencies"])
    for extra in PYPROJECT["project"]["optional-dependencies"].values():
        requirements += [r for r in extra if not r.startswith("cropseries[")]
    unpinned = [r for r in requirements if "==" not in r]
    assert unpinned == []


def test_the_tests_run_with_the_targets_versions():
    ships = shipped(serverless_constraints(TARGET))
    installed = {
        canonicalize_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()
    }
    other = {
        name: (version, ships[name])
        for name, version in installed.items()
        if name in ships and not same_release(version, ships[name])
    }
    assert other == {}, f"installed here (version, environment {TARGET}'s): {other}"


# -- pip's resolution for Python 3.12 ------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The bundle's wheel, built as its artifact builds it (pip wheel --no-deps)."""
    if not registry_reachable():
        pytest.skip("the package registry cannot be reached, so pip cannot resolve anything")
    out = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out)]
    subprocess.run([*command, str(REPO)], check=True, capture_output=True, timeout=600)
    [built] = out.glob("cropseries-*.whl")
    return built


def job_requirements(wheel: Path) -> list[str]:
    """The job environment's dependencies as pip takes them: the dist/ glob is the built wheel."""
    dependencies = job_environment("dev").spec.dependencies
    return [str(wheel) if glob.has_magic(d) else d for d in dependencies]


def resolve_in(constraints: Path, wheel: Path, workdir: Path) -> dict[str, str]:
    return resolve(job_requirements(wheel), exact_pins(constraints, workdir / "pins.txt"), workdir)


@pytest.mark.slow
def test_the_job_installs_in_the_target_environment_without_changing_it(wheel, tmp_path):
    constraints = serverless_constraints(TARGET)
    resolution = resolve_in(constraints, wheel, tmp_path)
    assert {"cropseries", "tensorflow-cpu", "numpy", "pyarrow"} <= set(resolution)
    assert changed(resolution, constraints) == {}


@pytest.mark.slow
@pytest.mark.parametrize("version", sorted(INSTALLS_UNCHANGED))
def test_which_serverless_versions_the_job_installs_in_unchanged(version, wheel, tmp_path):
    try:
        resolve_in(serverless_constraints(version), wheel, tmp_path)
        unchanged = True
    except ResolutionImpossible:
        unchanged = False
    assert unchanged == INSTALLS_UNCHANGED[version]


@pytest.mark.slow
def test_the_classic_runtime_gives_the_job_the_same_versions(wheel, tmp_path):
    spark_version = load_bundle(target="classic")["variables"]["spark_version"]["default"]
    runtime = runtime_constraints(spark_version)
    assert runtime.is_file(), f"no published constraints of Databricks Runtime {spark_version}"
    (tmp_path / "serverless").mkdir()
    (tmp_path / "classic").mkdir()
    serverless = resolve_in(serverless_constraints(TARGET), wheel, tmp_path / "serverless")
    classic = resolve_in(runtime, wheel, tmp_path / "classic")
    differ = {name for name in serverless if classic.get(name) != serverless[name]}
    assert set(classic) == set(serverless) and differ <= PACKAGING_TOOLS, differ


def test_a_pin_the_environment_lacks_is_an_impossible_resolution(tmp_path):
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("# an environment\nsix~=1.17.0\n")
    with pytest.raises(ResolutionImpossible):
        resolve(["six==1.16.0"], exact_pins(constraints, tmp_path / "pins.txt"), tmp_path)


def test_exact_pins_keep_the_shipped_version_or_release():
    assert same_release("1.67.1", "1.67") and not same_release("1.76.0", "1.67")
    assert same_release("2.1.3", "2.1.3") and not same_release("2.1.4", "2.1.3")
