"""Write the aggregated adapter as a llama.cpp GGUF LoRA adapter and register it.

Follows llama.cpp's ``convert_lora_to_gguf.py`` conventions: ``general.type =
adapter``, ``adapter.type = lora``, ``adapter.lora.alpha``; per adapted weight two
tensors named after the *base GGUF's* tensor (``blk.N.attn_q.weight.lora_a`` and
``.lora_b``). peft stores A as ``(r, in)`` and B as ``(out, r)``; written as-is, the
GGUF (which lists dimensions fastest-first) gets ``A.ne = [in, r]`` and ``B.ne =
[r, out]``, the shapes llama.cpp checks against the base weight ``ne = [in, out]``.
Names are mapped with gguf's own HF -> GGUF tensor map, and every mapped name is
checked to exist in the base file with matching shape, so a mismatch fails here
rather than inside the serving engine.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from edgewise.errors import InvalidRequest

_PEFT_RE = re.compile(r"(?:^|\.)(model\.layers\.\d+\.[\w.]+?)\.lora_([AB])(?:\.default)?\.weight$")


class AdapterExportError(InvalidRequest):
    code = "adapter_export_error"


def _base_tensors(base_gguf: Path) -> tuple[str, int, dict[str, tuple[int, ...]]]:
    from edgewise.models.gguf_header import read_header

    kv, tensors = read_header(base_gguf)  # header only: gguf.GGUFReader takes tens of seconds on Gemma's vocabulary
    arch = str(kv["general.architecture"])
    n_blocks = int(kv[f"{arch}.block_count"])
    shapes = {t.name: t.shape for t in tensors}  # ne order
    return arch, n_blocks, shapes


def gguf_lora_tensors(arrays: dict[str, np.ndarray], base_gguf: Path) -> tuple[str, dict[str, np.ndarray]]:
    """Map peft adapter arrays to GGUF LoRA tensors; returns (architecture, name -> array)."""
    import gguf

    arch, n_blocks, shapes = _base_tensors(base_gguf)
    arch_enum = {v: k for k, v in gguf.MODEL_ARCH_NAMES.items()}.get(arch)
    if arch_enum is None:
        raise AdapterExportError(f"gguf does not know the architecture {arch!r} of {base_gguf}.")
    name_map = gguf.get_tensor_name_map(arch_enum, n_blocks)
    out: dict[str, np.ndarray] = {}
    for peft_name, value in arrays.items():
        m = _PEFT_RE.search(peft_name)
        if m is None:
            raise AdapterExportError(f"not a LoRA weight name: {peft_name}")
        base_name = name_map.get_name(m.group(1) + ".weight", try_suffixes=(".weight",))
        if base_name is None or base_name not in shapes:
            raise AdapterExportError(f"{peft_name} maps to {base_name!r}, which the base model does not have.")
        out[f"{base_name}.lora_{m.group(2).lower()}"] = np.ascontiguousarray(value, dtype=np.float32)
    _check_shapes(out, shapes)
    return arch, out


def _check_shapes(tensors: dict[str, np.ndarray], base_shapes: dict[str, tuple[int, ...]]) -> None:
    for name, a in tensors.items():
        if not name.endswith(".lora_a"):
            continue
        base_name = name.removesuffix(".lora_a")
        b = tensors.get(base_name + ".lora_b")
        if b is None:
            raise AdapterExportError(f"{base_name}: lora_a without lora_b")
        n_in, n_out = base_shapes[base_name][:2]
        if a.shape[1] != n_in or b.shape[0] != n_out or a.shape[0] != b.shape[1]:
            raise AdapterExportError(
                f"{base_name}: A{a.shape} B{b.shape} do not fit the base weight (in={n_in}, out={n_out})"
            )


def write_gguf_lora(
    arrays: dict[str, np.ndarray], base_gguf: Path, out_path: Path, *, alpha: float, name: str = "edgewise-lora"
) -> Path:
    """Write ``arrays`` (peft names) as a GGUF LoRA adapter for ``base_gguf``; returns ``out_path``."""
    import gguf

    arch, tensors = gguf_lora_tensors(arrays, base_gguf)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(".tmp")
    writer = gguf.GGUFWriter(str(tmp), arch)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_name(name)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(alpha))
    for tname in sorted(tensors):
        writer.add_tensor(tname, tensors[tname])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.replace(out_path)
    return out_path


def export_and_register(
    arrays: dict[str, np.ndarray], settings: object, name: str, *, meta: dict[str, object] | None = None
) -> tuple[Path, str]:
    """Export to ``<data_dir>/models/adapters/<name>.gguf`` and register it; returns (path, registered name).

    ``name`` may be a bare adapter name (``maintenance``) or a full one
    (``gemma-3-270m+maintenance``); an existing entry of that name is replaced.
    """
    from edgewise.config import Settings
    from edgewise.models import ModelRegistry

    assert isinstance(settings, Settings)
    fed = settings.federated
    registry = ModelRegistry(settings.models_dir)
    base_path = registry.resolve_path(fed.base_model)
    full = name if "+" in name else f"{fed.base_model}+{name}"
    out = settings.models_dir / "adapters" / f"{full.replace('+', '__')}.gguf"
    write_gguf_lora(arrays, base_path, out, alpha=fed.lora_alpha, name=full)
    entry = registry.add(out, full, kind="lora", base=fed.base_model, meta=meta or {}, replace=True)
    return out, entry.name


__all__ = ["AdapterExportError", "export_and_register", "gguf_lora_tensors", "write_gguf_lora"]
