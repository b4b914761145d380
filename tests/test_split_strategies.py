"""Each split strategy keeps its invariant on data whose locations recur every year, the
derived columns are right, the raw columns are kept byte for byte, and reruns are identical."""

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from fixture_data import file_bytes, generated, read_split

from cropseries.cdl import double_crop_codes, name_to_code
from cropseries.config import SplitConfig
from cropseries.geo import albers_forward
from cropseries.layout import COLUMNS
from cropseries.legend import course_legend
from cropseries.split_dataset import DERIVED_SCHEMA, SPLITS

pytestmark = pytest.mark.spark

BLOCK_M = 3000.0
PIXELS = 600  # in two 15 km boxes: about one every kilometre, 50 blocks of 3 km


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return generated(tmp_path_factory.mktemp("course") / "course", pixels=PIXELS)


@pytest.fixture(scope="module")
def outputs(spark, course, tmp_path_factory):
    """One split dataset per strategy (3 km blocks), and its report."""
    from cropseries.split import run_split

    root = tmp_path_factory.mktemp("splits")
    made = {}
    for strategy in ("year", "block", "year+block"):
        out = str(root / strategy.replace("+", "_"))
        config = SplitConfig(strategy=strategy, block_size_m=BLOCK_M, seed=3)
        made[strategy] = (out, run_split(spark, course, out, config))
    return made


def _splits(out):
    return {s: read_split(out, f"split={s}") for s in SPLITS}


def _values(table, column):
    return set(table.column(column).to_pylist())


def test_year_split_never_shares_a_year(outputs):
    out, report = outputs["year"]
    tables = _splits(out)
    assert {s: _values(t, "year") for s, t in tables.items()} == {
        "train": {2021},
        "val": {2020},
        "test": {2019},
    }
    # The course's split shares locations between splits: the report counts them.
    ids = {s: _values(t, "pixel_id") for s, t in tables.items()}
    shared = {}
    for pid in set.union(*ids.values()):
        member = "+".join(s for s in SPLITS if pid in ids[s])
        if "+" in member:
            shared[member] = shared.get(member, 0) + 1
    assert shared and report.shared_locations == shared
    assert report.distance_to_train["test"]["min_distance_to_train_m"] == 0.0


def test_block_split_never_shares_a_block_or_a_location(outputs):
    out, report = outputs["block"]
    tables = _splits(out)
    for a, b in [("train", "val"), ("train", "test"), ("val", "test")]:
        assert not _values(tables[a], "block_id") & _values(tables[b], "block_id")
        assert not _values(tables[a], "pixel_id") & _values(tables[b], "pixel_id")
    assert all(_values(t, "year") == {2019, 2020, 2021} for t in tables.values())
    assert report.shared_locations == {}
    assert report.blocks == {s: len(_values(t, "block_id")) for s, t in tables.items()}


def test_year_and_block_split_shares_neither_with_train(outputs):
    out, report = outputs["year+block"]
    tables = _splits(out)
    for held in ("val", "test"):
        assert not _values(tables["train"], "year") & _values(tables[held], "year")
        assert not _values(tables["train"], "block_id") & _values(tables[held], "block_id")
    assert report.excluded["year_block_mismatch"] > 0
    assert report.shared_locations == {}


def test_every_row_is_accounted_for_and_double_crops_stay_in_test(outputs):
    for out, report in outputs.values():
        assert report.input_rows == 3 * PIXELS
        assert report.accounted
        tables = _splits(out)
        excluded = read_split(out, "excluded")
        assert sum(t.num_rows for t in tables.values()) == report.split_rows
        assert excluded.num_rows == report.excluded_rows
        assert _values(excluded, "reason") == set(report.excluded)
        double = [s for s, t in tables.items() if pc.any(t.column("is_double_crop")).as_py()]
        assert double == ["test"]
        on_disk = json.loads(Path(out, "split_report.json").read_text())
        assert on_disk["rows"] == report.rows and on_disk["input_rows"] == report.input_rows


def test_derived_columns_follow_the_legend_and_the_location(course, outputs):
    out, _ = outputs["block"]
    rows = pa.concat_tables(_splits(out).values())
    names = [n.decode() for n in rows.column("CDL").to_pylist()]
    codes = np.array([name_to_code()[n] for n in names])
    assert rows.column("cdl_code").to_pylist() == codes.tolist()
    assert rows.column("label").to_pylist() == course_legend().code_to_label()[codes].tolist()
    assert rows.column("is_double_crop").to_pylist() == [c in double_crop_codes() for c in codes]
    lon, lat = rows.column("lon").to_numpy(), rows.column("lat").to_numpy()
    expected = (np.round((lon + 180) * 1e7).astype(np.int64) << 31) | np.round(
        (lat + 90) * 1e7
    ).astype(np.int64)
    assert rows.column("pixel_id").to_pylist() == expected.tolist()
    x, y = albers_forward(lon, lat)  # the generator's numpy EPSG:5070
    bx, by = (np.floor(v / BLOCK_M).astype(np.int64) + 2**30 for v in (x, y))
    assert rows.column("block_id").to_pylist() == ((bx << 32) | by).tolist()
    assert rows.column("reason").null_count == rows.num_rows


def test_raw_columns_are_kept_byte_for_byte(course, outputs):
    import pyarrow.dataset as ds

    out, _ = outputs["year"]
    source = ds.dataset(course, format="parquet", partitioning="hive").to_table()
    written = pa.concat_tables([*_splits(out).values(), read_split(out, "excluded")])
    key = ["lon", "lat", "year"]
    source = source.sort_by([(k, "ascending") for k in key])
    written = written.sort_by([(k, "ascending") for k in key])
    for name in COLUMNS:
        assert written.column(name).equals(source.column(name).cast(written.column(name).type))
    assert written.column("bbox").to_pylist() == source.column("bbox").cast(pa.string()).to_pylist()


def test_split_files_have_row_groups_and_the_same_schema(outputs):
    import pyarrow.parquet as pq

    out, _ = outputs["year"]
    schemas = {
        pq.read_schema(f"{out}/{p}").remove_metadata()
        for p in file_bytes(out)
        if p.endswith(".parquet")
    }
    [schema] = {str(s): s for s in schemas}.values()
    derived = len(DERIVED_SCHEMA)
    assert pa.schema(list(schema)[-derived:]) == DERIVED_SCHEMA  # the split dataset's contract


def test_rerun_replaces_and_same_seed_gives_the_same_files(spark, course, outputs):
    from cropseries.split import run_split

    out, first = outputs["block"]
    before = file_bytes(out)
    again = run_split(
        spark, course, out, SplitConfig(strategy="block", block_size_m=BLOCK_M, seed=3)
    )
    after = file_bytes(out)
    report_file = "split_report.json"
    assert before.keys() == after.keys()
    assert all(before[p] == after[p] for p in before if p != report_file)
    assert again.rows == first.rows and again.excluded == first.excluded
    assert sorted(p for p in after if p.startswith("split=")) == sorted(
        p for p in before if p.startswith("split=")
    )
    assert [p.name for p in Path(out).parent.iterdir() if p.name.startswith("_")] == []


def test_block_hash_spreads_blocks_by_the_target_fractions(spark):
    from cropseries.split.strategies import split_of_block

    config = SplitConfig(strategy="block", fractions=(0.7, 0.1, 0.2), seed=11)
    blocks = spark.range(20_000).withColumnRenamed("id", "block_id")
    counts = dict(blocks.groupBy(split_of_block(config).alias("s")).count().collect())
    reseeded = SplitConfig(strategy="block", fractions=(0.7, 0.1, 0.2), seed=12)
    moved = blocks.where(split_of_block(config) != split_of_block(reseeded)).count()
    assert 0.3 * 20_000 < moved < 0.6 * 20_000  # another seed deals the blocks afresh
    assert set(counts) == {"train", "val", "test"}
    for split, share in zip(SPLITS, config.fractions, strict=True):
        assert counts[split] / 20_000 == pytest.approx(share, abs=0.015)
    with pytest.raises(ValueError, match="sum to 1"):
        SplitConfig(fractions=(0.5, 0.2, 0.2))
    with pytest.raises(ValueError, match="two splits"):
        SplitConfig(train_years=(2020, 2021))
