"""Fixtures of the perimeter tests: one detector with the shipped NER model per session."""

from __future__ import annotations

import pytest

from edgewise.perimeter.detector import PiiDetector
from edgewise.perimeter.ner import NerModel


@pytest.fixture(scope="session")
def detector() -> PiiDetector:
    return PiiDetector(ner=NerModel(), timeout_s=30)


@pytest.fixture(scope="session")
def structured_detector() -> PiiDetector:
    """Structured recognizers only (no NER): fast, for property tests."""
    return PiiDetector(ner=None, timeout_s=30)
