"""The only module of Edgewise that imports an HTTP client.

:class:`HttpTransport` is deliberately narrow: no redirects (a redirect could
point anywhere the policy did not allow), no proxy or ``.netrc`` settings from
the environment, TLS verification on. The gateway calls it only after the
policy allowed the exact URL and the ledger recorded the attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx


@dataclass(frozen=True)
class TransportResponse:
    status_code: int
    body: bytes


class Transport(Protocol):
    def send(self, method: str, url: str, content: bytes, headers: dict[str, str]) -> TransportResponse: ...

    def close(self) -> None: ...


class HttpTransport:
    def __init__(self, timeout_s: float = 15.0) -> None:
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=False, trust_env=False, verify=True)

    def send(self, method: str, url: str, content: bytes, headers: dict[str, str]) -> TransportResponse:
        response = self._client.request(method, url, content=content, headers=headers)
        return TransportResponse(response.status_code, response.content)

    def close(self) -> None:
        self._client.close()


__all__ = ["HttpTransport", "Transport", "TransportResponse"]
