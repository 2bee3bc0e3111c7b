"""Optional API key for every ``/v1`` route (``Authorization: Bearer <key>``)."""

from __future__ import annotations

import hmac

from fastapi import Request

from edgewise.errors import AuthenticationError


async def require_api_key(request: Request) -> None:
    """FastAPI dependency: a no-op when no key is configured, else a constant-time check."""
    key = request.app.state.settings.api_key
    if key is None:
        return
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("Missing API key: send 'Authorization: Bearer <key>'.")
    if not hmac.compare_digest(token.strip().encode(), key.get_secret_value().encode()):
        raise AuthenticationError("Incorrect API key provided.")


__all__ = ["require_api_key"]
