"""What a detector reports: a typed span of the text it was given."""

from __future__ import annotations

from dataclasses import dataclass

#: Structured identifiers checked by a validator beat pattern-only hits, which beat the NER model.
PRIORITY_VALIDATED = 3
PRIORITY_PATTERN = 2
PRIORITY_MODEL = 1


@dataclass(frozen=True, order=True)
class Finding:
    start: int
    end: int
    type: str
    priority: int = PRIORITY_PATTERN

    def overlaps(self, other: Finding) -> bool:
        return self.start < other.end and other.start < self.end


def resolve_overlaps(findings: list[Finding]) -> list[Finding]:
    """Keep a non-overlapping subset: higher priority first, then the longer span; result sorted by start."""
    ranked = sorted(findings, key=lambda f: (-f.priority, -(f.end - f.start), f.start))
    kept: list[Finding] = []
    for f in ranked:
        if f.end > f.start and not any(f.overlaps(k) for k in kept):
            kept.append(f)
    return sorted(kept)


__all__ = ["PRIORITY_MODEL", "PRIORITY_PATTERN", "PRIORITY_VALIDATED", "Finding", "resolve_overlaps"]
