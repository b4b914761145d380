"""Does the generated data teach the course's model what the course's data taught it?

    python bench/course_cnn.py [--splits data/demo/splits] [--epochs 8]

Trains the course's Part 3 1D-CNN (course_facts section 5) on a split dataset's train split
with the project's loader, then reports its accuracy on the test split at the course's
evaluation start days, beside the course's published range (about 0.59 at start day 45 to
0.86 at start day 180). A check of realism and of the whole pipeline, not a speed benchmark.
"""

from __future__ import annotations

import argparse

import numpy as np

from cropseries.config import LoaderConfig
from cropseries.loader.pipeline import evaluation_dataset, training_dataset
from cropseries.train.model import course_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", default="data/demo/splits")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    import keras

    keras.utils.set_random_seed(args.seed)
    config = LoaderConfig(seed=args.seed)
    model = course_model(7)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(training_dataset(args.splits, args.splits, config), epochs=args.epochs, verbose=2)
    right, days = [], []
    for batch in evaluation_dataset(args.splits, args.splits, config):
        predicted = model.predict_on_batch(batch["x"]).argmax(1)
        right.append(predicted == batch["y"].numpy().argmax(1))
        days.append(batch["start_day"].numpy())
    right, days = np.concatenate(right), np.concatenate(days)
    print("test accuracy by start day (course: about 0.59 at 45 to 0.86 at 180):")
    for day in np.unique(days):
        print(f"  {day:>3}: {right[days == day].mean():.3f}")
    print(f"  all: {right.mean():.3f} over {len(right):,} examples")


if __name__ == "__main__":
    main()
