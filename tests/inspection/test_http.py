"""`POST /v1/inspection/images` on a real `edgewise serve` process (loopback, API key on)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers_node import Node, start_node
from tests.inspection.test_imaging import png_header_only

API_KEY = "inspect-key-0123456789"
MAX_UPLOAD = 300_000
URL = "/v1/inspection/images"


@pytest.fixture(scope="module")
def line_folder(tmp_path_factory: pytest.TempPathFactory, trained) -> Path:  # type: ignore[no-untyped-def]
    """A copy of the session detector that the recalibration test changes while the node serves it."""
    return Path(shutil.copytree(trained[1], tmp_path_factory.mktemp("line") / "tiles-line"))


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory, model_path: Path, trained, line_folder: Path) -> Iterator[Node]:  # type: ignore[no-untyped-def]
    from edgewise.models import ModelRegistry

    data = tmp_path_factory.mktemp("inspect-node")
    (data / "models").mkdir()
    for f in (model_path, model_path.with_suffix(".verified")):
        (data / "models" / f.name).symlink_to(f)
    ModelRegistry(data / "models").add(trained[1], "tiles", kind="detector")
    ModelRegistry(data / "models").add(line_folder, "tiles-line", kind="detector")
    (data / "config.toml").write_text(
        f'[inspection]\ndetector = "tiles"\nstation = "press-3"\nmax_upload_bytes = {MAX_UPLOAD}\n'
    )
    n = start_node(data, api_key=API_KEY, args=("--parallel", "2", "--ctx", "1024", "--threads", "1"), timeout=300)
    yield n
    n.stop()
    log = n.log.read_text()
    assert "Traceback" not in log, f"the node logged a traceback:\n{log[-4000:]}"


@pytest.fixture()
def http(node: Node) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=node.url, headers=node.headers(), timeout=60) as c:
        yield c


def test_a_good_tile_gets_a_verdict(http: httpx.Client, tiles) -> None:  # type: ignore[no-untyped-def]
    r = http.post(URL, content=tiles.good[0].read_bytes(), headers={"content-type": "image/jpeg", "x-image-name": "g.jpg"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verdict"] in ("pass", "reject") and body["detector"] == "tiles" and body["station"] == "press-3"
    assert body["image"] == "g.jpg" and body["latency_ms"] > 0 and body["threshold"] > 0


def test_the_running_node_judges_with_a_recalibrated_threshold(http: httpx.Client, line_folder: Path, tiles) -> None:  # type: ignore[no-untyped-def]
    from edgewise.apps.inspection.calibration import recalibrate

    def threshold() -> float:
        r = http.post(URL, params={"model": "tiles-line"}, content=tiles.good[0].read_bytes(), headers={"content-type": "image/jpeg"})
        assert r.status_code == 200, r.text
        assert r.json()["detector"] == "tiles-line"  # the name it is registered as, not the one it was trained under
        return float(r.json()["threshold"])

    before = threshold()
    change = recalibrate(line_folder, tiles.good + tiles.calibrate, false_reject_rate=0.2)
    assert change.before.threshold == pytest.approx(before, abs=1e-4)
    assert threshold() == pytest.approx(change.after.threshold, abs=1e-4) != before  # no restart
    stations = {s["detector"]: s for s in http.get("/v1/inspection/summary").json()["stations"]}
    assert stations["tiles-line"]["threshold"] == pytest.approx(change.after.threshold, abs=1e-4)  # the summary's too


def test_a_defect_upload_is_rejected_with_an_event(http: httpx.Client, tiles) -> None:  # type: ignore[no-untyped-def]
    path = tiles.defects[0]
    r = http.post(URL, files={"file": (path.name, path.read_bytes(), "image/jpeg")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verdict"] == "reject" and body["boxes"] and body["defect_area_px"] > 0
    (event,) = body["events"]
    assert event["kind"] == "inspection.reject" and event["source"]["station"] == "press-3"
    assert event["score"] == body["score"] and event["part"] == path.name


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"", 400, "invalid_image"),
        (b"hello, not a picture", 400, "invalid_image"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 100, 400, "invalid_image"),
        (png_header_only(50_000, 50_000), 413, "image_too_large"),
        (b"\xff" * (MAX_UPLOAD + 1), 413, "image_too_large"),
    ],
    ids=["empty", "text", "broken-jpeg", "pixel-bomb", "over-upload-limit"],
)
def test_bad_uploads_get_4xx_and_the_node_keeps_serving(http: httpx.Client, tiles, data: bytes, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    r = http.post(URL, content=data, headers={"content-type": "application/octet-stream"})
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code and r.json()["error"]["message"]
    ok = http.post(URL, content=tiles.good[1].read_bytes(), headers={"content-type": "image/jpeg"})
    assert ok.status_code == 200


def test_a_form_without_a_file_or_with_two_and_an_unknown_detector(http: httpx.Client, tiles) -> None:  # type: ignore[no-untyped-def]
    assert http.post(URL, data={"x": "1"}).status_code == 400
    def inspected() -> dict[str, int]:
        return {s["detector"]: s["inspected"] for s in http.get("/v1/inspection/summary").json()["stations"]}

    before = inspected()
    two = [("a", ("a.jpg", tiles.good[0].read_bytes(), "image/jpeg")), ("b", ("b.jpg", tiles.defects[0].read_bytes(), "image/jpeg"))]
    r = http.post(URL, files=two)  # neither is judged: the second part must not be dropped silently
    assert r.status_code == 400 and "2 files" in r.json()["error"]["message"]
    assert inspected() == before
    r = http.post(URL, params={"model": "nope"}, content=tiles.good[0].read_bytes())
    assert r.status_code == 404 and r.json()["error"]["code"] in ("model_not_found", "detector_not_found")


def test_the_api_key_is_required(node: Node, tiles) -> None:  # type: ignore[no-untyped-def]
    data = tiles.good[0].read_bytes()
    assert httpx.post(node.url + URL, content=data, timeout=30).status_code == 401
    assert httpx.post(node.url + URL, content=data, headers={"Authorization": "Bearer wrong"}, timeout=30).status_code == 401


def test_summary_and_metrics_count_parts(http: httpx.Client, tiles) -> None:  # type: ignore[no-untyped-def]
    http.post(URL, content=tiles.good[0].read_bytes())
    stations = http.get("/v1/inspection/summary").json()["stations"]  # one per detector in use
    assert stations and all(s["inspected"] >= 1 and s["image_bytes_seen"] > 0 for s in stations)
    assert all(s["inspected"] == sum(s["score_histogram"]) for s in stations)
    assert "edgewise_inspection_parts_total" in http.get("/metrics").text
