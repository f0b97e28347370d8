"""PNG figures for forecasts: forecasts (and their intervals) against the actual series with the
train/test boundary, a backtest's folds (forecasts at each origin, and the error of each fold beside the
best baseline), and the training loss per epoch."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from rnnkit.diagnostics.plots import _pyplot
from rnnkit.tasks.backtest import BacktestReport
from rnnkit.tasks.forecast_config import Forecast

__all__ = ["plot_forecasts", "plot_backtest", "plot_training_curve"]


def _axis(n: int, dates: Sequence[str] | None) -> tuple[np.ndarray, list[str] | None]:
    return np.arange(n), (list(dates) if dates is not None else None)


def _label_dates(ax: object, dates: list[str] | None, n: int) -> None:
    if dates is None:
        return
    ticks = np.unique(np.linspace(0, n - 1, min(n, 8)).round().astype(int))
    ax.set_xticks(ticks, [dates[i] for i in ticks], rotation=30, ha="right")  # type: ignore[attr-defined]


def plot_forecasts(
    actual: np.ndarray,
    start: int,
    forecasts: np.ndarray | Forecast | Sequence[Forecast],
    path: str | os.PathLike[str],
    dates: Sequence[str] | None = None,
    title: str = "",
) -> None:
    """The series, a vertical line where the test part begins, and each forecast ``forecasts[i]``
    (``(N, H)`` from origins ``start + i``) drawn from its origin; the 1-step-ahead points joined. A
    ``Forecast`` with bounds (or one per level) also shades the intervals of the 1-step-ahead and the
    last-step forecasts, the wider ones lighter."""
    plt = _pyplot()
    x, labels = _axis(len(actual), dates)
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(x, actual, color="black", lw=1.4, label="actual")
    if isinstance(forecasts, Forecast) or (isinstance(forecasts, Sequence) and isinstance(forecasts[0], Forecast)):
        bands = [forecasts] if isinstance(forecasts, Forecast) else list(forecasts)
        bands = sorted((f for f in bands if f.lower is not None and f.upper is not None), key=lambda f: -(f.level or 0))
        for i, f in enumerate(bands):
            assert f.lower is not None and f.upper is not None
            n, h = f.point.shape
            for step, color in ((0, "tab:blue"), (h - 1, "tab:orange")):
                ax.fill_between(x[start + step : start + step + n], f.lower[:, step], f.upper[:, step],
                                color=color, alpha=0.12 + 0.12 * i, lw=0,
                                label=f"{f.level:.0%} interval, {step + 1} step{'s' if step else ''} ahead")  # fmt: skip
        forecasts = forecasts.point if isinstance(forecasts, Forecast) else forecasts[0].point
    for i, f in enumerate(forecasts):
        ax.plot(x[start + i : start + i + len(f)], f, color="tab:blue", alpha=0.25, lw=1)
    ax.plot(
        x[start : start + len(forecasts)], forecasts[:, 0], color="tab:blue", lw=1.6, label="forecast, 1 step ahead"
    )
    ax.axvline(start - 0.5, color="gray", ls="--", lw=1)
    ax.text(start - 0.5, ax.get_ylim()[1], " test", va="top", color="gray")
    _label_dates(ax, labels, len(actual))
    ax.set_title(title or f"Forecasts from every origin of the test part ({forecasts.shape[1]} steps each)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_backtest(
    actual: np.ndarray, report: BacktestReport, path: str | os.PathLike[str], metric: str = "mase",
    dates: Sequence[str] | None = None,
) -> None:  # fmt: skip
    """Top: the series with each fold's model forecast and best-baseline forecast at its origin.
    Bottom: ``metric`` per fold, model beside the best baseline."""
    plt = _pyplot()
    best = report.best_baseline(metric)
    x, labels = _axis(len(actual), dates)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), gridspec_kw={"height_ratios": [3, 2]})
    top.plot(x, actual, color="black", lw=1.2, label="actual")
    for k, fold in enumerate(report.folds):
        steps = x[fold.origin : fold.origin + len(fold.actual)]
        top.plot(steps, fold.forecasts["model"], color="tab:blue", lw=1.6, label="model" if k == 0 else None)
        top.plot(steps, fold.forecasts[best], color="tab:orange", lw=1.2, ls="--",
                 label=best.replace("_", " ") if k == 0 else None)  # fmt: skip
        top.axvline(fold.origin - 0.5, color="gray", lw=0.6, ls=":")
    _label_dates(top, labels, len(actual))
    top.set_title(f"Backtest: {len(report.folds)} origins, refit at each")
    top.legend(fontsize=8)
    top.grid(alpha=0.3)
    folds = np.arange(1, len(report.folds) + 1)
    bottom.bar(folds - 0.2, [f.scores["model"][metric] for f in report.folds], 0.4, label="model")
    bottom.bar(folds + 0.2, [f.scores[best][metric] for f in report.folds], 0.4, label=best.replace("_", " "))
    bottom.set_xticks(folds)
    bottom.set_xlabel("fold")
    bottom.set_ylabel(metric.upper())
    bottom.legend(fontsize=8)
    bottom.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_training_curve(losses: Sequence[float], path: str | os.PathLike[str], title: str = "") -> None:
    """Training loss per epoch (log scale when it spans more than a decade)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(np.arange(1, len(losses) + 1), losses, color="tab:blue", lw=1.4)
    if len(losses) and min(losses) > 0 and max(losses) / min(losses) > 10:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title(title or "Training loss")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
