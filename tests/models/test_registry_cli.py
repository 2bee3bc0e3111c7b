"""`edgewise models ...` through the real CLI entry point, on the embedded model's header."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from edgewise.config import load_settings, write_secret
from edgewise.models import ModelRegistry, read_gguf_info


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edgewise.cli", *args], capture_output=True, text=True, env=os.environ.copy())


def test_gguf_header_facts(model_path: Path) -> None:
    info = read_gguf_info(model_path)
    assert info.architecture == "gemma3"
    assert info.quantization == "Q4_K_M"
    assert 250e6 < info.parameter_count < 300e6
    assert info.context_length == 32768
    assert info.file_size == model_path.stat().st_size
    assert info.chat_template is None and info.kind == "model"


def test_list_add_info_remove(tmp_path: Path, model_path: Path) -> None:
    listed = json.loads(cli("models", "list", "--json").stdout)
    assert [e["name"] for e in listed] == ["gemma-3-270m"]
    copy = tmp_path / "my-model.gguf"
    copy.symlink_to(model_path)
    added = cli("models", "add", str(copy), "--name", "plant-a", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["name"] == "plant-a"
    info = json.loads(cli("models", "info", "plant-a", "--json").stdout)
    assert info["architecture"] == "gemma3" and info["quantization"] == "Q4_K_M"
    assert "plant-a" in cli("models", "list").stdout
    assert cli("models", "remove", "plant-a").returncode == 0
    assert [e["name"] for e in json.loads(cli("models", "list", "--json").stdout)] == ["gemma-3-270m"]


def test_not_a_gguf_file_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.gguf"
    bogus.write_text("hello")
    r = cli("models", "add", str(bogus))
    assert r.returncode == 2
    assert "not a GGUF file" in r.stderr and "Traceback" not in r.stderr


def test_unknown_model_info_exits_nonzero() -> None:
    r = cli("models", "info", "nope")
    assert r.returncode == 2 and "not registered" in r.stderr


def test_embedded_model_cannot_be_removed_or_shadowed(tmp_path: Path, model_path: Path) -> None:
    reg = ModelRegistry(load_settings().models_dir)
    assert cli("models", "remove", "gemma-3-270m").returncode == 2
    r = cli("models", "add", str(model_path), "--name", "gemma-3-270m")
    assert r.returncode == 2
    assert [e.name for e in reg.list()] == ["gemma-3-270m"]


def test_secret_files_are_owner_only(tmp_path: Path) -> None:
    p = tmp_path / "keys" / "node.key"
    write_secret(p, b"secret")
    assert stat.S_IMODE(p.stat().st_mode) == 0o600 and p.read_bytes() == b"secret"


def test_run_streams_a_completion() -> None:
    r = cli("run", "What is the capital of France?", "-n", "12", "-t", "0")
    assert r.returncode == 0, r.stderr
    assert "Paris" in r.stdout



def test_info_on_a_detector_shows_what_it_was_registered_with(tmp_path: Path) -> None:
    folder = tmp_path / "tiles"
    folder.mkdir()
    ModelRegistry(load_settings().models_dir).add(folder, "tiles", kind="detector", meta={"threshold": 34.5, "int8": True})
    r = cli("models", "info", "tiles", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["kind"] == "detector" and info["meta"] == {"threshold": 34.5, "int8": True}
    table = cli("models", "info", "tiles")
    assert table.returncode == 0 and "threshold" in table.stdout and "34.5" in table.stdout
