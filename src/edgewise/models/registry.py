"""The registry of everything a node can serve or run.

It names base GGUF models, LoRA adapters (served as ``base+adapter``) and
non-LLM artefacts such as vision detectors (``kind="detector"``). Entries live in
``<data_dir>/models/registry.json``; files are referenced where they are (a copy
is never made unless the caller asks). The embedded default model is always
present under :data:`EMBEDDED_NAME` and cannot be removed.

Facts (architecture, size, quantization ...) are read from the files themselves,
see :mod:`edgewise.models.gguf_info`.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from edgewise.errors import InvalidRequest, ModelNotFound
from edgewise.models.embedded import EMBEDDED_NAME, embedded_model_path
from edgewise.models.gguf_info import read_gguf_info

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


class InvalidModelName(InvalidRequest):
    code = "invalid_model_name"


@dataclass
class ModelEntry:
    """One registered artefact. ``base`` is set for adapters (``kind == "lora"``)."""

    name: str
    path: str
    kind: str = "gguf"
    base: str | None = None
    added_at: float = field(default_factory=time.time)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def builtin(self) -> bool:
        return self.name == EMBEDDED_NAME

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ModelRegistry:
    """Read and change the registry file; safe against concurrent CLI processes (flock)."""

    def __init__(self, models_dir: Path, progress: Callable[[str], None] | None = None) -> None:
        self.models_dir = models_dir
        self.file = models_dir / "registry.json"
        self._progress = progress

    # --- storage -------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[dict[str, dict[str, Any]]]:
        self.models_dir.mkdir(parents=True, exist_ok=True)
        with (self.models_dir / ".registry.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._read()
            before = json.dumps(data, sort_keys=True)
            yield data
            if json.dumps(data, sort_keys=True) != before:
                tmp = self.file.with_suffix(".tmp")
                tmp.write_text(json.dumps(data, indent=2, sort_keys=True))
                os.replace(tmp, self.file)

    def _read(self) -> dict[str, dict[str, Any]]:
        if not self.file.exists():
            return {}
        try:
            data = json.loads(self.file.read_text() or "{}")
        except json.JSONDecodeError as exc:
            raise InvalidRequest(f"The model registry {self.file} is not valid JSON ({exc}); fix or delete it.") from exc
        return data if isinstance(data, dict) else {}

    # --- queries -------------------------------------------------------------
    def embedded(self) -> ModelEntry:
        return ModelEntry(name=EMBEDDED_NAME, path=str(self.models_dir / "gemma-3-270m-q4_k_m.gguf"), added_at=0.0)

    def list(self, kind: str | None = None) -> list[ModelEntry]:
        entries = [self.embedded()] + [ModelEntry(**v) for _, v in sorted(self._read().items())]
        return [e for e in entries if kind is None or e.kind == kind]

    def get(self, name: str) -> ModelEntry:
        if name == EMBEDDED_NAME:
            return self.embedded()
        raw = self._read().get(name)
        if raw is None:
            known = ", ".join(e.name for e in self.list()) or "none"
            raise ModelNotFound(f"Model '{name}' is not registered (known: {known}). Add it with `edgewise models add PATH`.")
        return ModelEntry(**raw)

    def resolve_path(self, name: str) -> Path:
        """The file to load for ``name``, assembling the embedded model if needed."""
        entry = self.get(name)
        if entry.builtin:
            return embedded_model_path(self.models_dir, self._progress)
        path = Path(entry.path)
        if not path.exists():
            raise ModelNotFound(f"Model '{name}' points to {path}, which no longer exists; `edgewise models remove {name}`.")
        return path

    # --- changes -------------------------------------------------------------
    def add(
        self,
        path: str | Path,
        name: str | None = None,
        *,
        kind: str | None = None,
        base: str | None = None,
        meta: dict[str, Any] | None = None,
        replace: bool = False,
    ) -> ModelEntry:
        """Register ``path``. GGUF files are checked; LoRA adapters become ``base+name``."""
        p = Path(path).expanduser().resolve()
        if kind in (None, "gguf", "lora"):
            info = read_gguf_info(p)
            if info.kind == "adapter" or kind == "lora":
                kind = "lora"
                base = base or EMBEDDED_NAME
                self.get(base)  # the base must exist
            else:
                kind = "gguf"
        elif not p.exists():
            raise InvalidRequest(f"No file or folder at {p}.")
        stem = name or p.name.split(".")[0]
        full = f"{base}+{stem}" if kind == "lora" and "+" not in stem else stem
        for part in full.split("+"):
            if not _NAME_RE.match(part):
                raise InvalidModelName(
                    f"'{full}' is not a valid model name: use letters, digits, '.', '_', ':' or '-' (128 at most)."
                )
        if full == EMBEDDED_NAME:
            raise InvalidModelName(f"'{EMBEDDED_NAME}' is the embedded model; choose another name with --name.")
        entry = ModelEntry(name=full, path=str(p), kind=kind or "gguf", base=base, meta=meta or {})
        with self._locked() as data:
            if full in data and not replace:
                raise InvalidModelName(f"A model named '{full}' exists already; remove it first or pick another --name.")
            data[full] = entry.to_dict()
        return entry

    def remove(self, name: str) -> ModelEntry:
        if name == EMBEDDED_NAME:
            raise InvalidRequest(f"'{EMBEDDED_NAME}' is embedded in the package and cannot be removed.")
        with self._locked() as data:
            raw = data.pop(name, None)
            if raw is None:
                raise ModelNotFound(f"Model '{name}' is not registered; `edgewise models list` shows what is.")
            dependants = [k for k, v in data.items() if v.get("base") == name]
            if dependants:
                data[name] = raw
                raise InvalidRequest(f"Remove the adapters built on '{name}' first: {', '.join(dependants)}.")
        return ModelEntry(**raw)


__all__ = ["InvalidModelName", "ModelEntry", "ModelRegistry"]
