"""The wheel the bundle deploys carries everything the package reads at run time.

An editable install reads the source tree, so a data file missing from the wheel passes every
other test and fails only on Databricks; this builds the wheel as the bundle does and compares.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import zipfile

import pytest
from bundle_config import REPO, load_bundle

PACKAGE = REPO / "src" / "cropseries"


@pytest.mark.slow
def test_the_bundles_wheel_holds_every_module_and_data_file_of_the_package(tmp_path):
    [build] = [artifact["build"] for artifact in load_bundle()["artifacts"].values()]
    command = shlex.split(build.replace("--wheel-dir dist", f"--wheel-dir {tmp_path}"))
    command[0] = sys.executable  # the bundle says python3; this is the tests' own
    subprocess.run(command, cwd=REPO, check=True, capture_output=True)
    [wheel] = tmp_path.glob("cropseries-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    sources = {
        f"cropseries/{path.relative_to(PACKAGE).as_posix()}"
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert sources - shipped == set()
