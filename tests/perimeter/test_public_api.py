"""The public surface: a complete, lazy ``__all__``, and settings reachable from env and TOML."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import edgewise.perimeter as perimeter
from edgewise.config import load_settings


def test_every_public_name_resolves() -> None:
    for name in perimeter.__all__:
        assert getattr(perimeter, name) is not None, name
    assert {"Gateway", "Perimeter", "DataClass", "EgressRefused", "Receipt", "PerimeterSettings"} <= set(perimeter.__all__)


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError):
        perimeter.NoSuchThing  # noqa: B018


def test_importing_the_package_loads_no_network_or_model_code() -> None:
    code = "import sys, edgewise.perimeter; print(sorted(m for m in ('httpx', 'spacy', 'cryptography') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDGEWISE_PERIMETER__NER", "false")
    monkeypatch.setenv("EDGEWISE_PERIMETER__DETECTION_TIMEOUT_S", "0.5")
    s = load_settings()
    assert s.perimeter.ner is False and s.perimeter.detection_timeout_s == 0.5


def test_settings_from_toml(isolated_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[perimeter]\ndeny_list = ["Project Falcon"]\n[[perimeter.custom_patterns]]\nname = "EMP_ID"\nregex = "EMP-\\\\d+"\n')
    monkeypatch.setenv("EDGEWISE_CONFIG", str(cfg))
    s = load_settings()
    assert s.perimeter.deny_list == ["Project Falcon"]
    assert s.perimeter.custom_patterns[0].name == "EMP_ID"
    assert s.perimeter.resolved_policy_file(s.data_dir) == s.data_dir / "perimeter" / "policy.toml"
