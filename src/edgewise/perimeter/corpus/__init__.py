"""Synthetic PII corpora: one generator, two disjoint splits.

The NER model is trained on :data:`TRAIN` and measured on :data:`HELDOUT`; the
two differ in Faker locales, sentence templates and random seeds, so the
benchmark measures generalisation rather than memorised sentences:

=========  ==============================================  =================  ==========
split      locales                                         templates          seed base
=========  ==============================================  =================  ==========
train      en_US de_DE fr_FR es_ES it_IT nl_NL             ``templates_train``  1_000
heldout    en_GB en_AU pl_PL sv_SE pt_BR es_MX (+ en_US      ``templates_heldout`` 900_000
           for SSNs only)
=========  ==============================================  =================  ==========

Faker is needed only here (training and benchmarks), never on the node.
"""

from __future__ import annotations

from edgewise.perimeter.corpus.generate import HELDOUT, TRAIN, Sample, Span, Split, generate

__all__ = ["HELDOUT", "TRAIN", "Sample", "Span", "Split", "generate"]
