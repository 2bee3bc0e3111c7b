"""OpenAI request models. They validate input (bad values are 400s) and convert themselves to engine parameters."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from edgewise.engine.types import SamplingParams
from edgewise.errors import InvalidRequest

MAX_STOP = 16


class OpenAIBase(BaseModel):
    # Unknown fields are ignored, as most OpenAI-compatible servers do: clients send vendor extras.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class JsonSchemaSpec(OpenAIBase):
    name: str = "response"
    description: str | None = None
    schema_: dict[str, Any] = Field(default_factory=dict, alias="schema")
    strict: bool | None = None


class ResponseFormat(OpenAIBase):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaSpec | None = None

    @model_validator(mode="after")
    def _needs_schema(self) -> ResponseFormat:
        if self.type == "json_schema" and self.json_schema is None:
            raise ValueError("response_format of type 'json_schema' needs a 'json_schema' object")
        return self


class StreamOptions(OpenAIBase):
    include_usage: bool = False


class SamplingFields(OpenAIBase):
    """Fields shared by /v1/completions and /v1/chat/completions."""

    model: str = ""
    max_tokens: int | None = Field(None, ge=1, le=1_000_000)
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    top_p: float | None = Field(None, ge=0.0, le=1.0)
    # llama.cpp / Ollama extensions
    top_k: int | None = Field(None, ge=0, le=1_000_000)
    min_p: float | None = Field(None, ge=0.0, le=1.0)
    repeat_penalty: float | None = Field(None, ge=0.0, le=10.0)
    ignore_eos: bool = False
    cache_prompt: bool = True
    n: int = Field(1, ge=1, le=128)
    stream: bool = False
    stream_options: StreamOptions | None = None
    stop: str | list[str] | None = None
    seed: int | None = Field(None, ge=-(2**63), le=2**64 - 1)
    presence_penalty: float = Field(0.0, ge=-2.0, le=2.0)
    frequency_penalty: float = Field(0.0, ge=-2.0, le=2.0)
    user: str | None = None

    @field_validator("n")
    @classmethod
    def _only_one(cls, v: int) -> int:
        if v != 1:
            raise ValueError("only n=1 is supported; send several requests for several choices")
        return v

    @field_validator("stop")
    @classmethod
    def _stops(cls, v: str | list[str] | None) -> str | list[str] | None:
        if isinstance(v, list) and len(v) > MAX_STOP:
            raise ValueError(f"at most {MAX_STOP} stop sequences")
        return v

    def stop_list(self) -> tuple[str, ...]:
        if self.stop is None:
            return ()
        return (self.stop,) if isinstance(self.stop, str) else tuple(self.stop)

    def sampling(self, *, max_tokens: int | None, grammar: str | None, logprobs: bool, extra_stop: tuple[str, ...] = ()) -> SamplingParams:
        d = SamplingParams()
        return SamplingParams(
            temperature=d.temperature if self.temperature is None else self.temperature,
            top_p=d.top_p if self.top_p is None else self.top_p,
            top_k=d.top_k if self.top_k is None else self.top_k,
            min_p=d.min_p if self.min_p is None else self.min_p,
            repeat_penalty=d.repeat_penalty if self.repeat_penalty is None else self.repeat_penalty,
            presence_penalty=self.presence_penalty,
            frequency_penalty=self.frequency_penalty,
            seed=None if self.seed is None else self.seed & 0xFFFFFFFF,
            max_tokens=max_tokens,
            stop=self.stop_list() + extra_stop,
            grammar=grammar,
            logprobs=logprobs,
            ignore_eos=self.ignore_eos,
            stop_at_json_end=grammar is not None,
            cache_prompt=self.cache_prompt,
        )


class ChatMessage(OpenAIBase):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None


class ChatCompletionRequest(SamplingFields):
    messages: list[ChatMessage] = Field(..., min_length=1)
    max_completion_tokens: int | None = Field(None, ge=1, le=1_000_000)
    response_format: ResponseFormat | None = None
    logprobs: bool = False
    top_logprobs: int | None = Field(None, ge=0, le=20)
    tools: list[dict[str, Any]] | None = None

    @model_validator(mode="after")
    def _unsupported(self) -> ChatCompletionRequest:
        if self.top_logprobs:
            raise ValueError("top_logprobs > 0 is not supported; use logprobs=true for the sampled tokens")
        if self.tools:
            raise ValueError("tool calling is not supported by this node")
        return self

    @property
    def limit(self) -> int | None:
        return self.max_completion_tokens if self.max_completion_tokens is not None else self.max_tokens


class CompletionRequest(SamplingFields):
    prompt: str | list[str] | list[int]
    logprobs: int | None = Field(None, ge=0, le=5)
    echo: bool = False
    suffix: str | None = None
    response_format: ResponseFormat | None = None

    @model_validator(mode="after")
    def _unsupported(self) -> CompletionRequest:
        if self.echo:
            raise ValueError("echo is not supported")
        if self.suffix:
            raise ValueError("suffix (fill-in-the-middle) is not supported")
        if self.logprobs:
            raise ValueError("logprobs > 0 (top alternatives) is not supported; use logprobs=0 for the sampled tokens")
        if isinstance(self.prompt, list) and self.prompt and isinstance(self.prompt[0], str) and len(self.prompt) != 1:
            raise ValueError("send one prompt per request (a list of several prompts is not supported)")
        return self

    def prompt_value(self) -> str | list[int]:
        p = self.prompt
        if isinstance(p, list):
            if not p:
                raise InvalidRequest("'prompt' must not be empty.", param="prompt")
            if isinstance(p[0], str):
                return str(p[0])
            if any(not isinstance(t, int) or t < 0 for t in p):
                raise InvalidRequest("'prompt' token ids must be non-negative integers.", param="prompt")
            return [int(t) for t in p]
        return p


__all__ = ["ChatCompletionRequest", "ChatMessage", "CompletionRequest", "ResponseFormat", "SamplingFields"]
