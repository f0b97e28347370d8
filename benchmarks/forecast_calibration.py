"""Choosing the conformal calibration defaults on development series only.

The series are generated like ``forecast_many.py``'s, from other seeds (1 and 2; that benchmark and the
headline coverage figures in ``forecast.py`` use seed 0 and the built-in series, none of which is used
here). For each candidate (point forecaster or Gaussian likelihood, calibrated on the last H + n − 1
values of each training series: n forecast origins) every series is fitted alone on all but its last 24
values, and its 80 % and 95 % intervals are scored on the forecasts from every origin of those 24 values
(no refit). The table gives the mean coverage over the series, the mean absolute gap to the nominal level
(the goal: within 5 points), the mean MSIS and the fit time.

    python benchmarks/forecast_calibration.py [--series 8]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from forecast_many import make_series
from results import Table, write_record

import rnnkit
from rnnkit.errors import DataWarning
from rnnkit.tasks.forecasting import Forecaster

TEST, LOOKBACK, H = 24, 24, 6
CANDIDATES = {
    "point, 20 origins (H + 19 values)": {"intervals": "conformal", "calibration": H + 19},
    "point, 30 origins": {"intervals": "conformal", "calibration": H + 29},
    "gaussian, 20 origins": {"likelihood": "gaussian", "calibration": H + 19},
    "gaussian, 30 origins": {"likelihood": "gaussian", "calibration": H + 29},
    "gaussian, its own intervals (no calibration)": {"likelihood": "gaussian", "intervals": "model"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=8, help="series per seed (seeds 1 and 2)")
    parser.add_argument("--epochs", type=int, default=400)
    args = parser.parse_args()
    series = {f"{seed}/{k}": v for seed in (1, 2) for k, v in make_series(args.series, seed=seed).items()}
    table = Table(
        f"{len(series)} development series (seeds 1, 2), each fitted alone, last {TEST} values held out, "
        f"lookback {LOOKBACK}, horizon {H}",
        ["forecaster", "coverage 80 %", "|gap| 80", "coverage 95 %", "|gap| 95", "MSIS 80", "MSIS 95", "fit s"],
    )
    for name, options in CANDIDATES.items():
        cov: dict[float, list[float]] = {0.8: [], 0.95: []}
        score: dict[float, list[float]] = {0.8: [], 0.95: []}
        seconds = []
        for values in series.values():
            rnnkit.seed(0)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataWarning)
                model = Forecaster(lookback=LOOKBACK, horizon=H, epochs=args.epochs, **options).fit(values[:-TEST])
            seconds.append(time.perf_counter() - start)
            row = model.evaluate(values, len(values) - TEST)["model"]
            for level, key in ((0.8, "80"), (0.95, "95")):
                cov[level].append(row[f"coverage-{key}"])
                score[level].append(row[f"msis-{key}"])
        cells = [name]
        for level in (0.8, 0.95):
            cells += [f"{100 * np.mean(cov[level]):.1f}", f"{100 * np.mean(np.abs(np.array(cov[level]) - level)):.1f}"]
        cells += [f"{np.mean(score[0.8]):.2f}", f"{np.mean(score[0.95]):.2f}", f"{np.median(seconds):.1f}"]
        table.rows.append(cells)
        print(" | ".join(cells), flush=True)
    write_record("forecast_calibration", "Conformal calibration: defaults chosen on development series", [table],
                 notes=["coverage is the mean over the series of the share of held-out values inside the "
                        "intervals; |gap| the mean absolute distance to the nominal level, in points"])  # fmt: skip


if __name__ == "__main__":
    main()
