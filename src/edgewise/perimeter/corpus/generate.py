"""Fill sentence templates with Faker values and record every entity's span.

Deterministic for a given split, count and seed, so training and the
benchmark are reproducible.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from faker import Faker

from edgewise.perimeter.corpus import templates_dev, templates_heldout, templates_train
from edgewise.perimeter.corpus.compose import compose
from edgewise.perimeter.corpus.context import add_context_words, vocabulary
from edgewise.perimeter.corpus.values import VALUES, ValueFn, location_without_country
from edgewise.perimeter.corpus.values_train import TRAIN_VALUES, place_without_country

_SLOT = re.compile(r"\{([A-Z_]+)\}")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    type: str


@dataclass(frozen=True)
class Sample:
    text: str
    spans: tuple[Span, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Split:
    """One side of the train/held-out split: disjoint locales, templates and seeds."""

    name: str
    locales: tuple[str, ...]
    templates: tuple[str, ...]
    seed_base: int
    lower_rate: float
    upper_rate: float
    filler_rate: float = 0.0  # chance of surrounding a sample with random Faker sentences (negatives in context)
    composer: Callable[[random.Random], str] | None = None  # builds a fresh template (TRAIN only)
    compose_rate: float = 0.0  # share of samples whose template comes from ``composer``
    #: Locales whose Faker country list is shared with a held-out locale (``address.en``, ``address.es``):
    #: their LOCATION values never include country names, so no held-out list reaches training.
    no_country_locales: tuple[str, ...] = ()
    values: Mapping[str, ValueFn] = field(default_factory=lambda: VALUES)  # value generator per slot type
    location_no_country: ValueFn = location_without_country  # LOCATION values for ``no_country_locales``
    context_rate: float = 0.0  # chance that an entity gets an ordinary word glued next to it (``context``)


#: Training locales. Each one's person, company and address providers are its own or a base that no held-out
#: locale uses (checked by tests/perimeter/test_training.py), except the country lists noted above.
TRAIN_LOCALES = (
    "en_US", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL",  # the original six
    "cs_CZ", "da_DK", "fi_FI", "no_NO", "pt_PT", "ro_RO", "hu_HU", "sk_SK", "hr_HR", "sl_SI",
    "de_AT", "de_CH", "fr_CH", "nl_BE", "id_ID", "en_IN",
    # names from more of the world: Africa, Asia, the Americas, the Baltics and Ireland
    "en_IE", "ga_IE", "is_IS", "lv_LV", "et_EE", "fr_CA", "es_AR", "es_CO", "fr_DZ", "az_AZ", "zu_ZA", "en_KE",
    "en_NG", "yo_NG", "ha_NG", "ig_NG", "tw_GH", "sw", "en_PK", "en_TH", "vi_VN", "uz_UZ",
)
#: Locales whose Faker countries come from ``address.en``/``address.es`` (their own base, or Faker's en_US
#: fallback when they have no address provider), lists that held-out locales share.
_SHARED_COUNTRIES = (
    "en_US", "es_ES", "en_IE", "ga_IE", "is_IS", "lv_LV", "et_EE", "fr_CA", "es_AR", "es_CO", "en_KE", "en_NG",
    "yo_NG", "ha_NG", "ig_NG", "tw_GH", "sw", "en_PK", "en_TH", "uz_UZ", "lt_LT", "tr_TR", "es_CL", "en_NZ",
)
TRAIN = Split(
    "train", TRAIN_LOCALES, templates_train.TEMPLATES, 1_000, 0.08, 0.04, 0.3,
    composer=compose, compose_rate=0.65, no_country_locales=_SHARED_COUNTRIES,
    values=TRAIN_VALUES, location_no_country=place_without_country, context_rate=0.25,
)
#: For choosing training settings without touching the held-out corpus: locales that neither training nor the
#: benchmark uses, templates of its own (``templates_dev``), the training value shapes, seeds of its own.
DEV = Split(
    "dev", ("lt_LT", "tr_TR", "es_CL", "en_NZ"), templates_dev.TEMPLATES, 500_000, 0.03, 0.02, 0.0,
    no_country_locales=_SHARED_COUNTRIES,
    values=TRAIN_VALUES, location_no_country=place_without_country,
)
HELDOUT = Split(
    "heldout", ("en_GB", "en_AU", "pl_PL", "sv_SE", "pt_BR", "es_MX"), templates_heldout.TEMPLATES, 900_000, 0.03, 0.02
)


def _fill(template: str, fake: Faker, rng: random.Random, split: Split, countries: bool = True) -> Sample:
    parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    length = 0
    for m in _SLOT.finditer(template):
        literal = template[pos : m.start()]
        parts.append(literal)
        length += len(literal)
        slot = m.group(1)
        value = (split.values[slot] if countries or slot != "LOCATION" else split.location_no_country)(fake, rng)
        spans.append(Span(length, length + len(value), slot))
        parts.append(value)
        length += len(value)
        pos = m.end()
    parts.append(template[pos:])
    return Sample("".join(parts), tuple(spans))


def _with_filler(sample: Sample, fake: Faker, rng: random.Random) -> Sample:
    """Random sentences before and/or after: teaches that capitalised ordinary words are not names."""
    sep = rng.choice((" ", " ", "\n"))
    before = sep.join(str(fake.sentence()) for _ in range(rng.randint(0, 2)))
    after = sep.join(str(fake.sentence()) for _ in range(rng.randint(0, 2)))
    prefix = before + sep if before else ""
    shift = len(prefix)
    text = prefix + sample.text + (sep + after if after else "")
    return Sample(text, tuple(Span(s.start + shift, s.end + shift, s.type) for s in sample.spans))


def _recase(sample: Sample, rng: random.Random, split: Split) -> Sample:
    r = rng.random()
    if r < split.lower_rate:
        return Sample(sample.text.lower(), sample.spans)
    if r < split.lower_rate + split.upper_rate:
        return Sample(sample.text.upper(), sample.spans)
    return sample


def generate(split: Split, n: int, seed: int = 0) -> list[Sample]:
    """``n`` samples of ``split``; ``seed`` is added to the split's own seed base."""
    rng = random.Random(split.seed_base + seed)
    fakers = {loc: Faker(loc) for loc in split.locales}
    for i, fake in enumerate(fakers.values()):
        fake.seed_instance(split.seed_base + seed + i)
    out: list[Sample] = []
    for _ in range(n):
        locale = rng.choice(split.locales)
        fake = fakers[locale]
        if split.composer is not None and rng.random() < split.compose_rate:
            template = split.composer(rng)
        else:
            template = rng.choice(split.templates)
        sample = _fill(template, fake, rng, split, countries=locale not in split.no_country_locales)
        if split.context_rate:
            text, spans = add_context_words(sample.text, [(s.start, s.end, s.type) for s in sample.spans], rng,
                                            split.context_rate, vocabulary(split.locales))
            sample = Sample(text, tuple(Span(*s) for s in spans))
        if rng.random() < split.filler_rate:
            sample = _with_filler(sample, fake, rng)
        out.append(_recase(sample, rng, split))
    return out


__all__ = ["DEV", "HELDOUT", "TRAIN", "Sample", "Span", "Split", "generate"]
