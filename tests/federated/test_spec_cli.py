"""Run configuration, Flower command lines and the `edgewise federate` commands that need no model."""

from __future__ import annotations

import tomllib
from pathlib import Path

from typer.testing import CliRunner

from edgewise.cli import app
from edgewise.federated.deploy import node_config_arg, run_config_arg, submit_argv, supernode_argv, write_flwr_home
from edgewise.federated.settings import FederatedSettings
from edgewise.federated.spec import RunSpec
from edgewise.perimeter.policy import parse_policy
from edgewise.perimeter.types import DataClass


def test_run_config_maps_flower_keys_and_ignores_empty_strings() -> None:
    spec = RunSpec.from_run_config({"num-rounds": 5, "num-nodes": 3, "dp": True, "export-name": "", "local-steps": 2,
                                    "unknown-key": 1}, FederatedSettings(learning_rate=0.01))
    assert (spec.rounds, spec.nodes, spec.dp, spec.export_name, spec.local_steps, spec.lr) == (5, 3, True, None, 2, 0.01)
    assert spec.train_config()["proximal-mu"] == 0.0  # only FedProx sends a proximal term


def test_flower_app_declares_every_run_config_key() -> None:
    app_toml = Path(__file__).resolve().parents[2] / "src/edgewise/federated/flwr_app/pyproject.toml"
    data = tomllib.loads(app_toml.read_text())
    assert data["tool"]["flwr"]["app"]["components"]["serverapp"] == "edgewise.federated.server_app:app"
    keys = set(data["tool"]["flwr"]["app"]["config"])
    spec = RunSpec.from_run_config(data["tool"]["flwr"]["app"]["config"], FederatedSettings())
    assert spec.rounds == 2 and spec.export_name is None and spec.data_dir is None
    assert {"num-rounds", "num-nodes", "dp", "strategy", "export-name", "summary-path"} <= keys


def test_flower_command_lines_quote_strings_as_toml() -> None:
    assert node_config_arg({"plant": "north", "n-train": 4}) == 'plant="north" n-train=4'
    assert run_config_arg({"dp": True, "export-name": "m", "x": None}) == 'dp=true export-name="m"'
    argv = supernode_argv("127.0.0.1:9", 1234, {"plant": "delta"})
    assert argv[:2] == ["flower-supernode", "--insecure"] and "127.0.0.1:9" in argv and "1234" in argv
    assert submit_argv({"num-rounds": 1})[:2] == ["flwr", "run"]


def test_flwr_home_names_the_superlink(tmp_path: Path) -> None:
    home = write_flwr_home(tmp_path / "flwr", "127.0.0.1:4242")
    conf = tomllib.loads((home / "config.toml").read_text())
    assert conf["superlink"]["default"] == "edgewise" and conf["superlink"]["edgewise"]["address"] == "127.0.0.1:4242"


def test_policy_command_prints_a_valid_policy_entry() -> None:
    result = CliRunner().invoke(app, ["federate", "policy", "http://127.0.0.1:9092"])
    assert result.exit_code == 0
    policy = parse_policy("version = 1\n" + result.output)
    dest = policy.find("federation")
    assert dest is not None and DataClass.MODEL_UPDATE in dest.classes and not dest.redact


def test_federate_help_lists_the_commands() -> None:
    result = CliRunner().invoke(app, ["federate", "--help"])
    assert result.exit_code == 0
    for cmd in ("simulate", "server", "node", "run", "policy"):
        assert cmd in result.output
