"""The engine in-process, on the real embedded model: batching, prefix cache, cancel, grammar, limits."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
import time
from collections.abc import Iterator

import pytest

from edgewise.config import load_settings
from edgewise.engine import SamplingParams, open_engine
from edgewise.engine.grammar import json_schema_grammar
from edgewise.engine.local import LocalEngine
from edgewise.errors import ContextLengthExceeded, InvalidRequest, InvalidSchema

GREEDY = SamplingParams(temperature=0, max_tokens=16)


@pytest.fixture(scope="module")
def engine(model_path) -> Iterator[LocalEngine]:  # type: ignore[no-untyped-def]
    settings = load_settings(model=str(model_path), parallel=4, ctx=512, threads=2)
    with open_engine(settings) as eng:
        yield eng


FRESH = replace(GREEDY, cache_prompt=False)


def test_greedy_is_deterministic(engine: LocalEngine) -> None:
    a = engine.complete("The quick brown fox", FRESH)
    b = engine.complete("The quick brown fox", FRESH)
    assert a.text == b.text and a.text.strip()
    assert a.usage.completion_tokens == 16 and a.finish_reason == "length"


def test_prefix_cache_reuses_kv_and_keeps_output(engine: LocalEngine) -> None:
    prompt = "Bearing 3 shows rising kurtosis on the vertical channel. " * 8
    first = engine.complete(prompt, GREEDY)
    second = engine.complete(prompt, GREEDY)
    third = engine.complete(prompt, GREEDY)
    assert second.usage.cached_tokens >= second.usage.prompt_tokens - 1
    assert second.text == third.text  # cached logits are stable (not bit-identical to a fresh prefill)
    assert engine.complete(prompt, FRESH).usage.cached_tokens == 0
    extended = engine.complete(prompt + "Therefore", GREEDY)
    assert extended.usage.cached_tokens >= first.usage.prompt_tokens - 1


def test_concurrent_streams_share_decode_steps(engine: LocalEngine) -> None:
    results: dict[int, str] = {}
    peak = 0

    def work(i: int) -> None:
        results[i] = engine.complete(f"List {i}: apples, pears,", SamplingParams(temperature=0, max_tokens=40)).text

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        peak = max(peak, engine.scheduler.active_count)
        time.sleep(0.005)
    assert len(results) == 4 and all(results.values())
    assert peak >= 3


def test_cancel_frees_the_slot(engine: LocalEngine) -> None:
    stream = engine.stream("Count: 1, 2, 3,", SamplingParams(temperature=0, max_tokens=400))
    first = next(stream)
    assert first.finish_reason is None
    stream.close()  # the consumer goes away -> handle.cancel()
    deadline = time.monotonic() + 10
    while engine.scheduler.active_count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert engine.scheduler.active_count == 0


def test_prompt_beyond_context_is_rejected(engine: LocalEngine) -> None:
    with pytest.raises(ContextLengthExceeded):
        engine.complete("word " * 800, GREEDY)
    with pytest.raises(ContextLengthExceeded):
        engine.complete("hi", SamplingParams(max_tokens=5000))


def test_token_ids_are_checked(engine: LocalEngine) -> None:
    with pytest.raises(InvalidRequest):
        engine.complete([2, engine.model.n_vocab + 5], GREEDY)


def test_grammar_constrains_output(engine: LocalEngine) -> None:
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    out = engine.complete("Answer in JSON:", SamplingParams(temperature=0, max_tokens=30, grammar=json_schema_grammar(schema)))
    assert isinstance(json.loads(out.text)["ok"], bool)


def test_invalid_schema_is_a_clear_error() -> None:
    with pytest.raises(InvalidSchema):
        json_schema_grammar({"type": 12})


def test_sampling_with_temperature_and_seed(engine: LocalEngine) -> None:
    p = SamplingParams(temperature=1.0, top_k=0, top_p=1.0, min_p=0.0, max_tokens=12, seed=7, cache_prompt=False)
    assert engine.complete("A poem:", p).text == engine.complete("A poem:", p).text


def test_repetition_penalties_change_a_repetitive_continuation(engine: LocalEngine) -> None:
    prompt = "one one one one one one one one"
    plain = engine.complete(prompt, FRESH)
    penalized = engine.complete(prompt, replace(FRESH, repeat_penalty=1.5, presence_penalty=1.0, frequency_penalty=1.0))
    assert penalized.text != plain.text
    assert penalized.text.count("one") < plain.text.count("one")


def test_logprobs_match_greedy_choice(engine: LocalEngine) -> None:
    out = engine.complete("Hello", SamplingParams(temperature=0, max_tokens=6, logprobs=True, ignore_eos=True))
    assert len(out.logprobs) == 6 and all(lp <= 0 for lp in out.logprobs)
    assert out.usage.completion_tokens == 6


def test_chat_answers_and_stops_at_the_next_turn(engine: LocalEngine) -> None:
    out = engine.chat([{"role": "user", "content": "What is the capital of France?"}], SamplingParams(temperature=0, max_tokens=64))
    assert "Paris" in out.text
    assert "User:" not in out.text and out.finish_reason == "stop"
