"""The detector at the line: ONNX Runtime only (no PyTorch on the node).

:class:`Detector` loads a detector folder (see :mod:`~edgewise.apps.inspection.spec`)
and inspects decoded frames. One ONNX Runtime session per detector; ``run`` is
thread-safe (ONNX Runtime sessions are), so the HTTP route and the watcher can
share one detector.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from edgewise.apps.inspection.classify import ClassIndex
from edgewise.apps.inspection.errors import DetectorNotFound
from edgewise.apps.inspection.spec import CLASSES_FILE, INT8_FILE, ONNX_FILE, DetectorSpec
from edgewise.apps.inspection.verdict import Outcome, judge


class Detector:
    """A trained detector served by ONNX Runtime on the CPU."""

    def __init__(self, folder: Path, *, threads: int = 1, int8: bool = False) -> None:
        import onnxruntime as ort

        self.folder = Path(folder)
        self.spec = DetectorSpec.load(self.folder).for_variant(int8)
        model = self.folder / (INT8_FILE if int8 else ONNX_FILE)
        if not model.is_file():
            raise DetectorNotFound(f"{model} is missing; retrain the detector (add --int8 for the int8 variant).")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(model), sess_options=opts, providers=["CPUExecutionProvider"])
        self.classes = ClassIndex.load(self.folder / CLASSES_FILE)
        self.variant = "int8" if int8 else "float32"

    @classmethod
    def from_registry(cls, models_dir: Path, name: str, *, threads: int = 1, int8: bool = False) -> Detector:
        from edgewise.models import ModelRegistry

        entry = ModelRegistry(models_dir).get(name)
        if entry.kind != "detector":
            raise DetectorNotFound(f"'{name}' is a {entry.kind} model, not a detector; `edgewise models list` shows them.")
        return cls(Path(entry.path), threads=threads, int8=int8)

    @property
    def name(self) -> str:
        return self.spec.name

    def run(self, canvases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Canvases ``(N, 1, S, S)`` float32 -> heatmaps ``(N, S, S)`` and features ``(N, D, S/8, S/8)``."""
        heat, feats = self.session.run(None, {"canvas": canvases.astype(np.float32, copy=False)})
        return heat[:, 0], feats

    def inspect(self, gray: np.ndarray, *, image: str | None = None, started: float | None = None) -> Outcome:
        """Inspect one decoded grayscale frame; ``started`` (perf_counter) lets callers include decode time."""
        t0 = time.perf_counter() if started is None else started
        canvas, placement = self.spec.fit_frame(gray)
        heat, feats = self.run(canvas[None, None])
        result = judge(heat[0], feats[0], placement, self.spec, self.classes, image=image)
        result.latency_ms = round((time.perf_counter() - t0) * 1000.0, 3)
        return Outcome(inspection=result, gray=gray, heat=heat[0], placement=placement, margin=self.spec.edge_margin)


__all__ = ["Detector"]
