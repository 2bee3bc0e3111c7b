"""From a canvas heatmap to what the line needs: score, verdict, defect area and boxes.

Shared by the ONNX runtime and the training-time (PyTorch) model, so both give
the same verdict for the same heatmap. Connected components are computed by
hand on a 4x-pooled grid (at most 64 x 64 cells for a 256 canvas): a breadth
first search there costs well under a millisecond, and it spares the node a
SciPy/OpenCV dependency for one small function.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from pydantic import BaseModel, Field

from edgewise.apps.inspection.imaging import Placement

GRID = 4  # canvas pixels per cell of the component grid
MAX_BOXES = 10


class Box(BaseModel):
    """One defect region, in pixels of the original image (x, y = top-left corner)."""

    x: int
    y: int
    width: int
    height: int
    area_px: int = Field(..., description="Defect pixels inside the box (original resolution, estimated).")
    peak: float = Field(..., description="Highest anomaly score inside the region.")


def valid_heat(heat: np.ndarray, placement: Placement, margin: int = 0) -> np.ndarray:
    """The part of the canvas heatmap that covers the image (padding cut off).

    ``margin`` canvas pixels along the part's outline are set to 0 (not
    scored): the cut edge of a part varies from one part to the next far more
    than its surface does, and on the magnetic tiles the outline held the
    highest scores of good parts, which pushed the threshold above most real
    defects. Defects reaching into the part (breaks, frays) are still seen
    inside the margin's inner edge. Frames too small for the margin are scored whole.
    """
    crop = heat[placement.top : placement.top + placement.height, placement.left : placement.left + placement.width]
    if margin <= 0 or min(crop.shape) <= 2 * margin + 1:
        return crop
    inner = np.zeros_like(crop)
    inner[margin:-margin, margin:-margin] = crop[margin:-margin, margin:-margin]
    return inner


def image_score(heat: np.ndarray, placement: Placement, margin: int = 0) -> float:
    """Image-level anomaly score: the highest scored pixel over the image (PatchCore's max)."""
    return float(valid_heat(heat, placement, margin).max())


def _pool(mask: np.ndarray, heat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h, w = mask.shape
    gh, gw = -(-h // GRID), -(-w // GRID)
    pad_m = np.zeros((gh * GRID, gw * GRID), dtype=bool)
    pad_h = np.full((gh * GRID, gw * GRID), -np.inf, dtype=np.float32)
    pad_m[:h, :w], pad_h[:h, :w] = mask, heat
    cells = pad_m.reshape(gh, GRID, gw, GRID)
    return cells.sum(axis=(1, 3)), pad_h.reshape(gh, GRID, gw, GRID).max(axis=(1, 3))


def _components(cells: np.ndarray) -> list[list[tuple[int, int]]]:
    seen = np.zeros(cells.shape, dtype=bool)
    out: list[list[tuple[int, int]]] = []
    for start in zip(*np.nonzero(cells), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        queue, comp = deque([start]), []
        while queue:
            r, c = queue.popleft()
            comp.append((int(r), int(c)))
            for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)):
                nr, nc = r + dr, c + dc
                if 0 <= nr < cells.shape[0] and 0 <= nc < cells.shape[1] and cells[nr, nc] and not seen[nr, nc]:
                    seen[nr, nc] = True
                    queue.append((nr, nc))
        out.append(comp)
    return out


def defect_regions(heat: np.ndarray, placement: Placement, threshold: float, margin: int = 0) -> tuple[int, list[Box]]:
    """Pixels above ``threshold`` -> (defect area in original pixels, boxes sorted by peak, at most 10)."""
    crop = valid_heat(heat, placement, margin)
    mask = crop > threshold
    if not mask.any():
        return 0, []
    counts, peaks = _pool(mask, crop)
    inv_y, inv_x = 1.0 / placement.scale_y, 1.0 / placement.scale_x
    area_scale = inv_y * inv_x
    boxes = []
    for comp in _components(counts > 0):
        rows = [r for r, _ in comp]
        cols = [c for _, c in comp]
        y0, x0 = min(rows) * GRID * inv_y, min(cols) * GRID * inv_x
        y1 = min((max(rows) + 1) * GRID * inv_y, placement.src_height)
        x1 = min((max(cols) + 1) * GRID * inv_x, placement.src_width)
        px = sum(int(counts[r, c]) for r, c in comp)
        boxes.append(
            Box(
                x=int(x0), y=int(y0), width=max(1, round(x1 - x0)), height=max(1, round(y1 - y0)),
                area_px=max(1, round(px * area_scale)), peak=float(max(peaks[r, c] for r, c in comp)),
            )
        )
    boxes.sort(key=lambda b: b.peak, reverse=True)
    # at least one pixel: a flagged canvas pixel on an upscaled frame covers less than one original pixel
    return max(1, round(int(mask.sum()) * area_scale)), boxes[:MAX_BOXES]


def source_heatmap(heat: np.ndarray, placement: Placement, margin: int = 0) -> np.ndarray:
    """The scored heatmap resampled onto the original image's pixels (for overlays and pixel metrics)."""
    from PIL import Image

    crop = np.ascontiguousarray(valid_heat(heat, placement, margin), dtype=np.float32)
    img = Image.fromarray(crop, mode="F").resize((placement.src_width, placement.src_height), Image.Resampling.BILINEAR)
    return np.asarray(img, dtype=np.float32)


__all__ = ["Box", "defect_regions", "image_score", "source_heatmap", "valid_heat"]
