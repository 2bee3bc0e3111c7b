"""Bandwidth replay, figure and Markdown of the inspection benchmark (the runner is ``inspection.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from edgewise.apps.inspection.overlay import render
from edgewise.apps.inspection.runtime import Detector
from edgewise.apps.inspection.settings import InspectionSettings
from edgewise.apps.inspection.station import Station


def bandwidth_replay(folder: Path, samples: list[Any]) -> dict[str, Any]:
    """Replay every shared image through a station (dry-run publisher, template reports): bytes seen vs sent."""
    station = Station(Detector(folder, threads=1), InspectionSettings(station="replay"))
    for s in samples:
        station.inspect_bytes(s.image.read_bytes(), image=s.image.name)
    summary = station.publish_summary()
    stats = station.publisher.stats.as_dict()
    stats["images"] = summary.inspected
    stats["rejected"] = summary.rejected
    return stats


def _pick(rows: list[dict[str, Any]], want: str, n: int) -> list[dict[str, Any]]:
    def kind(r: dict[str, Any]) -> str:
        defect = r["sample"].label == "defect"
        rej = r["outcome"].inspection.verdict == "reject"
        return {(True, True): "true reject", (False, True): "false reject", (True, False): "miss"}.get((defect, rej), "pass")

    chosen = [r for r in rows if kind(r) == want]
    return chosen[:: max(1, len(chosen) // n)][:n]


def figure(rows: list[dict[str, Any]], results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = ["true reject", "false reject", "miss"]
    fig = plt.figure(figsize=(14, 11))
    grid = fig.add_gridspec(4, 6, height_ratios=[1, 1, 1, 1.1])
    for i, kind in enumerate(kinds):
        for j, r in enumerate(_pick(rows, kind, 6)):
            ax = fig.add_subplot(grid[i, j])
            ax.imshow(render(r["outcome"]))
            ax.set_title(f"{kind}: {r['sample'].cls}", fontsize=8)
            ax.axis("off")
    ax = fig.add_subplot(grid[3, :])
    good = np.array([r["outcome"].inspection.score for r in rows if r["sample"].label != "defect"])
    bad = np.array([r["outcome"].inspection.score for r in rows if r["sample"].label == "defect"])
    bins = np.linspace(min(good.min(), bad.min()), max(good.max(), bad.max()), 50)
    ax.hist(good, bins=bins, alpha=0.6, label=f"good test tiles (n={len(good)})", density=True)
    ax.hist(bad, bins=bins, alpha=0.6, label=f"defect tiles (n={len(bad)})", density=True)
    ax.axvline(results["spec"]["threshold"], color="k", ls="--", label="threshold (1% false rejects on held-out good)")
    ax.set_xlabel("image anomaly score")
    ax.legend()
    fig.suptitle(f"Magnetic tiles, group split: image AUROC {results['float32']['image_auroc']:.3f}")
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def write_markdown(r: dict[str, Any]) -> str:
    f, q, t = r["float32"], r["int8"], r["torch_eager"]
    lines = [
        "Command: `.venv/bin/python benchmarks/inspection.py` (figure: `inspection.png`).",
        f"Load average at start (the 2 cores are shared): {', '.join(f'{x:.1f}' for x in r['load_average_at_start'])}.",
        "",
        f"Split by tile group: {r['split']}. Trained on good tiles only "
        + (f"in {r['train_seconds']} s; " if r["train_seconds"] is not None else "(detector reused from an earlier run of this script, `--reuse`; int8 redone); ")
        + f"int8 threshold {r['spec'].get('int8_threshold') or float('nan'):.3f} calibrated separately; "
        f"bank {r['spec']['bank_size']} patches; threshold {r['spec']['threshold']:.3f} at "
        f"{r['spec']['calibration']['false_reject_rate']:.0%} false rejects on {r['spec']['calibration']['images']} held-out good tiles.",
        "",
        "| metric | float32 ONNX | int8 ONNX | goal |",
        "|---|---|---|---|",
        f"| image AUROC | {f['image_auroc']:.4f} | {q['image_auroc']:.4f} | >= 0.95 |",
        f"| pixel AUROC | {f['pixel_auroc']:.4f} | - | |",
        f"| PRO (FPR <= 0.3) | {f['pro_at_30pct_fpr']:.4f} | - | |",
        f"| false-reject rate on test good tiles | {f['false_reject_rate_test']:.3f} | {q['false_reject_rate_test']:.3f} | ~0.01 |",
        f"| recall, all defects | {f['recall_all_defects']:.3f} | {q['recall_all_defects']:.3f} | |",
    ]
    for cls, v in f["recall_per_class"].items():
        lines.append(f"| recall {cls} (n={v['images']}) | {v['recall']:.3f} | {q['recall_per_class'][cls]['recall']:.3f} | >= 0.80 |")
    lines += [
        f"| latency p50 / p95, 1 thread (ms) | {f['latency_ms']['p50']:.1f} / {f['latency_ms']['p95']:.1f} | "
        f"{q['latency_ms']['p50']:.1f} / {q['latency_ms']['p95']:.1f} | <= 50 |",
        "",
        f"Peer, PyTorch eager (the training-time model, 1 thread): p50 {t['latency_ms']['p50']:.1f} ms, p95 {t['latency_ms']['p95']:.1f} ms "
        f"over {t['latency_ms']['n']} images; verdict agreement with ONNX {t['verdict_agreement_with_onnx']:.3f}.",
        f"Ratios: ONNX vs PyTorch p50 speed-up {r['ratios']['onnx_vs_torch_p50_speedup']:.2f}x; int8 vs float32 p50 speed-up "
        f"{r['ratios']['int8_vs_fp32_p50_speedup']:.2f}x; int8 image-AUROC change {r['ratios']['int8_image_auroc_delta']:+.4f}.",
        f"Throughput (decode + inference): {r['throughput_images_per_s']['1_worker']:.1f} images/s on 1 worker, "
        f"{r['throughput_images_per_s']['2_workers']:.1f} images/s on 2 workers.",
        f"Likely class (1-NN on labelled defect groups, scored on the other defect groups): {f['likely_class']}.",
        f"Model size on disk: {r['model_size_bytes']}.",
        "",
        f"Bandwidth, replay of all {r['bandwidth']['images']} shared images ({r['bandwidth']['rejected']} rejected): "
        f"{r['bandwidth']['raw_bytes_seen']} image bytes seen, {r['bandwidth']['bytes_sent']} bytes uplinked "
        f"(events, template reports, one shift summary), ratio {r['bandwidth']['reduction_ratio']:.1f}:1; messages {r['bandwidth']['messages_sent']}.",
        "",
    ]
    return "\n".join(lines)


__all__ = ["bandwidth_replay", "figure", "write_markdown"]
