"""Ensemble: the average of its members' probabilities, searched and saved as one model."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from rnnkit.errors import ConfigError, ModelFileError
from rnnkit.models import EncoderDecoder, Ensemble, VectorToSequence, load_model

V = 7  # tokens 3..6; 0 pad, 1 <sos>, 2 <eos>


def _members(n: int, attention: str | None = "additive") -> list[EncoderDecoder]:
    out = []
    for seed in range(n):
        torch.manual_seed(seed)
        out.append(EncoderDecoder(9, V, units=8, attention=attention, name=f"member_{seed}").eval())
    return out


def test_ensemble_scores_the_average_of_its_members_probabilities() -> None:
    members = _members(3)
    ensemble = Ensemble(members).eval()
    source, target_in = torch.randint(1, 9, (4, 6)), torch.randint(1, V, (4, 5))
    with torch.no_grad():
        average = torch.stack([torch.softmax(m(source, target_in), -1) for m in members]).mean(0)
        assert torch.allclose(ensemble(source, target_in), average.log(), atol=1e-6)
        single = Ensemble(members[:1]).eval()
        assert torch.allclose(
            single(source, target_in), torch.log_softmax(members[0](source, target_in), -1), atol=1e-6
        )


def test_greedy_search_follows_the_averaged_distribution() -> None:
    """Reference: re-run the whole teacher-forced ensemble on the prefix so far and take the argmax. The
    members' scores are sharpened (×8) so that averaging probabilities and averaging log-probabilities
    pick different tokens: only the first is right."""
    members = _members(3, attention="general")
    with torch.no_grad():
        for m in members:
            m.decoder.output.weight.mul_(8.0)
    ensemble = Ensemble(members).eval()
    torch.manual_seed(5)
    source = torch.randint(1, 9, (24, 6))
    out = ensemble.generate(source, max_length=6)
    for row, ids in zip(source, out):
        prefix = [1]
        with torch.no_grad():
            for _ in range(6):
                nxt = int(ensemble(row[None], torch.tensor([prefix]))[0, -1].argmax())
                if nxt == 2:
                    break
                prefix.append(nxt)
        assert ids == prefix[1:]
    separate = [m.generate(source, max_length=6) for m in members]
    assert separate[0] != separate[1]  # the members disagree, so the average is a real vote


def test_copies_of_one_model_search_as_that_model() -> None:
    member = _members(1)[0]
    copies = Ensemble(_members(1) + _members(1))
    source = torch.randint(1, 9, (6, 5))
    for beam in (1, 3):
        assert copies.generate(source, max_length=7, beam_width=beam) == member.generate(
            source, max_length=7, beam_width=beam
        )


def test_ensemble_saves_and_loads_as_one_model(tmp_path: Path) -> None:
    ensemble = Ensemble(_members(2))
    ensemble.save(tmp_path / "ensemble")
    again = load_model(tmp_path / "ensemble")
    assert isinstance(again, Ensemble) and len(again.members) == 2
    for key, value in ensemble.state_dict().items():
        assert torch.equal(value, again.state_dict()[key])
    source = torch.randint(1, 9, (4, 5))
    assert again.generate(source, max_length=6, beam_width=2) == ensemble.generate(source, max_length=6, beam_width=2)
    weights = again.attention_weights(source, torch.ones(4, 3, dtype=torch.long))
    assert weights.shape == (4, 3, 5)
    assert torch.allclose(torch.from_numpy(weights).sum(-1), torch.ones(4, 3))


def test_members_that_do_not_fit_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="1 to 16 members"):
        Ensemble([])
    with pytest.raises(ConfigError, match="member 1 reads or writes differently.*target_vocab=8"):
        Ensemble([EncoderDecoder(9, V, units=8), EncoderDecoder(9, 8, units=8)])
    with pytest.raises(ConfigError, match="member 1 reads or writes differently"):
        Ensemble([EncoderDecoder(9, V, units=8), VectorToSequence(9, V, units=8)])
    with pytest.raises(ConfigError, match="member 0 must be one of"):
        Ensemble([Ensemble(_members(1))])
    with pytest.raises(ConfigError, match="member 0 must be"):
        Ensemble.from_config({"members": [{"class_name": "Sequential", "config": {}}]})
    with pytest.raises(ConfigError, match="a list of 1 to 16 members"):
        Ensemble.from_config({"members": "two"})
    Ensemble(_members(2)).save(tmp_path / "e")
    config = (tmp_path / "e" / "config.json").read_text().replace('"EncoderDecoder"', '"Ensemble"', 1)
    (tmp_path / "e" / "config.json").write_text(config)
    with pytest.raises(ModelFileError, match="cannot be rebuilt"):
        load_model(tmp_path / "e")
