"""Edgewise: generative AI at the edge, where the data is created.

The package is split into subsystems (``engine``, ``models``, ``server``,
``perimeter``, ``uplink``, ``cloud``, ``router``, ``federated``, ``optimize``,
``apps``). Import them directly; this top level stays light so that
``edgewise --help`` is instant.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
