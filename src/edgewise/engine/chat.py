"""Turn a list of chat messages into one prompt string for a completion model.

A GGUF may carry its own Jinja chat template (``tokenizer.chat_template``); we
render it in a sandbox, as llama.cpp and Ollama do. The embedded Gemma 3 270M is
a *base* model without a template, so for the ``gemma*`` architectures we fall
back to Gemma's own turn markers (the tokens exist in its vocabulary), and to
ChatML for anything else. The stop markers of each format are returned too, so
the engine ends a turn where the format says it ends.
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


def _gemma(messages: list[dict[str, Any]]) -> ChatPrompt:
    # Gemma has no system role: the system text is prefixed to the first user turn.
    system = "\n\n".join(message_text(m.get("content")) for m in messages if m.get("role") in ("system", "developer"))
    parts: list[str] = []
    first_user = True
    for m in messages:
        role = m.get("role")
        if role in ("system", "developer"):
            continue
        text = message_text(m.get("content"))
        if role == "user" and first_user and system:
            text = f"{system}\n\n{text}"
        if role == "user":
            first_user = False
        turn = "model" if role == "assistant" else "user"
        parts.append(f"<start_of_turn>{turn}\n{text}<end_of_turn>\n")
    if first_user and system:  # only a system message
        parts.append(f"<start_of_turn>user\n{system}<end_of_turn>\n")
    parts.append("<start_of_turn>model\n")
    return ChatPrompt("".join(parts), ("<end_of_turn>", "<start_of_turn>"))


def _chatml(messages: list[dict[str, Any]]) -> ChatPrompt:
    parts = [f"<|im_start|>{m.get('role')}\n{message_text(m.get('content'))}<|im_end|>\n" for m in messages]
    parts.append("<|im_start|>assistant\n")
    return ChatPrompt("".join(parts), ("<|im_end|>", "<|im_start|>"))


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
    messages: list[dict[str, Any]], *, architecture: str, template: str | None = None, bos: str = "", eos: str = ""
) -> ChatPrompt:
    if not messages:
        raise InvalidRequest("'messages' must hold at least one message.", param="messages")
    for m in messages:
        if m.get("role") not in ("system", "developer", "user", "assistant", "tool"):
            raise InvalidRequest(f"Unknown message role {m.get('role')!r}.", param="messages")
    if template:
        return _jinja(template, messages, bos, eos)
    if architecture.startswith("gemma"):
        return _gemma(messages)
    return _chatml(messages)


__all__ = ["ChatPrompt", "format_chat", "message_text"]
