"""``timeseries_dataset_from_array`` makes the windows and targets Keras's documentation lists."""

import numpy as np
import pytest

from rnnkit.data.timeseries import timeseries_dataset_from_array
from rnnkit.errors import ConfigError, DataError


def test_keras_documented_example_one_windows_with_stride_and_sampling_rate() -> None:
    ds = timeseries_dataset_from_array(np.arange(99), None, sequence_length=10, sampling_rate=2, sequence_stride=3,
                                       batch_size=8)  # fmt: skip
    windows = np.concatenate([x.numpy() for x in ds])
    assert windows[1].tolist() == [3, 5, 7, 9, 11, 13, 15, 17, 19, 21]
    assert windows[-1].tolist() == list(range(78, 97, 2)) and len(windows) == 27 and len(ds) == 4


def test_keras_documented_example_two_the_next_value_as_target() -> None:
    data = np.arange(1, 21)
    (x, y), *rest = list(timeseries_dataset_from_array(data[:10], data[10:], sequence_length=10))
    assert x.tolist() == [list(range(1, 11))] and y.tolist() == [11] and rest == []


def test_targets_follow_start_index_and_shuffling_keeps_the_pairs() -> None:
    data = np.arange(50, dtype=np.float32)[:, None]
    ds = timeseries_dataset_from_array(data, np.arange(50) * 10, sequence_length=5, start_index=7, end_index=30,
                                       batch_size=4, shuffle=True, seed=3)  # fmt: skip
    pairs = [(int(x[0, 0]), int(t)) for xb, yb in ds for x, t in zip(xb, yb)]
    assert sorted(p for p, _ in pairs) == list(range(7, 26))  # windows inside [7, 30)
    assert all(t == 10 * start for start, t in pairs)  # the target of the window starting at p is targets[p]
    assert [p for p, _ in pairs] != sorted(p for p, _ in pairs)  # shuffled


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ConfigError, match="sequence_length"):
        timeseries_dataset_from_array(np.arange(10), None, sequence_length=0)
    with pytest.raises(DataError, match="no window"):
        timeseries_dataset_from_array(np.arange(10), None, sequence_length=11)
