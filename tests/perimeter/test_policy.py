"""The egress policy: validated at load, fail closed, forbidden classes impossible to allow."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgewise.perimeter.errors import PolicyError
from edgewise.perimeter.policy import DENY_ALL, load_policy, parse_policy
from edgewise.perimeter.types import FORBIDDEN, DataClass

GOOD = """
version = 1
[[destination]]
name = "collector"
url = "https://collector.example.org/v1/"
classes = ["summary", "event"]
max_bytes = 2048
redact = true
"""


def _one(url: str = "https://c.example.org/v1", classes: str = '["event"]', extra: str = "") -> str:
    return f'[[destination]]\nname = "c"\nurl = "{url}"\nclasses = {classes}\n{extra}'


def test_a_valid_policy_loads() -> None:
    pol = parse_policy(GOOD)
    dest = pol.find("collector")
    assert dest is not None
    assert dest.url == "https://collector.example.org/v1"
    assert dest.classes == {DataClass.SUMMARY, DataClass.EVENT}
    assert pol.find("https://collector.example.org/v1/batches") is dest
    assert pol.find("https://collector.example.org/v10") is None
    assert pol.find("other") is None


def test_a_missing_file_allows_nothing(tmp_path: Path) -> None:
    assert load_policy(tmp_path / "absent.toml") == DENY_ALL


@pytest.mark.parametrize("forbidden", sorted(c.value for c in FORBIDDEN))
def test_a_policy_that_allows_a_forbidden_class_is_rejected(forbidden: str) -> None:
    with pytest.raises(PolicyError, match="may never leave"):
        parse_policy(_one(classes=f'["event", "{forbidden}"]'))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[[destination]\nname=", "not valid TOML"),
        (_one(classes='["gossip"]'), "classes"),
        (_one(classes="[]"), "classes"),
        (_one(url="http://collector.example.org/v1"), "loopback"),
        (_one(url="ftp://collector.example.org"), "http"),
        (_one(url="https://user:pw@c.example.org"), "credentials"),
        (_one(extra="max_bytes = 0"), "max_bytes"),
        (_one(extra="surprise = 1"), "surprise"),
        (_one() + "\n" + _one(), "unique"),
    ],
)
def test_invalid_policies_fail_with_a_clear_error(text: str, fragment: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "policy.toml")
    assert fragment in info.value.message
    assert "nothing leaves the node" in info.value.message


def test_loopback_http_is_accepted_for_local_collectors() -> None:
    assert parse_policy(_one(url="http://127.0.0.1:8000/ingest")).destination[0].url == "http://127.0.0.1:8000/ingest"


@pytest.mark.parametrize("path", ["/../admin", "/a/../../b", "//evil.example.org", "/x?y=1", "/x#f", "/x@evil", "a"])
def test_paths_cannot_escape_the_destination(path: str) -> None:
    dest = parse_policy(_one()).destination[0]
    with pytest.raises(ValueError):
        dest.target(path)
