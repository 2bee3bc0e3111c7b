"""The official `openai` client against a real node: chat, completions, streaming, JSON schema, models."""

from __future__ import annotations

import json

import jsonschema
import openai
import pytest

MODEL = "gemma-3-270m"
HELLO = [{"role": "user", "content": "What is the capital of France?"}]


def test_chat_non_streaming_returns_text_and_usage(client) -> None:
    r = client.chat.completions.create(model=MODEL, messages=HELLO, max_tokens=12, temperature=0)
    choice = r.choices[0]
    assert r.object == "chat.completion" and r.model == MODEL
    assert choice.message.role == "assistant"
    assert isinstance(choice.message.content, str) and choice.message.content.strip()
    assert choice.finish_reason in ("stop", "length")
    assert 0 < r.usage.completion_tokens <= 12
    assert r.usage.prompt_tokens > 5
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens


def test_chat_stream_matches_non_stream_under_greedy(client) -> None:
    fresh = {"cache_prompt": False}  # the same fresh prefill both times: bit-identical logits
    full = client.chat.completions.create(model=MODEL, messages=HELLO, max_tokens=20, temperature=0, extra_body=fresh)
    stream = client.chat.completions.create(
        model=MODEL, messages=HELLO, max_tokens=20, temperature=0, stream=True, stream_options={"include_usage": True},
        extra_body=fresh,
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert text == full.choices[0].message.content
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == [full.choices[0].finish_reason]
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == full.usage.completion_tokens


def test_completion_continues_a_prompt(client) -> None:
    r = client.completions.create(model=MODEL, prompt="Question: What is the capital of France?\nAnswer:", max_tokens=6, temperature=0)
    assert r.object == "text_completion"
    assert "Paris" in r.choices[0].text
    assert r.usage.completion_tokens <= 6


def test_completion_streaming(client) -> None:
    fresh = {"cache_prompt": False}
    parts = list(client.completions.create(model=MODEL, prompt="1, 2, 3, 4,", max_tokens=8, temperature=0, stream=True,
                                           extra_body=fresh))
    text = "".join(p.choices[0].text for p in parts if p.choices)
    full = client.completions.create(model=MODEL, prompt="1, 2, 3, 4,", max_tokens=8, temperature=0, extra_body=fresh)
    assert text == full.choices[0].text and "5" in text


def test_stop_sequence_ends_the_text_before_it(client) -> None:
    r = client.completions.create(model=MODEL, prompt="1, 2, 3, 4,", max_tokens=20, temperature=0, stop=["7"])
    assert r.choices[0].finish_reason == "stop"
    assert "7" not in r.choices[0].text and "6" in r.choices[0].text


def test_max_tokens_limits_length(client) -> None:
    r = client.completions.create(model=MODEL, prompt="Once upon a time", max_tokens=1, temperature=0)
    assert r.usage.completion_tokens == 1 and r.choices[0].finish_reason == "length"


def test_seed_makes_sampling_repeatable(client) -> None:
    kw = dict(model=MODEL, prompt="My favourite animal is", max_tokens=12, temperature=1.0, top_p=1.0,
              extra_body={"cache_prompt": False})
    a = client.completions.create(seed=1234, **kw).choices[0].text
    b = client.completions.create(seed=1234, **kw).choices[0].text
    others = {client.completions.create(seed=s, **kw).choices[0].text for s in (1, 2, 3, 4)}
    assert a == b
    assert len(others | {a}) > 1, "different seeds should give different samples"


def test_json_schema_output_parses_and_validates(client) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string", "maxLength": 20}, "age": {"type": "integer", "minimum": 0}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    r = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Invent a person. Answer in JSON with name and age."}],
        response_format={"type": "json_schema", "json_schema": {"name": "person", "schema": schema}},
        max_tokens=60,
        temperature=0,
    )
    data = json.loads(r.choices[0].message.content)
    jsonschema.validate(data, schema)


def test_json_object_mode_gives_json(client) -> None:
    r = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Give me a JSON object describing a cat."}],
        response_format={"type": "json_object"},
        max_tokens=60,
        temperature=0,
    )
    assert r.choices[0].finish_reason == "stop", "the grammar must close the object within the budget"
    assert isinstance(json.loads(r.choices[0].message.content), dict)


def test_logprobs_are_returned_for_sampled_tokens(client) -> None:
    r = client.chat.completions.create(model=MODEL, messages=HELLO, max_tokens=8, temperature=0, logprobs=True)
    entries = r.choices[0].logprobs.content
    # the tokens of a matched stop string are counted in usage but, like their text, not returned
    assert 0 < len(entries) <= r.usage.completion_tokens
    assert all(e.logprob <= 0.0 for e in entries)
    assert "".join(e.token for e in entries) == r.choices[0].message.content


def test_models_endpoint_lists_the_embedded_model(client) -> None:
    ids = [m.id for m in client.models.list().data]
    assert MODEL in ids
    assert client.models.retrieve(MODEL).id == MODEL
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("no-such-model")


def test_unknown_model_is_404(client) -> None:
    with pytest.raises(openai.NotFoundError) as err:
        client.chat.completions.create(model="no-such-model", messages=HELLO, max_tokens=2)
    assert err.value.body["code"] == "model_not_found"


def test_wrong_api_key_is_rejected(node) -> None:
    from openai import OpenAI

    bad = OpenAI(base_url=node.url + "/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()
