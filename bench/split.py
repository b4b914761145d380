"""How fast 01_split splits pixel-years, against the course's pandas split and the read floor.

    python bench/split.py [--pixels 333334] [--strategy year] [--data data/bench/split]

Generates `--pixels` locations x 2019-2021 once with the project's generator (the default
is the issue's 1,000,000 pixel-years; kept under the ignored data/ folder), then on the same
files: (a) the floor, pyarrow reading every column of every file; (b) the course's split
restated: pandas reads each split's year into memory, decodes the names, drops double crops
by name from train and val and maps names to labels per element; (c) the same year split in
one process with pyarrow and numpy (labels, the same row checks, ids, writes, the report's
counts and distances), the baseline of the issue's target; (d) `run_split` on a local
Spark Connect session (it writes the split dataset and its leakage report). (c) and (d) run
in this process: first once each, which warms them (for Spark the JVM compiling the Parquet,
Arrow and write paths at full size, and the Python workers starting; that ratio is printed
as the cold one), then in `--rounds` paired rounds (bench/rounds.py), each round one run of
both back to back; the target's ratio is the median of the rounds' own (c) / (d) ratios.
(a) and (b) run in child processes so each peak memory is its own. Prints rows per second
(the medians of the rounds for (c) and (d)), peak memory (for Spark: the driver JVM and the
Python client) and ratios.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time

from peak_memory import peak_rss_mb
from rounds import median_ratio, paired_rounds, timed_run

YEARS = {"train": 2021, "val": 2020, "test": 2019}


def floor(path: str) -> dict:
    """pyarrow reads every column of every file: the least any split can cost."""
    import pyarrow.parquet as pq

    from cropseries.reader import parquet_files

    started, rows = time.perf_counter(), 0
    for file in parquet_files(path):
        for batch in pq.ParquetFile(file).iter_batches(batch_size=65536):
            rows += batch.num_rows
    return {"rows": rows, "seconds": time.perf_counter() - started}


def course(path: str) -> dict:
    """The course's way: a split is the files of its year, read whole into pandas memory."""
    import pandas as pd

    from cropseries.legend import course_legend

    legend = course_legend()
    started, rows, kept = time.perf_counter(), 0, 0
    for split, year in YEARS.items():
        files = sorted(glob.glob(os.path.join(path, "*", f"year={year}", "*.parquet")))
        frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        rows += len(frame)
        names = frame["CDL"].map(bytes.decode)
        if split != "test":
            frame = frame[~names.str.contains("Dbl")]
            names = names[frame.index]
        frame["label"] = names.map(lambda n: legend.label_of(n) or 0)
        kept += len(frame)
    return {"rows": rows, "kept": kept, "seconds": time.perf_counter() - started}


def single_process(path: str) -> dict:
    """The year split in one process with pyarrow and numpy, file by file, computing what
    01_split computes: CDL codes and labels, the row checks (nulls, locations, byte lengths,
    SCL values, dates, empty series, unknown names), pixel and block ids, double crops out of
    train and val, each split's rows written with zstd, then the report: rows per class,
    distinct pixels and blocks, shared locations and the distances to train."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cropseries.cdl import cdl_codes, double_crop_codes
    from cropseries.codecs import check_byte_lengths, decode_column
    from cropseries.geo import albers_forward, pixel_ids
    from cropseries.layout import STORED_SCL, scl_in
    from cropseries.legend import course_legend
    from cropseries.reader import parquet_files
    from cropseries.split.checks import dates_in_year

    legend, out = course_legend(), f"{path}-single-process"
    to_label, doubles = legend.code_to_label(), np.asarray(sorted(double_crop_codes()))
    split_of_year = {year: split for split, year in YEARS.items()}
    started, rows, counts = time.perf_counter(), 0, {}
    located: dict[str, list] = {split: [] for split in YEARS}
    for n, file in enumerate(parquet_files(path)):
        table = pq.read_table(file)
        year = int(file.split("year=")[1][:4])
        num_images = np.asarray(table.column("num_images"), np.int64)
        usable = ~np.logical_or.reduce([np.asarray(c.is_null()) for c in table.columns])
        lon, lat = np.asarray(table.column("lon")), np.asarray(table.column("lat"))
        usable &= (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
        batch = table.combine_chunks().to_batches()[0]
        for lengths in check_byte_lengths(batch, num_images, "uint16be"):
            usable &= ~lengths.bad
        scl, offsets = decode_column(
            batch.column("scl_vals").filter(pa.array(usable)), np.dtype(np.uint8)
        )
        foreign = np.bincount(
            np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))[~scl_in(scl, STORED_SCL)],
            minlength=len(offsets) - 1,
        )
        usable[np.flatnonzero(usable)[foreign > 0]] = False
        years = np.full(len(lon), year)
        usable &= dates_in_year(batch.column("img_dates"), num_images, years, "uint16be")
        codes = cdl_codes(table.column("CDL").combine_chunks())
        usable &= (num_images > 0) & (codes >= 0)
        labels = np.where(codes >= 0, to_label[np.maximum(codes, 0)], -1)
        double = np.isin(codes, doubles)
        x, y = albers_forward(lon, lat)
        cells = (np.floor(x / 3000).astype(np.int64) + 2**30) << 32
        cells |= np.floor(y / 3000).astype(np.int64) + 2**30
        ids = pixel_ids(lon, lat)
        split = split_of_year.get(year)
        keep = usable & ((split == "test") | ~double) if split else np.zeros(len(codes), bool)
        derived = table.append_column("cdl_code", pa.array(codes.astype(np.int32)))
        derived = derived.append_column("label", pa.array(labels.astype(np.int32)))
        derived = derived.append_column("is_double_crop", pa.array(double))
        derived = derived.append_column("pixel_id", pa.array(ids))
        derived = derived.append_column("block_id", pa.array(cells))
        for name, mask in ((split, keep), ("excluded", ~keep)):
            if name and mask.any():
                folder = os.path.join(out, f"split={name}")
                os.makedirs(folder, exist_ok=True)
                target = os.path.join(folder, f"part-{n:05d}.parquet")
                pq.write_table(derived.filter(pa.array(mask)), target, compression="zstd")
        if split:
            found = np.bincount(labels[keep], minlength=legend.num_classes)
            counts[split] = counts.get(split, 0) + found
            located[split].append((ids[keep], cells[keep], x[keep], y[keep]))
        rows += table.num_rows
    columns = {s: [np.concatenate(c) for c in zip(*p, strict=True)] for s, p in located.items()}
    report = _report_in_numpy(columns)
    kept = int(sum(c.sum() for c in counts.values()))
    seconds = time.perf_counter() - started
    return {"rows": rows, "kept": kept, "seconds": seconds, "report": report}


def _report_in_numpy(located: dict) -> dict:
    """01_split's report figures from each split's (pixel_id, block_id, x, y) arrays of kept
    rows: distinct pixels and blocks, locations shared by splits, distances to train."""
    import numpy as np

    points, report = {}, {"pixels": {}, "blocks": {}}
    for split, (ids, blocks, x, y) in located.items():
        unique_ids, first = np.unique(ids, return_index=True)
        points[split] = (unique_ids, np.stack([x[first], y[first]], axis=1))
        report["pixels"][split] = len(unique_ids)
        report["blocks"][split] = len(np.unique(blocks))
    ids = np.concatenate([points[s][0] for s in YEARS])
    member = np.concatenate([np.full(len(points[s][0]), 1 << k) for k, s in enumerate(YEARS)])
    order = np.argsort(ids, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(ids[order]) != 0])
    sets, found = np.unique(np.bitwise_or.reduceat(member[order], starts), return_counts=True)
    report["shared_locations"] = {
        "+".join(s for k, s in enumerate(YEARS) if bits >> k & 1): int(n)
        for bits, n in zip(sets.tolist(), found, strict=True)
        if bits & (bits - 1)  # more than one split
    }
    points = {split: xy for split, (_, xy) in points.items()}
    train = points["train"]
    for held in ("val", "test"):
        near = _nearest_within(points[held], train, 100.0)
        far = _nearest_within(points[held][np.isinf(near)], train, 1000.0)
        nowhere = points[held][np.isinf(near)][np.isinf(far)]
        least = min(near.min(initial=np.inf), far.min(initial=np.inf))
        for start in range(0, len(nowhere), 256):  # beyond 1 km: every train pixel
            gaps = nowhere[start : start + 256, None, :] - train[None, :, :]
            least = min(least, float(np.sqrt((gaps**2).sum(-1)).min()))
        report[held] = {
            "within_100m": int(np.isfinite(near).sum()),
            "within_1km": int(np.isfinite(near).sum() + np.isfinite(far).sum()),
            "min_distance_to_train_m": least,
        }
    return report


def _nearest_within(held, train, radius: float):
    """Distance from each held point [n, 2] to its nearest train point [m, 2] when one lies
    within `radius` metres, else inf: train points sorted by grid cell of edge `radius`,
    each held point compared with the train points of its cell and the 8 around it."""
    import numpy as np

    def key(cells):
        return (cells[:, 0] + 2**30) << 32 | (cells[:, 1] + 2**30)

    train_cells = np.floor(train / radius).astype(np.int64)
    order = np.argsort(key(train_cells))
    sorted_keys, sorted_train = key(train_cells)[order], train[order]
    held_cells = np.floor(held / radius).astype(np.int64)
    best = np.full(len(held), np.inf)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            wanted = key(held_cells + [dx, dy])
            lo = np.searchsorted(sorted_keys, wanted, "left")
            found = np.searchsorted(sorted_keys, wanted, "right") - lo
            owner = np.repeat(np.arange(len(held)), found)
            within = np.arange(found.sum()) - np.repeat(np.cumsum(found) - found, found)
            gaps = held[owner] - sorted_train[np.repeat(lo, found) + within]
            np.minimum.at(best, owner, np.sqrt((gaps**2).sum(1)))
    best[best > radius] = np.inf
    return best


def _check_same_report(numpy_report: dict, spark_report) -> None:
    """The baseline computed what 01_split did: its pixels, blocks, shared locations and
    distances equal the report's (a baseline that skipped work would not)."""
    ours = {
        "pixels": spark_report.pixels,
        "blocks": spark_report.blocks,
        "shared_locations": spark_report.shared_locations,
    }
    for held in ("val", "test"):
        d = spark_report.distance_to_train[held]
        ours[held] = {k: d[k] for k in ("within_100m", "within_1km", "min_distance_to_train_m")}
    for key, value in ours.items():
        theirs = numpy_report[key]
        if key in ("val", "test"):
            close = abs(theirs["min_distance_to_train_m"] - value["min_distance_to_train_m"])
            theirs = theirs | {"min_distance_to_train_m": value["min_distance_to_train_m"]}
            if close > 1e-6:
                raise SystemExit(f"{key}: baseline min distance differs by {close} m")
        if theirs != value:
            raise SystemExit(f"the baseline's {key} {theirs} differ from 01_split's {value}")


def in_child(kind: str, path: str) -> dict:
    """Run `floor` or `course` in a fresh interpreter; its result and its own peak memory."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--data", path],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def jvm_peak_mb() -> float:
    """Peak resident memory (VmHWM) of the java processes started by this one, MB."""
    me, peak = str(os.getpid()), 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                ppid = handle.read().rsplit(")", 1)[1].split()[1]
            with open(f"/proc/{pid}/status") as handle:
                status = dict(line.split(":", 1) for line in handle if ":" in line)
        except OSError:
            continue
        if "java" in status.get("Name", "") and _descends_from(ppid, me):
            peak = max(peak, int(status.get("VmHWM", "0 kB").split()[0]) / 1024)
    return peak


def _descends_from(pid: str, ancestor: str) -> bool:
    while pid not in ("0", "1"):
        if pid == ancestor:
            return True
        try:
            with open(f"/proc/{pid}/stat") as handle:
                pid = handle.read().rsplit(")", 1)[1].split()[1]
        except OSError:
            return False
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pixels", type=int, default=333_334, help="locations (x 3 years)")
    parser.add_argument("--strategy", default="year", choices=["year", "block", "year+block"])
    parser.add_argument("--data", default="data/bench/split")
    parser.add_argument("--rounds", type=int, default=3, help="paired rounds of (c) and (d)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=["floor", "course"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kinds = {"floor": floor, "course": course}
        result = kinds[args.child](args.data)
        result["peak_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return

    from cropseries.config import SplitConfig
    from cropseries.session import local_session
    from cropseries.split import run_split
    from cropseries.synth import SynthConfig, generate

    root = f"{args.data}-{args.pixels}"
    source, target = os.path.join(root, "course"), os.path.join(root, "splits")
    if not os.path.isdir(source):
        generate(
            source, SynthConfig(pixels=args.pixels, years=tuple(sorted(YEARS.values())), seed=1)
        )
    base = in_child("floor", source)
    pandas = in_child("course", source)
    spark = local_session()
    config = SplitConfig(strategy=args.strategy)
    runs = {"split": lambda: run_split(spark, source, target, config)}
    if args.strategy == "year":
        runs["single"] = lambda: single_process(source)
    first = {"split": timed_run(runs["split"])[0]}  # warms it (module docstring)
    client_peak_mb = peak_rss_mb()  # before the baseline runs in this process too
    if "single" in runs:
        first["single"] = timed_run(runs["single"])[0]
    timed = paired_rounds(runs, args.rounds, warm_up=False)
    split_s = statistics.median(s for s, _ in timed["split"])
    report = timed["split"][-1][1]
    rows = report.input_rows
    single = None
    if "single" in timed:
        single = timed["single"][-1][1]
        _check_same_report(single["report"], report)
        over_single, per_round = median_ratio(
            [s for s, _ in timed["single"]], [s for s, _ in timed["split"]]
        )
        single_s = statistics.median(s for s, _ in timed["single"])
    result = {
        "rows": rows,
        "strategy": args.strategy,
        "rounds": args.rounds,
        "split_s": round(split_s, 2),
        "split_rows_per_s": round(rows / split_s),
        "course_rows_per_s": round(pandas["rows"] / pandas["seconds"]),
        "floor_rows_per_s": round(base["rows"] / base["seconds"]),
        "split_over_course": round(pandas["seconds"] / split_s, 3),
        "split_over_floor": round(base["seconds"] / split_s, 3),
        "single_process_rows_per_s": single and round(single["rows"] / single_s),
        "split_over_single_process": single and round(over_single, 3),
        "split_over_single_process_rounds": single and [round(r, 3) for r in per_round],
        "first_runs_split_over_single_process": single
        and round(first["single"] / first["split"], 3),
        "split_jvm_peak_mb": round(jvm_peak_mb()),
        "split_python_peak_mb": round(client_peak_mb),
        "course_peak_mb": round(pandas["peak_mb"]),
        "floor_peak_mb": round(base["peak_mb"]),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(report.summary())
    print(f"\n{rows:,} pixel-years, strategy {args.strategy}, {os.cpu_count()} CPUs")
    print(
        f"  01_split (Spark, writes + report): {result['split_rows_per_s']:>10,} rows/s  "
        f"driver JVM peak {result['split_jvm_peak_mb']:,} MB, "
        f"Python {result['split_python_peak_mb']:,} MB"
    )
    print(
        f"  course (pandas, in memory):        {result['course_rows_per_s']:>10,} rows/s  "
        f"peak {result['course_peak_mb']:,} MB"
    )
    print(
        f"  floor (pyarrow reads all columns): {result['floor_rows_per_s']:>10,} rows/s  "
        f"peak {result['floor_peak_mb']:,} MB"
    )
    if single:
        print(
            f"  one process (pyarrow + numpy):     "
            f"{result['single_process_rows_per_s']:>10,} rows/s  (split / one process "
            f"{result['split_over_single_process']:.2f}, the median of {args.rounds} paired "
            f"rounds: {', '.join(map(str, result['split_over_single_process_rounds']))}; "
            "target >= 0.5)"
        )
        print(
            "  the first runs (a cold Spark session and process): split / one process "
            f"{result['first_runs_split_over_single_process']:.2f}"
        )
    print(
        f"  split / course: {result['split_over_course']:.2f}x   "
        f"split / floor: {result['split_over_floor']:.2f}x (higher is faster)"
    )


if __name__ == "__main__":
    main()
