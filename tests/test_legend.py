import csv
from pathlib import Path

import pyarrow as pa
import pytest

from cropseries.cdl import cdl_classes, cdl_codes, double_crop_codes, name_to_code
from cropseries.legend import course_legend, load_legend

SHARED_LEGEND = Path(__file__).resolve().parents[2] / "shared" / "reference" / "cdl_legend.csv"
#: The course's "Cultivated" class (course_facts section 3), written out as the reference.
COURSE_CULTIVATED = (
    "Other Hay/Non Alfalfa", "Pop or Orn Corn", "Peanuts", "Sorghum", "Oats", "Peaches",
    "Clover/Wildflowers", "Pecans", "Sod/Grass Seed", "Other Crops", "Dry Beans",
    "Winter Wheat", "Alfalfa", "Potatoes", "Peas", "Herbs", "Rye", "Cantaloupes", "Sunflower",
    "Watermelons", "Sweet Corn", "Sweet Potatoes",
)  # fmt: skip


def test_packaged_legend_matches_the_shared_reference():
    if not SHARED_LEGEND.exists():
        pytest.skip(f"{SHARED_LEGEND} is absent (only beside the development checkout)")
    with SHARED_LEGEND.open() as f:
        named = {int(r["code"]): r["name"] for r in csv.DictReader(f) if r["name"]}
    assert {c.code: c.name for c in cdl_classes()} == named


def test_every_named_code_maps_to_the_course_label():
    table = course_legend().code_to_label()
    cultivated = {name_to_code()[n] for n in COURSE_CULTIVATED}
    crops = {1: 5, 2: 6, 3: 4, 5: 3}  # Corn, Cotton, Rice, Soybeans -> course indices
    for cdl in cdl_classes():
        expected = crops.get(cdl.code, 1 if cdl.code in cultivated else 0)
        assert table[cdl.code] == expected, cdl


def test_course_cultivated_list_has_22_names_all_known():
    assert len(COURSE_CULTIVATED) == 22
    assert all(n in name_to_code() for n in COURSE_CULTIVATED)


def test_double_crops_are_flagged_by_code_not_name():
    assert double_crop_codes() == {26, 225, 226, 228, *range(230, 242), 254}
    assert 227 not in double_crop_codes()  # Lettuce
    assert 229 not in double_crop_codes()  # Pumpkins
    # The course kept double crops in test, where they fell into Uncultivated.
    assert all(course_legend().code_to_label()[c] == 0 for c in double_crop_codes())


def test_old_and_current_grassland_names_share_a_code():
    assert name_to_code()["Grassland/Pasture"] == name_to_code()["Grass/Pasture"] == 176


def test_fallow_is_uncultivated_and_winter_wheat_cultivated():
    legend = course_legend()
    assert legend.label_of("Fallow/Idle Cropland") == 0
    assert legend.label_of("Winter Wheat") == 1
    assert legend.label_of("Not a CDL class") is None


def test_vectorized_codes_of_binary_names():
    names = pa.array([b"Corn", b"Dbl Crop WinWht/Soybeans", b"nonsense", b"Grassland/Pasture"])
    assert cdl_codes(names).tolist() == [1, 26, -1, 176]


def test_slides_order_keeps_the_same_membership():
    course, slides = course_legend(), load_legend("slides")
    for code in range(256):
        assert course.classes[course.code_to_label()[code]].replace(
            "Crop ", "Crops "
        ) == slides.classes[slides.code_to_label()[code]].replace("Crop ", "Crops ")
    assert slides.no_crop_index == 0 and course.no_crop_index == 2


def test_unknown_legend_name_is_a_clear_error():
    with pytest.raises(ValueError, match="give a legend file or one of"):
        load_legend("nope")
