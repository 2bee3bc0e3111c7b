"""Rolling-element bearing geometries and their defect frequencies.

The envelope spectrum of a damaged bearing shows lines at the defect
frequencies (outer race BPFO, inner race BPFI, rolling element BSF, cage FTF),
which are fixed multiples of the shaft speed given by the geometry. The
formulas are the textbook kinematic ones (no slip); real lines wander by 1-3 %,
which the feature extractor allows for. Where the maker publishes multiples
(CWRU for the SKF 6205/6203) those are used as published.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from edgewise.apps.maintenance.errors import RecordingError

FAULTS = ("outer_race", "inner_race", "ball", "cage")


@dataclass(frozen=True)
class Bearing:
    """A bearing as its defect-frequency multiples of shaft speed (per revolution)."""

    name: str
    bpfo: float
    bpfi: float
    bsf: float
    ftf: float

    @classmethod
    def from_geometry(cls, name: str, n: int, d: float, pitch: float, contact_deg: float = 0.0) -> Bearing:
        r = d / pitch * math.cos(math.radians(contact_deg))
        return cls(name, n / 2 * (1 - r), n / 2 * (1 + r), pitch / (2 * d) * (1 - r * r), 0.5 * (1 - r))

    def frequencies(self, rpm: float) -> dict[str, float]:
        """Defect frequencies in Hz at ``rpm``; 'ball' uses 2 x BSF (a spall hits both races per spin)."""
        fr = rpm / 60.0
        return {
            "outer_race": self.bpfo * fr,
            "inner_race": self.bpfi * fr,
            "ball": 2 * self.bsf * fr,
            "cage": self.ftf * fr,
        }


_KNOWN: dict[str, Bearing] = {
    # CWRU's published multiples (drive end and fan end of the CWRU rig)
    "6205": Bearing("SKF 6205", 3.5848, 5.4152, 2.357, 0.39828),
    "6203": Bearing("SKF 6203", 3.0530, 4.9469, 1.9937, 0.3817),
    # IMS rig: Rexnord ZA-2115 double-row, 16 rollers per row, 0.331 in rollers, 2.815 in pitch, 15.17 deg
    "za-2115": Bearing.from_geometry("Rexnord ZA-2115", 16, 0.331, 2.815, 15.17),
    # PRONOSTIA test bearing: 13 balls of 3.5 mm on a 25.6 mm pitch diameter
    "pronostia": Bearing.from_geometry("PRONOSTIA", 13, 3.5, 25.6, 0.0),
}
_ALIASES = {"skf6205": "6205", "skf6203": "6203", "za2115": "za-2115", "femto": "pronostia"}


def bearing_by_name(name: str) -> Bearing:
    """Look a bearing up by name (``6205``, ``ZA-2115``, ``PRONOSTIA`` ...), case-insensitive."""
    key = name.strip().lower().replace(" ", "")
    key = _ALIASES.get(key, key)
    if key not in _KNOWN:
        known = ", ".join(sorted(b.name for b in _KNOWN.values()))
        raise RecordingError(f"unknown bearing {name!r}; known: {known} (or leave --bearing out).", param="bearing")
    return _KNOWN[key]


def known_bearings() -> list[str]:
    return sorted(_KNOWN)


__all__ = ["FAULTS", "Bearing", "bearing_by_name", "known_bearings"]
