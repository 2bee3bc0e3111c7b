"""A synthetic, non-IID corpus of plant maintenance logs paired with technician summaries.

Why synthetic: real maintenance logs are exactly the data that must not be pooled,
so the repository ships a generator instead. Each *plant* runs its own machine
types, has its own fault mix and writes logs in its own house format (a CMMS
export, a shift book, a SCADA event list), while the technician summaries follow
one fleet-wide style. That is the situation federated learning is for: every
node sees only its own format and faults, and the shared skill (writing the
summary) improves with the others' data.

The corpus is a pure function of ``(plant, seed)``: every node regenerates its
own partition locally and never receives another node's records.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

PROMPT_HEAD = "Maintenance log:\n"
PROMPT_TAIL = "\nSummary:"


@dataclass(frozen=True)
class Record:
    """One log and the summary a technician wrote for it."""

    plant: str
    asset: str
    log: str
    summary: str

    @property
    def prompt(self) -> str:
        return format_prompt(self.log)

    @property
    def target(self) -> str:
        return " " + self.summary


def format_prompt(log: str) -> str:
    """The text the model sees; the summary follows it after one space and ends at a newline."""
    return f"{PROMPT_HEAD}{log}{PROMPT_TAIL}"


@dataclass(frozen=True)
class _Fault:
    name: str
    sensor: str
    unit: str
    normal: tuple[float, float]
    bad: tuple[float, float]
    alarm: str
    action: str


@dataclass(frozen=True)
class _Plant:
    name: str
    city: str
    machines: tuple[str, ...]
    faults: tuple[_Fault, ...]
    style: str  # key into _STYLES


_F = _Fault
PLANTS: dict[str, _Plant] = {
    "north": _Plant("north", "Tampere", ("CNC mill", "lathe", "spindle unit"), (
        _F("spindle bearing wear", "spindle vibration", "mm/s", (1.0, 2.5), (6.0, 11.0), "VIB HIGH", "replace the spindle bearings"),
        _F("coolant pump failure", "coolant flow", "l/min", (18.0, 24.0), (2.0, 7.0), "FLOW LOW", "replace the coolant pump"),
        _F("tool breakage", "spindle load", "%", (35.0, 60.0), (95.0, 120.0), "LOAD SPIKE", "change the tool and check the offsets"),
        _F("axis backlash", "position error", "um", (2.0, 6.0), (25.0, 60.0), "POS DEV", "adjust the ball screw preload"),
    ), "cmms"),
    "harbor": _Plant("harbor", "Rotterdam", ("centrifugal pump", "screw compressor", "cooling tower fan"), (
        _F("cavitation", "suction pressure", "bar", (1.2, 1.8), (0.2, 0.6), "NPSH LOW", "raise the suction level and inspect the impeller"),
        _F("seal leak", "seal chamber temperature", "C", (40.0, 55.0), (85.0, 110.0), "SEAL TEMP", "replace the mechanical seal"),
        _F("oil degradation", "oil temperature", "C", (60.0, 75.0), (95.0, 115.0), "OIL TEMP HIGH", "change the oil and the oil filter"),
        _F("belt slip", "motor current", "A", (30.0, 42.0), (12.0, 20.0), "CURRENT LOW", "retension the drive belts"),
    ), "shiftbook"),
    "delta": _Plant("delta", "Lyon", ("conveyor", "palletizer", "shrink wrapper"), (
        _F("belt misalignment", "belt edge position", "mm", (0.0, 4.0), (15.0, 30.0), "TRACKING FAULT", "realign the return idlers"),
        _F("gearbox overheating", "gearbox temperature", "C", (45.0, 65.0), (90.0, 120.0), "GEAR TEMP", "top up the gear oil and check the breather"),
        _F("heater element failure", "tunnel temperature", "C", (170.0, 190.0), (90.0, 130.0), "HEAT LOW", "replace the heater element"),
        _F("photo-eye fouling", "missed detections", "per h", (0.0, 2.0), (20.0, 60.0), "SENSOR ERR", "clean the photo-eye and recalibrate"),
    ), "scada"),
}

_STATUS = ("fixed", "monitoring", "part ordered")
_TECHS = ("A. Virtanen", "M. de Vries", "L. Martin", "K. Nowak", "S. Rossi", "J. Berg")


def _num(rng: random.Random, lo_hi: tuple[float, float]) -> str:
    return f"{rng.uniform(*lo_hi):.1f}"


def _style_cmms(rng: random.Random, asset: str, fault: _Fault, tech: str, status: str) -> str:
    wo = rng.randint(10000, 99999)
    return (
        f"WO-{wo} | {asset} | priority {rng.choice(('P1', 'P2', 'P3'))}\n"
        f"08:{rng.randint(10, 59)} {fault.sensor} {_num(rng, fault.normal)} {fault.unit} (baseline)\n"
        f"09:{rng.randint(10, 59)} {fault.sensor} {_num(rng, fault.bad)} {fault.unit} -> alarm {fault.alarm}\n"
        f"10:{rng.randint(10, 59)} tech {tech}: {fault.name} suspected, {fault.action}\n"
        f"closed: {status}"
    )


def _style_shiftbook(rng: random.Random, asset: str, fault: _Fault, tech: str, status: str) -> str:
    shift = rng.choice(("early", "late", "night"))
    return (
        f"Shift {shift}, {tech} on duty. Unit {asset}.\n"
        f"- reading {fault.sensor}: {_num(rng, fault.bad)} {fault.unit} (normal {_num(rng, fault.normal)})\n"
        f"- panel shows {fault.alarm}\n"
        f"- found {fault.name}; crew will {fault.action}\n"
        f"- state at handover: {status}"
    )


def _style_scada(rng: random.Random, asset: str, fault: _Fault, tech: str, status: str) -> str:
    day = rng.randint(1, 28)
    return (
        f"[2026-03-{day:02d} 06:{rng.randint(10, 59)}] EVT {fault.alarm} src={asset.replace(' ', '_')} "
        f"val={_num(rng, fault.bad)}{fault.unit.replace(' ', '')}\n"
        f"[2026-03-{day:02d} 07:{rng.randint(10, 59)}] ACK by {tech}\n"
        f"[2026-03-{day:02d} 09:{rng.randint(10, 59)}] NOTE {fault.name}; {fault.action}; {status}"
    )


_STYLES: dict[str, Callable[[random.Random, str, _Fault, str, str], str]] = {
    "cmms": _style_cmms,
    "shiftbook": _style_shiftbook,
    "scada": _style_scada,
}


def _summary(asset: str, fault: _Fault, status: str) -> str:
    # One fleet-wide summary style: what failed, on what, the evidence, the action, the state.
    return f"{asset[0].upper()}{asset[1:]}: {fault.name} ({fault.alarm}). Action: {fault.action}. Status: {status}."


def _record(rng: random.Random, plant: _Plant) -> Record:
    machine = rng.choice(plant.machines)
    asset = f"{machine} {rng.choice('ABCDEFGH')}{rng.randint(1, 9)}"
    fault = rng.choice(plant.faults)
    tech = rng.choice(_TECHS)
    status = rng.choice(_STATUS)
    log = _STYLES[plant.style](rng, asset, fault, tech, status)
    return Record(plant.name, asset, log, _summary(asset, fault, status))


@dataclass(frozen=True)
class Partition:
    """A node's local data: what it trains on and what it evaluates on (never shared)."""

    plant: str
    train: list[Record]
    heldout: list[Record]


def make_partition(plant: str, *, n_train: int = 32, n_heldout: int = 8, seed: int = 0) -> Partition:
    """The local corpus of ``plant``; deterministic in ``(plant, seed)``, disjoint train/held-out."""
    if plant not in PLANTS:
        raise KeyError(f"unknown plant {plant!r}; known: {', '.join(PLANTS)}")
    rng = random.Random(f"{plant}:{seed}")
    records: list[Record] = []
    seen: set[str] = set()
    while len(records) < n_train + n_heldout:
        rec = _record(rng, PLANTS[plant])
        if rec.log not in seen:  # held-out logs never appear in training
            seen.add(rec.log)
            records.append(rec)
    return Partition(plant, records[:n_train], records[n_train:])


def plant_for_node(index: int) -> str:
    """Node ``index`` (0-based) holds the data of this plant (round robin over the plants)."""
    names = list(PLANTS)
    return names[index % len(names)]


__all__ = ["PLANTS", "Partition", "Record", "format_prompt", "make_partition", "plant_for_node"]
