"""Hybrid routing of chat requests between the local model and a cloud model.

:class:`~edgewise.router.hybrid.HybridRouter` decides per request from the
policy, an explicit hint, the local draft's confidence, the prompt length and
cloud reachability; cloud calls go out pseudonymized through the perimeter
gateway and answers are re-identified on the device.
"""

from __future__ import annotations

from edgewise.router.settings import RouterSettings

__all__ = ["RouterSettings"]
