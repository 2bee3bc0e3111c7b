"""The maintenance event: the shared :class:`~edgewise.apps.events.Event` plus what a reliability engineer needs.

Built when a channel's alarm is raised (and again if it escalates). Evidence
lists the features that moved most (value against the healthy median) and
the health index; ``fault`` names the bearing defect frequency that stands out
in the envelope spectrum, or ``unknown``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np
from pydantic import Field

from edgewise.apps.events import Event, Evidence, Severity, Source
from edgewise.apps.maintenance.bearings import FAULTS
from edgewise.apps.maintenance.health import HealthPoint
from edgewise.apps.maintenance.twin import ChannelTwin

FaultName = Literal["outer_race", "inner_race", "ball", "cage", "unknown"]
FAULT_Z = 3.0  # a defect line must stand this many healthy spreads above normal to be named
_ACTIONS = {
    "outer_race": "inspect the outer race and the housing fit",
    "inner_race": "inspect the inner race and the shaft fit",
    "ball": "inspect the rolling elements",
    "cage": "inspect the cage and the lubrication",
    "unknown": "inspect the bearing, its lubrication and its mounting",
}


class MaintenanceEvent(Event):
    """An early warning on one channel of an asset."""

    app: str = "maintenance"
    kind: str = "maintenance.anomaly"
    onset_s: float = Field(..., description="Onset in seconds since the start of the recording or stream.")
    health_index: float = Field(..., description="Health index at the event (1 = alarm level).")
    threshold: float = Field(..., description="Calibrated anomaly score threshold of this channel.")
    fault: FaultName = "unknown"
    rul_s: float | None = Field(None, description="Remaining useful life estimate, seconds.")
    rul_low_s: float | None = None
    rul_high_s: float | None = None


def severity_for(hi: float, failure_level: float) -> Severity:
    if hi >= failure_level:
        return Severity.CRITICAL
    if hi >= 3.0:
        return Severity.ALARM
    return Severity.WARNING


def dominant_fault(z: np.ndarray, names: list[str]) -> tuple[FaultName, float]:
    """The defect frequency whose envelope line rose most above healthy, if it rose ``FAULT_Z`` spreads."""
    idx = [names.index(f"env_{f}") for f in FAULTS if f"env_{f}" in names]
    if not idx:
        return "unknown", 0.0
    k = int(np.argmax(z[idx]))
    best = float(z[idx][k])
    return (FAULTS[k] if best >= FAULT_Z else "unknown"), best  # type: ignore[return-value]


def _natural(name: str, value: float) -> tuple[str, float, str | None]:
    """Feature in the units a person reads: logs back to ratios, envelope lines in dB."""
    if name.startswith("env_"):
        return f"envelope_{name[4:]}_db", 20 * value / math.log(10), "dB"
    if name.startswith("log_"):
        return name[4:], math.exp(value), None
    return name, value, None


def _round(x: float) -> float:
    return float(f"{x:.4g}")


def build_event(
    asset: str, channel: str, point: HealthPoint, twin: ChannelTwin, features: np.ndarray, base: datetime, failure_level: float
) -> MaintenanceEvent:
    z = twin.zscores(features)
    fault, fz = dominant_fault(z, twin.names)
    scored = np.where(twin.scored, z, -np.inf)  # evidence: the features that made the health index move
    top = [int(i) for i in np.argsort(-scored)[:4] if scored[i] > 0]
    evidence = [Evidence(name="health_index", value=_round(point.health_index), baseline=1.0, note="1 = alarm level")]
    for i in top:
        name, val, unit = _natural(twin.names[i], float(features[i]))
        assert twin.ref is not None
        _, ref, _ = _natural(twin.names[i], float(twin.ref.center[i]))
        evidence.append(Evidence(name=name, value=_round(val), baseline=_round(ref), unit=unit, note=f"{z[i]:.1f} healthy spreads up"))
    if fault != "unknown":
        evidence.append(Evidence(name="dominant_fault_frequency", value=fault, note=f"{fz:.1f} healthy spreads up"))
    rul = point.rul
    if rul is not None:
        evidence.append(Evidence(name="remaining_life_h", value=_round(rul.rul_s / 3600), unit="h",
                                 note=f"90% band {rul.low_s / 3600:.3g} to " + (f"{rul.high_s / 3600:.3g} h" if rul.high_s is not None else "open")))
    sev = severity_for(point.health_index, failure_level)
    if sev == Severity.CRITICAL:
        action = f"Stop the machine as soon as it is safe and {_ACTIONS[fault]}; confirm with a manual vibration reading."
    else:
        when = f" within about {rul.low_s / 3600:.3g} h (fast end of the remaining-life band)" if rul else " at the next stop"
        action = f"Plan to {_ACTIONS[fault]}{when}; confirm with a manual vibration reading."
    return MaintenanceEvent(
        time=base + timedelta(seconds=point.time),
        source=Source(asset=asset, channel=channel),
        severity=sev,
        title=f"Vibration of {asset} channel {channel} left its learned normal range"
        + (f" ({fault.replace('_', ' ')} defect frequency)" if fault != "unknown" else ""),
        evidence=evidence,
        recommended_action=action,
        onset_s=round(point.time, 3),
        health_index=_round(point.health_index),
        threshold=_round(twin.threshold),
        fault=fault,
        rul_s=None if rul is None else round(rul.rul_s, 1),
        rul_low_s=None if rul is None else round(rul.low_s, 1),
        rul_high_s=None if rul is None or rul.high_s is None else round(rul.high_s, 1),
    )


RELATIVE_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

__all__ = ["FAULT_Z", "MaintenanceEvent", "RELATIVE_EPOCH", "build_event", "dominant_fault", "severity_for"]
