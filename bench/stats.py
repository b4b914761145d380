"""How fast 02_stats computes its statistics, against reading the same columns and a plain
numpy pass; and how far its numbers are from the course's way of computing them.

    python bench/stats.py [--rows 1000000] [--splits DIR] [--methods floor,numpy,spark,course]
                          [--research]

Without --splits, generates a course-layout dataset of about --rows pixel-years with the
project's generator and splits it with 01_split (once, kept under the ignored data/ folder).
Each method then runs in its own process, sampled for the peak resident memory of its whole
process tree (the Spark JVM and Python workers included):
  floor   pyarrow reads the columns 02_stats decodes from every train file (the floor);
  numpy   one process streams the same batches through 02_stats' own partition kernel
          (decode, band and index moments, the median's histograms) as one partition;
  spark   `compute_stats` on a local Spark Connect session (session start not timed): one
          run warms the session (the JVM compiling the Parquet and Arrow paths, the Python
          workers starting and importing numpy; printed as the cold run), then `ROUNDS`
          paired rounds (bench/rounds.py) of it and of the numpy method's kernel in this
          same process, one run of each back to back; the target's ratio is the median of
          the rounds' own kernel / Spark ratios (so its peak memory includes the kernel's);
  course  the course's way: the train split into pandas, one random bucketed window per
          row (course_facts section 4), mean and std of its non-zero values.
Prints train rows per second, peak memory, ratios to the floor, and the relative difference
of the course's mean and std from 02_stats' per band.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from rounds import median_ratio, paired_rounds, timed_run

from cropseries.codecs import DEFAULT_CODEC, decode_series
from cropseries.config import StatsConfig
from cropseries.layout import BANDS, NUM_BANDS
from cropseries.reader import parquet_files
from cropseries.stats.stage import partition_moments

COLUMNS = ["num_images", "bands", "img_dates", "scl_vals", "pixel_id", "year"]
YEARS = ("2019", "2020", "2021")


def ensure_splits(data: str, rows: int) -> str:
    """A split dataset of about `rows` pixel-years under `data` (generated once)."""
    course, splits = f"{data}/course", f"{data}/splits"
    if not os.path.isdir(course):
        pixels = str(-(-rows // len(YEARS)))
        generate = ["synth", "--out", course, "--pixels", pixels, "--years", *YEARS, "--seed", "1"]
        subprocess.run([sys.executable, "-m", "cropseries", *generate], check=True)
    if not os.path.isdir(splits):
        split = ["split", "--input", course, "--output", splits]
        subprocess.run([sys.executable, "-m", "cropseries", *split], check=True)
    return splits


def train_files(splits: str) -> list[str]:
    return parquet_files(os.path.join(splits, "split=train"))


def run_floor(splits: str) -> dict:
    rows = 0
    for path in train_files(splits):
        for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000, columns=COLUMNS):
            rows += batch.num_rows
    return {"rows": rows}


def run_numpy(splits: str, research: dict) -> dict:
    """02_stats' own partition kernel (`partition_moments`: the band moments, and the
    indices' and the medians' with `research`) over every train batch in this one process,
    as one partition."""

    def batches():
        for path in train_files(splits):
            for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000, columns=COLUMNS):
                yield batch.append_column("group", pa.array(np.zeros(batch.num_rows, np.int32)))

    kernel = partition_moments(
        batches(), codec=DEFAULT_CODEC, exclude_scl=(), num_groups=1, **research
    )
    [row] = pa.Table.from_batches(list(kernel)).to_pylist()
    count, m2 = np.array(row["count"][:NUM_BANDS]), np.array(row["m2"][:NUM_BANDS])
    return {
        "rows": row["rows"],
        "mean": row["mean"][:NUM_BANDS],
        "std": np.sqrt(m2 / count).tolist(),
    }


#: Paired rounds of 02_stats and its numpy kernel in the spark method's process.
ROUNDS = 3


def run_spark(splits: str, research: dict) -> dict:
    from cropseries.session import local_session
    from cropseries.stats import compute_stats

    spark = local_session()
    spark.range(1).collect()  # start the server before the clock
    config = StatsConfig(**research)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "stats.json")
        runs = {
            "spark": lambda: compute_stats(spark, splits, config, out=out),
            "numpy": lambda: run_numpy(splits, research),
        }
        first_seconds, _ = timed_run(runs["spark"])  # warms the session (module docstring)
        runs["numpy"]()
        timed = paired_rounds(runs, ROUNDS, warm_up=False)
    stats = timed["spark"][-1][1]
    spark_s, numpy_s = ([s for s, _ in timed[name]] for name in ("spark", "numpy"))
    ratio, ratios = median_ratio(numpy_s, spark_s)
    return {
        "rows": stats.metadata["rows"],
        "mean": stats.mean.tolist(),
        "std": stats.std.tolist(),
        "seconds": statistics.median(spark_s),
        "first_seconds": first_seconds,
        "kernel_ratio": ratio,
        "kernel_ratios": ratios,
    }


def run_course(splits: str) -> dict:
    import pandas as pd
    import pyarrow as pa
    from course_stats import course_method_stats

    frame = pd.read_parquet(os.path.join(splits, "split=train"), columns=COLUMNS)
    series = decode_series(pa.Table.from_pandas(frame, preserve_index=False))
    moments = course_method_stats(series, seed=0)
    return {"rows": len(frame), "mean": moments.mean[0].tolist(), "std": moments.std()[0].tolist()}


METHODS = {"floor": run_floor, "numpy": run_numpy, "spark": run_spark, "course": run_course}
#: The methods that do 02_stats' computation, and so take `--research`.
RESEARCH_METHODS = ("numpy", "spark")


def tree_rss_bytes(root: int) -> int:
    """Resident memory of process `root` and all its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    tree, frontier = {root}, [root]
    while frontier:
        children = [p for p, parent in parents.items() if parent in frontier and p not in tree]
        tree.update(children)
        frontier = children
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            continue
    return total


def measure(method: str, splits: str, research: bool) -> dict:
    """Run one method in a child process; its result plus wall seconds and peak tree memory."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", method, "--splits", splits]
        + ["--research"] * research,
        stdout=subprocess.PIPE,
        text=True,
    )
    peak = [0]

    def sample():
        while child.poll() is None:
            peak[0] = max(peak[0], tree_rss_bytes(child.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = child.communicate()
    sampler.join()
    if child.returncode:
        raise SystemExit(f"{method} failed (exit {child.returncode})")
    return {**json.loads(out.strip().splitlines()[-1]), "peak_mb": peak[0] / 2**20}


def child_main(method: str, splits: str, research: bool) -> None:
    started = time.perf_counter()
    options = {"indices": research, "medians": research}
    run = METHODS[method]
    result = run(splits, options) if method in RESEARCH_METHODS else run(splits)
    result.setdefault("seconds", time.perf_counter() - started)
    print(json.dumps(result))


def report(results: dict[str, dict]) -> None:
    floor = results.get("floor")
    print(
        f"{'method':<8} {'train rows':>11} {'seconds':>8} {'rows/s':>10} {'peak MB':>8} "
        f"{'floor/method':>12}"
    )
    for name, r in results.items():
        ratio = f"{floor['seconds'] / r['seconds']:.3f}" if floor else "-"
        print(
            f"{name:<8} {r['rows']:>11,} {r['seconds']:>8.2f} {r['rows'] / r['seconds']:>10,.0f} "
            f"{r['peak_mb']:>8.0f} {ratio:>12}"
        )
    if "spark" in results:
        spark = results["spark"]
        cold = spark["rows"] / spark["first_seconds"]
        print(f"spark's first run (a cold session): {cold:,.0f} rows/s")
        rounds = ", ".join(f"{r:.2f}" for r in spark["kernel_ratios"])
        print(
            f"spark / numpy kernel: {spark['kernel_ratio']:.2f} (the median of "
            f"{len(spark['kernel_ratios'])} paired rounds in spark's process: {rounds}; "
            "target >= 0.5)"
        )
    if "spark" in results and "numpy" in results:
        gap = np.max(np.abs(np.array(results["numpy"]["mean"]) / results["spark"]["mean"] - 1))
        print(f"spark vs numpy: largest relative difference of a band mean {gap:.1e}")
    if "spark" in results and "course" in results:
        spark, course = results["spark"], results["course"]
        print("course method vs 02_stats: relative difference (course / 02_stats - 1) and the")
        print("shift of the course's mean in 02_stats std units ((course - 02_stats) / std):")
        print(f"{'band':>5} {'mean':>8} {'std':>8} {'shift':>8}")
        for b, band in enumerate(BANDS):
            mean, std = spark["mean"][b], spark["std"][b]
            print(
                f"{band:>5} {course['mean'][b] / mean - 1:>+8.1%} "
                f"{course['std'][b] / std - 1:>+8.1%} {(course['mean'][b] - mean) / std:>+8.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="pixel-years to generate")
    parser.add_argument("--splits", help="an existing split dataset (skips generation)")
    parser.add_argument("--data", default="data/bench/stats")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--research", action="store_true", help="02_stats with --indices and --medians too"
    )
    parser.add_argument("--child", choices=sorted(METHODS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    splits = args.splits or ensure_splits(f"{args.data}-{args.rows}", args.rows)
    if args.child:
        child_main(args.child, splits, args.research)
        return
    run_floor(splits)  # warm the page cache so every method reads from memory
    results = {m: measure(m, splits, args.research) for m in args.methods.split(",")}
    if args.json:
        print(json.dumps(results))
    else:
        print(f"split dataset: {splits}")
        report(results)


if __name__ == "__main__":
    main()
