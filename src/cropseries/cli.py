"""The command line: one subcommand per stage, each a thin wrapper over a package function.

Subcommands live in the module that owns their idea; this file only lists them and imports
just the module of the command being run. Command modules import Spark and TensorFlow inside
`run`, never at module level, so `--help` stays fast.

Every command ends the same way: a user's mistake (a `CropseriesError`, or arguments argparse
refuses) is one line on stderr and exit status 2; a run that failed (`RunFailed`) is one line
and exit status 1; `--debug` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from cropseries.errors import CropseriesError

#: subcommand -> (where it is defined, help). "module" defines `add_arguments(parser)` and
#: `run(args) -> int`; "module:name" defines `add_<name>_arguments` and `run_<name>`.
COMMANDS: dict[str, tuple[str, str]] = {
    "synth": (
        "cropseries.synth.cli",
        "generate a realistic course-layout dataset, or report on one",
    ),
    "validate": ("cropseries.validate", "check a course-layout dataset and summarize it"),
    # 01_split commands
    "split": ("cropseries.split.cli", "split a course-layout dataset into train/val/test (Spark)"),
    # 02_stats commands
    "stats": ("cropseries.stats.cli", "band statistics and class weights of a split dataset"),
    # 03_loader commands
    "export": (
        "cropseries.loader.cli:export",
        "write evaluation-mode loader tensors to an .npz file",
    ),
    "inspect": ("cropseries.loader.cli:inspect", "write the loader's inspection figure to HTML"),
    "loader-throughput": (
        "cropseries.loader.cli:throughput",
        "time training epochs of the loader over a split",
    ),
    # 04_train commands
    "train": (
        "cropseries.train.cli:train",
        "train the course's 1D-CNN on a split dataset (.keras, an MLflow run)",
    ),
    "evaluate": (
        "cropseries.train.cli:evaluate",
        "judge a .keras model by start day on a split (results Parquet, MLflow)",
    ),
    "report": ("cropseries.report.cli", "write one self-contained HTML report of a run"),
    # Databricks commands
    "upload": ("cropseries.databricks.upload", "copy a dataset folder into a Unity Catalog volume"),
    "run": ("cropseries.databricks.run_job", "start the deployed job and follow it until it ends"),
}


def argument_type(parse):
    """`parse` (text -> value, raising `CropseriesError`) as an argparse `type` whose refusal
    shows the error's own message."""

    def parse_argument(text: str):
        try:
            return parse(text)
        except CropseriesError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse_argument.__name__ = parse.__name__
    return parse_argument


def at_least(minimum: float, kind=int):
    """An argparse `type`: a `kind` number no smaller than `minimum`."""

    def parse(text: str):
        value = kind(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text}: must be at least {minimum}")
        return value

    parse.__name__ = kind.__name__
    return parse


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a refused argument is one line (`error: ...`, exit status 2), no usage."""

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {message} (see --help)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only `command`'s module is imported to add its arguments."""
    parser = OneLineParser(prog="python -m cropseries", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        subparser = sub.add_parser(name, help=help_text, description=help_text)
        subparser.add_argument(
            "--debug", action="store_true", help="show the traceback of an error"
        )
        if name == command:
            add_arguments, _ = _command(module)
            add_arguments(subparser)
    return parser


def _command(where: str):
    """(add_arguments, run) of a command registered as "module" or "module:name"."""
    module_name, _, name = where.partition(":")
    module = importlib.import_module(module_name)
    if not name:
        return module.add_arguments, module.run
    return getattr(module, f"add_{name}_arguments"), getattr(module, f"run_{name}")


def main(argv: list[str] | None = None) -> int:
    """Run one command with `argv` (default: the process's arguments); returns its exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(command).parse_args(argv)
    try:
        _, run = _command(COMMANDS[args.command][0])
        return int(run(args) or 0)
    except CropseriesError as error:
        if args.debug:
            raise
        print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
        return error.exit_status


if __name__ == "__main__":
    sys.exit(main())
