"""The blame store is a history: runs merge into it, nothing found is dropped because a
later run did not look, and a finding leaves only when re-measurement shows it wrong."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from cascade_bench import blame_store, culprits, model, terminal_view, wording
from cascade_bench.model import Bisect, Blame, Commit, Confirmation, Finding

A, B, C, D, F = ("a" * 40, "b" * 40, "c" * 40, "d" * 40, "f" * 40)


def _commit(sha: str) -> Commit:
    return Commit(hash=sha, short=sha[:8], subject=f"commit {sha[0]}", author="Ada",
                  date="2025-12-01T00:00:00+00:00")  # fmt: skip


def _finding(parent: str, culprit: str, signal: str = "instructions", ratio: float = 1.5,
             confirmed: bool | None = None, workload: str = "SimpleCountdown",
             bisect: Bisect | None = None) -> Finding:  # fmt: skip
    bench = {"instructions": f"instructions.{workload}.track_instructions_per_iteration",
             "time": f"loops.{workload}.time_loop",
             "calls": f"calls.{workload}.track_calls_per_iteration"}[signal]  # fmt: skip
    kind = "regression" if ratio > 1 else "speedup"
    return Finding(
        id=f"{kind}-{signal}-{workload}-{culprit[:8]}",
        kind=kind,
        bisect=bisect,
        signal=signal,
        benchmark=bench,
        culprit=_commit(culprit),
        parent=_commit(parent),
        before=100.0,
        after=100.0 * ratio,
        ratio=ratio,
        params={"n": "200"},
        confirmed=confirmed,
        confirmation=Confirmation(significant=confirmed) if signal == "time" else None,
    )


def _blame(at: str, found: list[Finding], dismissed: list[Finding] | None = None) -> Blame:
    return Blame(machine="box", generated_at=at, findings=found, dismissed=dismissed or [])


class Saw:
    """A run's evidence as the store asks it (``blame_store.Recheck``): nothing
    outdated unless ``outdated`` says so; every stored finding re-derivable unless
    its culprit is in ``unmeasured``; ``ranges`` maps a range finding's culprit to
    the commits it holds."""

    def __init__(self, outdated=lambda f: None, unmeasured=(), ranges=None) -> None:
        self.outdated, self.unmeasured, self.ranges = outdated, set(unmeasured), ranges or {}

    def __call__(self, f: Finding) -> model.Outdated | None:
        return self.outdated(f)

    def covers(self, f: Finding) -> bool:
        return not ({f.culprit.hash, f.parent.hash} & self.unmeasured)

    def inside(self, f: Finding, commit: str) -> bool:
        return commit in self.ranges.get(f.culprit.hash, [f.culprit.hash])


_never = Saw()


def test_a_run_that_finds_nothing_keeps_what_earlier_runs_found(tmp_path: Path) -> None:
    store = tmp_path / "blame" / "box.json"
    night1 = _blame("2026-01-01", [_finding(A, B)])
    blame_store.Store.open(store).update(night1, _never)
    quiet = _blame("2026-01-02", [])
    merged = blame_store.Store.open(store).update(quiet, _never)
    assert [f.culprit.hash for f in merged.findings] == [B]
    assert [c.commit.hash for c in merged.culprits] == [B]
    assert blame_store.load_blame(store).findings == merged.findings
    # A later run with its own finding adds to the history; the same key is replaced.
    night3 = _blame("2026-01-03", [_finding(C, D), _finding(A, B, ratio=1.6)])
    merged = blame_store.Store.open(store).update(night3, _never)
    assert sorted((f.culprit.hash, f.ratio) for f in merged.findings) == [(B, 1.6), (D, 1.5)]


def test_only_re_measurement_retracts_and_the_store_says_why(tmp_path: Path) -> None:
    store = tmp_path / "box.json"
    first = [_finding(A, B), _finding(C, D, "time", 1.3, True)]
    blame_store.Store.open(store).update(_blame("t1", first), _never)
    dismissed = _finding(C, D, "time", 1.3, False)
    merged = blame_store.Store.open(store).update(_blame("t2", [], [dismissed]),
        Saw(lambda f: model.Outdated("retracted", "re-measured: no step")),
    )
    assert merged.findings == []
    why = {f.culprit.hash: f.retracted for f in merged.retracted}
    assert why[B] == "t2: re-measured: no step"
    assert why[D].startswith("t2: re-timed side by side")
    assert json.loads(store.read_text())["retracted"][0]["retracted"].startswith("t2: ")
    # Found again later: back in the findings, out of the retracted list.
    merged = blame_store.Store.open(store).update(_blame("t3", [_finding(A, B)]), _never)
    assert [f.culprit.hash for f in merged.findings] == [B]
    assert [f.culprit.hash for f in merged.retracted] == [D]


def test_a_run_that_measured_less_rewrites_nothing(tmp_path: Path) -> None:
    # Stored: a regression A -> B, and a timing step C -> D dismissed side by side.
    store = tmp_path / "box.json"
    noise = _finding(C, D, "time", 1.3, False)
    noise = replace(noise, confirmation=replace(noise.confirmation, separated=False))
    first = blame_store.Store.open(store).update(_blame("t1", [_finding(A, B)], [noise]), _never)
    # A's results set aside: the run sees the step against C and as a speed-up; it
    # timed nothing, so D's step is an open regression; a range E..F holds B.
    again = _blame("t2", [_finding(C, B, ratio=0.8), _finding(C, D, "time", 1.3, None),
                          _finding(A, F, bisect=Bisect(gap=2, open="(--no-build)", unmeasured=1))])
    merged = blame_store.Store.open(store).update(again, Saw(unmeasured={A}, ranges={F: [B, F]}))
    assert merged.findings == first.findings and merged.dismissed == first.dismissed
    assert merged.retracted == [] and merged.superseded == []
    # Measured again in full, a finding at least as well measured replaces it.
    better = _blame("t3", [_finding(A, B, ratio=1.7)], [noise])
    merged = blame_store.Store.open(store).update(better, _never)
    assert [(f.culprit.hash, f.ratio) for f in merged.findings] == [(B, 1.7)]
    # An unconfirmed timing step does not undo a side-by-side dismissal.
    merged = blame_store.Store.open(store).update(
        _blame("t4", [_finding(C, D, "time", 1.3, None)]), _never)
    assert [f.culprit.hash for f in merged.dismissed] == [D]
    assert [f.culprit.hash for f in merged.findings] == [B]


def test_an_unreadable_store_is_set_aside_not_overwritten(tmp_path: Path) -> None:
    store = tmp_path / "box.json"
    store.write_text('{"version": 1, "findings": [')
    merged = blame_store.Store.open(store).update(_blame("t1", [_finding(A, B)]), _never)
    aside = store.with_name("box.json.corrupt")
    assert aside.read_text() == '{"version": 1, "findings": ['
    assert merged.set_aside == [str(aside)]
    assert blame_store.load_blame(store).findings == merged.findings
    # Corrupt again: the first copy is kept, the second gets its own name.
    store.write_text("{")
    again = blame_store.Store.open(store).update(_blame("t2", []), _never)
    second = store.with_name("box.json.1.corrupt")
    assert aside.read_text() == '{"version": 1, "findings": [' and second.read_text() == "{"
    assert again.set_aside == [str(second)]


def test_a_narrowed_range_is_superseded_kept_and_not_listed(tmp_path: Path) -> None:
    store = tmp_path / "box.json"
    wide = _finding(A, D, bisect=Bisect(gap=3, open="2 unmeasured commit(s) between (--no-build)",
                                        unmeasured=2))  # fmt: skip
    first = blame_store.Store.open(store).update(_blame("t1", [wide]), _never)
    assert first.culprits == [] and [c.commit.hash for c in first.ranges] == [D]
    pinned = _finding(B, C)

    def narrowed(f: Finding) -> model.Outdated | None:
        return model.Outdated("superseded", "narrowed") if f.culprit.hash == D else None

    merged = blame_store.Store.open(store).update(_blame("t2", [pinned]), Saw(narrowed))
    assert [c.commit.hash for c in merged.culprits] == [C] and merged.ranges == []
    assert [f.culprit.hash for f in merged.superseded] == [D]
    assert merged.retracted == []
    assert blame_store.load_blame(store).superseded[0].retracted == "t2: narrowed"


def test_a_commit_that_moves_both_ways_is_a_regression_that_reads_as_both() -> None:
    slower = _finding(A, B, ratio=3.1, workload="HeavyJumpLoop")
    faster = _finding(A, B, ratio=0.2, workload="VMCountdown")  # the larger step
    work = _finding(A, B, signal="calls", ratio=1.1, workload="VMCountdown")
    (c,) = culprits.group_by_culprit([faster, slower, work])
    assert c.kind == "regression" and c.mixed
    assert c.instructions == 3.1 and c.pinned
    text = wording.cost_text(c)
    assert text.startswith("REGRESSION in HeavyJumpLoop (instructions 3.10× more)")
    assert "speed-up in VMCountdown (instructions 5.00× fewer, calls 1.10× more)" in text
    assert "slower" not in text  # counts are more or fewer, never slower
    # Ranked by its regression cost (log 3.1), not by its larger speed-up (log 5).
    other = _finding(C, D, ratio=4.0)
    assert [x.commit.hash for x in culprits.group_by_culprit([faster, slower, other])] == [D, B]


def test_an_unpinned_step_is_a_range_never_a_culprit() -> None:
    failing = _finding(A, C, bisect=Bisect(gap=2, failed=[B]))
    budget = _finding(C, D, bisect=Bisect(gap=3, open="2 unmeasured commit(s) between "
                                          "(--budget spent)", unmeasured=2))  # fmt: skip
    lists = culprits.culprit_lists([failing, budget])
    assert lists["culprits"] == []
    texts = [wording.range_text(c) for c in lists["ranges"]]
    assert "between cccccccc and dddddddd (2 commits not measured: --budget spent)" in texts
    assert "between aaaaaaaa and cccccccc (1 failed to build or run)" in texts
    blame = _blame("t", [failing, budget])
    blame = blame_store.parse_blame(blame_store.to_json(blame))
    assert blame.culprits == [] and len(blame.ranges) == 2
    lines = terminal_view.culprit_lines(blame)
    assert lines[0].startswith("CULPRIT COMMITS (0): 0 culprit commits")
    assert "2 ranges not narrowed to one commit" in lines[0]
    assert not any("cccccccc '" in line or "dddddddd '" in line for line in lines)
