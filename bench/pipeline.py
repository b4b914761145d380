"""The whole pipeline at the course's scale: each stage's time and peak memory, and how they grow.

For each size (pixel-years; the course's dataset is about 3.5M pixel-years, over 5 GB) it
generates a dataset and runs every stage as the command a user runs, in its own process:
`synth`, `validate`, `split`, `stats` and one `loader-throughput` epoch over the train split.
A sampler reads the peak resident memory (VmHWM) of the stage's Python process and of the
Java processes it starts (Spark's driver) from /proc. Then it fits, per stage, the exponent b
of time ~ size^b and memory ~ size^b over the sizes (1: linear; 0: flat). Linux only.

    python bench/pipeline.py [--sizes 250000 1000000 3500000] [--json] [--keep]

The result is also written to bench/out/pipeline.json. Each size's data is removed after it is
measured unless --keep (3.5M pixel-years take about 9 GB with the split dataset).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import threading
import time

YEARS = ("2019", "2020", "2021")


def peak_kb(pid: int) -> int:
    """VmHWM of one process, kB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def java_descendants(root: int) -> list[int]:
    """The java processes below `root` in the process tree."""
    parent, name = {}, {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as handle:
                text = handle.read()
        except OSError:
            continue
        pid = int(entry)
        name[pid] = text[text.index("(") + 1 : text.rindex(")")]
        parent[pid] = int(text.rsplit(")", 1)[1].split()[1])
    found = []
    for pid, command in name.items():
        ancestor = parent.get(pid)
        while ancestor not in (None, 0, 1):
            if ancestor == root:
                if "java" in command:
                    found.append(pid)
                break
            ancestor = parent.get(ancestor)
    return found


def run_stage(argv: list[str], log: str) -> dict:
    """Run `python -m cropseries ARGV` (its output into `log`); its seconds and the peak
    memory of Python and Java."""
    started = time.perf_counter()
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "cropseries", *argv], stdout=output, stderr=output
        )
    peaks = {"python_mb": 0.0, "java_mb": 0.0}

    def sample() -> None:
        while process.poll() is None:
            peaks["python_mb"] = max(peaks["python_mb"], peak_kb(process.pid) / 1024)
            java = sum(peak_kb(pid) for pid in java_descendants(process.pid)) / 1024
            peaks["java_mb"] = max(peaks["java_mb"], java)
            time.sleep(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    sampler.join()
    if code != 0:
        with open(log) as output:
            tail = output.read()[-2000:]
        raise SystemExit(f"stage {argv[0]} failed with exit status {code}:\n{tail}")
    return {
        "seconds": round(time.perf_counter() - started, 1),
        **{k: round(v) for k, v in peaks.items()},
    }


def measure(pixel_years: int, root: str) -> dict:
    pixels = pixel_years // len(YEARS)
    course, splits = os.path.join(root, "course"), os.path.join(root, "splits")
    shutil.rmtree(root, ignore_errors=True)
    stages = {
        "synth": ["synth", "--out", course, "--pixels", str(pixels), "--years", *YEARS,
                  "--seed", "1", "--quiet"],
        "validate": ["validate", course, "--quiet"],
        "split": ["split", "--input", course, "--output", splits],
        "stats": ["stats", "--splits", splits],
        "loader": ["loader-throughput", "--splits", splits, "--epochs", "1"],
    }  # fmt: skip
    result = {"pixel_years": pixels * len(YEARS)}
    os.makedirs(root, exist_ok=True)
    for name, argv in stages.items():
        result[name] = run_stage(argv, os.path.join(root, f"{name}.log"))
        print(f"  {pixels * len(YEARS):>9,} pixel-years  {name:<9} {result[name]}", flush=True)
    return result


def exponent(sizes: list[float], values: list[float]) -> float | None:
    """Least-squares slope of log(value) on log(size): 1 is linear growth, 0 flat."""
    points = [(math.log(s), math.log(v)) for s, v in zip(sizes, values, strict=True) if v > 0]
    if len(points) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
    return round(slope, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250_000, 1_000_000, 3_500_000])
    parser.add_argument("--data", default="data/bench/pipeline")
    parser.add_argument("--keep", action="store_true", help="keep each size's data")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    runs = []
    for size in args.sizes:
        root = f"{args.data}-{size}"
        runs.append(measure(size, root))
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    sizes = [r["pixel_years"] for r in runs]
    growth = {
        stage: {
            key: exponent(sizes, [r[stage][key] for r in runs])
            for key in ("seconds", "python_mb", "java_mb")
        }
        for stage in ("synth", "validate", "split", "stats", "loader")
    }
    result = {"runs": runs, "growth_exponent": growth}
    os.makedirs("bench/out", exist_ok=True)
    with open("bench/out/pipeline.json", "w") as handle:
        json.dump(result, handle, indent=2)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print("growth exponent of time and peak memory with size (1 linear, 0 flat):")
    for stage, values in growth.items():
        print(f"  {stage:<9} {values}")


if __name__ == "__main__":
    main()
