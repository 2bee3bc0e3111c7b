"""``edgewise run``: one prompt, tokens streamed to the terminal, no server needed."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

console = Console(stderr=True)


def run(
    prompt: Annotated[str, typer.Argument(help="The prompt ('-' reads standard input).")],
    model: Annotated[str | None, typer.Option("--model", "-m", help="Registered model name or .gguf path.")] = None,
    max_tokens: Annotated[int, typer.Option("--max-tokens", "-n", min=1, help="Most tokens to generate.")] = 256,
    temperature: Annotated[float, typer.Option("--temperature", "-t", min=0.0, max=2.0, help="0 = greedy.")] = 0.8,
    seed: Annotated[int | None, typer.Option(help="Sampling seed, for repeatable output.")] = None,
    raw: Annotated[bool, typer.Option("--raw", help="Plain completion of the prompt, without the chat format.")] = False,
    system: Annotated[str | None, typer.Option(help="System message (chat mode).")] = None,
    threads: Annotated[int | None, typer.Option(help="CPU threads.")] = None,
) -> None:
    """Generate from one prompt and stream the tokens to the terminal."""
    from edgewise.config import load_settings
    from edgewise.engine.manager import open_engine
    from edgewise.engine.types import SamplingParams

    if prompt == "-":
        prompt = sys.stdin.read()
    settings = load_settings(model=model, threads=threads, parallel=1)
    with console.status("Loading the model..."):
        engine = open_engine(settings, progress=lambda m: console.print(f"[dim]{m}[/]"))
    with engine:
        params = SamplingParams(temperature=temperature, max_tokens=max_tokens, seed=seed)
        if raw:
            text, params = prompt, params
        else:
            messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
            text, params = engine.chat_params(messages, params)
        last = None
        for chunk in engine.stream(text, params):
            sys.stdout.write(chunk.text)
            sys.stdout.flush()
            last = chunk
        sys.stdout.write("\n")
        if last is not None and last.usage is not None and last.time_to_first_token is not None:
            console.print(
                f"[dim]{last.usage.prompt_tokens} prompt tokens, {last.usage.completion_tokens} generated, "
                f"first token after {last.time_to_first_token * 1000:.0f} ms, finish: {last.finish_reason}[/]"
            )


def register(app: typer.Typer) -> None:
    app.command("run")(run)


__all__ = ["register", "run"]
