"""The replay pipeline and command line on real recordings (kept short)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from edgewise.apps.maintenance.cli import app
from edgewise.apps.maintenance.replay import ReplayConfig, load_records, replay
from edgewise.apps.maintenance.settings import MaintenanceSettings
from edgewise.apps.report import validate_report_text
from edgewise.apps.maintenance.mevents import MaintenanceEvent

runner = CliRunner()


def test_cli_replay_cwru_fault_against_normal_baseline(cwru: Path, tmp_path: Path) -> None:
    out, png = tmp_path / "o.jsonl", tmp_path / "o.png"
    res = runner.invoke(app, ["replay", str(cwru / "209.mat"), "--format", "cwru", "--healthy", str(cwru / "97.mat"),
                              "--bearing", "6205", "--channels", "DE", "--json", str(out), "--plot", str(png)])
    assert res.exit_code == 0, res.output
    recs = load_records(out)
    health = [r for r in recs if r["type"] == "health"]
    events = [r for r in recs if r["type"] == "event"]
    assert {"time", "asset", "channel", "health_index", "alarm", "rul_s"} <= set(health[0])
    assert all(r["channel"] == "DE" for r in health) and len(health) >= 40
    assert events and events[0]["source"]["channel"] == "DE" and events[0]["severity"] in ("warning", "alarm", "critical")
    summary = recs[-1]
    assert summary["type"] == "summary" and summary["bytes_seen"] > 100 * summary["bytes_sent"] > 0
    assert summary["samples_per_s"] > 0
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    assert events[0]["asset"] == "209" and events[0]["channel"] == "DE"
    ev = MaintenanceEvent.model_validate({k: v for k, v in events[0].items() if k not in ("type", "report", "asset", "channel")})
    assert validate_report_text(events[0]["report"]["text"].rsplit("\n\n", 1)[0], ev).ok


def test_healthy_start_of_pronostia_gives_no_alarm(femto_head: Path, tmp_path: Path) -> None:
    cfg = ReplayConfig(femto_head, "femto", healthy_first=12, bearing="PRONOSTIA", rpm=1800)
    with (tmp_path / "o.jsonl").open("w") as f:
        mon, kept = replay(cfg, MaintenanceSettings(), f)
    recs = load_records(tmp_path / "o.jsonl")
    early = [r for r in recs if r["type"] == "health" and r["time"] < 14 * 50]
    assert len(early) == 2 * 14 and not any(r["alarm"] for r in early)
    assert sum(1 for r in early if r.get("healthy_period")) == 2 * 12
    late = [r for r in recs if r["type"] == "health" and r["time"] > 7 * 3600]
    # the last files are the failed bearing (the running median needs a few of them)
    assert len(late) == 12 and all(r["health_index"] > 1 for r in late[-4:])


def test_cli_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    d = tmp_path / "B"
    d.mkdir()
    (d / "acc_00001.csv").write_text("1,2,3\n")
    res = runner.invoke(app, ["replay", str(d), "--format", "femto", "--healthy-first", "1", "--json", str(tmp_path / "o")])
    assert res.exit_code != 0 and isinstance(res.exception, Exception)
    assert "acc_00001.csv:1" in str(res.exception)


def test_healthy_period_must_be_declared_once(cwru: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["replay", str(cwru / "105.mat"), "--format", "cwru", "--json", str(tmp_path / "o")])
    assert res.exit_code != 0 and "healthy" in str(res.exception)


@pytest.mark.parametrize("flag", ["--healthy-minutes"])
def test_edgewise_entry_point_lists_the_group(flag: str) -> None:
    from edgewise.cli import app as root

    res = runner.invoke(root, ["maintenance", "replay", "--help"])
    assert res.exit_code == 0 and flag in res.output and "--bearing" in res.output
    json.dumps({})


def test_realtime_replay_keeps_recorded_pace(tmp_path: Path) -> None:
    import time

    import numpy as np

    rng = np.random.default_rng(3)
    for i in range(4):  # four CSV files of 0.5 s at 1 kHz
        np.savetxt(tmp_path / f"part{i}.csv", rng.normal(size=(500, 2)), delimiter=",")
    cfg = ReplayConfig(tmp_path, "csv", fs=1000.0, healthy_first=3, realtime=True)
    t0 = time.monotonic()
    with (tmp_path / "o.jsonl").open("w") as f:
        replay(cfg, MaintenanceSettings(), f)
    assert time.monotonic() - t0 >= 1.45  # the last file starts 1.5 s after the first
