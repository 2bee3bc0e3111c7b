"""Errors of the uplink.

    EdgewiseError
    ├── InvalidRequest
    │   └── StreamFull          409  the stream is at max_bytes and its policy is 'reject'
    └── LinkError               503  the collector could not be reached or refused the batch
        └── LinkAuthError       the collector refused the node's token
"""

from __future__ import annotations

from edgewise.errors import EdgewiseError, InvalidRequest


class StreamFull(InvalidRequest):
    status_code = 409
    code = "stream_full"


class LinkError(EdgewiseError):
    status_code = 503
    code = "link_error"
    type = "server_error"


class LinkAuthError(LinkError):
    code = "link_auth_error"


__all__ = ["LinkAuthError", "LinkError", "StreamFull"]
