"""The main job: the classic SimpleRNN tutorial end to end, then what its number means.

Part 1 runs the tutorial as written (random sequences, random targets) and compares its test MSE with
the MSE of always predicting the training mean. The targets are random, so no model can beat that
baseline, and the demo says so. Part 2 trains the same model on a learnable task of the same shape
(the next value of a noisy periodic series) and shows it beating the same baseline, and the naive
"repeat the last value" forecast too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import rnnkit
from rnnkit.data.synthetic import periodic_series_windows, tutorial_data
from rnnkit.diagnostics.plots import _pyplot
from rnnkit.layers import Dense, SimpleRNN
from rnnkit.models import Sequential

__all__ = ["TutorialResult", "tutorial_model", "run_tutorial", "plot_results"]

NOISE = 0.1
NOISE_MSE = (NOISE / 3.0) ** 2  # periodic_series scales the series (and its noise) by 1/3


@dataclass(frozen=True)
class TutorialResult:
    """Test MSE of a model beside the baselines on one dataset."""

    name: str
    test_mse: float
    mean_baseline_mse: float
    last_value_mse: float
    y_true: np.ndarray  # (N,) test targets
    y_pred: np.ndarray  # (N,) the model's test predictions
    baseline: float  # the training mean

    @property
    def skill(self) -> float:
        """1 - MSE / baseline MSE: 0 is no better than the mean, 1 is perfect."""
        return 1.0 - self.test_mse / self.mean_baseline_mse


def tutorial_model(steps: int = 10):  # type: ignore[no-untyped-def]
    """``SimpleRNN(32, relu) + Dense(1)`` compiled with adam/mse, as in the tutorial."""
    model = Sequential()
    model.add(SimpleRNN(32, input_shape=(steps, 1), activation="relu"))
    model.add(Dense(1))
    model.compile(optimizer="adam", loss="mse")
    return model


def _evaluate(name: str, model, x: np.ndarray, y: np.ndarray, cut: int) -> TutorialResult:  # type: ignore[no-untyped-def]
    x_test, y_test = x[cut:], y[cut:]
    test_mse = float(model.evaluate(x_test, y_test, verbose=0))
    mean = float(y[:cut].mean())
    mean_mse = float(np.mean((y_test - mean) ** 2))
    last_mse = float(np.mean((y_test[:, 0] - x_test[:, -1, 0]) ** 2))
    y_pred = model.predict(x_test, verbose=0)[:, 0]
    return TutorialResult(name, test_mse, mean_mse, last_mse, y_test[:, 0], y_pred, mean)


def plot_results(results: Sequence[TutorialResult], path: str | Path, steps: int = 100) -> None:
    """A PNG with one panel per result: true test values, the model's predictions, the mean baseline."""
    plt = _pyplot()
    fig, axes = plt.subplots(len(results), 1, figsize=(9, 3.2 * len(results)), squeeze=False)
    for ax, r in zip(axes[:, 0], results):
        t = np.arange(min(steps, len(r.y_true)))
        ax.plot(t, r.y_true[t], color="0.3", lw=1.2, label="true")
        ax.plot(t, r.y_pred[t], color="tab:blue", lw=1.2, label=f"SimpleRNN (MSE {r.test_mse:.4f})")
        ax.axhline(r.baseline, color="tab:red", ls="--", lw=1, label=f"training mean (MSE {r.mean_baseline_mse:.4f})")
        ax.set_title(f"{r.name}: first {len(t)} test samples")
        ax.set_xlabel("test sample")
        ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_tutorial(
    epochs: int = 20,
    seed: int = 42,
    verbose: int | str = "auto",
    echo: Callable[[str], None] = print,
    plot: str | Path | None = None,
) -> tuple[TutorialResult, TutorialResult]:
    """Run both parts and print the story; returns (random-targets result, learnable-task result).

    ``plot`` writes a PNG of predictions against the truth for both parts.
    """
    echo("Part 1: the tutorial as written: 1000 random sequences of 10 values, random targets")
    x, y = tutorial_data(seed=seed)
    rnnkit.seed(seed)
    cut = int(0.8 * len(x))
    model = tutorial_model()
    model.summary(print_fn=echo)
    model.fit(x[:cut], y[:cut], epochs=epochs, batch_size=32, verbose=verbose)
    random_result = _evaluate("random targets", model, x, y, cut)
    echo(f"Test loss (MSE): {random_result.test_mse:.4f}")
    predictions = model.predict(x[cut : cut + 5], verbose=0)
    for p, t in zip(predictions[:, 0], y[cut : cut + 5, 0]):
        echo(f"  predicted {p:.4f}   true {t:.4f}")
    echo(
        f"What this means: always predicting the training mean scores MSE {random_result.mean_baseline_mse:.4f}; "
        f"the model scores {random_result.test_mse:.4f} (skill {random_result.skill:+.1%})."
    )
    verdict = (
        "it learned the mean and nothing more"
        if random_result.skill > -0.02
        else "what it learned beyond the mean is noise of the training set, which makes it worse on new data"
    )
    echo(f"The targets are random numbers unrelated to the inputs, so no model can beat that baseline: {verdict}.\n")

    echo("Part 2: the same model on a learnable task of the same shape: the next value of a noisy periodic series")
    x, y = periodic_series_windows(len(x), x.shape[1], seed=seed, noise=NOISE)
    rnnkit.seed(seed)
    model = tutorial_model()
    model.fit(x[:cut], y[:cut], epochs=epochs, batch_size=32, verbose=0)
    learn_result = _evaluate("noisy periodic series", model, x, y, cut)
    echo(
        f"Test MSE {learn_result.test_mse:.4f} against {learn_result.mean_baseline_mse:.4f} for the training "
        f"mean (skill {learn_result.skill:+.1%}) and {learn_result.last_value_mse:.4f} for repeating the last value."
    )
    factor = learn_result.mean_baseline_mse / learn_result.test_mse
    echo(
        f"Here the RNN learned the pattern: its error is {factor:.1f}x smaller than the mean baseline's "
        f"(the noise alone costs MSE {NOISE_MSE:.4f}, the floor no model can go below)."
    )
    if plot is not None:
        plot_results([random_result, learn_result], plot)
        echo(f"Plot written to {plot}")
    return random_result, learn_result
