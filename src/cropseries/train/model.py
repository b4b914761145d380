"""The course's Part 3 model (course_facts section 5), built in Keras 3 from its configuration.

Conv1D(64, 5, relu) -> Conv1D(64, 5, relu) -> Dropout(0.5) -> MaxPool1D(2) -> Flatten ->
Dense(50, relu) -> Dense(classes) -> Softmax, on input [25, 12] (buckets, normalized bands).
"""

from __future__ import annotations

from dataclasses import dataclass

from cropseries.errors import ConfigError


@dataclass(frozen=True)
class ModelConfig:
    """The 1D-CNN's shape; the course's values by default."""

    filters: int = 64
    """Filters of each of the two Conv1D layers (course: 64)."""
    kernel_size: int = 5
    """Kernel width in buckets (course: 5)."""
    dropout: float = 0.5
    """Dropout after the convolutions (course: 0.5)."""
    dense_units: int = 50
    """Units of the hidden dense layer (course: 50)."""

    def __post_init__(self) -> None:
        for name in ("filters", "kernel_size", "dense_units"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)} must be at least 1")
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"dropout={self.dropout} must be in [0, 1)")

    def pooled_length(self, num_buckets: int) -> int:
        """Buckets left after the two convolutions and the pooling; ConfigError if none are
        (a window too short or buckets too wide for the model)."""
        length = (num_buckets - 2 * (self.kernel_size - 1)) // 2
        if length < 1:
            least = 2 * (self.kernel_size - 1) + 2
            raise ConfigError(
                f"the model needs at least {least} buckets (two convolutions of "
                f"{self.kernel_size} and a pooling of 2), the window gives {num_buckets} "
                "(days_in_series // days_per_bucket + 1): lengthen it or narrow the buckets"
            )
        return length


def course_model(
    num_classes: int, num_buckets: int = 25, config: ModelConfig | None = None, bands: int = 12
):
    """The course's 1D-CNN: float32 [batch, num_buckets, bands] in, class probabilities
    float32 [batch, num_classes] out (softmax, the legend's order)."""
    import keras

    config = config or ModelConfig()
    config.pooled_length(num_buckets)
    return keras.Sequential(
        [
            keras.Input((num_buckets, bands)),
            keras.layers.Conv1D(config.filters, config.kernel_size, activation="relu"),
            keras.layers.Conv1D(config.filters, config.kernel_size, activation="relu"),
            keras.layers.Dropout(config.dropout),
            keras.layers.MaxPool1D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(config.dense_units, activation="relu"),
            keras.layers.Dense(num_classes),
            keras.layers.Softmax(),
        ],
        name="course_cnn",
    )
