"""Depth pruning: write a GGUF without some transformer blocks.

Removing block ``i`` renames ``blk.j.*`` to ``blk.(j-1).*`` for every later block, lowers
``<arch>.block_count``, and filters every per-layer metadata array (any ``<arch>.*``
array as long as the block count). Sliding-window attention needs care: llama.cpp's
gemma3 loader (``src/models/gemma3.cpp``: ``load_swa_pattern(ml, 6)``) derives which
layers are local from a *period* unless ``<arch>.attention.sliding_window_pattern`` is a
per-layer array. A pruned model keeps each surviving layer's own kind (local with its
10k RoPE base, or global with 1M), so we always write the explicit per-layer array.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from edgewise.optimize.errors import UnsupportedModel
from edgewise.optimize.gguf_rewrite import Progress, Rewrite, TensorPlan, field_value, open_reader, rewrite_gguf

# Period of the sliding-window pattern llama.cpp assumes when a file carries none
# (from each architecture's loader in the vendored llama.cpp; local layers are those
# with il % period < period - 1).
DEFAULT_SWA_PERIOD = {"gemma3": 6, "gemma2": 2}
_BLOCK_RE = re.compile(r"^blk\.(\d+)\.(.+)$")


def block_count(reader: Any, arch: str) -> int:
    n = field_value(reader, f"{arch}.block_count")
    if n is None:
        raise UnsupportedModel(f"The GGUF has no {arch}.block_count; it cannot be depth-pruned.")
    return int(n)


def swa_pattern(reader: Any, arch: str, n_blocks: int) -> list[bool] | None:
    """Per-layer "is sliding-window" flags as llama.cpp would derive them, or ``None`` (no SWA)."""
    window = field_value(reader, f"{arch}.attention.sliding_window")
    if not window:
        return None
    pattern = field_value(reader, f"{arch}.attention.sliding_window_pattern")
    if isinstance(pattern, list):
        return [bool(x) for x in pattern]
    period = int(pattern) if pattern is not None else DEFAULT_SWA_PERIOD.get(arch)
    if period is None:
        raise UnsupportedModel(
            f"{arch} uses sliding-window attention but the file gives no per-layer pattern; "
            "pruning it would change which layers are local. Supported: " + ", ".join(DEFAULT_SWA_PERIOD))
    return [period == 0 or (il % period < period - 1) for il in range(n_blocks)]


def _per_layer_edits(reader: Any, arch: str, keep: list[int], n_blocks: int) -> dict[str, tuple[Any, Any, Any]]:
    import gguf

    edits: dict[str, tuple[Any, Any, Any]] = {
        f"{arch}.block_count": (len(keep), gguf.GGUFValueType.UINT32, None),
    }
    for f in reader.fields.values():
        if not f.name.startswith(f"{arch}.") or f.types[0] != gguf.GGUFValueType.ARRAY:
            continue
        values = f.contents()
        if isinstance(values, list) and len(values) == n_blocks:
            edits[f.name] = ([values[i] for i in keep], gguf.GGUFValueType.ARRAY, f.types[-1])
    pattern = swa_pattern(reader, arch, n_blocks)
    if pattern is not None:
        edits[f"{arch}.attention.sliding_window_pattern"] = (
            [pattern[i] for i in keep], gguf.GGUFValueType.ARRAY, gguf.GGUFValueType.BOOL)
    return edits


def _check_drop(remove: Iterable[int], n_blocks: int) -> list[int]:
    drop = sorted(set(int(i) for i in remove))
    if not drop:
        raise UnsupportedModel("Name at least one block to remove.")
    if drop[0] < 0 or drop[-1] >= n_blocks:
        raise UnsupportedModel(f"Block indices must be in 0..{n_blocks - 1}; got {drop}.")
    if len(drop) >= n_blocks:
        raise UnsupportedModel(f"Removing all {n_blocks} blocks leaves no model.")
    return drop


def prune_blocks(src: Path | Any, dst: Path, remove: Iterable[int], progress: Progress | None = None) -> Path:
    """Write ``dst``: ``src`` (a path or an open reader) without the blocks in ``remove`` (0-based)."""
    import gguf

    if isinstance(src, Path):  # validate from the fast header before paying for a full reader
        from edgewise.models.gguf_header import read_scalars

        head = read_scalars(src)
        count = head.get(f"{head.get('general.architecture')}.block_count")
        if isinstance(count, int):
            _check_drop(remove, count)
    reader = open_reader(src) if isinstance(src, Path) else src
    arch = str(field_value(reader, gguf.Keys.General.ARCHITECTURE))
    n_blocks = block_count(reader, arch)
    drop = _check_drop(remove, n_blocks)
    keep = [i for i in range(n_blocks) if i not in drop]
    new_index = {old: new for new, old in enumerate(keep)}

    def plan(t: Any) -> TensorPlan | None:
        m = _BLOCK_RE.match(t.name)
        if m is None:
            return TensorPlan(name=t.name)
        old = int(m.group(1))
        return None if old in drop else TensorPlan(name=f"blk.{new_index[old]}.{m.group(2)}")

    edits = _per_layer_edits(reader, arch, keep, n_blocks)
    name = field_value(reader, gguf.Keys.General.NAME) or Path(reader.data.filename).stem
    edits[gguf.Keys.General.NAME] = (f"{name} (pruned blocks {','.join(map(str, drop))})", gguf.GGUFValueType.STRING, None)
    edits["edgewise.pruned_blocks"] = (drop, gguf.GGUFValueType.ARRAY, gguf.GGUFValueType.UINT32)
    return rewrite_gguf(reader, dst, Rewrite(plan=plan, set_fields=edits), progress)


__all__ = ["DEFAULT_SWA_PERIOD", "block_count", "prune_blocks", "swa_pattern"]
