"""``edgewise models``: list, add, inspect and remove registered models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from edgewise.config import load_settings

if TYPE_CHECKING:
    from edgewise.models.registry import ModelRegistry

app = typer.Typer(help="Manage the models this node can serve (GGUF files, LoRA adapters, detectors).", no_args_is_help=True)
console = Console()


def _registry() -> ModelRegistry:
    from edgewise.models.registry import ModelRegistry

    settings = load_settings()
    return ModelRegistry(settings.models_dir, progress=lambda msg: console.print(f"[dim]{msg}[/]"))


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


@app.command("list")
def list_models(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """List registered models."""
    entries = _registry().list()
    if as_json:
        typer.echo(json.dumps([e.to_dict() for e in entries], indent=2))
        return
    table = Table("name", "kind", "base", "size", "path")
    for e in entries:
        p = Path(e.path)
        size = _size(p.stat().st_size) if p.is_file() else ("embedded" if e.builtin else "-")
        table.add_row(e.name, e.kind, e.base or "", size, e.path)
    console.print(table)


@app.command("add")
def add_model(
    path: Annotated[Path, typer.Argument(help="A .gguf model or LoRA adapter file.")],
    name: Annotated[str | None, typer.Option("--name", help="Name to serve it as (default: file name).")] = None,
    base: Annotated[str | None, typer.Option("--base", help="For a LoRA adapter: the base model name.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Register a GGUF file (checked by reading its header)."""
    entry = _registry().add(path, name, base=base)
    if as_json:
        typer.echo(json.dumps(entry.to_dict()))
    else:
        console.print(f"added [bold]{entry.name}[/] ({entry.kind}) -> {entry.path}")


@app.command("info")
def model_info(
    name: Annotated[str, typer.Argument(help="Registered model name.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show facts read from the model's GGUF header (for a detector: what it was registered with)."""
    from edgewise.models.gguf_info import read_gguf_info

    reg = _registry()
    entry = reg.get(name)
    if entry.kind != "gguf" and Path(entry.path).is_dir():  # a detector folder: no GGUF header to read
        facts = entry.to_dict()
        if as_json:
            typer.echo(json.dumps(facts, indent=2))
            return
        table = Table("field", "value", show_header=False)
        for key, value in [("name", entry.name), ("registered_kind", entry.kind), ("path", entry.path),
                           *sorted(entry.meta.items())]:
            table.add_row(key, str(value))
        console.print(table)
        return
    info = read_gguf_info(reg.resolve_path(name)).to_dict()
    info["name"] = entry.name
    info["registered_kind"] = entry.kind
    info["base"] = entry.base
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    table = Table("field", "value", show_header=False)
    for key in ("name", "registered_kind", "base", "architecture", "parameter_count", "quantization",
                "file_size", "context_length", "tensor_count", "adapter_type", "lora_alpha", "path"):
        value = info.get(key)
        if key == "file_size" and value is not None:
            value = f"{_size(value)} ({value} bytes)"
        elif key == "parameter_count" and value is not None:
            value = f"{value / 1e6:.1f} M ({value})"
        table.add_row(key, "" if value is None else str(value))
    template = info.get("chat_template")
    table.add_row("chat_template", (template[:200] + "...") if template and len(template) > 200 else (template or "none"))
    console.print(table)


@app.command("remove")
def remove_model(name: Annotated[str, typer.Argument(help="Registered model name.")]) -> None:
    """Forget a model (the file itself is left where it is)."""
    entry = _registry().remove(name)
    console.print(f"removed [bold]{entry.name}[/] (file kept at {entry.path})")
