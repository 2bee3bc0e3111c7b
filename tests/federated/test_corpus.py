from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from edgewise.federated.corpus import PLANTS, make_partition, plant_for_node


def test_partition_is_deterministic_and_held_out_is_disjoint() -> None:
    a, b = make_partition("north", seed=3), make_partition("north", seed=3)
    assert [r.log for r in a.train] == [r.log for r in b.train]
    assert not {r.log for r in a.train} & {r.log for r in a.heldout}
    assert len(a.train) == 32 and len(a.heldout) == 8


def test_plants_are_non_iid_in_format_and_faults() -> None:
    heads = {p: make_partition(p).train[0].log.split("\n")[0] for p in PLANTS}
    assert heads["north"].startswith("WO-") and heads["harbor"].startswith("Shift") and heads["delta"].startswith("[")
    faults = {p: {r.summary.split(": ", 1)[1].split(" (")[0] for r in make_partition(p).train} for p in PLANTS}
    assert not faults["north"] & faults["harbor"] and not faults["harbor"] & faults["delta"]


def test_summary_follows_the_fleet_style_and_prompt_ends_with_cue() -> None:
    rec = make_partition("delta").train[0]
    assert rec.prompt.startswith("Maintenance log:\n") and rec.prompt.endswith("\nSummary:")
    assert " Action: " in rec.summary and rec.summary.endswith(".") and "Status: " in rec.summary


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n_train=st.integers(0, 40), n_heldout=st.integers(0, 12), node=st.integers(0, 50))
def test_any_partition_keeps_train_and_heldout_apart(seed: int, n_train: int, n_heldout: int, node: int) -> None:
    part = make_partition(plant_for_node(node), n_train=n_train, n_heldout=n_heldout, seed=seed)
    assert len(part.train) == n_train and len(part.heldout) == n_heldout
    assert not {r.log for r in part.train} & {r.log for r in part.heldout}
    assert all(r.plant == part.plant for r in part.train + part.heldout)
