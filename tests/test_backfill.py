"""Back-fill's choice of commits (``backfill``): where the workloads live, largest
gaps first, the gap before the oldest measured commit last."""

from __future__ import annotations

from cascade_bench import backfill
from cascade_bench.results import FAILED, SKIPPED, Point

ORDER = [f"{i:02d}" * 20 for i in range(40)]  # oldest first


def _walk(measured: set[str], born: int, budget: int = 100) -> list[int]:
    """Back-fill ``budget`` commits of a history whose workloads exist from ``born``."""
    measured, before, picked = set(measured), set(), []
    for _ in range(budget):
        commit = backfill.next_commit(ORDER, measured, before)
        if commit is None:
            break
        picked.append(ORDER.index(commit))
        measured.add(commit)
        if ORDER.index(commit) < born:
            before.add(commit)
    return picked


def test_largest_gaps_first_and_the_leading_gap_last() -> None:
    picked = _walk({ORDER[20], ORDER[39]}, born=0, budget=19)
    assert picked[:3] == [29, 34, 24]  # the gap 20..39, its largest half first
    assert all(p > 20 for p in picked[:18]) and picked[18] == 10  # then before 20


def test_no_commit_before_the_workloads_is_picked_while_later_gaps_are_open() -> None:
    picked = _walk({ORDER[39]}, born=15)
    before = [p for p in picked if p < 15]
    assert len(before) == 1  # one pick may land there; it closes that side
    assert all(p >= before[0] for p in picked)
    later = picked[: picked.index(before[0])]
    # Every commit after the first workload's pick is measured before it, but the gap
    # where the workloads are born (blame narrows starts).
    assert set(range(20, 39)) <= set(later)


def test_known_commits_without_workloads_close_everything_before_them() -> None:
    # 10 has no workload: nothing up to it, nor the gap 10..30 where they are born.
    assert backfill.next_commit(ORDER, {ORDER[10], ORDER[30], ORDER[39]}, {ORDER[10]}) == ORDER[34]
    assert backfill.next_commit(ORDER, set(ORDER[10:]), {ORDER[10]}) is None
    assert backfill.next_commit(ORDER, set(), set()) == ORDER[20]


def test_a_commit_is_without_workloads_only_if_every_workload_is_na() -> None:
    def pts(commit: str, *values: float | str) -> list[Point]:
        names = ["loops.SimpleCountdown.time_loop", "calls.VMCountdown.track_calls_per_iteration"]
        floor = Point(commit, "loops.ImperativeCountdown.time_loop", ("200",), 0.01)
        return [floor] + [Point(commit, n, ("200",), v) for n, v in zip(names, values, strict=True)]

    points = pts("a", SKIPPED, SKIPPED) + pts("b", SKIPPED, 1.0) + pts("c", SKIPPED, FAILED)
    assert backfill.without_workloads(points) == {"a"}  # a failure is no era fact
