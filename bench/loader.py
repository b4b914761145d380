"""How fast the loader makes training batches, against the course's pipeline and the floor.

    python bench/loader.py [--pixels 80000] [--data data/bench/loader] [--json] [--options]

Generates course-layout datasets of `--pixels` rows (1x) and 4x as many with the project's
generator (one year, kept under the ignored data/ folder), or reads `--splits DIR` (a split
dataset's train split, 1x only). Then, on the same files, in one run: (a) the floor: pyarrow
reading the columns the loader reads; (b) the course's pipeline restated
(bench/course_pipeline.py: pandas into memory, from_tensor_slices, per-element map); (c) the
loader in training mode, tf.data batches iterated in Python, streamed from the files every
epoch; (d) the same with the decoded-series cache (`LoaderConfig.cache_mb`), the epochs
after the first; beside them the numpy batches (for JAX, Keras 3 or PyTorch users), streamed
and from the cache, and the streamed epochs through a PyTorch DataLoader with 0, 1 and 2
worker processes (with the torch extra). `--options` instead times the streamed training
epoch with each research option (window strategies, window length, bucket width, bands,
indices, fill) beside the course's defaults.

(a), (c), (d) and the numpy epochs, whose ratios carry targets, are timed in `--rounds`
rounds: a round times one epoch of each, back to back, so that each ratio compares runs that
met the machine in the same state (a shared VM's speed drifts by up to 2x within minutes);
the ratios c/a, d/a, numpy/a and numpy from cache/a are the medians of the rounds' own
ratios, the rates the medians of the rounds. The course's pipeline is timed over
`COURSE_EPOCHS` epochs and the rest per epoch after one untimed epoch, the best kept (of
`--repeat` for the rest). Prints rows per second, those ratios and c/b, the kernel alone
(check, decode, draw, bucket, label, normalize on in-memory record batches, one thread) and
the peak RSS of an epoch of (c) in a fresh process on the 1x and the 4x dataset (streaming;
the cache holds up to `cache_mb` more).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np
from peak_memory import peak_rss_mb
from rounds import median_ratio, paired_rounds

from cropseries.config import LoaderConfig
from cropseries.indices import INDICES
from cropseries.legend import course_legend
from cropseries.loader.normalization import COURSE_NORMALIZATION, Normalization
from cropseries.loader.pipeline import (
    Epochs,
    batches,
    examples,
    finish,
    plan,
    training_dataset,
)
from cropseries.loader.source import (
    COURSE_COLUMNS,
    SPLIT_COLUMNS,
    Input,
    decode_chunk,
    open_input,
    parquet_file,
)

HERE = os.path.dirname(os.path.abspath(__file__))


def ensure_dataset(path: str, pixels: int) -> None:
    """A course-layout dataset of `pixels` rows (year 2021) at `path`, generated once."""
    if os.path.isdir(path):
        return
    command = [sys.executable, "-m", "cropseries", "synth", "--out", path]
    command += ["--pixels", str(pixels), "--years", "2021", "--seed", "1", "--quiet"]
    subprocess.run(command, check=True)


def best_rate(run, repeat: int) -> float:
    """Rows per second of `run()` (which returns rows), best of `repeat` runs."""
    rates = []
    for _ in range(repeat):
        started = time.perf_counter()
        rows = run()
        rates.append(rows / (time.perf_counter() - started))
    return max(rates)


def input_files(path: str, split: str) -> list[str]:
    """The Parquet files the loader reads for `split` of `path`."""
    return sorted({u.file for u in open_input(path, split).units})


def floor(source: Input) -> int:
    """pyarrow reads the columns the loader reads, record batch by record batch, from files
    whose footers are read (as the loader's are, by its plan) before any clock."""
    columns = list(SPLIT_COLUMNS if source.kind == "split" else COURSE_COLUMNS)
    rows = 0
    for file in sorted({unit.file for unit in source.units}):
        parquet = parquet_file(file, source.footers[file])
        for batch in parquet.iter_batches(batch_size=4096, columns=columns):
            rows += batch.num_rows
    return rows


def epoch_rate(dataset, repeat: int) -> float:
    """Rows/s of an epoch of a tf.data dataset of (x, y): one untimed epoch, then the best
    of `repeat` (training iterates the same dataset every epoch)."""

    def epoch() -> int:
        return sum(x.shape[0] for x, _ in dataset)

    epoch()
    return best_rate(epoch, repeat)


#: Epochs of the course's pipeline timed, the best kept. Its `map(..., AUTOTUNE)` runs some
#: epochs on one thread on two cores (about 3,775 rows/s, against 6,800-7,300 in its other
#: epochs and 7,900-8,400 with tf.data's autotuning off), unpredictably, the first epoch
#: included: the best of several is the fair baseline.
COURSE_EPOCHS = 4


def course(path: str, split: str) -> tuple[float, float]:
    """The course's pipeline: pandas into memory (seconds), then rows/s of its best epoch of
    `COURSE_EPOCHS`, the first included."""
    sys.path.insert(0, HERE)
    from course_pipeline import course_dataset, read_into_memory

    source = open_input(path, split)
    started = time.perf_counter()
    frame = read_into_memory(input_files(path, split), source.kind, course_legend())
    load_s = time.perf_counter() - started
    norm = COURSE_NORMALIZATION
    dataset = course_dataset(frame, norm.mean, norm.std, course_legend())
    return load_s, best_rate(lambda: epoch_rows(dataset), COURSE_EPOCHS)


def epoch_rows(dataset) -> int:
    """Rows of one epoch of a tf.data dataset of (x, y), iterated as training iterates it."""
    return sum(x.shape[0] for x, _ in dataset)


def paired_runs(path: str, split: str) -> dict[str, Callable[[], int]]:
    """One epoch of (a), (c), (d) and the numpy batches, streamed and from the cache, each a
    function that returns its rows; everything planned (the files' footers read) before any
    clock. The warm-up round fills the caches."""
    streamed, cached = LoaderConfig(seed=0, cache_mb=0), LoaderConfig(seed=0)
    source = open_input(path, split)
    job = plan(path, None, streamed, training=True, split=split)
    numpy_cached = Epochs(plan(path, None, cached, training=True, split=split))
    tf_streamed = training_dataset(path, None, streamed, split=split)
    tf_cached = training_dataset(path, None, cached, split=split)
    return {
        "floor": lambda: floor(source),
        "loader": lambda: epoch_rows(tf_streamed),
        "loader_cached": lambda: epoch_rows(tf_cached),
        "loader_numpy": lambda: sum(len(b["x"]) for b in batches(job)),
        "loader_numpy_cached": lambda: sum(len(b["x"]) for b in numpy_cached),
    }


#: The ratios to the floor that carry targets: result key, run, name, target.
PAIRED_RATIOS = (
    ("loader_over_floor", "loader", "c/a", 0.5),
    ("numpy_over_floor", "loader_numpy", "numpy/a", 0.7),
    ("cached_over_floor", "loader_cached", "d/a", 2.0),
    ("numpy_cached_over_floor", "loader_numpy_cached", "numpy from cache/a", 2.0),
)


def paired_result(path: str, split: str, rounds: int) -> dict:
    """Median rates of (a), (c), (d) and the numpy epoch over `rounds` paired rounds, and
    each ratio to the floor as the median of the rounds' own ratios (with every round's, to
    show the spread)."""
    timed = paired_rounds(paired_runs(path, split), rounds)
    rates = {name: [rows / seconds for seconds, rows in runs] for name, runs in timed.items()}
    result = {f"{name}_rows_s": round(statistics.median(r)) for name, r in rates.items()}
    for key, name, _, _ in PAIRED_RATIOS:
        median, ratios = median_ratio(rates[name], rates["floor"])
        result[key] = round(median, 3)
        result[f"{key}_rounds"] = [round(r, 3) for r in ratios]
    return result


#: The research options `--options` times, as LoaderConfig fields, beside the course's.
OPTIONS = {
    "the course's: random window, 120 days, 5-day buckets": {},
    "window ending:07-01": {"window": "ending:07-01"},
    "window season:early,mid,late (3 a row)": {"window": "season:early,mid,late"},
    "days_in_series 60": {"days_in_series": 60},
    "days_per_bucket 10": {"days_per_bucket": 10},
    "bands B02,B03,B04,B08": {"bands": ("B02", "B03", "B04", "B08")},
    "all six indices after the 12 bands": {"indices": tuple(INDICES)},
    "fill median": {"fill": "median"},
}
#: Statistics for timing the options: the course's constants, its means as medians and
#: indices at 0 +- 1 (placeholders: the speed does not depend on the numbers).
OPTION_STATS = Normalization(
    mean=COURSE_NORMALIZATION.mean,
    std=COURSE_NORMALIZATION.std,
    source="timing placeholders",
    median=COURSE_NORMALIZATION.mean,
    index_mean=dict.fromkeys(INDICES, 0.0),
    index_std=dict.fromkeys(INDICES, 1.0),
)


def option_rates(path: str, split: str, repeat: int) -> dict[str, float]:
    """Examples/s of streamed tf.data training epochs with each of `OPTIONS`, the best of
    `repeat` rounds over all of them (so that no option gains from coming later)."""
    datasets = {
        name: training_dataset(
            path, OPTION_STATS, LoaderConfig(seed=0, cache_mb=0, **fields), split=split
        )
        for name, fields in OPTIONS.items()
    }
    rates = dict.fromkeys(datasets, 0.0)
    for _ in range(repeat):
        for name, dataset in datasets.items():
            rates[name] = max(rates[name], epoch_rate(dataset, 1))
    return rates


def loader_torch(path: str, split: str, workers: int, repeat: int) -> float | None:
    """Rows/s of the same epochs through a PyTorch DataLoader with `workers` worker
    processes (0: in this process), streamed; None without the torch extra."""
    try:
        from torch.utils.data import DataLoader

        from cropseries.loader.torch import LoaderDataset
    except ImportError:
        return None
    dataset = LoaderDataset(path, None, LoaderConfig(seed=0, cache_mb=0), split=split)
    loader = DataLoader(dataset, batch_size=None, num_workers=workers)

    def epoch() -> int:
        return sum(len(batch["x"]) for batch in loader)

    epoch()
    return best_rate(epoch, repeat)


def kernel_rate(path: str, split: str, repeat: int) -> float:
    """Rows/s of check + decode + draw + bucket + label + normalize, on record batches
    already in memory, in this thread alone."""
    job = plan(path, None, LoaderConfig(seed=0), training=True, split=split)
    columns = list(SPLIT_COLUMNS if job.source.kind == "split" else COURSE_COLUMNS)
    units = job.source.units[:8]
    held = [
        (unit.file, batch)
        for unit in units
        for batch in parquet_file(unit.file, job.source.footers[unit.file]).iter_batches(
            batch_size=4096, row_groups=[unit.row_group], columns=columns
        )
    ]
    legend, rng = course_legend(), np.random.default_rng(0)

    def run() -> int:
        rows = 0
        for file, batch in held:
            chunk = decode_chunk(batch, job.source.kind, legend, "uint16be", file, 0)
            rows += len(finish(examples(chunk, job, rng), job)["x"])
        return rows

    return best_rate(run, repeat)


def epoch_peak_rss_mb(path: str, split: str) -> tuple[float, int]:
    """Peak RSS (MB) of one loader epoch in a fresh process, and the rows it loaded."""
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--rss-child", path, "--split", split],
        check=True,
        capture_output=True,
        text=True,
    )
    child = json.loads(out.stdout.strip().splitlines()[-1])
    return child["peak_rss_mb"], child["rows"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pixels", type=int, default=80_000, help="rows of the 1x dataset")
    parser.add_argument("--data", default="data/bench/loader", help="where datasets are kept")
    parser.add_argument("--splits", help="use this split dataset's train split instead")
    parser.add_argument(
        "--rounds", type=int, default=7, help="paired rounds of (a), (c), (d) and the numpy epochs"
    )
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of the rest, best kept")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--save", default="bench/out/loader.json", help="also write the result here (notebook)"
    )
    parser.add_argument(
        "--options", action="store_true", help="only time the research options (OPTIONS)"
    )
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    parser.add_argument("--split", default="train", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.rss_child:
        config = LoaderConfig(seed=0, cache_mb=0)  # streaming: memory must not grow with data
        dataset = training_dataset(args.rss_child, None, config, split=args.split)
        rows = sum(x.shape[0] for x, _ in dataset)
        peak = peak_rss_mb()
        print(json.dumps({"rows": rows, "peak_rss_mb": round(peak, 1)}))
        return

    if args.splits:
        one_x, four_x = args.splits, None
    else:
        one_x = f"{args.data}/course-{args.pixels}"
        four_x = f"{args.data}/course-{4 * args.pixels}"
        ensure_dataset(one_x, args.pixels)
        ensure_dataset(four_x, 4 * args.pixels)
    split = "train"
    floor(open_input(one_x, split))  # warm the page cache so every reader reads from memory
    if args.options:
        rates = option_rates(one_x, split, args.repeat)
        base = next(iter(rates.values()))
        print(f"streamed tf.data training epochs of {one_x}, examples/s:")
        for name, rate in rates.items():
            print(f"  {name:<56} {rate:>9,.0f}  ({rate / base:.2f} of the course's)")
        return
    result = {
        "rows": floor(open_input(one_x, split)),
        "megabytes": round(sum(map(os.path.getsize, input_files(one_x, split))) / 1e6, 1),
        "rounds": args.rounds,
    }
    result |= paired_result(one_x, split, args.rounds)
    result["kernel_rows_s"] = round(kernel_rate(one_x, split, args.repeat))
    for workers in (0, 1, 2):
        rate = loader_torch(one_x, split, workers, args.repeat)
        if rate is not None:
            result[f"torch_{workers}_workers_rows_s"] = round(rate)
    result["rss_1x_mb"], result["rss_1x_rows"] = epoch_peak_rss_mb(one_x, split)
    if four_x:
        result["rss_4x_mb"], result["rss_4x_rows"] = epoch_peak_rss_mb(four_x, split)
    course_load_s, course_rate = course(one_x, split)
    result["course_rows_s"], result["course_load_s"] = round(course_rate), round(course_load_s, 2)
    result["loader_over_course"] = round(result["loader_rows_s"] / result["course_rows_s"], 2)
    if args.save:
        os.makedirs(os.path.dirname(os.path.abspath(args.save)), exist_ok=True)
        with open(args.save, "w") as f:
            json.dump(result, f, indent=1)
    if args.json:
        print(json.dumps(result))
    else:
        report(result, one_x)


def report(r: dict, path: str) -> None:
    """The result as a table, with the targets."""
    print(f"dataset: {r['rows']:,} rows, {r['megabytes']:.0f} MB of Parquet ({path})")
    print(f"  (a), (c), (d) and the numpy epochs: the medians of {r['rounds']} paired rounds")
    print(f"  (a) floor, pyarrow reads the columns:  {r['floor_rows_s']:>10,} rows/s")
    print(
        f"  (b) course pipeline restated:          {r['course_rows_s']:>10,} rows/s"
        f"  (after {r['course_load_s']} s loading it into memory)"
    )
    print(f"  (c) loader, tf.data training epoch:    {r['loader_rows_s']:>10,} rows/s")
    print(f"  (d) the same, later epochs from cache: {r['loader_cached_rows_s']:>10,} rows/s")
    print(f"      loader as numpy batches:           {r['loader_numpy_rows_s']:>10,} rows/s")
    print(f"      the same, later epochs from cache: {r['loader_numpy_cached_rows_s']:>10,} rows/s")
    print(f"      kernel alone, one thread:          {r['kernel_rows_s']:>10,} rows/s")
    for workers in (0, 1, 2):
        if f"torch_{workers}_workers_rows_s" in r:
            rate = r[f"torch_{workers}_workers_rows_s"]
            print(
                f"      PyTorch DataLoader, {workers} workers:     {rate:>10,} rows/s"
                f"  ({rate / r['loader_rows_s']:.2f} of c)"
            )
    print(f"  c/b = {r['loader_over_course']} (target >= 20)")
    for key, _, name, target in PAIRED_RATIOS:
        rounds = r[f"{key}_rounds"]
        verdict = "met" if r[key] >= target else "NOT met"
        print(
            f"  {name} = {r[key]} (median of {len(rounds)} rounds, {min(rounds)}-{max(rounds)}; "
            f"target >= {target:g}: {verdict})"
        )
    print(f"  peak RSS of (c): {r['rss_1x_mb']:.0f} MB over {r['rss_1x_rows']:,} rows (1x)")
    if "rss_4x_mb" in r:
        ratio = r["rss_4x_mb"] / r["rss_1x_mb"]
        print(
            f"                   {r['rss_4x_mb']:.0f} MB over {r['rss_4x_rows']:,} rows (4x): "
            f"{ratio:.2f}x (target <= 1.25)"
        )


if __name__ == "__main__":
    main()
