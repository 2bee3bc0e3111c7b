"""Pseudonymization is consistent, reversible on the device only, and the vault keeps values encrypted."""

from __future__ import annotations

import stat
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from edgewise.config import load_settings
from edgewise.perimeter.detector import PiiDetector
from edgewise.perimeter.errors import VaultSessionNotFound
from edgewise.perimeter.service import Perimeter

IDENTIFIERS = ["jane.roe@example.org", "+44 20 7946 0958", "4111 1111 1111 1111", "DE89370400440532013000",
               "078-05-1120", "192.168.1.20", "00:1A:2B:3C:4D:5E", "https://intranet.example.org/p/1", "Jane Roe"]


@pytest.fixture
def perimeter(structured_detector: PiiDetector) -> Iterator[Perimeter]:
    p = Perimeter.from_settings(load_settings(), detector=structured_detector)
    yield p
    p.close()


@pytest.fixture
def perimeter_ner(detector: PiiDetector) -> Iterator[Perimeter]:
    p = Perimeter.from_settings(load_settings(), detector=detector)
    yield p
    p.close()


def test_same_value_same_placeholder_within_a_request(perimeter: Perimeter) -> None:
    red = perimeter.redact(text="a@example.org, b@example.org, then A@EXAMPLE.ORG again, and 4111111111111111")
    assert red.text == "<EMAIL_1>, <EMAIL_2>, then <EMAIL_1> again, and <CREDIT_CARD_1>"
    assert [e.placeholder for e in red.entities] == ["<EMAIL_1>", "<EMAIL_2>", "<EMAIL_1>", "<CREDIT_CARD_1>"]


def test_entity_offsets_point_into_the_original(perimeter: Perimeter) -> None:
    text = "Contact: jane.roe@example.org today"
    red = perimeter.redact(text=text)
    (e,) = red.entities
    assert (e.type, e.start, e.end) == ("EMAIL", 9, 29) and text[e.start : e.end] == "jane.roe@example.org"


def test_redaction_result_never_shows_originals_in_its_repr(perimeter: Perimeter) -> None:
    red = perimeter.redact(text="jane.roe@example.org")
    assert "jane.roe" not in repr(red)


def test_placeholders_already_in_the_text_are_not_reused(perimeter: Perimeter) -> None:
    text = "literal <EMAIL_1> then jane.roe@example.org"
    red = perimeter.pseudonymize(text=text)
    assert red.text == "literal <EMAIL_1> then <EMAIL_2>"
    assert red.session_id is not None
    assert perimeter.reidentify(red.text, red.session_id) == text


@given(parts=st.lists(st.one_of(st.sampled_from(IDENTIFIERS), st.text(alphabet=st.characters(codec="utf-8"), max_size=30)),
                      max_size=8))
@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_round_trip_restores_the_exact_text(perimeter: Perimeter, parts: list[str]) -> None:
    text = " ".join(parts)
    red = perimeter.pseudonymize(text=text)
    assert red.session_id is not None
    assert perimeter.reidentify(red.text or "", red.session_id) == text


def test_round_trip_with_names_from_the_model(perimeter_ner: Perimeter) -> None:
    text = "Please ask Agnieszka Nowak from Grupa Kowalski in Kraków to call +48 22 123 45 67."
    red = perimeter_ner.pseudonymize(text=text)
    assert "Nowak" not in (red.text or "") and "<PERSON_1>" in (red.text or "")
    assert red.session_id is not None
    assert perimeter_ner.reidentify(red.text or "", red.session_id) == text


def test_json_round_trip(perimeter: Perimeter) -> None:
    value = {"user": {"email": "jane.roe@example.org", "card": 4111111111111111, "ok": True}, "n": [1, 2.5, None]}
    red = perimeter.pseudonymize(json=value)
    assert red.json == {"user": {"email": "<EMAIL_1>", "card": "<CREDIT_CARD_1>", "ok": True}, "n": [1, 2.5, None]}
    assert {e.path for e in red.entities} == {"/user/email", "/user/card"}
    assert red.session_id is not None
    back = perimeter.reidentify_json(red.json, red.session_id)
    assert back["user"]["email"] == "jane.roe@example.org" and back["user"]["card"] == "4111111111111111"


def test_a_cloud_answer_is_reidentified_even_if_the_model_mangles_spacing(perimeter: Perimeter) -> None:
    red = perimeter.pseudonymize(text="Write to jane.roe@example.org")
    assert red.session_id is not None
    assert perimeter.reidentify("Sent to < EMAIL_1 >.", red.session_id) == "Sent to jane.roe@example.org."


def test_unknown_session_is_an_error(perimeter: Perimeter) -> None:
    with pytest.raises(VaultSessionNotFound):
        perimeter.reidentify("<EMAIL_1>", "no-such-session")


def test_vault_stores_values_encrypted_in_owner_only_files(perimeter: Perimeter) -> None:
    perimeter.pseudonymize(text="jane.roe@example.org and 4111111111111111")
    directory = perimeter.vault.directory
    for name in ("vault.key", "vault.sqlite"):
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600
    raw = b"".join(p.read_bytes() for p in directory.glob("vault.sqlite*"))
    assert b"jane.roe" not in raw and b"4111111111111111" not in raw


def test_protocol_fields_of_a_chat_request_survive(perimeter_ner: Perimeter) -> None:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "system", "content": "be brief"},
                                                  {"role": "user", "content": "Email Agnieszka Nowak at a.nowak@poczta.pl"}]}
    red = perimeter_ner.redact(json=body)
    assert red.json["model"] == "gpt-4o-mini"
    assert [m["role"] for m in red.json["messages"]] == ["system", "user"]
    assert "a.nowak@poczta.pl" not in str(red.json) and "Nowak" not in str(red.json)
