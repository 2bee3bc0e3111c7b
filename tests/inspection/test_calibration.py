"""Recalibrating a trained detector on new good parts: the threshold, the parts that set it, and a detector
in use picking the change up at its next image (real ONNX runtime, real tiles)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from edgewise.apps.inspection.calibration import HIGHEST, calibrate, recalibrate
from edgewise.apps.inspection.errors import InvalidImage, TrainingError
from edgewise.apps.inspection.imaging import load_image
from edgewise.apps.inspection.postprocess import image_score
from edgewise.apps.inspection.runtime import Detector
from edgewise.apps.inspection.spec import SPEC_FILE, DetectorSpec, load_trained_on
from edgewise.cli import app
from edgewise.config import load_settings
from edgewise.models import ModelRegistry


@pytest.fixture()
def folder(trained, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A copy of the session detector: these tests change it."""
    return Path(shutil.copytree(trained[1], tmp_path / "tiles"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 100, allow_nan=False, width=32), min_size=1, max_size=40))
def test_the_highest_scoring_good_images_are_recorded_highest_first(scores: list[float]) -> None:
    arr = np.array(scores, dtype=np.float32)
    names = [f"part{i}.jpg" for i in range(len(arr))]
    _, cal = calibrate(arr, 0.05, names)
    assert len(cal.highest) == min(HIGHEST, len(arr))
    got = [h.score for h in cal.highest]
    assert got == sorted(arr.tolist(), reverse=True)[: len(got)]
    assert all(arr[names.index(h.image)] == h.score for h in cal.highest)


def test_a_detector_in_use_judges_with_the_new_threshold(folder: Path, tiles) -> None:  # type: ignore[no-untyped-def]
    det, det8 = Detector(folder), Detector(folder, int8=True)
    session, old = det.session, det.spec.threshold
    good = tiles.good + tiles.calibrate
    change = recalibrate(folder, good, false_reject_rate=0.2)
    new = change.after
    assert change.before.threshold == old and new.threshold != old
    assert new.calibration.images == len(good) and new.calibration.false_reject_rate == 0.2
    assert DetectorSpec.load(folder).threshold == new.threshold  # saved

    # the detector loaded before the change judges with the new threshold, on the same ONNX session
    outcomes = [det.inspect(load_image(p), image=p.name) for p in good]
    verdicts = [o.inspection for o in outcomes]
    assert det.spec.threshold == new.threshold and det.session is session
    # calibrated on the scores the verdict compares, not on the rounded ones it reports
    raw = np.array([image_score(o.heat, o.placement, o.margin) for o in outcomes])
    assert new.calibration.good_score_mean == float(raw.mean())
    assert [h.score for h in new.calibration.highest] == sorted(raw.tolist(), reverse=True)[:HIGHEST]
    assert sum(v.verdict == "reject" for v in verdicts) == new.calibration.rejected_good <= int(0.2 * len(good))
    by_score = sorted(verdicts, key=lambda v: -v.score)
    assert [h.image for h in new.calibration.highest] == [v.image for v in by_score[:HIGHEST]]
    # the int8 variant got its own threshold from the same parts
    assert new.int8_threshold is not None and new.int8_threshold != change.before.int8_threshold
    det8.inspect(load_image(good[0]))
    assert det8.spec.threshold == new.int8_threshold


def test_a_replaced_model_file_reopens_the_session(folder: Path, tiles) -> None:  # type: ignore[no-untyped-def]
    det = Detector(folder)
    session, threshold = det.session, det.spec.threshold
    assert det.refresh() is False
    # a retrain caught half-way: the ONNX file is cut short; the detector keeps judging with what it loaded
    onnx = (folder / "detector.onnx").read_bytes()
    (folder / "detector.onnx").write_bytes(onnx[: len(onnx) // 2])
    assert det.refresh() is False and det.session is session
    assert det.inspect(load_image(tiles.good[0])).inspection.threshold == pytest.approx(threshold, abs=1e-4)
    shutil.copy(folder / "detector.int8.onnx", folder / "detector.onnx")  # the retrain finished
    assert det.refresh() is True and det.session is not session


def test_unusable_calibration_input_is_refused_and_the_spec_kept(folder: Path, tiles, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = (folder / SPEC_FILE).read_bytes()
    with pytest.raises(TrainingError, match="No good images"):
        recalibrate(folder, [])
    with pytest.raises(TrainingError, match="false-reject rate"):
        recalibrate(folder, tiles.good, false_reject_rate=0.7)
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(tiles.good[0].read_bytes()[:300])
    with pytest.raises(InvalidImage, match="corrupt.jpg"):
        recalibrate(folder, [*tiles.good, corrupt])
    assert (folder / SPEC_FILE).read_bytes() == before


def test_images_the_detector_was_trained_on_are_left_out(folder: Path, tiles) -> None:  # type: ignore[no-untyped-def]
    assert len(load_trained_on(folder)) == len(tiles.train)  # training recorded its images
    renamed = folder.parent / "renamed.jpg"  # by content, not by name
    shutil.copy(tiles.train[0], renamed)
    change = recalibrate(folder, [renamed, *tiles.train[1:3], *tiles.good], false_reject_rate=0.2)
    assert change.left_out == ("renamed.jpg", tiles.train[1].name, tiles.train[2].name)
    assert change.after.calibration.images == len(tiles.good)
    assert {h.image for h in change.after.calibration.highest} <= {p.name for p in tiles.good}
    # a training image's score is far below the threshold: it would have pulled the quantile down
    det = Detector(folder)
    assert max(det.inspect(load_image(p)).inspection.score for p in tiles.train[:3]) < change.after.calibration.good_score_mean
    before = (folder / SPEC_FILE).read_bytes()
    with pytest.raises(TrainingError, match="All 2 images were used to train"):
        recalibrate(folder, tiles.train[:2])
    assert (folder / SPEC_FILE).read_bytes() == before


def test_cli_calibrate_updates_the_detector_and_its_registry_entry(folder: Path, tiles, isolated_env: Path) -> None:  # type: ignore[no-untyped-def]
    registry = ModelRegistry(load_settings().models_dir)
    registry.add(folder, "tiles", kind="detector", meta={"threshold": DetectorSpec.load(folder).threshold})
    runner = CliRunner()
    args = ["inspect", "calibrate", *map(str, tiles.good + tiles.calibrate), "--model", "tiles", "--false-reject-rate", "0.2", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout[result.stdout.index("{"):])
    spec = DetectorSpec.load(folder)
    assert out["threshold"] == spec.threshold != out["threshold_before"]
    assert out["calibration"]["images"] == len(tiles.good + tiles.calibrate) and out["left_out_trained"] == []
    assert registry.get("tiles").meta["threshold"] == spec.threshold
    table = runner.invoke(app, args[:-1])
    assert table.exit_code == 0 and "highest-scoring good parts" in table.output and "needs at least" not in table.output
    few = runner.invoke(app, ["inspect", "calibrate", *map(str, tiles.good[:2]), "--model", "tiles"])  # keeps the rate, 0.2
    assert few.exit_code == 0 and "needs at least 5" in " ".join(few.output.split())
    mixed = runner.invoke(app, ["inspect", "calibrate", *map(str, tiles.good + tiles.train[:1]), "--model", "tiles"])
    assert mixed.exit_code == 0 and "left out 1 image the detector was trained on (they score low" in " ".join(mixed.output.split())
    unknown = runner.invoke(app, ["inspect", "calibrate", str(tiles.good[0]), "--model", "nope"])
    assert unknown.exit_code != 0
