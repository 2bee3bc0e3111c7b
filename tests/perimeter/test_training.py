"""The NER training script runs from the repository alone and its corpus generator is deterministic."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import random
from pathlib import Path

from edgewise.perimeter.corpus import DEV, HELDOUT, TRAIN, generate
from edgewise.perimeter.corpus import templates_heldout, templates_train
from edgewise.perimeter.corpus.compose import compose
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
    # DEV, for choosing settings, shares its locales and seeds with neither
    assert not set(DEV.locales) & (set(TRAIN.locales) | set(HELDOUT.locales))
    assert DEV.seed_base not in (TRAIN.seed_base, HELDOUT.seed_base)


def test_composed_training_templates_never_equal_a_held_out_template() -> None:
    rng = random.Random(0)
    composed = {compose(rng) for _ in range(20000)}
    assert len(composed) > 5000  # varied, not a handful of sentences
    assert not composed & set(templates_heldout.TEMPLATES)


def _provider_modules(locale: str) -> set[str]:
    """Modules of the Faker person/company/address providers a locale draws its values from (own and inherited)."""
    out: set[str] = set()
    for kind in ("person", "company", "address"):
        name = f"faker.providers.{kind}.{locale}"
        if importlib.util.find_spec(name) is None:
            continue  # Faker falls back to its default (en_US) provider
        out |= {c.__module__ for c in inspect.getmro(importlib.import_module(name).Provider)
                if c.__module__.startswith(f"faker.providers.{kind}.")}
    return out


def test_training_locales_share_no_faker_list_with_held_out_locales() -> None:
    """No training value comes from a provider a held-out locale uses; the only shared bases hold country
    names, which the generator never draws for the locales listed in ``no_country_locales``."""
    held = set().union(*(_provider_modules(loc) for loc in HELDOUT.locales))
    country_bases = {"faker.providers.address.en", "faker.providers.address.es"}
    unused_bases = {"faker.providers.person.es"}  # holds language names only, which the corpus never uses
    for loc in TRAIN.locales:
        shared = _provider_modules(loc) & held
        assert shared <= country_bases | unused_bases, (loc, shared)
        if shared & country_bases:
            assert loc in TRAIN.no_country_locales, loc
    shared_countries = {"United States of America", "España", "Estados Unidos de América"}
    for s in generate(TRAIN, 3000, seed=5):
        assert not any(s.text[sp.start : sp.end] in shared_countries for sp in s.spans if sp.type == "LOCATION")


def test_training_produces_a_loadable_model(tmp_path: Path) -> None:
    out = tmp_path / "model"
    train(n=60, epochs=1, seed=0, out=out)
    model = NerModel(out)
    model.find("Anna Schmidt works for Siemens in Berlin.")  # loads and runs


def test_the_shipped_model_is_small() -> None:
    files = [p for p in SHIPPED_MODEL.rglob("*") if p.is_file()]
    assert files and all(p.stat().st_size < 5 * 1024 * 1024 for p in files)
    assert sum(p.stat().st_size for p in files) < 10 * 1024 * 1024


def test_context_words_keep_every_span_on_its_value() -> None:
    from edgewise.perimeter.corpus.context import add_context_words, vocabulary

    vocab = vocabulary(TRAIN.locales)
    assert len(vocab) > 5000 and all(w.isalpha() and w == w.lower() for w in vocab)
    rng = random.Random(1)
    text = "Ask Ana Moura about Acme Ltd in Porto."
    spans = [(4, 13, "PERSON"), (20, 28, "ORGANIZATION"), (32, 37, "LOCATION")]
    for _ in range(200):
        new, moved = add_context_words(text, spans, rng, 1.0, vocab)
        assert [new[a:b] for a, b, _ in moved] == ["Ana Moura", "Acme Ltd", "Porto"]
        assert len(new) > len(text)
