"""Edge node benchmark: Edgewise vs raw llama-cpp-python, llama_cpp.server and llama.cpp's llama-server.

All on the embedded model, the same thread count, in one run; servers run one at a
time on loopback. Writes benchmarks/results/node.json and node.md and prints ratios.

    .venv/bin/python benchmarks/bench_node.py            # everything (builds llama-server once, ~5-10 min)
    .venv/bin/python benchmarks/bench_node.py --skip-cpp # without the C++ peer
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from machine import describe, markdown_header  # noqa: E402

from tests.helpers_node import free_port  # noqa: E402

BASE_TEXT = (
    "Shift report, line 4. The spindle motor on press 7 ran at nominal speed through the morning. "
    "Vibration on the drive-end bearing rose slightly after the lunch break, and the operator logged "
    "a faint grinding noise near the gearbox. The coolant pump was refilled and the filter replaced. "
)


def make_prompt(tokenize: Any, n_tokens: int, tag: str = "") -> str:
    text = tag + BASE_TEXT
    while len(tokenize(text)) < n_tokens:
        text += BASE_TEXT
    words = text.split(" ")
    while len(tokenize(" ".join(words))) > n_tokens:
        words.pop()
    return " ".join(words)


# --- raw llama-cpp-python greedy loop -------------------------------------------------------
def raw_loop(model: Path, prompt: str, n_gen: int, threads: int) -> dict[str, float]:
    """The floor: llama_decode one token at a time with llama.cpp's greedy sampler, no scheduler."""
    import llama_cpp as lc

    lc.llama_backend_init()
    mp = lc.llama_model_default_params()
    m = lc.llama_model_load_from_file(str(model).encode(), mp)
    cp = lc.llama_context_default_params()
    cp.n_ctx, cp.n_batch, cp.n_threads, cp.n_threads_batch, cp.no_perf = 2048, 512, threads, threads, True
    ctx = lc.llama_init_from_model(m, cp)
    vocab = lc.llama_model_get_vocab(m)
    data = prompt.encode()
    buf = (lc.llama_token * 4096)()
    n = lc.llama_tokenize(vocab, data, len(data), buf, 4096, True, True)
    smpl = lc.llama_sampler_chain_init(lc.llama_sampler_chain_default_params())
    lc.llama_sampler_chain_add(smpl, lc.llama_sampler_init_greedy())
    results = []
    for _ in range(3):
        lc.llama_memory_clear(lc.llama_get_memory(ctx), True)
        t0 = time.perf_counter()
        lc.llama_decode(ctx, lc.llama_batch_get_one(buf, n))
        tok = lc.llama_sampler_sample(smpl, ctx, -1)
        t1 = time.perf_counter()
        one = (lc.llama_token * 1)()
        for _ in range(n_gen - 1):
            one[0] = tok
            lc.llama_decode(ctx, lc.llama_batch_get_one(one, 1))
            tok = lc.llama_sampler_sample(smpl, ctx, -1)
        t2 = time.perf_counter()
        results.append({"ttft_s": t1 - t0, "gen_tok_s": (n_gen - 1) / (t2 - t1), "prompt_tokens": n})
    lc.llama_sampler_free(smpl)
    lc.llama_free(ctx)
    lc.llama_model_free(m)
    return {k: statistics.median(r[k] for r in results) for k in results[0]}


# --- servers --------------------------------------------------------------------------------
class Server:
    def __init__(self, name: str, cmd: list[str], port: int, health: str, env: dict[str, str] | None = None) -> None:
        self.name, self.cmd, self.port, self.health = name, cmd, port, health
        self.log = open(HERE / ".cache" / f"{name}.log", "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env or os.environ.copy())
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited; see {self.log.name}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}{health}", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


async def stream_one(url: str, prompt: str, n_gen: int, extra: dict[str, Any]) -> dict[str, float]:
    body = {"prompt": prompt, "max_tokens": n_gen, "stream": True, "temperature": 0, **extra}
    times: list[float] = []
    async with httpx.AsyncClient(timeout=600) as c:
        t0 = time.perf_counter()
        async with c.stream("POST", url + "/v1/completions", json=body) as r:
            r.raise_for_status()
            async for line in r.aiter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    ev = json.loads(line[6:])
                    if ev.get("choices") and ev["choices"][0].get("text"):
                        times.append(time.perf_counter())
    n = len(times)
    return {"ttft_s": times[0] - t0, "gen_tok_s": (n - 1) / (times[-1] - times[0]) if n > 1 else 0.0, "chunks": n}


async def aggregate(url: str, prompts: list[str], n_gen: int, extra: dict[str, Any]) -> dict[str, float]:
    async with httpx.AsyncClient(timeout=1200) as c:

        async def one(p: str) -> int:
            body = {"prompt": p, "max_tokens": n_gen, "temperature": 0, **extra}
            r = await c.post(url + "/v1/completions", json=body)
            r.raise_for_status()
            return int(r.json()["usage"]["completion_tokens"])

        t0 = time.perf_counter()
        counts = await asyncio.gather(*(one(p) for p in prompts))
        wall = time.perf_counter() - t0
    return {"streams": len(prompts), "tokens": sum(counts), "wall_s": wall, "tok_s": sum(counts) / wall}


def measure_server(srv: Server, single_prompt: str, prompts: list[str], n_gen: int, levels: list[int],
                   extra: dict[str, Any], single: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    asyncio.run(aggregate(srv.url, prompts[:1], 8, extra))  # warm-up
    if single:
        # time to first token with a fresh prefill each time (no prompt cache), as the raw loop does
        extra = {**extra, "cache_prompt": False}
        runs = [asyncio.run(stream_one(srv.url, single_prompt, n_gen, extra)) for _ in range(3)]
        out["single_greedy"] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        temp = {**extra, "temperature": 0.8, "top_k": 40, "top_p": 0.95, "min_p": 0.05, "seed": 1}
        runs = [asyncio.run(stream_one(srv.url, single_prompt, n_gen, temp)) for _ in range(3)]
        out["single_temperature"] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        extra = {k: v for k, v in extra.items() if k != "cache_prompt"}
    for level in levels:
        runs = [asyncio.run(aggregate(srv.url, prompts[:level], n_gen, extra)) for _ in range(2)]
        out[f"aggregate_{level}"] = max(runs, key=lambda r: r["tok_s"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--gen", type=int, default=128, help="tokens generated per stream")
    ap.add_argument("--prompt-tokens", type=int, default=128)
    ap.add_argument("--levels", default="1,4,8")
    ap.add_argument("--skip-cpp", action="store_true", help="skip llama.cpp's C++ llama-server")
    ap.add_argument("--skip-py-server", action="store_true", help="skip llama_cpp.server")
    ap.add_argument("--out", default=str(HERE / "results" / "node"))
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    (HERE / ".cache").mkdir(exist_ok=True)

    from edgewise.config import load_settings
    from edgewise.engine.llama_model import LlamaModel
    from edgewise.models.registry import ModelRegistry

    model = ModelRegistry(load_settings().models_dir).resolve_path("gemma-3-270m")
    tok = LlamaModel(model, name="tok")
    single_prompt = make_prompt(tok.tokenize, args.prompt_tokens)
    prompts = [make_prompt(tok.tokenize, args.prompt_tokens, f"Report {i}. ") for i in range(max(levels))]
    tok.close()
    ctx_per = args.prompt_tokens + args.gen + 64
    ctx_per = (ctx_per + 255) // 256 * 256
    results: dict[str, Any] = {"machine": describe(("llama-cpp-python", "edgewise", "fastapi", "uvicorn")),
                               "config": vars(args) | {"ctx_per_sequence": ctx_per}, "runs": {}}

    print("raw llama-cpp-python loop ...", flush=True)
    results["runs"]["raw_loop"] = raw_loop(model, single_prompt, args.gen, args.threads)

    py = sys.executable
    par = str(max(levels))
    print("edgewise serve ...", flush=True)
    port = free_port()
    env = os.environ.copy()
    srv = Server("edgewise", [py, "-m", "edgewise.cli", "serve", "--port", str(port), "--threads", str(args.threads),
                              "--parallel", par, "--ctx", str(ctx_per)], port, "/health", env)
    try:
        results["runs"]["edgewise"] = measure_server(srv, single_prompt, prompts, args.gen, levels, {"ignore_eos": True, "model": "gemma-3-270m"}, True)
    finally:
        srv.stop()

    if not args.skip_py_server:
        print("llama_cpp.server ...", flush=True)
        port = free_port()
        try:
            srv = Server("llama_cpp_server", [py, "-m", "llama_cpp.server", "--model", str(model), "--port", str(port),
                                              "--n_threads", str(args.threads), "--n_threads_batch", str(args.threads),
                                              "--n_ctx", str(ctx_per), "--verbose", "false"], port, "/v1/models")
            try:
                results["runs"]["llama_cpp_server"] = measure_server(srv, single_prompt, prompts, args.gen, levels, {}, False)
            finally:
                srv.stop()
        except RuntimeError as exc:
            results["runs"]["llama_cpp_server"] = {"error": str(exc)}

    if not args.skip_cpp:
        print("building / starting llama.cpp llama-server ...", flush=True)
        binary = subprocess.run(["bash", str(HERE / "build_llama_server.sh")], check=True, capture_output=True, text=True).stdout.strip()
        port = free_port()
        srv = Server("llama_server", [str(HERE / binary) if not os.path.isabs(binary) else binary, "-m", str(model),
                                      "--port", str(port), "--host", "127.0.0.1", "-t", str(args.threads), "-tb", str(args.threads),
                                      "-np", par, "-c", str(ctx_per * int(par)), "-b", "512", "--no-webui"], port, "/health")
        try:
            results["runs"]["llama_server"] = measure_server(srv, single_prompt, prompts, args.gen, levels, {"ignore_eos": True, "model": "gemma-3-270m"}, True)
        finally:
            srv.stop()

    results["ratios"] = ratios(results["runs"], levels)
    write(results, Path(args.out), levels)


def ratios(runs: dict[str, Any], levels: list[int]) -> dict[str, float | None]:
    def get(*path: str) -> float | None:
        cur: Any = runs
        for p in path:
            if not isinstance(cur, dict) or p not in cur:
                return None
            cur = cur[p]
        return float(cur)

    def div(a: float | None, b: float | None) -> float | None:
        return round(a / b, 3) if a is not None and b else None

    top = max(levels)
    r = {
        "single_gen_vs_raw_loop": div(get("edgewise", "single_greedy", "gen_tok_s"), get("raw_loop", "gen_tok_s")),
        "single_ttft_vs_raw_loop": div(get("edgewise", "single_greedy", "ttft_s"), get("raw_loop", "ttft_s")),
        "temperature_vs_greedy": div(get("edgewise", "single_temperature", "gen_tok_s"), get("edgewise", "single_greedy", "gen_tok_s")),
    }
    for lv in levels:
        r[f"aggregate_{lv}_vs_llama_cpp_server"] = div(get("edgewise", f"aggregate_{lv}", "tok_s"), get("llama_cpp_server", f"aggregate_{lv}", "tok_s"))
        r[f"aggregate_{lv}_vs_llama_server"] = div(get("edgewise", f"aggregate_{lv}", "tok_s"), get("llama_server", f"aggregate_{lv}", "tok_s"))
    r["targets"] = {  # type: ignore[assignment]
        "single_gen_vs_raw_loop >= 0.95": (r["single_gen_vs_raw_loop"] or 0) >= 0.95,
        f"aggregate_{top}_vs_llama_cpp_server >= 2.5": (r.get(f"aggregate_{top}_vs_llama_cpp_server") or 0) >= 2.5,
        f"aggregate_{top}_vs_llama_server >= 0.9": (r.get(f"aggregate_{top}_vs_llama_server") or 0) >= 0.9,
        "temperature_vs_greedy >= 0.9": (r["temperature_vs_greedy"] or 0) >= 0.9,
    }
    return r


def write(results: dict[str, Any], out: Path, levels: list[int]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(results, indent=2))
    runs, r = results["runs"], results["ratios"]
    lines = [markdown_header("Edge node benchmark", results["machine"]),
             f"Embedded Gemma 3 270M Q4_K_M, {results['config']['threads']} threads, ~{results['config']['prompt_tokens']}-token prompts, "
             f"{results['config']['gen']} generated tokens per stream. Reproduce: `.venv/bin/python benchmarks/bench_node.py`.\n",
             "## Single stream\n", "| runner | time to first token (ms) | generation tok/s |", "|---|---|---|"]
    raw = runs.get("raw_loop", {})
    lines.append(f"| raw llama-cpp-python greedy loop | {raw.get('ttft_s', 0) * 1000:.1f} | {raw.get('gen_tok_s', 0):.1f} |")
    for name in ("edgewise", "llama_server"):
        for mode in ("single_greedy", "single_temperature"):
            s = runs.get(name, {}).get(mode)
            if s:
                lines.append(f"| {name} ({mode.split('_')[1]}, HTTP streaming) | {s['ttft_s'] * 1000:.1f} | {s['gen_tok_s']:.1f} |")
    lines += ["", "## Aggregate generation throughput (tok/s)\n", "| concurrent streams | " + " | ".join(
        n for n in ("edgewise", "llama_cpp_server", "llama_server") if n in runs) + " |", "|---" * (1 + sum(n in runs for n in ("edgewise", "llama_cpp_server", "llama_server"))) + "|"]
    for lv in levels:
        row = [str(lv)] + [f"{runs[n].get(f'aggregate_{lv}', {}).get('tok_s', float('nan')):.1f}" for n in ("edgewise", "llama_cpp_server", "llama_server") if n in runs]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## Ratios (same run)\n", "| ratio | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in r.items() if k != "targets"]
    lines += ["", "## Targets\n", "| target | met |", "|---|---|"] + [f"| {k} | {'yes' if v else 'NO'} |" for k, v in r["targets"].items()]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    shutil.which("cmake") or print("warning: cmake not found; the C++ peer cannot be built", file=sys.stderr)
    main()
