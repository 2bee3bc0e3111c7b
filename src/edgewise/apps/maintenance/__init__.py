"""Predictive maintenance at the edge: vibration streams, a digital twin of normal behaviour,
early warnings, remaining life, and a report written on the device.

Flow: readers / MQTT (:mod:`readers`, :mod:`live`, wire format in :mod:`blocks`)
-> features (:mod:`features`) -> twin (:mod:`twin`) -> health index, alarm,
remaining life (:mod:`health`) -> events (:mod:`mevents`) -> report
(:mod:`reporting`, shared :mod:`edgewise.apps.report`) -> uplink through the
gateway (:mod:`edgewise.apps.publish`). :mod:`monitor` ties them together for
one asset; :mod:`replay` runs a recording; :mod:`cli` is ``edgewise maintenance``.

This module stays import-light (settings only); import submodules directly.
"""

from __future__ import annotations

from edgewise.apps.maintenance.settings import MaintenanceSettings

__all__ = ["MaintenanceSettings"]
