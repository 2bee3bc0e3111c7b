"""Calibrate the hybrid router's confidence threshold on the labelled set kept in the repository.

For every question of ``src/edgewise/router/calibration_set.jsonl`` the local
model answers greedily; the answer is *right* when it contains one of the
accepted answers (case-insensitive). The confidence is the mean token
log-probability of the draft. The threshold that best separates right from
wrong drafts (``router.confidence.fit_threshold``) is written to
``src/edgewise/router/calibration.json``; the per-question table goes to
``benchmarks/results/link_calibrate.{json,md}``.

    .venv/bin/python benchmarks/link_calibrate.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.link_machine import machine  # noqa: E402


def main() -> int:
    from edgewise.config import load_settings
    from edgewise.engine import SamplingParams, open_engine
    from edgewise.router.confidence import CALIBRATION_FILE, CALIBRATION_SET, fit_threshold, mean_logprob
    from edgewise.router.settings import RouterSettings

    items = [json.loads(line) for line in CALIBRATION_SET.read_text().splitlines() if line.strip()]
    settings = load_settings()
    first_n = RouterSettings().draft_max_tokens
    rows = []
    with open_engine(settings, model="gemma-3-270m") as eng:
        for it in items:
            t0 = time.perf_counter()
            c = eng.chat([{"role": "user", "content": it["prompt"]}], SamplingParams(temperature=0, max_tokens=48, logprobs=True))
            conf = mean_logprob(c.logprobs, first_n)
            ok = any(a.lower() in c.text.lower() for a in it["answers"])
            rows.append({"prompt": it["prompt"], "answer": c.text.strip(), "right": ok,
                         "confidence": conf if conf is not None else -99.0, "seconds": time.perf_counter() - t0})  # fmt: skip
            print(f"{'OK ' if ok else 'BAD'} {rows[-1]['confidence']:7.3f}  {it['prompt'][:50]!r} -> {c.text.strip()[:60]!r}", flush=True)
    cal = fit_threshold([r["confidence"] for r in rows], [r["right"] for r in rows])
    right = sum(r["right"] for r in rows)
    out = {
        "model": "gemma-3-270m", "n": cal.n, "threshold": round(cal.threshold, 4), "accuracy": round(cal.accuracy or 0, 4),
        "cloud_fraction": round(cal.cloud_fraction or 0, 4), "local_right_fraction": round(right / len(rows), 4),
        "signal": "mean token log-probability of the first draft_max_tokens tokens", "labels": "substring match of accepted answers",
        "calibrated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }  # fmt: skip
    CALIBRATION_FILE.write_text(json.dumps(out, indent=2) + "\n")
    res = REPO / "benchmarks" / "results"
    res.mkdir(parents=True, exist_ok=True)
    (res / "link_calibrate.json").write_text(json.dumps({"calibration": out, "machine": machine(), "rows": rows}, indent=2))
    md = [f"# Router calibration ({out['calibrated_at']})", "", f"Machine: {machine()['summary']}", "",
          f"- {len(rows)} labelled questions; the local model was right on {right} ({right / len(rows):.0%}).",
          f"- Threshold (mean log-prob) **{out['threshold']}**: routing accuracy {out['accuracy']:.0%}, "
          f"{out['cloud_fraction']:.0%} of questions would go to the cloud.", "",
          "| right | confidence | question | local answer |", "|---|---|---|---|"]  # fmt: skip
    for r in sorted(rows, key=lambda r: r["confidence"]):
        md.append(f"| {'yes' if r['right'] else 'no'} | {r['confidence']:.3f} | {r['prompt']} | {r['answer'][:60].replace('|', '/')} |")
    (res / "link_calibrate.md").write_text("\n".join(md) + "\n")
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
