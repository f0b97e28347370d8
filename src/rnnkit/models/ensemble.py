"""``Ensemble``: several sequence models that write one output together.

At every step each member scores the next token and the ensemble takes the average of their
probabilities (``rnnkit.nn.decoding.ensemble_step``)::

    p(y_t | y_<t, x) = 1/M · Σ_m p_m(y_t | y_<t, x)

Members trained from different random starts make different mistakes, so their average is right more
often than any one of them (Sutskever et al. 2014 translated with an ensemble of five LSTMs). Every
member reads the same inputs and writes the same vocabulary; ``Translator(ensemble=M)`` trains them
one after another. The ensemble saves and loads as one model (one ``model.safetensors``).

Example:
    >>> import torch
    >>> ensemble = Ensemble([EncoderDecoder(12, 9, units=8), EncoderDecoder(12, 9, units=8)])
    >>> source = torch.randint(3, 12, (4, 7))
    >>> log_probs = ensemble(source, torch.randint(3, 9, (4, 5)))   # log of the averaged probabilities
    >>> tuple(log_probs.shape), bool(torch.allclose(log_probs.exp().sum(-1), torch.ones(4, 5)))
    ((4, 5, 9), True)
    >>> len(ensemble.generate(source, max_length=6, beam_width=3))
    4
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from rnnkit.errors import ConfigError
from rnnkit.models.seq2seq import EncoderDecoder, VectorToSequence, _Generates
from rnnkit.nn.decoding import StepFn, average_probabilities, ensemble_step
from rnnkit.registry import MODELS

__all__ = ["Ensemble", "MAX_MEMBERS"]

MAX_MEMBERS = 16
_MEMBER_CLASSES: dict[str, Any] = {c.__name__: c for c in (EncoderDecoder, VectorToSequence)}
_SHARED = ("source_vocab", "input_dim", "target_vocab")  # what every member must read and write alike


@MODELS.add
class Ensemble(_Generates):
    """Average the next-token probabilities of 1–16 ``EncoderDecoder`` (or ``VectorToSequence``) models.

    ``forward(x, target_in)`` gives the log of the averaged probabilities ``(B, T, V)`` (usable as
    logits: its softmax is the average); ``generate`` runs greedy or beam search on the average.
    """

    def __init__(self, members: Sequence[_Generates], name: str | None = None) -> None:
        super().__init__(name=name or "ensemble")
        members = list(members)
        if not 1 <= len(members) <= MAX_MEMBERS:
            raise ConfigError(f"an ensemble needs 1 to {MAX_MEMBERS} members, got {len(members)}")
        first = members[0]
        for i, member in enumerate(members):
            if not isinstance(member, EncoderDecoder | VectorToSequence):
                raise ConfigError(
                    f"ensemble member {i} must be one of {', '.join(_MEMBER_CLASSES)}, got {type(member).__name__}"
                )
            if type(member) is not type(first) or any(member.options.get(k) != first.options.get(k) for k in _SHARED):
                raise ConfigError(
                    f"ensemble member {i} reads or writes differently from member 0: "
                    f"{_describe(member)} against {_describe(first)}"
                )
        self.members = nn.ModuleList(members)
        self.options: dict[str, Any] = {k: first.options[k] for k in _SHARED if k in first.options}
        self.build()

    @property
    def layers(self) -> list[nn.Module]:
        return list(self.members)

    def _inputs(self, x: Any) -> Tensor:
        return self.members[0]._inputs(x)  # type: ignore[operator]

    def forward(self, x: Tensor, target_in: Tensor) -> Tensor:  # type: ignore[override]
        return average_probabilities([torch.log_softmax(member(x, target_in), dim=-1) for member in self.members])

    def search_start(self, x: Tensor, rows_per_input: int = 1) -> tuple[StepFn, tuple[Tensor, ...]]:
        steps, states = zip(*(member.search_start(x, rows_per_input) for member in self.members))  # type: ignore[operator]
        return ensemble_step(steps, [len(s) for s in states]), tuple(t for s in states for t in s)

    @torch.no_grad()
    def attention_weights(self, x: Any, target_in: Any) -> np.ndarray:
        """The members' attention ``(B, T, S)``, averaged (each row still sums to 1)."""
        return np.mean([member.attention_weights(x, target_in) for member in self.members], axis=0)  # type: ignore[operator]

    def get_config(self) -> dict[str, Any]:
        members = [{"class_name": type(m).__name__, "config": m.get_config()} for m in self.members]  # type: ignore[operator]
        return {"members": members, "name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Ensemble:
        members = config.get("members")
        if not isinstance(members, list) or not 1 <= len(members) <= MAX_MEMBERS:
            raise ConfigError(f"an ensemble config needs a list of 1 to {MAX_MEMBERS} members, got {members!r:.80}")
        built = []
        for i, member in enumerate(members):
            kind = _MEMBER_CLASSES.get(str(member.get("class_name"))) if isinstance(member, dict) else None
            if kind is None or not isinstance(member.get("config"), dict):
                raise ConfigError(
                    f"ensemble member {i} must be {{class_name: {' | '.join(_MEMBER_CLASSES)}, config: {{...}}}}, "
                    f"got {member!r:.80}"
                )
            built.append(kind.from_config(member["config"]))
        return cls(built, name=config.get("name"))


def _describe(member: _Generates) -> str:
    return (
        f"{type(member).__name__}("
        + ", ".join(f"{k}={member.options.get(k)}" for k in _SHARED if k in member.options)
        + ")"
    )
