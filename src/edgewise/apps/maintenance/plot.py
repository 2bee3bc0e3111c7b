"""PNG of the health index per channel over time, with threshold, events and the remaining-life band."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def plot_health(jsonl: Path, png: Path, failure_level: float | None, title: str | None = None) -> Path:
    """Plot a replay's JSON lines; one panel per channel (log scale), threshold at 1.

    ``failure_level``: the health index taken as end of life, drawn as a line; None when remaining
    life is measured against a physical limit instead (``failure_peak``), which has no place on this axis.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    recs = [json.loads(x) for x in Path(jsonl).read_text().splitlines() if x.strip()]
    health: dict[str, list[dict[str, Any]]] = {}
    for r in recs:
        if r["type"] == "health":
            health.setdefault(r["channel"], []).append(r)
    events = [r for r in recs if r["type"] == "event"]
    chans = sorted(health)
    fig, axes = plt.subplots(len(chans), 1, figsize=(10, 2.6 * max(len(chans), 1)), sharex=True, squeeze=False)
    span = max((h[-1]["time"] for h in health.values()), default=1.0)
    unit, div = ("h", 3600.0) if span > 3 * 3600 else (("min", 60.0) if span > 180 else ("s", 1.0))
    for ax, ch in zip(axes[:, 0], chans, strict=True):
        pts = health[ch]
        t = [p["time"] / div for p in pts]
        ax.plot(t, [max(p["health_index"], 1e-3) for p in pts], lw=0.9, label="health index")
        ax.axhline(1.0, color="orange", ls="--", lw=1, label="alarm threshold")
        if failure_level is not None:
            ax.axhline(failure_level, color="red", ls=":", lw=1, label="failure level")
        alarm = [p["time"] / div for p in pts if p["alarm"]]
        if alarm:
            ax.scatter(alarm, [0.05] * len(alarm), s=4, color="red", label="alarm on")
        for e in events:
            if e["source"].get("channel") == ch:
                ax.axvline(e["onset_s"] / div, color="purple", lw=1, alpha=0.7)
        band = [(p["time"] / div, (p["time"] + p["rul_low_s"]) / div, (p["time"] + (p.get("rul_high_s") or p["rul_low_s"])) / div)
                for p in pts if p.get("rul_low_s") is not None]
        if band:
            last = band[-1]
            ax.axvspan(last[1], last[2], color="grey", alpha=0.25, label="predicted end of life (last band)")
        ax.set_yscale("log")
        ax.set_ylabel(f"{ch}")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="upper left", fontsize=7, ncol=3)
    axes[0, 0].set_title(title or f"Health index: {Path(jsonl).stem} (events: purple lines)")
    axes[-1, 0].set_xlabel(f"time ({unit})")
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return png


__all__ = ["plot_health"]
