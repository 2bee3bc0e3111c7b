"""Reproducible training of the perimeter's NER model (``python -m edgewise.perimeter.training.train_ner``)."""
