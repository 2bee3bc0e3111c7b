"""What the router decides and returns, and the small interfaces it depends on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from edgewise.engine.types import Completion, SamplingParams, Usage
from edgewise.perimeter.types import DataClass

Where = Literal["local", "cloud"]
Hint = Literal["auto", "local", "cloud"]

#: Why a request was answered where it was (also the ``reason`` label in /metrics).
REASONS = (
    "hint_local",  # the caller asked for local
    "policy",  # the request's data class may not leave (to this destination)
    "no_cloud",  # no cloud endpoint configured
    "offline",  # the cloud failed recently: stay local for a while
    "hint_cloud",  # the caller asked for the cloud and the policy allows it
    "context_too_long",  # the prompt does not fit the local model
    "confident",  # the local draft's confidence reached the threshold
    "low_confidence",  # the local draft was too unsure: cloud answered
    "cloud_failed",  # the cloud call failed: the local draft answered
)


@dataclass(frozen=True)
class Decision:
    where: Where
    reason: str
    data_class: DataClass
    confidence: float | None = None
    threshold: float | None = None
    prompt_tokens: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "reason": self.reason,
            "data_class": self.data_class.value,
            "confidence": self.confidence,
            "threshold": self.threshold,
        }


@dataclass
class RoutedAnswer:
    """The answer the user sees (re-identified if it came from the cloud) and how it was decided."""

    text: str
    finish_reason: str
    usage: Usage
    decision: Decision
    local_draft: Completion | None = None
    redactions: dict[str, int] = field(default_factory=dict)


class ChatEngine(Protocol):
    """The part of the local engine the router needs."""

    n_ctx: int

    def tokenize(self, text: str, *, special: bool = True) -> list[int]: ...

    def chat(self, messages: list[dict[str, Any]], params: SamplingParams | None = None) -> Completion: ...


@dataclass
class CloudReply:
    text: str
    finish_reason: str
    usage: Usage


class CloudChat(Protocol):
    """Sends messages to the cloud model through the perimeter gateway (pseudonymized there) and re-identifies the reply."""

    def allowed(self, data_class: DataClass) -> bool: ...

    def chat(self, messages: list[dict[str, Any]], params: SamplingParams, data_class: DataClass) -> CloudReply: ...


__all__ = ["REASONS", "ChatEngine", "CloudChat", "CloudReply", "Decision", "Hint", "RoutedAnswer", "Where"]
