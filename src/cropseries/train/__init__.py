"""04_train: the course's Part 3 1D-CNN trained from the loader's batches and judged by start day.

Owns: `model` (the course's 1D-CNN built from `ModelConfig`, as wide as the legend), `fit`
(training with the loader's train split, validation on its val split in evaluation mode,
early stopping with the best weights restored, the model saved as `.keras`), `saved`
(loading a model to judge, the course's Keras 2.15 files included, and its shape contract),
`metrics` (scores by start day from confusion counts), `evaluate` (the test split in the
loader's evaluation mode: scores and a results Parquet), `tracking` (where MLflow runs go),
`stage` (training and evaluation as MLflow runs), `crossval` (every cross-validation fold
trained and judged as child runs, and the spread over folds), `torch` (the same model in PyTorch,
trained data-parallel from the loader's PyTorch dataset) and the `train` and `evaluate`
commands.

May import: `cli`, `config`, `course`, `errors`, `figures`, `layout`, `legend`, `loader`,
`publish`, `reader`, `split_dataset`, `stats`.
"""
