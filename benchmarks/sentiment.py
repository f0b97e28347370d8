"""Sentiment classification: rnnkit's SequenceClassifier beside its baselines and a hand-written PyTorch
BiLSTM of the same size and recipe, on SST-2 and on the UCI sentiment sentences.

* SST-2: train on train.tsv (67,349 phrases), pick the best epoch on dev.tsv (872 sentences), score the
  labelled 1,821-sentence test set (published: LSTM 84.9 %, BiLSTM 87.5 %; bag of words ≈ 80-82 %).
* UCI: the three files together (3,000 sentences), seeded 80/20 split; 10 % of the 80 picks the epoch.

Both networks: word tokens (lowercased, ≥ 2 occurrences), embedding 128 from scratch, dropout 0.3 on
the embeddings and before the output, two BiLSTM layers of 128 per direction (the classifier's default),
max pooling over real steps, Adam 1e-3, clipnorm 5, batch 32, best epoch by
validation accuracy. The PyTorch rival uses packed sequences and ``torch.optim.Adam``. Needs
../shared/data/{sst2,sentiment_labelled_sentences} (a dataset that is absent is skipped, saying so).

    python benchmarks/sentiment.py [--epochs 4] [--datasets sst2,uci] [--no-torch]

Writes ``benchmarks/results/sentiment.json``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch
from results import Table, markdown_table, write_record
from torch import nn

import rnnkit
from rnnkit import SequenceClassifier
from rnnkit.data.tables import read_columns

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
UNITS, LAYERS, EMBED, DROPOUT, LR, CLIP, BATCH = 128, 2, 128, 0.3, 1e-3, 5.0, 32


def load_sst2() -> tuple[list[str], list[str], list[str], list[str], list[str], list[str]] | None:
    folder = DATA / "sst2"
    if not folder.is_dir():
        return None
    train = read_columns(folder / "train.tsv", ["sentence", "label"])
    dev = read_columns(folder / "dev.tsv", ["content", "label"])
    test = read_columns(folder / "test.tsv", ["content", "label"])
    return train[0], train[1], dev[0], dev[1], test[0], test[1]


def load_uci() -> tuple[list[str], list[str], list[str], list[str], list[str], list[str]] | None:
    folder = DATA / "sentiment_labelled_sentences"
    if not folder.is_dir():
        return None
    texts: list[str] = []
    labels: list[str] = []
    for name in ("amazon_cells", "imdb", "yelp"):
        t, y = read_columns(folder / f"{name}_labelled.txt", [0, 1], header=False)
        texts, labels = texts + t, labels + y
    order = np.random.default_rng(0).permutation(len(texts))
    test, rest = order[: len(order) // 5], order[len(order) // 5 :]
    val, train = rest[: len(rest) // 10], rest[len(rest) // 10 :]

    def pick(rows: np.ndarray) -> tuple[list[str], list[str]]:
        return [texts[i] for i in rows], [labels[i] for i in rows]

    return (*pick(train), *pick(val), *pick(test))


def run_rnnkit(data: tuple, epochs: int) -> dict[str, float]:  # type: ignore[type-arg]
    x, y, xv, yv, xt, yt = data
    rnnkit.seed(0)
    clf = SequenceClassifier(units=UNITS, layers=LAYERS, embedding=EMBED, dropout=DROPOUT, learning_rate=LR, clipnorm=CLIP,
                             batch=BATCH, min_count=2, patience=epochs, monitor="val_accuracy")  # fmt: skip
    history = clf.fit(x, y, validation_data=(xv, yv), epochs=epochs, echo=lambda line: print("  rnnkit", line))
    seconds = clf.seconds["network"]
    reports = clf.evaluate(xt, yt)
    return {
        "rnnkit": reports["model"].accuracy,
        "rnnkit_f1": reports["model"].macro_f1,
        "bow": reports["bag_of_words"].accuracy,
        "majority": reports["majority"].accuracy,
        "seconds": seconds,
        "bow_s": clf.seconds["baselines"],
        "epoch_s": seconds / len(history["loss"]),
        "best_epoch": int(np.argmax(history["val_accuracy"])) + 1,
        "vocab": clf.encoder.tokenizer.vocabulary_size,  # type: ignore[union-attr]
    }


class TorchBiLSTM(nn.Module):
    def __init__(self, vocab: int, classes: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, EMBED, padding_idx=0)
        self.lstm = nn.LSTM(EMBED, UNITS, num_layers=LAYERS, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(DROPOUT)
        self.head = nn.Linear(2 * UNITS, classes)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = nn.utils.rnn.pack_padded_sequence(self.drop(self.embed(ids)), lengths, batch_first=True,
                                                   enforce_sorted=False)  # fmt: skip
        out, _ = self.lstm(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, padding_value=-torch.inf)  # (B, T, 2H)
        return self.head(self.drop(out.amax(dim=1)))


def run_torch(data: tuple, epochs: int) -> dict[str, float]:  # type: ignore[type-arg]
    from rnnkit.data.words import WordTokenizer

    x, y, xv, yv, xt, yt = data
    torch.manual_seed(0)
    tok = WordTokenizer(max_words=20_000, min_count=2).fit(x)
    classes = sorted(set(y))

    def encode(texts: list[str], labels: list[str]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        ids = [r[:200] or [1] for r in tok.encode(texts)]
        lengths = torch.tensor([len(r) for r in ids])
        out = torch.zeros(len(ids), int(lengths.max()), dtype=torch.long)
        for i, r in enumerate(ids):
            out[i, : len(r)] = torch.tensor(r)
        return out, lengths, torch.tensor([classes.index(v) for v in labels])

    train, val, test = encode(x, y), encode(xv, yv), encode(xt, yt)
    model = TorchBiLSTM(tok.vocabulary_size, len(classes))
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)

    def accuracy(split: tuple[torch.Tensor, torch.Tensor, torch.Tensor]) -> float:
        model.eval()
        with torch.no_grad():
            pred = torch.cat([model(split[0][i : i + 256], split[1][i : i + 256]).argmax(1)
                              for i in range(0, len(split[0]), 256)])  # fmt: skip
        return float((pred == split[2]).float().mean())

    best_val, best_state, start = -1.0, None, time.perf_counter()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(train[0]))
        for i in range(0, len(order), BATCH):
            rows = order[i : i + BATCH]
            width = int(train[1][rows].max())
            loss = nn.functional.cross_entropy(model(train[0][rows, :width], train[1][rows]), train[2][rows])
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), CLIP)
            optimizer.step()
        val_acc = accuracy(val)
        print(f"  torch  epoch {epoch + 1}: validation accuracy {val_acc:.4f}")
        if val_acc > best_val:
            best_val, best_state = val_acc, {k: v.clone() for k, v in model.state_dict().items()}
    seconds = time.perf_counter() - start
    model.load_state_dict(best_state)  # type: ignore[arg-type]
    return {"torch": accuracy(test), "torch_seconds": seconds, "torch_epoch_s": seconds / epochs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--datasets", default="sst2,uci")
    parser.add_argument("--no-torch", action="store_true", help="skip the hand-written PyTorch rival")
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, rnnkit {rnnkit.__version__}"
    )
    rows = []
    for name, loader in (("sst2", load_sst2), ("uci", load_uci)):
        if name not in args.datasets.split(","):
            continue
        data = loader()
        if data is None:
            print(f"{name}: skipped, its data is not in {DATA}")
            continue
        print(f"{name}: {len(data[0]):,} train / {len(data[2]):,} validation / {len(data[4]):,} test")
        result = run_rnnkit(data, args.epochs)
        if not args.no_torch:
            result.update(run_torch(data, args.epochs))
        rows.append((name, result))
    columns = ["data", "rnnkit BiLSTM %", "best epoch", "macro-F1", "PyTorch BiLSTM %", "bag of words %", "majority %",
               "rnnkit s/epoch", "PyTorch s/epoch", "baselines s"]  # fmt: skip
    table = [[name, round(100 * r["rnnkit"], 2), r["best_epoch"], round(r["rnnkit_f1"], 4),
              round(100 * r["torch"], 2) if "torch" in r else "skipped", round(100 * r["bow"], 2),
              round(100 * r["majority"], 2), round(r["epoch_s"], 1),
              round(r["torch_epoch_s"], 1) if "torch" in r else "skipped", round(r["bow_s"], 1)]
             for name, r in rows]  # fmt: skip
    print()
    print(markdown_table(columns, table))
    if table:
        write_record("sentiment", "Sentiment: SequenceClassifier against a hand-written PyTorch BiLSTM", [Table(
            f"Test accuracy; BiLSTM 128 per direction, embedding 128, dropout 0.3, Adam 1e-3, batch 32, {args.epochs} "
            "epochs, best epoch by validation accuracy", columns, table)],
            ["sst2: SST-2 train (67,349 phrases), dev picks the epoch, the labelled 1,821-sentence test set; "
             "uci: the UCI sentiment sentences, seeded 80/20 split, 10 % of the 80 picks the epoch"])  # fmt: skip


if __name__ == "__main__":
    main()
