"""Train the small spaCy NER model shipped in ``edgewise/perimeter/ner_model``.

Why train our own: no spaCy model may be downloaded on the node (or in CI), and
Presidio's default setup fetches one at start-up. A blank multi-language
pipeline with a narrow hash-embedding CNN is a few MB and learns names of
people, organisations and places from synthetic sentences (``perimeter.corpus``,
TRAIN split only: its own locales, fixed and composed templates, seeds).
Everything is seeded, the hash seed too (the command re-executes itself with
``PYTHONHASHSEED=0``): the same command gives the same model, byte for byte.

Why a tagger and not spaCy's transition-based ``ner``: the parser steps
through the text token by token with a small matrix product per step, and the
NER was most of the redaction time; the tagger scores every token in one
matrix product (IOB tags, joined into spans in ``perimeter.ner``), about half
the time per token with the same features in our measurement. Trained on the
same data (20,000 sentences, 4 epochs) it was also the more accurate on the
held-out corpus: NER-only typed F2 0.68 against 0.65 (``--arch parser`` keeps
the other for comparison).
The CNN is 48 wide with three layers (each token sees three neighbours either side),
maxout with 2 pieces, and 5,000 embedding rows for the word feature (2,500 for
prefix, suffix and shape) so that the names of 44 training locales and the
world's place names collide less in the hash tables.

The data (``perimeter.corpus``): 100,000 TRAIN sentences from 44 Faker locales,
half of the names in shapes Faker lacks and places from public gazetteers
(``corpus.values_train``, ``corpus.gazetteer``), and ordinary words glued next
to a quarter of the names (``corpus.context``) so that the model does not take
an unseen neighbour ("leaving", "pls") for part of a name. Matrix products run
in numpy's BLAS (:func:`_blas_ops`). Decoding settings are then chosen on the
DEV split with ``python -m edgewise.perimeter.training.tune_ner``.

Choices measured on DEV (typed F2 of the full detector, best decoding each): this recipe 0.867 (width 48),
0.871 at width 64, which was a third slower; with only lower-case words glued after names 0.856 (width 64)
and 0.853 (width 48); width 64 without context words 0.819. Width 48 ships: it was set beforehand to ship
if within 0.005 of width 64 on DEV, for the latency goal.

Run: ``nice python -m edgewise.perimeter.training.train_ner`` (defaults: 100,000 sentences, 5 epochs, seed 0;
about 15 minutes of CPU on one core, 20-40 minutes of wall time on the shared two-core machine; one thread).
It overwrites the shipped model unless ``--out`` says otherwise.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # shared machines: training must not take every core

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

NER_LABELS = {"PERSON": "PERSON", "ORGANIZATION": "ORG", "LOCATION": "LOC"}
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "ner_model"
ARCHES = ("tagger", "parser")

TOK2VEC: dict[str, Any] = {
    "@architectures": "spacy.HashEmbedCNN.v2",
    "pretrained_vectors": None,
    "width": 48,
    "depth": 3,
    "embed_size": 5000,
    "window_size": 1,
    "maxout_pieces": 2,
    "subword_features": True,
}
#: Per-token IOB tags (``B-PERSON``, ``I-ORG``, ``O``) from a softmax over the CNN features: one matrix
#: product for all tokens, no transition system stepping token by token. ``ner.py`` joins them into spans.
TAGGER_CONFIG: dict[str, Any] = {
    "@architectures": "spacy.Tagger.v2", "nO": None, "normalize": False, "tok2vec": TOK2VEC,
}
#: spaCy's transition-based entity recogniser on the same features (``--arch parser``): the previous design.
PARSER_CONFIG: dict[str, Any] = {
    "@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner", "extra_state_tokens": False,
    "hidden_width": 64, "maxout_pieces": 2, "use_upper": True, "nO": None, "tok2vec": TOK2VEC,
}


def to_examples(nlp: Any, samples: list[Any], arch: str = "tagger") -> list[Any]:
    """spaCy Examples with only the three NER labels; other entity types stay unlabelled (O).

    For the tagger the entities become IOB tags of the tokens (``B-PERSON I-PERSON O``).
    """
    from spacy.training import Example

    examples = []
    for s in samples:
        doc = nlp.make_doc(s.text)
        ents = []
        for sp in s.spans:
            label = NER_LABELS.get(sp.type)
            if label is None:
                continue
            span = doc.char_span(sp.start, sp.end, label=label, alignment_mode="expand")
            if span is not None:
                ents.append(span)
        try:
            doc.ents = ents
        except ValueError:  # overlapping after expansion: skip the sample rather than teach noise
            continue
        if arch == "tagger":
            tags = [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_type_ else "O" for t in doc]
            examples.append(Example.from_dict(nlp.make_doc(s.text), {"tags": tags}))
        else:
            examples.append(Example(nlp.make_doc(s.text), doc))
    return examples


def _blas_ops() -> Any:
    """thinc's NumpyOps with matrix products from numpy (OpenBLAS): about 3x faster here than thinc's bundled
    BLIS on this kind of CPU, and the products are most of the training time. Single-threaded, so deterministic."""
    import numpy as np
    from thinc.api import NumpyOps

    class BlasOps(NumpyOps):  # type: ignore[misc]
        name = "numpy"

        def gemm(self, x: Any, y: Any, out: Any = None, trans1: bool = False, trans2: bool = False) -> Any:
            x, y = (x.T if trans1 else x), (y.T if trans2 else y)
            if out is None:
                return np.dot(x, y)
            np.dot(x, y, out=out)
            return out

    return BlasOps()


def train(n: int, epochs: int, seed: int, out: Path, arch: str = "tagger") -> Any:
    import spacy
    from spacy.util import fix_random_seed, minibatch  # type: ignore[attr-defined]  # thinc's, re-exported implicitly
    from thinc.api import set_current_ops

    from edgewise.perimeter.corpus import TRAIN, generate
    from edgewise.perimeter.ner import IOB_COMPONENT, register_iob_component

    fix_random_seed(seed)
    set_current_ops(_blas_ops())
    nlp = spacy.blank("xx")
    if arch == "tagger":
        nlp.add_pipe("tagger", config={"model": TAGGER_CONFIG})
    else:
        nlp.add_pipe("ner", config={"model": PARSER_CONFIG})
    examples = to_examples(nlp, generate(TRAIN, n, seed=seed), arch)
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)
    started = time.perf_counter()
    for epoch in range(epochs):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        t0 = time.perf_counter()
        for batch in minibatch(examples, size=64):  # type: ignore[no-untyped-call]  # spacy leaves it unannotated
            nlp.update(batch, drop=0.15, sgd=optimizer, losses=losses)
        took = time.perf_counter() - t0
        print(f"epoch {epoch + 1}/{epochs} loss={sum(losses.values()):.1f} ({took:.0f}s)", flush=True)
    print(f"training took {time.perf_counter() - started:.0f}s after {len(examples)} examples were built", flush=True)
    if arch == "tagger":
        register_iob_component()
        nlp.add_pipe(IOB_COMPONENT)  # doc.ents for plain spaCy users; NerModel reads the tagger directly
    t2v = f"width {TOK2VEC['width']}, depth {TOK2VEC['depth']}, {TOK2VEC['embed_size']} embedding rows"
    nlp.meta.update({"name": "edgewise_pii_ner", "version": "0.2.0",
                     "description": f"PERSON/ORG/LOC ({arch}; {t2v}) from {n} synthetic TRAIN sentences, "
                                    f"{epochs} epochs, seed {seed}"})
    out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)
    return nlp


def main() -> None:
    if os.environ.get("PYTHONHASHSEED") != "0":
        # String hashing is randomised per process and some set iteration during training depends on it:
        # without a fixed hash seed two runs of the same command give slightly different weights.
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, "-m", "edgewise.perimeter.training.train_ner", *sys.argv[1:]])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100000, help="training sentences")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--arch", choices=ARCHES, default="tagger")
    parser.add_argument("--depth", type=int, default=TOK2VEC["depth"], help="CNN layers (context: +-depth tokens)")
    parser.add_argument("--width", type=int, default=TOK2VEC["width"], help="CNN width (time grows with its square)")
    args = parser.parse_args()
    TOK2VEC["depth"], TOK2VEC["width"] = args.depth, args.width
    train(args.n, args.epochs, args.seed, args.out, args.arch)
    print(f"saved to {args.out}")


if __name__ == "__main__":
    main()
