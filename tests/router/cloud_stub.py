"""A recording OpenAI-compatible "cloud" for the router tests, run as its own process on loopback.

    python -m tests.router.cloud_stub --port 8123 --log requests.jsonl

Every chat request body is appended to the log exactly as received (so a test
can check what left the node), and the answer echoes the last user message
(so placeholders in it come back and must be re-identified on the device).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


def build(log: Path) -> FastAPI:
    app = FastAPI()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> JSONResponse:
        raw = await request.body()
        with log.open("ab") as f:
            f.write(raw.replace(b"\n", b" ") + b"\n")
        body: dict[str, Any] = json.loads(raw)
        last = next((m["content"] for m in reversed(body["messages"]) if m.get("role") == "user"), "")
        text = f"CLOUD ANSWER about: {last}"
        return JSONResponse({
            "id": "cloud-1", "object": "chat.completion", "created": int(time.time()), "model": body.get("model", "cloud"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        })  # fmt: skip

    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", type=Path, required=True)
    a = ap.parse_args()
    uvicorn.run(build(a.log), host="127.0.0.1", port=a.port, log_level="warning")


if __name__ == "__main__":
    main()
