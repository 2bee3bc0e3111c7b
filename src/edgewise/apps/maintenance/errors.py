"""Errors of the maintenance app, in the project's one exception tree.

``EdgewiseError`` > ``InvalidRequest`` > :class:`RecordingError` (a file or
stream the app cannot read: the message names the file and line) and
:class:`TwinError` (the healthy period is unusable: too short, constant).
"""

from __future__ import annotations

from edgewise.errors import InvalidRequest


class RecordingError(InvalidRequest):
    """A recording cannot be read; the message says which file, which line and what to do."""

    code = "bad_recording"


class TwinError(InvalidRequest):
    """The digital twin cannot be learned or used (e.g. too few healthy windows)."""

    code = "twin_error"


__all__ = ["RecordingError", "TwinError"]
