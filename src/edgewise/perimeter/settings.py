"""Node-level settings of the perimeter (TOML ``[perimeter]``, ``EDGEWISE_PERIMETER__*``).

The egress *policy* (destinations, classes, limits) is a separate, declarative
file (``policy.py``) because it is reviewed by whoever signs off data flows;
these settings only say where things live and how detection behaves.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, field_validator


class CustomPattern(BaseModel):
    """An extra recognizer: a regular expression and the entity type it reports."""

    name: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,40}$", description="Entity type, e.g. EMPLOYEE_ID.")
    regex: str

    @field_validator("regex")
    @classmethod
    def _compiles(cls, v: str) -> str:
        import re

        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from exc
        return v


class PerimeterSettings(BaseModel):
    policy_file: Path | None = Field(
        None, description="Egress policy TOML; default <data_dir>/perimeter/policy.toml. Missing file = nothing may leave."
    )
    detection_timeout_s: float = Field(2.0, gt=0, le=60, description="Detection slower than this fails closed.")
    send_timeout_s: float = Field(15.0, gt=0, le=600, description="HTTP timeout of one egress request.")
    ner: bool = Field(True, description="Use the shipped NER model for names, organisations and places.")
    ner_model: Path | None = Field(None, description="Another spaCy NER model directory (default: the shipped one).")
    max_input_chars: int = Field(2_000_000, ge=1024, description="Longer inputs are refused (bounded time).")
    checkpoint_every: int = Field(32, ge=1, description="Sign a ledger checkpoint after this many records.")
    custom_patterns: list[CustomPattern] = Field(default_factory=list, description="Extra regex recognizers.")
    deny_list: list[str] = Field(default_factory=list, description="Terms always redacted (type DENY_LIST), case-insensitive.")

    def dir(self, data_dir: Path) -> Path:
        return data_dir / "perimeter"

    def resolved_policy_file(self, data_dir: Path) -> Path:
        return self.policy_file.expanduser() if self.policy_file else self.dir(data_dir) / "policy.toml"


__all__ = ["CustomPattern", "PerimeterSettings"]
