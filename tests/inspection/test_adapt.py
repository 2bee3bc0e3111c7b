"""Adapting the backbone on synthetic anomalies: what is pasted, where, and what training changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewise.apps.inspection.imaging import Placement

torch = pytest.importorskip("torch")


def _placement(top: int, left: int, height: int, width: int) -> Placement:
    return Placement(scale_y=1.0, scale_x=1.0, height=height, width=width, src_height=height, src_width=width,
                     top=top, left=left)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), top=st.integers(0, 40), left=st.integers(0, 40),
       height=st.integers(24, 88), width=st.integers(24, 88))
def test_an_anomaly_changes_the_part_only_where_its_mask_says(seed: int, top: int, left: int, height: int, width: int) -> None:
    from edgewise.apps.inspection.synthetic import anomaly

    rng = np.random.default_rng(seed)
    size = 128
    canvas = rng.uniform(0.2, 0.8, (size, size)).astype(np.float32)
    donors = [rng.uniform(0, 1, (size, size)).astype(np.float32) for _ in range(2)]
    place = _placement(top, left, height, width)
    out, mask = anomaly(np.random.default_rng(seed), canvas, place, donors)
    assert out.shape == canvas.shape and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0
    outside = np.ones_like(mask, dtype=bool)
    outside[top : top + height, left : left + width] = False
    assert not mask[outside].any()  # nothing drawn off the part
    assert np.array_equal(out[mask == 0], canvas[mask == 0])  # nothing changed outside the mask
    if mask.any():
        assert set(np.unique(mask)) <= {0.0, 1.0}


def test_every_shape_draws_something_inside_a_part_of_ordinary_size() -> None:
    from edgewise.apps.inspection.synthetic import SHAPES

    rng = np.random.default_rng(0)
    for shape in SHAPES:
        drawn = [shape(rng, 100, 120) for _ in range(20)]
        assert all(m.shape == (100, 120) for m in drawn)
        areas = [m.mean() for m in drawn]
        assert np.median(areas) > 0, shape.__name__  # not empty
        assert max(areas) < 0.5, shape.__name__  # a defect, not the whole part


@given(seed=st.integers(0, 1000), top=st.integers(0, 30), left=st.integers(0, 30))
def test_a_mirrored_canvas_keeps_its_part_inside_the_mirrored_placement(seed: int, top: int, left: int) -> None:
    from edgewise.apps.inspection.adapt import _flipped

    size, height, width = 96, 50, 40
    canvas = np.zeros((size, size), np.float32)
    canvas[top : top + height, left : left + width] = 1.0
    flipped, place = _flipped(canvas, _placement(top, left, height, width), np.random.default_rng(seed))
    inside = np.zeros_like(canvas)
    inside[place.top : place.top + place.height, place.left : place.left + place.width] = 1.0
    assert np.array_equal(flipped, inside)


def test_adaptation_moves_the_backbone_weights_but_not_its_batch_norm_statistics(tiles) -> None:  # type: ignore[no-untyped-def]
    from edgewise.apps.inspection.adapt import adapt_backbone
    from edgewise.apps.inspection.model import PatchFeatures
    from edgewise.apps.inspection.spec import Calibration, DetectorSpec
    from edgewise.apps.inspection.training import load_canvases

    spec = DetectorSpec(name="t", image_size=128, fit="stretch", exposure="standardize", pad=8, feature_dim=152, stride=8,
                        bank_size=0, train_images=0, threshold=0.0,
                        calibration=Calibration(false_reject_rate=0.01, images=0, good_score_mean=0, good_score_max=0,
                                                rejected_good=0))
    canvases, places = load_canvases(tiles.train[:4], spec)
    features = PatchFeatures(128).eval()
    before = {k: v.clone() for k, v in features.state_dict().items()}
    losses = adapt_backbone(features, canvases, places, steps=3, batch=4)
    after = features.state_dict()
    assert len(losses) == 3 and all(np.isfinite(losses))
    assert not features.training
    moved = [k for k in before if k.endswith("weight") and not torch.equal(before[k], after[k])]
    assert moved, "no weight changed"
    stats = [k for k in before if k.endswith(("running_mean", "running_var"))]
    assert stats and all(torch.equal(before[k], after[k]) for k in stats)
    assert adapt_backbone(features, canvases, places, steps=0) == []


def test_an_adapted_detector_records_it_and_onnx_gives_its_verdicts(tiles, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from edgewise.apps.inspection.imaging import load_image
    from edgewise.apps.inspection.runtime import Detector
    from edgewise.apps.inspection.spec import DetectorSpec
    from edgewise.apps.inspection.training import train_detector

    det = train_detector(tiles.train[:6], tmp_path / "adapted", "adapted", calibration=tiles.calibrate[:3],
                         image_size=128, bank_size=256, adapt_steps=2)
    assert det.spec.adapt_steps == 2
    assert DetectorSpec.load(tmp_path / "adapted").adapt_steps == 2
    onnx = Detector(tmp_path / "adapted")
    for path in [*tiles.good[:2], *tiles.defects[:2]]:
        ref, got = det.inspect(load_image(path)), onnx.inspect(load_image(path)).inspection
        assert got.verdict == ref.verdict, path.name
        assert got.score == pytest.approx(ref.score, rel=1e-3)
