"""`edgewise inspect train | run | watch` end to end, on real tiles, through the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from edgewise.cli import app
from edgewise.config import load_settings
from edgewise.models import ModelRegistry
from tests.helpers_cli import ENTRY, edgewise

runner = CliRunner()


def test_train_registers_a_detector(tiles) -> None:  # type: ignore[no-untyped-def]
    args = ["inspect", "train", "--name", "mini", "--image-size", "128", "--bank-size", "256", "--adapt-steps", "2", "--json"]
    for p in tiles.train[:4]:
        args += ["--normal", str(p)]
    for p in tiles.calibrate[:2]:
        args += ["--calibrate", str(p)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    spec = json.loads(result.stdout[result.stdout.index("{"):])
    assert spec["train_images"] == 4 and spec["calibration"]["images"] == 2 and spec["threshold"] > 0
    assert spec["adapt_steps"] == 2
    # the held-out parts that set the threshold, highest first
    highest = spec["calibration"]["highest"]
    assert sorted(h["image"] for h in highest) == sorted(p.name for p in tiles.calibrate[:2])
    assert highest[0]["score"] >= highest[1]["score"] and spec["threshold"] > highest[0]["score"]
    entry = ModelRegistry(load_settings().models_dir).get("mini")
    assert entry.kind == "detector" and (Path(entry.path) / "detector.onnx").is_file()
    again = runner.invoke(app, args)
    assert again.exit_code != 0  # the name is taken and --replace was not given
    shown = runner.invoke(app, [a for a in args if a != "--json"] + ["--replace", "--adapt-steps", "0"])
    out = " ".join(shown.output.split())
    assert shown.exit_code == 0 and "highest-scoring good parts" in out
    assert "only 2 good images: a 1.0% threshold needs at least 100" in out  # and where to go from there
    assert "edgewise inspect calibrate" in out


@pytest.mark.parametrize(("option", "message"), [
    (["--image-size", "0"], "'--image-size': 0 is not in the range 64<=x<=1024"),
    (["--bank-size", "0"], "'--bank-size': 0 is not in the range x>=16"),
    (["--false-reject-rate", "0"], "false-reject rate of 0.0 is not usable"),  # not silently the default
])
def test_train_refuses_unusable_options(tiles, option: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = edgewise("inspect", "train", "--normal", str(tiles.train[0]), "--normal", str(tiles.train[1]),
                      "--name", "refused", "--adapt-steps", "0", *option)
    assert result.returncode == 2 and message in " ".join(result.stderr.split()), result.stderr
    assert "Traceback" not in result.stderr


def test_run_writes_json_lines_and_overlays(registered: str, tiles, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(tiles.good[0].read_bytes()[:300])
    images = [tiles.good[0], tiles.defects[0], corrupt]
    out, overlays = tmp_path / "out.jsonl", tmp_path / "overlays"
    # the installed entry point, not CliRunner: the exit code must survive `edgewise.cli.main`
    result = edgewise("inspect", "run", *map(str, images), "--model", registered, "--json", str(out), "--overlays", str(overlays))
    assert result.returncode == 1, result.stderr  # one image could not be read; the others were still inspected
    assert "3 inspected" not in result.stderr and "2 inspected" in result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["image"] for r in rows] == [p.name for p in images]
    good, defect, bad = rows
    assert "corrupt" in bad["error"] or "truncated" in bad["error"]
    for row, path in ((good, tiles.good[0]), (defect, tiles.defects[0])):
        assert row["verdict"] in ("pass", "reject") and row["threshold"] > 0 and row["latency_ms"] > 0
        overlay = Image.open(row["overlay"])
        assert overlay.format == "PNG" and overlay.size == Image.open(path).size
    assert defect["verdict"] == "reject" and defect["boxes"] and defect["score"] > good["score"]
    b = defect["boxes"][0]
    assert 0 <= b["x"] < defect["width"] and 0 <= b["y"] < defect["height"]
    # the overlay of a reject is coloured where the box is (heat blended over a grayscale tile)
    px = Image.open(defect["overlay"]).convert("RGB").crop((b["x"], b["y"], b["x"] + b["width"], b["y"] + b["height"]))
    r, g, bl = (np.asarray(c, dtype=int).ravel() for c in px.split())
    assert max(ri - bi for ri, bi in zip(r, bl, strict=True)) > 60


def test_unknown_detector_is_a_clear_error(tiles) -> None:  # type: ignore[no-untyped-def]
    result = edgewise("inspect", "run", str(tiles.good[0]), "--model", "nope")
    assert result.returncode == 2 and "nope" in result.stderr and "Traceback" not in result.stderr


def test_run_exits_zero_when_every_image_was_read(registered: str, tiles) -> None:  # type: ignore[no-untyped-def]
    result = edgewise("inspect", "run", str(tiles.good[0]), str(tiles.defects[0]), "--model", registered)
    assert result.returncode == 0, result.stderr


def test_watch_inspects_images_as_they_arrive(registered: str, tiles, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    drop, out = tmp_path / "drop", tmp_path / "watch.jsonl"
    drop.mkdir()
    shutil.copy(tiles.good[1], drop / "a.jpg")
    cmd = [str(ENTRY), "inspect", "watch", str(drop), "--model", registered, "--json", str(out),
           "--existing", "--max-images", "2", "--idle-exit", "90", "--interval", "0.1"]
    proc = subprocess.Popen(cmd, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not (out.exists() and out.read_text().count("\n") >= 1):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the watcher did not inspect the first image"
            time.sleep(0.2)
        data = tiles.defects[1].read_bytes()
        with (drop / "b.jpg").open("wb") as fh:  # a camera writing slowly: half a frame must not be read
            fh.write(data[: len(data) // 2])
            fh.flush()
            time.sleep(0.5)
            fh.write(data[len(data) // 2 :])
        assert proc.wait(timeout=120) == 0, proc.communicate()
    finally:
        if proc.poll() is None:
            proc.kill()
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["image"] for r in rows] == ["a.jpg", "b.jpg"]
    assert all("error" not in r for r in rows)
    assert rows[1]["verdict"] == "reject"
