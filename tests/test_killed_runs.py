"""A stage killed mid-write (SIGKILL, no chance to clean up) publishes nothing, and the next
run of it removes what the killed one left: its staging and its lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixture_data import generated, write_split_dataset

from cropseries.cli import main


def kill_when_staging_appears(command: list[str], folder: Path, name: str) -> None:
    """Run `command` in its own process group and kill the whole group (Spark's JVM too) as
    soon as the staging of `name` appears in `folder`."""
    process = subprocess.Popen(command, start_new_session=True, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    try:
        while not any(p.name.startswith(f"_{name}.staging-") for p in folder.iterdir()):
            assert process.poll() is None, "the run ended before it staged anything"
            assert time.monotonic() < deadline, "no staging appeared"
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def leftovers(folder: Path, name: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f"_{name}."))


@pytest.mark.spark
@pytest.mark.slow
def test_a_killed_split_publishes_nothing_and_the_next_run_cleans_up(spark, tmp_path):
    course = generated(tmp_path / "course", pixels=2000)
    out = tmp_path / "splits"
    command = [sys.executable, "-m", "cropseries", "split", "--input", course]
    kill_when_staging_appears([*command, "--output", str(out)], tmp_path, "splits")
    assert not out.exists() and leftovers(tmp_path, "splits")
    assert main(["split", "--input", course, "--output", str(out)]) == 0
    assert (out / "split_report.json").exists() and leftovers(tmp_path, "splits") == []


def test_a_killed_export_publishes_nothing_and_the_next_run_cleans_up(tmp_path):
    splits = write_split_dataset(tmp_path / "splits", rows=20000, files=2, row_group_rows=1024)
    out = tmp_path / "test.npz"
    command = [sys.executable, "-m", "cropseries", "export", "--splits", splits]
    kill_when_staging_appears(
        [*command, "--stats", "course", "--out", str(out)], tmp_path, "test.npz"
    )
    assert not out.exists() and leftovers(tmp_path, "test.npz")
    assert main(["export", "--splits", splits, "--stats", "course", "--out", str(out)]) == 0
    assert out.exists() and leftovers(tmp_path, "test.npz") == []
