"""``rnnkit serve MODEL_DIR``: an HTTP service for a saved model (``rnnkit.serve``)."""

from __future__ import annotations

import argparse
from typing import Any

# rnnkit's library parts are imported inside the commands, for start-up time: `rnnkit --help` loads no torch.


def register(commands: Any) -> None:
    p = commands.add_parser(
        "serve",
        help="serve a saved model over HTTP (/predict, /health, /metadata)",
        description='POST /predict with {"inputs": one sequence or a batch}; bad requests get a 4xx with '
        "a one-line reason. Needs FastAPI and uvicorn (pip install 'rnnkit[serve]').",
    )
    p.add_argument("model", help="model folder")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--max-body-bytes", type=int, default=1 << 20, help="largest request body (default 1 MiB)")
    p.set_defaults(handler=serve)


def serve(args: argparse.Namespace) -> int:
    from rnnkit.serve import serve as run

    print(f"serving {args.model} on http://{args.host}:{args.port} (Ctrl-C stops)", flush=True)
    run(args.model, args.host, args.port, args.max_body_bytes)
    return 0
