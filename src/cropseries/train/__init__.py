"""04_train: the course's Part 3 1D-CNN trained from the loader's batches (work in progress).

Owns: `model` (the course's 1D-CNN built from `ModelConfig`, as wide as the legend), `fit`
(training with the loader's train split, validation on its val split in evaluation mode,
early stopping with the best weights restored, the model saved as `.keras`) and the `train`
command (`cli`). MLflow tracking, `evaluate`, the 04_train notebook and its job task are
still to come (CHANGELOG).

May import: `cli`, `config`, `errors`, `loader`, `publish`, `stats`.
"""
