from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers_node import Node, start_node

API_KEY = "test-key-0123456789"


@pytest.fixture(scope="package")
def node(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[Node]:
    """One real `edgewise serve` on loopback for the whole server test package (API key on)."""
    data = tmp_path_factory.mktemp("node-data")
    (data / "models").mkdir()
    for f in (model_path, model_path.with_suffix(".verified")):
        (data / "models" / f.name).symlink_to(f)
    n = start_node(data, api_key=API_KEY, args=("--parallel", "4", "--ctx", "1024", "--threads", "2"))
    yield n
    n.stop()
    log = n.log.read_text()
    assert "Traceback" not in log, f"the node logged a traceback:\n{log[-4000:]}"


@pytest.fixture()
def client(node: Node):  # type: ignore[no-untyped-def]
    from openai import OpenAI

    return OpenAI(base_url=node.url + "/v1", api_key=API_KEY, max_retries=0, timeout=600)


@pytest.fixture()
def aclient(node: Node):  # type: ignore[no-untyped-def]
    from openai import AsyncOpenAI

    return AsyncOpenAI(base_url=node.url + "/v1", api_key=API_KEY, max_retries=0, timeout=600)
