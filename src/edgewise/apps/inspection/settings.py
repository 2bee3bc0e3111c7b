"""Settings of the inspection station (TOML ``[inspection]``, ``EDGEWISE_INSPECTION__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from edgewise.apps.inspection.imaging import Exposure, Fit


class InspectionSettings(BaseModel):
    """Knobs a quality engineer sets for one inspection station."""

    station: str = Field("line-1", min_length=1, max_length=200, description="Station name used in events.")
    detector: str | None = Field(None, description="Registered detector served by default (HTTP, watch).")
    false_reject_rate: float = Field(
        0.01, gt=0.0, lt=0.5, description="Share of good parts the calibrated threshold may reject."
    )
    image_size: int = Field(256, ge=64, le=1024, description="Side of the square canvas frames are fitted to.")
    fit: Fit = Field(
        "stretch",
        description="'stretch' fills the canvas with the part (one kind of part, cropped to it); "
        "'letterbox' keeps the aspect and mirrors the rest (parts of very different shapes).",
    )
    exposure: Exposure = Field(
        "standardize",
        description="'standardize' sets every frame to one brightness and contrast before the detector sees it "
        "(lighting drift is not a defect); 'raw' keeps the grey levels, for parts whose defect is a change of "
        "brightness of the whole part.",
    )
    edge_margin: int | None = Field(
        None, ge=0,
        description="Canvas pixels along the part's outline left unscored (cut edges vary more than surfaces); "
        "default 7.5% of the canvas side (19 px on the 256 canvas).",
    )
    bank_size: int = Field(4096, ge=16, description="Most normal patches kept in the memory bank (coreset).")
    adapt_steps: int | None = Field(
        None, ge=0,
        description="Steps of fine-tuning the backbone on synthetic anomalies before the bank is built (about "
        "1.2 s each on two cores); 0 keeps the ImageNet backbone; unset: the trainer's default (adapt.ADAPT_STEPS).",
    )
    threads: int = Field(1, ge=1, description="ONNX Runtime intra-op threads per detector.")
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1024, description="Largest image upload accepted over HTTP.")
    max_pixels: int = Field(40_000_000, ge=4096, description="Largest decoded image (width x height) accepted.")
    window: int = Field(50, ge=5, description="Recent parts over which the reject rate is watched.")
    reject_rate_alarm: float = Field(
        0.1, gt=0.0, le=1.0, description="Reject rate over the window that raises a 'reject rate rising' event."
    )


__all__ = ["InspectionSettings"]
