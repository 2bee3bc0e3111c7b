"""The declarative egress policy: which destinations, which data classes, how big, redacted or not.

A TOML file, validated when loaded; anything not explicitly allowed is refused::

    version = 1

    [[destination]]
    name = "collector"                          # what callers pass to Gateway.send
    url = "https://collector.example.org/v1"   # requests may go to this URL or below it
    classes = ["summary", "event", "metrics", "report"]
    max_bytes = 262144                          # default 1 MiB
    redact = true                               # PII redaction before sending (default true)

``raw_text``, ``raw_sensor``, ``image`` and ``audio`` may never leave: a policy
that lists them is rejected at load, and the gateway checks again at send time.
Plain ``http://`` is accepted only for loopback hosts (a local test collector).
"""

from __future__ import annotations

import ipaddress
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from edgewise.perimeter.errors import PolicyError
from edgewise.perimeter.types import FORBIDDEN, DataClass


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Destination(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")
    url: str
    classes: frozenset[DataClass] = Field(min_length=1)
    max_bytes: int = Field(1024 * 1024, ge=1, le=512 * 1024 * 1024)
    redact: bool = True

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        parts = urlsplit(v)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("must be an absolute http(s) URL")
        if parts.scheme == "http" and not is_loopback_host(parts.hostname):
            raise ValueError("plain http is allowed only for loopback hosts; use https")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError("must not carry credentials, a query or a fragment")
        return v.rstrip("/")

    @field_validator("classes")
    @classmethod
    def _never_forbidden(cls, v: frozenset[DataClass]) -> frozenset[DataClass]:
        bad = sorted(c.value for c in v & FORBIDDEN)
        if bad:
            raise ValueError(f"{', '.join(bad)} may never leave the node, whatever the policy says")
        return v

    def target(self, path: str = "") -> str:
        """The URL for ``path`` below this destination; refuses paths that climb out of it."""
        if not path:
            return self.url
        if not path.startswith("/") or ".." in path.split("/") or "//" in path or any(c in path for c in "?#\\@"):
            raise ValueError(f"path {path!r} is not a plain sub-path")
        return self.url + path


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(1, ge=1, le=1)
    destination: tuple[Destination, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> Policy:
        names = [d.name for d in self.destination]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"destination names must be unique: {', '.join(dupes)}")
        return self

    def find(self, destination: str) -> Destination | None:
        """By name, or by a URL equal to or below a destination's URL."""
        for d in self.destination:
            if destination == d.name:
                return d
        for d in self.destination:
            if destination == d.url or destination.startswith(d.url + "/"):
                return d
        return None


DENY_ALL = Policy()


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: not valid TOML ({exc}). Fix the file; until then nothing leaves the node.") from exc
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PolicyError(
            f"{source}: {where}: {first['msg']} ({exc.error_count()} problem(s)). Fix the file; until then nothing leaves the node."
        ) from exc


def load_policy(path: Path) -> Policy:
    """The policy in ``path``; a missing file is the deny-all policy (fail closed), a broken one an error."""
    if not path.is_file():
        return DENY_ALL
    return parse_policy(path.read_text(encoding="utf-8"), str(path))


__all__ = ["DENY_ALL", "Destination", "Policy", "is_loopback_host", "load_policy", "parse_policy"]
