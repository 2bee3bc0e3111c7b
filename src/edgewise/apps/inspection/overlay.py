"""Overlay PNGs: the part with its heatmap and defect boxes, for the operator at the line.

The heat is shown relative to the threshold: below half of it the image is
untouched, from half to the threshold it fades in (yellow), above it is opaque
red. Colours are a three-stop ramp written here (no matplotlib on the node).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from edgewise.apps.inspection.postprocess import source_heatmap
from edgewise.apps.inspection.verdict import Outcome

_STOPS = np.array([0.5, 0.8, 1.0])
_COLOURS = np.array([[255, 230, 0], [255, 120, 0], [255, 0, 0]], dtype=np.float32)


def render(outcome: Outcome) -> Image.Image:
    """RGB image of the part with heat and boxes blended in, and the verdict written in the corner."""
    res = outcome.inspection
    rel = source_heatmap(outcome.heat, outcome.placement, outcome.margin) / max(res.threshold, 1e-9)
    colour = np.stack([np.interp(rel, _STOPS, _COLOURS[:, c]) for c in range(3)], axis=-1)
    alpha = (np.clip((rel - 0.5) / 0.5, 0.0, 1.0) * 0.6)[..., None]
    base = np.repeat(outcome.gray[..., None].astype(np.float32), 3, axis=-1)
    img = Image.fromarray((base * (1 - alpha) + colour * alpha).astype(np.uint8), mode="RGB")
    draw = ImageDraw.Draw(img)
    for box in res.boxes:
        draw.rectangle([box.x, box.y, box.x + box.width - 1, box.y + box.height - 1], outline=(255, 0, 0), width=2)
    label = f"{res.verdict.upper()} {res.score:.1f}/{res.threshold:.1f}"
    fill = (200, 0, 0) if res.verdict == "reject" else (0, 150, 0)
    draw.rectangle([0, 0, 7 * len(label) + 6, 14], fill=fill)
    draw.text((3, 1), label, fill=(255, 255, 255))
    return img


def write_overlay(outcome: Outcome, folder: Path, stem: str) -> Path:
    """Write ``<folder>/<stem>.overlay.png`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{Path(stem).stem}.overlay.png"
    render(outcome).save(path, format="PNG")
    return path


__all__ = ["render", "write_overlay"]
