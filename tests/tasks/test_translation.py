"""Translator on the built-in dates task; pairs files; tokenization shared by both sides."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import torch

from rnnkit.callbacks import BackupAndRestore
from rnnkit.data.pairs import read_pairs
from rnnkit.data.words import WordTokenizer
from rnnkit.datasets.dates import date_pairs
from rnnkit.errors import ConfigError, DataError, ModelFileError
from rnnkit.models import EncoderDecoder, Ensemble
from rnnkit.tasks.translation import Translator


@pytest.fixture(scope="module")
def dates_translator() -> tuple[Translator, list[str], list[str]]:
    sources, targets = date_pairs(4300, seed=0)
    translator = Translator(units=48, target_tokens="char", dropout=0.0, batch_size=32, beam_width=1)
    translator.fit(sources[:4000], targets[:4000], epochs=5)
    return translator, sources[4000:], targets[4000:]


def test_dates_are_translated_to_iso(dates_translator: tuple[Translator, list[str], list[str]]) -> None:
    """300 held-out written dates → ISO after 5 short epochs (the benchmark trains to ≥ 99 %)."""
    translator, sources, targets = dates_translator
    scores = translator.evaluate(sources, targets)
    assert scores["exact"] >= 80.0
    assert scores["sentences"] == 300 and scores["unknown_words"] == 0


def test_saved_translator_translates_the_same(
    dates_translator: tuple[Translator, list[str], list[str]], tmp_path: Path
) -> None:
    translator, sources, _ = dates_translator
    translator.save(tmp_path / "dates")
    same = Translator.load(tmp_path / "dates")
    assert same.config == translator.config
    assert same.translate(sources[:20], beam_width=3) == translator.translate(sources[:20], beam_width=3)
    tokens, output, weights = same.attention(sources[0])
    assert weights.shape == (len(output), len(tokens)) and output[-1] == "<eos>"


def test_unknown_words_are_counted_and_long_sentences_truncated(
    dates_translator: tuple[Translator, list[str], list[str]],
) -> None:
    translator, _, _ = dates_translator
    translator.translate(["the fifth of brumaire 1799"])
    assert translator.unknown_words == 2  # 'brumaire' and '1799' never appear in training
    with pytest.warns(UserWarning, match="longer than max_length=50"):
        translator.translate([" ".join(["may"] * 60)])


def test_an_ensemble_trains_networks_from_different_starts_and_translates_with_all(tmp_path: Path) -> None:
    sources, targets = date_pairs(600, seed=3)
    options: dict[str, Any] = {"units": 16, "target_tokens": "char", "dropout": 0.0, "batch_size": 32, "beam_width": 2}
    single = Translator(**options).fit(sources[:500], targets[:500], epochs=2, seed=4)
    pair = Translator(**options, ensemble=2).fit(sources[:500], targets[:500], epochs=2, seed=4)
    assert isinstance(pair.model, Ensemble) and isinstance(single.model, EncoderDecoder)
    first, second = pair.model.members
    # network 1 is the one a single translator trains (same seed, split, vocabularies); network 2 differs
    for (name, weight), same in zip(single.model.state_dict().items(), first.state_dict().values()):
        assert torch.equal(weight, same), name
    assert not torch.equal(first.decoder.output.weight, second.decoder.output.weight)
    pair.save(tmp_path / "pair")
    again = Translator.load(tmp_path / "pair")
    assert again.config.ensemble == 2
    assert again.translate(sources[500:530]) == pair.translate(sources[500:530])
    single.save(tmp_path / "single")
    config = tmp_path / "single" / "config.json"
    config.write_text(config.read_text().replace('"ensemble": 1', '"ensemble": 2'))
    with pytest.raises(ModelFileError, match="ensemble of 2, the model has 1"):
        Translator.load(tmp_path / "single")
    with pytest.raises(ConfigError, match="resumes one network"):
        Translator(**options, ensemble=2).fit(
            sources[:500], targets[:500], epochs=1, callbacks=[BackupAndRestore(tmp_path / "backup")]
        )
    for bad in (0, 17):
        with pytest.raises(ConfigError, match="ensemble"):
            Translator(ensemble=bad)
    with pytest.raises(ConfigError, match="label_smoothing"):
        Translator(label_smoothing=1.0)


def test_a_luong_translator_trained_in_bf16_learns_dates_and_reloads(tmp_path: Path) -> None:
    """Luong's order with bfloat16 autocast: the decoder attends after its cell, every step at once."""
    sources, targets = date_pairs(2300, seed=5)
    translator = Translator(
        units=48, target_tokens="char", dropout=0.0, batch_size=32, beam_width=1,
        attention_style="luong", mixed_precision="bf16",
    )  # fmt: skip
    translator.fit(sources[:2000], targets[:2000], epochs=6)
    assert isinstance(translator.model, EncoderDecoder) and translator.model.decoder.combine is not None
    assert translator.evaluate(sources[2000:], targets[2000:])["exact"] >= 30.0  # 49 % here after 6 short epochs
    translator.save(tmp_path / "luong")
    same = Translator.load(tmp_path / "luong")
    assert same.config.attention_style == "luong" and same.config.mixed_precision == "bf16"
    assert same.translate(sources[2000:2020]) == translator.translate(sources[2000:2020])
    with pytest.raises(ConfigError, match="attention_style must be one of bahdanau, luong"):
        Translator(attention_style="both")
    with pytest.raises(ConfigError, match="mixed_precision must be None or 'bf16'"):
        Translator(mixed_precision="fp16")


def test_bad_training_data_gets_clear_errors() -> None:
    translator = Translator(units=8)
    with pytest.raises(DataError, match="one target per source"):
        translator.fit(["a"] * 30, ["b"] * 29)
    with pytest.raises(DataError, match=r"targets\[1\] must be a non-empty sentence"):
        translator.fit(["a", "b"], ["x", " "])
    with pytest.raises(DataError, match="at least 20 sentence pairs"):
        translator.fit(["a"] * 5, ["b"] * 5)
    with pytest.raises(DataError, match="every pair has the same source sentence"):
        translator.fit(["a"] * 30, [f"b{i}" for i in range(30)])
    with pytest.raises(ConfigError, match="not trained yet"):
        translator.translate(["hello"])
    with pytest.raises(ConfigError, match="target_tokens must be 'word' or 'char'"):
        Translator(target_tokens="bpe")


def test_date_pairs_are_real_and_distinct() -> None:
    sources, targets = date_pairs(2000, seed=3)
    assert len(set(sources)) == 2000
    weekdays = "monday tuesday wednesday thursday friday saturday sunday".split()
    for source, target in zip(sources, targets):
        day = dt.date.fromisoformat(target)
        assert 1900 <= day.year <= 2099
        if source.split(",")[0] in weekdays:  # the weekday named is the date's own
            assert source.startswith(weekdays[day.weekday()])
        if re.fullmatch(r"\d\d\.\d\d\.\d{4}", source):
            assert source == day.strftime("%d.%m.%Y")


def test_tokenizer_normalises_both_sides_alike() -> None:
    tok = WordTokenizer(accents=False, specials=("<pad>", "<sos>", "<eos>", "<unk>")).fit(["Il a été là, à Noël !"])
    assert tok.split("Été À NOËL!") == ["ete", "a", "noel", "!"]
    assert tok.encode(["noel ou paques"]) == [[tok.words.index("noel") + 4, 3, 3]]
    same = WordTokenizer.from_dict(tok.to_dict())
    assert same.encode(["été"]) == tok.encode(["été"]) and same.specials == tok.specials


def test_read_pairs_from_text_and_zip(tmp_path: Path) -> None:
    text = "Go.\tVa !\tCC-BY 2.0 (France) Attribution\n\nHi.\tSalut !\n"
    (tmp_path / "pairs.txt").write_text(text, encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "fra-eng.zip", "w") as archive:
        archive.writestr("_about.txt", "terms of use")
        archive.writestr("fra.txt", text)
    expected = (["Go.", "Hi."], ["Va !", "Salut !"])
    assert read_pairs(tmp_path / "pairs.txt") == expected
    assert read_pairs(tmp_path / "fra-eng.zip") == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Go.\tVa !\nHello there\n", "line 2 has no tab"),
        (b"Go.\t \n", "line 1 has an empty target side"),
        (b"\xff\xfeG\x00o\x00", "not UTF-8"),
        (b"\n\n", "holds no sentence pairs"),
        (b"PK\x03\x04broken", "not a readable zip file|no tab"),
    ],
)
def test_read_pairs_rejects_bad_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "pairs.tsv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_pairs(path)
