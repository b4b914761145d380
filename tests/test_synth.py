"""The generator: course layout, determinism, realism, rotations, acquisitions, phenology."""

from __future__ import annotations

import importlib
import os
import re
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cropseries.cdl import cdl_codes, name_to_code
from cropseries.cli import main
from cropseries.codecs import decode_series
from cropseries.errors import CropseriesError
from cropseries.figures.synth import seasonal_figure
from cropseries.geo import albers_forward, albers_inverse
from cropseries.layout import BANDS, SCHEMA, STORED_SCL, bbox_string
from cropseries.reader import LayoutError, open_course_dataset, parquet_files
from cropseries.synth import SynthConfig, generate, geometry
from cropseries.synth.acquisitions import REVISIT_DAYS, year_days
from cropseries.synth.references import REFERENCE_DATES
from cropseries.synth.report import CURVE_CHANNELS, CURVE_CROPS, realism_report, seasonal_curves
from cropseries.validate import validate_dataset

YEARS = (2019, 2020, 2021)
B04, B03, B08 = (BANDS.index(b) for b in ("B04", "B03", "B08"))
#: Classes the issue requires in the mix (course_facts section 5 plus water, wheat, hay, grass).
REQUIRED_CLASSES = (
    "Rice",
    "Corn",
    "Cotton",
    "Fallow/Idle Cropland",
    "Soybeans",
    "Dbl Crop WinWht/Soybeans",
    "Developed/Open Space",
    "Background",
    "Woody Wetlands",
    "Peanuts",
    "Developed/Low Intensity",
    "Open Water",
    "Winter Wheat",
    "Other Hay/Non Alfalfa",
    "Grass/Pasture",
)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> str:
    """2,100 locations x 3 years over the 7 Delta boxes."""
    out = str(tmp_path_factory.mktemp("synth") / "course")
    generate(out, SynthConfig(pixels=2100, years=YEARS, seed=11), progress=False)
    return out


@pytest.fixture(scope="module")
def table(dataset) -> pa.Table:
    return open_course_dataset(dataset).dataset.to_table()


def _year(table: pa.Table, year: int) -> pa.Table:
    return table.filter(ds.field("year") == year)


def _ndvi(bands: np.ndarray) -> np.ndarray:
    b = bands.astype(np.float64)
    return (b[:, B08] - b[:, B04]) / (b[:, B08] + b[:, B04])


# --- geometry -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat", "x", "y"),
    [  # reference values from PROJ 9 (pyproj 3.7.2), EPSG:4326 -> EPSG:5070
        (-96.0, 23.0, 0.0, 0.0),
        (-91.0, 33.0, 464131.0505119566, 1115506.5099357439),
        (-90.123456, 34.56789, 534576.226598634, 1294998.341535507),
        (-120.0, 45.0, -1869811.891981741, 2683087.8653375464),
        (-75.0, 40.0, 1762648.053476582, 2082524.8646957346),
    ],
)
def test_albers_matches_proj(lon, lat, x, y):
    got_x, got_y = albers_forward(lon, lat)
    assert got_x == pytest.approx(x, abs=1e-6) and got_y == pytest.approx(y, abs=1e-6)
    back_lon, back_lat = albers_inverse(x, y)
    assert back_lon == pytest.approx(lon, abs=1e-10) and back_lat == pytest.approx(lat, abs=1e-10)


@settings(max_examples=200, deadline=None)
@given(st.floats(-125, -66), st.floats(24, 50))
def test_albers_inverse_undoes_forward_in_conus(lon, lat):
    x, y = albers_forward(lon, lat)
    back_lon, back_lat = albers_inverse(x, y)
    assert abs(back_lon - lon) < 1e-9 and abs(back_lat - lat) < 1e-9


def test_boxes_lie_in_the_delta_on_the_cdl_grid():
    for box in geometry.DELTA_BOXES:
        assert box.left % 30 == 15 and box.bottom % 30 == 15  # CDL pixel edges
        lon, lat = albers_inverse(box.left + box.size / 2, box.bottom + box.size / 2)
        assert -91.6 < lon < -90.3 and 33.0 < lat < 34.6, box.name
        assert box.bbox == bbox_string(box.left, box.bottom, box.left + 15000, box.bottom + 15000)


def test_fields_are_rectangles_covering_the_box():
    fields = geometry.field_map(np.random.default_rng(3))
    col, row = np.meshgrid(np.arange(500), np.arange(500))
    ids = fields.field_of(col.ravel(), row.ravel())
    assert ids.min() == 0 and ids.max() == fields.num_fields - 1
    for field in np.unique(ids)[:: max(1, fields.num_fields // 40)]:
        c, r = col.ravel()[ids == field], row.ravel()[ids == field]
        assert len(c) == (c.max() - c.min() + 1) * (r.max() - r.min() + 1)  # a full rectangle
    areas_ha = np.bincount(ids) * 0.09
    assert 10 < np.median(areas_ha) < 120  # Delta fields: tens of hectares


def test_neighbouring_pixels_share_their_field_label(tmp_path):
    generate(
        str(tmp_path / "dense"),
        SynthConfig(pixels=10000, years=(2021,), seed=3, boxes=1),
        progress=False,
    )
    part = open_course_dataset(str(tmp_path / "dense")).dataset.to_table()
    x, y = albers_forward(part.column("lon").to_numpy(), part.column("lat").to_numpy())
    names = np.asarray(part.column("CDL").to_pylist())
    order = np.lexsort((np.round(x), np.round(y)))  # rows south to north, west to east
    x, y, names = x[order], y[order], names[order]
    step = np.diff(x)
    neighbours = (np.abs(np.diff(y)) < 1) & (step > 0) & (step < step[step > 0].min() + 1)
    same = (names[1:] == names[:-1])[neighbours]
    _, counts = np.unique(names, return_counts=True)
    chance = ((counts / counts.sum()) ** 2).sum()
    assert same.mean() > 0.65 and chance < 0.3, (same.mean(), chance)


def test_fewer_pixels_than_boxes(tmp_path):
    generate(str(tmp_path / "few"), SynthConfig(pixels=3, years=(2021,)), progress=False)
    assert validate_dataset(str(tmp_path / "few")).summary.rows == 3


def test_sample_grid_is_regular_from_an_offset():
    col, row = geometry.sample_grid(np.random.default_rng(0), 1100)
    assert len(col) == 1100 and len(set(zip(col.tolist(), row.tolist(), strict=True))) == 1100
    stride = 500 // 34
    assert len(np.unique(col % stride)) == 1 and len(np.unique(row % stride)) == 1


# --- layout and decoding ---------------------------------------------------------------


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(tmp_path):
    config = SynthConfig(pixels=210, years=(2020, 2021), seed=5)
    paths = {}
    for name, cfg in (
        ("a", config),
        ("b", config),
        ("c", SynthConfig(pixels=210, years=(2020, 2021), seed=6)),
    ):
        generate(str(tmp_path / name), cfg, progress=False)
        root = tmp_path / name
        paths[name] = {
            os.path.relpath(f, root): Path(f).read_bytes() for f in parquet_files(str(root))
        }
    assert paths["a"] == paths["b"]
    assert paths["a"].keys() == paths["c"].keys()
    assert all(paths["a"][k] != paths["c"][k] for k in paths["a"])


def test_layout_is_the_course_layout_and_validates(dataset):
    files = parquet_files(dataset)
    boxes = {box.bbox for box in geometry.DELTA_BOXES}
    for path in files:
        relative = os.path.relpath(path, dataset)
        match = re.fullmatch(r"bbox=([^/]+)/year=(\d{4})/part-\d{5}\.parquet", relative)
        assert match, relative
        assert match.group(1) in boxes and int(match.group(2)) in YEARS
        assert pq.read_schema(path).remove_metadata() == SCHEMA
    assert len(files) == len(boxes) * len(YEARS)
    report = validate_dataset(dataset)
    assert report.ok, report.problems[:3]
    assert report.summary.rows == 2100 * 3 and report.summary.pixels == 2100


def test_every_row_decodes_with_dates_in_the_year_and_stored_scl(table):
    for year in YEARS:
        part = _year(table, year)
        series = decode_series(part)
        assert np.array_equal(series.counts, part.column("num_images").to_numpy())
        first, last = year_days(year)
        assert series.dates.min() >= first and series.dates.max() <= last
        same_row = np.diff(series.row_index()) == 0
        assert (np.diff(series.dates)[same_row] >= 0).all()
        assert set(np.unique(series.scl).tolist()) == set(STORED_SCL)  # all six occur
        assert series.bands.min() >= 1 and series.bands.max() <= 65535
        assert (cdl_codes(part.column("CDL").combine_chunks()) >= 0).all()
        tiles = part.column("tiles").to_pylist()
        for tile, n in zip(tiles[:200], series.counts[:200], strict=True):
            tokens = tile.decode().split(",")
            assert len(tokens) == n and all(re.fullmatch(r"15S[XY][STU]_\d", t) for t in tokens)


def test_int32le_codec_writes_the_same_values(tmp_path):
    for codec in ("uint16be", "int32le"):
        generate(
            str(tmp_path / codec),
            SynthConfig(pixels=70, years=(2021,), seed=2, codec=codec),
            progress=False,
        )
    a = open_course_dataset(str(tmp_path / "uint16be")).dataset.to_table()
    b = open_course_dataset(str(tmp_path / "int32le")).dataset.to_table()
    assert pc.binary_length(b.column("bands"))[0].as_py() == (
        2 * pc.binary_length(a.column("bands"))[0].as_py()
    )
    sa, sb = decode_series(a, "uint16be"), decode_series(b, "int32le")
    assert np.array_equal(sa.bands, sb.bands) and np.array_equal(sa.dates, sb.dates)
    assert np.array_equal(sa.scl, sb.scl)
    assert validate_dataset(str(tmp_path / "int32le"), codec="int32le").ok


# --- what the data looks like ----------------------------------------------------------


@pytest.mark.parametrize("year", YEARS)
def test_realism_target_passes_at_test_scale(dataset, year):
    report = realism_report(dataset, year)
    assert report.passed, [
        (b.band, round(b.mean_difference, 2), round(b.std_difference, 2)) for b in report.bands
    ]
    assert report.rows == 2100


def test_locations_keep_coordinates_and_rotate_labels(table):
    labels = defaultdict(dict)
    for year in YEARS:
        part = _year(table, year)
        lon, lat = part.column("lon").to_numpy(), part.column("lat").to_numpy()
        keys = [(a.tobytes(), b.tobytes()) for a, b in zip(lon, lat, strict=True)]  # exact bits
        for key, name in zip(keys, part.column("CDL").to_pylist(), strict=True):
            labels[key][year] = name.decode()
    assert len(labels) == 2100 and all(len(v) == 3 for v in labels.values())  # bit-identical
    changed = [v for v in labels.values() if len(set(v.values())) > 1]
    assert len(changed) > 0.4 * len(labels)
    pairs = {frozenset(v.values()) for v in changed}
    assert any({"Corn", "Soybeans"} <= p for p in pairs)
    assert any({"Rice", "Soybeans"} <= p for p in pairs)
    assert any({"Corn", "Cotton"} <= p for p in pairs)


def test_class_mix_is_like_the_course_test_box(table):
    present = {n.decode() for n in pc.unique(table.column("CDL")).to_pylist()}
    assert set(REQUIRED_CLASSES) <= present, set(REQUIRED_CLASSES) - present
    assert present <= set(name_to_code())
    names, counts = np.unique(
        np.array(_year(table, 2019).column("CDL").to_pylist()), return_counts=True
    )
    share = {n.decode(): c / counts.sum() for n, c in zip(names, counts, strict=True)}
    for crop in ("Rice", "Corn", "Cotton", "Soybeans"):
        assert 0.08 < share[crop] < 0.35, (crop, share[crop])
    assert share["Fallow/Idle Cropland"] > 0.03 and share["Dbl Crop WinWht/Soybeans"] > 0.01


def test_about_sixty_images_per_pixel_year_with_same_day_tile_pairs(table):
    series = decode_series(table)
    assert 50 <= series.counts.mean() <= 70
    same_row = np.diff(series.row_index()) == 0
    same_day = same_row & (np.diff(series.dates) == 0)
    assert same_day.sum() > 0.02 * len(series.dates)  # tile overlaps


def test_scene_level_clouds_remove_20_to_40_percent_of_dates(table):
    for year in YEARS:
        part = _year(table, year)
        series = decode_series(part)
        bbox = np.repeat(np.asarray(part.column("bbox").to_pylist()), series.counts)
        first, last = year_days(year)
        for box in np.unique(bbox):
            days = np.unique(series.dates[bbox == box])
            phase = days[0] % REVISIT_DAYS
            assert (days % REVISIT_DAYS == phase).all()  # the 5-day revisit
            slots = np.arange(first, last + 1)
            slots = slots[slots % REVISIT_DAYS == phase]
            removed = 1 - len(days) / len(slots)
            assert 0.15 <= removed <= 0.45, (box, year, removed)


def test_scl_agrees_with_the_spectrum(table):
    series = decode_series(table)
    ndvi = _ndvi(series.bands)
    b = series.bands.astype(np.float64)
    ndwi = (b[:, B03] - b[:, B08]) / (b[:, B03] + b[:, B08])
    assert np.median(ndvi[series.scl == 4]) > 0.6
    assert np.median(ndvi[series.scl == 5]) < 0.35
    assert np.median(ndwi[series.scl == 6]) > 0.1
    assert np.median(b[series.scl == 2, B08]) < 1200
    shadow, clear = series.scl == 3, np.isin(series.scl, (4, 5))
    assert np.median(b[shadow].sum(1)) < 0.6 * np.median(b[clear].sum(1))
    assert np.median(b[series.scl == 10, 1]) > 1.5 * np.median(b[clear, 1])  # haze is bright


def test_rice_is_flooded_before_its_canopy_closes(table):
    part = _year(table, 2020)
    series = decode_series(part)
    rows = series.row_index()
    names = np.asarray(part.column("CDL").to_pylist())
    doy = series.dates - year_days(2020)[0] + 1
    ndvi = np.where(np.isin(series.scl, (4, 5, 6)), _ndvi(series.bands), -1.0)
    peak_day = np.zeros(part.num_rows)  # day of each row's greenest clear observation
    order = np.lexsort((ndvi, rows))
    last = np.r_[rows[order][1:] != rows[order][:-1], True]
    peak_day[rows[order][last]] = doy[order][last]
    spring_water = (series.scl == 6) & (doy >= 100) & (doy <= 200)
    flooded_first = np.zeros(part.num_rows, bool)
    flooded_first[rows[spring_water & (doy < peak_day[rows] - 20)]] = True
    any_water = np.zeros(part.num_rows, bool)
    any_water[rows[spring_water]] = True
    # The permanent flood goes on at the 4-5 leaf stage, three to four weeks before the canopy
    # is half closed (docs/generated-data.md), so a clear image of the water is missed in
    # some fields by clouds; most fields show it, and no soybean, corn or cotton field does.
    assert flooded_first[names == b"Rice"].mean() > 0.6
    assert any_water[names == b"Soybeans"].mean() < 0.1
    assert any_water[np.isin(names, (b"Corn", b"Cotton"))].mean() < 0.1
    assert np.median(ndvi[(names[rows] == b"Rice") & (doy >= 195) & (doy <= 215)]) > 0.75


def _band(series, name: str) -> np.ndarray:
    """Reflectance of one band of every image."""
    return series.bands[:, BANDS.index(name)].astype(np.float64) / 10000


def test_crops_carry_the_published_spectral_signatures(table):
    """Directions from published studies (docs/generated-data.md), on clear observations."""
    series = decode_series(table)
    rows = series.row_index()
    names = np.asarray(table.column("CDL").to_pylist())[rows]
    days = series.dates.astype("datetime64[D]")
    doy = (days - days.astype("datetime64[Y]")).astype(np.int64) + 1
    peak = (series.scl == 4) & (doy >= 180) & (doy <= 215)

    # Cotton at peak greenness: the product of red edge 1 and 2 much larger than other crops'
    # (Xun et al. 2021).
    red_edge = _band(series, "B05") * _band(series, "B06")
    cotton = np.median(red_edge[peak & (names == b"Cotton")])
    for other in (b"Corn", b"Soybeans", b"Rice"):
        assert cotton > 1.15 * np.median(red_edge[peak & (names == other)]), other

    # Corn and soybeans: confused in the visible and NIR, separable in the SWIR through the
    # season (Ungar and Goward 1983); separation = |difference of medians| / mean IQR.
    def separation(band: str) -> float:
        values = _band(series, band)
        corn, soy = values[peak & (names == b"Corn")], values[peak & (names == b"Soybeans")]
        spread = (
            np.subtract(*np.percentile(corn, [75, 25])) + np.subtract(*np.percentile(soy, [75, 25]))
        ) / 2
        return abs(np.median(corn) - np.median(soy)) / spread

    assert separation("B11") > 1.5 * max(separation("B04"), separation("B08"))

    # Flooded rice: LSWI + 0.05 >= NDVI on a clear spring image (Xiao et al. 2005's rule;
    # LSWI from B8A and B11), in most rice pixel-years and in no other crop's.
    nir, swir = _band(series, "B8A"), _band(series, "B11")
    lswi = (nir - swir) / (nir + swir)
    clear = np.isin(series.scl, (4, 5, 6)) & (doy >= 120) & (doy <= 200)
    flagged = np.zeros(table.num_rows, bool)
    flagged[rows[clear & (lswi + 0.05 >= _ndvi(series.bands))]] = True
    crop = np.asarray(table.column("CDL").to_pylist())
    assert flagged[crop == b"Rice"].mean() > 0.6
    for other in (b"Corn", b"Soybeans", b"Cotton"):
        assert flagged[crop == other].mean() < 0.05, other


def _profiles(part: pa.Table, year: int) -> tuple[np.ndarray, np.ndarray]:
    """Half-monthly mean NDVI per row (clear observations), gaps filled with the row mean."""
    series = decode_series(part)
    bins = np.minimum((series.dates - year_days(year)[0]) // 16, 22)
    clear = ~np.isin(series.scl, (3, 10))
    key = series.row_index()[clear] * 23 + bins[clear]
    size = part.num_rows * 23
    n = np.bincount(key, minlength=size).reshape(-1, 23)
    total = np.bincount(key, _ndvi(series.bands)[clear], minlength=size).reshape(-1, 23)
    profile = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    profile = np.where(np.isnan(profile), np.nanmean(profile, axis=1, keepdims=True), profile)
    return profile, np.asarray(part.column("CDL").to_pylist())


def test_crops_are_told_apart_by_their_seasonal_curves_not_their_mean(table):
    crops = [b"Corn", b"Soybeans", b"Rice", b"Cotton"]

    def nearest_centroid(train_x, train_y, test_x, test_y):
        centroids = np.stack([train_x[train_y == c].mean(0) for c in crops])
        keep = np.isin(test_y, crops)
        guess = np.argmin(((test_x[keep][:, None] - centroids[None]) ** 2).sum(-1), axis=1)
        return (np.asarray(crops)[guess] == test_y[keep]).mean()

    train_x, train_y = _profiles(_year(table, 2020), 2020)
    test_x, test_y = _profiles(_year(table, 2021), 2021)
    by_curve = nearest_centroid(train_x, train_y, test_x, test_y)

    def mean_spectrum(part):
        series = decode_series(part)
        rows = series.row_index()
        return np.stack(
            [np.bincount(rows, series.bands[:, k]) / series.counts for k in range(len(BANDS))],
            axis=1,
        )

    train_m, test_m = mean_spectrum(_year(table, 2020)), mean_spectrum(_year(table, 2021))
    scale = train_m.std(0)
    by_mean = nearest_centroid(train_m / scale, train_y, test_m / scale, test_y)
    # Fields are planted over five to seven weeks, as the Crop Progress reports show, so a
    # centroid of calendar-aligned curves is a weak classifier (0.67 at this scale); still
    # far above one of mean spectra. 04_train's CNN on windows is the user's check.
    assert by_curve > 0.6 and by_curve > by_mean + 0.2, (by_curve, by_mean)


def test_each_crops_season_lies_within_its_published_calendar(dataset):
    """The median NDVI of each crop peaks between the calendar's emergence and harvest
    (synth.references, from NASS Crop Progress), and rice's dips to water at its flood."""
    curves = seasonal_curves(dataset, 2021, rows_per_crop=150)
    ndvi = CURVE_CHANNELS.index("NDVI")
    for crop in ("Corn", "Cotton", "Rice", "Soybeans"):
        low, median, high = curves.quantiles[crop][:, :, ndvi]
        seen = ~np.isnan(median)
        assert (low[seen] <= median[seen]).all() and (median[seen] <= high[seen]).all()
        stages = {stage: day for stage, day, _ in REFERENCE_DATES[crop]}
        peak = curves.days[seen][np.argmax(median[seen])]
        assert stages["emerged"] < peak < stages["harvested"], (crop, peak)
        assert 100 <= curves.rows[crop] <= 200  # about 150 drawn at random
    flood = (curves.days > 120) & (curves.days < 175)  # planted to canopy closure
    rice, soybeans = (curves.quantiles[c][0, flood, ndvi] for c in ("Rice", "Soybeans"))
    assert np.nanmin(rice) < 0.05 < 0.1 < np.nanmin(soybeans)  # water, in rice fields only


def test_the_realism_figure_shows_every_band_of_every_crop_beside_its_calendar(dataset):
    curves = seasonal_curves(dataset, 2021, rows_per_crop=50)
    figure = seasonal_figure(curves)
    crops = [c for c in CURVE_CROPS if c in curves.quantiles]
    assert len(figure.data) == 3 * len(crops) * len(CURVE_CHANNELS)
    [menu] = figure.layout.updatemenus
    assert [b.label for b in menu.buttons] == list(CURVE_CHANNELS)
    shown = [t for t in figure.data if t.visible]
    assert len(shown) == 3 * len(crops)  # NDVI first: band low, band high, median per crop
    lines = [s for s in figure.layout.shapes if s.line.dash == "dot"]
    assert len(lines) == sum(len(REFERENCE_DATES.get(c, ())) for c in crops)


# --- report and command line -----------------------------------------------------------


def test_report_defaults_to_the_latest_year_and_rejects_a_missing_one(dataset):
    assert realism_report(dataset).year == 2021
    with pytest.raises(LayoutError, match="no rows for year 2018"):
        realism_report(dataset, 2018)


def test_command_line_generates_and_reports(tmp_path, capsys):
    out = str(tmp_path / "cli")
    args = [
        "synth",
        "--out",
        out,
        "--pixels",
        "700",
        "--years",
        "2020",
        "2021",
        "--seed",
        "4",
        "--quiet",
    ]
    assert main(args) == 0
    assert "1,400 pixel-years" in capsys.readouterr().out
    assert main(["synth", "--report", out, "--year", "2020"]) == 0
    printed = capsys.readouterr().out
    assert "year 2020" in printed and "realism target: PASS" in printed
    assert printed.count("PASS") == 13
    figure = tmp_path / "cli-realism.html"  # beside the dataset, by default
    assert f"to {figure}" in printed and "plotly" in figure.read_text()[:100_000].lower()
    assert main(args) == 2  # exists already
    assert "already exists" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"pixels": 10, "years": (2023,)}, "years must be"),
        ({"pixels": 10, "years": (2020, 2020)}, "years must be"),
        ({"pixels": 0}, "pixels must be"),
        ({"pixels": 10, "boxes": 8}, "boxes must be"),
        ({"pixels": 10, "codec": "float"}, "unknown codec"),
    ],
)
def test_bad_arguments_are_refused_before_writing(tmp_path, arguments, message):
    with pytest.raises(CropseriesError, match=message):
        generate(str(tmp_path / "x"), SynthConfig(**arguments), progress=False)
    assert not os.listdir(tmp_path)


def test_a_failed_run_leaves_nothing_behind(tmp_path, monkeypatch):
    module = importlib.import_module("cropseries.synth.generate")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(module, "write_partition", broken)
    with pytest.raises(OSError, match="disk full"):
        generate(str(tmp_path / "out"), SynthConfig(pixels=20, years=(2021,)), progress=False)
    assert os.listdir(tmp_path) == []
