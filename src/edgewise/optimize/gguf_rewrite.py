"""Copy a GGUF file while renaming, dropping or converting tensors and editing metadata.

gguf-py has a reader and a writer but no "copy with changes" function (its
``gguf_new_metadata`` script does this for metadata only, as a CLI), so this small
streaming copier is ours: tensors are converted one at a time while writing, so a
dequantized 500 MB reference never sits in memory twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

Progress = Callable[[int, int], None]  # (bytes done, bytes total)


@dataclass
class TensorPlan:
    """What to write for one source tensor: its new name, and an optional converter."""

    name: str
    convert: Callable[[Any], np.ndarray] | None = None  # source ReaderTensor -> float16/float32 array
    out_dtype: Any = None  # numpy dtype of the converted array (needed up front for the header)


@dataclass
class Rewrite:
    """The whole edit: per-tensor plans (``None`` drops a tensor) and metadata changes."""

    plan: Callable[[Any], TensorPlan | None]
    set_fields: dict[str, tuple[Any, Any, Any]] = field(default_factory=dict)  # key -> (value, type, sub_type)
    drop_fields: set[str] = field(default_factory=set)


def field_value(reader: Any, key: str) -> Any:
    """A metadata value from a ``GGUFReader`` (``None`` if absent)."""
    f = reader.fields.get(key)
    return None if f is None else f.contents()


def _copy_fields(reader: Any, writer: Any, edit: Rewrite) -> None:
    import gguf

    pending = dict(edit.set_fields)
    for f in reader.fields.values():
        if f.name == gguf.Keys.General.ARCHITECTURE or f.name.startswith("GGUF.") or f.name in edit.drop_fields:
            continue
        if f.name in pending:
            value, vtype, sub = pending.pop(f.name)
            writer.add_key_value(f.name, value, vtype, sub_type=sub)
            continue
        vtype = f.types[0]
        sub = f.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(f.name, f.contents(), vtype, sub_type=sub)
    for key, (value, vtype, sub) in pending.items():
        writer.add_key_value(key, value, vtype, sub_type=sub)


def open_reader(path: Path) -> Any:
    """A ``GGUFReader`` (parsing a 262k-token vocabulary takes seconds: open once, reuse)."""
    import gguf

    return gguf.GGUFReader(str(path), "r")


def rewrite_gguf(reader: Any, dst: Path, edit: Rewrite, progress: Progress | None = None) -> Path:
    """Write ``dst`` from the file behind ``reader`` under ``edit``, atomically (``.part`` then rename)."""
    import gguf

    arch = str(field_value(reader, gguf.Keys.General.ARCHITECTURE))
    tmp = dst.with_name(dst.name + ".part")
    dst.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(tmp), arch=arch)
    try:  # the writer adds general.architecture itself
        _copy_fields(reader, writer, edit)
        jobs: list[tuple[Any, TensorPlan]] = []
        for t in reader.tensors:
            plan = edit.plan(t)
            if plan is None:
                continue
            if plan.convert is None:
                writer.add_tensor_info(plan.name, t.data.shape, t.data.dtype, t.data.nbytes, t.tensor_type)
            else:
                shape = [int(x) for x in reversed(t.shape)]  # numpy order of the logical shape
                nbytes = int(np.prod(shape)) * np.dtype(plan.out_dtype).itemsize
                writer.add_tensor_info(plan.name, shape, np.dtype(plan.out_dtype), nbytes)
            jobs.append((t, plan))
        total = sum(int(t.n_bytes) for t, _ in jobs)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_ti_data_to_file()
        done = 0
        for t, plan in jobs:
            if plan.convert is None:
                writer.write_tensor_data(t.data, tensor_endianess=reader.endianess)
            else:
                writer.write_tensor_data(plan.convert(t))
            done += int(t.n_bytes)
            if progress:
                progress(done, total)
        writer.close()
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(dst)
    return dst


__all__ = ["Progress", "Rewrite", "TensorPlan", "field_value", "open_reader", "rewrite_gguf"]
