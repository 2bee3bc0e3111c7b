"""The app publisher: only events, reports and summaries pass; bytes are counted."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from edgewise.apps.publish import Publisher
from edgewise.apps.report import write_report
from edgewise.perimeter.types import DataClass, EgressRefused, Receipt

from .test_events import make_event


class RecordingGateway:
    """A gateway that records what it is handed (the real one lives in perimeter/)."""

    def __init__(self, refuse: set[DataClass] | None = None) -> None:
        self.sent: list[tuple[str, DataClass, Any]] = []
        self.refuse = refuse or set()

    def send(self, destination: str, data_class: DataClass, payload: bytes | str | dict[str, Any]) -> Receipt:
        if data_class in self.refuse:
            raise EgressRefused("policy")
        body = json.dumps(payload).encode()
        self.sent.append((destination, data_class, payload))
        return Receipt(destination, data_class, len(body), hashlib.sha256(body).hexdigest())


def test_events_reports_summaries_pass_and_are_counted() -> None:
    gw = RecordingGateway()
    pub = Publisher(gw, "cloud")
    ev = make_event()
    pub.count_raw(10_000_000)
    pub.publish_event(ev)
    pub.publish_report(write_report(ev))
    pub.publish_summary({"asset": "Bearing1_1", "health_index": 0.3})
    assert [c for _, c, _ in gw.sent] == [DataClass.EVENT, DataClass.REPORT, DataClass.SUMMARY]
    assert pub.stats.bytes_sent == sum(len(json.dumps(p).encode()) for _, _, p in gw.sent)
    assert pub.stats.ratio is not None and pub.stats.ratio > 1000


@pytest.mark.parametrize("cls", [DataClass.RAW_SENSOR, DataClass.IMAGE, DataClass.RAW_TEXT, DataClass.AUDIO])
def test_raw_classes_never_reach_the_gateway(cls: DataClass) -> None:
    gw = RecordingGateway()
    with pytest.raises(EgressRefused):
        Publisher(gw).publish({"samples": [0.1, 0.2]}, cls)
    assert gw.sent == []


def test_refusal_is_counted_not_raised() -> None:
    pub = Publisher(RecordingGateway(refuse={DataClass.EVENT}))
    assert pub.publish_event(make_event()) is None
    assert pub.stats.refused == 1 and pub.stats.bytes_sent == 0


def test_dry_run_counts_would_be_bytes() -> None:
    pub = Publisher(None)
    ev = make_event()
    pub.publish_event(ev)
    assert pub.stats.dry_run and pub.stats.bytes_sent == len(ev.model_dump_json().encode())
