"""Token-level precision, recall and F2 of a detector against a labelled corpus.

Token-level (whitespace tokens), like Presidio's evaluator, so partial hits
count partially. Two overall figures: *typed* (the predicted type must match)
and *any-PII* (a token of an identifier counted as found if any entity covers
it: the figure that matters for leaks). Also the entity leak rate: gold
entities with at least one token left uncovered.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from edgewise.perimeter.corpus.generate import Sample

_TOKEN = re.compile(r"\S+")
Predict = Callable[[str], Sequence[tuple[int, int, str]]]


@dataclass
class Scores:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    entities: Counter[str] = field(default_factory=Counter)
    leaked: Counter[str] = field(default_factory=Counter)
    #: Tokens whose predicted label differs from the gold one, by (gold, predicted); "O" for no entity.
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)

    @staticmethod
    def prf(tp: int, fp: int, fn: int, beta: float = 2.0) -> dict[str, float]:
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        b2 = beta * beta
        f = (1 + b2) * p * r / (b2 * p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f2": round(f, 4), "support": tp + fn}

    def per_type(self) -> dict[str, dict[str, float]]:
        types = sorted(set(self.tp) | set(self.fn) | set(self.fp) - {"*", "ANY"})
        out = {t: self.prf(self.tp[t], self.fp[t], self.fn[t]) for t in types if t not in ("*", "ANY")}
        for t in out:
            out[t]["entities"] = self.entities[t]
            out[t]["entity_leak_rate"] = round(self.leaked[t] / self.entities[t], 4) if self.entities[t] else 0.0
        return out

    def top_confusions(self, k: int = 12) -> list[dict[str, str | int]]:
        """The most frequent token errors, e.g. organisation tokens labelled PERSON: where the errors come from."""
        return [{"gold": g, "predicted": p, "tokens": n} for (g, p), n in self.confusion.most_common(k)]

    def overall(self) -> dict[str, dict[str, float]]:
        n = sum(self.entities.values())
        return {
            "typed": self.prf(self.tp["*"], self.fp["*"], self.fn["*"]),
            "any_pii": {**self.prf(self.tp["ANY"], self.fp["ANY"], self.fn["ANY"]), "entities": n,
                        "entity_leak_rate": round(sum(self.leaked.values()) / n, 4) if n else 0.0},
        }


def _label_tokens(text: str, spans: Sequence[tuple[int, int, str]]) -> list[str | None]:
    labels: list[str | None] = []
    for m in _TOKEN.finditer(text):
        label = None
        for a, b, t in spans:
            if a < m.end() and m.start() < b:
                label = t
                break
        labels.append(label)
    return labels


def score(samples: Sequence[Sample], predict: Predict, types: set[str] | None = None) -> Scores:
    """Score ``predict`` (text -> spans) on ``samples``; ``types`` restricts both sides to those types."""
    s = Scores()
    for sample in samples:
        gold_spans = [(g.start, g.end, g.type) for g in sample.spans if types is None or g.type in types]
        pred_spans = [p for p in predict(sample.text) if types is None or p[2] in types]
        gold = _label_tokens(sample.text, gold_spans)
        pred = _label_tokens(sample.text, pred_spans)
        for g, p in zip(gold, pred, strict=True):
            _count(s, g, p)
        for a, b, t in gold_spans:
            s.entities[t] += 1
            if not _covered(a, b, sample.text, pred_spans):
                s.leaked[t] += 1
    return s


def _count(s: Scores, g: str | None, p: str | None) -> None:
    if g != p:
        s.confusion[(g or "O", p or "O")] += 1
    if g is not None and p == g:
        s.tp[g] += 1
        s.tp["*"] += 1
    else:
        if p is not None:
            s.fp[p] += 1
            s.fp["*"] += 1
        if g is not None:
            s.fn[g] += 1
            s.fn["*"] += 1
    if g is not None and p is not None:
        s.tp["ANY"] += 1
    elif p is not None:
        s.fp["ANY"] += 1
    elif g is not None:
        s.fn["ANY"] += 1


def _covered(a: int, b: int, text: str, preds: Sequence[tuple[int, int, str]]) -> bool:
    """Every non-space character of ``text[a:b]`` lies inside some predicted span."""
    return all(text[i].isspace() or any(pa <= i < pb for pa, pb, _ in preds) for i in range(a, b))


__all__ = ["Predict", "Scores", "score"]
