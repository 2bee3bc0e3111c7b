"""Redaction time of this working tree against an earlier commit, in one process, text by text.

Why: on a shared host the same code's 1 KB latency moves by half from one minute to the next, so two
benchmark runs cannot show a 5% change. Here both versions redact the same distinct 1 KB texts in one
process pinned to one core, alternating which goes first, after the same warm-up; their ratio holds
when absolute times drift.

The earlier commit's ``edgewise`` package is extracted with ``git archive`` into a temporary directory
and renamed (``edgewise_base``, imports rewritten) so that both import side by side.

Run: ``.venv/bin/python benchmarks/perimeter_ab.py <commit> [--texts 400] [--runs 3]``
Writes ``benchmarks/results/perimeter_ab.json`` and ``perimeter_ab.md``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import importlib
import io
import json
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe, markdown_header  # noqa: E402
from perimeter_bench import distinct_texts  # noqa: E402

from edgewise.perimeter.corpus import HELDOUT, generate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def extract_base(commit: str, into: Path) -> str:
    """The commit's ``src/edgewise`` as package ``edgewise_base`` under ``into``; its short hash."""
    short = subprocess.run(["git", "rev-parse", "--short", commit], cwd=ROOT, check=True, capture_output=True,
                           text=True).stdout.strip()
    archive = subprocess.run(["git", "archive", commit, "src/edgewise"], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    package = into / "edgewise_base"
    (into / "src" / "edgewise").rename(package)
    for path in package.rglob("*.py"):
        path.write_text(re.sub(r"\bedgewise(?=[. ])", "edgewise_base", path.read_text()))
    return short


def redactor(package: str) -> Callable[[str], object]:
    """A redaction function of ``package`` (``edgewise`` or ``edgewise_base``) with the shipped name model."""
    detector = importlib.import_module(f"{package}.perimeter.detector")
    ner = importlib.import_module(f"{package}.perimeter.ner")
    redaction = importlib.import_module(f"{package}.perimeter.redaction")
    placeholders = importlib.import_module(f"{package}.perimeter.placeholders")
    det = detector.PiiDetector(ner=ner.NerModel(), timeout_s=60)
    return lambda text: redaction.redact_string(det, text, placeholders.PlaceholderAllocator(text))


def paired(redact: dict[str, Callable[[str], object]], texts: list[str]) -> dict[str, list[float]]:
    """Seconds per text for each version; which version goes first alternates from text to text."""
    out: dict[str, list[float]] = {k: [] for k in redact}
    names = list(redact)
    for i, text in enumerate(texts):
        for name in names if i % 2 else names[::-1]:
            t0 = time.perf_counter()
            redact[name](text)
            out[name].append(time.perf_counter() - t0)
    return out


def one_run(base: str, n: int) -> dict[str, Any]:
    """Fresh detectors of both versions, the same warm-up, then distinct texts once (new) and again (seen)."""
    redact = {"this tree": redactor("edgewise"), base: redactor("edgewise_base")}
    for sample in generate(HELDOUT, 2000, seed=0):
        for fn in redact.values():
            fn(sample.text)
    texts = distinct_texts(n)  # new to both: each run has fresh detectors
    fresh, seen = paired(redact, texts), paired(redact, texts[: n // 2])
    row: dict[str, Any] = {}
    for label, times in (("new text", fresh), ("seen text", seen)):
        med = {k: statistics.median(v) * 1000 for k, v in times.items()}
        row[label] = {"this tree ms": round(med["this tree"], 3), f"{base} ms": round(med[base], 3),
                      "ratio": round(med["this tree"] / med[base], 3),
                      "paired ratio (median per text)": round(statistics.median(
                          a / b for a, b in zip(times["this tree"], times[base], strict=True)), 3)}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("commit", help="the earlier commit to compare with (for example HEAD~3)")
    parser.add_argument("--texts", type=int, default=400, help="distinct 1 KB texts per run")
    parser.add_argument("--runs", type=int, default=3, help="runs, each with fresh detectors of both versions")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    with tempfile.TemporaryDirectory() as tmp:
        base = extract_base(args.commit, Path(tmp))
        sys.path.insert(0, tmp)
        runs = [one_run(base, args.texts) for _ in range(args.runs)]
    result = {"machine": describe(("edgewise", "spacy", "numpy")), "base": base, "texts": args.texts, "runs": runs,
              "load_average_at_end": [round(x, 2) for x in os.getloadavg()]}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "perimeter_ab.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [markdown_header(f"Perimeter redaction: this tree against {base}, one process", result["machine"]), "",
             f"Median ms per 1 KB text ({args.texts} distinct held-out texts, each once; then half of them again), "
             "both versions alternating text by text after the same warm-up, one core.", "",
             "| run | text | this tree (ms) | base (ms) | ratio | paired ratio |", "|---|---|---|---|---|---|"]
    for i, run in enumerate(runs, 1):
        for label, row in run.items():
            lines.append(f"| {i} | {label} | {row['this tree ms']} | {row[f'{base} ms']} | **{row['ratio']}** | "
                         f"{row['paired ratio (median per text)']} |")
    (RESULTS / "perimeter_ab.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
