"""The threshold: set on held-out good parts to the operator's false-reject rate, and reset on the node.

:func:`calibrate` turns good-part scores into a threshold (training uses it);
:func:`recalibrate` resets a trained detector's threshold from new good parts
with the ONNX runtime alone, in seconds and without PyTorch. Why a station
needs that: a threshold set on the few dozen good parts of training lands where
those parts put it (on the magnetic tiles, 0-6% false rejects on unseen good
tiles for a "1%" threshold, benchmarks/inspection_folds.py). After the first
shift the operator has hundreds of confirmed-good parts; calibrating on them
costs one inference each, while retraining costs minutes to hours.

Both record the highest-scoring good images (:attr:`Calibration.highest`): the
parts that set the threshold, which the operator should look at.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgewise.apps.inspection.errors import TrainingError
from edgewise.apps.inspection.imaging import load_image
from edgewise.apps.inspection.postprocess import image_score
from edgewise.apps.inspection.spec import Calibration, DetectorSpec, ScoredImage, file_digest, load_trained_on

#: How many of the highest-scoring good images a calibration records.
HIGHEST = 5


def calibrate(scores: np.ndarray, false_reject_rate: float, images: Sequence[str] | None = None) -> tuple[float, Calibration]:
    """Threshold = the good-score quantile that rejects at most ``false_reject_rate`` of held-out good parts.

    ``method="higher"`` picks an observed score, so with few images the
    threshold errs towards passing good parts (with n < 1/rate it is the max).
    ``images`` names the scores (same order), for :attr:`Calibration.highest`.
    """
    threshold = float(np.quantile(scores, 1.0 - false_reject_rate, method="higher"))
    threshold = float(np.nextafter(np.float32(threshold), np.float32(np.inf)))  # the max itself passes
    highest = [] if images is None else [
        ScoredImage(image=images[i], score=float(scores[i])) for i in np.argsort(-scores, kind="stable")[:HIGHEST]
    ]
    cal = Calibration(
        false_reject_rate=false_reject_rate, images=len(scores), good_score_mean=float(scores.mean()),
        good_score_max=float(scores.max()), rejected_good=int((scores >= threshold).sum()), highest=highest,
    )
    return threshold, cal


@dataclass(frozen=True)
class Recalibration:
    """What :func:`recalibrate` changed: the spec before and after (``after`` is saved), and the images it left
    out because the detector was trained on them."""

    before: DetectorSpec
    after: DetectorSpec
    left_out: tuple[str, ...] = ()


def _scores(folder: Path, paths: Sequence[Path], variants: Sequence[bool], threads: int) -> np.ndarray:
    """Image scores ``(len(paths), len(variants))``, one column per variant (``True``: int8), each image
    decoded once. The scores are those the verdict compares, not the rounded ``Inspection.score``: a
    threshold set just above a rounded score could sit below the part's own score and reject it."""
    from edgewise.apps.inspection.runtime import Detector

    detectors = [Detector(folder, threads=threads, int8=int8) for int8 in variants]
    rows = []
    for p in paths:
        gray = load_image(p)
        rows.append([image_score(o.heat, o.placement, o.margin) for o in (d.inspect(gray) for d in detectors)])
    return np.array(rows).reshape(len(paths), len(variants))


def recalibrate(
    folder: Path,
    good: Sequence[Path],
    *,
    false_reject_rate: float | None = None,
    threads: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Recalibration:
    """Reset the threshold of the detector in ``folder`` on the ``good`` images (and its int8 variant's, if any).

    ``false_reject_rate`` defaults to the detector's current one. Every image must
    decode: a calibration set with an unreadable file is refused, not thinned.
    Images the detector was trained on are left out (listed in
    :attr:`Recalibration.left_out`): their own patches are in the memory bank, so
    they score low by construction and would pull the threshold down. The
    new spec is written to the folder; a node or watcher using the detector picks it
    up at its next image (:class:`~edgewise.apps.inspection.runtime.Detector` reloads
    a changed folder).
    """
    say = progress or (lambda _msg: None)
    before = DetectorSpec.load(folder)
    rate = before.calibration.false_reject_rate if false_reject_rate is None else false_reject_rate
    if not 0.0 < rate < 0.5:
        raise TrainingError(f"A false-reject rate of {rate} is not usable; give one between 0 and 0.5, e.g. 0.01.")
    if not good:
        raise TrainingError("No good images to calibrate on; pass files or folders of parts confirmed good.")
    trained = load_trained_on(folder)
    seen = [bool(trained) and file_digest(p) in trained for p in good]
    left_out = tuple(Path(p).name for p, was in zip(good, seen, strict=True) if was)
    if left_out:
        good = [p for p, was in zip(good, seen, strict=True) if not was]
        if not good:
            raise TrainingError(f"All {len(left_out)} images were used to train the detector, so they score low by "
                                "construction; calibrate on good parts it has never seen.")
    names = [Path(p).name for p in good]
    say(f"scoring {len(good)} good images" + (" (float32 and int8)" if before.int8 else ""))
    scores = _scores(folder, good, (False, True) if before.int8 else (False,), threads)
    after = before.model_copy(deep=True)
    after.threshold, after.calibration = calibrate(scores[:, 0], rate, names)
    if before.int8:
        after.int8_threshold, after.int8_calibration = calibrate(scores[:, 1], rate, names)
    after.save(folder)
    return Recalibration(before=before, after=after, left_out=left_out)


__all__ = ["HIGHEST", "Recalibration", "calibrate", "recalibrate"]
