"""The evaluation table: one JSON file of variant results, keyed by file path.

``evaluate`` and ``sweep`` add rows; ``fit`` and ``report`` read them. A row is replaced
when the same file is evaluated again, so the table always shows the latest run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class ResultsTable:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        data = json.loads(self.path.read_text())
        return list(data.get("variants", []))

    def upsert(self, result: dict[str, Any]) -> None:
        rows = [r for r in self.load() if r.get("path") != result.get("path")]
        rows.append(result)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"variants": rows}, indent=2))
        tmp.replace(self.path)

    def rows(self) -> list[dict[str, Any]]:
        """Flat rows (see ``VariantResult.row``), perplexity change relative to each row's reference."""
        out = []
        full = self.load()
        ref_ppl = {r["path"]: r["quality"]["perplexity"] for r in full}
        for r in full:
            q, s = r["quality"], r.get("speed") or {}
            base = ref_ppl.get(r.get("reference", ""))
            out.append({
                "name": r["name"], "quantization": r["quantization"], "n_blocks": r.get("n_blocks"),
                "size_mib": r["file_size"] / 2**20, "perplexity": q["perplexity"], "perplexity_err": q["perplexity_err"],
                "ppl_delta_pct": 100 * (q["perplexity"] / base - 1) if base else None,
                "kld_mean": q.get("kld_mean"), "kld_p99": q.get("kld_p99"), "top1_agreement": q.get("top1_agreement"),
                "pp_tok_s": s.get("prompt_tokens_per_s"), "tg_tok_s": s.get("gen_tokens_per_s"),
                "peak_rss_mib": s["peak_rss_bytes"] / 2**20 if s.get("peak_rss_bytes") else None, "path": r["path"],
            })
        return out


__all__ = ["ResultsTable"]
