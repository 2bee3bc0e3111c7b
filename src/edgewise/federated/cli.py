"""``edgewise federate``: simulate a federation, or run its SuperLink / SuperNode / run submission.

torch, transformers and flwr are imported inside the commands, so ``edgewise --help`` stays instant.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from edgewise.config import load_settings

app = typer.Typer(help="Federated fine-tuning on Flower: LoRA adapters trained on every node, raw data kept local.",
                  no_args_is_help=True)
console = Console()

Rounds = Annotated[int, typer.Option("--rounds", "-r", min=1, help="Federated rounds.")]
Nodes = Annotated[int, typer.Option("--nodes", "-n", min=1, help="Nodes (SuperNodes) per round.")]
Dp = Annotated[bool, typer.Option("--dp/--no-dp", help="Client-side adaptive clipping + Gaussian noise, epsilon reported.")]
Name = Annotated[str | None, typer.Option("--name", help="Register the adapter as base+NAME (e.g. maintenance).")]
Strategy = Annotated[str, typer.Option("--strategy", help="fedavg or fedprox.")]
Steps = Annotated[int | None, typer.Option("--local-steps", min=1, help="Optimizer steps per node per round.")]
Noise = Annotated[float | None, typer.Option("--noise", min=0.0, help="DP noise multiplier z.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the run summary as JSON.")]


def _round_line(stats: Any) -> None:
    eps = "" if stats.epsilon is None else f"  epsilon {stats.epsilon:.2f}"
    sent = f"  up {stats.bytes_up / 1e6:.2f} MB  down {stats.bytes_down / 1e6:.2f} MB" if stats.round else ""
    console.print(f"[bold]round {stats.round}[/]  server loss {stats.server_loss:.4f}  ppl {stats.server_ppl:.2f}{sent}{eps}")


def _summary_table(summary: dict[str, Any]) -> Table:
    table = Table("round", "server loss", "nodes' held-out loss", "train loss", "bytes up", "epsilon")
    for r in summary["rounds"]:
        fmt: Callable[[float | None], str] = lambda v: "" if v is None else f"{v:.4f}"  # noqa: E731
        table.add_row(str(r["round"]), fmt(r["server_loss"]), fmt(r["client_eval_loss"]), fmt(r["train_loss"]),
                      f"{r['bytes_up']:,}", "" if r["epsilon"] is None else f"{r['epsilon']:.2f}")
    return table


@app.command("simulate")
def simulate_cmd(
    nodes: Nodes = 3, rounds: Rounds = 2, dp: Dp = False, name: Name = None, strategy: Strategy = "fedavg",
    local_steps: Steps = None, noise: Noise = None, as_json: AsJson = False,
) -> None:
    """Run a whole federation with Flower's simulation engine and register the adapter as NAME."""
    from edgewise.federated.simulate import simulate
    from edgewise.federated.spec import RunSpec

    settings = load_settings()
    spec = RunSpec.from_settings(settings.federated, nodes=nodes, rounds=rounds, dp=dp, export_name=name,
                                 strategy=strategy, local_steps=local_steps, noise_multiplier=noise)
    if not as_json:
        console.print(f"[dim]Simulating {nodes} nodes x {rounds} rounds ({strategy}{', DP' if dp else ''}); "
                      "loading the model on every node takes a while on a CPU...[/]")
    summary = simulate(spec, settings, progress=None if as_json else _round_line)
    if as_json:
        typer.echo(json.dumps(summary, indent=2, default=str))
        return
    console.print(_summary_table(summary))
    console.print(f"sent by the nodes: {summary['bytes_up']:,} bytes; adapter {summary['adapter_params']:,} parameters")
    if summary.get("model_name"):
        console.print(f"registered [bold]{summary['model_name']}[/] -> {summary['adapter_path']}")


@app.command("server")
def server_cmd(
    port: Annotated[int, typer.Option("--port", help="SuperLink port (nodes and `federate run` connect here).")] = 9092,
    host: Annotated[str, typer.Option("--host", help="Address to bind; 0.0.0.0 to serve a fleet.")] = "127.0.0.1",
    database: Annotated[Path | None, typer.Option("--database", help="SuperLink state file (default: in memory).")] = None,
) -> None:
    """Start Flower's SuperLink (foreground). Submit runs with `edgewise federate run`."""
    from edgewise.federated.deploy import flower_env, superlink_argv

    console.print(f"[dim]flower-superlink on {host}:{port}[/]")
    sys.exit(subprocess.call(superlink_argv(host, port, database), env=flower_env()))


@app.command("node")
def node_cmd(
    superlink: Annotated[str, typer.Option("--superlink", help="SuperLink address host:port.")] = "127.0.0.1:9092",
    plant: Annotated[str, typer.Option("--plant", help="Which local maintenance corpus this node holds.")] = "north",
    port: Annotated[int, typer.Option("--port", help="Local ClientAppIo port of this SuperNode.")] = 9094,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="This node's Edgewise data dir.")] = None,
) -> None:
    """Start a Flower SuperNode for this edge node (foreground); its updates leave through the perimeter."""
    from edgewise.federated.deploy import flower_env, supernode_argv

    settings = load_settings(data_dir=data_dir)
    config = {"plant": plant, "data-dir": str(settings.data_dir)}
    console.print(f"[dim]flower-supernode -> {superlink} as plant '{plant}' (data {settings.data_dir})[/]")
    sys.exit(subprocess.call(supernode_argv(superlink, port, config), env=flower_env()))


@app.command("run")
def run_cmd(
    superlink: Annotated[str, typer.Option("--superlink", help="SuperLink address host:port.")] = "127.0.0.1:9092",
    nodes: Nodes = 2, rounds: Rounds = 2, dp: Dp = False, name: Name = None, strategy: Strategy = "fedavg",
    local_steps: Steps = None, as_json: AsJson = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the run.")] = 7200.0,
) -> None:
    """Submit a federation run to a SuperLink (`flwr run`) and wait for it; the server side registers NAME."""
    from edgewise.federated.deploy import DeploymentError, submit_run, wait_for, write_flwr_home
    from edgewise.federated.server_app import read_summary

    settings = load_settings()
    work = settings.data_dir / "federated" / "runs"
    summary = work / f"deploy-{int(time.time())}.json"
    home = write_flwr_home(settings.data_dir / "federated" / "flwr-home", superlink)
    config = {"num-nodes": nodes, "num-rounds": rounds, "dp": dp, "strategy": strategy, "export-name": name or "",
              "summary-path": str(summary), "data-dir": str(settings.data_dir), "local-steps": local_steps}
    code = submit_run(config, home, log=work / "flwr-run.log", timeout_s=120)
    if code == 0:
        console.print(f"[dim]run submitted to {superlink}; waiting for the server to write {summary}[/]")
    if code != 0 or not wait_for(summary, timeout):
        raise DeploymentError(f"The run did not finish (flwr exit code {code}); see {work / 'flwr-run.log'}.")
    data = read_summary(summary)
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
    else:
        console.print(_summary_table(data))


@app.command("policy")
def policy_cmd(
    url: Annotated[str, typer.Argument(help="The SuperLink's URL, e.g. https://superlink.example.org:9092.")],
) -> None:
    """Print the egress-policy entry a node needs so its model updates may leave."""
    from edgewise.federated.gate import federation_policy

    typer.echo(federation_policy(url))


__all__ = ["app"]
