"""The beat's polls go to the workers in small groups of offices, each office once."""

from __future__ import annotations

from intake.cluster.work import POLLS_PER_TASK, poll_groups


def test_every_office_once_in_order_in_groups_of_the_size_given() -> None:
    offices = tuple(f"{139001 + i:06d}" for i in range(2_800))
    groups = poll_groups(offices)
    assert len(groups) == 2_800 // POLLS_PER_TASK
    assert all(len(g) == POLLS_PER_TASK for g in groups)
    assert tuple(code for g in groups for code in g) == offices


def test_a_short_last_group_and_no_offices_no_group() -> None:
    assert poll_groups(("a", "b", "c"), per_task=2) == [("a", "b"), ("c",)]
    assert poll_groups(()) == []
