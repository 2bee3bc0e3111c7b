"""Vibration features of one channel, computed for many windows at once.

What a vibration engineer reads, all oriented so that *larger means worse*
(the twin treats a fall, e.g. the run-in of a new bearing, as normal):

* overall: log RMS, log peak, log kurtosis, log crest factor;
* spectrum: log RMS in six bands (octaves of the Nyquist band, so the layout
  follows the sampling rate);
* impulsiveness per band: log spectral kurtosis of the analytic band signal
  (a Gaussian band gives 2, impacts more) in the four upper bands;
* bearing lines (only when geometry and shaft speed are known): the envelope
  spectrum of the most impulsive band, read at 1-3 x each defect frequency
  (outer race, inner race, ball, cage) as log(peak / local median); a line the
  window is too short to resolve is not measured.

Two roles (:func:`is_severity`): level and impulsiveness features (overall,
upper three bands, spectral kurtosis) make the health index, as alarm levels
do in vibration practice; the low bands and the bearing lines are diagnosis:
they go into an event's evidence and name the faulty component, but a change
of spectral shape alone (a run-in, a load change) does not raise an alarm.

Everything is vectorised over windows with NumPy FFTs: no per-sample Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft as sfft

from edgewise.apps.maintenance.bearings import FAULTS

BAND_EDGES = (0.0, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1.0)  # fractions of Nyquist
SK_BANDS = (2, 3, 4, 5)  # indices of the bands whose spectral kurtosis is a feature
HARMONICS = 3
MIN_LINE_BINS = 3  # a defect line nearer 0 Hz than this many bins is not measured (see _fault_snr)
_EPS = 1e-12


#: Features that locate a change (spectral shape, bearing lines) but do not, alone, mean damage:
#: low bands follow the rotor (unbalance, alignment, a run-in) and a line can rise while levels fall.
DIAGNOSTIC_PREFIXES = ("log_band0", "log_band1", "log_band2", "env_")


def is_severity(name: str) -> bool:
    """Whether a feature counts in the health index (level and impulsiveness) or only as diagnosis."""
    return not name.startswith(DIAGNOSTIC_PREFIXES)


def feature_names(with_faults: bool) -> list[str]:
    names = ["log_rms", "log_peak", "log_kurtosis", "log_crest"]
    names += [f"log_band{i}_rms" for i in range(len(BAND_EDGES) - 1)]
    names += [f"log_sk_band{i}" for i in SK_BANDS]
    if with_faults:
        names += [f"env_{f}" for f in FAULTS]
    return names


@dataclass(frozen=True)
class FeatureSet:
    """Features of ``W`` windows of one channel: ``values[w, k]`` for ``names[k]``."""

    names: list[str]
    values: np.ndarray


def frame(x: np.ndarray, n: int) -> np.ndarray:
    """Cut a 1-D signal into non-overlapping windows of ``n`` samples (the tail is dropped)."""
    w = len(x) // n
    return x[: w * n].reshape(w, n)


def _bands(n: int) -> list[tuple[int, int]]:
    nb = n // 2 + 1
    idx = [int(round(e * (nb - 1))) for e in BAND_EDGES]
    return [(lo, max(hi, lo + 1)) for lo, hi in zip(idx[:-1], idx[1:], strict=True)]


def _fault_snr(env_spec: np.ndarray, fs: float, n: int, freqs: dict[str, float], slip: float) -> np.ndarray:
    """log(peak / median) of the envelope spectrum around h x f, averaged over harmonics, per fault.

    A defect frequency below ``MIN_LINE_BINS`` frequency bins of the window is not measured (left at 0,
    "no line"): the first bins of an envelope spectrum hold the leakage of its mean and any slow drift
    of the amplitude, so a "line" there says nothing about the bearing. On 0.2-s windows (5 Hz bins)
    this is the cage line of a 30 Hz shaft (~12 Hz), which otherwise named the cage on CWRU outer-race
    windows; longer windows resolve it.
    """
    df = fs / n
    out = np.zeros((env_spec.shape[0], len(FAULTS)))
    top = min(env_spec.shape[1] - 1, int(1.2 * HARMONICS * max(freqs.values()) / df) + 2)
    floor = np.median(env_spec[:, 1 : max(top, 3)], axis=1) + _EPS
    for k, fault in enumerate(FAULTS):
        if freqs[fault] < MIN_LINE_BINS * df:
            continue
        acc = np.zeros(env_spec.shape[0])
        used = 0
        for h in range(1, HARMONICS + 1):
            f = h * freqs[fault]
            lo, hi = int(np.floor(f * (1 - slip) / df)), int(np.ceil(f * (1 + slip) / df)) + 1
            lo, hi = max(lo, 1), min(hi, env_spec.shape[1])
            if lo >= hi:
                continue
            acc += np.log(env_spec[:, lo:hi].max(axis=1) / floor)
            used += 1
        out[:, k] = acc / max(used, 1)
    return out


def _band_signals(spec: np.ndarray, lo: int, hi: int, length: int) -> np.ndarray:
    """Squared magnitude of the analytic signal of bins [lo, hi), shifted to base band.

    Shifting a band to 0 Hz leaves its envelope unchanged, so the inverse FFT only
    needs ``length`` >= hi - lo points instead of the window length: this is what
    keeps the pipeline fast. The result is sampled at ``length * df``.
    """
    buf = np.zeros((spec.shape[0], length), dtype=np.complex64)
    buf[:, : hi - lo] = spec[:, lo:hi]
    z = sfft.ifft(buf, axis=1, workers=1)
    power: np.ndarray = z.real**2 + z.imag**2
    return power


def compute_features(
    windows: np.ndarray, fs: float, fault_freqs: dict[str, float] | None = None, slip: float = 0.03
) -> FeatureSet:
    """Features of each row of ``windows`` (shape ``(W, n)``), sampled at ``fs`` Hz."""
    x = (windows - windows.mean(axis=1, keepdims=True)).astype(np.float32)
    w, n = x.shape
    x2 = x * x
    rms = np.sqrt(np.mean(x2, axis=1, dtype=np.float64)) + _EPS
    peak = np.abs(x).max(axis=1).astype(np.float64) + _EPS
    kurt = np.mean(x2 * x2, axis=1, dtype=np.float64) / rms**4
    spec = sfft.rfft(x, axis=1, workers=1)
    power = (spec.real**2 + spec.imag**2).astype(np.float64) * (2.0 / (n * n))
    bands = _bands(n)
    band_rms = np.stack([np.sqrt(power[:, lo:hi].sum(axis=1)) for lo, hi in bands], axis=1) + _EPS
    df = fs / n
    env_bins = int(1.2 * HARMONICS * max(fault_freqs.values()) / df) + 4 if fault_freqs else 0
    sk = np.empty((w, len(SK_BANDS)))
    mags: list[np.ndarray] = []
    for j, b in enumerate(SK_BANDS):
        lo, hi = bands[b]
        mag2 = _band_signals(spec, lo, hi, max(hi - lo, 2 * env_bins))
        sk[:, j] = np.mean(mag2 * mag2, axis=1) / (np.mean(mag2, axis=1) ** 2 + _EPS) + _EPS
        mags.append(mag2)
    cols = [np.log(rms), np.log(peak), np.log(kurt + _EPS), np.log(peak / rms), *np.log(band_rms).T, *np.log(sk).T]
    if fault_freqs:
        best = np.argmax(sk, axis=1)  # the most impulsive band of each window carries the bearing impacts
        env_spec = np.zeros((w, env_bins))
        for j in range(len(SK_BANDS)):
            rows = np.flatnonzero(best == j)
            if rows.size:
                env = np.sqrt(mags[j][rows])
                env -= env.mean(axis=1, keepdims=True)
                env_spec[rows] = np.abs(sfft.rfft(env, axis=1, workers=1))[:, :env_bins]
        cols += list(_fault_snr(env_spec, fs, n, fault_freqs, slip).T)
    return FeatureSet(feature_names(bool(fault_freqs)), np.column_stack(cols))


__all__ = ["BAND_EDGES", "DIAGNOSTIC_PREFIXES", "FeatureSet", "compute_features", "feature_names", "frame", "is_severity"]
