"""Quality-control vision at the line (issue 11): learn good parts, flag and locate defects, report on the device.

* :mod:`.training` - PatchCore-style one-class detector on EfficientNet-Lite0
  features, trained on good parts only, threshold calibrated to a false-reject
  rate, exported to ONNX (needs the ``inspection-train`` extra: torch).
* :mod:`.runtime` - :class:`Detector`, the ONNX Runtime detector the node runs.
* :mod:`.calibration` - :func:`recalibrate`: reset a detector's threshold on new
  good parts with the ONNX runtime alone.
* :mod:`.station` - :class:`Station`: inspection, shift counts, events, reports,
  publishing through the perimeter (images never leave the node).
* :mod:`.cli` (``edgewise inspect``), :mod:`.routes` (``POST /v1/inspection/images``).

Importing this package loads neither torch nor onnxruntime.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Lazy exports (PEP 562): the node's settings import this package for
# InspectionSettings, and `edgewise --help` must not pay for numpy and Pillow.
_EXPORTS: dict[str, str] = {
    "Box": "postprocess",
    "Detector": "runtime",
    "DetectorNotFound": "errors",
    "DetectorSpec": "spec",
    "ImageTooLarge": "errors",
    "Inspection": "verdict",
    "InspectionEvent": "events",
    "InspectionSettings": "settings",
    "InvalidImage": "errors",
    "Outcome": "verdict",
    "ShiftSummary": "station",
    "Station": "station",
    "StationResult": "station",
    "TrainingError": "errors",
    "decode_image": "imaging",
    "judge": "verdict",
    "fit_canvas": "imaging",
    "recalibrate": "calibration",
    "letterbox": "imaging",
    "list_images": "imaging",
    "load_image": "imaging",
    "rate_event": "events",
    "reject_event": "events",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


__all__ = [
    "Box",
    "Detector",
    "DetectorNotFound",
    "DetectorSpec",
    "ImageTooLarge",
    "Inspection",
    "InspectionEvent",
    "InspectionSettings",
    "InvalidImage",
    "Outcome",
    "ShiftSummary",
    "Station",
    "StationResult",
    "TrainingError",
    "decode_image",
    "fit_canvas",
    "judge",
    "letterbox",
    "list_images",
    "load_image",
    "rate_event",
    "recalibrate",
    "reject_event",
]
