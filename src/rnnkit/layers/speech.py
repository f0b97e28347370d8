"""Layers for speech: convolution over time, CTC's per-frame output, and SpecAugment's masking.

Legend: B batch, T time steps (frames), F features, C classes (blank first).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError
from rnnkit.layers.base import Layer, Shape
from rnnkit.nn.init import InitializerSpec, get_activation, get_initializer, serialize_initializer
from rnnkit.registry import LAYERS

__all__ = ["Conv1D", "CTCOutput", "SpecAugment"]


@LAYERS.add
class Conv1D(Layer):
    """Convolution along time with ``'same'`` padding and stride 1: ``y_t = act(b + Σ_k W_k x_{t+k−⌊K/2⌋})``.

    A small front end before recurrent layers (local patterns in a few frames). Padded (masked) steps
    are zeroed before the convolution, so a sequence alone and inside a padded batch give the same
    outputs at its real steps; the mask passes on unchanged. Parameters: ``K·F·filters + filters``.

    Example:
        >>> import torch
        >>> tuple(Conv1D(8, 3, activation="relu")(torch.zeros(2, 10, 4)).shape)
        (2, 10, 8)
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int,
        activation: str | None = None,
        kernel_initializer: InitializerSpec = "glorot_uniform",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if filters < 1 or kernel_size < 1 or kernel_size % 2 == 0:
            raise ConfigError(f"Conv1D needs filters >= 1 and an odd kernel_size, got {filters} and {kernel_size}")
        self.filters, self.kernel_size, self.activation = filters, kernel_size, activation
        self.kernel_initializer = kernel_initializer
        self._act = get_activation(activation)

    def build(self, input_shape: Shape) -> None:
        features = int(input_shape[-1])  # type: ignore[arg-type]
        weight = torch.empty(self.filters, features, self.kernel_size)
        self.weight = nn.Parameter(get_initializer(self.kernel_initializer)(weight))
        self.bias = nn.Parameter(torch.zeros(self.filters))

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if mask is not None:
            x = x * mask.unsqueeze(-1).to(x.dtype)  # padding reads as zeros, as beyond the end
        y = nn.functional.conv1d(x.transpose(1, 2), self.weight, self.bias, padding=self.kernel_size // 2)
        return self._act(y.transpose(1, 2))  # (B, T, filters)

    def get_config(self) -> dict[str, Any]:
        return {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "activation": self.activation,
            "kernel_initializer": serialize_initializer(self.kernel_initializer),
            **super().get_config(),
        }


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
