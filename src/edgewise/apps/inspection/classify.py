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

TOP_PATCHES = 4


def descriptor(heat: np.ndarray, feats: np.ndarray, placement: Placement, stride: int) -> np.ndarray:
    """Mean feature ``(D,)`` of the ``TOP_PATCHES`` highest-scoring patches inside the image."""
    d, gh, gw = feats.shape
    r0, c0 = min(gh - 1, placement.top // stride), min(gw - 1, placement.left // stride)
    r1 = max(r0 + 1, min(gh, -(-(placement.top + placement.height) // stride)))
    c1 = max(c0 + 1, min(gw, -(-(placement.left + placement.width) // stride)))
    pooled = heat[: gh * stride, : gw * stride].reshape(gh, stride, gw, stride).max(axis=(1, 3))[r0:r1, c0:c1]
    top = np.argsort(pooled.ravel())[::-1][:TOP_PATCHES]
    rows, cols = np.unravel_index(top, pooled.shape)
    vec = feats[:, rows + r0, cols + c0].mean(axis=1)
    return (vec / (np.linalg.norm(vec) + 1e-8)).astype(np.float32)


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
