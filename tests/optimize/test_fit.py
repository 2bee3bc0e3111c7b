"""Choosing a variant for a device, and device profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewise.optimize.errors import NoFittingVariant, UnsupportedModel
from edgewise.optimize.fit import DeviceProfile, ProfileStore, parse_size, recommend


def _row(name: str, rss: float, tg: float, kld: float, ppl_delta: float = 1.0) -> dict[str, Any]:
    return {"name": name, "quantization": name, "size_mib": rss - 100, "peak_rss_mib": rss, "tg_tok_s": tg,
            "pp_tok_s": 10 * tg, "kld_mean": kld, "top1_agreement": 1 - kld, "ppl_delta_pct": ppl_delta}


ROWS = [_row("F16", 700, 20, 0.0), _row("Q8_0", 450, 35, 0.003), _row("Q4_0", 330, 50, 0.05),
        _row("Q2_K", 300, 60, 0.6, 80.0)]


def test_fastest_variant_within_all_limits_is_chosen_with_reasons_for_the_rest() -> None:
    res = recommend(ROWS, DeviceProfile(memory_bytes=parse_size("512MB"), min_tokens_per_s=25, max_kld=0.1))
    assert res.chosen["name"] == "Q4_0"
    rejected = dict(res.rejected)
    assert "peak memory" in rejected["F16"][0] and "KL" in rejected["Q2_K"][0]
    assert "Q8_0" in res.explanation  # the best-quality alternative is named


def test_tight_quality_budget_trades_speed_for_quality() -> None:
    res = recommend(ROWS, DeviceProfile(memory_bytes=parse_size("1GB"), max_kld=0.01))
    assert res.chosen["name"] == "Q8_0"


def test_impossible_budget_raises_with_what_each_variant_missed() -> None:
    with pytest.raises(NoFittingVariant, match="Q2_K"):
        recommend(ROWS, DeviceProfile(memory_bytes=parse_size("100MB")))


def test_profiles_round_trip(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "devices.json")
    store.save(DeviceProfile(name="pi5", memory_bytes=parse_size("4GiB"), threads=4, min_tokens_per_s=10))
    assert store.get("pi5").threads == 4
    with pytest.raises(UnsupportedModel):
        store.get("nope")


@pytest.mark.parametrize("text,expected", [("512MB", 512 * 2**20), ("1.5GiB", int(1.5 * 2**30)), ("800M", 800 * 2**20),
                                           ("2048", 2048), ("64 kb", 64 * 1024)])
def test_parse_size(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@given(st.text(max_size=12))
def test_parse_size_never_crashes_on_junk(text: str) -> None:
    try:
        assert parse_size(text) >= 0
    except UnsupportedModel:
        pass
