"""Speed and peak memory of one model, measured in a fresh child process.

Each measurement runs ``python -m edgewise.optimize.speed MODEL`` so that the peak
resident set size (``VmHWM``) belongs to that model alone: the child loads the
file (mmap), builds a context, processes a prompt of ``pp`` tokens (like
``llama-bench -p``) and greedily generates ``tg`` tokens one at a time (``-n``),
after one untimed warm-up. It prints one JSON line; the parent parses it.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from edgewise.optimize.errors import OptimizeFailed


@dataclass
class SpeedResult:
    prompt_tokens: int
    prompt_tokens_per_s: float
    gen_tokens: int
    gen_tokens_per_s: float
    peak_rss_bytes: int
    weights_bytes: int
    n_params: int
    threads: int
    sample: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _measure(model: Path, pp: int, tg: int, threads: int, repeats: int) -> SpeedResult:
    from edgewise.optimize.llama_runner import LlamaRunner

    with LlamaRunner(model, n_ctx=max(pp, 64) + tg + 8, threads=threads) as r:
        prompt = r.tokenize("The history of the printing press begins")
        filler = [r.bos] + [(1000 + 7 * i) % r.n_vocab for i in range(pp - 1)]  # llama-bench uses arbitrary tokens too
        r.timed_prompt(filler[:32])  # warm-up: page the weights in
        pp_s = min(r.timed_prompt(filler) for _ in range(repeats))
        tg_times = [r.timed_generation(prompt, tg) for _ in range(repeats)]
        tg_s = min(t for t, _ in tg_times)
        sample = r.detokenize(tg_times[0][1])
        weights, n_params = r.weights_bytes, r.n_params
    return SpeedResult(pp, pp / pp_s, tg, tg / tg_s, _peak_rss(), weights, n_params, threads, sample)


def _peak_rss() -> int:
    """Peak RSS of this process image. ``ru_maxrss`` survives fork+exec on Linux (it would report the
    parent's size at fork time), so read the per-address-space high-water mark ``VmHWM`` instead."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure_speed(model: Path, *, pp: int = 256, tg: int = 32, threads: int = 2, repeats: int = 2,
                  timeout: float = 600.0) -> SpeedResult:
    """Run the measurement in a child process and return what it reports."""
    cmd = [sys.executable, "-m", "edgewise.optimize.speed", str(model), "--pp", str(pp), "--tg", str(tg),
           "--threads", str(threads), "--repeats", str(repeats)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise OptimizeFailed(f"Speed measurement of {model} failed: {proc.stderr.strip()[-500:]}")
    return SpeedResult(**json.loads(lines[-1]))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model", type=Path)
    ap.add_argument("--pp", type=int, default=256)
    ap.add_argument("--tg", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    a = ap.parse_args(argv)
    print(json.dumps(_measure(a.model, a.pp, a.tg, a.threads, a.repeats).to_dict()))


if __name__ == "__main__":
    main()


__all__ = ["SpeedResult", "measure_speed"]
