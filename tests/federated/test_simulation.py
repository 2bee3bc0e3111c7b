"""A small federation in Flower's simulation engine, run by `edgewise federate simulate`: trains, moves only arrays, exports, serves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from flwr.app import Array

from edgewise.config import load_settings
from edgewise.models import ModelRegistry, read_gguf_info
from edgewise.perimeter.service import Perimeter


@pytest.mark.slow
@pytest.mark.timeout(2400)
def test_simulated_federation_end_to_end(fed_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from edgewise.engine import SamplingParams, open_engine
    from edgewise.federated.corpus import make_partition

    # through the command a user types, in its own process (Flower's simulation engine starts Ray there)
    for key, value in {"CORPUS_TRAIN": "4", "CORPUS_HELDOUT": "2", "BATCH_SIZE": "1", "MAX_LENGTH": "96",
                       "LEARNING_RATE": "5e-3"}.items():
        monkeypatch.setenv(f"EDGEWISE_FEDERATED__{key}", value)
    cmd = [str(Path(sys.executable).parent / "edgewise"), "federate", "simulate", "--nodes", "2", "--rounds", "2",
           "--local-steps", "1", "--name", "maintenance", "--json"]
    proc = subprocess.run(cmd, env=os.environ.copy(), capture_output=True, text=True, timeout=2000)
    assert proc.returncode == 0, proc.stderr[-3000:]
    start = proc.stdout.index("{")  # Ray may print worker lines around the JSON document
    summary, _ = json.JSONDecoder().raw_decode(proc.stdout[start:])
    settings = load_settings()

    # every round ran, the nodes evaluated after each training round
    assert [r["round"] for r in summary["rounds"]] == [0, 1, 2]
    assert all(r["client_eval_loss"] is not None for r in summary["rounds"][1:])
    # exactly the adapter went up: 2 nodes x the serialized arrays, every round
    final = dict(np.load(Path(summary["spec"]["summary_path"]).with_suffix(".npz")))
    per_node = sum(len(Array(v).data) for v in final.values())
    assert [r["bytes_up"] for r in summary["rounds"][1:]] == [2 * per_node, 2 * per_node]

    # the perimeter ledger shows every update (and evaluation metrics), nothing else
    records = [r.public() for r in Perimeter(settings).ledger.records(limit=100)]
    updates = [r for r in records if r["data_class"] == "model_update"]
    assert len(updates) == 4 and all(r["decision"] == "sent" for r in updates)
    wire = sum(len(k.encode()) + 1 + len(Array(v).data) for k, v in final.items())
    assert {r["bytes"] for r in updates} == {wire}
    assert {r["data_class"] for r in records} == {"model_update", "metrics"}

    # the adapter is registered, is a GGUF LoRA, and changes what the edge runtime says
    name = "gemma-3-270m+maintenance"
    entry = ModelRegistry(settings.models_dir).get(name)
    assert read_gguf_info(entry.path).adapter_type == "lora"
    prompt = make_partition("north", n_train=4, n_heldout=2).heldout[0].prompt
    params = SamplingParams(temperature=0, max_tokens=24, stop=("\n",), seed=0)
    with open_engine(settings, model="gemma-3-270m") as base:
        before = base.complete(prompt, params).text
    with open_engine(settings, model=name) as adapted:
        after = adapted.complete(prompt, params).text
    assert before != after
