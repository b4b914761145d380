"""Output is published whole: a failed or killed run never leaves something a reader takes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from cropseries.publish import OutputBusy, publish, remove_leftovers
from cropseries.reader import parquet_files
from cropseries.synth import SynthConfig, generate


def entries(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_file_and_a_folder_replace_the_old_output_whole(tmp_path):
    with publish(str(tmp_path / "a.txt")) as staging:
        Path(staging).write_text("new")
    folder = tmp_path / "out"
    (folder / "old").mkdir(parents=True)
    with publish(str(folder), folder=True) as staging:
        os.makedirs(f"{staging}/new")
    assert (tmp_path / "a.txt").read_text() == "new"
    assert entries(folder) == ["new"] and entries(tmp_path) == ["a.txt", "out"]


def test_a_failed_run_leaves_the_old_output_and_no_staging(tmp_path):
    final = tmp_path / "out"
    final.mkdir()
    (final / "kept").write_text("old")
    with pytest.raises(RuntimeError, match="midway"), publish(str(final), folder=True) as staging:
        os.makedirs(staging)
        Path(f"{staging}.scratch").write_text("spool")
        raise RuntimeError("midway")
    assert entries(tmp_path) == ["out"] and (final / "kept").read_text() == "old"


def test_a_killed_runs_staging_is_hidden_from_readers_and_removed_next_time(tmp_path):
    generate(str(tmp_path / "course"), SynthConfig(pixels=20, years=(2021,)), progress=False)
    leftover = tmp_path / "course" / "bbox=x" / "year=2021" / "_part-00000.parquet.staging-dead"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half a parquet file")
    files = parquet_files(str(tmp_path / "course"))
    assert files and not any("staging" in os.path.basename(f) for f in files)
    assert ds.dataset(str(tmp_path / "course"), format="parquet").count_rows() == 20
    remove_leftovers(str(leftover.parent / "part-00000.parquet"))
    assert entries(leftover.parent) == []


def test_a_generator_killed_midway_leaves_no_output_and_the_next_run_cleans_up(tmp_path):
    out = tmp_path / "course"
    command = [sys.executable, "-m", "cropseries", "synth", "--out", str(out), "--quiet"]
    process = subprocess.Popen([*command, "--pixels", "60000", "--seed", "1"])
    deadline = time.monotonic() + 120
    while not any(p.name.startswith("_course.staging-") for p in tmp_path.iterdir()):
        assert process.poll() is None and time.monotonic() < deadline, "no staging appeared"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not out.exists()
    lock, staging = entries(tmp_path)  # both hidden from readers by their "_"
    assert staging.startswith("_course.staging-") and lock == "_course.lock"
    generate(str(out), SynthConfig(pixels=20, years=(2021,)), progress=False)
    assert entries(tmp_path) == ["course"]


def test_a_second_run_into_the_same_output_fails_fast_naming_the_first(tmp_path):
    final = str(tmp_path / "out")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = tmp_path / "_out.lock"
        lock.write_text(f"{socket.gethostname()} {sleeper.pid} {time.time():.0f}")
        busy = pytest.raises(OutputBusy, match=rf"another run \(pid {sleeper.pid} on ")
        with busy, publish(final) as staging:
            Path(staging).write_text("never")
        assert entries(tmp_path) == ["_out.lock"]  # the first run's lock, untouched
    finally:
        sleeper.kill()
        sleeper.wait()
    with publish(final) as staging:  # its process has ended: the lock is stale
        Path(staging).write_text("done")
    assert entries(tmp_path) == ["out"]
