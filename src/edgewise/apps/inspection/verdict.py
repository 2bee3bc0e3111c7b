"""The verdict record of one inspected part, built the same way for every runtime.

:func:`judge` turns a heatmap (from ONNX Runtime at the line, or from the
PyTorch model at training time) into an :class:`Inspection`; both runtimes
calling it is what makes their verdicts comparable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from edgewise.apps.inspection.classify import ClassIndex, descriptor
from edgewise.apps.inspection.imaging import Placement
from edgewise.apps.inspection.postprocess import Box, defect_regions, image_score
from edgewise.apps.inspection.spec import DetectorSpec

Verdict = Literal["pass", "reject"]


class Inspection(BaseModel):
    """One JSON line of ``edgewise inspect run``, and the body of ``POST /v1/inspection/images``."""

    image: str | None = Field(None, description="File name or upload name, if known.")
    verdict: Verdict
    score: float = Field(..., description="Image anomaly score (higher = more anomalous).")
    threshold: float = Field(..., description="Calibrated score at which a part is rejected.")
    defect_area_px: int = Field(..., description="Pixels scored above the threshold (original resolution).")
    defect_area_fraction: float
    boxes: list[Box] = Field(default_factory=list)
    likely_class: str | None = Field(None, description="Nearest labelled defect class, if examples were given.")
    class_similarity: float | None = None
    width: int
    height: int
    latency_ms: float = Field(0.0, description="Decode + inference + post-processing, milliseconds.")
    detector: str


@dataclass
class Outcome:
    """An inspection plus the heatmap and pixels it came from (kept on the node, for overlays)."""

    inspection: Inspection
    gray: np.ndarray
    heat: np.ndarray
    placement: Placement
    margin: int = 0


def judge(
    heat: np.ndarray,
    feats: np.ndarray,
    placement: Placement,
    spec: DetectorSpec,
    classes: ClassIndex | None = None,
    *,
    image: str | None = None,
) -> Inspection:
    """Score, verdict, defect regions and likely class for one canvas heatmap ``(S, S)``."""
    score = image_score(heat, placement, spec.edge_margin)
    rejected = score >= spec.threshold
    area, boxes = defect_regions(heat, placement, spec.threshold, spec.edge_margin)
    label, sim = None, None
    if rejected and classes is not None:
        label, sim = classes.predict(descriptor(heat, feats, placement, spec.stride, spec.edge_margin))
    total = placement.src_height * placement.src_width
    return Inspection(
        image=image, verdict="reject" if rejected else "pass", score=round(score, 5), threshold=round(spec.threshold, 5),
        defect_area_px=area, defect_area_fraction=round(area / total, 6), boxes=boxes,
        likely_class=label, class_similarity=None if sim is None else round(sim, 4),
        width=placement.src_width, height=placement.src_height, detector=spec.name,
    )


__all__ = ["Inspection", "Outcome", "Verdict", "judge"]
