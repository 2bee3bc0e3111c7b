"""Why the inspection detector misses what it misses: where its heat sits on each defect and on good tiles.

``inspection.py`` measures how well the detector separates good tiles from
defects; this script asks why it does not separate them better, on the same
split and the same trained detector (run ``inspection.py`` first: this script
reads its detector folder and trains nothing). Per defect class:

- image AUROC of the class against the test good tiles;
- **hot on the defect**: the share of images whose hottest scored pixel lies
  on the defect (its mask, grown by a few pixels for the heatmap's blur). Where
  it is low, the detector does not see the defect at all: the image score comes
  from somewhere else on the part;
- the defect's own peak as a share of the threshold (median), and the share of
  defect pixels in the unscored outline (``inspection.edge_margin``).

And the good tiles (calibration and test; none was in the bank) that score
highest, which set the threshold. The figure shows the six highest-scoring good
tiles and the lowest-scoring image of each defect class, with the mask's outline
in green. Writes ``benchmarks/results/inspection_diagnose.{json,md,png}``.

    .venv/bin/python benchmarks/inspection_diagnose.py
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402
from PIL import Image, ImageFilter  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from inspection import DATA, OUT, WORK  # noqa: E402
from inspection_eval import Sample, auroc, read_manifest, split  # noqa: E402
from machine import describe, markdown_header  # noqa: E402

from edgewise.apps.inspection.imaging import load_image  # noqa: E402
from edgewise.apps.inspection.overlay import render  # noqa: E402
from edgewise.apps.inspection.postprocess import source_heatmap  # noqa: E402
from edgewise.apps.inspection.runtime import Detector  # noqa: E402
from edgewise.apps.inspection.verdict import Outcome  # noqa: E402

#: Pixels the mask is grown by before asking whether the peak is on the defect (the heatmap is blurred with
#: sigma 4 canvas pixels, about 6 source pixels on the larger frames).
GROW = 6
HARDEST_GOOD = 8


def defect_row(s: Sample, out: Outcome) -> dict[str, Any] | None:
    """Where the heat sits on one defect image (None for the masks the data's README lists as empty)."""
    mask = np.asarray(Image.open(s.mask).convert("L")) >= 128
    if not mask.any():
        return None
    grown = np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(2 * GROW + 1))) > 0
    heat = source_heatmap(out.heat, out.placement, out.margin)  # unscored outline = 0
    peak_on = float(heat[grown].max())
    peak_off = float(heat[~grown].max()) if (~grown).any() else 0.0
    return {
        "image": s.image.name, "class": s.cls, "score": out.inspection.score,
        "hot_on_defect": peak_on >= peak_off, "defect_peak_to_threshold": peak_on / out.inspection.threshold,
        "defect_unscored_share": float((heat[mask] == 0).mean()),
    }


def per_class(defects: list[dict[str, Any]], scores: dict[str, list[float]], good: np.ndarray, thr: float) -> dict[str, Any]:
    res = {}
    for cls in sorted(scores):
        bad = np.array(scores[cls])
        rows = [d for d in defects if d["class"] == cls]
        res[cls] = {
            "images": len(bad), "images_with_mask": len(rows),
            "image_auroc": auroc(np.r_[np.zeros(len(good)), np.ones(len(bad))], np.r_[good, bad]),
            "recall": float((bad >= thr).mean()),
            "hot_on_defect": float(np.mean([d["hot_on_defect"] for d in rows])),
            "defect_peak_to_threshold_median": float(np.median([d["defect_peak_to_threshold"] for d in rows])),
            "defect_unscored_share_median": float(np.median([d["defect_unscored_share"] for d in rows])),
        }
    return res


def with_mask_outline(out: Outcome, mask_path: Path | None) -> Image.Image:
    img = render(out)
    if mask_path is not None:
        mask = Image.open(mask_path).convert("L").point(lambda v: 255 if v >= 128 else 0)
        edge = np.asarray(mask.filter(ImageFilter.FIND_EDGES)) > 0
        px = np.asarray(img).copy()
        px[edge] = (0, 255, 0)
        img = Image.fromarray(px)
    return img


def figure(panels: list[tuple[str, Image.Image]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 6
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.4 * cols, 2.6 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (title, img) in zip(axes.ravel(), panels, strict=False):
        ax.imshow(img)
        ax.set_title(title, fontsize=7)
    fig.suptitle("Highest-scoring good tiles (top) and each class's lowest-scoring defect (mask outline green)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def markdown(r: dict[str, Any]) -> str:
    lines = [
        "Command: `.venv/bin/python benchmarks/inspection_diagnose.py` (figure: `inspection_diagnose.png`), on the "
        f"detector `inspection.py` trained (threshold {r['threshold']:.3f}, {r['test_good_images']} test good tiles).",
        "",
        "| class | images | image AUROC | recall at threshold | hottest pixel on the defect | defect peak / threshold (median) "
        "| defect in unscored outline (median) |",
        "|---|---|---|---|---|---|---|",
    ]
    for cls, c in r["per_class"].items():
        lines.append(f"| {cls} | {c['images']} | {c['image_auroc']:.3f} | {c['recall']:.2f} | {c['hot_on_defect']:.0%} "
                     f"| {c['defect_peak_to_threshold_median']:.2f} | {c['defect_unscored_share_median']:.0%} |")
    lines += ["", "Highest-scoring good tiles (calibration and test, none in the bank), score / threshold:", "",
              "| image | group | score / threshold | peak at (row, column), share of the frame |", "|---|---|---|---|"]
    for g in r["hardest_good"]:
        lines.append(f"| {g['image']} | {g['group']} | {g['score_to_threshold']:.2f} | {g['peak_at']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    folder = WORK / "mt-bench"
    if not (folder / "detector.json").is_file():
        sys.exit(f"No trained detector at {folder}: run `.venv/bin/python benchmarks/inspection.py` first.")
    det = Detector(folder, threads=2)
    thr = det.spec.threshold
    parts = split(read_manifest(DATA))
    outcomes = {s.image: det.inspect(load_image(s.image), image=s.image.name) for s in
                parts["calib"] + parts["test_good"] + parts["defect_index"] + parts["defect_query"]}
    good = np.array([outcomes[s.image].inspection.score for s in parts["test_good"]])
    defect_samples = parts["defect_index"] + parts["defect_query"]
    scores: dict[str, list[float]] = {}
    for s in defect_samples:
        scores.setdefault(s.cls, []).append(outcomes[s.image].inspection.score)
    defects = [d for s in defect_samples if (d := defect_row(s, outcomes[s.image])) is not None]

    hardest = sorted(parts["calib"] + parts["test_good"], key=lambda s: -outcomes[s.image].inspection.score)[:HARDEST_GOOD]
    hardest_rows = []
    for s in hardest:
        out = outcomes[s.image]
        heat = source_heatmap(out.heat, out.placement, out.margin)
        y, x = np.unravel_index(int(heat.argmax()), heat.shape)
        hardest_rows.append({"image": s.image.name, "group": s.group, "score_to_threshold": out.inspection.score / thr,
                             "peak_at": [round(float(y) / heat.shape[0], 2), round(float(x) / heat.shape[1], 2)]})
    lowest = {cls: min((s for s in defect_samples if s.cls == cls), key=lambda s: outcomes[s.image].inspection.score)
              for cls in sorted(scores)}
    panels = [(f"good {s.image.name}", render(outcomes[s.image])) for s in hardest[:6]]
    panels += [(f"{cls} {s.image.name}", with_mask_outline(outcomes[s.image], s.mask)) for cls, s in lowest.items()]
    OUT.mkdir(parents=True, exist_ok=True)
    figure(panels, OUT / "inspection_diagnose.png")

    results = {
        "machine": describe(("onnxruntime",)), "threshold": thr, "test_good_images": len(good),
        "per_class": per_class(defects, scores, good, thr), "hardest_good": hardest_rows, "defects": defects,
    }
    (OUT / "inspection_diagnose.json").write_text(json.dumps(results, indent=1) + "\n")
    md = markdown_header("Inspection: where the heat sits", results["machine"]) + markdown(results)
    (OUT / "inspection_diagnose.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
