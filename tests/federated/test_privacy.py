from __future__ import annotations

import math

import pytest

from edgewise.federated.privacy import dp_epsilon


def test_more_noise_less_epsilon_more_rounds_more_epsilon() -> None:
    e1 = dp_epsilon(1.0, rounds=2, sampling_rate=1.0, delta=1e-5)
    assert dp_epsilon(2.0, rounds=2, sampling_rate=1.0, delta=1e-5) < e1 < dp_epsilon(1.0, rounds=5, sampling_rate=1.0, delta=1e-5)
    assert dp_epsilon(1.0, rounds=2, sampling_rate=0.1, delta=1e-5) < e1


def test_gaussian_mechanism_epsilon_is_in_the_textbook_range() -> None:
    # one Gaussian mechanism with z=1 at delta=1e-5: the RDP bound is about 4.5-5.5
    assert 3.0 < dp_epsilon(1.0, rounds=1, sampling_rate=1.0, delta=1e-5) < 6.0


def test_no_noise_means_no_guarantee_and_no_rounds_no_cost() -> None:
    assert math.isinf(dp_epsilon(0.0, rounds=1, sampling_rate=1.0, delta=1e-5))
    assert dp_epsilon(1.0, rounds=0, sampling_rate=1.0, delta=1e-5) == 0.0


@pytest.mark.parametrize("delta", [1e-3, 1e-5, 1e-7])
def test_smaller_delta_costs_more_epsilon(delta: float) -> None:
    assert dp_epsilon(1.0, rounds=3, sampling_rate=1.0, delta=delta / 10) > dp_epsilon(1.0, rounds=3, sampling_rate=1.0, delta=delta)
