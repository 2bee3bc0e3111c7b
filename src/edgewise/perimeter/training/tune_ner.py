"""Choose the NER decoding settings (recall bias, case rule) on the DEV split, never on held-out data.

Why a separate split: the benchmark's held-out corpus must stay unseen by every
choice made in training, decoding included. DEV (``perimeter.corpus.DEV``) uses
locales that neither training nor the benchmark uses, the training-side
generators and seeds of its own. The full detector is scored (structured
recognizers included), token-level typed F2, as in the benchmark.

Run: ``python -m edgewise.perimeter.training.tune_ner [--model DIR] [--n 2000]``; prints one row per setting.
The chosen settings go into ``perimeter.ner.RECALL_BIAS`` and ``CASE_RULE``. For the shipped model
(0.2.0, width 48, n=1500): typed F2 0.857 with the case rule and no bias, 0.867 with bias 3 (the best;
bias 2 and 4 gave 0.866 and 0.865).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, cast

from edgewise.perimeter.corpus import DEV, generate
from edgewise.perimeter.corpus.scoring import Predict, score
from edgewise.perimeter.detector import PiiDetector
from edgewise.perimeter.ner import SHIPPED_MODEL, NerModel

BIASES = (0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0)
NAMES = ("PERSON", "ORGANIZATION", "LOCATION")


def _memoized(ner: NerModel) -> NerModel:
    """Share the network's scores between settings: only the decoding differs, so score each text once.

    ``ner`` must never reload (an unlimited ``string_budget``): a reload would replace the wrapped tagger.
    """
    memo: dict[tuple[bytes, tuple[int, ...]], Any] = {}
    fast = ner._fast
    if fast is not None:
        compute = fast.scores

        def scores(embedded: Any, lengths: list[int]) -> Any:
            key = (embedded.tobytes(), tuple(lengths))
            if key not in memo:
                memo[key] = compute(embedded, lengths)
            return memo[key]

        setattr(fast, "scores", scores)
    return ner


def evaluate(model: Path, n: int, biases: tuple[float, ...] = BIASES) -> list[dict[str, float | bool]]:
    samples = generate(DEV, n, seed=0)
    rows: list[dict[str, float | bool]] = []
    ner = _memoized(NerModel(model, string_budget=sys.maxsize))
    det = PiiDetector(ner=ner, timeout_s=60)
    for case_rule in (False, True):
        for bias in biases:
            ner.recall_bias, ner.case_rule = bias, case_rule
            s = score(samples, cast(Predict, lambda t, d=det: [(e.start, e.end, e.type) for e in d.detect(t)]))
            per, typed = s.per_type(), s.overall()["typed"]
            row: dict[str, float | bool] = {"case_rule": case_rule, "bias": bias, "typed_f2": typed["f2"],
                                            "typed_p": typed["precision"], "typed_r": typed["recall"]}
            row.update({f"{t}_f2": per[t]["f2"] for t in NAMES if t in per})
            rows.append(row)
            print(row, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=SHIPPED_MODEL)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    rows = evaluate(args.model, args.n)
    best = max(rows, key=lambda r: r["typed_f2"])
    print(f"best on DEV: case_rule={best['case_rule']} bias={best['bias']} typed F2 {best['typed_f2']}")


if __name__ == "__main__":
    main()
