"""Build a full-precision reference GGUF by dequantizing a quantized one.

The embedded model ships only as Q4_K_M, so its "reference" is Q4_K_M-derived: the
F16 file holds exactly the values the Q4_K_M file decodes to (plus F16 rounding), not
Google's original weights. Every quality figure measured against it is the damage
*relative to the shipped Q4_K_M*, which is what an edge user can act on. An F16/F32
GGUF a user brings is used as is (``ensure_reference`` returns it untouched).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from edgewise.optimize.gguf_rewrite import Progress, Rewrite, TensorPlan, field_value, open_reader, rewrite_gguf

FULL_PRECISION = {"F32", "F16", "BF16"}


def _dequantize_f16(t: Any) -> np.ndarray:
    import gguf

    return gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float16)


def _dequantize_f32(t: Any) -> np.ndarray:
    import gguf

    return gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)


def _plan(t: Any) -> TensorPlan:
    """Keep F32/F16 tensors as they are; 1-D stays F32 (as llama.cpp's converter does), 2-D+ becomes F16."""
    if t.tensor_type.name in FULL_PRECISION:
        return TensorPlan(name=t.name)
    if len(t.shape) == 1:
        return TensorPlan(name=t.name, convert=_dequantize_f32, out_dtype=np.float32)
    return TensorPlan(name=t.name, convert=_dequantize_f16, out_dtype=np.float16)


def tensor_types(path: Path) -> set[str]:
    import gguf

    from edgewise.models.gguf_header import read_header

    return {gguf.GGMLQuantizationType(t.type).name for t in read_header(path)[1]}


def is_full_precision(path: Path) -> bool:
    """From ``general.file_type`` when present (fast), else from the tensor types."""
    from edgewise.models.gguf_header import read_scalars

    file_type = read_scalars(path).get("general.file_type")
    if isinstance(file_type, int):
        return file_type in (0, 1, 32)  # ALL_F32, MOSTLY_F16, MOSTLY_BF16
    return tensor_types(path) <= FULL_PRECISION


def dequantize_to_f16(src: Path, dst: Path, progress: Progress | None = None) -> Path:
    """Write an F16 GGUF (``general.file_type`` = MOSTLY_F16) holding what ``src`` decodes to."""
    import gguf

    reader = open_reader(src)
    source_type = field_value(reader, gguf.Keys.General.FILE_TYPE)
    name = field_value(reader, gguf.Keys.General.NAME) or src.stem
    edit = Rewrite(
        plan=_plan,
        set_fields={
            gguf.Keys.General.FILE_TYPE: (int(gguf.LlamaFileType.MOSTLY_F16), gguf.GGUFValueType.UINT32, None),
            gguf.Keys.General.NAME: (f"{name} (F16, dequantized from file type {source_type})",
                                     gguf.GGUFValueType.STRING, None),
        },
    )
    return rewrite_gguf(reader, dst, edit, progress)


def ensure_reference(src: Path, work_dir: Path, progress: Progress | None = None) -> tuple[Path, bool]:
    """``(path, derived)``: ``src`` itself if full precision, else its cached F16 dequantization."""
    if is_full_precision(src):
        return src, False
    dst = work_dir / f"{src.name.removesuffix('.gguf')}.dequant-f16.gguf"
    if not dst.exists() or dst.stat().st_mtime < src.stat().st_mtime:
        dequantize_to_f16(src, dst, progress)
    return dst, True


__all__ = ["dequantize_to_f16", "ensure_reference", "is_full_precision", "tensor_types"]
