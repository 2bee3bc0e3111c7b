"""Accuracy helpers for the inspection benchmark: group split, AUROC, PRO, per-class recall.

Kept apart from ``inspection.py`` (the runner) so each file holds one thing.
The split is by tile ``group`` (manifest column), assigned by a hash of the
group id: no image of a tile is on two sides, and nothing is chosen by looking
at results.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Sample:
    image: Path
    mask: Path
    cls: str
    label: str
    group: str
    jpg_bytes: int


def read_manifest(root: Path) -> list[Sample]:
    with (root / "manifest.csv").open() as fh:
        return [
            Sample(root / r["image_path"], root / r["mask_path"], r["class"], r["label"], r["group"], int(r["jpg_bytes"]))
            for r in csv.DictReader(fh)
        ]


def _bucket(group: str) -> float:
    return int(hashlib.sha1(group.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def split(samples: list[Sample]) -> dict[str, list[Sample]]:
    """Good groups: 50% train, 25% calibration, 25% test. Defect groups: half index (likely class), half query.

    Every defect image is scored in the test; only the class-index half is ever
    shown to the model (as labelled examples for the likely class, never for the bank).
    """
    out: dict[str, list[Sample]] = {"train": [], "calib": [], "test_good": [], "defect_index": [], "defect_query": []}
    for s in samples:
        b = _bucket(s.group)
        if s.label != "defect":
            out["train" if b < 0.5 else "calib" if b < 0.75 else "test_good"].append(s)
        else:
            out["defect_index" if b < 0.5 else "defect_query"].append(s)
    return out


def group_folds(samples: list[Sample], k: int = 4) -> list[dict[str, list[Sample]]]:
    """``k`` rotations of the good tile groups: train on ``k - 2`` folds, calibrate on the next, test on the last.

    Why: one split scores about a dozen independent good tiles (each is six
    exposures), so its AUROC moves by several points with the split alone;
    rotating every good group through the calibration and test roles measures the
    method, and shows whether a threshold calibrated on some tiles holds on
    tiles it never saw. Folds come from a hash of the group id (nothing chosen by
    looking at results); every defect image is in every test.
    """
    good = [s for s in samples if s.label != "defect"]
    defects = [s for s in samples if s.label == "defect"]
    fold = {s.group: int(hashlib.sha1(s.group.encode()).hexdigest()[:8], 16) % k for s in good}
    out = []
    for t in range(k):
        c = (t + 1) % k
        out.append({
            "train": [s for s in good if fold[s.group] not in (t, c)],
            "calib": [s for s in good if fold[s.group] == c],
            "test_good": [s for s in good if fold[s.group] == t],
            "defects": defects,
        })
    return out


def auroc(labels: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def pro_auc(masks: list[np.ndarray], heats: list[np.ndarray], fpr_limit: float = 0.3, steps: int = 200) -> float:
    """Per-region overlap integrated up to ``fpr_limit`` false-positive rate, normalised to [0, 1] (MVTec AD's PRO)."""
    from scipy import ndimage

    regions: list[np.ndarray] = []  # heat values inside each connected ground-truth region
    for m, h in zip(masks, heats, strict=True):
        lab, n = ndimage.label(m)
        regions.extend(h[lab == i] for i in range(1, n + 1))
    normal = np.concatenate([h[~m].ravel() for m, h in zip(masks, heats, strict=True)])
    lo, hi = min(float(h.min()) for h in heats), max(float(h.max()) for h in heats)
    fprs, pros = [0.0], [0.0]
    for t in np.linspace(hi, lo, steps):
        fprs.append(float((normal >= t).mean()))
        pros.append(float(np.mean([(r >= t).mean() for r in regions])) if regions else 0.0)
        if fprs[-1] > fpr_limit:
            break
    f, p = np.array(fprs), np.array(pros)
    keep = f <= fpr_limit
    f, p = np.append(f[keep], fpr_limit), np.append(p[keep], np.interp(fpr_limit, f, p))
    return float(np.trapezoid(p, f) / fpr_limit)


__all__ = ["Sample", "auroc", "group_folds", "pro_auc", "read_manifest", "split"]
