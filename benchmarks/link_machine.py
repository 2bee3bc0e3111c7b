"""Describe the machine a link benchmark ran on (CPU, cores, RAM, Python, library versions)."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from typing import Any


def _cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float | None:
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def machine() -> dict[str, Any]:
    libs = {}
    for name in ("llama-cpp-python", "fastapi", "uvicorn", "sqlalchemy", "psycopg", "zstandard", "httpx"):
        try:
            libs[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libs[name] = None
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = [round(x, 1) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    d = {"cpu": _cpu_model(), "cores_usable": affinity, "ram_gib": _ram_gib(), "python": platform.python_version(),
         "kernel": platform.release(), "libraries": libs, "load_average_1_5_15": load}  # fmt: skip
    d["summary"] = f"{d['cpu']}, {affinity} usable cores, {d['ram_gib']} GiB RAM, load average {load}, Python {d['python']}, " + ", ".join(
        f"{k} {v}" for k, v in libs.items() if v
    )
    return d
