"""An HTTP service for a saved model: ``rnnkit serve MODEL_DIR --port 8000`` (FastAPI + uvicorn).

Endpoints:

- ``GET /health`` → ``{"status": "ok"}``.
- ``GET /metadata`` → the model's class, layers, parameter count, input shape, the task metadata it was
  saved with (e.g. a forecaster's settings), and the service's limits.
- ``POST /predict`` with ``{"inputs": ...}``: one sequence ``(time, features)`` (or token ids
  ``(time,)`` for an embedding model) or a batch ``(batch, time, features)`` → ``{"outputs": ...}`` of
  the same batch form.

Bad requests get a 4xx with a one-line ``detail``: malformed JSON or a body without ``inputs`` (400),
wrong shapes, non-numbers, NaN or too many values (422), bodies over ``max_body_bytes`` (413). The
model runs one request at a time (a lock); at most ``MAX_CONNECTIONS`` connections are served at once
and the others get 503, so memory stays bounded under a flood.
Needs ``pip install rnnkit[serve]``.

Example::

    $ rnnkit serve my_model --port 8000 &
    $ curl -s localhost:8000/predict -d '{"inputs": [[0.1], [0.5], [0.9]]}'
    {"outputs":[[0.4712]]}
"""

# no `from __future__ import annotations`: FastAPI reads the handlers' annotations (Request) at run time
import json
import threading
from typing import Any

import numpy as np

from rnnkit.errors import ConfigError, DataError, RnnkitError, ShapeError
from rnnkit.layers.core import Embedding
from rnnkit.models import load_metadata, load_model

__all__ = ["create_app", "serve"]

MAX_BODY_BYTES = 1 << 20  # 1 MiB of JSON: about 60,000 numbers
MAX_VALUES = 100_000
# connections served at once; more get 503 at once. With the body limit this bounds the memory that
# requests can hold: MAX_CONNECTIONS × max_body_bytes (64 MiB by default)
MAX_CONNECTIONS = 64


def create_app(model_dir: str, max_body_bytes: int = MAX_BODY_BYTES, max_values: int = MAX_VALUES) -> Any:
    """The FastAPI application serving the model saved in ``model_dir``."""
    try:
        from fastapi import FastAPI, Request  # optional: pip install rnnkit[serve]
        from fastapi.responses import JSONResponse
        from starlette.requests import ClientDisconnect
    except ImportError as exc:
        raise ConfigError("rnnkit serve needs FastAPI and uvicorn: pip install 'rnnkit[serve]'") from exc
    model = load_model(model_dir, compile=False).eval()
    lock = threading.Lock()
    first = model.layers[0]  # the first real layer (an Input only declares the shape)
    tokens = isinstance(first, Embedding)
    info = {
        "model": model_dir,
        "class": type(model).__name__,
        "layers": [f"{layer.name} ({type(layer).__name__})" for layer in model._stack()],
        "params": model.count_params(),
        "input_shape": list(model.build_input_shape)[1:] if model.build_input_shape else None,
        "inputs": "token ids (time,) or (batch, time)" if tokens else "(time, features) or (batch, time, features)",
        "task": load_metadata(model_dir),
        "limits": {"max_body_bytes": max_body_bytes, "max_values": max_values},
    }
    app = FastAPI(title=f"rnnkit: {model_dir}", docs_url=None, redoc_url=None)

    def error(status: int, detail: str) -> Any:
        return JSONResponse({"detail": detail}, status_code=status)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metadata")
    def metadata() -> dict[str, Any]:
        return info

    @app.post("/predict")
    async def predict(request: Request) -> Any:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_body_bytes:
            return error(413, f"the body has {declared} bytes; this service takes at most {max_body_bytes}")
        body = b""
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > max_body_bytes:
                    return error(413, f"the body is over {max_body_bytes} bytes, this service's limit")
        except ClientDisconnect:  # the client left mid-body: nobody to answer, nothing to log
            return error(400, "the client disconnected before sending the whole body")
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return error(400, f"the body is not JSON: {exc}")
        except RecursionError:
            return error(400, "the body nests arrays too deeply to be a model input")
        if not isinstance(payload, dict) or "inputs" not in payload:
            return error(400, 'expected a JSON object {"inputs": [...]}')
        try:
            x, single = _as_batch(payload["inputs"], tokens, max_values)
            with lock:
                y = model.predict(x, verbose=0)
        except RnnkitError as exc:
            return error(422, str(exc))
        return {"outputs": (y[0] if single else y).tolist()}

    return app


def _as_batch(inputs: Any, tokens: bool, max_values: int) -> tuple[np.ndarray, bool]:
    """The request's inputs as a batch array, and whether it was a single sequence."""
    try:
        x = np.asarray(inputs, dtype=np.int64 if tokens else np.float32)
    except (TypeError, ValueError, OverflowError) as exc:
        raise DataError(f"inputs must be a rectangular array of numbers: {exc}") from exc
    if x.size > max_values:
        raise DataError(f"inputs hold {x.size} values; this service takes at most {max_values} per request")
    single_rank = 1 if tokens else 2
    if x.ndim not in (single_rank, single_rank + 1) or x.size == 0:
        kind = "token ids (time,) or (batch, time)" if tokens else "(time, features) or (batch, time, features)"
        raise ShapeError(f"inputs must be {kind}; got shape {x.shape}")
    if not tokens and not np.isfinite(x).all():
        raise DataError("inputs hold NaN or infinite values")
    single = x.ndim == single_rank
    return (x[None] if single else x), single


def serve(model_dir: str, host: str = "127.0.0.1", port: int = 8000, max_body_bytes: int = MAX_BODY_BYTES) -> None:
    """Run the service until interrupted."""
    try:
        import uvicorn  # optional: pip install rnnkit[serve]
    except ImportError as exc:
        raise ConfigError("rnnkit serve needs FastAPI and uvicorn: pip install 'rnnkit[serve]'") from exc
    uvicorn.run(
        create_app(model_dir, max_body_bytes), host=host, port=port, log_level="warning",
        limit_concurrency=MAX_CONNECTIONS, timeout_keep_alive=5,
    )  # fmt: skip
