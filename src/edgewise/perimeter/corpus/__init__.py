"""Synthetic PII corpora: one generator, three disjoint splits (train, dev, held-out).

The NER model is trained on :data:`TRAIN` and measured on :data:`HELDOUT`; the
two differ in Faker locales, sentence templates and random seeds, so the
benchmark measures generalisation rather than memorised sentences:

=========  ================================================  =====================  ==========
split      locales                                           templates              seed base
=========  ================================================  =====================  ==========
train      44: en_US de_DE fr_FR es_ES it_IT nl_NL cs_CZ     ``templates_train``      1_000
           da_DK fi_FI no_NO pt_PT ro_RO hu_HU sk_SK         plus ``compose``
           hr_HR sl_SI de_AT de_CH fr_CH nl_BE id_ID en_IN   (65% of samples)
           en_IE ga_IE is_IS lv_LV et_EE fr_CA es_AR es_CO
           fr_DZ az_AZ zu_ZA en_KE en_NG yo_NG ha_NG ig_NG
           tw_GH sw en_PK en_TH vi_VN uz_UZ
dev        lt_LT tr_TR es_CL en_NZ (in neither of the        as train                 500_000
           others; for choosing settings)
heldout    en_GB en_AU pl_PL sv_SE pt_BR es_MX (+ en_US      ``templates_heldout``    900_000
           for SSNs only)
=========  ================================================  =====================  ==========

Values: the held-out split draws Faker's own values (``values.VALUES``). Train
and dev draw half of the names of people, organisations and places from Faker
and half in shapes Faker lacks (``values_train``: "Last, First", initials,
firms named after founders with legal forms of any country, towns of the whole
world from GeoNames, countries and regions from ISO 3166 in 30 languages;
``gazetteer``). Those reference lists are public data unrelated to Faker, so
unrelated to the held-out generator; they do contain real places of the
held-out countries, as any gazetteer would.

Disjoint also below the locale names: no training locale draws names,
companies or places from a Faker provider module that a held-out locale uses
(``tests/perimeter/test_training.py`` checks the provider classes). The one
exception is the country-name lists of ``en`` and ``es`` (also Faker's en_US
fallback for locales without an address provider), shared with en_GB/en_AU and
es_MX: locales drawing from them never produce Faker country names
(``Split.no_country_locales``). ``compose`` writes its own phrases; no composed
template equals a held-out one (also tested).

Faker and the reference lists are needed only here (training and benchmarks), never on the node.
"""

from __future__ import annotations

from edgewise.perimeter.corpus.generate import DEV, HELDOUT, TRAIN, Sample, Span, Split, generate

__all__ = ["DEV", "HELDOUT", "TRAIN", "Sample", "Span", "Split", "generate"]
