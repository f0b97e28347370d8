"""Non-recurrent layers with Keras's names: Input, Dense, Activation, Embedding, Masking, Dropout,
TimeDistributed, RepeatVector, Reshape.

Legend: B batch, T time, F features, E embedding size, V vocabulary size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError, DataError, ShapeError
from rnnkit.layers.base import Layer, Shape, kernel_and_bias, transpose
from rnnkit.layers.serialization import deserialize, serialize
from rnnkit.layers.symbolic import KerasTensor, Node
from rnnkit.native.stack import DensePart, OutputView
from rnnkit.nn.init import InitializerSpec, get_activation, get_initializer, serialize_initializer
from rnnkit.registry import LAYERS
from rnnkit.validation import is_count

__all__ = [
    "Input",
    "Dense",
    "Activation",
    "Embedding",
    "Masking",
    "Dropout",
    "TimeDistributed",
    "RepeatVector",
    "Reshape",
    "Flatten",
    "LeakyReLU",
]


@LAYERS.add
class Input(Layer):
    """The input of a model: the shape of one sample (no batch axis) and its dtype.

    In a ``Sequential`` it declares the input shape: ``Sequential([Input((10, 1)), ...])``. In Keras's
    Functional API it stands for the symbolic tensor it feeds (``keras_tensor``, shape ``(None, *shape)``):
    call layers on it and give it to ``Model(inputs, outputs)``.

    Args:
        shape: one sample's shape, ``None`` where any size goes (e.g. ``(None, 61)``: any length).
        dtype: ``'float32'`` (default) or an integer type (``'int32'``, ``'int64'``) for token ids.
        batch_size: a fixed batch size (Keras's; only the symbolic shape shows it).

    Example:
        >>> from rnnkit.layers import Dense
        >>> inputs = Input(shape=(None, 3))
        >>> Dense(2)(inputs).shape
        (None, None, 2)
    """

    def __init__(self, shape: Sequence[int | None] | None = None, batch_size: int | None = None,
                 dtype: str | None = None, name: str | None = None,
                 batch_shape: Sequence[int | None] | None = None) -> None:  # fmt: skip
        if batch_shape is not None:
            batch_size, shape = batch_shape[0], tuple(batch_shape[1:])
        if shape is None:
            raise ConfigError("Input needs shape= (one sample's shape, e.g. (None, 8)) or batch_shape=")
        sample = tuple(None if d is None else int(d) for d in shape)
        super().__init__(input_shape=sample, name=name)  # type: ignore[arg-type]
        self.shape = sample
        self.batch_size = batch_size
        self.dtype = _DTYPES.get(dtype or "float32")
        if self.dtype is None:
            raise ConfigError(f"Input dtype must be one of {', '.join(_DTYPES)}, got {dtype!r}")
        self.dtype_name = dtype or "float32"
        self.built = True
        self.keras_tensor = KerasTensor((batch_size, *sample), self.dtype, Node(self, (), {}), 0)
        self.keras_tensor.node.outputs.append(self.keras_tensor)  # type: ignore[union-attr]

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        return x

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"shape": list(self.shape), "name": self.name}
        if self.dtype_name != "float32":
            config["dtype"] = self.dtype_name
        if self.batch_size is not None:
            config["batch_size"] = self.batch_size
        return config


_DTYPES = {"float32": torch.float32, "float64": torch.float64, "int32": torch.int64, "int64": torch.int64,
           "bool": torch.bool}  # fmt: skip


@LAYERS.add
class Dense(Layer):
    """``y = act(x Wᵀ + b)`` on the last axis; works on ``(B, F)`` and ``(B, T, F)``.

    Parameters: ``F·units + units``. Weight ``weight`` is ``(units, F)`` (PyTorch layout); Keras's
    kernel is its transpose.

    Example:
        >>> import torch
        >>> tuple(Dense(4, activation="relu")(torch.ones(2, 3)).shape)
        (2, 4)
    """

    penalty_slots = {"kernel": ("weight",), "bias": ("bias",)}

    def __init__(
        self,
        units: int,
        activation: str | None = None,
        use_bias: bool = True,
        kernel_initializer: InitializerSpec = "glorot_uniform",
        bias_initializer: InitializerSpec = "zeros",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if units < 1:
            raise ConfigError(f"Dense(units) must be a positive integer, got {units}")
        self.units = units
        self.activation = activation
        self._act = get_activation(activation)
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer

    def build(self, input_shape: Shape) -> None:
        features = int(input_shape[-1])  # type: ignore[arg-type]
        self.weight = nn.Parameter(get_initializer(self.kernel_initializer)(torch.empty(self.units, features)))
        self.bias = (
            nn.Parameter(get_initializer(self.bias_initializer)(torch.empty(self.units))) if self.use_bias else None
        )

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if x.shape[-1] != self.weight.shape[1]:
            raise ShapeError(f"Dense {self.name!r} expects {self.weight.shape[1]} input features, got {x.shape[-1]}")
        return self._act(nn.functional.linear(x, self.weight, self.bias))

    def native_part(self) -> DensePart | None:
        if type(self) is not Dense or not self.built or not isinstance(self.activation, str | None) or self._watched():
            return None  # (a subclass may compute something else)
        return DensePart(self.activation, self.weight, self.bias)

    def keras_weights(self):  # type: ignore[no-untyped-def]
        return kernel_and_bias(self.weight, self.bias, transpose)

    def get_config(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "activation": self.activation,
            "use_bias": self.use_bias,
            "kernel_initializer": serialize_initializer(self.kernel_initializer),
            "bias_initializer": serialize_initializer(self.bias_initializer),
            **super().get_config(),
        }


@LAYERS.add
class Activation(Layer):
    """Applies a named activation: ``Activation('softmax')``."""

    def __init__(self, activation: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activation
        self._act = get_activation(activation)

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        return self._act(x)

    def get_config(self) -> dict[str, Any]:
        return {"activation": self.activation, **super().get_config()}


@LAYERS.add
class Embedding(Layer):
    """Integer ids ``(B, T)`` → vectors ``(B, T, E)``; ``mask_zero=True`` makes id 0 padding.

    Parameters: ``input_dim · output_dim``.

    Example:
        >>> import torch
        >>> emb = Embedding(10, 4, mask_zero=True)
        >>> ids = torch.tensor([[3, 5, 0]])
        >>> tuple(emb(ids).shape), emb.compute_mask(ids, None).tolist()
        ((1, 3, 4), [[True, True, False]])
    """

    penalty_slots = {"embeddings": ("weight",)}

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        mask_zero: bool = False,
        embeddings_initializer: InitializerSpec = "uniform",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if input_dim < 1 or output_dim < 1:
            raise ConfigError(f"Embedding sizes must be positive, got input_dim={input_dim}, output_dim={output_dim}")
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.mask_zero = mask_zero
        self.embeddings_initializer = embeddings_initializer

    def build(self, input_shape: Shape) -> None:
        self.weight = nn.Parameter(
            get_initializer(self.embeddings_initializer)(torch.empty(self.input_dim, self.output_dim))
        )

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if x.dtype.is_floating_point:
            if not torch.equal(x, x.round()):
                raise DataError("Embedding expects integer token ids, got non-integer floats")
            x = x.long()
        if x.numel() and (int(x.min()) < 0 or int(x.max()) >= self.input_dim):
            raise DataError(
                f"Embedding {self.name!r} expects ids in [0, {self.input_dim}), got ids in "
                f"[{int(x.min())}, {int(x.max())}]"
            )
        return nn.functional.embedding(x, self.weight)

    def compute_mask(self, x: Tensor, mask: Tensor | None = None) -> Tensor | None:
        return (x != 0) if self.mask_zero else mask

    def get_config(self) -> dict[str, Any]:
        return {
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "mask_zero": self.mask_zero,
            "embeddings_initializer": serialize_initializer(self.embeddings_initializer),
            **super().get_config(),
        }


@LAYERS.add
class Masking(Layer):
    """Marks steps whose features all equal ``mask_value`` as padding (and zeroes them, as Keras does)."""

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        return x * self.compute_mask(x, mask).unsqueeze(-1).to(x.dtype)  # type: ignore[union-attr]

    def compute_mask(self, x: Tensor, mask: Tensor | None = None) -> Tensor | None:
        return (x != self.mask_value).any(dim=-1)  # (B, T)

    def get_config(self) -> dict[str, Any]:
        return {"mask_value": self.mask_value, **super().get_config()}


@LAYERS.add
class Dropout(Layer):
    """Zeroes a fraction ``rate`` of inputs while training, scaling the rest by ``1/(1-rate)``."""

    def __init__(self, rate: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0.0 <= rate < 1.0:
            raise ConfigError(f"Dropout rate must be in [0, 1), got {rate}")
        self.rate = float(rate)

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        return nn.functional.dropout(x, self.rate, self.training)

    def get_config(self) -> dict[str, Any]:
        return {"rate": self.rate, **super().get_config()}


@LAYERS.add
class TimeDistributed(Layer):
    """Applies ``layer`` to every time step: ``(B, T, ...)`` → ``(B, T, ...)``. A mask must be ``(B, T, ...)``
    (as Keras checks); each step's part of it goes to the layer with that step, and the mask passes on."""

    def __init__(self, layer: Layer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.layer = layer

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        B, T = x.shape[:2]
        if mask is not None and tuple(mask.shape[:2]) != (B, T):
            raise ShapeError(f"{self.name!r} takes a mask of shape ({B}, {T}, ...), got {tuple(mask.shape)}")
        steps = mask.reshape(B * T, *mask.shape[2:]) if mask is not None else None
        y = self.layer(x.reshape(B * T, *x.shape[2:]), mask=steps)  # (B·T, ...)
        return y.reshape(B, T, *y.shape[1:])

    def step(self, x_t: Tensor, state: tuple[Tensor, ...] | None) -> tuple[Tensor, tuple[Tensor, ...] | None]:
        return self.layer(x_t), state

    def get_weights(self) -> list[np.ndarray]:
        return self.layer.get_weights()

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        self.layer.set_weights(weights)

    def get_config(self) -> dict[str, Any]:
        return {"layer": serialize(self.layer), **super().get_config()}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**{**config, "layer": deserialize(config["layer"])})


@LAYERS.add
class RepeatVector(Layer):
    """``(B, F)`` → ``(B, n, F)``: the same vector at every step (e.g. to feed a decoder)."""

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not is_count(n):
            raise ConfigError(f"RepeatVector(n) must be a positive integer, got {n!r}")
        self.n = n

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if x.dim() != 2:
            raise ShapeError(f"RepeatVector expects (batch, features), got shape {tuple(x.shape)}")
        return x.unsqueeze(1).expand(-1, self.n, -1)

    def compute_mask(self, x: Tensor, mask: Tensor | None = None) -> Tensor | None:
        return None

    def step(self, x_t: Tensor, state: tuple[Tensor, ...] | None) -> tuple[Tensor, tuple[Tensor, ...] | None]:
        raise ConfigError("RepeatVector turns one vector into a sequence; it has no per-step form to stream")

    def get_config(self) -> dict[str, Any]:
        return {"n": self.n, **super().get_config()}


@LAYERS.add
class Reshape(Layer):
    """``(B, ...)`` → ``(B, *target_shape)``, the batch axis kept (Keras's ``Reshape``).

    Example:
        >>> Reshape((3, 2))(torch.zeros(4, 6)).shape
        torch.Size([4, 3, 2])
    """

    def __init__(self, target_shape: tuple[int, ...] | list[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_shape = tuple(int(n) for n in target_shape)
        if not self.target_shape or any(n < 1 for n in self.target_shape):
            raise ConfigError(f"Reshape needs a shape of positive sizes, got {list(target_shape)}")

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if x[0].numel() != math.prod(self.target_shape):
            raise ShapeError(
                f"Reshape{self.target_shape} needs {math.prod(self.target_shape)} values per sample, got shape "
                f"{tuple(x.shape)}"
            )
        return x.reshape(len(x), *self.target_shape)

    def compute_mask(self, x: Tensor, mask: Tensor | None = None) -> Tensor | None:
        return None

    def native_part(self) -> OutputView:
        return OutputView(self.target_shape)

    def step(self, x_t: Tensor, state: tuple[Tensor, ...] | None) -> tuple[Tensor, tuple[Tensor, ...] | None]:
        return self.call(x_t), state

    def get_config(self) -> dict[str, Any]:
        return {"target_shape": list(self.target_shape), **super().get_config()}


@LAYERS.add
class Flatten(Layer):
    """``(B, d1, d2, ...)`` → ``(B, d1·d2·…)``; the mask stops here (no time axis left)."""

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        return x.reshape(x.shape[0], -1)

    def compute_mask(self, x: Tensor, mask: Tensor | None = None) -> Tensor | None:
        return None


@LAYERS.add
class ReLU(Layer):
    """Keras's ``ReLU``: ``x`` above ``threshold``, ``negative_slope · (x − threshold)`` below it, capped at
    ``max_value`` (defaults: the plain ``max(x, 0)``)."""

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0 or negative_slope < 0:
            raise ConfigError(f"ReLU needs max_value >= 0 and negative_slope >= 0, got {max_value}, {negative_slope}")
        self.max_value, self.negative_slope, self.threshold = max_value, float(negative_slope), float(threshold)

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        y = torch.where(x >= self.threshold, x, self.negative_slope * (x - self.threshold))
        return y.clamp_max(self.max_value) if self.max_value is not None else y

    def get_config(self) -> dict[str, Any]:
        config = {"max_value": self.max_value, "negative_slope": self.negative_slope, "threshold": self.threshold}
        return {**config, **super().get_config()}


@LAYERS.add
class LeakyReLU(Layer):
    """``x`` where positive, else ``negative_slope · x`` (Keras's default slope 0.3)."""

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:  # Keras 2's name of the slope
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = float(negative_slope)

    def call(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        return nn.functional.leaky_relu(x, self.negative_slope)

    def get_config(self) -> dict[str, Any]:
        return {"negative_slope": self.negative_slope, **super().get_config()}
