"""Features, the twin's calibration, hysteresis and the remaining-life trend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edgewise.apps.maintenance.bearings import bearing_by_name
from edgewise.apps.maintenance.features import compute_features, frame
from edgewise.apps.maintenance.health import HealthTracker
from edgewise.apps.maintenance.mevents import dominant_fault
from edgewise.apps.maintenance.monitor import resample
from edgewise.apps.maintenance.readers import read_recording
from edgewise.apps.maintenance.rul import fit_rul
from edgewise.apps.maintenance.settings import MaintenanceSettings
from edgewise.apps.maintenance.twin import ChannelTwin

RNG = np.random.default_rng(7)


def test_impacts_raise_kurtosis_and_fault_line() -> None:
    fs, n = 12000.0, 2400
    noise = RNG.normal(size=(20, n))
    impacts = noise.copy()
    period = int(fs / 107.4)  # outer-race rate of a 6205 at 1797 rpm
    for row in impacts:
        row[::period] += 12.0 * np.sin(np.linspace(0, 3, len(row[::period])) + 1)
    ff = bearing_by_name("6205").frequencies(1797)
    a, b = compute_features(noise, fs, ff), compute_features(impacts, fs, ff)
    k = a.names.index("log_kurtosis")
    assert b.values[:, k].mean() > a.values[:, k].mean() + 0.5
    o = a.names.index("env_outer_race")
    assert b.values[:, o].mean() > a.values[:, o].mean() + 0.5


def test_falling_vibration_is_normal_rising_is_not() -> None:
    healthy = RNG.normal(size=(60, 2048))
    names = compute_features(healthy, 20000.0).names
    twin = ChannelTwin.fit(compute_features(healthy, 20000.0).values, names, 0.01, 1)
    quiet = compute_features(0.5 * RNG.normal(size=(40, 2048)), 20000.0).values
    loud = compute_features(2.0 * RNG.normal(size=(20, 2048)), 20000.0).values
    assert np.mean(twin.score(quiet) > twin.threshold) <= 0.1  # as often as healthy windows, not always
    assert np.all(twin.score(loud) > twin.threshold)


def test_threshold_false_alarm_rate_on_held_out_healthy() -> None:
    x = compute_features(RNG.normal(size=(400, 1024)), 20000.0)
    twin = ChannelTwin.fit(x.values[:100], x.names, 0.01, 1)  # no smoothing: raw per-window rate
    rate = float(np.mean(twin.score(x.values[100:]) > twin.threshold))
    assert rate <= 0.05  # calibrated at 1 %; few training windows make it conservative, never wildly loose


def test_one_spike_does_not_alarm_but_a_trend_does() -> None:
    s = MaintenanceSettings(alarm_after=3, median_windows=1)
    tr = HealthTracker(1.0, s)
    pts = [tr.update(float(t), v) for t, v in enumerate([0.5, 0.5, 5.0, 0.5, 0.5])]
    assert not any(p.alarm for p in pts)
    pts = [tr.update(float(t), 1.2 * 1.1**t) for t in range(5, 20)]
    assert pts[2].onset and pts[2].alarm and sum(p.onset for p in pts) == 1


def test_rul_of_an_exponential_trend() -> None:
    t = np.arange(0.0, 600.0, 60.0)
    hi = 1.0 * np.exp(t / 600.0) * np.exp(RNG.normal(scale=0.02, size=t.size))
    est = fit_rul(t, hi, failure=10.0, now=float(t[-1]))
    true = 600.0 * np.log(10.0) - t[-1]
    assert est is not None and est.low_s <= true * 1.05 and (est.high_s is None or est.high_s >= true * 0.95)
    assert est.rul_s == pytest.approx(true, rel=0.15)
    assert fit_rul(t, np.ones_like(t) * 2.0, 10.0, float(t[-1])) is None  # no trend, no number


def test_rul_band_allows_for_correlated_residuals_and_refuses_noise() -> None:
    """A smoothed index has correlated residuals: the band must cover the truth about as often as it claims."""
    t = np.arange(0.0, 1800.0, 60.0)  # 30 points, like the default rul_points
    true = 3000.0 * np.log(10.0) - t[-1]
    covered, given = 0, 0
    for seed in range(200):
        rng = np.random.default_rng(seed)
        ar = np.zeros(t.size)
        for i in range(1, t.size):
            ar[i] = 0.9 * ar[i - 1] + rng.normal(scale=0.05)
        est = fit_rul(t, np.exp(t / 3000.0 + ar), 10.0, float(t[-1]))
        if est is not None:
            given += 1
            covered += est.low_s <= true <= (est.high_s or np.inf)
    assert given >= 100 and covered / given >= 0.6  # nominal 90 %; intervals for independent residuals cover ~35 % here
    flat = np.exp(np.random.default_rng(1).normal(scale=0.1, size=t.size) + 1e-6 * t)  # no real trend
    assert fit_rul(t, flat, 10.0, float(t[-1])) is None


def test_remaining_life_to_a_physical_peak_limit() -> None:
    """With failure_peak set, the trend is fitted on the window peaks, not on the health index."""
    s = MaintenanceSettings(failure_peak=20.0, median_windows=1, alarm_after=1)
    tr = HealthTracker(1.0, s)
    pts = [tr.update(60.0 * k, 2.0, peak=2.0 * np.exp(k / 10.0)) for k in range(20)]  # HI flat at 2, peak rising
    true = 60.0 * 10.0 * np.log(10.0) - 60.0 * 19
    assert pts[-1].alarm and pts[-1].rul is not None
    assert pts[-1].rul.rul_s == pytest.approx(true, rel=0.05)
    hi_only = HealthTracker(1.0, MaintenanceSettings(median_windows=1, alarm_after=1))
    assert [hi_only.update(60.0 * k, 2.0, peak=2.0 * np.exp(k / 10.0)) for k in range(20)][-1].rul is None  # flat HI


def test_resample_keeps_a_tone() -> None:
    fs = 48000.0
    tt = np.arange(48000) / fs
    y = resample(np.sin(2 * np.pi * 1000 * tt)[:, None], fs, 12000.0)
    spec = np.abs(np.fft.rfft(y[:, 0]))
    assert y.shape[0] == 12000 and abs(np.argmax(spec) * 12000 / 12000 - 1000) <= 1


def test_cwru_outer_race_line_stands_out(cwru: Path) -> None:
    ff = bearing_by_name("6205").frequencies(1797)
    (normal,) = read_recording(cwru / "97.mat", "cwru", channels=["DE"])
    (outer,) = read_recording(cwru / "130.mat", "cwru", channels=["DE"])
    h = compute_features(frame(resample(normal.data, 48000, 12000)[:, 0], 2400), 12000, ff)
    twin = ChannelTwin.fit(h.values, h.names, 0.01, 5)
    f = compute_features(frame(outer.data[:, 0], 2400), 12000, ff).values
    faults = [dominant_fault(twin.zscores(row), h.names)[0] for row in f]
    assert faults.count("outer_race") > len(faults) / 2


def test_trend_rule_catches_a_jump_below_the_threshold_but_not_a_run_in() -> None:
    s = MaintenanceSettings()
    kw = {"log_center": float(np.log(0.2)), "log_spread": 0.5, "baseline_windows": 20}
    quiet = RNG.lognormal(np.log(0.2), 0.3, size=60)
    tr = HealthTracker(1.0, s, **kw)
    run_in = np.r_[RNG.lognormal(np.log(0.05), 0.3, size=40), quiet]  # vibration falls, then returns to normal
    assert not any(tr.update(float(t), float(v)).alarm for t, v in enumerate(run_in))
    tr = HealthTracker(1.0, s, **kw)
    pts = [tr.update(float(t), float(v)) for t, v in enumerate(np.r_[quiet, np.full(6, 0.8)])]  # 4x, still below 1
    assert not any(p.alarm for p in pts[:60]) and pts[-1].alarm and pts[-1].health_index < 1.0
    assert sum(p.onset for p in pts) == 1


def test_monitor_extrapolates_the_peak_to_the_physical_limit() -> None:
    """Through the whole monitor: raising the limit by e adds one growth time constant to the remaining life."""
    from edgewise.apps.maintenance.blocks import Block
    from edgewise.apps.maintenance.monitor import Monitor

    fs, tau = 10_000.0, 300.0
    rng = np.random.default_rng(3)
    healthy = [Block(rng.normal(size=(int(fs), 1)), fs, ("x",), t=float(k)) for k in range(30)]
    growing = [Block(np.exp(k * 10.0 / tau) * rng.normal(size=(int(fs), 1)), fs, ("x",), t=30.0 + 10.0 * k) for k in range(60)]
    last: dict[float, float] = {}
    for limit in (50.0, 50.0 * np.e):
        mon = Monitor.learn("pump", healthy, MaintenanceSettings(failure_peak=limit))
        recs = [r for b in growing for r in mon.process(b) if r["type"] == "health"]
        assert recs[-1]["alarm"] and recs[-1]["rul_s"] is not None
        last[limit] = recs[-1]["rul_s"]
    assert last[50.0 * np.e] - last[50.0] == pytest.approx(tau, rel=0.2)


def test_a_defect_line_too_near_zero_for_the_window_is_not_measured() -> None:
    """0.2 s at 12 kHz has 5 Hz bins: the ~12 Hz cage line of a 6205 at 1797 rpm is left unmeasured, 1 s resolves it."""
    ff = bearing_by_name("6205").frequencies(1797)
    short = compute_features(RNG.normal(size=(4, 2400)), 12000.0, ff)
    long = compute_features(RNG.normal(size=(4, 12000)), 12000.0, ff)
    cage = short.names.index("env_cage")
    assert np.all(short.values[:, cage] == 0.0) and np.all(long.values[:, cage] != 0.0)
    assert np.all(short.values[:, short.names.index("env_outer_race")] != 0.0)
