"""03_loader: split (or course-layout) Parquet rows to bucketed, normalized tf.data batches.

`bucketing` is the vectorized kernel, `windows` draws what it needs, `source` streams and
checks the rows, `shuffle` and `pipeline` turn chunks into batches (numpy or tf.data),
`labels` and `normalization` finish each example. Start at `pipeline.training_dataset`.
"""
