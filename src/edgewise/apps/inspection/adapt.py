"""Adapt the pretrained backbone to one surface before the memory bank is built.

Why: the ImageNet backbone's patch features separate this surface's defects
from its normal texture only weakly. Fine-tuning it for a few hundred steps to
segment synthetic anomalies (``synthetic.py``) pasted onto the good training
images makes the features attend to what is irregular on *this* surface; the
memory bank is then built from the adapted features, and the detector keeps
its shape (same backbone, same ONNX graph, same latency). Measured on the
magnetic tiles with ``benchmarks/inspection_folds.py`` (see the README).

The segmentation head exists only during adaptation and is dropped. The
backbone's batch-norm statistics stay frozen (the good images are few); only
weights move.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from edgewise.apps.inspection.imaging import Placement
from edgewise.apps.inspection.model import FEATURE_DIM, STRIDE, PatchFeatures, joined
from edgewise.apps.inspection.synthetic import anomaly

Progress = Callable[[str], None]
#: Default fine-tuning steps (batches of 8): where the training loss levels off on the magnetic tiles, about
#: twelve minutes on two cores at the 256 canvas.
ADAPT_STEPS = 600


def _head() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(FEATURE_DIM, 64, 1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.Conv2d(64, 1, 1),
    )


def _focal(logit: torch.Tensor, target: torch.Tensor, gamma: float = 2.0) -> torch.Tensor:
    """Focal loss on soft targets: most patches are normal, so easy ones are down-weighted (as in DRAEM)."""
    p = torch.sigmoid(logit)
    ce = F.binary_cross_entropy_with_logits(logit, target, reduction="none")
    pt = p * target + (1 - p) * (1 - target)
    return (ce * (1 - pt) ** gamma).mean()


def _flipped(canvas: np.ndarray, placement: Placement, rng: np.random.Generator) -> tuple[np.ndarray, Placement]:
    """A random mirror image of the canvas, with the part's placement mirrored to match."""
    size = canvas.shape[-1]
    if rng.random() < 0.5:
        canvas, placement = canvas[:, ::-1], replace(placement, left=size - placement.left - placement.width)
    if rng.random() < 0.5:
        canvas, placement = canvas[::-1], replace(placement, top=size - placement.top - placement.height)
    return np.ascontiguousarray(canvas), placement


def _freeze_batch_norm(module: nn.Module) -> None:
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()


def adapt_backbone(
    features: PatchFeatures,
    canvases: np.ndarray,
    places: Sequence[Placement],
    steps: int,
    *,
    batch: int = 8,
    seed: int = 0,
    progress: Progress | None = None,
) -> list[float]:
    """Fine-tune ``features`` in place on ``canvases`` ``(N, 1, S, S)`` (good parts); returns the loss per step.

    Each batch holds the good canvases, randomly mirrored, half of them with one synthetic anomaly; the
    head predicts, per patch of the stride-8 grid, the share of its pixels that were changed.
    """
    if steps <= 0:
        return []
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    goods = [c[0] for c in canvases]
    head = _head()
    opt = torch.optim.AdamW([{"params": list(features.parameters()), "lr": 1e-4}, {"params": head.parameters(), "lr": 1e-3}], weight_decay=1e-4)
    losses: list[float] = []
    features.train()
    _freeze_batch_norm(features)
    head.train()
    for step in range(steps):
        images, masks = [], []
        for b in range(batch):
            i = int(rng.integers(len(goods)))
            image, placement = _flipped(goods[i], places[i], rng)
            mask = np.zeros_like(image)
            if b % 2 == 0:
                image, mask = anomaly(rng, image, placement, goods)
            images.append(image)
            masks.append(mask)
        x = torch.from_numpy(np.stack(images))[:, None]
        target = F.avg_pool2d(torch.from_numpy(np.stack(masks))[:, None], STRIDE)
        loss = 10 * _focal(head(joined(*features.stages(x))), target)
        opt.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]  # torch leaves Tensor.backward unannotated
        opt.step()
        losses.append(loss.item())
        if progress is not None and (step + 1) % 50 == 0:
            progress(f"adapting the backbone: step {step + 1}/{steps}, loss {np.mean(losses[-50:]):.4f}")
    features.eval()
    return losses


__all__ = ["ADAPT_STEPS", "adapt_backbone"]
