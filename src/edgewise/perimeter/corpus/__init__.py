"""Synthetic PII corpora: one generator, two disjoint splits.

The NER model is trained on :data:`TRAIN` and measured on :data:`HELDOUT`; the
two differ in Faker locales, sentence templates and random seeds, so the
benchmark measures generalisation rather than memorised sentences:

=========  ==============================================  =====================  ==========
split      locales                                         templates              seed base
=========  ==============================================  =====================  ==========
train      22: en_US de_DE fr_FR es_ES it_IT nl_NL cs_CZ   ``templates_train``      1_000
           da_DK fi_FI no_NO pt_PT ro_RO hu_HU sk_SK       plus ``compose``
           hr_HR sl_SI de_AT de_CH fr_CH nl_BE id_ID       (65% of samples)
           en_IN
heldout    en_GB en_AU pl_PL sv_SE pt_BR es_MX (+ en_US      ``templates_heldout``    900_000
           for SSNs only)
=========  ==============================================  =====================  ==========

Disjoint also below the locale names: no training locale draws names,
companies or places from a Faker provider module that a held-out locale uses
(``tests/perimeter/test_training.py`` checks the provider classes). The one
exception is the country-name lists of ``en`` and ``es``, shared by en_US and
es_ES with en_GB/en_AU and es_MX: those two training locales never produce
country names (``Split.no_country_locales``). ``compose`` writes its own
phrases; no composed template equals a held-out one (also tested).

Faker is needed only here (training and benchmarks), never on the node.
"""

from __future__ import annotations

from edgewise.perimeter.corpus.generate import DEV, HELDOUT, TRAIN, Sample, Span, Split, generate

__all__ = ["DEV", "HELDOUT", "TRAIN", "Sample", "Span", "Split", "generate"]
