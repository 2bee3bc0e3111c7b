"""Predictive-maintenance benchmark: PRONOSTIA early warning, CWRU detection and fault location, speed, bandwidth.

Everything is causal and trained only on data declared healthy; no parameter is
chosen per file. Peers measured in the same run: a naive z-score of RMS and
kurtosis against the same healthy period (PRONOSTIA) and the raw RMS as a
detector (CWRU AUROC). Writes benchmarks/results/maintenance.json and .md and
PNG plots next to them.

    .venv/bin/python benchmarks/maintenance.py            # about 2-4 minutes on 2 shared cores
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

import maintenance_evidence as evidence  # noqa: E402
from machine import describe, markdown_header  # noqa: E402

from edgewise.apps.maintenance.bearings import bearing_by_name  # noqa: E402
from edgewise.apps.maintenance.features import compute_features, frame  # noqa: E402
from edgewise.apps.maintenance.mevents import dominant_fault  # noqa: E402
from edgewise.apps.maintenance.monitor import Monitor, resample  # noqa: E402
from edgewise.apps.maintenance.plot import plot_health  # noqa: E402
from edgewise.apps.maintenance.readers import read_recording  # noqa: E402
from edgewise.apps.maintenance.replay import ReplayConfig, load_records, replay  # noqa: E402
from edgewise.apps.maintenance.reporting import make_reporter  # noqa: E402
from edgewise.apps.maintenance.settings import MaintenanceSettings  # noqa: E402
from edgewise.apps.maintenance.twin import ChannelTwin  # noqa: E402

DATA = Path(os.environ.get("EDGEWISE_SHARED_DATA", REPO.parent / "shared" / "data")).resolve()
BEARINGS = {"Bearing1_1": 1800.0, "Bearing2_1": 1650.0, "Bearing3_1": 1500.0}  # rpm of each operating condition
HEALTHY_MIN = 30.0
RUN_IN_BEARING, RUN_IN_S = "Bearing1_1", 3 * 3600.0  # issue 10: no alarm wanted in its first 3 h (a run-in)
PRONOSTIA_FAILURE_G = 20.0  # the data set's own end-of-life rule: each run was stopped when vibration exceeded 20 g
CWRU_FAULTS = {"inner_race": (105, 106, 209, 210), "ball": (118, 119, 222, 223), "outer_race": (130, 131, 234, 235)}


# --- PRONOSTIA ------------------------------------------------------------------------------------


def naive_first_alarm(rec: evidence.Recording, persist: int) -> float | None:
    """The peer: |z| > 3 of RMS or kurtosis against the first 30 minutes, ``persist`` files in a row."""
    x = rec.data - rec.data.mean(axis=1, keepdims=True)
    rms = np.sqrt((x**2).mean(axis=1))
    kurt = (x**4).mean(axis=1) / rms**4
    tt, f = rec.t, np.concatenate([rms, kurt], axis=1)
    h = tt - tt[0] < HEALTHY_MIN * 60
    z = np.abs((f - f[h].mean(axis=0)) / f[h].std(axis=0, ddof=1)).max(axis=1)
    run = 0
    for i in np.flatnonzero(~h):
        run = run + 1 if z[i] > 3 else 0
        if run >= persist:
            return float(tt[i])
    return None


def pronostia(name: str, rpm: float, settings: MaintenanceSettings) -> tuple[dict[str, Any], evidence.Recording]:
    path = DATA / "femto" / "Learning_set" / name
    out = RESULTS / f"maintenance_{name}.jsonl"
    cfg = ReplayConfig(path, "femto", healthy_minutes=HEALTHY_MIN, bearing="PRONOSTIA", rpm=rpm, asset=name)
    buf = io.StringIO()
    t0 = time.perf_counter()
    mon, kept = replay(cfg, settings, buf, reporter=make_reporter(False))
    wall = time.perf_counter() - t0
    out.write_text(buf.getvalue())
    recs = load_records(out)
    health = [r for r in recs if r["type"] == "health"]
    end = max(r["time"] for r in health)
    onsets = sorted((r["onset_s"], r["source"]["channel"]) for r in recs if r["type"] == "event" and r["severity"])
    firsts = _alarm_episodes(health)
    first = min((e[0] for eps in firsts.values() for e in eps), default=None)
    # the warning that holds: the start of the last alarm episode that is still on at the end (any channel)
    held = [eps[-1][0] for eps in firsts.values() if eps and eps[-1][1] is None]
    final = min(held) if held else None
    false_before = sum(1 for eps in firsts.values() for s, e in eps if e is not None and (final is None or s < final))
    rul_err = _rul_error_at(health, final, end)
    rul_all = _rul_quality(health, final, end)
    plot_health(out, RESULTS / f"maintenance_{name}.png", None if settings.failure_peak else settings.failure_level,
                title=f"PRONOSTIA {name}: health index, trained on the first {HEALTHY_MIN:.0f} min"
                + (f"; remaining life to {settings.failure_peak:g} g peak" if settings.failure_peak else ""))
    out.unlink()  # the JSONL is large; the plot and the numbers are the result
    rec = evidence.load(path, rpm)
    naive = naive_first_alarm(rec, settings.alarm_after)
    summary = kept[-1]
    first_events = [r for r in kept if r["type"] == "event"][:2]
    return {
        "bearing": name, "rpm": rpm, "run_end_h": round(end / 3600, 3), "files": len(health) // 2,
        "first_alarm_h": None if first is None else round(first / 3600, 3),
        "held_alarm_h": None if final is None else round(final / 3600, 3),
        "false_alarms_before_held": false_before,
        "lead_time_min": None if final is None else round((end - final) / 60, 1),
        "rul_at_alarm": rul_err,
        "rul_after_alarm": rul_all,
        "events": len(onsets),
        "naive_first_alarm_h": None if naive is None else round(naive / 3600, 3),
        "bytes_seen": summary["bytes_seen"], "bytes_sent": summary["bytes_sent"],
        "bytes_sent_by_class": summary["bytes_sent_by_class"], "reduction_ratio": summary["reduction_ratio"],
        "replay_wall_s": round(wall, 1), "replay_samples_per_s": summary["samples_per_s"],
        "pipeline_samples_per_s": summary["samples_per_s_pipeline"],
        "first_events": first_events,
    }, rec


def _alarm_episodes(health: list[dict[str, Any]]) -> dict[str, list[tuple[float, float | None]]]:
    """Per channel: (start, end or None if still on at the end) of each alarm episode."""
    eps: dict[str, list[tuple[float, float | None]]] = {}
    state: dict[str, float | None] = {}
    for r in health:
        ch, on = r["channel"], r["alarm"]
        if on and state.get(ch) is None:
            state[ch] = r["time"]
        elif not on and state.get(ch) is not None:
            eps.setdefault(ch, []).append((state[ch], r["time"]))  # type: ignore[arg-type]
            state[ch] = None
    for ch, s in state.items():
        if s is not None:
            eps.setdefault(ch, []).append((s, None))
    return eps


def _rul_error_at(health: list[dict[str, Any]], t: float | None, end: float) -> dict[str, Any] | None:
    """The first remaining-life estimate at or after the held alarm, against the true time left."""
    if t is None:
        return None
    est = next((r for r in health if r["time"] >= t and r.get("rul_s") is not None), None)
    if est is None:
        return {"estimate_min": None, "note": "no estimate: no significant rising trend while the alarm was on"}
    true = end - est["time"]
    hi = est.get("rul_high_s")
    return {"at_h": round(est["time"] / 3600, 3), "estimate_min": round(est["rul_s"] / 60, 1), "true_min": round(true / 60, 1),
            "error_min": round((est["rul_s"] - true) / 60, 1),
            "band_min": [round(est["rul_low_s"] / 60, 1), None if hi is None else round(hi / 60, 1)],
            "true_in_band": est["rul_low_s"] <= true and (hi is None or true <= hi)}


def _rul_quality(health: list[dict[str, Any]], t: float | None, end: float) -> dict[str, Any] | None:
    """Every alarmed window from the held alarm on: how often an estimate was given, band coverage, error."""
    if t is None:
        return None
    alarmed = [r for r in health if r["time"] >= t and r["alarm"]]
    est = [r for r in alarmed if r.get("rul_s") is not None]
    if not est:
        return {"alarmed_windows": len(alarmed), "estimates": 0}
    true = np.array([end - r["time"] for r in est])
    mid = np.array([r["rul_s"] for r in est])
    low = np.array([r["rul_low_s"] for r in est])
    high = np.array([np.inf if r.get("rul_high_s") is None else r["rul_high_s"] for r in est])
    return {"alarmed_windows": len(alarmed), "estimates": len(est),
            "band_coverage": round(float(np.mean((low <= true) & (true <= high))), 2),
            "median_abs_error_min": round(float(np.median(np.abs(mid - true))) / 60, 1)}


# --- reports written by the embedded model -------------------------------------------------------


def llm_reports(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The same PRONOSTIA events reported by the real embedded model: free prose (before) and fill-in fields (now)."""
    from edgewise.apps.maintenance.fillin import write_fillin_report
    from edgewise.apps.maintenance.mevents import MaintenanceEvent
    from edgewise.apps.report import write_report
    from edgewise.config import load_settings
    from edgewise.engine import open_engine

    engine = open_engine(load_settings(parallel=1, ctx=2048))
    rows = []
    try:
        for raw in events:
            ev = MaintenanceEvent.model_validate({k: v for k, v in raw.items() if k in MaintenanceEvent.model_fields})
            row: dict[str, Any] = {"asset": ev.source.asset, "channel": ev.source.channel, "severity": ev.severity.value}
            for label, write in (("prose", lambda e: write_report(e, engine)), ("fillin", lambda e: write_fillin_report(e, engine))):
                t0 = time.perf_counter()
                rep = write(ev)
                row[label] = {"method": rep.method, "reason": rep.fallback_reason, "seconds": round(time.perf_counter() - t0, 1)}
                if label == "fillin":
                    row["fillin"]["text"] = rep.text
            rows.append(row)
    finally:
        engine.close()
    return {"model": engine.model_name, "events": len(rows), "rows": rows,
            "prose_llm": sum(r["prose"]["method"] == "llm" for r in rows),
            "fillin_llm": sum(r["fillin"]["method"] == "llm" for r in rows)}


# --- CWRU -----------------------------------------------------------------------------------------


def cwru(settings: MaintenanceSettings) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score

    fs, n = 12000.0, int(settings.window_s * 12000)
    (normal,) = read_recording(DATA / "cwru" / "97.mat", "cwru", channels=["DE"])
    x = resample(normal.data, normal.fs, fs)[:, 0]
    half = len(x) // 2
    train = np.lib.stride_tricks.sliding_window_view(x[:half], n)[:: n // 2]  # 50 % overlap, first half only
    held = frame(x[half:], n)  # the second half, never seen in training
    ff_normal = bearing_by_name("6205").frequencies(normal.meta.get("rpm", 1797.0))
    ftrain = compute_features(np.ascontiguousarray(train), fs, ff_normal)
    twin = ChannelTwin.fit(ftrain.values, ftrain.names, settings.false_alarm_rate, 1)  # window by window: no median
    s_held = twin.score(compute_features(held, fs, ff_normal).values)
    rms_held = np.sqrt((held**2).mean(axis=1))
    labels = ("inner_race", "outer_race", "ball", "cage", "unknown")
    confusion = {k: dict.fromkeys(labels, 0) for k in CWRU_FAULTS}
    per_file = []
    all_scores, all_rms = [], []
    for true, records in CWRU_FAULTS.items():
        for rec in records:
            (b,) = read_recording(DATA / "cwru" / f"{rec}.mat", "cwru", channels=["DE"])
            ff = bearing_by_name("6205").frequencies(b.meta["rpm"])
            w = frame(b.data[:, 0], n)
            f = compute_features(w, fs, ff).values
            s = twin.score(f)
            z = twin.zscores(f)
            located = [dominant_fault(zr, twin.names)[0] for zr in z]
            for loc in located:
                confusion[true][loc] += 1
            all_scores.append(s)
            all_rms.append(np.sqrt(((w - w.mean(axis=1, keepdims=True)) ** 2).mean(axis=1)))
            per_file.append({"record": rec, "fault": true, "windows": len(s),
                             "detection_rate": round(float(np.mean(s > twin.threshold)), 3),
                             "located_correctly": round(located.count(true) / len(located), 3)})
    whole = {}
    for rec in CWRU_FAULTS["ball"] + CWRU_FAULTS["inner_race"][:1] + CWRU_FAULTS["outer_race"][:1]:
        (b,) = read_recording(DATA / "cwru" / f"{rec}.mat", "cwru", channels=["DE"])
        whole[str(rec)] = evidence.record_envelope_lines(b.data[:, 0], fs, bearing_by_name("6205").frequencies(b.meta["rpm"]))
    scores, rms = np.concatenate(all_scores), np.concatenate(all_rms)
    y = np.r_[np.zeros(len(s_held)), np.ones(len(scores))]
    return {
        "train_windows": len(train), "held_out_normal_windows": len(held), "fault_windows": len(scores),
        "window_s": settings.window_s, "false_alarm_rate_target": settings.false_alarm_rate,
        "false_alarm_rate_held_out": round(float(np.mean(s_held > twin.threshold)), 3),
        "detection_rate": round(float(np.mean(scores > twin.threshold)), 3),
        "auroc_twin": round(float(roc_auc_score(y, np.r_[s_held, scores])), 4),
        "auroc_rms_peer": round(float(roc_auc_score(y, np.r_[rms_held, rms])), 4),
        "confusion": confusion, "per_file": per_file,
        "location_accuracy": round(sum(confusion[k][k] for k in confusion) / len(scores), 3),
        "whole_record_envelope": whole,
    }


# --- speed ----------------------------------------------------------------------------------------


def speed(settings: MaintenanceSettings, seconds: int) -> dict[str, Any]:
    """4 channels at 20.48 kHz (IMS snapshots, real data cycled), 1-s blocks, one core."""
    from edgewise.apps.maintenance.blocks import Block

    snaps = [b.data[:, :4] for b in read_recording(DATA / "ims" / "1st_test", "ims")]
    data = np.concatenate(snaps)
    fs = 20480.0
    names = ("1", "2", "3", "4")
    healthy = [Block(data, fs, names)]
    mon = Monitor.learn("ims", healthy, settings, bearing=bearing_by_name("ZA-2115"), rpm=2000.0)
    blocks = [Block(np.roll(data, -k * 977, axis=0)[: int(fs)], fs, names, t=float(k)) for k in range(seconds)]
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    for b in blocks:
        mon.process(b)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    tracemalloc.start()  # a second, short pass for memory: tracing slows Python down
    for b in blocks[:10]:
        mon.process(b)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    samples = sum(b.data.size for b in blocks)
    return {"channels": 4, "fs": fs, "seconds_of_signal": seconds, "samples": samples,
            "samples_per_s_wall": round(samples / wall), "samples_per_s_cpu": round(samples / cpu),
            "realtime_factor_wall": round(seconds / wall, 1), "goal_samples_per_s": 8_000_000,
            "peak_python_alloc_mib": round(peak / 2**20, 1),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "load_average": os.getloadavg()}


# --- report -----------------------------------------------------------------------------------------


def markdown(res: dict[str, Any]) -> str:
    md = [markdown_header("Predictive maintenance benchmark", res["machine"])]
    md.append(f"Load average during the run: {res['speed']['load_average']} (2 cores shared with other work).\n")
    md.append("## PRONOSTIA run-to-failure (trained on the first 30 minutes only)\n")
    md.append(f"Remaining life is the time until the trend of the channel's peak amplitude reaches "
              f"{res['pronostia_failure_peak_g']:g} g (the data set's stop rule), with a 90 % band; no estimate is given "
              "while the rise is not statistically significant.\n")
    md.append("| bearing | run (h) | first alarm (h) | alarm that holds (h) | cleared alarms before it | lead time (min) "
              "| first RUL after the alarm: estimate [90 % band] / true (min) | RUL over the alarm: estimates / alarmed windows, "
              "band coverage, median error (min) | naive z-score first alarm (h) |")
    md.append("|---|---|---|---|---|---|---|---|---|")
    for p in res["pronostia"]:
        r = p["rul_at_alarm"] or {}
        rul = (f"{r['estimate_min']} [{r['band_min'][0]}, {r['band_min'][1]}] / {r['true_min']} (at {r['at_h']} h)"
               if r.get("estimate_min") is not None else (r.get("note") or "-"))
        q = p.get("rul_after_alarm") or {}
        qual = (f"{q['estimates']} / {q['alarmed_windows']}, {q['band_coverage']}, {q['median_abs_error_min']}"
                if q.get("estimates") else f"0 / {q.get('alarmed_windows', 0)}")
        md.append(f"| {p['bearing']} | {p['run_end_h']} | {p['first_alarm_h']} | {p['held_alarm_h']} | "
                  f"{p['false_alarms_before_held']} | {p['lead_time_min']} | {rul} | {qual} | {p['naive_first_alarm_h']} |")
    b11 = res["pronostia"][0]
    md.append(f"\nBandwidth over the whole {b11['bearing']} run: {b11['bytes_seen']} raw bytes seen, "
              f"{b11['bytes_sent']} bytes to uplink (events, template reports, hourly summaries): "
              f"**{b11['reduction_ratio']:.0f}x** (goal 1000x).\n")
    for p in res["pronostia"]:
        md.append(f"![{p['bearing']}](maintenance_{p['bearing']}.png)\n")
    md.extend(evidence.markdown(res["evidence"], RUN_IN_BEARING))
    monitor = {p["bearing"]: (None if p["first_alarm_h"] is None else round(p["first_alarm_h"] * 60, 1), p["lead_time_min"])
               for p in res["pronostia"]}
    md.extend(evidence.coincidence_markdown(res["coincidence_rule"], monitor, res["settings"]["window_s"]))
    if "llm_reports" in res:
        lr = res["llm_reports"]
        md.append(f"## Reports written on the device ({lr['model']}, the node's engine, greedy)\n")
        md.append("The first events of the PRONOSTIA runs above, each reported twice by the real embedded model; a draft "
                  "is used only if it passes the strict check against the event, else the template is used.\n")
        md.append(f"- free prose continued from a lead sentence (the previous writer): **{lr['prose_llm']}/{lr['events']}** "
                  "drafts passed")
        md.append(f"- fill-in fields under a JSON grammar (now used by the maintenance app): **{lr['fillin_llm']}/{lr['events']}** "
                  "passed\n")
        md.append("| asset | channel | severity | prose | fill-in | fill-in fallback reason |\n|---|---|---|---|---|---|")
        for r in lr["rows"]:
            md.append(f"| {r['asset']} | {r['channel']} | {r['severity']} | {r['prose']['method']} | {r['fillin']['method']} "
                      f"| {r['fillin']['reason'] or ''} |")
        ok = next((r["fillin"]["text"] for r in lr["rows"] if r["fillin"]["method"] == "llm"), None)
        if ok:
            md.append("\nExample of a validated fill-in report:\n\n```\n" + ok + "\n```\n")
    c = res["cwru"]
    md.append("## CWRU (one-class, trained on the normal baseline 97.mat only, drive end)\n")
    md.append(f"{c['train_windows']} training windows (first half of the baseline, resampled 48 -> 12 kHz), "
              f"{c['held_out_normal_windows']} held-out normal windows, {c['fault_windows']} fault windows of {c['window_s']} s.\n")
    md.append(f"- detection rate at the calibrated threshold: **{c['detection_rate']}** "
              f"(false-alarm rate target {c['false_alarm_rate_target']}, measured on held-out normal: {c['false_alarm_rate_held_out']})")
    md.append(f"- AUROC fault vs held-out normal: twin **{c['auroc_twin']}**, RMS peer {c['auroc_rms_peer']}")
    md.append(f"- fault location by dominant defect frequency, accuracy {c['location_accuracy']}:\n")
    md.append("| true \\ located | inner | outer | ball | cage | unknown |\n|---|---|---|---|---|---|")
    for k, row in c["confusion"].items():
        md.append(f"| {k} | {row['inner_race']} | {row['outer_race']} | {row['ball']} | {row['cage']} | {row['unknown']} |")
    md.append("\nWhole-record envelope analysis (10 s, kurtosis-selected band, Welch; evidence of what the records hold, "
              "not the monitor's method): line height in dB over its neighbourhood.\n")
    md.append("| record | true fault | band (Hz) | outer | inner | ball (2xBSF) | cage | strongest |\n|---|---|---|---|---|---|---|---|")
    truth = {str(r): k for k, recs in CWRU_FAULTS.items() for r in recs}
    for rec, w in c["whole_record_envelope"].items():
        ln = w["lines_db"]
        md.append(f"| {rec} | {truth[rec]} | {w['band_hz'][0]}-{w['band_hz'][1]} | {ln['outer_race']} | {ln['inner_race']} "
                  f"| {ln['ball']} | {ln['cage']} | {w['strongest']} |")
    s = res["speed"]
    md.append("\n## Speed (one core, in-memory blocks, 4 channels at 20.48 kHz)\n")
    md.append(f"- {s['samples_per_s_wall']:,} samples/s wall, {s['samples_per_s_cpu']:,} samples/s CPU "
              f"(goal 8,000,000): {s['realtime_factor_wall']}x real time; ratio to goal "
              f"{s['samples_per_s_cpu'] / 8e6:.2f} (CPU), {s['samples_per_s_wall'] / 8e6:.2f} (wall)")
    md.append(f"- peak Python allocations {s['peak_python_alloc_mib']} MiB, peak RSS of the benchmark process {s['peak_rss_mib']} MiB")
    md.append(f"- file replay end to end (CSV parsing included), {b11['bearing']}: {b11['replay_samples_per_s']:,} samples/s\n")
    md.append("## Where it falls short (computed from the numbers above)\n")
    for p in res["pronostia"]:
        r = p["rul_at_alarm"] or {}
        if p["held_alarm_h"] is None:
            md.append(f"- {p['bearing']}: no alarm before the end of the run (missed).")
        elif (p["lead_time_min"] or 0) < 10:
            ev = next(e for e in res["evidence"] if e["bearing"] == p["bearing"])
            sus = ", ".join(f"{ch} {c['sustained_lead_min']}" for ch, c in ev["channels"].items())
            md.append(f"- {p['bearing']}: warning only {p['lead_time_min']} min before the end; the score leaves the healthy "
                      f"range for good only this many minutes before the end (per channel): {sus} (evidence section).")
        if r.get("true_in_band") is False:
            md.append(f"- {p['bearing']}: remaining life at the alarm {r['estimate_min']} min, true {r['true_min']} min, "
                      f"outside the 90 % band {r['band_min']}.")
        q = p.get("rul_after_alarm") or {}
        if p["held_alarm_h"] is not None and not q.get("estimates"):
            md.append(f"- {p['bearing']}: no remaining-life estimate at all: the rise before the end is too short or abrupt "
                      "for a significant trend.")
        elif q.get("band_coverage") is not None and q["band_coverage"] < 0.9:
            md.append(f"- {p['bearing']}: the 90 % remaining-life band held the true time left in only {q['band_coverage']:.0%} "
                      f"of {q['estimates']} estimates (median error {q['median_abs_error_min']} min): degradation speeds up "
                      "faster than one exponential over the fitted window.")
    if res["pronostia"][0]["first_alarm_h"] is not None and res["pronostia"][0]["first_alarm_h"] < 3:
        md.append("- Bearing1_1: alarm inside the first 3 hours (run-in).")
    if s["samples_per_s_wall"] < 8e6:
        md.append(f"- wall-clock speed {s['samples_per_s_wall']:,} samples/s is below 8 M/s on this shared, loaded machine "
                  "(CPU time per sample meets the goal).")
    if "llm_reports" in res and res["llm_reports"]["fillin_llm"] < res["llm_reports"]["events"]:
        lr = res["llm_reports"]
        md.append(f"- reports: the embedded model's fill-in passed the check for {lr['fillin_llm']} of {lr['events']} events "
                  "(the others got the template, reasons in the table above).")
    c_conf = c["confusion"]["ball"]
    md.append(f"- CWRU ball faults are located as 'ball' in {c_conf['ball']} of {sum(c_conf.values())} windows.\n")
    md.append("Reproduce: `.venv/bin/python benchmarks/maintenance.py`\n")
    return "\n".join(md)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--speed-seconds", type=int, default=120)
    ap.add_argument("--llm-events", type=int, default=4,
                    help="PRONOSTIA events (the first two of each bearing, in order) reported by the embedded model; 0 skips the model")
    args = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    settings = MaintenanceSettings()
    res: dict[str, Any] = {"machine": describe(("numpy", "scipy", "scikit-learn", "paho-mqtt")),
                           "settings": settings.model_dump()}
    res["pronostia"] = []
    recs = []
    pro_settings = settings.model_copy(update={"failure_peak": PRONOSTIA_FAILURE_G})
    res["pronostia_failure_peak_g"] = PRONOSTIA_FAILURE_G
    for name, rpm in BEARINGS.items():
        r, rec = pronostia(name, rpm, pro_settings)
        print(json.dumps({k: v for k, v in r.items() if k != "first_events"}), flush=True)
        res["pronostia"].append(r)
        recs.append(rec)
    alarms = {p["bearing"]: None if p["held_alarm_h"] is None else p["held_alarm_h"] * 3600 for p in res["pronostia"]}
    items = [evidence.evidence(rec, pro_settings, HEALTHY_MIN * 60, alarms[rec.name], RUN_IN_S if rec.name == RUN_IN_BEARING else None)
             for rec in recs]
    evidence.plot_trajectories(items, RESULTS / "maintenance_features.png", HEALTHY_MIN * 60, alarms)
    res["evidence"] = [evidence.strip_private(i) for i in items]
    res["coincidence_rule"] = evidence.coincidence_rule(items)
    del recs, items
    if args.llm_events:
        events = [e for p in res["pronostia"] for e in p.pop("first_events")][: args.llm_events]
        res["llm_reports"] = llm_reports(events)
        print(json.dumps({k: v for k, v in res["llm_reports"].items() if k != "rows"}), flush=True)
    else:
        for p in res["pronostia"]:
            p.pop("first_events")
    res["cwru"] = cwru(settings)
    print(json.dumps({k: v for k, v in res["cwru"].items() if k != "per_file"}), flush=True)
    res["speed"] = speed(settings, args.speed_seconds)
    print(json.dumps(res["speed"]), flush=True)
    (RESULTS / "maintenance.json").write_text(json.dumps(res, indent=2))
    (RESULTS / "maintenance.md").write_text(markdown(res))
    b11 = res["pronostia"][0]
    print(f"Bearing1_1 first alarm {b11['first_alarm_h']} h vs naive z-score {b11['naive_first_alarm_h']} h; "
          f"bandwidth {b11['reduction_ratio']:.0f}x (goal 1000x); speed {res['speed']['samples_per_s_cpu'] / 8e6:.2f}x the 8 M/s goal (CPU); "
          f"CWRU AUROC twin/RMS {res['cwru']['auroc_twin']}/{res['cwru']['auroc_rms_peer']}")


if __name__ == "__main__":
    main()
