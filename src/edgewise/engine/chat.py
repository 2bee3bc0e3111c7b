"""Turn a list of chat messages into one prompt string for a completion model.

A GGUF may carry its own Jinja chat template (``tokenizer.chat_template``); we
render it in a sandbox, as llama.cpp and Ollama do. A GGUF without one is a
completion (base) model, like the embedded Gemma 3 270M: it gets a plain
transcript. The stop markers of each format are returned too, so the engine
ends a turn where the format says it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from edgewise.errors import InvalidRequest


@dataclass(frozen=True)
class ChatPrompt:
    text: str
    stop: tuple[str, ...]


def message_text(content: Any) -> str:
    """The text of a message ``content``: a string or OpenAI content parts of type ``text``."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
                out.append(part["text"])
            else:
                kind = part.get("type") if isinstance(part, dict) else type(part).__name__
                raise InvalidRequest(f"Content part of type '{kind}' is not supported: send text parts only.", param="messages")
        return "".join(out)
    raise InvalidRequest("Message content must be a string or a list of text parts.", param="messages")


def _transcript(messages: list[dict[str, Any]]) -> ChatPrompt:
    """A plain ``User:`` / ``Assistant:`` transcript for base models without a chat template.

    Measured on the embedded Gemma 3 270M (a base model): Gemma's own turn markers
    make it echo the question, while a plain transcript gets answers such as
    "The capital of France is Paris." The next speaker label is the stop marker.
    """
    system = "\n\n".join(message_text(m.get("content")) for m in messages if m.get("role") in ("system", "developer"))
    parts = [f"{system}\n\n"] if system else []
    for m in messages:
        role = m.get("role")
        if role in ("system", "developer"):
            continue
        label = "Assistant" if role == "assistant" else "User"
        parts.append(f"{label}: {message_text(m.get('content')).strip()}\n")
    parts.append("Assistant:")
    return ChatPrompt("".join(parts), ("\nUser:", "\nAssistant:"))


def _jinja(template: str, messages: list[dict[str, Any]], bos: str, eos: str) -> ChatPrompt:
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, loader=jinja2.BaseLoader())

    def raise_exception(msg: str) -> None:
        raise InvalidRequest(f"The model's chat template refused the messages: {msg}", param="messages")

    try:
        text = env.from_string(template).render(
            messages=[{**m, "content": message_text(m.get("content"))} for m in messages],
            bos_token="",  # the tokenizer adds BOS itself
            eos_token=eos,
            add_generation_prompt=True,
            raise_exception=raise_exception,
        )
    except jinja2.TemplateError as exc:
        raise InvalidRequest(f"The model's chat template failed: {exc}", param="messages") from exc
    return ChatPrompt(text, (eos,) if eos else ())


def format_chat(
    messages: list[dict[str, Any]], *, template: str | None = None, bos: str = "", eos: str = ""
) -> ChatPrompt:
    if not messages:
        raise InvalidRequest("'messages' must hold at least one message.", param="messages")
    for m in messages:
        if m.get("role") not in ("system", "developer", "user", "assistant", "tool"):
            raise InvalidRequest(f"Unknown message role {m.get('role')!r}.", param="messages")
    if template:
        return _jinja(template, messages, bos, eos)
    return _transcript(messages)


__all__ = ["ChatPrompt", "format_chat", "message_text"]
