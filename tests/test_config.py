"""Settings: where values come from, and what a bad value gets (a ConfigError naming it, never a trace)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewise.config import load_settings
from edgewise.errors import ConfigError
from tests.helpers_cli import edgewise


def test_flags_beat_the_environment_which_beats_the_file(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Path(os.environ["EDGEWISE_CONFIG"]).write_text("ctx = 1024\nport = 9001\n[inspection]\nwindow = 7\n")
    monkeypatch.setenv("EDGEWISE_PORT", "9002")
    s = load_settings(ctx=None)  # an unset flag does not mask the file
    assert (s.ctx, s.port, s.inspection.window) == (1024, 9002, 7)
    assert load_settings(port=9003).port == 9003


@pytest.mark.parametrize(("overrides", "named"), [({"threads": 0}, "'threads' = 0"), ({"ctx": 10}, "'ctx' = 10")])
def test_an_out_of_range_flag_is_a_config_error_naming_it(overrides: dict[str, int], named: str) -> None:
    with pytest.raises(ConfigError, match=named) as err:
        load_settings(**overrides)
    assert "EDGEWISE_*" in err.value.message  # and where settings come from


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=12))
def test_any_environment_value_gives_settings_or_a_config_error(value: str) -> None:
    old = os.environ.get("EDGEWISE_INSPECTION__WINDOW")
    os.environ["EDGEWISE_INSPECTION__WINDOW"] = value
    try:
        try:
            s = load_settings()
        except ConfigError as exc:
            assert "inspection.window" in exc.message
        else:
            assert s.inspection.window >= 5 and int(value.strip()) == s.inspection.window
    finally:
        if old is None:
            del os.environ["EDGEWISE_INSPECTION__WINDOW"]
        else:
            os.environ["EDGEWISE_INSPECTION__WINDOW"] = old


@pytest.mark.parametrize(("text", "env", "message"), [
    ("port = 'abc'\n", {}, "Invalid setting 'port' = 'abc'"),
    ("[inspection\n", {}, "is not valid TOML"),
    ("", {"EDGEWISE_THREADS": "-3"}, "Invalid setting 'threads' = '-3'"),
], ids=["file-value", "file-syntax", "environment"])
def test_the_command_reports_a_bad_setting_without_a_trace(text: str, env: dict[str, str], message: str) -> None:
    Path(os.environ["EDGEWISE_CONFIG"]).write_text(text)
    done = edgewise("models", "list", env=env)
    assert done.returncode == 1 and message in " ".join(done.stderr.split()), done.stderr
    assert "Traceback" not in done.stderr
