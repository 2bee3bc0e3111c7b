"""Depth pruning of the embedded model: metadata, tensors, and that the result runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgewise.optimize.errors import UnsupportedModel
from edgewise.models.gguf_header import read_scalars
from edgewise.optimize.prune import prune_blocks


def test_pruned_file_has_one_block_less_and_keeps_each_layers_attention_kind(pruned_one: Path, model_path: Path) -> None:
    import gguf

    reader = gguf.GGUFReader(str(pruned_one), "r")
    assert reader.fields["gemma3.block_count"].contents() == 17
    # original pattern (llama.cpp gemma3 default, period 6): layers 5, 11, 17 are global
    original = [il % 6 < 5 for il in range(18)]
    expected = original[:9] + original[10:]
    assert reader.fields["gemma3.attention.sliding_window_pattern"].contents() == expected
    assert reader.fields["edgewise.pruned_blocks"].contents() == [9]
    blocks = {int(t.name.split(".")[1]) for t in reader.tensors if t.name.startswith("blk.")}
    assert blocks == set(range(17))
    # old block 10 is now block 9: same bytes
    src = gguf.GGUFReader(str(model_path), "r")
    old = next(t for t in src.tensors if t.name == "blk.10.ffn_down.weight")
    new = next(t for t in reader.tensors if t.name == "blk.9.ffn_down.weight")
    assert bytes(old.data) == bytes(new.data) and new.tensor_type == old.tensor_type


def test_pruned_model_loads_in_the_edge_node_and_generates(pruned_one: Path) -> None:
    from edgewise.config import load_settings
    from edgewise.optimize.smoke import generate_with_engine

    text, n = generate_with_engine(load_settings(threads=2), pruned_one, max_tokens=6)
    assert n > 0 and text.strip()


@pytest.mark.parametrize("blocks", [[], [18], [-1], list(range(18))])
def test_bad_block_lists_are_refused(model_path: Path, tmp_path: Path, blocks: list[int]) -> None:
    with pytest.raises(UnsupportedModel):
        prune_blocks(model_path, tmp_path / "x.gguf", blocks)
    assert not (tmp_path / "x.gguf").exists()


def test_header_reader_agrees_with_gguf_py(pruned_one: Path) -> None:
    fields = read_scalars(pruned_one)
    assert fields["gemma3.block_count"] == 17
    assert fields["gemma3.attention.sliding_window_pattern"] == [il % 6 < 5 for il in range(18) if il != 9]
    assert fields["edgewise.pruned_blocks"] == [9]
    assert fields["general.architecture"] == "gemma3"
