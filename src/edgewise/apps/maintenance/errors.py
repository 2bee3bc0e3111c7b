"""Errors of the maintenance app, in the project's one exception tree.

``EdgewiseError`` > ``InvalidRequest`` > :class:`RecordingError` (a file or
stream the app cannot read: the message names the file and line) and
:class:`TwinError` (the healthy period is unusable: too short, constant);
``EdgewiseError`` > :class:`BrokerUnreachable` (no MQTT broker at the address given).
"""

from __future__ import annotations

from edgewise.errors import EdgewiseError, InvalidRequest


class RecordingError(InvalidRequest):
    """A recording cannot be read; the message says which file, which line and what to do."""

    code = "bad_recording"


class BrokerUnreachable(EdgewiseError):
    """The MQTT broker does not answer at the address given (not running, wrong port, firewall)."""

    status_code = 503
    code = "broker_unreachable"


class TwinError(InvalidRequest):
    """The digital twin cannot be learned or used (e.g. too few healthy windows)."""

    code = "twin_error"


__all__ = ["BrokerUnreachable", "RecordingError", "TwinError"]
