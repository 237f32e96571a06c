"""The blame store is a history: runs merge into it, nothing found is dropped because a
later run did not look, and a finding leaves only when re-measurement shows it wrong."""

from __future__ import annotations

import json
from pathlib import Path

from cascade_bench import findings as model
from cascade_bench.findings import Blame, Commit, Confirmation, Finding

A, B, C, D = ("a" * 40, "b" * 40, "c" * 40, "d" * 40)


def _commit(sha: str) -> Commit:
    return Commit(hash=sha, short=sha[:8], subject=f"commit {sha[0]}", author="Ada",
                  date="2025-12-01T00:00:00+00:00")  # fmt: skip


def _finding(parent: str, culprit: str, signal: str = "instructions", ratio: float = 1.5,
             confirmed: bool | None = None) -> Finding:  # fmt: skip
    bench = {"instructions": "instructions.SimpleCountdown.track_instructions_per_iteration",
             "time": "loops.SimpleCountdown.time_loop"}[signal]  # fmt: skip
    return Finding(
        id=f"regression-{signal}-{culprit[:8]}",
        kind="regression",
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


def _never(_f: Finding) -> None:
    return None


def test_a_run_that_finds_nothing_keeps_what_earlier_runs_found(tmp_path: Path) -> None:
    store = tmp_path / "blame" / "box.json"
    night1 = _blame("2026-01-01", [_finding(A, B)])
    model.update_store(store, night1, _never)
    quiet = _blame("2026-01-02", [])
    merged = model.update_store(store, quiet, _never)
    assert [f.culprit.hash for f in merged.findings] == [B]
    assert [c.commit.hash for c in merged.culprits] == [B]
    assert model.load_blame(store).findings == merged.findings
    # A later run with its own finding adds to the history; the same key is replaced.
    night3 = _blame("2026-01-03", [_finding(C, D), _finding(A, B, ratio=1.6)])
    merged = model.update_store(store, night3, _never)
    assert sorted((f.culprit.hash, f.ratio) for f in merged.findings) == [(B, 1.6), (D, 1.5)]


def test_only_re_measurement_retracts_and_the_store_says_why(tmp_path: Path) -> None:
    store = tmp_path / "box.json"
    model.update_store(store, _blame("t1", [_finding(A, B), _finding(C, D, "time", 1.3, True)]),
                       _never)  # fmt: skip
    dismissed = _finding(C, D, "time", 1.3, False)
    merged = model.update_store(
        store, _blame("t2", [], [dismissed]), lambda f: "re-measured: no step"
    )
    assert merged.findings == []
    why = {f.culprit.hash: f.retracted for f in merged.retracted}
    assert why[B] == "t2: re-measured: no step"
    assert why[D].startswith("t2: re-timed side by side")
    assert json.loads(store.read_text())["retracted"][0]["retracted"].startswith("t2: ")
    # Found again later: back in the findings, out of the retracted list.
    merged = model.update_store(store, _blame("t3", [_finding(A, B)]), _never)
    assert [f.culprit.hash for f in merged.findings] == [B]
    assert [f.culprit.hash for f in merged.retracted] == [D]


def test_an_unreadable_store_is_set_aside_not_overwritten(tmp_path: Path) -> None:
    store = tmp_path / "box.json"
    store.write_text('{"version": 1, "findings": [')
    merged = model.update_store(store, _blame("t1", [_finding(A, B)]), _never)
    aside = store.with_name("box.json.corrupt")
    assert aside.read_text() == '{"version": 1, "findings": ['
    assert merged.set_aside == [str(aside)]
    assert model.load_blame(store).findings == merged.findings
