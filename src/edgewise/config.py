"""One settings object for the whole node.

Precedence, lowest first: built-in defaults < the TOML config file <
``EDGEWISE_*`` environment variables < explicit keyword arguments (which is how
the CLI passes its flags). The config file is ``$EDGEWISE_CONFIG`` if set, else
``config.toml`` in the XDG config directory. Nested sections use ``__`` in
environment variables (``EDGEWISE_PERIMETER__POLICY_FILE``) and TOML tables
(``[perimeter]``) in the file.

The data directory (models, vault, ledger, outbox, keys) is ``data_dir``:
``$EDGEWISE_DATA_DIR`` or the XDG data directory (``~/.local/share/edgewise``).
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator
from edgewise.federated.settings import FederatedSettings
from edgewise.cloud.settings import CloudSettings
from edgewise.router.settings import RouterSettings
from edgewise.uplink.settings import UplinkSettings
from edgewise.apps.inspection.settings import InspectionSettings
from edgewise.perimeter.settings import PerimeterSettings
from edgewise.apps.maintenance.settings import MaintenanceSettings
from edgewise.optimize.settings import OptimizeSettings
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from edgewise.errors import ConfigError

APP_NAME = "edgewise"
DEFAULT_MODEL = "gemma-3-270m"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def config_file_path() -> Path:
    """Where the TOML config file is read from (it need not exist)."""
    env = os.environ.get("EDGEWISE_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


class Settings(BaseSettings):
    """Every knob of an Edgewise node, typed and documented."""

    model_config = SettingsConfigDict(
        env_prefix="EDGEWISE_",
        env_nested_delimiter="__",
        extra="ignore",
        validate_default=True,
    )

    data_dir: Path = Field(default_factory=default_data_dir, description="Models, vault, ledger, outbox, keys.")
    # --- serving -------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address the HTTP API binds to.")
    port: int = Field(8080, ge=0, le=65535, description="TCP port of the HTTP API (0 picks a free one).")
    model: str = Field(DEFAULT_MODEL, description="Registered model name (or a GGUF path) served by default.")
    threads: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, description="CPU threads for llama.cpp.")
    ctx: int = Field(4096, ge=64, description="Context length per sequence, in tokens.")
    parallel: int = Field(8, ge=1, le=64, description="Sequences decoded together (continuous batching slots).")
    batch: int = Field(512, ge=16, description="Most tokens submitted to llama.cpp in one decode step.")
    max_queue: int = Field(256, ge=1, description="Requests waiting for a slot before new ones get 503.")
    api_key: SecretStr | None = Field(None, description="If set, every /v1 route needs 'Authorization: Bearer <key>'.")
    max_body_bytes: int = Field(8 * 1024 * 1024, ge=1024, description="Largest accepted request body.")
    log_level: str = Field("info", description="uvicorn / edgewise log level.")
    federated: FederatedSettings = Field(default_factory=FederatedSettings)
    uplink: UplinkSettings = Field(default_factory=UplinkSettings)
    cloud: CloudSettings = Field(default_factory=CloudSettings)
    router: RouterSettings = Field(default_factory=RouterSettings)
    inspection: InspectionSettings = Field(default_factory=InspectionSettings)
    perimeter: PerimeterSettings = Field(default_factory=PerimeterSettings)
    maintenance: MaintenanceSettings = Field(default_factory=MaintenanceSettings)
    optimize: OptimizeSettings = Field(default_factory=OptimizeSettings)

    @field_validator("data_dir", mode="after")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file_path())
        return (init_settings, env_settings, toml)

    # --- derived paths ---------------------------------------------------------
    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir


def load_settings(**overrides: Any) -> Settings:
    """Build settings; ``None`` overrides are dropped so CLI defaults do not mask env/file.

    A value out of range (from a flag, an ``EDGEWISE_*`` variable or the file) or a config file that is not
    TOML raises :class:`ConfigError` naming the setting and where settings come from, not a validation trace.
    """
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"'{'.'.join(map(str, e['loc']))}' = {e['input']!r}: {e['msg']}" if e["type"] != "missing"
            else f"'{'.'.join(map(str, e['loc']))}': {e['msg']}"
            for e in exc.errors()
        )
        raise ConfigError(f"Invalid setting {problems}. Settings come from command-line flags, EDGEWISE_* "
                          f"environment variables and {config_file_path()}; fix the value there.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The config file {config_file_path()} is not valid TOML ({exc}); fix or remove it.") from None


def write_secret(path: Path, data: bytes) -> None:
    """Write a secret file readable by its owner only (mode 600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, stat.S_IRUSR | stat.S_IWUSR)
    os.replace(tmp, path)


__all__ = ["DEFAULT_MODEL", "Settings", "config_file_path", "default_data_dir", "load_settings", "write_secret"]
