"""A line camera's drop folder: inspect each new image once it is completely written.

Polling (``os.scandir`` every ``interval`` seconds) rather than inotify: it
works the same on network shares and bind mounts, which is where line cameras
usually write, and it needs no extra dependency. A file is taken once its size
and mtime are unchanged between two scans; a file that then fails to decode
(half written, or still empty) is retried until it has been still for
``settle`` seconds (a camera that pauses mid-frame), and only then reported as
a bad image: a file that stays empty is reported too, not waited on forever.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live

from edgewise.apps.inspection.errors import InvalidImage
from edgewise.apps.inspection.imaging import IMAGE_SUFFIXES
from edgewise.apps.inspection.overlay import write_overlay
from edgewise.apps.inspection.station import Station
from edgewise.errors import EdgewiseError


def inspect_path(station: Station, path: Path, overlays: Path | None) -> dict[str, Any]:
    """Inspect one file -> its JSON row (with an ``error`` key instead if the file is not a usable image)."""
    try:
        result = station.inspect_bytes(path.read_bytes(), image=path.name)
    except (InvalidImage, EdgewiseError) as exc:
        return {"image": path.name, "path": str(path), "error": exc.message}
    except OSError as exc:
        return {"image": path.name, "path": str(path), "error": f"cannot read: {exc.strerror or exc}"}
    row = result.outcome.inspection.model_dump(mode="json")
    row["path"] = str(path)
    row["events"] = [e.id for e in result.events]
    if overlays is not None:
        row["overlay"] = str(write_overlay(result.outcome, overlays, path.name))
    return row


class DropFolder:
    """New, completely written image files of a folder, each returned once, oldest first."""

    def __init__(self, folder: Path, *, include_existing: bool = False) -> None:
        if not folder.is_dir():
            raise InvalidImage(f"{folder} is not a folder; create it or point the camera's output there.")
        self.folder = folder
        self._done: set[str] = set() if include_existing else {e.name for e in os.scandir(folder)}
        self._pending: dict[str, tuple[int, int]] = {}

    def retry(self, path: Path) -> None:
        """Look at ``path`` again on later scans (it may still be being written)."""
        self._done.discard(path.name)

    def poll(self) -> list[Path]:
        ready = []
        for entry in sorted(os.scandir(self.folder), key=lambda e: e.name):
            if entry.name in self._done or not entry.is_file() or Path(entry.name).suffix.lower() not in IMAGE_SUFFIXES:
                continue
            st = entry.stat()
            sig = (st.st_size, st.st_mtime_ns)
            if self._pending.get(entry.name) == sig:  # an empty file too: the loop retries it until it settles
                ready.append(Path(entry.path))
                self._done.add(entry.name)
                del self._pending[entry.name]
            else:
                self._pending[entry.name] = sig
        return ready


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return float("inf")


def watch_loop(
    station: Station,
    drop: DropFolder,
    *,
    table: Callable[[list[dict[str, Any]], str], Any],
    json_out: Path | None = None,
    overlays: Path | None = None,
    interval: float = 0.2,
    max_images: int | None = None,
    idle_exit: float | None = None,
    settle: float = 2.0,
) -> list[dict[str, Any]]:
    """Poll ``drop`` until Ctrl-C, ``max_images`` or ``idle_exit`` seconds without news; returns the rows."""
    rows: list[dict[str, Any]] = []
    last_new = time.monotonic()
    sink = json_out.open("a") if json_out is not None else None
    title: Callable[[], str]
    title = lambda: f"watching {drop.folder}: {station.inspected} inspected, {station.rejected} rejected"  # noqa: E731
    try:
        with Live(table(rows, title()), console=Console(stderr=True), refresh_per_second=4) as live:
            while max_images is None or len(rows) < max_images:
                new = drop.poll()
                for path in new[: None if max_images is None else max_images - len(rows)]:
                    row = inspect_path(station, path, overlays)
                    if "error" in row and _age(path) < settle:
                        drop.retry(path)
                        continue
                    rows.append(row)
                    if sink is not None:
                        sink.write(json.dumps(row) + "\n")
                        sink.flush()
                if new:
                    last_new = time.monotonic()
                    live.update(table(rows, title()))
                elif idle_exit is not None and time.monotonic() - last_new > idle_exit:
                    break
                time.sleep(interval)
    except KeyboardInterrupt:
        pass
    finally:
        if sink is not None:
            sink.close()
    return rows


__all__ = ["DropFolder", "inspect_path", "watch_loop"]
