"""Inspection events: the shared :class:`~edgewise.apps.events.Event`, extended (not forked).

Two kinds: ``inspection.reject`` (one part failed) and
``inspection.reject_rate`` (the reject rate over the recent window rose past
the alarm level). They carry verdicts, scores, areas and box coordinates,
never pixels.
"""

from __future__ import annotations

from pydantic import Field

from edgewise.apps.events import Event, Evidence, Severity, Source
from edgewise.apps.inspection.postprocess import Box
from edgewise.apps.inspection.verdict import Inspection


class InspectionEvent(Event):
    """An inspection finding at one station."""

    app: str = "inspection"
    part: str | None = Field(None, max_length=300, description="Part or image identifier at the station.")
    verdict: str | None = None
    score: float | None = None
    threshold: float | None = None
    defect_area_px: int | None = None
    defect_area_fraction: float | None = None
    boxes: list[Box] = Field(default_factory=list, max_length=10)
    likely_class: str | None = None
    reject_rate: float | None = Field(None, description="Rejected share over the window (rate events).")
    window: int | None = Field(None, description="Parts in the window (rate events).")


def _where(box: Box, width: int, height: int) -> str:
    cx, cy = box.x + box.width / 2, box.y + box.height / 2
    vert = "top" if cy < height / 3 else "bottom" if cy > 2 * height / 3 else "middle"
    horiz = "left" if cx < width / 3 else "right" if cx > 2 * width / 3 else "centre"
    return f"{vert} {horiz}"


def reject_event(result: Inspection, station: str) -> InspectionEvent:
    """The event for one rejected part."""
    part = result.image or "unnamed part"
    evidence = [
        Evidence(name="anomaly_score", value=result.score, baseline=result.threshold, note="baseline is the reject threshold"),
        Evidence(name="defect_area", value=result.defect_area_px, unit="px", note=f"{result.defect_area_fraction:.2%} of the image"),
    ]
    where = ""
    if result.boxes:
        b = result.boxes[0]
        where = _where(b, result.width, result.height)
        evidence.append(Evidence(name="largest_defect_box", value=f"x={b.x} y={b.y} w={b.width} h={b.height}", unit="px", note=where))
    cls = f" (likely {result.likely_class})" if result.likely_class else ""
    if result.likely_class:
        evidence.append(Evidence(name="likely_class", value=result.likely_class, note="nearest labelled example"))
    action = f"Pull {part} from the line and check the surface" + (f" at the {where}" if where else "") + f"{cls}; scrap or rework it."
    return InspectionEvent(
        kind="inspection.reject", source=Source(asset=part, station=station), severity=Severity.WARNING,
        title=f"Part {part} rejected at {station}{cls}", evidence=evidence, recommended_action=action[:500],
        part=part, verdict=result.verdict, score=result.score, threshold=result.threshold,
        defect_area_px=result.defect_area_px, defect_area_fraction=result.defect_area_fraction,
        boxes=result.boxes, likely_class=result.likely_class,
    )


def rate_event(station: str, rejects: int, window: int, expected: float, alarm: float) -> InspectionEvent:
    """The event for a reject rate over ``window`` parts at or above ``alarm`` (``expected``: calibrated rate)."""
    rate = rejects / window
    return InspectionEvent(
        kind="inspection.reject_rate", source=Source(asset=station, station=station), severity=Severity.ALARM,
        title=f"Reject rate at {station} rose to {rate:.0%} over the last {window} parts",
        evidence=[
            Evidence(name="reject_rate", value=round(rate, 4), baseline=expected, note=f"{rejects} of {window} parts"),
            Evidence(name="alarm_level", value=alarm),
        ],
        recommended_action=(
            f"Stop {station} and check the process upstream (material, tooling, lighting, camera focus) "
            "before more parts are made; review the latest reject overlays on the node."
        ),
        reject_rate=round(rate, 4), window=window,
    )


__all__ = ["InspectionEvent", "rate_event", "reject_event"]
