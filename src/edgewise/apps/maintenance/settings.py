"""Settings of the predictive-maintenance app (``[maintenance]`` in config.toml, ``EDGEWISE_MAINTENANCE__*``).

Every default is chosen a priori from vibration practice, never fitted to a
particular recording: the app is judged on recordings it has not seen.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class MaintenanceSettings(BaseModel):
    """Knobs of the digital twin, the alarm logic and the MQTT layout."""

    window_s: float = Field(0.2, gt=0, description="Analysis window; files shorter than 2 windows are one window.")
    false_alarm_rate: float = Field(
        0.005, gt=0, lt=0.5, description="Share of healthy windows allowed above the threshold (per window)."
    )
    median_windows: int = Field(5, ge=1, description="Health index = running median of this many window scores.")
    alarm_after: int = Field(3, ge=1, description="Consecutive windows above the threshold that raise an alarm.")
    danger_level: float = Field(
        3.0, gt=1, description="A window score this many times the threshold alarms after 2 windows (no median wait)."
    )
    clear_after: int = Field(5, ge=1, description="Consecutive windows below clear_level that clear an alarm.")
    clear_level: float = Field(0.8, gt=0, le=1, description="Health index below which an alarm may clear.")
    trend_k: float = Field(
        1.0, ge=0, description="CUSUM reference, in healthy spreads of log score: built to catch a 2-spread level shift."
    )
    trend_h: float = Field(
        5.0, gt=0, description="CUSUM decision level (spreads); with trend_k=1 an in-control Gaussian run lasts ~1e5 windows."
    )
    trend_clip: float = Field(3.0, gt=0, description="Cap on one window's CUSUM step, so an alarm needs >= 3 windows in a row.")
    failure_level: float = Field(
        10.0, gt=1, description="Health index taken as end of life (10 = ten times the alarm distance)."
    )
    failure_peak: float | None = Field(
        None, gt=0, description="Physical end of life: peak amplitude of a channel in its own units (e.g. 20 g, the "
        "PRONOSTIA stop rule). When set, remaining life is the time until the peak's trend reaches it; "
        "else until the health index reaches failure_level.",
    )
    rul_points: int = Field(30, ge=4, description="Most recent health points the remaining-life trend is fitted on.")
    slip: float = Field(0.03, ge=0, lt=0.2, description="Relative tolerance around bearing fault frequencies.")
    summary_every_s: float = Field(3600.0, gt=0, description="Recording time between health summaries sent upstream.")
    topic_prefix: str = Field("edgewise/vib", description="MQTT topic root: <prefix>/<asset>/blocks, .../events.")


__all__ = ["MaintenanceSettings"]
