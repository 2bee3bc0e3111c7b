"""The quality metrics on known distributions (no model needed)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from edgewise.optimize.metrics import LOGPROB_DTYPE, Accumulator, chunk_tokens, log_softmax, scored_span


def _rng_logits(n: int = 6, v: int = 50, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 3, size=(n, v)).astype(np.float32)


def test_identical_distributions_give_zero_kl_and_full_agreement() -> None:
    lp = log_softmax(_rng_logits())
    acc = Accumulator()
    acc.add(lp, np.arange(6), lp.astype(LOGPROB_DTYPE))
    r = acc.result()
    assert r.kld_mean == 0.0 and r.kld_p99 == 0.0
    assert r.top1_agreement == 1.0


def test_uniform_model_has_perplexity_equal_to_vocabulary_size() -> None:
    acc = Accumulator()
    acc.add(log_softmax(np.zeros((10, 64), dtype=np.float32)), np.arange(10), None)
    assert acc.result().perplexity == pytest.approx(64.0, rel=1e-5)
    assert acc.result().kld_mean is None


def test_different_distributions_give_positive_kl_matching_the_closed_form() -> None:
    ref = log_softmax(np.log(np.array([[0.5, 0.25, 0.25]], dtype=np.float32)))
    cand = log_softmax(np.log(np.array([[0.25, 0.5, 0.25]], dtype=np.float32)))
    acc = Accumulator()
    acc.add(cand, np.array([0]), ref.astype(LOGPROB_DTYPE))
    expected = 0.5 * math.log(2) + 0.25 * math.log(0.5)
    assert acc.result().kld_mean == pytest.approx(expected, abs=1e-3)
    assert acc.result().top1_agreement == 0.0


def test_scored_span_is_the_second_half_like_llama_perplexity() -> None:
    assert scored_span(512) == (256, 511)
    assert scored_span(7) == (3, 6)


def test_chunks_start_with_bos_and_refuse_short_text() -> None:
    chunks = chunk_tokens(list(range(100, 130)), 8, 10, bos=2)
    assert len(chunks) == 3 and all(c[0] == 2 and len(c) == 8 for c in chunks)
    assert chunks[1][1:] == list(range(109, 116))
    with pytest.raises(ValueError):
        chunk_tokens([1, 2, 3], 8, 1, bos=2)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float32, (3, 17), elements=st.floats(-80, 80, width=32)))
def test_log_softmax_rows_are_normalized(logits: np.ndarray) -> None:
    lp = log_softmax(logits)
    assert np.all(lp <= 1e-6)
    assert np.allclose(np.exp(lp.astype(np.float64)).sum(axis=1), 1.0, atol=1e-4)
