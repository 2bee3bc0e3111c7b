"""Event reports for the maintenance app: the node's local engine fills a report (:mod:`.fillin`), else the template.

The engine (llama.cpp, the embedded model) is opened lazily on the first
event, so a healthy replay never loads a model; if it cannot be opened the
shared writer's deterministic template is used and the report says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from edgewise.apps.events import Event
from edgewise.apps.maintenance.fillin import write_fillin_report
from edgewise.apps.report import Report, write_report

log = logging.getLogger(__name__)
AUDIENCE = "a maintenance technician at the plant"


class LazyEngine:
    """Opens the engine on first use; ``failed`` remembers why it could not."""

    def __init__(self, model: str | None = None) -> None:
        self.model = model
        self._engine: Any = None
        self.failed: str | None = None

    def get(self) -> Any:
        if self._engine is None and self.failed is None:
            try:
                from edgewise.config import load_settings
                from edgewise.engine import open_engine

                settings = load_settings()
                self._engine = open_engine(settings, model=self.model or settings.model)
            except Exception as exc:  # no model, no llama.cpp: the template still gives a report
                self.failed = f"{type(exc).__name__}: {exc}"
                log.warning("report engine unavailable: %s", self.failed)
        return self._engine

    def close(self) -> None:
        if self._engine is not None and hasattr(self._engine, "close"):
            self._engine.close()
        self._engine = None


def make_reporter(use_llm: bool, model: str | None = None) -> Callable[[Event], Report]:
    """A function event -> report: LLM draft checked against the event, else the template."""
    lazy = LazyEngine(model) if use_llm else None

    def report(event: Event) -> Report:
        engine = lazy.get() if lazy is not None else None
        if engine is not None and callable(getattr(engine, "complete", None)):
            return write_fillin_report(event, engine)  # grammar-bound fields: what a small model gets right
        return write_report(event, engine, audience=AUDIENCE)

    return report


__all__ = ["LazyEngine", "make_reporter"]
