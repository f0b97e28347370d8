"""Layers for speech: CTC's per-frame output and SpecAugment's masking (and ``Conv1D``, a front end before
recurrent layers, from ``rnnkit.layers.convolutional``).

Legend: B batch, T time steps (frames), F features, C classes (blank first).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from rnnkit.errors import ConfigError
from rnnkit.layers.base import Layer
from rnnkit.layers.convolutional import Conv1D
from rnnkit.registry import LAYERS

__all__ = ["Conv1D", "CTCOutput", "SpecAugment"]


@LAYERS.add
class CTCOutput(Layer):
    """Per-frame log-probabilities for the ``ctc`` loss: ``log_softmax`` over classes (class 0 = blank).

    Masked (padded) frames emit the blank with probability 1, so a padded batch has the same CTC loss
    and the same decoding as each utterance alone.

    Example:
        >>> import torch
        >>> out = CTCOutput()(torch.zeros(1, 3, 4), mask=torch.tensor([[True, True, False]]))
        >>> out.exp().sum(-1).tolist(), out[0, 2].exp().tolist()
        ([[1.0, 1.0, 1.0]], [1.0, 0.0, 0.0, 0.0])
    """

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        log_p = torch.log_softmax(x, dim=-1)  # (B, T, C)
        if mask is None:
            return log_p
        blank = torch.full_like(log_p, -1e4)
        blank[..., 0] = 0.0
        return torch.where(mask.unsqueeze(-1), log_p, blank)


@LAYERS.add
class SpecAugment(Layer):
    """SpecAugment's masking (Park et al. 2019), while training only: ``time_masks`` spans of up to
    ``time_width`` steps and ``freq_masks`` spans of up to ``freq_width`` bands are set to 0 in each
    sequence (the mean of per-utterance normalised features). Padded steps stay as they are.

    ``bands``: features are ``k`` stacked frames of ``bands`` values each (``rnnkit.data.audio.features``);
    a frequency mask covers the same bands in every stacked frame.

    Example:
        >>> import torch
        >>> layer = SpecAugment(time_masks=1, time_width=2, freq_masks=1, freq_width=3, bands=4)
        >>> x = torch.ones(2, 10, 8)
        >>> bool((layer.eval()(x) == x).all()), bool((layer.train()(x) == 0).any())
        (True, True)
    """

    def __init__(
        self,
        time_masks: int = 2,
        time_width: int = 5,
        freq_masks: int = 2,
        freq_width: int = 8,
        bands: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if min(time_masks, time_width, freq_masks, freq_width) < 0:
            raise ConfigError("SpecAugment's mask counts and widths must be >= 0")
        self.time_masks, self.time_width = time_masks, time_width
        self.freq_masks, self.freq_width, self.bands = freq_masks, freq_width, bands

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if not self.training:
            return x
        B, T, F = x.shape
        bands = self.bands or F
        keep = torch.ones(B, T, F, dtype=torch.bool, device=x.device)
        steps = torch.arange(T, device=x.device)
        band_of = torch.arange(F, device=x.device) % bands
        for _ in range(self.time_masks):
            width = torch.randint(0, self.time_width + 1, (B, 1), device=x.device)
            start = (torch.rand(B, 1, device=x.device) * (T - width).clamp(min=1)).long()
            keep &= ~((steps >= start) & (steps < start + width)).unsqueeze(-1)
        for _ in range(self.freq_masks):
            width = torch.randint(0, self.freq_width + 1, (B, 1), device=x.device)
            start = (torch.rand(B, 1, device=x.device) * (bands - width).clamp(min=1)).long()
            keep &= ((band_of < start) | (band_of >= start + width)).unsqueeze(1)
        if mask is not None:
            keep |= ~mask.unsqueeze(-1)  # padding is never touched
        return torch.where(keep, x, torch.zeros_like(x))

    def get_config(self) -> dict[str, Any]:
        return {
            "time_masks": self.time_masks,
            "time_width": self.time_width,
            "freq_masks": self.freq_masks,
            "freq_width": self.freq_width,
            "bands": self.bands,
            **super().get_config(),
        }
