"""The NER training script runs from the repository alone and its corpus generator is deterministic."""

from __future__ import annotations

from pathlib import Path

from edgewise.perimeter.corpus import HELDOUT, TRAIN, generate
from edgewise.perimeter.corpus import templates_heldout, templates_train
from edgewise.perimeter.ner import SHIPPED_MODEL, NerModel
from edgewise.perimeter.training.train_ner import train


def test_generation_is_deterministic_and_spans_are_exact() -> None:
    a, b = generate(TRAIN, 50, seed=3), generate(TRAIN, 50, seed=3)
    assert a == b
    for s in a:
        for sp in s.spans:
            assert 0 <= sp.start < sp.end <= len(s.text)


def test_the_split_is_disjoint() -> None:
    assert not set(TRAIN.locales) & set(HELDOUT.locales)
    assert not set(templates_train.TEMPLATES) & set(templates_heldout.TEMPLATES)
    assert TRAIN.seed_base != HELDOUT.seed_base


def test_training_produces_a_loadable_model(tmp_path: Path) -> None:
    out = tmp_path / "model"
    train(n=60, epochs=1, seed=0, out=out)
    model = NerModel(out)
    model.find("Anna Schmidt works for Siemens in Berlin.")  # loads and runs


def test_the_shipped_model_is_small() -> None:
    files = [p for p in SHIPPED_MODEL.rglob("*") if p.is_file()]
    assert files and all(p.stat().st_size < 5 * 1024 * 1024 for p in files)
    assert sum(p.stat().st_size for p in files) < 10 * 1024 * 1024
