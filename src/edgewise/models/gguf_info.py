"""Facts about a GGUF file, read from its header (never from hand-written tables)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from edgewise.errors import InvalidRequest


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


def _field(reader: Any, key: str) -> Any:
    f = reader.fields.get(key)
    if f is None:
        return None
    try:
        return f.contents()
    except Exception:  # a malformed field is reported as absent, not a crash
        return None


def _quantization_name(file_type: int | None, reader: Any) -> str:
    import gguf

    if file_type is not None:
        try:
            return gguf.LlamaFileType(int(file_type)).name.removeprefix("MOSTLY_")
        except ValueError:
            pass
    # no (or unknown) file type: name the most common non-F32 tensor type
    counts: dict[str, int] = {}
    for t in reader.tensors:
        n = t.tensor_type.name
        if n != "F32":
            counts[n] = counts.get(n, 0) + int(t.n_elements)
    return max(counts, key=counts.__getitem__) if counts else "F32"


def read_gguf_info(path: str | Path) -> GGUFInfo:
    """Read the header of ``path``; raise :class:`NotAGGUFFile` with a clear message if it is not one."""
    import gguf

    p = Path(path).expanduser()
    if not p.is_file():
        raise NotAGGUFFile(f"No file at {p}: give the path of a .gguf model file.")
    with p.open("rb") as fh:
        magic = fh.read(4)
    if magic != b"GGUF":
        raise NotAGGUFFile(f"{p} is not a GGUF file (its first bytes are {magic!r}, not b'GGUF').")
    try:
        reader = gguf.GGUFReader(str(p), "r")
    except Exception as exc:
        raise NotAGGUFFile(f"{p} has a damaged GGUF header: {exc}") from exc
    arch = str(_field(reader, "general.architecture") or "unknown")
    ctx = _field(reader, f"{arch}.context_length")
    alpha = _field(reader, "adapter.lora.alpha")
    return GGUFInfo(
        path=str(p.resolve()),
        file_size=p.stat().st_size,
        kind=str(_field(reader, "general.type") or "model"),
        architecture=arch,
        name=_field(reader, "general.name"),
        parameter_count=sum(int(t.n_elements) for t in reader.tensors),
        quantization=_quantization_name(_field(reader, "general.file_type"), reader),
        context_length=int(ctx) if ctx is not None else None,
        chat_template=_field(reader, "tokenizer.chat_template"),
        tensor_count=len(reader.tensors),
        adapter_type=_field(reader, "adapter.type"),
        lora_alpha=float(alpha) if alpha is not None else None,
    )


__all__ = ["GGUFInfo", "NotAGGUFFile", "read_gguf_info"]
