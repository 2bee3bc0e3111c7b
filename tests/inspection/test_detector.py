"""The detector itself: ONNX Runtime agrees with the training-time model, defects score above good parts,
the threshold is calibrated as promised, and boxes stay inside the image."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewise.apps.inspection.imaging import Placement, load_image
from edgewise.apps.inspection.postprocess import defect_regions
from edgewise.apps.inspection.runtime import Detector
from edgewise.apps.inspection.spec import DetectorSpec
from edgewise.apps.inspection.calibration import calibrate


def test_spec_records_good_only_training_and_calibration(trained, tiles) -> None:  # type: ignore[no-untyped-def]
    spec = DetectorSpec.load(trained[1])
    assert spec.train_images == len(tiles.train)
    assert spec.calibration.images == len(tiles.calibrate)
    assert spec.calibration.rejected_good == 0  # fewer than 100 images at 1 %: the threshold sits just above their max
    assert spec.threshold > spec.calibration.good_score_max
    assert spec.classes == ["break", "fray"]
    assert (trained[1] / "detector.onnx").stat().st_size < 8 * 1024 * 1024
    assert spec.fit == "stretch" and spec.pad == round(spec.image_size * 0.0625)  # the trainer's default fit
    assert spec.exposure == "standardize"  # the trainer's default exposure


@pytest.mark.parametrize(("normal", "calibration", "kwargs", "message"), [
    (1, 1, {}, "Need at least 2 good images to train"),
    (3, 0, {"false_reject_rate": 0.5}, "false-reject rate of 0.5 is not usable"),
    (3, 0, {"false_reject_rate": 0.0}, "false-reject rate of 0.0 is not usable"),
    (3, -2, {}, "Every --calibrate image is also a training image"),
])
def test_training_refuses_unusable_input_before_it_starts(tiles, tmp_path, normal: int, calibration: int,  # type: ignore[no-untyped-def]
                                                           kwargs: dict[str, float], message: str) -> None:
    from edgewise.apps.inspection.errors import TrainingError
    from edgewise.apps.inspection.training import train_detector

    train = tiles.train[:normal]
    # > 0: that many held-out tiles; 0: none (a share of --normal is held back); < 0: the last training tiles again
    held = tiles.calibrate[:calibration] if calibration > 0 else train[calibration:] if calibration < 0 else None
    with pytest.raises(TrainingError, match=message):
        train_detector(train, tmp_path / "out", "refused", calibration=held, adapt_steps=0, **kwargs)
    assert not (tmp_path / "out").exists()


def test_a_detector_saved_before_the_fit_existed_is_read_as_letterboxed(trained) -> None:  # type: ignore[no-untyped-def]
    saved = DetectorSpec.load(trained[1]).model_dump(mode="json")
    del saved["fit"], saved["exposure"]
    old = DetectorSpec.model_validate(saved)
    assert old.fit == "letterbox" and old.exposure == "raw"
    saved["fit"] = "crop"
    with pytest.raises(ValueError, match="fit"):
        DetectorSpec.model_validate(saved)


def test_onnx_runtime_gives_the_training_time_verdicts(trained, tiles) -> None:  # type: ignore[no-untyped-def]
    torch_det, folder = trained
    onnx_det = Detector(folder, threads=1)
    for path in tiles.good + tiles.defects:
        gray = load_image(path)
        ref = torch_det.inspect(gray)
        got = onnx_det.inspect(gray).inspection
        assert got.verdict == ref.verdict, path.name
        assert got.score == pytest.approx(ref.score, rel=1e-3)
        assert got.defect_area_px == pytest.approx(ref.defect_area_px, abs=max(16, 0.02 * ref.defect_area_px))


@pytest.mark.parametrize("int8", [False, True])
def test_the_node_rejects_exactly_the_held_out_parts_the_calibration_counted(trained, tiles, int8: bool) -> None:  # type: ignore[no-untyped-def]
    """The threshold is set on the scores the node itself computes (ONNX Runtime, one image per run): one set on
    the training-time model's scores can sit a rounding error below the highest held-out part's score at run time,
    and the node would reject a part that calibration counted as passing."""
    det = Detector(trained[1], int8=int8)
    verdicts = [det.inspect(load_image(p)).inspection.verdict for p in tiles.calibrate]
    assert verdicts.count("reject") == det.spec.calibration.rejected_good == 0
    top = det.spec.calibration.highest[0]
    assert det.spec.threshold == float(np.nextafter(np.float32(top.score), np.float32(np.inf)))


def test_defects_score_above_unseen_good_tiles(trained, tiles) -> None:  # type: ignore[no-untyped-def]
    det = Detector(trained[1])
    good = [det.inspect(load_image(p)).inspection.score for p in tiles.good]
    bad = [det.inspect(load_image(p)).inspection for p in tiles.defects]
    assert min(b.score for b in bad) > float(np.median(good))
    rejected = [b for b in bad if b.verdict == "reject"]
    assert rejected, "none of the large defects was rejected"
    for b in rejected:
        assert b.boxes and b.defect_area_px > 0 and b.likely_class in {"break", "fray"}


def test_int8_variant_has_its_own_threshold_and_still_separates(trained, tiles) -> None:  # type: ignore[no-untyped-def]
    fp32, q8 = Detector(trained[1]), Detector(trained[1], int8=True)
    assert q8.spec.threshold != fp32.spec.threshold and q8.spec.calibration.rejected_good == 0
    good = [q8.inspect(load_image(p)).inspection.score for p in tiles.good]
    bad = [q8.inspect(load_image(p)).inspection for p in tiles.defects]
    assert min(b.score for b in bad) > float(np.median(good))
    assert any(b.verdict == "reject" for b in bad)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=300), st.sampled_from([0.01, 0.05, 0.2]))
def test_calibrated_threshold_rejects_at_most_the_asked_share(scores: list[float], rate: float) -> None:
    arr = np.array(scores, dtype=np.float32)
    threshold, cal = calibrate(arr, rate)
    assert cal.rejected_good == int((arr >= threshold).sum())
    assert cal.rejected_good <= max(0, int(np.floor(rate * len(arr))))


@settings(max_examples=40, deadline=None)
@given(
    st.integers(16, 128), st.integers(16, 128), st.floats(0.3, 3.0),
    st.lists(st.tuples(st.integers(0, 127), st.integers(0, 127), st.integers(1, 30), st.integers(1, 30)), max_size=5),
)
def test_boxes_lie_inside_the_image(h: int, w: int, scale: float, blobs: list[tuple[int, int, int, int]]) -> None:
    heat = np.zeros((128, 128), np.float32)
    for y, x, bh, bw in blobs:
        heat[y : y + bh, x : x + bw] = 10.0
    pl = Placement(scale_y=scale, scale_x=scale, height=h, width=w, src_height=max(1, round(h / scale)), src_width=max(1, round(w / scale)))
    area, boxes = defect_regions(heat, pl, 5.0)
    inside = heat[:h, :w] > 5.0
    assert (area > 0) == bool(inside.any()) and bool(boxes) == bool(inside.any())
    for b in boxes:
        assert 0 <= b.x < pl.src_width and 0 <= b.y < pl.src_height
        assert b.x + b.width <= pl.src_width + 1 and b.y + b.height <= pl.src_height + 1


def test_the_edge_margin_leaves_the_outline_unscored_but_not_the_surface() -> None:
    from edgewise.apps.inspection.postprocess import image_score

    heat = np.zeros((100, 100), np.float32)
    pl = Placement(scale_y=1.0, scale_x=1.0, height=60, width=40, src_height=60, src_width=40, top=10, left=20)
    heat[10:13, 20:60] = 9.0  # hot along the part's top outline: a cut edge
    assert image_score(heat, pl, margin=0) == 9.0
    assert image_score(heat, pl, margin=4) == 0.0
    assert defect_regions(heat, pl, 5.0, margin=4) == (0, [])
    heat[40, 40] = 7.0  # a defect on the surface, inside the margin
    assert image_score(heat, pl, margin=4) == 7.0
    area, boxes = defect_regions(heat, pl, 5.0, margin=4)
    b = boxes[0]
    assert area == 1 and len(boxes) == 1 and b.y <= 30 < b.y + b.height and b.x <= 20 < b.x + b.width  # part pixels
    heat[:] = 0.0
    heat[95, 95] = 50.0  # outside the part (padding): never scored
    assert image_score(heat, pl) == 0.0


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), patches=st.integers(1, 6), bank_size=st.integers(1, 300), scale=st.floats(0.01, 100.0))
def test_patch_scores_are_the_distance_to_the_nearest_bank_patch(seed: int, patches: int, bank_size: int, scale: float) -> None:
    """The search folds the bank's norms into one product (model.PatchCoreNet.patch_scores): it must still give
    each patch's Euclidean distance to its nearest bank patch, as a plain float64 search does."""
    import torch

    from edgewise.apps.inspection.model import FEATURE_DIM, PatchCoreNet

    gen = torch.Generator().manual_seed(seed)
    bank = torch.randn(bank_size, FEATURE_DIM, generator=gen) * scale
    feats = torch.randn(2, FEATURE_DIM, patches, 3, generator=gen) * scale
    feats[0, :, 0, 0] = bank[0]  # a patch that is in the bank: distance 0
    got = PatchCoreNet(torch.nn.Identity(), bank, 64).patch_scores(feats).double()  # type: ignore[arg-type]
    want = torch.cdist(feats.flatten(2).transpose(1, 2).double(), bank.double()).min(dim=-1).values.view(2, 1, patches, 3)
    # float32 expansion of |p - b|^2 cancels: near 0 the error is about sqrt(eps * |p|^2), some 0.005 * scale here
    assert torch.allclose(got, want, rtol=1e-4, atol=2e-2 * scale)
    assert float(got[0, 0, 0, 0]) <= 2e-2 * scale
