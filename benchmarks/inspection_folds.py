"""Cross-validated accuracy of the inspection detector: four rotations of the good tile groups.

``benchmarks/inspection.py`` measures one split (speed, int8, bandwidth, the
figure). Its accuracy rests on about a dozen independent good tiles, so this
script repeats training and calibration over four rotations of the good groups
(see ``inspection_eval.group_folds``) with the stock trainer and the ONNX
runtime, and reports per fold and in the mean: image AUROC, the false-reject
rate on good tiles never seen in training or calibration (the threshold is set
to 1% on the calibration fold), and recall per defect class at that threshold.
Variants are passed as trainer keyword arguments, e.g. ``--variant 384:image_size=384``;
each variant's last-fold detector is then timed on one core, the variants interleaved
image by image, with ratios against the first. Writes
``benchmarks/results/inspection_folds.{json,md}``.

    .venv/bin/python benchmarks/inspection_folds.py                       # stock detector (adapted backbone)
    .venv/bin/python benchmarks/inspection_folds.py --variant imagenet:adapt_steps=0 --variant stock
    .venv/bin/python benchmarks/inspection_folds.py --variant stock --variant 384:image_size=384
    .venv/bin/python benchmarks/inspection_folds.py --latency-only        # re-time the last run's detectors
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from inspection import DATA, FRR, OUT, WORK  # noqa: E402
from inspection_eval import Sample, auroc, group_folds, read_manifest  # noqa: E402
from machine import describe, markdown_header  # noqa: E402

from edgewise.apps.inspection.imaging import load_image  # noqa: E402
from edgewise.apps.inspection.runtime import Detector  # noqa: E402

CLASSES = ("blowhole", "break", "crack", "fray", "uneven")


def one_fold(parts: dict[str, list[Sample]], name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    from edgewise.apps.inspection.training import train_detector

    folder = WORK / f"folds-{name}"
    t0 = time.perf_counter()
    train_detector([s.image for s in parts["train"]], folder, f"folds-{name}", calibration=[s.image for s in parts["calib"]],
                   false_reject_rate=FRR, threads=2, **kwargs)
    train_s = time.perf_counter() - t0
    det = Detector(folder, threads=2)
    good = np.array([det.inspect(load_image(s.image)).inspection.score for s in parts["test_good"]])
    bad = np.array([det.inspect(load_image(s.image)).inspection.score for s in parts["defects"]])
    thr = det.spec.threshold
    labels = np.r_[np.zeros(len(good)), np.ones(len(bad))]
    recall = {c: float((bad[[s.cls == c for s in parts["defects"]]] >= thr).mean()) for c in CLASSES}
    return {
        "train_images": len(parts["train"]), "calib_images": len(parts["calib"]), "test_good_images": len(good),
        "test_good_groups": len({s.group for s in parts["test_good"]}), "train_seconds": round(train_s, 1),
        "image_auroc": auroc(labels, np.r_[good, bad]), "false_reject_rate_unseen_good": float((good >= thr).mean()),
        "recall_all_defects": float((bad >= thr).mean()), "recall_per_class": recall,
    }


def latency(names: list[str], samples: list[Sample], rounds: int = 2) -> dict[str, Any]:
    """p50/p95 ms per image of each variant's last-fold detector, one thread, interleaved image by image
    (the host's drift hits every variant alike), and each p50 as a multiple of the first variant's."""
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})  # one core, as the goal states
    images = [load_image(s.image) for s in samples]
    detectors = {n: Detector(WORK / f"folds-{n}", threads=1) for n in names}
    ms: dict[str, list[float]] = {n: [] for n in names}
    for _ in range(rounds):
        for gray in images:
            for n, det in detectors.items():
                t0 = time.perf_counter()
                det.inspect(gray)
                ms[n].append((time.perf_counter() - t0) * 1000)
    p50 = {n: float(np.percentile(v, 50)) for n, v in ms.items()}
    return {n: {"p50_ms": p50[n], "p95_ms": float(np.percentile(v, 95)), "n": len(v), "p50_vs_" + names[0]: p50[n] / p50[names[0]]}
            for n, v in ms.items()}


def summary(folds: list[dict[str, Any]]) -> dict[str, Any]:
    def stat(xs: list[float]) -> dict[str, float]:
        return {"mean": float(np.mean(xs)), "min": float(np.min(xs)), "max": float(np.max(xs))}

    return {
        "image_auroc": stat([f["image_auroc"] for f in folds]),
        "false_reject_rate_unseen_good": stat([f["false_reject_rate_unseen_good"] for f in folds]),
        "recall_all_defects": stat([f["recall_all_defects"] for f in folds]),
        "recall_per_class": {c: stat([f["recall_per_class"][c] for f in folds]) for c in CLASSES},
    }


def markdown(results: dict[str, Any]) -> str:
    k = results["folds"]
    lines = ["Command: `.venv/bin/python benchmarks/inspection_folds.py " + " ".join(results["argv"]) + "`.", "",
             f"{k} rotations of the good tile groups (train on {k - 2} folds, calibrate to 1% false rejects on the next, "
             f"test on the last); all {results['defect_images']} defect images in every test. Mean (min-max) over the folds.", "",
             "| variant | image AUROC | false rejects, unseen good tiles | recall, all | " + " | ".join(CLASSES) + " |",
             "|---|---|---|---|" + "---|" * len(CLASSES)]

    def cell(s: dict[str, float]) -> str:
        return f"{s['mean']:.3f} ({s['min']:.2f}-{s['max']:.2f})"

    for name, v in results["variants"].items():
        m = v["summary"]
        lines.append(f"| {name} | {cell(m['image_auroc'])} | {cell(m['false_reject_rate_unseen_good'])} | "
                     f"{cell(m['recall_all_defects'])} | " + " | ".join(cell(m["recall_per_class"][c]) for c in CLASSES) + " |")
    if "latency" in results:
        first = next(iter(results["latency"]))
        lines += ["", "Latency per image, one core, each variant's last-fold detector (ONNX), interleaved "
                  f"(command: `.venv/bin/python benchmarks/inspection_folds.py {' '.join(results['latency_argv'])}`):", "",
                  f"| variant | p50 ms | p95 ms | images | p50 vs {first} |", "|---|---|---|---|---|"]
        lines += [f"| {n} | {v['p50_ms']:.1f} | {v['p95_ms']:.1f} | {v['n']} | {v['p50_vs_' + first]:.2f}x |"
                  for n, v in results["latency"].items()]
    lines += ["", "Goals (issue 11): image AUROC >= 0.95, every class recalled at >= 0.80 at 1% false rejects; "
              "<= 50 ms per image on one core."]
    return "\n".join(lines) + "\n"


def parse_variant(text: str) -> tuple[str, dict[str, Any]]:
    name, _, rest = text.partition(":")
    kwargs: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        kwargs[key] = json.loads(value) if value[:1].isdigit() or value in ("true", "false") else value
    return name, kwargs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variant", action="append", default=[], help="NAME:key=value,... trainer keyword arguments")
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--latency-only", action="store_true", help="re-time the detectors of the last run, no training")
    args = ap.parse_args()
    samples = read_manifest(DATA)
    timed = samples[::15]
    if args.latency_only:
        results = json.loads((OUT / "inspection_folds.json").read_text())
        results.setdefault("folds", len(next(iter(results["variants"].values()))["folds"]))  # runs before these fields
        results.setdefault("defect_images", sum(s.label == "defect" for s in samples))
        results["latency"], results["latency_argv"] = latency(list(results["variants"]), timed), sys.argv[1:]
        write(results)
        return
    variants = [parse_variant(v) for v in args.variant] or [("stock", {})]
    folds = group_folds(samples, args.folds)
    results: dict[str, Any] = {"machine": describe(("onnxruntime", "torch", "numpy")), "argv": sys.argv[1:], "folds": len(folds),
                               "defect_images": len(folds[0]["defects"]), "variants": {}}
    for name, kwargs in variants:
        rows = []
        for i, parts in enumerate(folds):
            print(f"{name}: fold {i + 1}/{len(folds)}", flush=True)
            rows.append(one_fold(parts, name, kwargs))
            print(json.dumps({k: rows[-1][k] for k in ("image_auroc", "false_reject_rate_unseen_good", "recall_all_defects")}), flush=True)
        results["variants"][name] = {"trainer_kwargs": kwargs, "folds": rows, "summary": summary(rows)}
    results["latency"], results["latency_argv"] = latency(list(results["variants"]), timed), sys.argv[1:]
    write(results)


def write(results: dict[str, Any]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "inspection_folds.json").write_text(json.dumps(results, indent=2))
    (OUT / "inspection_folds.md").write_text(markdown_header("Inspection accuracy, cross-validated by tile group", results["machine"])
                                             + markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
