"""Load on ``rnnkit serve`` from a local client: requests per second and latency percentiles for
single-sequence requests.

The served model is the tutorial's network (SimpleRNN(32, relu) + Dense(1), 10 steps × 1 feature),
trained for one epoch and saved to a temporary folder; the server runs as ``rnnkit serve`` in its own
process on a free local port, and 1 or 4 client threads (standard library HTTP) send the same kind of
request back to back. Both share the machine's cores, so the figures are for one small box.

    python benchmarks/serve.py [--requests 2000]

Writes ``benchmarks/results/serve.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from results import Table, write_record


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        print("skipped: rnnkit serve needs fastapi and uvicorn (pip install 'rnnkit[serve]')")
        return
    import rnnkit
    from rnnkit.layers import Dense, SimpleRNN
    from rnnkit.models import Sequential

    rnnkit.seed(0)
    model = Sequential([SimpleRNN(32, activation="relu", input_shape=(10, 1)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).random((800, 10, 1)).astype(np.float32)
    model.fit(x, x[:, -1], epochs=1, verbose=0)
    folder = Path(tempfile.mkdtemp()) / "tutorial"
    model.save(folder)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "rnnkit", "serve", str(folder), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        body = json.dumps({"inputs": x[0].tolist()}).encode()

        def one(_: int) -> float:
            start = time.perf_counter()
            request = urllib.request.Request(f"{url}/predict", data=body, headers={"content-type": "application/json"})
            urllib.request.urlopen(request, timeout=10).read()
            return time.perf_counter() - start

        for _ in range(50):  # warm-up
            one(0)
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {args.requests} requests per row, "
              f"one sequence (10 x 1) each, server and client on the same machine")  # fmt: skip
        print("| client threads | requests/s | p50 ms | p99 ms |")
        print("|---|---|---|---|")
        rows = []
        for threads in (1, 4):
            start = time.perf_counter()
            with ThreadPoolExecutor(threads) as pool:
                latencies = sorted(pool.map(one, range(args.requests)))
            seconds = time.perf_counter() - start
            p50 = 1e3 * statistics.median(latencies)
            p99 = 1e3 * latencies[int(0.99 * (len(latencies) - 1))]
            print(f"| {threads} | {args.requests / seconds:.0f} | {p50:.2f} | {p99:.2f} |")
            rows.append([threads, round(args.requests / seconds), round(p50, 2), round(p99, 2)])
        write_record("serve", "Serving: rnnkit serve under load from a local client", [Table(
            f"The tutorial's network, one sequence (10 × 1) per request, {args.requests} requests per row; "
            "server and client on the same machine", ["client threads", "requests/s", "p50 ms", "p99 ms"], rows)])  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
