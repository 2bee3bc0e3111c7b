"""Edge applications and the layer they share.

* :mod:`edgewise.apps.events` - the one event model family (extend, do not fork).
* :mod:`edgewise.apps.report` - reports written from an event by the local LLM,
  validated against the event's facts, with a deterministic fallback.
* :mod:`edgewise.apps.publish` - hands events, reports and summaries to the
  perimeter gateway and counts raw bytes seen against bytes sent.

Apps live in subpackages (``maintenance``, ``inspection``) and import what they
need from those three modules.
"""

from __future__ import annotations

from edgewise.apps.events import Event, Evidence, Severity, Source
from edgewise.apps.publish import APP_DATA_CLASSES, Publisher, PublishStats
from edgewise.apps.report import Report, Validation, template_report, validate_report_text, write_report

__all__ = [
    "APP_DATA_CLASSES",
    "Event",
    "Evidence",
    "PublishStats",
    "Publisher",
    "Report",
    "Severity",
    "Source",
    "Validation",
    "template_report",
    "validate_report_text",
    "write_report",
]
