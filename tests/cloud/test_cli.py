"""`edgewise cloud ...` through the installed command: a database it cannot open is a clear error."""

from __future__ import annotations

import pytest

from tests.helpers_cli import edgewise
from tests.helpers_node import free_port


@pytest.mark.parametrize("kind", ["no-server", "unknown-driver", "not-a-url", "no-folder"])
def test_a_database_it_cannot_open_is_named_without_its_password(kind: str) -> None:
    url = {
        "no-server": f"postgresql+psycopg://edge:s3cret-pw@127.0.0.1:{free_port()}/collector",
        "unknown-driver": "nonsense://edge:s3cret-pw@x/db",
        "not-a-url": "s3cret-pw",
        "no-folder": "sqlite:////nonexistent-edgewise-dir/collector.db",
    }[kind]
    done = edgewise("cloud", "token", "add", "pump-7", "--database-url", url)
    err = " ".join(done.stderr.split())
    assert done.returncode == 1 and "Cannot open the collector database" in err and "Traceback" not in err, done.stderr
    assert "s3cret-pw" not in err  # a URL that parses is shown with its password hidden
    assert "ewn_" not in done.stdout  # no token was issued
