"""The course's published numbers, typed once (course_facts section 4).

The loader falls back to the normalization constants (`--stats course`), the generator's
realism report compares with them, and `LoaderConfig` evaluates at the start days.
"""

from __future__ import annotations

# fmt: off
#: The course's published normalization constants (2021 train split, zeros ignored,
#: bucketed data; course_facts section 4), DN, in `BANDS` order.
COURSE_BAND_MEAN: tuple[float, ...] = (
    608.8101, 696.796, 960.03357, 987.1987, 1450.7101, 2489.7905, 2950.8835, 3028.4963,
    3187.6309, 3306.6196, 2559.1113, 1759.3562,
)
COURSE_BAND_STD: tuple[float, ...] = (
    434.22964, 462.67017, 522.5876, 707.9728, 700.35565, 959.60223, 1269.392, 1238.029,
    1319.5139, 1398.4331, 1125.598, 1127.1315,
)
# fmt: on

#: The course's evaluation start days: 0, 15, ..., 195 and 200 (15 windows per pixel).
COURSE_EVAL_START_DAYS: tuple[int, ...] = (*range(0, 200, 15), 200)
