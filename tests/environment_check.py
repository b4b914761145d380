"""The Databricks environments the job runs in, as pip sees them, for the tests.

`tests/environments/` holds the published constraints of serverless environments 4-6 and of the
classic runtime the `classic` target uses (from the public `databricks/environments`
repository, `python/serverless/serverless-vN/constraints.txt` and
`python/dbr/<spark_version>/constraints.txt`). Each line there is `name~=version`, the version
the environment ships; `shipped` reads them, `resolve` asks pip what installing some
requirements into that environment would do, without installing anything.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ENVIRONMENTS = Path(__file__).resolve().parent / "environments"
#: The Python of serverless environments 4-6 and Databricks Runtime 18.
DATABRICKS_PYTHON = "3.12"
_MAJOR_MINOR = re.compile(r"\d+\.\d+")


class ResolutionImpossible(RuntimeError):
    """pip found no set of versions that fits; the message is pip's own explanation."""


def serverless_constraints(version: str) -> Path:
    return ENVIRONMENTS / f"serverless-v{version}-constraints.txt"


def runtime_constraints(spark_version: str) -> Path:
    return ENVIRONMENTS / f"dbr-{spark_version}-constraints.txt"


def shipped(constraints: Path) -> dict[str, str]:
    """Package name (canonical) -> the version the environment ships, from `name~=version` lines."""
    found = {}
    for line in constraints.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, version = line.split("~=")
            found[canonicalize_name(name)] = version
    return found


def same_release(version: str, shipped_version: str) -> bool:
    """`version` is what the environment has: equal, or a patch of a `major.minor` pin.

    The published files cut some pins to `major.minor` (`grpcio~=1.67`); any 1.67.x is that.
    """
    return version in SpecifierSet(_pin(shipped_version))


def _pin(version: str) -> str:
    return f"=={version}.*" if _MAJOR_MINOR.fullmatch(version) else f"=={version}"


def exact_pins(constraints: Path, dest: Path) -> Path:
    """The constraints as the environment is installed: every package at its shipped version.

    `~=` lets pip pick a newer patch than the environment has; on Databricks the installed one
    stays unless a requirement excludes it, so resolving against exact pins shows a change as
    an impossible resolution rather than hiding it.
    """
    lines = []
    for name, version in shipped(constraints).items():
        lines.append(f"{name}{_pin(version)}\n")
    dest.write_text("".join(lines))
    return dest


def registry_reachable() -> bool:
    """Whether pip can read the package index (it answers a lookup of one small package)."""
    probe = [sys.executable, "-m", "pip", "index", "versions", "six", "--disable-pip-version-check"]
    return subprocess.run(probe, capture_output=True, timeout=120).returncode == 0


def resolve(requirements: list[str], constraints: Path, workdir: Path) -> dict[str, str]:
    """What pip would install for `requirements` into an environment pinned by `constraints`.

    Resolves for Databricks' Python with wheels only (as serverless installs them) into an empty
    target, so every package of the resolution is listed: name (canonical) -> version. Raises
    `ResolutionImpossible` with pip's explanation when no versions fit.
    """
    report = workdir / "report.json"
    command = [
        sys.executable, "-m", "pip", "install", "--dry-run", "--quiet",
        "--disable-pip-version-check", "--python-version", DATABRICKS_PYTHON,
        "--only-binary=:all:", "--target", str(workdir / "target"),
        "--report", str(report), "-c", str(constraints), *requirements,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        explanation = [
            line for line in done.stderr.splitlines() if not line.startswith("WARNING: Location")
        ]
        raise ResolutionImpossible("\n".join(explanation[-12:]))
    installs = json.loads(report.read_text())["install"]
    return {
        canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"]
        for item in installs
    }


def changed(resolution: dict[str, str], constraints: Path) -> dict[str, tuple[str, str]]:
    """Packages the environment ships that the resolution would replace: name -> (had, gets)."""
    return {
        name: (version, resolution[name])
        for name, version in shipped(constraints).items()
        if name in resolution and not same_release(resolution[name], version)
    }


def pinned_requirements(pyproject: dict) -> dict[str, str]:
    """Every `name==version` requirement of the project and its extras: name -> version."""
    requirements = list(pyproject["project"]["dependencies"])
    for extra in pyproject["project"]["optional-dependencies"].values():
        requirements += extra
    pins = {}
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?==([^;\s]+)", requirement)
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(3)
    return pins
