"""Settings of the cloud collector (``[cloud]`` in the config file, ``EDGEWISE_CLOUD__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr


class CloudSettings(BaseModel):
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL (e.g. postgresql+psycopg://user@host/db); default: SQLite in <data_dir>/cloud/.",
    )
    host: str = Field("127.0.0.1", description="Address the collector binds to.")
    port: int = Field(8090, ge=0, le=65535)
    admin_token: SecretStr | None = Field(None, description="If set, the fleet view and message export need it.")
    max_body_bytes: int = Field(8 * 1024 * 1024, ge=1024, description="Largest compressed batch accepted.")
    max_batch_bytes: int = Field(64 * 1024 * 1024, ge=1024, description="Largest batch once decompressed.")


__all__ = ["CloudSettings"]
