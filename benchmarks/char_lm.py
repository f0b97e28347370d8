"""Character-level language model on tiny-shakespeare: rnnkit's TextGenerator beside a lean hand-written
PyTorch char-LSTM of the same size, each given the same wall-clock budget, one after the other; both
stop, as ``TextGenerator.fit(minutes=)`` does, when one more epoch would overrun it.

Both: 90/10 split, embedding 64, LSTM layers, Adam, clipnorm 5, 64 parallel streams, truncated BPTT of
100 characters with the state carried; validation = the last 10 % read as one stream with the state
carried, in nats/char. Needs ../shared/data/tinyshakespeare.txt (skips, saying so, when it is absent).
The budgeted runs go one after the other; a last line alternates short training runs of the two in one
process, for a throughput ratio the machine's drift between the runs does not bias.

    python benchmarks/char_lm.py [--minutes 3] [--units 256] [--layers 2] [--dropout 0.3]
    python benchmarks/char_lm.py --cell mingru --layers 3 --units 512 --minutes 10 --no-torch
    python benchmarks/char_lm.py --cell mingru --residual --layers 2 --units 256 --minutes 10

``--cell`` trains rnnkit's stack of that cell instead (``mingru``, ``minlstm``, ``lru``, ``gru``...); the
hand-written PyTorch contestant is always an LSTM of ``--layers`` × ``--units``. ``--residual`` builds
rnnkit's network as the minGRU paper's language model (``TextGenerator(residual=True)``: pre-norm residual
blocks, each recurrent layer followed by a feed-forward one). Writes ``benchmarks/results/char_lm.json``
(``char_lm_<cell>.json`` for another cell, ``char_lm_<cell>_residual.json`` with ``--residual``).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import time
from pathlib import Path

import torch
from results import Table, write_record

import rnnkit
from rnnkit.data.text import CharVocabulary, parallel_streams
from rnnkit.tasks.generation import TextGenerator

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tinyshakespeare.txt"
BATCH, BPTT, EMBED, LR, CLIP = 64, 100, 64, 2e-3, 5.0


def run_rnnkit(
    text: str, units: int, layers: int, minutes: float, dropout: float, cell: str = "lstm", residual: bool = False,
    feed_forward: int = 4,
) -> dict[str, float]:
    rnnkit.seed(0)
    gen = TextGenerator(units=units, layers=layers, embedding=EMBED, batch=BATCH, bptt=BPTT, learning_rate=LR,
                        clipnorm=CLIP, dropout=dropout, cell=cell, residual=residual,
                        feed_forward=feed_forward)  # fmt: skip
    start = time.perf_counter()
    history = gen.fit(text, minutes=minutes, echo=None)
    seconds = time.perf_counter() - start
    chars = len(history["loss"]) * BATCH * (len(gen.split(text)[0]) - 1) // BATCH
    sample = gen.generate("ROMEO:", 200, temperature=0.8, seed=1)
    print(f"rnnkit {cell} validation by epoch: " + " ".join(f"{v:.4f}" for v in history["val_loss"]), flush=True)
    return {
        "val": min(history["val_loss"]),
        "chars_per_s": chars / seconds,
        "epochs": len(history["loss"]),
        "seconds": seconds,
        "sample": sample,
    }  # type: ignore[dict-item]


class CharLSTM(torch.nn.Module):
    """Embedding → LSTM layers → Linear; with ``dropout`` after every LSTM layer, as rnnkit's model has it."""

    def __init__(self, vocab: int, units: int, layers: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, EMBED)
        self.lstm = torch.nn.LSTM(EMBED, units, layers, batch_first=True, dropout=dropout if layers > 1 else 0.0)
        self.drop = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(units, vocab)

    def forward(self, x, state=None):  # type: ignore[no-untyped-def]
        out, state = self.lstm(self.embed(x), state)
        return self.head(self.drop(out)), state


def train_epoch(net: CharLSTM, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor) -> None:
    """One pass over the streams ``x``/``y`` (B, L) in chunks of BPTT steps, the state carried (detached)."""
    net.train()
    state = None
    for i in range(0, x.shape[1], BPTT):
        logits, state = net(x[:, i : i + BPTT], state)
        state = tuple(s.detach() for s in state)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[:, i : i + BPTT].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), CLIP)
        opt.step()


def run_torch(text: str, units: int, layers: int, minutes: float, dropout: float) -> dict[str, float]:
    """What a careful PyTorch user writes: min-char-rnn's recipe with nn.LSTM and Adam."""
    torch.manual_seed(0)
    vocab = CharVocabulary.from_text(text)
    cut = int(len(text) * 0.9)
    x, y = (torch.from_numpy(a) for a in parallel_streams(vocab.encode(text[:cut]), BATCH))
    val = torch.from_numpy(vocab.encode(text[cut:]))
    net = CharLSTM(len(vocab), units, layers, dropout)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    start, chars, epochs, best = time.perf_counter(), 0, 0, math.inf
    while True:  # the budget as TextGenerator.fit(minutes=) keeps it (rnnkit's TimeLimit): after each epoch,
        train_epoch(net, opt, x, y)  # stop when one more of the mean length so far would overrun it
        chars += x.numel()
        epochs += 1
        net.eval()
        with torch.no_grad():
            logits, _ = net(val[None, :-1])
            best = min(best, float(torch.nn.functional.cross_entropy(logits[0], val[1:])))
        elapsed = time.perf_counter() - start
        if elapsed + elapsed / epochs > minutes * 60:
            break
    seconds = time.perf_counter() - start
    return {"val": best, "chars_per_s": chars / seconds, "epochs": epochs, "seconds": seconds}


def step_throughput(
    text: str, units: int, layers: int, dropout: float, rounds: int = 5, chunks: int = 8
) -> tuple[float, float]:
    """Training characters per second of each contestant, alternating in this process: each round is one
    rnnkit ``fit`` over ``chunks`` truncated-BPTT chunks of the real streams (its whole training loop, a
    short epoch) and the hand-written loop's steps on the same chunks; medians over ``rounds``. Shorter
    than the budgeted runs above, and immune to the machine's drift between them."""
    rnnkit.seed(0)
    gen = TextGenerator(units=units, layers=layers, embedding=EMBED, batch=BATCH, bptt=BPTT, learning_rate=LR,
                        clipnorm=CLIP, dropout=dropout)  # fmt: skip
    vocab = CharVocabulary.from_text(text)
    model = gen._build(vocab)
    x, y = parallel_streams(vocab.encode(text), BATCH)
    xs, ys = x[:, : chunks * BPTT], y[:, : chunks * BPTT]
    net = CharLSTM(len(vocab), units, layers, dropout)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    xt, yt = torch.from_numpy(xs), torch.from_numpy(ys)

    def theirs() -> None:
        train_epoch(net, opt, xt, yt)

    def mine() -> None:
        model.fit(xs, ys, batch_size=BATCH, epochs=1, shuffle=False, bptt_steps=BPTT, verbose=0)

    times: dict[str, list[float]] = {"mine": [], "theirs": []}
    mine(), theirs()  # warm-up
    for _ in range(rounds):
        for name, run in (("mine", mine), ("theirs", theirs)):
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    chars = xs.size
    return chars / statistics.median(times["mine"]), chars / statistics.median(times["theirs"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="training budget for each contestant")
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--dropout", type=float, default=0.0, help="dropout after each LSTM layer (both contestants)")
    parser.add_argument("--no-torch", action="store_true", help="run rnnkit only")
    parser.add_argument("--cell", default="lstm", help="rnnkit's cell (the PyTorch contestant is an LSTM)")
    parser.add_argument("--residual", action="store_true", help="rnnkit's network of residual blocks (minGRU paper)")
    parser.add_argument("--feed-forward", type=int, default=4, help="with --residual: feed-forward width, × units")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} is absent (the shared datasets are not next to this checkout)")
        return
    text = DATA.read_text()
    stack = f"{args.cell}, residual blocks, feed-forward {args.feed_forward}×" if args.residual else args.cell
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"tiny-shakespeare {len(text):,} chars, {args.layers}x{args.units} {stack}, {args.minutes:g} min each"
    )
    results = {"rnnkit TextGenerator": run_rnnkit(text, args.units, args.layers, args.minutes, args.dropout, args.cell,
                                                  args.residual, args.feed_forward)}
    if not args.no_torch:
        results["PyTorch, hand-written"] = run_torch(text, args.units, args.layers, args.minutes, args.dropout)
    ref = results.get("PyTorch, hand-written", results["rnnkit TextGenerator"])["chars_per_s"]
    print(f"{'stack':<24} {'best val nats/char':>19} {'bits/char':>10} {'epochs':>7} {'chars/s':>9} {'vs PyTorch':>11}")
    for name, r in results.items():
        print(
            f"{name:<24} {r['val']:>19.4f} {r['val'] / math.log(2):>10.3f} {r['epochs']:>7} {r['chars_per_s']:>9,.0f} "
            f"{r['chars_per_s'] / ref:>10.2f}x"
        )
    print("\nrnnkit sample (temperature 0.8):\n" + str(results["rnnkit TextGenerator"]["sample"]))
    rows = [[f"{name}, {args.layers}×{args.units} {stack if name.startswith('rnnkit') else 'lstm'}",
             round(r["val"], 4), round(r["val"] / math.log(2), 3), r["epochs"], round(r["chars_per_s"]),
             f"{r['chars_per_s'] / ref:.2f}x"] for name, r in results.items()]  # fmt: skip
    notes = []
    if not args.no_torch:
        mine, theirs = step_throughput(text, args.units, args.layers, args.dropout)
        print(
            f"\ntraining alternating in this process (5 rounds of 8 chunks, medians): rnnkit {mine:,.0f} chars/s, "
            f"PyTorch {theirs:,.0f} chars/s, {mine / theirs:.2f}x"
        )
        notes.append(f"training alternating in one process (5 rounds of 8 chunks, medians): rnnkit {mine:,.0f} "
                     f"chars/s, PyTorch {theirs:,.0f} chars/s, {mine / theirs:.2f}x")  # fmt: skip
    name = "char_lm" + ("" if args.cell == "lstm" else f"_{args.cell}") + ("_residual" if args.residual else "")
    name += f"_ff{args.feed_forward}" if args.residual and args.feed_forward != 4 else ""
    write_record(name, f"Character LM: tiny-shakespeare, {stack}",
                 [Table(f"{args.minutes:g} minutes each, 90/10 split, best validation loss; dropout {args.dropout}",
                        ["stack", "validation nats/char", "bits/char", "epochs", "chars/s", "vs PyTorch"], rows)], notes)  # fmt: skip


if __name__ == "__main__":
    main()
