from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cloud.pg import postgres_cluster


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    with postgres_cluster() as url:
        yield url
