from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from edgewise.engine.textstream import TextStream


def run(data: bytes, cuts: list[int], stop: tuple[str, ...]) -> tuple[str, bool]:
    ts = TextStream(stop)
    out, prev = [], 0
    for c in sorted(set(cuts)) + [len(data)]:
        out.append(ts.push(data[prev:c]))
        prev = c
    out.append(ts.flush())
    return "".join(out), ts.stopped


@given(st.text(max_size=60), st.lists(st.integers(0, 240), max_size=12), st.text(min_size=1, max_size=4))
def test_output_is_text_up_to_first_stop(text: str, cuts: list[int], stop: str) -> None:
    data = text.encode()
    out, stopped = run(data, [c for c in cuts if c <= len(data)], (stop,))
    idx = text.find(stop)
    if idx >= 0:
        assert stopped and out == text[:idx]
    else:
        assert not stopped and out == text


def test_multibyte_characters_split_across_tokens() -> None:
    data = "naïve 🌊 sea".encode()
    out, _ = run(data, list(range(len(data))), ())
    assert out == "naïve 🌊 sea"


def test_held_back_prefix_is_released_when_no_stop_follows() -> None:
    ts = TextStream(("<end>",))
    assert ts.push(b"abc<en") == "abc"
    assert ts.push(b"d") == ""
    assert ts.push(b"x") == "<endx"
    assert ts.flush() == ""
