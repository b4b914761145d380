"""The realism report: one year of a course-layout dataset against the course's statistics.

Per band, the mean and standard deviation of valid observations (DN != 0) are compared
with the published normalization constants (course_facts section 4); a band passes when
both are within the tolerance (25 %). Images per pixel-year, class counts and SCL counts
come along. Works on any course-layout dataset, generated or not; streams record batches.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pyarrow.compute as pc
import pyarrow.dataset as ds

from cropseries.codecs import DEFAULT_CODEC, decode_series
from cropseries.course import COURSE_BAND_MEAN, COURSE_BAND_STD
from cropseries.layout import BANDS, NUM_BANDS, SCL_NAMES
from cropseries.moments import Moments, batch_moments, valid_observations
from cropseries.reader import LayoutError, open_course_dataset

#: Largest relative difference from the course's mean and std that still passes.
TOLERANCE = 0.25


@dataclass(frozen=True)
class BandRealism:
    """One band: the dataset's mean and std of valid DN beside the course's."""

    band: str
    mean: float
    std: float
    course_mean: float
    course_std: float

    @property
    def mean_difference(self) -> float:
        """(mean - course mean) / course mean."""
        return self.mean / self.course_mean - 1

    @property
    def std_difference(self) -> float:
        return self.std / self.course_std - 1

    def passed(self, tolerance: float = TOLERANCE) -> bool:
        return abs(self.mean_difference) <= tolerance and abs(self.std_difference) <= tolerance


@dataclass(frozen=True)
class RealismReport:
    """The realism comparison of one year of a dataset."""

    path: str
    year: int
    rows: int
    images: int
    bands: tuple[BandRealism, ...]
    classes: dict[str, int]
    scl: dict[int, int]
    tolerance: float = TOLERANCE

    @property
    def images_per_row(self) -> float:
        return self.images / self.rows if self.rows else 0.0

    @property
    def passed(self) -> bool:
        return bool(self.bands) and all(b.passed(self.tolerance) for b in self.bands)


def realism_report(
    path: str, year: int | None = None, codec: str = DEFAULT_CODEC, tolerance: float = TOLERANCE
) -> RealismReport:
    """Compare `year` (default: the latest year present) of the dataset at `path`.

    Raises `LayoutError` if the dataset has no rows for that year.
    """
    dataset = open_course_dataset(path).dataset
    years = sorted(
        int(y)
        for y in pc.unique(dataset.to_table(columns=["year"])["year"]).to_pylist()
        if y is not None
    )
    if not years:
        raise LayoutError(f"{path}: no year= partitions found")
    year = years[-1] if year is None else int(year)
    if year not in years:
        raise LayoutError(f"{path}: no rows for year {year}; years present: {years}")
    moments, classes, scl = Moments.empty(1, NUM_BANDS), Counter(), Counter()
    rows = images = 0
    columns = ["CDL", "num_images", "bands", "img_dates", "scl_vals"]
    for batch in dataset.to_batches(columns=columns, filter=ds.field("year") == year):
        series = decode_series(batch, codec)
        one_group = np.zeros(len(series.bands), np.int64)
        valid = valid_observations(series)
        moments = moments.merge(batch_moments(series.bands, valid, one_group, 1))
        rows += batch.num_rows
        images += len(series.dates)
        for item in pc.value_counts(batch.column("CDL")).to_pylist():
            classes[item["values"].decode("utf-8", "replace")] += item["counts"]
        values, counts = np.unique(series.scl, return_counts=True)
        scl.update(dict(zip(values.tolist(), counts.tolist(), strict=True)))
    bands = tuple(
        BandRealism(band, float(m), float(s), course_m, course_s)
        for band, m, s, course_m, course_s in zip(
            BANDS, moments.mean[0], moments.std()[0], COURSE_BAND_MEAN, COURSE_BAND_STD, strict=True
        )
    )
    return RealismReport(
        path=path,
        year=year,
        rows=rows,
        images=images,
        bands=bands,
        classes=dict(classes.most_common()),
        scl=dict(sorted(scl.items())),
        tolerance=tolerance,
    )


def format_realism(report: RealismReport) -> str:
    """The report as a text table."""
    limit = f"{report.tolerance:.0%}"
    lines = [
        f"Realism of {report.path}, year {report.year}: valid observations (DN != 0) "
        f"against the course's constants (pass: both within {limit})",
        f"{'band':<5}{'mean':>9}{'course':>9}{'diff':>8}{'std':>9}{'course':>9}{'diff':>8}",
    ]
    for b in report.bands:
        lines.append(
            f"{b.band:<5}{b.mean:>9.1f}{b.course_mean:>9.1f}{b.mean_difference:>+8.1%}"
            f"{b.std:>9.1f}{b.course_std:>9.1f}{b.std_difference:>+8.1%}  "
            f"{'PASS' if b.passed(report.tolerance) else 'FAIL'}"
        )
    lines.append(
        f"rows {report.rows:,}, images {report.images:,}, "
        f"images per pixel-year {report.images_per_row:.1f}"
    )
    total_images = sum(report.scl.values()) or 1
    lines.append(
        "SCL: "
        + ", ".join(
            f"{code} {SCL_NAMES.get(code, '?')} {count / total_images:.1%}"
            for code, count in report.scl.items()
        )
    )
    lines.append("classes (CDL name: rows):")
    lines += [f"  {name}: {count:,}" for name, count in report.classes.items()]
    lines.append(f"realism target: {'PASS' if report.passed else 'FAIL'}")
    return "\n".join(lines)


#: Crops whose seasonal curves the realism figure draws.
CURVE_CROPS = ("Corn", "Cotton", "Rice", "Soybeans", "Winter Wheat", "Dbl Crop WinWht/Soybeans")
#: What a curve can show: the 12 bands (DN), then NDVI.
CURVE_CHANNELS = (*BANDS, "NDVI")


@dataclass(frozen=True)
class SeasonalCurves:
    """Per crop, the 10th, 50th and 90th percentiles of each band and NDVI over the images of
    `rows[crop]` sampled pixel-years, by day-of-year bin: `quantiles[crop]` float64
    [3, bins, 13] (NaN where a bin has no image), bins of `bin_days` from day 1 centred on
    `days`."""

    year: int
    bin_days: int
    days: np.ndarray
    quantiles: dict[str, np.ndarray]
    rows: dict[str, int]


def seasonal_curves(
    path: str,
    year: int,
    codec: str = DEFAULT_CODEC,
    rows_per_crop: int = 500,
    bin_days: int = 8,
    seed: int = 0,
) -> SeasonalCurves:
    """Every image of about `rows_per_crop` pixel-years of each crop in `CURVE_CROPS` (clear
    or not, as stored), drawn at random over the whole year (every box and field), summarized
    by day-of-year bin. Two streaming passes: the crops' counts, then the sample."""
    dataset = open_course_dataset(path).dataset
    only_year = ds.field("year") == year
    names = pc.value_counts(dataset.to_table(columns=["CDL"], filter=only_year)["CDL"])
    totals = {v["values"].decode("utf-8", "replace"): v["counts"] for v in names.to_pylist()}
    share = {c: min(1.0, rows_per_crop / totals[c]) for c in CURVE_CROPS if c in totals}
    rng = np.random.default_rng(seed)
    columns = ["CDL", "num_images", "bands", "img_dates", "scl_vals"]
    kept: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {c: [] for c in share}
    for batch in dataset.to_batches(columns=columns, filter=only_year):
        crops = [n.decode("utf-8", "replace") for n in batch.column("CDL").to_pylist()]
        draws = rng.random(len(crops))
        series = decode_series(batch, codec)
        for row, crop in enumerate(crops):
            if draws[row] < share.get(crop, 0.0):
                lo, hi = series.offsets[row], series.offsets[row + 1]
                kept[crop].append((series.dates[lo:hi], series.bands[lo:hi]))
    counts = {crop: len(parts) for crop, parts in kept.items()}
    start = np.datetime64(f"{year}-01-01")
    bins = np.arange(1, 367, bin_days)
    quantiles = {}
    for crop, parts in kept.items():
        if not parts:
            continue
        dates = np.concatenate([d for d, _ in parts]).astype("datetime64[D]")
        bands = np.concatenate([b for _, b in parts]).astype(np.float64)
        red, nir = bands[:, BANDS.index("B04")], bands[:, BANDS.index("B08")]
        with np.errstate(divide="ignore", invalid="ignore"):
            ndvi = np.where(nir + red > 0, (nir - red) / (nir + red), np.nan)
        day = (dates - start).astype(np.int64) + 1
        inside = (day >= 1) & (day <= 366)  # any course-layout dataset: only the year's days
        values = np.column_stack([bands, ndvi])[inside]
        where = np.searchsorted(bins, day[inside], side="right") - 1
        table = np.full((3, len(bins), values.shape[1]), np.nan)
        for b in np.unique(where):
            table[:, b] = np.nanpercentile(values[where == b], (10, 50, 90), axis=0)
        quantiles[crop] = table
    centres = bins + (bin_days - 1) / 2
    return SeasonalCurves(year, bin_days, centres, quantiles, counts)
