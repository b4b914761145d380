"""`python -m cropseries loader-throughput`: how many training rows per second the loader makes.

Iterates training epochs of the tf.data dataset (x, y batches) over a split and prints rows
per second; `make demo` runs it on the generated train split. For a comparison with the
course's pipeline and the physical floor, see bench/loader.py.
"""

from __future__ import annotations

import argparse
import time

from cropseries.loader.options import (
    add_config_arguments,
    add_input_arguments,
    plan_from,
)
from cropseries.loader.pipeline import to_dataset


def measure(dataset, epochs: int) -> list[tuple[int, float]]:
    """(rows, seconds) of each of `epochs` epochs of a dataset of (x, y) batches."""
    results = []
    for _ in range(epochs):
        started, rows = time.perf_counter(), 0
        for x, _ in dataset:
            rows += int(x.shape[0])
        results.append((rows, time.perf_counter() - started))
    return results


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser, split="train")
    parser.add_argument("--epochs", type=int, default=2, help="epochs to time (default: 2)")
    add_config_arguments(parser)


def run(args: argparse.Namespace) -> int:
    job = plan_from(args, training=True)
    print(
        f"loader: split {job.source.split!r} of {args.splits}: {job.source.num_rows:,} rows in "
        f"{len(job.source.units)} row groups; batch {job.config.batch_size}, shuffle buffer "
        f"{job.config.shuffle_buffer:,}"
    )
    for epoch, (rows, seconds) in enumerate(measure(to_dataset(job), args.epochs), 1):
        print(
            f"  epoch {epoch}: {rows:,} examples in {seconds:.2f} s = {rows / seconds:,.0f} rows/s"
        )
    return 0
