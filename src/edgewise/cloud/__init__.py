"""The cloud collector: receives node batches idempotently, authenticates nodes, shows the fleet.

``edgewise cloud serve`` runs :func:`build_collector_app`; storage is
:class:`CollectorStore` (SQLAlchemy: SQLite by default, PostgreSQL by URL).
"""

from __future__ import annotations

from edgewise.cloud.settings import CloudSettings

__all__ = ["CloudSettings"]
