"""Quantized variants of the embedded model: they run in the edge node and measure sanely."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgewise.optimize.evaluate import EvalConfig, Evaluator
from edgewise.models.gguf_header import read_scalars
from edgewise.optimize.reference import is_full_precision

SMALL = EvalConfig(n_ctx=64, n_chunks=2, threads=2, speed=False)


def test_reference_is_f16_and_derived_from_the_shipped_file(reference_f16: Path) -> None:
    fields = read_scalars(reference_f16)
    assert fields["general.file_type"] == 1
    assert "dequantized" in fields["general.name"]
    assert is_full_precision(reference_f16)


@pytest.mark.parametrize("qtype,ftype", [("Q8_0", 7), ("Q4_0", 2)])
def test_quantized_variant_has_the_type_and_runs_in_the_edge_node(quantized: dict[str, Path], qtype: str,
                                                                  ftype: int) -> None:
    from edgewise.config import load_settings
    from edgewise.optimize.smoke import generate_with_engine

    assert read_scalars(quantized[qtype])["general.file_type"] == ftype
    text, n = generate_with_engine(load_settings(threads=2), quantized[qtype], max_tokens=6)
    assert n > 0 and text.strip()


@pytest.fixture(scope="module")
def evaluator(reference_f16: Path, eval_text: str, tmp_path_factory: pytest.TempPathFactory) -> Evaluator:
    return Evaluator(reference_f16, eval_text, "test", tmp_path_factory.mktemp("cache"), SMALL)


def test_reference_against_itself_has_zero_kl_and_full_agreement(evaluator: Evaluator, reference_f16: Path) -> None:
    r = evaluator.evaluate(reference_f16)
    assert r.quality.kld_mean == 0.0
    assert r.quality.top1_agreement == 1.0
    assert 1.0 < r.quality.perplexity < 1000.0
    assert r.n_blocks == 18 and r.quantization == "F16"


def test_coarser_quantization_loses_more(evaluator: Evaluator, quantized: dict[str, Path]) -> None:
    q8 = evaluator.evaluate(quantized["Q8_0"]).quality
    q4 = evaluator.evaluate(quantized["Q4_0"]).quality
    assert 0.0 < q8.kld_mean < q4.kld_mean
    assert q8.top1_agreement >= q4.top1_agreement
    assert q8.tokens == q4.tokens == 2 * (64 - 32 - 1)


def test_speed_probe_reports_tokens_per_second_and_memory(quantized: dict[str, Path]) -> None:
    from edgewise.optimize.speed import measure_speed

    s = measure_speed(quantized["Q4_0"], pp=32, tg=4, threads=2, repeats=1)
    assert s.prompt_tokens_per_s > 0 and s.gen_tokens_per_s > 0
    assert s.peak_rss_bytes > s.weights_bytes > 100 * 2**20
