"""Fixtures of the inspection tests: real magnetic-tile images, one small detector trained once per session.

The detector is trained on a few good tiles of a few tile groups (never on a
defect), calibrated on other good tiles of the same groups; the good test
images are further captures of those tiles, the defects come from defect folders.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

TRAIN_GROUPS = ["MT_Free-g000", "MT_Free-g002", "MT_Free-g004", "MT_Free-g005", "MT_Free-g010", "MT_Free-g011"]
DEFECTS = ["MT_Fray/Imgs/exp6_num_136770.jpg", "MT_Crack/Imgs/exp3_num_249637.jpg", "MT_Break/Imgs/exp1_num_304290.jpg"]


@dataclass(frozen=True)
class TileSet:
    root: Path
    train: list[Path]
    calibrate: list[Path]
    good: list[Path]
    defects: list[Path]


@pytest.fixture(scope="session")
def tiles(shared_data: Path) -> TileSet:
    root = shared_data / "magnetic_tile"
    with (root / "manifest.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    by_group: dict[str, list[Path]] = {}
    for r in rows:
        by_group.setdefault(r["group"], []).append(root / r["image_path"])
    train = [p for g in TRAIN_GROUPS for p in sorted(by_group[g])[:2]]
    calibrate = [sorted(by_group[g])[2] for g in TRAIN_GROUPS]
    # Unseen images of the trained tiles (other capture settings): a 12-image detector is a functional
    # fixture, not a generalisation study; the honest group split is the benchmark's job.
    good = [sorted(by_group[g])[3] for g in TRAIN_GROUPS[:4]]
    return TileSet(root, train, calibrate, good, [root / d for d in DEFECTS])


@pytest.fixture(scope="session")
def trained(tiles: TileSet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """(TorchDetector, folder): trained once, with labelled defect examples and an int8 variant."""
    from edgewise.apps.inspection.training import train_detector

    folder = tmp_path_factory.mktemp("detector") / "tiles"
    labelled = {"break": [tiles.root / "MT_Break/Imgs/exp3_num_304317.jpg"], "fray": [tiles.root / "MT_Fray/Imgs/exp1_num_136254.jpg"]}
    # adapt_steps=0: the fixture is about the flow, not accuracy (test_adapt.py trains an adapted one)
    det = train_detector(
        tiles.train, folder, "tiles", calibration=tiles.calibrate, image_size=128, bank_size=1024, labelled=labelled,
        int8=True, adapt_steps=0,
    )
    yield det, folder


@pytest.fixture()
def registered(trained: tuple[object, Path], isolated_env: Path) -> str:
    """The session detector registered in this test's own data dir, under the name 'tiles'."""
    from edgewise.config import load_settings
    from edgewise.models import ModelRegistry

    ModelRegistry(load_settings().models_dir).add(trained[1], "tiles", kind="detector")
    return "tiles"
