"""The adversarial corpus (tests/perimeter/adversarial/cases.jsonl, >= 100 cases) leaks no identifier."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from edgewise.perimeter.detector import PiiDetector
from edgewise.perimeter.normalize import normalize
from edgewise.perimeter.placeholders import PlaceholderAllocator
from edgewise.perimeter.redaction import redact_json, redact_string

CASES_FILE = Path(__file__).parent / "adversarial" / "cases.jsonl"
CASES: list[dict[str, Any]] = [json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line]


def _views(s: str) -> tuple[str, str]:
    folded = normalize(s).text.casefold()
    return folded, "".join(c for c in folded if c.isalnum())


def leaked(output: str, secret: str) -> bool:
    """True if ``secret`` is visible in ``output`` raw, normalized and case-folded, or with separators removed."""
    out_folded, out_compact = _views(output)
    sec_folded, sec_compact = _views(secret)
    if secret in output or sec_folded in out_folded:
        return True
    return len(sec_compact) >= 6 and sec_compact in out_compact


def test_corpus_is_large_and_varied() -> None:
    assert len(CASES) >= 100
    assert len({c["category"] for c in CASES}) >= 12


def test_leak_check_itself_catches_disguised_copies() -> None:
    assert leaked("pay 4111 1111 1111 1111", "4111111111111111")
    assert leaked("ЈANE.ROE@EXAMPLE.ORG", "jane.roe@example.org")
    assert not leaked("pay <CREDIT_CARD_1>", "4111111111111111")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_no_identifier_survives(case: dict[str, Any], detector: PiiDetector) -> None:
    alloc = PlaceholderAllocator()
    if "json" in case:
        value, _ = redact_json(detector, case["json"], alloc)
        output = json.dumps(value, ensure_ascii=False)
    else:
        output, _ = redact_string(detector, case["text"], alloc)
    for secret in case["secrets"]:
        assert not leaked(output, secret), f"{case['id']}: {secret!r} survived in {output[-300:]!r}"
