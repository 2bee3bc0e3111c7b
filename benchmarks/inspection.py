"""Benchmark of the inspection station on the shared magnetic-tile images.

Trains a detector on good tiles only (split by tile group, see
``inspection_eval.split``), calibrates its threshold to a 1% false-reject rate
on held-out good groups, then measures on the untouched test groups and every
defect image: image AUROC, pixel AUROC, PRO, recall per defect class, latency
(p50/p95, one core) and throughput (two cores) of the ONNX runtime against the
PyTorch eager model it was exported from (the peer), the int8 variant's cost,
the model size, and the image bytes seen against the bytes uplinked over a
replay of the whole shared set. Writes ``benchmarks/results/inspection.{json,md,png}``.

    .venv/bin/python benchmarks/inspection.py            # train, then measure
    .venv/bin/python benchmarks/inspection.py --reuse    # measure an already trained detector again
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from inspection_eval import Sample, auroc, pro_auc, read_manifest, split  # noqa: E402
from machine import describe, markdown_header  # noqa: E402

from edgewise.apps.inspection.imaging import decode_image, load_image  # noqa: E402
from edgewise.apps.inspection.postprocess import source_heatmap  # noqa: E402
from edgewise.apps.inspection.runtime import Detector  # noqa: E402

DATA = Path(os.environ.get("EDGEWISE_SHARED_DATA", HERE.parent.parent / "shared" / "data")) / "magnetic_tile"
OUT = HERE / "results"
WORK = HERE / ".cache" / "inspection"
FRR = 0.01


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs), q))


def train(parts: dict[str, list[Sample]]) -> tuple[Any, float]:
    from edgewise.apps.inspection.training import train_detector

    labelled: dict[str, list[Path]] = {}
    for s in parts["defect_index"]:
        labelled.setdefault(s.cls, []).append(s.image)
    t0 = time.perf_counter()
    det = train_detector(
        [s.image for s in parts["train"]], WORK / "mt-bench", "mt-bench", calibration=[s.image for s in parts["calib"]],
        false_reject_rate=FRR, labelled=labelled, int8=True, progress=lambda m: print("  " + m, flush=True),
    )
    return det, time.perf_counter() - t0


def reuse(parts: dict[str, list[Sample]]) -> Any:
    """Rebuild the training-time model of an already trained folder (bank read back from the ONNX file),
    and redo the int8 variant and its calibration (``--reuse``: saves the 15-25 min of training on a busy box)."""
    import onnx
    import torch
    from onnx import numpy_helper

    from edgewise.apps.inspection.calibration import recalibrate
    from edgewise.apps.inspection.classify import ClassIndex
    from edgewise.apps.inspection.model import PatchCoreNet, PatchFeatures
    from edgewise.apps.inspection.spec import CLASSES_FILE, INT8_FILE, ONNX_FILE, DetectorSpec
    from edgewise.apps.inspection.training import TorchDetector, load_canvases, quantize_int8

    folder = WORK / "mt-bench"
    spec = DetectorSpec.load(folder)
    inits = [numpy_helper.to_array(t) for t in onnx.load(str(folder / ONNX_FILE)).graph.initializer]
    # the exporter stores the bank transposed (it folds ``bank.T`` into a constant)
    bank = next(a if a.shape[0] == spec.bank_size else a.T for a in inits
                if a.shape in ((spec.bank_size, spec.feature_dim), (spec.feature_dim, spec.bank_size)))
    torch.set_num_threads(1)
    net = PatchCoreNet(PatchFeatures(spec.image_size).eval(), torch.from_numpy(bank.copy()), spec.image_size).eval()
    train_canv, _ = load_canvases([s.image for s in parts["train"][:16]], spec)
    cal_canv, _ = load_canvases([s.image for s in parts["calib"]], spec)
    quantize_int8(folder / ONNX_FILE, folder / INT8_FILE, np.concatenate([train_canv, cal_canv]))
    spec.int8 = True
    spec.save(folder)
    spec = recalibrate(folder, [s.image for s in parts["calib"]], false_reject_rate=FRR).after  # as training does
    return TorchDetector(net, spec, ClassIndex.load(folder / CLASSES_FILE))


def score_all(detector: Detector, samples: list[Sample]) -> list[dict[str, Any]]:
    rows = []
    for s in samples:
        data = s.image.read_bytes()
        t0 = time.perf_counter()
        out = detector.inspect(decode_image(data), image=s.image.name, started=t0)
        rows.append({"sample": s, "outcome": out, "latency_ms": out.inspection.latency_ms})
    return rows


def accuracy(rows: list[dict[str, Any]], pixel: bool) -> dict[str, Any]:
    labels = np.array([r["sample"].label == "defect" for r in rows])
    scores = np.array([r["outcome"].inspection.score for r in rows])
    rejected = np.array([r["outcome"].inspection.verdict == "reject" for r in rows])
    res: dict[str, Any] = {
        "image_auroc": auroc(labels, scores),
        "false_reject_rate_test": float(rejected[~labels].mean()),
        "recall_all_defects": float(rejected[labels].mean()),
        "recall_per_class": {},
    }
    for cls in sorted({r["sample"].cls for r in rows if r["sample"].label == "defect"}):
        sel = np.array([r["sample"].cls == cls for r in rows])
        res["recall_per_class"][cls] = {"recall": float(rejected[sel].mean()), "images": int(sel.sum())}
    if pixel:
        masks, heats = [], []
        for r in rows:
            m = np.asarray(load_image(r["sample"].mask)) >= 128
            if r["sample"].label == "defect" and not m.any():
                continue  # the README's empty MT_Uneven masks: excluded from pixel metrics
            masks.append(m[::2, ::2])
            heats.append(source_heatmap(r["outcome"].heat, r["outcome"].placement, r["outcome"].margin)[::2, ::2])
        res["pixel_auroc"] = auroc(np.concatenate([m.ravel() for m in masks]), np.concatenate([h.ravel() for h in heats]))
        res["pro_at_30pct_fpr"] = pro_auc(masks, heats)
    return res


def class_accuracy(rows: list[dict[str, Any]], query: set[Path]) -> dict[str, Any]:
    hits = [
        r["outcome"].inspection.likely_class == r["sample"].cls
        for r in rows
        if r["sample"].image in query and r["outcome"].inspection.verdict == "reject"
    ]
    return {"rejected_query_images": len(hits), "accuracy": float(np.mean(hits)) if hits else None}


def throughput(folder: Path, samples: list[Sample], workers: int) -> float:
    dets = [Detector(folder, threads=1) for _ in range(workers)]
    blobs = [s.image.read_bytes() for s in samples]

    def work(k: int) -> None:
        for data in blobs[k::workers]:
            dets[k].inspect(decode_image(data))

    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, range(workers)))
    return len(blobs) / (time.perf_counter() - t0)


def torch_latency(det: Any, samples: list[Sample]) -> tuple[list[float], int]:
    import torch

    torch.set_num_threads(1)
    lat, agree = [], 0
    onnx = Detector(WORK / "mt-bench", threads=1)
    for s in samples:
        gray = load_image(s.image)
        t0 = time.perf_counter()
        ref = det.inspect(gray)
        lat.append((time.perf_counter() - t0) * 1000)
        agree += ref.verdict == onnx.inspect(gray).inspection.verdict
    return lat, agree


def main() -> None:
    from inspection_report import bandwidth_replay, figure, write_markdown

    samples = read_manifest(DATA)
    parts = split(samples)
    print({k: len(v) for k, v in parts.items()}, flush=True)
    if "--reuse" in sys.argv and (WORK / "mt-bench" / "detector.json").is_file():
        print("reusing the trained detector; redoing int8", flush=True)
        det, train_s = reuse(parts), float("nan")
    else:
        det, train_s = train(parts)
    folder = WORK / "mt-bench"
    test = parts["test_good"] + parts["defect_index"] + parts["defect_query"]
    results: dict[str, Any] = {"machine": describe(("onnxruntime", "torch", "numpy", "pillow", "scikit-learn")),
                               "load_average_at_start": os.getloadavg(), "split": {k: len(v) for k, v in parts.items()},
                               "train_seconds": None if train_s != train_s else round(train_s, 1), "spec": json.loads((folder / "detector.json").read_text())}
    print("scoring (float32, 1 thread)", flush=True)
    fp32 = score_all(Detector(folder, threads=1), test)
    results["float32"] = accuracy(fp32, pixel=True)
    results["float32"]["likely_class"] = class_accuracy(fp32, {s.image for s in parts["defect_query"]})
    lat = [r["latency_ms"] for r in fp32]
    results["float32"]["latency_ms"] = {"p50": pct(lat, 50), "p95": pct(lat, 95), "n": len(lat)}
    print("scoring (int8, 1 thread)", flush=True)
    q8 = score_all(Detector(folder, threads=1, int8=True), test)
    results["int8"] = accuracy(q8, pixel=False)
    lat8 = [r["latency_ms"] for r in q8]
    results["int8"]["latency_ms"] = {"p50": pct(lat8, 50), "p95": pct(lat8, 95), "n": len(lat8)}
    print("peer: PyTorch eager (1 thread)", flush=True)
    sub = test[:: max(1, len(test) // 40)]
    tl, agree = torch_latency(det, sub)
    results["torch_eager"] = {"latency_ms": {"p50": pct(tl, 50), "p95": pct(tl, 95), "n": len(tl)}, "verdict_agreement_with_onnx": agree / len(sub)}
    print("throughput", flush=True)
    few = test[:: max(1, len(test) // 100)]
    results["throughput_images_per_s"] = {"1_worker": throughput(folder, few, 1), "2_workers": throughput(folder, few, 2), "images": len(few)}
    results["model_size_bytes"] = {f.name: f.stat().st_size for f in sorted(folder.iterdir()) if f.is_file()}
    results["ratios"] = {
        "onnx_vs_torch_p50_speedup": results["torch_eager"]["latency_ms"]["p50"] / results["float32"]["latency_ms"]["p50"],
        "int8_vs_fp32_p50_speedup": results["float32"]["latency_ms"]["p50"] / results["int8"]["latency_ms"]["p50"],
        "int8_image_auroc_delta": results["int8"]["image_auroc"] - results["float32"]["image_auroc"],
    }
    print("bandwidth replay", flush=True)
    results["bandwidth"] = bandwidth_replay(folder, samples)
    OUT.mkdir(parents=True, exist_ok=True)
    figure(fp32, results, OUT / "inspection.png")
    (OUT / "inspection.json").write_text(json.dumps(results, indent=2, default=str))
    (OUT / "inspection.md").write_text(markdown_header("Inspection benchmark", results["machine"]) + write_markdown(results))
    print(json.dumps({k: results[k] for k in ("float32", "int8", "torch_eager", "throughput_images_per_s", "ratios", "bandwidth")}, indent=1, default=str))


if __name__ == "__main__":
    main()
