"""File replay: the ``edgewise maintenance replay`` pipeline as a function.

Healthy period, one of: the first N files (``healthy_first``), the first M
minutes of the recording (``healthy_minutes``), or separate files
(``healthy_paths``, same format). Healthy blocks taken from the recording
itself are also replayed (their records carry ``healthy_period: true``), so
the output covers the whole run. Output: JSON lines (health, event, summary).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from edgewise.apps.events import Event
from edgewise.apps.maintenance.bearings import bearing_by_name
from edgewise.apps.maintenance.blocks import Block
from edgewise.apps.maintenance.errors import RecordingError, TwinError
from edgewise.apps.maintenance.monitor import Monitor, Record
from edgewise.apps.maintenance.readers import read_recording
from edgewise.apps.maintenance.settings import MaintenanceSettings
from edgewise.apps.publish import Publisher
from edgewise.apps.report import Report


@dataclass
class ReplayConfig:
    path: Path
    fmt: str
    fs: float | None = None
    channels: Sequence[str] | None = None
    healthy_first: int | None = None
    healthy_minutes: float | None = None
    healthy_paths: Sequence[Path] = ()
    rpm: float | None = None
    bearing: str | None = None
    asset: str | None = None
    realtime: bool = False  # pace blocks at recorded speed instead of as fast as possible


def _healthy_split(cfg: ReplayConfig, blocks: Iterator[Block]) -> tuple[list[Block], list[Block]]:
    """(healthy blocks, blocks read ahead while finding them), from the recording itself."""
    head: list[Block] = []
    if cfg.healthy_first is not None:
        for b in blocks:
            head.append(b)
            if len(head) >= cfg.healthy_first:
                break
        return list(head), head
    assert cfg.healthy_minutes is not None
    limit = cfg.healthy_minutes * 60.0
    for b in blocks:
        head.append(b)
        if b.t - head[0].t >= limit:
            break
    healthy = [b for b in head if b.t - head[0].t < limit]
    return healthy, head


def build_monitor(
    cfg: ReplayConfig, settings: MaintenanceSettings, *, publisher: Publisher | None = None,
    reporter: Callable[[Event], Report] | None = None,
) -> tuple[Monitor, list[Block], Iterator[Block], set[int]]:
    """Learn the twin; returns (monitor, blocks already read, the rest, ids of blocks in the healthy period)."""
    chosen = sum(x is not None and x != () for x in (cfg.healthy_first, cfg.healthy_minutes, cfg.healthy_paths or None))
    if chosen != 1:
        raise TwinError("declare the healthy period once: --healthy-first N, --healthy-minutes M or --healthy PATH")
    blocks = read_recording(cfg.path, cfg.fmt, fs=cfg.fs, channels=cfg.channels)
    if cfg.healthy_paths:
        healthy = [b for p in cfg.healthy_paths for b in read_recording(p, cfg.fmt, fs=cfg.fs, channels=cfg.channels)]
        first = next(blocks, None)
        if first is None:
            raise RecordingError(f"{cfg.path}: no data")
        head, fs_hint = [first], first.fs
    else:
        healthy, head = _healthy_split(cfg, blocks)
        fs_hint = None
    bearing = bearing_by_name(cfg.bearing) if cfg.bearing else None
    asset = cfg.asset or Path(cfg.path).resolve().name.removesuffix(".mat")
    mon = Monitor.learn(asset, healthy, settings, fs=fs_hint, bearing=bearing, rpm=cfg.rpm,
                        publisher=publisher, reporter=reporter)
    marked = {id(b) for b in healthy} if not cfg.healthy_paths else set()
    return mon, head, blocks, marked


def replay(
    cfg: ReplayConfig, settings: MaintenanceSettings, out: IO[str], *, publisher: Publisher | None = None,
    reporter: Callable[[Event], Report] | None = None, on_record: Callable[[Record], None] | None = None,
) -> tuple[Monitor, list[Record]]:
    """Run the whole recording; writes JSON lines to ``out``; returns the monitor and the event/summary records."""
    t0 = time.perf_counter()
    mon, head, rest, healthy_ids = build_monitor(cfg, settings, publisher=publisher, reporter=reporter)
    kept: list[Record] = []

    def emit(rec: Record) -> None:
        out.write(json.dumps(rec, separators=(",", ":")) + "\n")
        if rec["type"] != "health":
            kept.append(rec)
        if on_record is not None:
            on_record(rec)

    start, t_first = time.monotonic(), None
    for b in _chain(head, rest):
        if cfg.realtime:
            t_first = b.t if t_first is None else t_first
            time.sleep(max(0.0, (b.t - t_first) - (time.monotonic() - start)))
        for rec in mon.process(b, healthy_period=id(b) in healthy_ids):
            emit(rec)
    emit(mon.final_summary(time.perf_counter() - t0))
    return mon, kept


def _chain(head: list[Block], rest: Iterator[Block]) -> Iterator[Block]:
    yield from head
    yield from rest


def load_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


__all__ = ["ReplayConfig", "build_monitor", "load_records", "replay"]
