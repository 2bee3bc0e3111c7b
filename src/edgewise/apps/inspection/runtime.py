"""The detector at the line: ONNX Runtime only (no PyTorch on the node).

:class:`Detector` loads a detector folder (see :mod:`~edgewise.apps.inspection.spec`)
and inspects decoded frames. One ONNX Runtime session per detector; ``run`` is
thread-safe (ONNX Runtime sessions are), so the HTTP route and the watcher can
share one detector. A folder recalibrated or retrained while it is in use is
picked up at the next image (:meth:`Detector.refresh`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from edgewise.apps.inspection.classify import ClassIndex
from edgewise.apps.inspection.errors import DetectorNotFound
from edgewise.apps.inspection.spec import CLASSES_FILE, INT8_FILE, ONNX_FILE, SPEC_FILE, DetectorSpec
from edgewise.apps.inspection.verdict import Outcome, judge


log = logging.getLogger(__name__)

Stamp = tuple[int, int, int] | None


def _stamp(path: Path) -> Stamp:
    """What changes when a file is rewritten (inode for an atomic replace, time and size otherwise)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


class Detector:
    """A trained detector served by ONNX Runtime on the CPU."""

    def __init__(self, folder: Path, *, threads: int = 1, int8: bool = False, name: str | None = None) -> None:
        """``name``: what verdicts and summaries call the detector (default: the name it was trained under;
        :meth:`from_registry` passes the name it is registered as)."""
        self.folder = Path(folder)
        self._name = name
        self.threads = threads
        self.int8 = int8
        self.variant = "int8" if int8 else "float32"
        self._model = self.folder / (INT8_FILE if int8 else ONNX_FILE)
        self._lock = threading.Lock()
        self._stamps: tuple[Stamp, Stamp] = (None, None)
        self._failed: tuple[Stamp, Stamp] | None = None  # the files as they were when a reload last failed
        self.session: Any = None
        self._load()

    def _load(self) -> None:
        """(Re)read the spec and labelled classes; reopen the ONNX session only if the model file changed."""
        spec_stamp, model_stamp = self._current()
        spec = DetectorSpec.load(self.folder).for_variant(self.int8)
        if self._name is not None:
            spec = spec.model_copy(update={"name": self._name})
        if model_stamp is None:
            raise DetectorNotFound(f"{self._model} is missing; retrain the detector (add --int8 for the int8 variant).")
        if model_stamp != self._stamps[1]:
            import onnxruntime as ort

            opts = ort.SessionOptions()
            opts.intra_op_num_threads = self.threads
            opts.inter_op_num_threads = 1
            opts.log_severity_level = 3
            self.session = ort.InferenceSession(str(self._model), sess_options=opts, providers=["CPUExecutionProvider"])
        self.spec, self.classes = spec, ClassIndex.load(self.folder / CLASSES_FILE)
        self._stamps = (spec_stamp, model_stamp)

    def refresh(self) -> bool:
        """Reload if the folder's spec or model changed since it was loaded (``edgewise inspect calibrate``,
        or a retrain with ``--replace``); True if it did. Costs two ``stat`` calls when nothing changed,
        so :meth:`inspect` asks before every image and a running node needs no restart."""
        if self._current() in (self._stamps, self._failed):
            return False
        with self._lock:
            now = self._current()
            if now in (self._stamps, self._failed):
                return False  # another thread got here first
            try:
                self._load()
            except Exception as exc:  # any failure to read the new files must not stop the line
                # A retrain writes the ONNX file in place, so the folder can be caught half-written: keep
                # judging with what is loaded, and try again once the files change again.
                self._failed = now
                log.warning("detector %s changed but could not be reloaded (%s); still using the loaded one", self.folder, exc)
                return False
        return True

    def _current(self) -> tuple[Stamp, Stamp]:
        return _stamp(self.folder / SPEC_FILE), _stamp(self._model)

    @classmethod
    def from_registry(cls, models_dir: Path, name: str, *, threads: int = 1, int8: bool = False) -> Detector:
        from edgewise.models import ModelRegistry

        entry = ModelRegistry(models_dir).get(name)
        if entry.kind != "detector":
            raise DetectorNotFound(f"'{name}' is a {entry.kind} model, not a detector; `edgewise models list` shows them.")
        return cls(Path(entry.path), threads=threads, int8=int8, name=entry.name)

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
        self.refresh()
        canvas, placement = self.spec.fit_frame(gray)
        heat, feats = self.run(canvas[None, None])
        result = judge(heat[0], feats[0], placement, self.spec, self.classes, image=image)
        result.latency_ms = round((time.perf_counter() - t0) * 1000.0, 3)
        return Outcome(inspection=result, gray=gray, heat=heat[0], placement=placement, margin=self.spec.edge_margin)


__all__ = ["Detector"]
