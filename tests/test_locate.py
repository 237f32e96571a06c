"""The fixed point that pins every step of an exact series to one commit.

A simulated history: each series has a true value per commit, "measuring" a
commit reveals it. The loop under test is the one blame runs
(``bisection.fixed_point`` over ``bisection.questions``); only asv is simulated.
"""

from __future__ import annotations

import itertools

import pytest

from cascade_bench import bisection
from cascade_bench.results import FAILED, SKIPPED
from cascade_bench.steps import SeriesKey

COMMITS = [f"c{i:02d}" for i in range(17)]
POS = {c: i for i, c in enumerate(COMMITS)}
CALLS = SeriesKey("calls.VMCountdown.track_calls_per_iteration", ("1000",))
JUMP = SeriesKey("calls.ExplicitJumpLoop.track_calls_per_iteration", ("1000",))


def _between(a: str, b: str) -> list[str]:
    return COMMITS[POS[a] + 1 : POS[b] + 1]


class Simulated:
    """Truth per series and commit; ``measure`` copies it into what is known."""

    def __init__(self, truth: dict[SeriesKey, list[float | str]], first: list[str]) -> None:
        self.truth = truth
        self.known = {key: {c: truth[key][POS[c]] for c in first} for key in truth}
        self.builds: list[str] = []
        self.silent: set[str] = set()  # commits where asv records nothing

    def series(self) -> dict[SeriesKey, list[tuple[str, float | str]]]:
        return {k: sorted(v.items(), key=lambda cv: POS[cv[0]]) for k, v in self.known.items()}

    def ask(self) -> list[bisection.Question]:
        return bisection.questions(self.series(), _between, lambda _: 0.01)

    def measure(self, commit: str, classes: list[str]) -> bool:
        if not self.may_build:
            return False
        self.builds.append(commit)
        if commit in self.silent:
            return True
        for key in self.truth:
            if key.module_class in classes:
                self.known[key][commit] = self.truth[key][POS[commit]]
        return True

    def run(self, may_build: bool = True) -> list[bisection.Question]:
        self.may_build = may_build
        return bisection.fixed_point(self.ask, self.measure, POS.__getitem__)


def _levels(*changes: tuple[int, float | str], start: float | str = 100.0) -> list:
    """A series over COMMITS: ``start``, then each (index, value) from index on."""
    values, current = [], start
    at = dict(changes)
    for i in range(len(COMMITS)):
        current = at.get(i, current)
        values.append(current)
    return values


def _steps(final: list[bisection.Question], key: SeriesKey) -> list[tuple[str, str]]:
    return [(q.left, q.right) for q in final if q.series == key and q.kind == "step"]


def test_regression_then_partial_speedup_in_one_gap_each_get_a_culprit() -> None:
    sim = Simulated({CALLS: _levels((5, 140.0), (7, 120.0))}, ["c00", "c16"])
    final = sim.run()
    assert _steps(final, CALLS) == [("c04", "c05"), ("c06", "c07")]
    assert not [q for q in final if q.open]


def test_three_steps_in_one_gap_and_harmless_commits_between() -> None:
    sim = Simulated({CALLS: _levels((3, 103.0), (6, 106.0), (11, 109.0))}, ["c00", "c16"])
    final = sim.run()
    assert _steps(final, CALLS) == [("c02", "c03"), ("c05", "c06"), ("c10", "c11")]
    # Three steps in one gap cost no more than three bisections of it.
    assert len(sim.builds) <= 3 * bisection.log2_ceil(16)


def test_one_step_costs_a_bisection() -> None:
    sim = Simulated({CALLS: _levels((9, 150.0))}, ["c00", "c16"])
    final = sim.run()
    assert _steps(final, CALLS) == [("c08", "c09")]
    assert len(sim.builds) <= bisection.log2_ceil(16)


def test_series_starts_where_its_workload_is_born() -> None:
    # n/a until c06 (born at c06), a slowdown two commits later, measured at c00 and c16.
    truth = _levels((6, 50.0), (8, 80.0), start=SKIPPED)
    sim = Simulated({JUMP: truth}, ["c00", "c16"])
    final = sim.run()
    starts = [(q.left, q.right) for q in final if q.kind == "start"]
    assert starts == [("c05", "c06")]  # the birth and its parent (n/a) are measured
    assert sim.known[JUMP]["c05"] == SKIPPED and sim.known[JUMP]["c06"] == 50.0
    assert _steps(final, JUMP) == [("c07", "c08")]


def test_birth_hidden_behind_a_broken_install_is_found() -> None:
    # n/a until c05, born at c06, slower at c08, install broken at c10 (measured), c16 measured.
    truth = _levels((6, 50.0), (8, 80.0), (10, FAILED), (11, 80.0), start=SKIPPED)
    sim = Simulated({JUMP: truth}, ["c00", "c10", "c16"])
    final = sim.run()
    assert ("c05", "c06") in [(q.left, q.right) for q in final if q.kind == "start"]
    assert _steps(final, JUMP) == [("c07", "c08")]
    assert not [q for q in final if q.open]


def test_failing_commits_are_walked_over_and_named() -> None:
    truth = _levels((7, FAILED), (9, 130.0))
    sim = Simulated({CALLS: truth}, ["c00", "c16"])
    final = sim.run()
    (step,) = [q for q in final if q.kind == "step"]
    assert (step.left, step.right) == ("c06", "c09")
    assert step.failing == ("c07", "c08") and not step.open
    # Coming back after failures is a start: the first working commit is measured.
    assert [(q.left, q.right) for q in final if q.kind == "start"] == [("c08", "c09")]


def test_series_share_builds_and_steps_of_other_series_stay_separate() -> None:
    sim = Simulated(
        {CALLS: _levels((9, 150.0)), JUMP: _levels((9, 300.0), (12, 200.0))}, ["c00", "c16"]
    )
    final = sim.run()
    assert _steps(final, CALLS) == [("c08", "c09")]
    assert _steps(final, JUMP) == [("c08", "c09"), ("c11", "c12")]
    assert len(sim.builds) == len(set(sim.builds))  # never the same commit twice


def test_no_build_and_silent_commits_leave_questions_open_and_end() -> None:
    sim = Simulated({CALLS: _levels((9, 150.0))}, ["c00", "c16"])
    final = sim.run(may_build=False)
    assert [(q.left, q.right, q.open) for q in final] == [("c00", "c16", True)]
    sim = Simulated({CALLS: _levels((9, 150.0))}, ["c00", "c16"])
    sim.silent = {"c08"}  # the first probe records nothing: measured once, then left open
    final = sim.run()
    assert sim.builds == ["c08"]
    (q,) = final
    assert q.open and q.probe == "c08"


@pytest.mark.parametrize("where", list(itertools.combinations(range(1, 16), 2)))
def test_any_two_steps_are_found_exactly(where: tuple[int, int]) -> None:
    a, b = where
    sim = Simulated({CALLS: _levels((a, 120.0), (b, 110.0))}, ["c00", "c16"])
    final = sim.run()
    assert _steps(final, CALLS) == [(COMMITS[a - 1], COMMITS[a]), (COMMITS[b - 1], COMMITS[b])]
