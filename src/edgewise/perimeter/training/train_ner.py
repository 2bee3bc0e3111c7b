"""Train the small spaCy NER model shipped in ``edgewise/perimeter/ner_model``.

Why train our own: no spaCy model may be downloaded on the node (or in CI), and
Presidio's default setup fetches one at start-up. A blank multi-language
pipeline with a narrow hash-embedding CNN is a few MB, runs in a few
milliseconds per kilobyte on one core, and learns names of people,
organisations and places from synthetic sentences (``perimeter.corpus``, TRAIN
split only). Everything is seeded: the same command gives the same model.

Run: ``python -m edgewise.perimeter.training.train_ner`` (defaults: 20,000 sentences, 5 epochs, seed 0;
about 25 minutes on one busy core). It overwrites the shipped model unless ``--out`` says otherwise.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path
from typing import Any

NER_LABELS = {"PERSON": "PERSON", "ORGANIZATION": "ORG", "LOCATION": "LOC"}
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "ner_model"

MODEL_CONFIG: dict[str, Any] = {
    "@architectures": "spacy.TransitionBasedParser.v2",
    "state_type": "ner",
    "extra_state_tokens": False,
    "hidden_width": 64,
    "maxout_pieces": 2,
    "use_upper": True,
    "nO": None,
    "tok2vec": {
        "@architectures": "spacy.HashEmbedCNN.v2",
        "pretrained_vectors": None,
        "width": 64,
        "depth": 2,
        "embed_size": 3000,
        "window_size": 1,
        "maxout_pieces": 3,
        "subword_features": True,
    },
}


def to_examples(nlp: Any, samples: list[Any]) -> list[Any]:
    """spaCy Examples with only the three NER labels; other entity types stay unlabelled (O)."""
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
        examples.append(Example(nlp.make_doc(s.text), doc))
    return examples


def train(n: int, epochs: int, seed: int, out: Path) -> Any:
    import spacy
    from spacy.util import fix_random_seed, minibatch

    from edgewise.perimeter.corpus import TRAIN, generate

    fix_random_seed(seed)
    nlp = spacy.blank("xx")
    nlp.add_pipe("ner", config={"model": MODEL_CONFIG})
    examples = to_examples(nlp, generate(TRAIN, n, seed=seed))
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)
    for epoch in range(epochs):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        t0 = time.perf_counter()
        for batch in minibatch(examples, size=64):
            nlp.update(batch, drop=0.15, sgd=optimizer, losses=losses)
        print(f"epoch {epoch + 1}/{epochs} loss={losses.get('ner', 0.0):.1f} ({time.perf_counter() - t0:.0f}s)", flush=True)
    nlp.meta.update({"name": "edgewise_pii_ner", "version": "0.1.0",
                     "description": f"PERSON/ORG/LOC from {n} synthetic TRAIN sentences, {epochs} epochs, seed {seed}"})
    out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)
    return nlp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20000, help="training sentences")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    train(args.n, args.epochs, args.seed, args.out)
    print(f"saved to {args.out}")


if __name__ == "__main__":
    main()
