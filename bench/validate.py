"""How fast the validator checks a dataset, against the floor of reading the same files.

    python bench/validate.py [--pixels 100000] [--data data/bench/validate]

Generates a dataset with the project's generator once (kept under the ignored data/ folder),
then in one process: (a) pyarrow reading every column of every file (the floor), (b) the
validator. Prints MB/s and rows/s of each and the ratio b/a.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import pyarrow.parquet as pq

from cropseries.reader import parquet_files
from cropseries.validate import validate_dataset


def ensure_dataset(path: str, pixels: int) -> None:
    if not os.path.isdir(path):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "cropseries",
                "synth",
                "--out",
                path,
                "--pixels",
                str(pixels),
                "--years",
                "2019",
                "2020",
                "2021",
                "--seed",
                "1",
            ],
            check=True,
        )


def read_floor(path: str) -> tuple[float, int]:
    started, rows = time.perf_counter(), 0
    for file in parquet_files(path):
        for batch in pq.ParquetFile(file).iter_batches(batch_size=65536):
            rows += batch.num_rows
    return time.perf_counter() - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pixels", type=int, default=100_000, help="pixel locations (x3 years)")
    parser.add_argument("--data", default="data/bench/validate")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    path = f"{args.data}-{args.pixels}"
    ensure_dataset(path, args.pixels)
    size_mb = sum(os.path.getsize(f) for f in parquet_files(path)) / 1e6
    read_floor(path)  # warm the page cache so both runs read from memory
    floor_s, rows = read_floor(path)
    report = validate_dataset(path)
    assert report.ok, report.problems[:3]
    check_s = report.summary.seconds
    result = {
        "rows": rows,
        "megabytes": round(size_mb, 1),
        "floor_rows_s": round(rows / floor_s),
        "validate_rows_s": round(rows / check_s),
        "validate_mb_s": round(size_mb / check_s, 1),
        "validate_over_floor": round(floor_s / check_s, 3),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"dataset: {rows:,} rows, {size_mb:.0f} MB of Parquet ({path})")
        print(f"  floor (pyarrow reads every column): {rows / floor_s:>12,.0f} rows/s")
        print(
            f"  validator:                          {rows / check_s:>12,.0f} rows/s"
            f"  ({size_mb / check_s:.0f} MB/s)"
        )
        print(f"  validator / floor: {floor_s / check_s:.2f}")


if __name__ == "__main__":
    main()
