"""What the data allows: PRONOSTIA feature trajectories behind each lead time, CWRU ball-fault lines.

A lead time is only as long as the recording shows a change. This module
measures, after the fact and for evidence only (the monitor itself stays
causal), when each bearing's vibration leaves what was seen in its first 30
minutes, and compares that with Bearing1_1's run-in, the period in which an
alarm counts as false:

* ``share outside``: per 10-minute slice, the share of files whose twin score
  is above every score of the healthy period (the twin fitted on the first 30
  minutes exactly as the monitor fits it; a PRONOSTIA file of 0.1 s is one
  window);
* ``sustained from``: the earliest time after which the running median of the
  score (the health index before scaling) stays above that healthy maximum to
  the end of the run;
* the largest kurtosis of each channel, healthy and in Bearing1_1's run-in.

If the run-in of Bearing1_1 already shows slices with as large a share
outside as the last slices before another bearing's alarm, no detector
trained on 30 minutes can warn earlier on that bearing without also alarming
Bearing1_1: that is the honest limit the results file reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgewise.apps.maintenance.bearings import bearing_by_name
from edgewise.apps.maintenance.features import compute_features
from edgewise.apps.maintenance.readers import read_recording
from edgewise.apps.maintenance.settings import MaintenanceSettings
from edgewise.apps.maintenance.twin import ChannelTwin, running_median

SLICE_S = 600.0
PLOTTED = ("log_rms", "log_kurtosis", "log_band3_rms", "log_band4_rms", "log_band5_rms", "log_sk_band4")


@dataclass
class Recording:
    """One PRONOSTIA run held in memory: file times (s) and samples ``(files, rows, channels)``."""

    name: str
    rpm: float
    t: np.ndarray
    data: np.ndarray
    channels: tuple[str, ...]


def load(path: Path, rpm: float) -> Recording:
    blocks = list(read_recording(path, "femto"))
    return Recording(path.name, rpm, np.array([b.t for b in blocks]), np.stack([b.data for b in blocks]), blocks[0].channels)


def _features(rec: Recording, ch: int) -> tuple[list[str], np.ndarray]:
    ff = bearing_by_name("PRONOSTIA").frequencies(rec.rpm)
    fs = compute_features(np.ascontiguousarray(rec.data[:, :, ch]), 25600.0, ff)
    return fs.names, fs.values


def evidence(
    rec: Recording, settings: MaintenanceSettings, healthy_s: float, alarm_s: float | None, run_in_s: float | None = None
) -> dict[str, Any]:
    """Per channel: healthy maximum score, share outside per slice, sustained onset, kurtosis extremes.

    ``run_in_s``: end of a period in which any alarm is false (Bearing1_1's first 3 hours); its largest
    share outside and kurtosis are the references the other runs are compared with.
    """
    h = rec.t - rec.t[0] < healthy_s
    end = float(rec.t[-1])
    out: dict[str, Any] = {"bearing": rec.name, "end_min": round(end / 60, 1), "channels": {}}
    for j, ch in enumerate(rec.channels):
        names, x = _features(rec, j)
        twin = ChannelTwin.fit(x[h], names, settings.false_alarm_rate, settings.median_windows)
        score = twin.score(x)
        top = float(score[h].max())
        outside = score > top
        slices = []
        for lo in np.arange(healthy_s, end + 1, SLICE_S):
            m = (rec.t >= lo) & (rec.t < lo + SLICE_S)
            if m.any():
                slices.append({"from_min": round(lo / 60), "files": int(m.sum()), "share_outside": round(float(outside[m].mean()), 2)})
        med = running_median(score, settings.median_windows)
        above = med > top
        tail = np.flatnonzero(~above)
        sustained = None if not above[-1] else float(rec.t[tail[-1] + 1] if tail.size else rec.t[0])
        kurt = np.exp(x[:, names.index("log_kurtosis")])
        before = (~h) & (rec.t < (alarm_s if alarm_s is not None else end))
        out["channels"][ch] = {
            "healthy_max_score_over_threshold": round(top / twin.threshold, 3),
            "slices": slices,
            "sustained_from_min": None if sustained is None else round(sustained / 60, 1),
            "sustained_lead_min": None if sustained is None else round((end - sustained) / 60, 1),
            "kurtosis_healthy_max": round(float(kurt[h].max()), 2),
            "kurtosis_max_before_alarm": round(float(kurt[before].max()), 2) if before.any() else None,
        }
        if run_in_s is not None:
            run_in = (~h) & (rec.t < run_in_s)
            out["channels"][ch]["kurtosis_max_run_in"] = round(float(kurt[run_in].max()), 2)
            out["channels"][ch]["share_outside_max_run_in"] = round(
                max((s["share_outside"] for s in slices if s["from_min"] * 60 + SLICE_S <= run_in_s), default=0.0), 2)
        out["channels"][ch]["_z"] = {n: twin.zscores(x)[:, names.index(n)] for n in PLOTTED}
        out["channels"][ch]["_outside"] = outside
    out["_t"], out["_healthy"] = rec.t, h
    return out


def plot_trajectories(items: list[dict[str, Any]], png: Path, healthy_s: float, alarms: dict[str, float | None]) -> None:
    """z-scores (healthy spreads from the first 30 min) of level, impulsiveness and band features over each run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chans = list(items[0]["channels"])
    fig, axes = plt.subplots(len(items), len(chans), figsize=(12, 3 * len(items)), squeeze=False)
    for r, it in enumerate(items):
        t = it["_t"] / 60.0
        for c, ch in enumerate(chans):
            ax = axes[r, c]
            for name, z in it["channels"][ch]["_z"].items():
                ax.plot(t, running_median(z, 5), lw=0.9, label=name.removeprefix("log_"))
            ax.axvline(healthy_s / 60, color="green", ls="--", lw=1)
            if alarms.get(it["bearing"]) is not None:
                ax.axvline(alarms[it["bearing"]] / 60, color="red", lw=1)  # type: ignore[operator]
            ax.axhline(0, color="grey", lw=0.5)
            ax.set_yscale("symlog", linthresh=3)
            ax.set_title(f"{it['bearing']} {ch}", fontsize=9)
            ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=7, ncol=3, loc="upper left")
    axes[-1, 0].set_xlabel("minutes (green: end of training, red: alarm that holds)")
    fig.suptitle("Feature z-scores against the first 30 minutes (5-file running median)", fontsize=10)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)


def bernoulli_cusum_arl(p0: float, p1: float, h: float, step: float = 0.01) -> float:
    """In-control average run length (windows) of a Bernoulli CUSUM, by a Markov chain on a fine grid (Brook-Evans)."""
    up, down = math.log(p1 / p0), math.log((1 - p1) / (1 - p0))
    n = int(math.ceil(h / step))
    q = np.zeros((n, n))
    for i in range(n):
        hit = int(round(max(0.0, i * step + up) / step))
        if hit < n:
            q[i, hit] += p0
        q[i, int(round(max(0.0, i * step + down) / step))] += 1 - p0
    return float(np.linalg.solve(np.eye(n) - q, np.ones(n))[0])


def coincidence_rule(items: list[dict[str, Any]], p1: float = 0.25, levels: tuple[float, ...] = (5.0, 10.0)) -> dict[str, Any]:
    """A rule considered and not adopted: Bernoulli CUSUM on files where *every* channel is above its healthy maximum.

    A bearing impact reaches both accelerometers of a housing, a sensor artefact one: coincidence is physical
    evidence. Under exchangeability a new healthy file exceeds the maximum of n healthy ones with probability
    1/(n+1); that bound is the in-control rate. Reported for two decision levels, with their in-control run length.
    """
    rows = []
    for lev in levels:
        row: dict[str, Any] = {"h": lev, "bearings": {}}
        for it in items:
            h = it["_healthy"]
            joint = np.logical_and.reduce([c["_outside"] for c in it["channels"].values()])
            p0 = 1.0 / (int(h.sum()) + 1)
            up, down = math.log(p1 / p0), math.log((1 - p1) / (1 - p0))
            c, first = 0.0, None
            for i in np.flatnonzero(~h):
                c = max(0.0, c + (up if joint[i] else down))
                if c >= lev:
                    first = float(it["_t"][i])
                    break
            row["bearings"][it["bearing"]] = {"first_alarm_min": None if first is None else round(first / 60, 1),
                                              "lead_min": None if first is None else round(it["end_min"] - first / 60, 1)}
            row["arl0_windows"] = round(bernoulli_cusum_arl(p0, p1, lev))
        rows.append(row)
    return {"p1": p1, "levels": rows}


def strip_private(item: dict[str, Any]) -> dict[str, Any]:
    """The JSON-ready part (arrays for the plot removed)."""
    return {"bearing": item["bearing"], "end_min": item["end_min"],
            "channels": {ch: {k: v for k, v in c.items() if not k.startswith("_")} for ch, c in item["channels"].items()}}


def _first_above(slices: list[dict[str, Any]], level: float) -> float | None:
    """Start (min) of the first slice whose share outside exceeds ``level``."""
    return next((sl["from_min"] for sl in slices if sl["share_outside"] > level), None)


def markdown(items: list[dict[str, Any]], reference: str, slices_shown: int = 6) -> list[str]:
    """The evidence section of the results file; ``reference`` is the run whose run-in stats were measured."""
    ref = next((i for i in items if i["bearing"] == reference), None)
    md = ["## What the data allows (after-the-fact evidence; the monitor stays causal)\n",
          "Share of files whose twin score is above the largest score of the first 30 minutes, per 10-minute slice "
          f"(last {slices_shown} slices of each run), and when the running median of the score leaves the healthy range for good.\n"]
    if ref is not None:
        runin = ", ".join(f"{ch} {c['share_outside_max_run_in']} (kurtosis up to {c['kurtosis_max_run_in']})"
                          for ch, c in ref["channels"].items())
        md.append(f"{reference} run-in (after training, first 3 h), largest share outside in any slice: {runin}. A detector "
                  "that fires on that share or less would alarm during the run-in; the last column is the first slice of each "
                  "run above it, i.e. the earliest warning such a detector could give (an upper bound, chosen after the fact).\n")
    md.append("| bearing | ch | healthy max score / threshold | share outside, last slices (@ from min) | sustained from (min) "
              f"| lead if warned then (min) | kurtosis: healthy max / max before the alarm | first slice above the {reference} "
              "run-in share (min before the end) |")
    md.append("|---|---|---|---|---|---|---|---|")
    for it in items:
        for ch, c in it["channels"].items():
            sl = " ".join(f"{s['share_outside']}@{s['from_min']}" for s in c["slices"][-slices_shown:])
            first = None
            if ref is not None and it is not ref and ch in ref["channels"]:
                first = _first_above(c["slices"], ref["channels"][ch]["share_outside_max_run_in"])
            early = "-" if first is None else f"{first} ({it['end_min'] - first:.0f})"
            md.append(f"| {it['bearing']} | {ch} | {c['healthy_max_score_over_threshold']} | {sl} | {c['sustained_from_min']} "
                      f"| {c['sustained_lead_min']} | {c['kurtosis_healthy_max']} / {c['kurtosis_max_before_alarm']} | {early} |")
    md.append("\n![feature trajectories](maintenance_features.png)\n")
    return md


def coincidence_markdown(rule: dict[str, Any], monitor: dict[str, tuple[float | None, float | None]], window_s: float) -> list[str]:
    """The considered-and-not-adopted asset-level rule next to the monitor, with its false-alarm cost.

    ``monitor``: per bearing, (first alarm in minutes, lead time in minutes) of the adopted rules.
    """
    names = list(rule["levels"][0]["bearings"])
    md = ["Considered and not adopted: an asset-level Bernoulli CUSUM on files where both channels exceed their healthy "
          f"maximum (in-control rate at the distribution-free bound 1/(n+1), out-of-control {rule['p1']}):\n",
          "| rule | in-control run length (windows) | " + " | ".join(f"{b} first alarm / lead (min)" for b in names) + " |",
          "|---|---|" + "---|" * len(names)]
    cells = " | ".join(f"{monitor[b][0]} / {monitor[b][1]}" for b in names)
    md.append(f"| the monitor (threshold and trend rules; lead from the alarm that holds) | trend rule designed for ~1e5 | {cells} |")
    for row in rule["levels"]:
        cells = " | ".join(f"{v['first_alarm_min']} / {v['lead_min']}" for v in row["bearings"].values())
        md.append(f"| coincidence CUSUM, h = {row['h']:g} | {row['arl0_windows']:,} (= {row['arl0_windows'] * window_s / 60:,.0f} min "
                  f"of a continuous {window_s:g}-s stream) | {cells} |")
    md.append("")
    return md


def record_envelope_lines(x: np.ndarray, fs: float, freqs: dict[str, float]) -> dict[str, Any]:
    """Whole-record envelope analysis, the textbook way (not the monitor's 0.2-s windows).

    Band: the 1/12-of-fs-wide band (half-overlapping, above fs/24) where the filtered signal is most
    impulsive (kurtosis), a coarse kurtogram; envelope by Hilbert transform; Welch spectrum with ~1.5 Hz
    bins; each defect line in dB over the median of +-30 % around it (max within +-3 %). Used to show
    whether a fault's line is in the record at all when the windowed monitor cannot place it.
    """
    import scipy.signal as ss

    width = fs / 12
    best: tuple[float, np.ndarray, float] | None = None
    for lo in np.arange(fs / 24, fs / 2 - width, width / 2):
        y = ss.sosfiltfilt(ss.butter(4, [lo, lo + width], "bandpass", fs=fs, output="sos"), x)
        k = float(np.mean(y**4) / np.mean(y**2) ** 2)
        if best is None or k > best[0]:
            best = (k, y, float(lo))
    assert best is not None
    env = np.abs(ss.hilbert(best[1]))
    f, p = ss.welch(env - env.mean(), fs, nperseg=min(len(env), int(fs / 1.5)))

    def db(f0: float) -> float:
        line = (f > f0 * 0.97) & (f < f0 * 1.03)
        ref = (f > f0 * 0.7) & (f < f0 * 1.3)
        return round(10 * float(np.log10(p[line].max() / np.median(p[ref]))), 1)

    lines = {name: db(f0) for name, f0 in freqs.items()}
    return {"band_hz": [round(best[2]), round(best[2] + width)], "band_kurtosis": round(best[0], 1), "lines_db": lines,
            "strongest": max(lines, key=lines.get)}  # type: ignore[arg-type]


__all__ = ["Recording", "record_envelope_lines", "evidence", "load", "markdown", "plot_trajectories", "strip_private"]
