"""Synthetic anomalies pasted onto good canvases, for adapting the backbone (``adapt.py``).

Why: the detector learns from good parts only, and ImageNet features do not
tell this surface's normal texture from its defects well. A short fine-tune
that teaches the backbone to find pasted irregularities on good tiles sharpens
its features for this surface. The anomalies are generic, in the manner of
DRAEM (noise-shaped regions filled with foreign texture) and CutPaste's
"scar" (thin lines): blobs, thin polylines, small spots and chipped edges,
filled with a shifted patch of another good part, a darker or brighter copy
of the part, noise, or the part itself turned. No defect image is used.

A shape is drawn inside the part's placement only; the mask marks the pixels
that changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from edgewise.apps.inspection.imaging import Placement

Rng = np.random.Generator
Shape = Callable[[Rng, int, int], np.ndarray]


def blob(rng: Rng, h: int, w: int) -> np.ndarray:
    """A noise-shaped region: coarse Gaussian noise, upsampled bicubically, above a high quantile."""
    cells = int(rng.choice([2, 4, 8, 16]))
    coarse = torch.from_numpy(rng.standard_normal((1, 1, cells, cells)).astype(np.float32))
    field = F.interpolate(coarse, size=(h, w), mode="bicubic", align_corners=False)[0, 0].numpy()
    mask: np.ndarray = (field > np.quantile(field, rng.uniform(0.9, 0.995))).astype(np.float32)
    return mask


def scar(rng: Rng, h: int, w: int) -> np.ndarray:
    """A thin polyline, 1 to 3 pixels wide, of one to four bending segments of 8 to 60 pixels."""
    mask = np.zeros((h, w), np.float32)
    y, x, angle = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(0, np.pi)
    width = int(rng.integers(1, 4))
    for _ in range(int(rng.integers(1, 5))):
        angle += rng.normal(0, 0.5)
        length = rng.uniform(8, 60)
        steps = np.linspace(0, length, int(length * 2))
        ys, xs = y + np.sin(angle) * steps, x + np.cos(angle) * steps
        for a, b in zip(ys.astype(int) - width // 2, xs.astype(int) - width // 2, strict=True):
            mask[max(a, 0) : max(a, 0) + width, max(b, 0) : max(b, 0) + width] = 1
        y, x = ys[-1], xs[-1]
    return mask


def spots(rng: Rng, h: int, w: int) -> np.ndarray:
    """One to three small ellipses (radii 2 to 9 pixels)."""
    yy, xx = np.mgrid[:h, :w]
    mask = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(1, 4))):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        ry, rx = rng.uniform(2, 9, 2)
        mask[((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1] = 1
    return mask


def chip(rng: Rng, h: int, w: int) -> np.ndarray:
    """A piece cut off at one side of the part: a slanted cut 4 to 20 pixels deep, 30 to 120 long."""
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    side, depth, slope, at = int(rng.integers(4)), rng.uniform(4, 20), np.tan(rng.uniform(-0.6, 0.6)), rng.uniform(0.1, 0.9)
    inward, along = [(yy, xx - at * w), (h - 1 - yy, xx - at * w), (xx, yy - at * h), (w - 1 - xx, yy - at * h)][side]
    mask: np.ndarray = ((inward - depth - slope * along < 0) & (np.abs(along) < rng.uniform(15, 60))).astype(np.float32)
    return mask


SHAPES: tuple[Shape, ...] = (blob, scar, spots, chip)


def _filling(rng: Rng, canvas: np.ndarray, donors: Sequence[np.ndarray]) -> np.ndarray:
    kind = int(rng.integers(4))
    if kind == 0:  # a shifted, maybe flipped, patch of another good part
        donor = np.roll(donors[int(rng.integers(len(donors)))], tuple(rng.integers(-40, 40, 2)), (0, 1))
        return donor[::-1] if rng.random() < 0.5 else donor
    if kind == 1:  # the part darker (most defects here are) or brighter
        shaded = canvas * rng.uniform(0.2, 0.7) if rng.random() < 0.7 else canvas + rng.uniform(0.15, 0.5)
        return np.clip(shaded, 0, 1)
    if kind == 2:  # noise around the part's mean grey
        noise: np.ndarray = np.clip(canvas.mean() + rng.normal(0, rng.uniform(0.05, 0.3), canvas.shape), 0, 1)
        return noise
    return np.rot90(canvas, int(rng.integers(1, 4))) if rng.random() < 0.5 else canvas[::-1, ::-1]


def anomaly(rng: Rng, canvas: np.ndarray, placement: Placement, donors: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``canvas`` (S, S) in [0, 1] with one synthetic anomaly inside the part, and its mask (1 where changed).

    ``donors`` are other good canvases of the same size. A shape too small to draw leaves the canvas as it is,
    with an empty mask.
    """
    p = placement
    mask = np.zeros_like(canvas)
    shape = SHAPES[int(rng.integers(len(SHAPES)))](rng, p.height, p.width)
    if shape.sum() < 3:
        return canvas, mask
    mask[p.top : p.top + p.height, p.left : p.left + p.width] = shape
    alpha = mask * rng.uniform(0.4, 1.0)
    out = canvas * (1 - alpha) + np.ascontiguousarray(_filling(rng, canvas, donors)) * alpha
    return out.astype(np.float32), mask


__all__ = ["SHAPES", "anomaly", "blob", "chip", "scar", "spots"]
