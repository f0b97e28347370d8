"""``StochasticWeightAveraging``: the average of the last epochs' weights."""

from __future__ import annotations

from typing import Any

import torch

from rnnkit.errors import ConfigError
from rnnkit.train.callbacks.callback import Callback, Logs

__all__ = ["StochasticWeightAveraging"]


class StochasticWeightAveraging(Callback):
    """Leave in the model the average of its weights over the last epochs (SWA, Izmailov et al. 2018, at
    the optimizer's own learning rate; PyTorch Lightning's callback of the same name).

    From epoch ``first = ⌊start · epochs⌋`` on, after each epoch ``w̄ ← w̄ + (w − w̄) / n`` (n epochs
    averaged so far); when training ends the model's weights become ``w̄``. A constant learning rate keeps
    the weights moving about a minimum; their average sits nearer its middle, so runs that differ only
    in their seed end closer together.

    Example:
        >>> swa = StochasticWeightAveraging(start=0.75)  # model.fit(..., epochs=400, callbacks=[swa])
    """

    def __init__(self, start: float = 0.75) -> None:
        if isinstance(start, bool) or not isinstance(start, (int, float)) or not 0 <= start < 1:
            raise ConfigError(f"StochasticWeightAveraging needs start in [0, 1), got {start!r}")
        self.start = float(start)
        self.count = 0
        self.average: dict[str, torch.Tensor] = {}

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.count, self.average = 0, {}

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if epoch < int(self.start * self.params["epochs"]):
            return
        self.count += 1
        with torch.no_grad():
            for name, p in self.model.named_parameters():
                if name in self.average:
                    self.average[name] += (p.detach() - self.average[name]) / self.count
                else:
                    self.average[name] = p.detach().clone()

    def on_train_end(self, logs: Logs | None = None) -> None:
        if not self.count:
            return
        with torch.no_grad():  # in place: optimizers and native views keep pointing at the same tensors
            for name, p in self.model.named_parameters():
                p.copy_(self.average[name])

    def get_state(self) -> dict[str, Any]:
        return {"count": self.count, **{f"average.{k}": v for k, v in self.average.items()}}

    def set_state(self, state: dict[str, Any]) -> None:
        self.count = int(state["count"])
        self.average = {k.split(".", 1)[1]: v.clone() for k, v in state.items() if k.startswith("average.")}
