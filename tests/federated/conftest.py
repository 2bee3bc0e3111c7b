"""Fixtures of the federated tests: the PyTorch copy of the model cached per checkout, a node policy."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TORCH_CACHE = Path(os.environ.get("EDGEWISE_TEST_CACHE", REPO / ".cache" / "test-models")).parent / "federated" / "torch"

FEDERATION_URL = "http://127.0.0.1:9"  # a loopback name for the federation; the gateway sends nothing itself


def allow_federation(data_dir: Path, url: str = FEDERATION_URL) -> Path:
    """Write a node policy that lets model updates and metrics go to the federation."""
    from edgewise.federated.gate import federation_policy

    policy = data_dir / "perimeter" / "policy.toml"
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text("version = 1\n\n" + federation_policy(url))
    return policy


@pytest.fixture(autouse=True)
def fed_env(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every federated test: shared model cache, no NER model load (updates are not redacted), a policy."""
    monkeypatch.setenv("EDGEWISE_FEDERATED__MODEL_CACHE", str(TORCH_CACHE))
    monkeypatch.setenv("EDGEWISE_PERIMETER__NER", "false")
    allow_federation(isolated_env)
    yield isolated_env


@pytest.fixture(scope="session")
def trainable():  # type: ignore[no-untyped-def]
    """One LoRA-wrapped PyTorch model for the whole session (the conversion is cached on disk)."""
    from edgewise.config import Settings
    from edgewise.federated.model import load_trainable
    from edgewise.federated.settings import FederatedSettings
    from edgewise.models.embedded import embedded_model_path

    cache = Path(os.environ.get("EDGEWISE_TEST_CACHE", REPO / ".cache" / "test-models"))
    embedded_model_path(cache)
    settings = Settings(data_dir=cache.parent / "federated-home", federated=FederatedSettings(model_cache=TORCH_CACHE))
    (settings.models_dir).mkdir(parents=True, exist_ok=True)
    for f in cache.glob("gemma-3-270m*"):
        link = settings.models_dir / f.name
        if not link.exists():
            link.symlink_to(f)
    return load_trainable(settings)
