"""Likely defect class: nearest labelled example in patch-feature space.

When the operator gave labelled defect images at training time, each is
summarised by a *descriptor*: the mean backbone feature of its most anomalous
patches. A rejected part gets the class of its nearest descriptor (1-NN,
cosine). With no labelled examples there is no class, only "defect".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgewise.apps.inspection.imaging import Placement
from edgewise.apps.inspection.postprocess import valid_heat

TOP_PATCHES = 4


def descriptor(heat: np.ndarray, feats: np.ndarray, placement: Placement, stride: int, margin: int = 0) -> np.ndarray:
    """Mean feature ``(D,)`` of the ``TOP_PATCHES`` highest-scoring patches of the scored area.

    The scored area is the one the verdict used (:func:`~edgewise.apps.inspection.postprocess.valid_heat`:
    the image, minus the unscored ``margin`` along its outline), so the class
    describes the region that caused the reject, not an outline patch.
    """
    d, gh, gw = feats.shape
    scored = np.zeros((gh * stride, gw * stride), dtype=np.float32)
    crop = valid_heat(heat, placement, margin)
    scored[placement.top : placement.top + crop.shape[0], placement.left : placement.left + crop.shape[1]] = crop
    pooled = scored.reshape(gh, stride, gw, stride).max(axis=(1, 3))
    top = np.argsort(pooled.ravel(), kind="stable")[::-1][:TOP_PATCHES]
    rows, cols = np.unravel_index(top, pooled.shape)
    vec = feats[:, rows, cols].mean(axis=1)
    unit: np.ndarray = (vec / (np.linalg.norm(vec) + 1e-8)).astype(np.float32)
    return unit


@dataclass
class ClassIndex:
    """Labelled descriptors; :meth:`predict` returns the nearest label and its cosine similarity."""

    vectors: np.ndarray
    labels: list[str]

    def predict(self, vec: np.ndarray) -> tuple[str, float]:
        sims = self.vectors @ vec
        i = int(np.argmax(sims))
        return self.labels[i], float(sims[i])

    def save(self, path: Path) -> None:
        np.savez(path, vectors=self.vectors, labels=np.array(self.labels))

    @classmethod
    def load(cls, path: Path) -> ClassIndex | None:
        if not path.is_file():
            return None
        with np.load(path) as data:
            return cls(vectors=data["vectors"].astype(np.float32), labels=[str(s) for s in data["labels"]])


__all__ = ["ClassIndex", "TOP_PATCHES", "descriptor"]
