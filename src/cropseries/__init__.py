"""cropseries: Sentinel-2 + CDL pixel series to leakage-free splits and fast tf.data batches."""

__version__ = "0.1.0"
