"""Replay of recorded vibration files as a stream of :class:`Block` s.

Formats (``--format``):

* ``femto`` - PRONOSTIA folder of ``acc_NNNNN.csv`` (6 columns: h, m, s, us, H, V;
  25.6 kHz; file N starts at (N-1) x 10 s). Channels ``H``, ``V``.
* ``ims`` - IMS folder of ASCII snapshots named ``YYYY.MM.DD.hh.mm.ss`` (4 or 8
  columns, LF or CRLF; 20.48 kHz). Channels ``"1"``, ``"2"`` ...
* ``cwru`` - CWRU ``.mat`` file(s); variables ``XNNN_DE_time`` etc. Channels
  ``DE``, ``FE``, ``BA``; sampling rate from the record number or ``--fs``.
* ``csv`` - plain numeric CSV (optional header line), one column per channel; ``--fs`` needed.
* ``npy`` - ``.npy`` (samples x channels) or ``.npz`` (``data`` [+ ``fs``] or one 1-D array per channel).

A path may be one file or a folder (files in name order, each a block, each
starting where the previous one ended unless the format carries time).
Every error is a :class:`RecordingError` naming the file (and line for text).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from edgewise.apps.maintenance.blocks import Block
from edgewise.apps.maintenance.errors import RecordingError
from edgewise.apps.maintenance.tables import read_table

FORMATS = ("femto", "ims", "cwru", "csv", "npy")
FEMTO_FS = 25600.0
IMS_FS = 20480.0

# CWRU record numbers whose rate is published: normal baselines at 48 kHz, the 12 kHz drive-end fault set.
_CWRU_48K = set(range(97, 101))
_CWRU_12K_DE = {b + i for b in (105, 118, 130, 144, 156, 169, 185, 197, 209, 222, 234, 246, 258) for i in range(4)}
_CWRU_12K_DE |= set(range(3001, 3009))


def _files(path: Path, pattern: str, what: str) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise RecordingError(f"{path}: no such file or folder")
    files = sorted(p for p in path.glob(pattern) if p.is_file())
    if not files:
        raise RecordingError(f"{path}: no {what} files ({pattern}) in this folder")
    return files


def read_femto(path: Path) -> Iterator[Block]:
    for f in _files(path, "acc_*.csv", "PRONOSTIA acc_*.csv"):
        m = re.search(r"(\d+)", f.stem)
        if not m:
            raise RecordingError(f"{f}: PRONOSTIA file names are acc_NNNNN.csv")
        arr, _ = read_table(f, cols={6})
        yield Block(arr[:, 4:6].copy(), FEMTO_FS, ("H", "V"), t=(int(m.group(1)) - 1) * 10.0, source=str(f),
                    raw_bytes=f.stat().st_size)


def _ims_time(f: Path) -> float:
    try:
        return datetime.strptime(f.name, "%Y.%m.%d.%H.%M.%S").replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise RecordingError(f"{f}: IMS snapshot names are time stamps YYYY.MM.DD.hh.mm.ss") from None


def read_ims(path: Path, fs: float | None = None) -> Iterator[Block]:
    files = [path] if path.is_file() else _files(path, "[0-9]*.[0-9]*.[0-9]*.[0-9]*.[0-9]*.[0-9]*", "IMS snapshot")
    t0 = _ims_time(files[0])
    for f in files:
        arr, _ = read_table(f, cols={4, 8})
        names = tuple(str(i + 1) for i in range(arr.shape[1]))
        yield Block(arr, fs or IMS_FS, names, t=_ims_time(f) - t0, source=str(f), raw_bytes=f.stat().st_size,
                    meta={"epoch0": t0})


def cwru_rate(record: int) -> float | None:
    """Published sampling rate of a CWRU record number, or ``None`` if this table does not know it."""
    if record in _CWRU_48K:
        return 48000.0
    if record in _CWRU_12K_DE:
        return 12000.0
    return None


def read_cwru_file(f: Path, fs: float | None = None) -> Block:
    from scipy.io import loadmat  # heavy import, only for CWRU

    try:
        mat = loadmat(str(f))
    except Exception as exc:  # scipy's MAT parser raises many types on corrupt bytes; all mean "unreadable"
        raise RecordingError(f"{f}: not a readable MATLAB file ({exc})") from None
    keys = [k for k in mat if re.fullmatch(r"X\d+_(DE|FE|BA)_time", k)]
    if not keys:
        raise RecordingError(f"{f}: no CWRU variables XNNN_DE_time / _FE_time / _BA_time in this file")
    name_no = re.search(r"\d+", f.stem)
    records = sorted({k.split("_")[0] for k in keys})
    rec = next((r for r in records if name_no and int(r[1:]) == int(name_no.group(0))), records[0])
    chans = [k for k in ("DE", "FE", "BA") if f"{rec}_{k}_time" in mat]
    cols = [np.asarray(mat[f"{rec}_{c}_time"], dtype=np.float64).ravel() for c in chans]
    n = min(len(c) for c in cols)
    rate = fs or cwru_rate(int(rec[1:]))
    if rate is None:
        raise RecordingError(f"{f}: sampling rate of CWRU record {int(rec[1:])} is not known here; pass --fs 12000 or 48000")
    meta = {}
    if f"{rec}RPM" in mat:
        meta["rpm"] = float(np.asarray(mat[f"{rec}RPM"]).ravel()[0])
    return Block(np.column_stack([c[:n] for c in cols]), rate, tuple(chans), source=str(f), raw_bytes=f.stat().st_size, meta=meta)


def read_cwru(path: Path, fs: float | None = None) -> Iterator[Block]:
    t = 0.0
    for f in _files(path, "*.mat", "MATLAB .mat"):
        b = read_cwru_file(f, fs)
        b.t = t
        t += b.duration
        yield b


def _need_fs(fs: float | None, f: Path) -> float:
    if not fs:
        raise RecordingError(f"{f}: this format does not store the sampling rate; pass --fs HZ")
    return fs


def read_csv(path: Path, fs: float | None = None) -> Iterator[Block]:
    t = 0.0
    for f in _files(path, "*.csv", "CSV"):
        arr, names = read_table(f, header="auto")
        b = Block(arr, _need_fs(fs, f), tuple(names or (str(i + 1) for i in range(arr.shape[1]))), t=t,
                  source=str(f), raw_bytes=f.stat().st_size)
        t += b.duration
        yield b


def _load_np(f: Path, fs: float | None) -> Block:
    try:
        obj = np.load(f, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise RecordingError(f"{f}: not a readable NumPy file ({exc})") from None
    if isinstance(obj, np.lib.npyio.NpzFile):
        with obj:
            if "fs" in obj.files:
                fs = fs or float(np.asarray(obj["fs"]).ravel()[0])
            if "data" in obj.files:
                arr, names = np.asarray(obj["data"]), None
            else:
                keys = [k for k in obj.files if k != "fs"]
                chans = [np.asarray(obj[k]).ravel() for k in keys]
                if not chans or len({len(c) for c in chans}) != 1:
                    raise RecordingError(f"{f}: .npz needs 'data' or 1-D arrays of equal length, one per channel")
                arr, names = np.column_stack(chans), keys
    else:
        arr, names = obj, None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.size == 0 or not np.issubdtype(arr.dtype, np.number):
        raise RecordingError(f"{f}: expected a numeric (samples x channels) array, got shape {arr.shape} {arr.dtype}")
    if arr.shape[0] <= 64 < arr.shape[1]:  # channels-first: a few long rows
        arr = arr.T
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise RecordingError(f"{f}: holds NaN or infinite samples")
    return Block(arr, _need_fs(fs, f), tuple(names or (str(i + 1) for i in range(arr.shape[1]))), source=str(f),
                 raw_bytes=f.stat().st_size)


def read_npy(path: Path, fs: float | None = None) -> Iterator[Block]:
    t = 0.0
    files = [path] if path.is_file() else sorted([*path.glob("*.npy"), *path.glob("*.npz")])
    if not files:
        raise RecordingError(f"{path}: no .npy/.npz files here")
    for f in files:
        b = _load_np(f, fs)
        b.t = t
        t += b.duration
        yield b


def apply_channels(block: Block, channels: Sequence[str] | None) -> Block:
    """``--channels``: pick existing channels by name, or rename all columns in order."""
    if not channels:
        return block
    names = list(channels)
    if all(c in block.channels for c in names):
        idx = [block.channels.index(c) for c in names]
        return Block(block.data[:, idx], block.fs, tuple(names), block.t, block.source, block.raw_bytes, block.seq, block.meta)
    if len(names) != len(block.channels):
        raise RecordingError(
            f"{block.source}: --channels gives {len(names)} names for {len(block.channels)} columns "
            f"({', '.join(block.channels)}); name them all, or pick some of these names"
        )
    return Block(block.data, block.fs, tuple(names), block.t, block.source, block.raw_bytes, block.seq, block.meta)


def read_recording(
    path: Path | str, fmt: str, *, fs: float | None = None, channels: Sequence[str] | None = None
) -> Iterator[Block]:
    """Blocks of a recording in time order (lazy: one file in memory at a time)."""
    path = Path(path)
    if fmt not in FORMATS:
        raise RecordingError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", param="format")
    if not path.exists():
        raise RecordingError(f"{path}: no such file or folder")
    if fmt == "femto":
        it = read_femto(path)
    elif fmt == "ims":
        it = read_ims(path, fs)
    elif fmt == "cwru":
        it = read_cwru(path, fs)
    elif fmt == "csv":
        it = read_csv(path, fs)
    else:
        it = read_npy(path, fs)
    for block in it:
        if fs and fmt == "femto":
            block.fs = fs
        yield apply_channels(block, channels)


__all__ = ["FORMATS", "apply_channels", "cwru_rate", "read_recording"]
