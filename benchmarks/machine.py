"""A description of the machine a benchmark ran on, for its results file."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from typing import Any


def describe(packages: tuple[str, ...] = ()) -> dict[str, Any]:
    cpu = "unknown"
    flags: set[str] = set()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name") and cpu == "unknown":
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    mem = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    versions = {}
    for p in packages:
        try:
            versions[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            versions[p] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem / 2**30, 1),
        "simd": sorted(f for f in flags if f in {"avx", "avx2", "fma", "f16c", "avx512f", "amx_tile"}),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


def markdown_header(title: str, machine: dict[str, Any]) -> str:
    pk = ", ".join(f"{k} {v}" for k, v in machine["packages"].items())
    return (
        f"# {title}\n\nMachine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"SIMD {' '.join(machine['simd'])}; Python {machine['python']}; {pk}; "
        f"load average at start {machine.get('load_average_at_start')} (a shared machine: compare ratios, not absolute times)\n\n"
    )
