"""How fast 01_split splits pixel-years, against the course's pandas split and the read floor.

    python bench/split.py [--pixels 333334] [--strategy year] [--data data/bench/split]

Generates `--pixels` locations x 2019-2021 once with the project's generator (the default
is the issue's 1,000,000 pixel-years; kept under the ignored data/ folder), then on the same
files: (a) the floor, pyarrow reading every column of every file; (b) the course's split
restated: pandas reads each split's year into memory, decodes the names, drops double crops
by name from train and val and maps names to labels per element; (c) the same year split in
one process with pyarrow and numpy (labels, the row checks that need no decoding, ids,
writes; no leakage report), the baseline of the issue's target; (d) `run_split` on a local
Spark Connect session, after one small warm-up split (it writes the split dataset and its
leakage report).
(a), (b) and (c) run in child processes so each peak memory is its own. Prints rows per second,
peak memory (for Spark: the driver JVM and the Python client) and ratios.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import time

from peak_memory import peak_rss_mb

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
    """The year split in one process with pyarrow and numpy, file by file: decode the names
    to CDL codes and labels, the row checks 01_split makes without decoding (nulls, byte
    lengths, empty series, unknown names), pixel and block ids, double crops out of train and
    val, then each split's rows written with zstd and counted per class. No leakage report
    (01_split's distances come on top), so the ratio favours this baseline."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cropseries.cdl import cdl_codes, double_crop_codes
    from cropseries.codecs import check_byte_lengths
    from cropseries.geo import albers_forward, pixel_ids
    from cropseries.legend import course_legend
    from cropseries.reader import parquet_files

    legend, out = course_legend(), f"{path}-single-process"
    to_label, doubles = legend.code_to_label(), np.asarray(sorted(double_crop_codes()))
    split_of_year = {year: split for split, year in YEARS.items()}
    started, rows, counts = time.perf_counter(), 0, {}
    for n, file in enumerate(parquet_files(path)):
        table = pq.read_table(file)
        year = int(file.split("year=")[1][:4])
        num_images = np.asarray(table.column("num_images"), np.int64)
        usable = ~np.logical_or.reduce([np.asarray(c.is_null()) for c in table.columns])
        batch = table.combine_chunks().to_batches()[0]
        for lengths in check_byte_lengths(batch, num_images, "uint16be"):
            usable &= ~lengths.bad
        codes = cdl_codes(table.column("CDL").combine_chunks())
        usable &= (num_images > 0) & (codes >= 0)
        labels = np.where(codes >= 0, to_label[np.maximum(codes, 0)], -1)
        double = np.isin(codes, doubles)
        lon, lat = np.asarray(table.column("lon")), np.asarray(table.column("lat"))
        x, y = albers_forward(lon, lat)
        cells = (np.floor(x / 3000).astype(np.int64) + 2**30) << 32
        cells |= np.floor(y / 3000).astype(np.int64) + 2**30
        split = split_of_year.get(year)
        keep = usable & ((split == "test") | ~double) if split else np.zeros(len(codes), bool)
        derived = table.append_column("cdl_code", pa.array(codes.astype(np.int32)))
        derived = derived.append_column("label", pa.array(labels.astype(np.int32)))
        derived = derived.append_column("is_double_crop", pa.array(double))
        derived = derived.append_column("pixel_id", pa.array(pixel_ids(lon, lat)))
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
        rows += table.num_rows
    kept = int(sum(c.sum() for c in counts.values()))
    return {"rows": rows, "kept": kept, "seconds": time.perf_counter() - started}


def in_child(kind: str, path: str) -> dict:
    """Run `floor`, `course` or `single_process` in a fresh interpreter; its result and its
    own peak memory."""
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
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=["floor", "course", "single"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kinds = {"floor": floor, "course": course, "single": single_process}
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
    single = in_child("single", source) if args.strategy == "year" else None
    spark = local_session()
    warmup = os.path.join(root, "warmup")  # a first small split, so the JVM is warm as in use
    if not os.path.isdir(warmup):
        generate(warmup, SynthConfig(pixels=300, years=(2019, 2020, 2021), seed=2), progress=False)
    run_split(
        spark, warmup, os.path.join(root, "warmup-splits"), SplitConfig(strategy=args.strategy)
    )
    started = time.perf_counter()
    report = run_split(spark, source, target, SplitConfig(strategy=args.strategy))
    seconds = time.perf_counter() - started
    rows = report.input_rows
    result = {
        "rows": rows,
        "strategy": args.strategy,
        "split_s": round(seconds, 2),
        "split_rows_per_s": round(rows / seconds),
        "course_rows_per_s": round(pandas["rows"] / pandas["seconds"]),
        "floor_rows_per_s": round(base["rows"] / base["seconds"]),
        "split_over_course": round(pandas["seconds"] / seconds, 3),
        "split_over_floor": round(base["seconds"] / seconds, 3),
        "single_process_rows_per_s": single and round(single["rows"] / single["seconds"]),
        "split_over_single_process": single and round(single["seconds"] / seconds, 3),
        "split_jvm_peak_mb": round(jvm_peak_mb()),
        "split_python_peak_mb": round(peak_rss_mb()),
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
            f"{result['split_over_single_process']:.2f}, target >= 0.5)"
        )
    print(
        f"  split / course: {result['split_over_course']:.2f}x   "
        f"split / floor: {result['split_over_floor']:.2f}x (higher is faster)"
    )


if __name__ == "__main__":
    main()
