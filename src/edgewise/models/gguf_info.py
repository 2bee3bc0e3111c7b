"""Facts about a GGUF file, read from its header (never from hand-written tables)."""

from __future__ import annotations

import struct
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from edgewise.errors import InvalidRequest
from edgewise.models.gguf_header import TensorInfo, read_header


class NotAGGUFFile(InvalidRequest):
    code = "invalid_model_file"


@dataclass(frozen=True)
class GGUFInfo:
    """What `edgewise models info` shows and the engine checks before loading."""

    path: str
    file_size: int
    kind: str  # "model" or "adapter" (general.type)
    architecture: str
    name: str | None
    parameter_count: int
    quantization: str
    context_length: int | None
    chat_template: str | None
    tensor_count: int
    adapter_type: str | None = None
    lora_alpha: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _quantization_name(file_type: Any, tensors: list[TensorInfo]) -> str:
    import gguf

    if isinstance(file_type, int):
        try:
            return gguf.LlamaFileType(file_type).name.removeprefix("MOSTLY_")
        except ValueError:
            pass
    # no (or unknown) file type: name the most common non-F32 tensor type
    counts: dict[str, int] = {}
    for t in tensors:
        try:
            n = gguf.GGMLQuantizationType(t.type).name
        except ValueError:
            n = f"type{t.type}"
        if n != "F32":
            counts[n] = counts.get(n, 0) + t.n_elements
    return max(counts, key=counts.__getitem__) if counts else "F32"


def check_gguf(path: str | Path) -> Path:
    """``path`` if it is a file that starts with the GGUF magic; else :class:`NotAGGUFFile` saying what it is."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise NotAGGUFFile(f"No file at {p}: give the path of a .gguf model file.")
    with p.open("rb") as fh:
        magic = fh.read(4)
    if magic != b"GGUF":
        raise NotAGGUFFile(f"{p} is not a GGUF file (its first bytes are {magic!r}, not b'GGUF').")
    return p


def read_gguf_info(path: str | Path) -> GGUFInfo:
    """Read the header of ``path``; raise :class:`NotAGGUFFile` with a clear message if it is not one.

    Uses the struct-based header walker (``gguf_header``), not ``gguf.GGUFReader``, which
    builds a numpy view per vocabulary entry and takes tens of seconds on Gemma's 262k tokens.
    """
    p = check_gguf(path)
    try:
        kv, tensors = read_header(p)
    except (ValueError, KeyError, UnicodeDecodeError, struct.error, OSError) as exc:
        raise NotAGGUFFile(f"{p} has a damaged GGUF header: {exc}") from exc
    arch = str(kv.get("general.architecture") or "unknown")
    ctx = kv.get(f"{arch}.context_length")
    alpha = kv.get("adapter.lora.alpha")
    template = kv.get("tokenizer.chat_template")
    return GGUFInfo(
        path=str(p.resolve()),
        file_size=p.stat().st_size,
        kind=str(kv.get("general.type") or "model"),
        architecture=arch,
        name=kv.get("general.name"),
        parameter_count=sum(t.n_elements for t in tensors),
        quantization=_quantization_name(kv.get("general.file_type"), tensors),
        context_length=int(ctx) if isinstance(ctx, int) else None,
        chat_template=template if isinstance(template, str) else None,
        tensor_count=len(tensors),
        adapter_type=kv.get("adapter.type"),
        lora_alpha=float(alpha) if isinstance(alpha, (int, float)) else None,
    )


__all__ = ["GGUFInfo", "NotAGGUFFile", "check_gguf", "read_gguf_info"]
