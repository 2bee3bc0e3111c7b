"""Pick the variant that fits a device: fastest within its memory and quality budget.

A device profile names a memory budget (peak resident memory of the running model),
threads, and the least generation speed and most quality loss the user accepts. The
candidates are rows of an evaluation table (``edgewise optimize evaluate`` / ``sweep``
write it). Among the variants that pass every limit we recommend the fastest at
generation; the explanation says what each rejected variant missed and what the
choice costs compared with the best-quality variant that fits.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from edgewise.optimize.errors import NoFittingVariant, UnsupportedModel

_SIZE_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([KMGT]?)(I?B?)?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """``"512MB"``, ``"1.5GiB"``, ``"800M"`` -> bytes (binary units: 1 MB = 2**20 B, as memory is sold)."""
    m = _SIZE_RE.match(text)
    if not m:
        raise UnsupportedModel(f"'{text}' is not a memory size; write it like 512MB or 1.5GB.")
    power = " KMGT".index((m.group(2) or " ").upper())
    return int(float(m.group(1)) * 1024**power)


@dataclass
class DeviceProfile:
    name: str = "this-machine"
    memory_bytes: int | None = None
    threads: int | None = None
    min_tokens_per_s: float | None = None
    max_kld: float | None = None
    max_ppl_increase_pct: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ProfileStore:
    """Named device profiles in one JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def all(self) -> dict[str, DeviceProfile]:
        if not self.path.exists():
            return {}
        return {k: DeviceProfile(**v) for k, v in json.loads(self.path.read_text()).items()}

    def save(self, profile: DeviceProfile) -> None:
        data = {k: v.to_dict() for k, v in self.all().items()}
        data[profile.name] = profile.to_dict()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(data, indent=2, sort_keys=True))

    def get(self, name: str) -> DeviceProfile:
        profiles = self.all()
        if name not in profiles:
            known = ", ".join(profiles) or "none"
            raise UnsupportedModel(f"No device profile '{name}' (saved: {known}); `edgewise optimize profile save`.")
        return profiles[name]


@dataclass
class FitResult:
    chosen: dict[str, Any]
    fitting: list[dict[str, Any]]
    rejected: list[tuple[str, list[str]]] = field(default_factory=list)
    explanation: str = ""


def _misses(row: dict[str, Any], p: DeviceProfile) -> list[str]:
    out = []
    if p.memory_bytes is not None and (row.get("peak_rss_mib") or 0) * 2**20 > p.memory_bytes:
        out.append(f"peak memory {row['peak_rss_mib']:.0f} MiB > {p.memory_bytes / 2**20:.0f} MiB")
    if p.min_tokens_per_s is not None and (row.get("tg_tok_s") or 0.0) < p.min_tokens_per_s:
        out.append(f"generation {row.get('tg_tok_s') or 0:.1f} tok/s < {p.min_tokens_per_s:g}")
    kld = row.get("kld_mean")
    if p.max_kld is not None and (kld is None or kld > p.max_kld):
        out.append(f"KL {kld:.4f} > {p.max_kld:g}" if kld is not None else "no KL measured")
    inc = row.get("ppl_delta_pct")
    if p.max_ppl_increase_pct is not None and (inc is None or inc > p.max_ppl_increase_pct):
        out.append(f"perplexity +{inc:.1f}% > +{p.max_ppl_increase_pct:g}%" if inc is not None else "no perplexity delta")
    return out


def recommend(rows: list[dict[str, Any]], profile: DeviceProfile) -> FitResult:
    """The fastest row that passes every limit of ``profile``, with the reasons for the rest."""
    fitting, rejected = [], []
    for row in rows:
        miss = _misses(row, profile)
        (rejected.append((row["name"], miss)) if miss else fitting.append(row))
    if not fitting:
        why = "; ".join(f"{n}: {', '.join(m)}" for n, m in rejected) or "the table is empty"
        raise NoFittingVariant(f"No variant fits device '{profile.name}' ({why}). Relax a limit or build smaller variants.")
    fitting.sort(key=lambda r: (-(r.get("tg_tok_s") or 0.0), r.get("kld_mean") or 0.0))
    chosen = fitting[0]
    best_quality = min(fitting, key=lambda r: r.get("kld_mean") or 0.0)
    text = (f"{chosen['name']} ({chosen['quantization']}, {chosen['size_mib']:.0f} MiB file, "
            f"{chosen.get('peak_rss_mib') or 0:.0f} MiB peak) is the fastest of {len(fitting)} variant(s) that fit: "
            f"{chosen.get('tg_tok_s') or 0:.1f} tok/s generation, {chosen.get('pp_tok_s') or 0:.0f} tok/s prompt, "
            f"KL {chosen.get('kld_mean') or 0:.4f}, top-1 agreement {100 * (chosen.get('top1_agreement') or 0):.1f}%.")
    if best_quality is not chosen:
        text += (f" The best-quality fit, {best_quality['name']}, has KL {best_quality.get('kld_mean') or 0:.4f} "
                 f"but generates at {best_quality.get('tg_tok_s') or 0:.1f} tok/s.")
    return FitResult(chosen=chosen, fitting=fitting, rejected=rejected, explanation=text)


__all__ = ["DeviceProfile", "FitResult", "ProfileStore", "parse_size", "recommend"]
