"""Numeric text tables (CSV, tab or space separated) read fast, with exact diagnostics when bad.

The fast path is NumPy's C parser; only when it fails do we walk the lines in
Python to find the first bad one, so a user gets "file:line: what is wrong"
instead of a traceback, without paying for line-by-line parsing on good files.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from edgewise.apps.maintenance.errors import RecordingError

_SEP_NAMES = {",": "','", ";": "';'", "\t": "tab", None: "whitespace"}


def sniff_separator(line: str) -> str | None:
    """The separator of a data line: ``;``, ``,``, tab, or ``None`` for runs of spaces."""
    for sep in (";", "\t", ","):
        if sep in line:
            return sep
    return None


def _is_number(tok: str) -> bool:
    try:
        float(tok)
    except ValueError:
        return False
    return True


def _diagnose(
    path: Path, lines: list[str], sep: str | None, cols: set[int] | None, first: int, cut: bool = False
) -> RecordingError:
    """Find the first bad line; ``first`` is the 1-based number of lines[0]."""
    width: int | None = None
    for i, line in enumerate(lines, start=first):
        if not line.strip():
            continue
        toks = [t.strip() for t in (line.split(sep) if sep else line.split())]
        allowed = cols or ({width} if width is not None else None)
        if allowed is not None and len(toks) not in allowed:
            want = " or ".join(str(c) for c in sorted(allowed))
            other = sniff_separator(line)
            hint = f" (this line looks {_SEP_NAMES[other]}-separated)" if other != sep else ""
            end = " (the file ends mid-line: truncated?)" if cut and i == first + len(lines) - 1 else ""
            return RecordingError(
                f"{path}:{i}: expected {want} columns separated by {_SEP_NAMES[sep]}, found {len(toks)}{hint}{end}"
            )
        width = len(toks)
        for j, tok in enumerate(toks, start=1):
            if not _is_number(tok):
                return RecordingError(f"{path}:{i}: column {j} is not a number: {tok[:40]!r}")
    return RecordingError(f"{path}: cannot be read as a numeric table")


def read_table(
    path: Path, *, cols: set[int] | None = None, header: str = "never"
) -> tuple[np.ndarray, list[str] | None]:
    """Read a numeric table; returns (rows x columns float64 array, header names or None).

    ``cols``: allowed column counts (e.g. ``{6}`` for PRONOSTIA). ``header``:
    ``"never"`` or ``"auto"`` (a first line made only of non-numbers is a header).
    The separator is sniffed from the first data line and must be the same on
    every line. Raises :class:`RecordingError` naming the file and line.
    """
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordingError(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    lines = text.splitlines()
    first = 0
    while first < len(lines) and not lines[first].strip():
        first += 1
    if first == len(lines):
        raise RecordingError(f"{path}: the file is empty")
    sep = sniff_separator(lines[first])
    names: list[str] | None = None
    toks = [t.strip() for t in (lines[first].split(sep) if sep else lines[first].split())]
    if header == "auto" and toks and not any(_is_number(t) for t in toks):
        names, first = toks, first + 1
    body = lines[first:]
    if not any(line.strip() for line in body):
        raise RecordingError(f"{path}: no data rows")
    try:
        arr = np.loadtxt(io.StringIO("\n".join(body)), delimiter=sep, ndmin=2, dtype=np.float64)
    except ValueError:
        raise _diagnose(path, body, sep, cols, first + 1, not text.endswith("\n")) from None
    if arr.size == 0:
        raise RecordingError(f"{path}: no data rows")
    if cols is not None and arr.shape[1] not in cols:
        raise _diagnose(path, body, sep, cols, first + 1, not text.endswith("\n"))
    if not np.all(np.isfinite(arr)):
        bad = int(np.argwhere(~np.isfinite(arr))[0][0])
        raise RecordingError(f"{path}:{first + 1 + bad}: NaN or infinite value")
    if names is not None and len(names) != arr.shape[1]:
        raise RecordingError(f"{path}:1: header names {len(names)} columns, data has {arr.shape[1]}")
    return arr, names


__all__ = ["read_table", "sniff_separator"]
