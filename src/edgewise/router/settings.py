"""Settings of the hybrid local/cloud router (``[router]``, ``EDGEWISE_ROUTER__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from edgewise.perimeter.types import DataClass


class RouterSettings(BaseModel):
    enabled: bool = Field(False, description="Route chat requests between the local model and a cloud model.")
    cloud_url: str | None = Field(None, description="Base URL of an OpenAI-compatible API, e.g. https://host/v1.")
    cloud_api_key: SecretStr | None = Field(None, description="Bearer key of the cloud API.")
    cloud_model: str = Field("gemma-3-270m", description="Model name sent to the cloud API.")
    destination: str = Field("cloud-llm", description="Destination name of the cloud API in the perimeter policy.")
    data_class: DataClass = Field(
        DataClass.REDACTED_PROMPT,
        description="Class of a chat prompt once pseudonymized; a request may only narrow it (e.g. raw_text: never leaves).",
    )
    confidence_threshold: float | None = Field(
        None, description="Mean token log-probability below which the draft is too unsure (default: the calibrated value)."
    )
    draft_max_tokens: int = Field(96, ge=1, description="Longest local draft judged by its confidence.")
    max_local_prompt_tokens: int | None = Field(
        None, description="Prompts longer than this go to the cloud when allowed (default: the local context minus the draft)."
    )
    cloud_timeout_s: float = Field(60.0, gt=0)
    offline_retry_s: float = Field(30.0, ge=0, description="After a failed cloud call, stay local this long.")


__all__ = ["RouterSettings"]
