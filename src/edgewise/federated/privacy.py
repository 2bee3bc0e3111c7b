"""Privacy accounting for user-level (node-level) DP-FedAvg.

Flower's DP wrappers clip and add the noise but do not account for it; the
epsilon comes from Google's ``dp-accounting`` RDP accountant. Each round is a
Gaussian mechanism with noise multiplier ``z`` over the clipped node updates,
applied to a sample of nodes drawn with probability ``q`` (Poisson sampling is the
standard analysis; with ``q = 1`` every node takes part). With adaptive clipping
(Andrew et al. 2019) Flower splits ``z`` between the update noise and the noise on
the clipped-count bit so that the total privacy cost equals that of one Gaussian
mechanism with multiplier ``z``, which is what is accounted here.
"""

from __future__ import annotations

import math


def dp_epsilon(noise_multiplier: float, *, rounds: int, sampling_rate: float, delta: float) -> float:
    """Epsilon reached after ``rounds`` rounds at ``delta`` (``inf`` without noise)."""
    if rounds <= 0:
        return 0.0
    if noise_multiplier <= 0:
        return math.inf
    import dp_accounting
    from dp_accounting.rdp import rdp_privacy_accountant

    accountant = rdp_privacy_accountant.RdpAccountant()
    event = dp_accounting.PoissonSampledDpEvent(sampling_rate, dp_accounting.GaussianDpEvent(noise_multiplier))
    accountant.compose(dp_accounting.SelfComposedDpEvent(event, rounds))
    return float(accountant.get_epsilon(delta))


__all__ = ["dp_epsilon"]
