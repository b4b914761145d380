"""The course's published numbers, typed once (course_facts sections 4 and 5).

The loader falls back to the normalization constants (`--stats course`), the generator's
realism report compares with them, `LoaderConfig` evaluates at the start days, and 04_train's
figures draw the published accuracy beside a model's.
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

#: The course's Part 3 test accuracy at the two start days it published (2019 dense test box,
#: real data; course_facts section 5): "about 0.59 (start day 45) to 0.86 (start day 180)".
COURSE_ACCURACY_BY_START_DAY: dict[int, float] = {45: 0.59, 180: 0.86}
