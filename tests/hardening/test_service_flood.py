"""The service under a flood from a local client: oversized, deeply nested, malformed and valid requests
from many threads at once. Every answer is 200 or a clear 4xx/503, memory stays bounded, the service
stays up and still answers correctly."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("uvicorn")
pytest.importorskip("fastapi")

BAD_BODIES = {
    "oversized": b'{"inputs": [' + b"0.5," * 600_000 + b"0.5]}",  # 2.4 MB, over the 1 MiB limit
    "nested": b'{"inputs": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",  # within the limit, 200k levels deep
    "not json": b'{"inputs": [[0.1], [0.2]',
    "no inputs": b'{"x": 1}',
    "wrong shape": b'{"inputs": [[[[1.0]]]]}',
    "nan": b'{"inputs": [[NaN], [0.2]]}',
    "strings": b'{"inputs": [["a"], ["b"]]}',
    "too many values": json.dumps({"inputs": [[0.1]] * 150_000}).encode(),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(port: int, body: bytes) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/predict", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    except (ConnectionError, http.client.RemoteDisconnected):  # refused mid-upload after a 413: allowed
        return 413, b""
    finally:
        conn.close()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_a_flood_of_bad_and_good_requests(saved_models: dict[str, Path]) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "rnnkit", "serve", str(saved_models["sequential"]), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the service did not start"
                time.sleep(0.1)
        good = json.dumps({"inputs": np.linspace(0, 1, 5)[:, None].tolist()}).encode()
        expected = _post(port, good)
        assert expected[0] == 200
        rss_before = _rss_mb(server.pid)

        kinds = [*BAD_BODIES, "valid"] * 40  # 360 requests from 32 threads at once
        bodies = [BAD_BODIES.get(k, good) for k in kinds]
        with ThreadPoolExecutor(32) as pool:
            answers = list(pool.map(lambda b: _post(port, b), bodies))
        statuses: dict[str, set[int]] = {}
        for kind, (status, _) in zip(kinds, answers):
            statuses.setdefault(kind, set()).add(status)
        allowed = {"oversized": {413}, "nested": {400}, "not json": {400}, "no inputs": {400}, "wrong shape": {422},
                   "nan": {400, 422}, "strings": {422}, "too many values": {413, 422}, "valid": {200}}  # fmt: skip
        for kind, seen in statuses.items():
            assert seen <= allowed[kind] | {503}, (kind, seen)  # 503: over the connection limit, at once
        assert statuses["valid"] & {200}
        assert all(body == expected[1] for kind, (status, body) in zip(kinds, answers) if status == 200)

        assert server.poll() is None  # still up, still right
        assert _post(port, good) == expected

        growth = _rss_mb(server.pid) - rss_before
        print(f"flood: {len(kinds)} requests, answers by kind {statuses}, server RSS +{growth:.0f} MB")
        assert growth < 300, (rss_before, growth)

        # 80 slow clients hold connections open, each sending half a request (slowloris): those past the
        # limit of 64 connections get 503 at once, a new request is answered (200 or 503) without waiting
        # for them, and once they leave all is as before
        slow = []
        for _ in range(80):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            slow.append(sock)
        time.sleep(1.0)
        turned_away = 0
        for sock in slow:
            sock.setblocking(False)
            try:
                turned_away += sock.recv(64).startswith(b"HTTP/1.1 503")
            except BlockingIOError:  # still waiting for its body, as it should
                pass
        started = time.monotonic()
        assert _post(port, good)[0] in (200, 503) and time.monotonic() - started < 5
        for sock in slow:
            sock.close()
        time.sleep(0.5)
        assert _post(port, good) == expected and server.poll() is None
        print(f"slowloris: 80 half-sent requests held open, {turned_away} turned away with 503")
        assert turned_away >= 80 - 64
    finally:
        server.terminate()
        _, log = server.communicate(timeout=30)
    assert "Traceback" not in log, log  # no request made the service log an error
