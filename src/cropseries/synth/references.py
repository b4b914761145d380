"""The published crop calendar the generator follows, stage by stage, with its sources.

Days of year (non-leap) at which half of Mississippi's acreage had reached a stage in the
USDA NASS Mississippi Crop Progress reports' five-year average (2007-2011), read from the
2012 season's weekly reports and interpolated between weeks (about +-3 days), beside the
Arkansas extension rules the calendar also uses. The realism figure draws these dates over
the generated curves; docs/generated-data.md lists them with the generator's parameters.
"""

from __future__ import annotations

#: Where each reference comes from.
SOURCES: dict[str, str] = {
    "NASS-MS": "USDA NASS Mississippi Field Office, Crop Progress & Condition (weekly, 2012 "
    "season), 5-year average column 2007-2011; 50 % dates interpolated between weeks",
    "UA-rice": "University of Arkansas Division of Agriculture, Arkansas Rice Update / Rice "
    "Production Handbook: permanent flood at the 4-5 leaf stage; drain 25 days after 50 % "
    "heading (long-grain)",
    "MSU-cotton": "Mississippi State University Extension: defoliate when 50-60 % of the "
    "bolls are open",
    "NASS-handbook": "USDA NASS, Field Crops Usual Planting and Harvesting Dates (Agricultural "
    "Handbook 628, 2010): Arkansas winter wheat harvest begins June 1, most active June 6-25",
    "MS-soy": "Mississippi Soybean Promotion Board, Doublecropping in the Midsouth: double-crop "
    "soybeans are planted from late May through early July following wheat (the midpoint, "
    "June 15, here)",
}

#: Per crop: (stage, day of year, source) in season order.
REFERENCE_DATES: dict[str, tuple[tuple[str, int, str], ...]] = {
    "Corn": (
        ("planted", 90, "NASS-MS"),
        ("emerged", 98, "NASS-MS"),
        ("silking", 161, "NASS-MS"),
        ("mature", 220, "NASS-MS"),
        ("harvested", 240, "NASS-MS"),
    ),
    "Cotton": (
        ("planted", 133, "NASS-MS"),
        ("emerged", 141, "NASS-MS"),
        ("setting bolls", 196, "NASS-MS"),
        ("bolls open", 244, "NASS-MS"),
        ("defoliated", 247, "MSU-cotton"),
        ("harvested", 285, "NASS-MS"),
    ),
    "Rice": (
        ("planted", 115, "NASS-MS"),
        ("emerged", 123, "NASS-MS"),
        ("flooded", 146, "UA-rice"),
        ("headed", 206, "NASS-MS"),
        ("drained", 231, "UA-rice"),
        ("harvested", 258, "NASS-MS"),
    ),
    "Soybeans": (
        ("planted", 120, "NASS-MS"),
        ("emerged", 129, "NASS-MS"),
        ("blooming", 174, "NASS-MS"),
        ("dropping leaves", 248, "NASS-MS"),
        ("harvested", 271, "NASS-MS"),
    ),
    "Winter Wheat": (
        ("headed", 105, "NASS-MS"),
        ("mature", 144, "NASS-MS"),
        ("harvested", 157, "NASS-MS"),
    ),
    "Dbl Crop WinWht/Soybeans": (
        ("wheat headed", 105, "NASS-MS"),
        ("wheat harvested", 157, "NASS-MS"),
        ("soybeans planted", 166, "MS-soy"),
    ),
}
