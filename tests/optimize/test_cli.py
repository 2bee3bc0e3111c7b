"""`edgewise optimize ...` through the real CLI entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edgewise.cli", "optimize", *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=600)


def test_prune_a_registered_model_by_name_registers_the_result(tmp_path: Path) -> None:
    out = tmp_path / "p.gguf"
    r = cli("prune", "gemma-3-270m", "--blocks", "4", "--out", str(out), "--name", "g-prune4", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["removed_blocks"] == [4] and out.is_file()
    listed = subprocess.run([sys.executable, "-m", "edgewise.cli", "models", "list", "--json"], capture_output=True,
                            text=True, env=os.environ.copy())
    entry = next(e for e in json.loads(listed.stdout) if e["name"] == "g-prune4")
    assert entry["meta"]["optimize"]["removed_blocks"] == [4]


def test_evaluate_then_fit_then_report(quantized: dict[str, Path], reference_f16: Path, tmp_path: Path) -> None:
    r = cli("evaluate", str(quantized["Q8_0"]), "--reference", str(reference_f16), "--chunks", "1", "--ctx", "64",
            "--no-speed", "--json")
    assert r.returncode == 0, r.stderr
    q = json.loads(r.stdout)["quality"]
    assert q["perplexity"] > 1 and 0 < q["kld_mean"] < 0.5 and 0.5 < q["top1_agreement"] <= 1
    fit = cli("fit", "--max-kld", "1.0", "--json")
    assert fit.returncode == 0, fit.stderr
    assert json.loads(fit.stdout)["chosen"]["path"] == str(quantized["Q8_0"])
    none = cli("fit", "--max-kld", "0")
    assert none.returncode == 2 and "No variant fits" in none.stderr
    rep = cli("report", "--out", str(tmp_path))
    assert rep.returncode == 0, rep.stderr
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert "| Q8_0 |" in (tmp_path / "report.md").read_text() or "Q8_0" in (tmp_path / "report.md").read_text()


def test_profiles_and_bad_input() -> None:
    assert cli("profile", "save", "pi5", "--memory", "4GB", "--threads", "4").returncode == 0
    listed = cli("profile", "list", "--json")
    assert json.loads(listed.stdout)["pi5"]["memory_bytes"] == 4 * 2**30
    bad = cli("quantize", "gemma-3-270m", "--type", "Q9_9")
    assert bad.returncode == 2 and "Unknown quantization type" in bad.stderr
    fit_empty = cli("fit", "--memory", "lots")
    assert fit_empty.returncode == 2 and "memory size" in fit_empty.stderr


def test_a_source_that_is_not_a_gguf_file_is_one_clear_error(tmp_path: Path) -> None:
    from edgewise.config import load_settings
    from edgewise.models import ModelRegistry

    text = tmp_path / "notes.txt"
    text.write_text("not a model\n")
    folder = tmp_path / "detector"
    folder.mkdir()
    ModelRegistry(load_settings().models_dir).add(folder, "tiles", kind="detector")
    for args in (["quantize", str(text), "--type", "Q8_0"], ["reference", str(text)], ["prune", "tiles", "--blocks", "4"],
                 ["evaluate", str(text), "--reference", "gemma-3-270m"]):
        r = cli(*args)
        assert r.returncode == 2 and "is not a GGUF model file" in " ".join(r.stderr.split()), (args, r.stderr)
        assert "Traceback" not in r.stderr
