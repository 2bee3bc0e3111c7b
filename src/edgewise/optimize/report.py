"""Reports people can look at: a Markdown table and a PNG of quality loss vs size and speed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

COLUMNS = [
    ("name", "variant", "{}"), ("quantization", "type", "{}"), ("n_blocks", "blocks", "{}"),
    ("size_mib", "size MiB", "{:.1f}"), ("perplexity", "PPL", "{:.3f}"), ("perplexity_err", "±", "{:.3f}"),
    ("ppl_delta_pct", "ΔPPL %", "{:+.2f}"), ("kld_mean", "mean KL", "{:.5f}"), ("kld_p99", "KL p99", "{:.4f}"),
    ("top1_agreement", "top-1 %", "{:.2%}"), ("pp_tok_s", "pp tok/s", "{:.1f}"), ("tg_tok_s", "tg tok/s", "{:.1f}"),
    ("peak_rss_mib", "peak RSS MiB", "{:.0f}"),
]


def _cell(value: Any, fmt: str) -> str:
    if value is None:
        return "-"
    return fmt.format(value).replace("%", "") if fmt == "{:.2%}" else fmt.format(value)


def markdown_table(rows: list[dict[str, Any]]) -> str:
    head = "| " + " | ".join(c[1] for c in COLUMNS) + " |"
    sep = "|" + "|".join("---" for _ in COLUMNS) + "|"
    body = ["| " + " | ".join(_cell(r.get(k), f) for k, _, f in COLUMNS) + " |" for r in rows]
    return "\n".join([head, sep, *body])


def plot(rows: list[dict[str, Any]], out: Path, title: str) -> Path:
    """Two panels: mean KL vs file size, and mean KL vs generation speed (KL on a log axis)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pts = [r for r in rows if r.get("kld_mean") is not None]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    for ax, key, label in ((axes[0], "size_mib", "file size (MiB)"), (axes[1], "tg_tok_s", "generation tokens/s")):
        for r in pts:
            if r.get(key) is None:
                continue
            kld = max(float(r["kld_mean"]), 1e-6)
            pruned = "prune" in str(r["name"])
            ax.scatter(r[key], kld, marker="s" if pruned else "o", color="tab:red" if pruned else "tab:blue")
            ax.annotate(str(r["name"]), (r[key], kld), fontsize=7, xytext=(3, 3), textcoords="offset points")
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("mean KL divergence vs reference (nats/token, log)")
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle(title + "  (circles: quantized, squares: depth-pruned; KL floor 1e-6 for the reference)")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


__all__ = ["COLUMNS", "markdown_table", "plot"]
