"""Every command ends a user's mistake the same way: one line on stderr, exit status 2.

A run that fails although its input looked right ends with exit status 1 (tests of each
stage check those); nothing here may print a traceback unless `--debug` asks for it.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from cropseries.cli import COMMANDS, main
from cropseries.errors import ConfigError, CropseriesError, RunFailed

#: Each command with arguments a user could get wrong, and a phrase the one line must hold.
BAD_ARGUMENTS = {
    "synth": (["--out", "{tmp}/s", "--pixels", "0"], "pixels must be"),
    "validate": (["{tmp}/nothing-here"], "no such"),
    "split": (["--input", "{tmp}/c", "--output", "{tmp}/o", "--fractions", "1", "1", "1"],
              "fractions must sum to 1"),
    "stats": (["--splits", "{tmp}/splits", "--exclude-scl", "3,99"], "not SCL codes"),
    "export": (["--splits", "{tmp}/splits", "--out", "{tmp}/x.npz", "--batch-size", "0"],
               "batch_size=0 must be at least 1"),
    "inspect": (["--splits", "{tmp}/splits", "--out", "{tmp}/x.html", "--anchor", "middle"],
                "invalid choice"),
    "loader-throughput": (["--splits", "{tmp}/splits", "--exclude-scl", "cloud"],
                          "not a list of SCL codes"),
    "train": (["--splits", "{tmp}/splits", "--out", "{tmp}/model", "--epochs", "0"],
              "must be at least 1"),
    "evaluate": (["--splits", "{tmp}/splits", "--model", "{tmp}/m.keras", "--out", "{tmp}/e",
                  "--start-days", "0,x"], "start days"),
    "report": (["--splits", "{tmp}/splits", "--out", "{tmp}/r.html"],
               "no split_report.json; not a finished split dataset"),
    "upload": (["{tmp}", "/tmp/somewhere"], "not a folder in a Unity Catalog volume"),
    "run": (["--param", "split_seed"], "expected NAME=VALUE"),
}  # fmt: skip


def test_every_command_is_tried_with_bad_arguments():
    assert set(BAD_ARGUMENTS) == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(BAD_ARGUMENTS))
def test_bad_arguments_are_one_line_and_exit_status_2(command, tmp_path, capsys):
    arguments, phrase = BAD_ARGUMENTS[command]
    argv = [command, *(a.format(tmp=tmp_path) for a in arguments)]
    try:
        status = main(argv)
    except SystemExit as stop:  # argparse refuses before the command runs
        status = stop.code
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.count("\n") == 1 and err.startswith("error: ") and phrase in err, err


def test_a_mistake_in_a_fresh_process_prints_no_traceback(tmp_path):
    command = [sys.executable, "-m", "cropseries", "export", "--splits", str(tmp_path)]
    done = subprocess.run(
        [*command, "--out", str(tmp_path / "x.npz"), "--batch-size", "0"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == ["error: batch_size=0 must be at least 1"]


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(ConfigError, match="batch_size=0"):
        main(["export", "--splits", str(tmp_path), "--out", "x", "--batch-size", "0", "--debug"])


def test_every_user_facing_error_is_a_cropseries_error():
    from cropseries.databricks.client import LoginError, WorkspaceError
    from cropseries.loader.errors import LoaderError
    from cropseries.reader import LayoutError
    from cropseries.split.checks import SplitError, SplitFailed
    from cropseries.stats.errors import StatsError
    from cropseries.synth.generate import SynthError

    for error in (LayoutError, SplitError, StatsError, LoaderError, SynthError, ConfigError):
        assert issubclass(error, CropseriesError) and error.exit_status == 2, error
    for error in (SplitFailed, WorkspaceError):
        assert issubclass(error, RunFailed) and error.exit_status == 1, error
    assert LoginError.exit_status == 2
