"""``rnnkit serve``: predictions equal the model's, and bad requests get clear 4xx answers while the
service stays up (FastAPI's test client, no network)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import rnnkit
from rnnkit.layers import GRU, Dense, Embedding
from rnnkit.models import Sequential

pytest.importorskip("fastapi", reason="rnnkit serve needs FastAPI (the dev extras install it)")
pytest.importorskip("httpx", reason="FastAPI's test client needs httpx (the dev extras install it)")
from fastapi.testclient import TestClient  # noqa: E402

from rnnkit.serve import create_app  # noqa: E402


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[Sequential, TestClient]:
    rnnkit.seed(0)
    model = Sequential([GRU(6, input_shape=(None, 2)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(16, 5, 2)).astype(np.float32)
    model.fit(x, x[:, -1, :1], epochs=1, verbose=0)
    path = tmp_path_factory.mktemp("m") / "model"
    model.save(path)
    return model, TestClient(create_app(str(path), max_body_bytes=4096, max_values=500))


def test_predict_equals_the_model_for_one_sequence_and_a_batch(served) -> None:  # type: ignore[no-untyped-def]
    model, client = served
    x = np.random.default_rng(1).normal(size=(3, 7, 2)).astype(np.float32)
    one = client.post("/predict", json={"inputs": x[0].tolist()})
    batch = client.post("/predict", json={"inputs": x.tolist()})
    assert one.status_code == batch.status_code == 200
    expected = model.predict(x, verbose=0)
    np.testing.assert_allclose(one.json()["outputs"], expected[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(batch.json()["outputs"], expected, rtol=1e-5, atol=1e-6)
    assert client.get("/health").json() == {"status": "ok"}
    meta = client.get("/metadata").json()
    assert meta["params"] == model.count_params() and meta["input_shape"][-1] == 2


def test_bad_requests_get_clear_4xx_and_the_service_stays_up(served) -> None:  # type: ignore[no-untyped-def]
    _, client = served
    cases = [
        (b"{not json", 400, "not JSON"),
        (json.dumps({"x": [1]}).encode(), 400, '{"inputs"'),
        (json.dumps({"inputs": [[1.0, 2.0, 3.0]]}).encode(), 422, "features"),  # 3 features, model takes 2
        (json.dumps({"inputs": [[1.0], [2.0, 3.0]]}).encode(), 422, "rectangular"),
        (json.dumps({"inputs": "abc"}).encode(), 422, "numbers"),
        (json.dumps({"inputs": [[1.0, float("nan")]]}).encode(), 422, "NaN"),
        (json.dumps({"inputs": [[[0.5, 0.5]] * 300]}).encode(), 422, "at most 500"),
        (json.dumps({"inputs": [[0.5, 0.5]] * 1000}).encode(), 413, "at most 4096"),
    ]
    for body, status, message in cases:
        reply = client.post("/predict", content=body, headers={"content-type": "application/json"})
        assert reply.status_code == status, (body[:40], reply.text)
        assert message in reply.json()["detail"]
    assert client.get("/health").status_code == 200
    assert client.post("/predict", json={"inputs": [[0.1, 0.2]]}).status_code == 200


def test_token_models_take_ids(tmp_path: Path) -> None:
    rnnkit.seed(0)
    model = Sequential([Embedding(10, 3, input_shape=(None,)), GRU(4), Dense(2)])
    model.predict(np.zeros((1, 3), np.int64), verbose=0)
    model.save(tmp_path / "tokens")
    client = TestClient(create_app(str(tmp_path / "tokens")))
    reply = client.post("/predict", json={"inputs": [1, 2, 3]})
    assert reply.status_code == 200
    np.testing.assert_allclose(reply.json()["outputs"], model.predict(np.array([[1, 2, 3]]), verbose=0)[0], rtol=1e-5)
    assert client.post("/predict", json={"inputs": [[[1]]]}).status_code == 422


def test_an_input_layer_first_does_not_hide_a_token_model(tmp_path: Path) -> None:
    from rnnkit.layers import Input

    rnnkit.seed(0)
    model = Sequential([Input((None,)), Embedding(10, 3), GRU(4), Dense(2)])
    model.predict(np.zeros((1, 3), np.int64), verbose=0)
    model.save(tmp_path / "tokens")
    client = TestClient(create_app(str(tmp_path / "tokens")))
    assert "token ids" in client.get("/metadata").json()["inputs"]
    assert client.post("/predict", json={"inputs": [1, 2, 3]}).status_code == 200
