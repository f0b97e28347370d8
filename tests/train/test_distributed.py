"""Data-parallel training with two processes on the CPU (torchrun, gloo) ends with the weights of one
process trained on the same global batches, and only rank 0 writes."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import rnnkit

SCRIPT = """
import sys
import numpy as np
import rnnkit
from rnnkit.callbacks import JSONLinesLogger
from rnnkit.layers import GRU, Dense, SimpleRNN
from rnnkit.models import Sequential

out = sys.argv[1]
rnnkit.seed(0)
x = np.random.default_rng(0).normal(size=(40, 6, 2)).astype(np.float32)
y = x[:, :, :1].sum(axis=1)
model = Sequential([GRU(5, return_sequences=True, input_shape=(6, 2)), SimpleRNN(4), Dense(1)])
model.compile(optimizer="adam", loss="mse", clipnorm=1.0, device=DEVICE)
history = model.fit(x, y, batch_size=BATCH, epochs=3, verbose=0, callbacks=[JSONLinesLogger(out + "/log.jsonl")])
model.save(out + "/model")
print("losses", history.history["loss"])
print("device", next(model.parameters()).device)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _two_processes_and_one(
    tmp_path: Path, device: str
) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
    """The script in two processes (5 rows each: global batches of 10) and in one (batches of 10)."""
    for run, batch in (("ddp", "5"), ("one", "10")):
        (tmp_path / run).mkdir()
        (tmp_path / f"{run}.py").write_text(SCRIPT.replace("BATCH", batch).replace("DEVICE", repr(device)))
    launch = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc-per-node",
        "2",
        "--master-port",
        str(_free_port()),
    ]
    ddp = subprocess.run(
        [*launch, str(tmp_path / "ddp.py"), str(tmp_path / "ddp")], capture_output=True, text=True, timeout=300
    )
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    one = subprocess.run(
        [sys.executable, str(tmp_path / "one.py"), str(tmp_path / "one")], capture_output=True, text=True, timeout=300
    )
    assert one.returncode == 0, one.stderr[-2000:]
    a = load_file(tmp_path / "ddp" / "model" / "model.safetensors")
    b = load_file(tmp_path / "one" / "model" / "model.safetensors")
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-4, atol=1e-5)
    assert not torch.equal(a["stack.0.cell.weight_hh"], torch.zeros_like(a["stack.0.cell.weight_hh"]))
    # both ranks print; their epoch losses are the global ones, equal to the single process's
    losses = [line for line in ddp.stdout.splitlines() if line.startswith("losses")]
    assert len(losses) == 2 and losses[0] == losses[1]
    single = eval(one.stdout.split("losses", 1)[1].splitlines()[0].strip())  # noqa: S307 (our script's floats)
    np.testing.assert_allclose(eval(losses[0].split("losses", 1)[1].strip()), single, rtol=1e-5)  # noqa: S307
    assert len((tmp_path / "ddp" / "log.jsonl").read_text().splitlines()) == 3  # written once, by rank 0
    return ddp, one


@pytest.mark.skipif(not torch.distributed.is_available(), reason="this PyTorch build has no torch.distributed")
def test_two_processes_end_with_the_weights_of_one(tmp_path: Path) -> None:
    ddp, _ = _two_processes_and_one(tmp_path, "cpu")
    assert ddp.stdout.count("device cpu") == 2


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here: the GPU path is tested on GPU machines")
def test_two_processes_on_a_gpu_machine_train_on_their_gpus(tmp_path: Path) -> None:
    ddp, one = _two_processes_and_one(tmp_path, "auto")  # one GPU: both on cuda:0, gradients through gloo
    gpus = torch.cuda.device_count()
    devices = sorted(line for line in ddp.stdout.splitlines() if line.startswith("device"))
    assert devices == [f"device cuda:{rank % gpus}" for rank in range(2)]
    assert "device cuda:0" in one.stdout


def test_the_cli_trains_in_two_processes_with_nproc(tmp_path: Path) -> None:
    from rnnkit.train.distributed import launched, world

    assert world() == (0, 1) and not launched()  # this test process itself is a single one
    t = np.arange(80)
    (tmp_path / "s.csv").write_text("v\n" + "\n".join(str(50 + i + 5 * np.sin(i)) for i in t) + "\n")
    command = [sys.executable, "-m", "rnnkit", "forecast", "fit", str(tmp_path / "s.csv"), "--target", "v",
               "--lookback", "8", "--horizon", "2", "--epochs", "2", "--out", str(tmp_path / "m"), "--nproc", "2"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("the model ") == 1  # rank 0 reports and saves
    assert (tmp_path / "m" / "model.safetensors").exists()
    rnnkit.seed(0)


def test_a_task_with_length_buckets_trains_in_two_processes(tmp_path: Path) -> None:
    rows = ["text,label"] + [
        f"{'good fine' if i % 2 else 'bad poor'} movie {i % 7},{'pos' if i % 2 else 'neg'}" for i in range(120)
    ]
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n")
    command = [sys.executable, "-m", "rnnkit", "classify", "fit", str(tmp_path / "r.csv"), "--units", "8",
               "--embedding", "8", "--epochs", "2", "--out", str(tmp_path / "m"), "--nproc", "2"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("validation accuracy") == 1 and (tmp_path / "m" / "config.json").exists()


def test_nccl_carries_cuda_tensors_only_when_each_process_has_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnkit.train import distributed

    monkeypatch.setattr(distributed.dist, "is_nccl_available", lambda: True)
    assert distributed.backend_for(gpus=2, local_processes=2) == "cpu:gloo,cuda:nccl"
    assert distributed.backend_for(gpus=8, local_processes=2) == "cpu:gloo,cuda:nccl"
    assert distributed.backend_for(gpus=1, local_processes=2) == "gloo"  # NCCL refuses two ranks on one GPU
    assert distributed.backend_for(gpus=0, local_processes=2) == "gloo"
    monkeypatch.setattr(distributed.dist, "is_nccl_available", lambda: False)
    assert distributed.backend_for(gpus=2, local_processes=2) == "gloo"
