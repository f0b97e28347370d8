"""Time-series classification as a new user meets it: rnnkit's ``SequenceClassifier()`` with its defaults
against 1-NN Euclidean, 1-NN DTW and MiniRocket, on datasets of the UEA/UCR archive with their fixed
TRAIN/TEST splits, in one run on one machine.

Data: the archive's ``.ts`` files that aeon ships inside its package (read with rnnkit's own
``read_ts``), or ``../shared/data/<Name>/<Name>_TRAIN.ts`` when present. Nothing is vendored into the
repository. Two groups, kept apart:

- development (settings may be chosen on these): ACSF1, PickupGestureWiimoteZ, UnitTest and any other
  archive dataset a package ships that is not held out;
- held out for an independent check, never used for choosing: GunPoint, ArrowHead, ItalyPowerDemand,
  OSULeaf, JapaneseVowels, BasicMotions (``--held-out`` runs them).

rnnkit sees each series as it is (variable lengths, several dimensions); the rivals need equal lengths,
so unequal series are resampled linearly to the dataset's longest length for them. rnnkit and MiniRocket
run over ``--seeds`` seeds (mean and spread); the 1-NN rivals are deterministic. Fit seconds include
the rivals' transforms. rnnkit's fits all run first, then the rivals' (see ``main``). Rivals come from aeon in the benchmark venv; a rival that is not importable is
skipped and said so.

    /work/bench-venv/bin/python benchmarks/classify_archive.py            # development datasets, 3 seeds
    /work/bench-venv/bin/python benchmarks/classify_archive.py --held-out # the independent check
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from results import Table, write_record

import rnnkit
from rnnkit import SequenceClassifier
from rnnkit.data.series_files import LabelledSeries, read_ts

DEVELOPMENT = ["ACSF1", "PickupGestureWiimoteZ", "UnitTest"]
HELD_OUT = ["GunPoint", "ArrowHead", "ItalyPowerDemand", "OSULeaf", "JapaneseVowels", "BasicMotions"]
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _folders() -> list[Path]:
    folders = [SHARED]
    try:
        import aeon.datasets

        folders.append(Path(aeon.datasets.__file__).parent / "data")
    except ImportError:
        pass
    return folders


def find(name: str) -> tuple[Path, Path] | None:
    """The TRAIN and TEST ``.ts`` files of an archive dataset, from ../shared/data or aeon's package."""
    for folder in _folders():
        train, test = folder / name / f"{name}_TRAIN.ts", folder / name / f"{name}_TEST.ts"
        if train.is_file() and test.is_file():
            return train, test
    return None


def _classification(path: Path) -> bool:
    """Whether a ``.ts`` file holds class labels (not regression targets)."""
    with path.open(encoding="utf-8", errors="replace") as f:
        header = f.read(20_000).lower()
    return "@classlabel true" in header


def shipped() -> list[str]:
    """Every classification dataset of the archive with TRAIN and TEST files in the folders searched."""
    names = {p.parent.name for folder in _folders() if folder.is_dir() for p in folder.glob("*/*_TRAIN.ts")}
    return sorted(n for n in names if (files := find(n)) is not None and _classification(files[0]))


def equal_length(series: list[np.ndarray], length: int) -> np.ndarray:
    """``(N, D, length)``: each ``(T_i, D)`` series resampled linearly to ``length`` steps (the rivals'
    input; rnnkit takes the series as they are)."""
    out = np.empty((len(series), series[0].shape[1], length))
    grid = np.linspace(0, 1, length)
    for i, s in enumerate(series):
        steps = np.linspace(0, 1, len(s))
        for d in range(s.shape[1]):
            out[i, d] = np.interp(grid, steps, s[:, d]) if len(s) > 1 else s[0, d]
    return out


def rnnkit_defaults(train: LabelledSeries, test: LabelledSeries, seed: int, options: dict[str, Any]) -> tuple[float, float]:
    rnnkit.seed(seed)
    clf = SequenceClassifier(**options)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(train.sequences, train.labels, echo=None)
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(clf.predict(test.sequences) == np.array(test.labels, dtype=object)))
    return accuracy, seconds


def _aeon_rival(make: Callable[[int], Any]) -> Callable[[np.ndarray, list[str], np.ndarray, list[str], int], tuple[float, float]]:
    def run(x: np.ndarray, y: list[str], xt: np.ndarray, yt: list[str], seed: int) -> tuple[float, float]:
        model = make(seed)
        start = time.perf_counter()
        model.fit(x, np.array(y))
        seconds = time.perf_counter() - start
        return float(np.mean(model.predict(xt) == np.array(yt))), seconds

    return run


def rivals() -> dict[str, tuple[Callable[..., tuple[float, float]], bool]]:
    """name → (run, depends on the seed). Skips what is not importable, saying so."""
    try:
        from aeon.classification.convolution_based import MiniRocketClassifier
        from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier
    except ImportError:
        print("aeon is not importable here: rnnkit only (pip install aeon in the benchmark venv)")
        return {}
    return {
        "1-NN Euclidean": (_aeon_rival(lambda s: KNeighborsTimeSeriesClassifier(distance="euclidean")), False),
        "1-NN DTW": (_aeon_rival(lambda s: KNeighborsTimeSeriesClassifier(distance="dtw")), False),
        "MiniRocket": (_aeon_rival(lambda s: MiniRocketClassifier(random_state=s)), True),
    }


def load(name: str) -> tuple[LabelledSeries, LabelledSeries]:
    """The dataset's TRAIN and TEST parts, with one line about them."""
    files = find(name)
    assert files is not None
    train, test = read_ts(files[0]), read_ts(files[1])
    lengths = [len(s) for s in train.sequences + test.sequences]
    print(f"{name}: {len(train.sequences)} train / {len(test.sequences)} test series, "
          f"{train.sequences[0].shape[1]} dimension(s), {min(lengths)}..{max(lengths)} steps, "
          f"{len(set(train.labels or []))} classes; {train.filled + test.filled} missing values interpolated")  # fmt: skip
    return train, test


def row(name: str, method: str, results: list[tuple[float, float]]) -> list[Any]:
    """One table row: accuracy mean and spread over the runs, median fit seconds."""
    accuracy = [a for a, _ in results]
    spread = f"{min(accuracy):.3f}–{max(accuracy):.3f}" if len(results) > 1 else "—"
    seconds = round(statistics.median(s for _, s in results), 2)
    print(f"  {name:<22} {method:<16} accuracy {statistics.mean(accuracy):.4f} ({spread}), fit {seconds} s")
    return [name, method, round(statistics.mean(accuracy), 4), spread, seconds]


def rival_rows(name: str, train: LabelledSeries, test: LabelledSeries, seeds: list[int]) -> list[list[Any]]:
    """The rivals on one dataset, on series resampled to its longest length."""
    longest = max(len(s) for s in train.sequences + test.sequences)
    x, xt = equal_length(train.sequences, longest), equal_length(test.sequences, longest)
    return [row(name, method, [fn(x, train.labels, xt, test.labels, s) for s in (seeds if seeded else seeds[:1])])
            for method, (fn, seeded) in rivals().items()]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--held-out", action="store_true", help="run the held-out datasets (the independent check)")
    parser.add_argument("--datasets", nargs="*", help="these datasets instead")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--options", type=json.loads, default={},
                        help="SequenceClassifier options to try instead of the defaults, as JSON (no rivals, no record)")
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    if args.datasets:
        names = args.datasets
    elif args.held_out:
        names = HELD_OUT
    else:
        names = [n for n in shipped() if n not in HELD_OUT] or DEVELOPMENT
    missing = [n for n in names if find(n) is None]
    if missing:
        print(f"not found in {[str(f) for f in _folders()]}: {missing} (skipped)")
    names = [n for n in names if n not in missing]
    seeds = list(range(args.seeds))
    data = {name: load(name) for name in names}
    method = f"rnnkit {json.dumps(args.options)}" if args.options else "rnnkit defaults"
    # every rnnkit fit runs before any rival: once aeon's numba threads have run, torch's later fits in the
    # same process were about five times slower (Covid3Month_disc: 282 s against 56 s alone)
    ours = {name: row(name, method, [rnnkit_defaults(*data[name], s, args.options) for s in seeds]) for name in names}
    if args.options:
        return
    rows = [r for name in names for r in (ours[name], *rival_rows(name, *data[name], seeds))]
    columns = ["dataset", "method", "accuracy (mean)", "spread over seeds", "fit s (median)"]
    group = "held-out check" if args.held_out else "development"
    record = "classify_archive" + ("-held-out" if args.held_out else "")
    try:
        import aeon

        extra = {"aeon": aeon.__version__}
    except ImportError:
        extra = {}
    write_record(record, f"Time-series classification, archive datasets ({group}): defaults against 1-NN and MiniRocket",
                 [Table(f"fixed TRAIN/TEST splits, {len(seeds)} seeds for rnnkit and MiniRocket", columns, rows)],
                 notes=[f"datasets: {', '.join(names)}", "rivals see unequal series resampled to the longest length",
                        "a 1-NN 'fit' only stores the training set: its distances are computed at prediction, untimed"],
                 extra_versions=extra)  # fmt: skip


if __name__ == "__main__":
    main()
