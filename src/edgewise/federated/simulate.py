"""Run a whole federation on this machine with Flower's simulation engine (Ray).

Every virtual SuperNode runs the real ClientApp (same code, same perimeter mod)
in a Ray actor; the ServerApp runs in this process. Actors inherit this
process's environment, so they use the same Edgewise data dir.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from edgewise.config import Settings
from edgewise.errors import EdgewiseError
from edgewise.federated.spec import RunSpec


class FederationFailed(EdgewiseError):
    code = "federation_failed"


def simulate(spec: RunSpec, settings: Settings, *, progress: Any = None, cpus_per_node: float = 1.0) -> dict[str, Any]:
    """Run ``spec`` in simulation; returns the run summary (also written to ``spec.summary_path``)."""
    from flwr.simulation import run_simulation

    from edgewise.federated.client_app import app as client_app
    from edgewise.federated.server_app import make_server_app, read_summary

    summary = spec.summary_path or settings.data_dir / "federated" / "runs" / f"sim-{int(time.time())}.json"
    summary.unlink(missing_ok=True)
    spec = spec.model_copy(update={"summary_path": summary, "data_dir": spec.data_dir or settings.data_dir})
    os.environ.setdefault("EDGEWISE_DATA_DIR", str(settings.data_dir))  # Ray actors inherit it
    verbose = bool(os.environ.get("EDGEWISE_FLWR_VERBOSE"))
    if not verbose:
        logging.getLogger("flwr").setLevel(logging.WARNING)
    backend = {
        "client_resources": {"num_cpus": cpus_per_node, "num_gpus": 0.0},
        "init_args": {"num_cpus": max(1, os.cpu_count() or 1), "include_dashboard": False, "logging_level": "ERROR",
                      "_node_ip_address": "127.0.0.1"},  # keep Ray on loopback
    }
    run_simulation(make_server_app(spec, progress=progress), client_app, num_supernodes=spec.nodes,
                   backend_config=backend, verbose_logging=verbose)  # type: ignore[arg-type]
    if not Path(summary).exists():
        raise FederationFailed("The simulated federation did not finish; run with EDGEWISE_FLWR_VERBOSE=1 and read Flower's log.")
    return read_summary(Path(summary))


__all__ = ["FederationFailed", "simulate"]
