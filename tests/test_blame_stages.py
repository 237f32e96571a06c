"""Blame's stages end to end over a tiny git history, asv faked (``fake_asv``).

The history: ten commits, each editing Cascade's package (``cascade/core.py``) but
``DOCS`` (docs only). Every test writes what asv would have measured through asv's
own results API and runs ``blame.blame_history`` or ``blame.blame_pair`` with the
fake as runner: locating (bisection), side-by-side confirmation, sizing, relevance
dismissals, the culprit list and rechecking stored findings, in seconds.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from fake_asv import SECONDS_PER_BENCHMARK, FakeAsv, Truth

from asvtools import write_asv_conf
from cascade_bench import bisection, verdict, wording
from cascade_bench.asvconf import Suite, load_suite
from cascade_bench.blame import Options, Timings, blame_history, blame_pair
from cascade_bench.model import Blame, Finding, PairKey
from cascade_bench.phases import Phases
from cascade_bench.steps import SeriesKey

MACHINE = "testbox"
N = 10  # commits
CULPRIT = 5  # where the regression lands
DOCS = 3  # the commit touching only docs/notes.md
NOISY = 6  # where one timing sample is noisy

INSTR = SeriesKey("instructions.SimpleCountdown.track_instructions_per_iteration", ("200",))
CALLS = "calls.SimpleCountdown.track_calls_per_iteration"
TIME = "loops.SimpleCountdown.time_loop"
VM_TIME = "loops.VMCountdown.time_loop"
VM_CALLS = "calls.VMCountdown.track_calls_per_iteration"


def _levels(before: float, after: float | None = None, at: int = CULPRIT) -> list[float]:
    """``before`` up to commit ``at``, then ``after``."""
    return [before if after is None or i < at else after for i in range(N)]


def regression_truth(wall: float = 1.06, wall_200: float = 1.0) -> Truth:
    """At ``CULPRIT``: 30 % more instructions and 20 % more calls; wall time ``wall``
    times slower at n=1000 (by default under the 10 % threshold of timings: only a
    size), ``wall_200`` at n=200. The VM countdown never moves."""
    return {
        INSTR.benchmark: {("200",): _levels(1000.0, 1300.0)},
        CALLS: {("200",): _levels(10.0, 12.0), ("1000",): _levels(10.0, 12.0)},
        TIME: {("200",): _levels(0.010, 0.010 * wall_200), ("1000",): _levels(0.050, 0.050 * wall)},
        VM_TIME: {("200",): _levels(0.020), ("1000",): _levels(0.080)},
        VM_CALLS: {("200",): _levels(7.0), ("1000",): _levels(7.0)},
    }


def flat_truth() -> Truth:
    """Nothing moves anywhere."""
    truth = regression_truth(wall=1.0)
    truth[INSTR.benchmark] = {("200",): _levels(1000.0)}
    truth[CALLS] = {("200",): _levels(10.0), ("1000",): _levels(10.0)}
    return truth


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A git repository of ``N`` commits on ``main``: each edits ``cascade/core.py``
    (a new function), but ``DOCS``, which edits only ``docs/notes.md``."""
    path = tmp_path_factory.mktemp("cascade")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    }  # fmt: skip

    def git(*args: str, when: int = 0) -> str:
        stamp = f"2024-01-01T00:{when:02d}:00+00:00"
        env_at = {**env, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        proc = subprocess.run(["git", "-C", str(path), *args], env=env_at, capture_output=True,
                              text=True, check=True)  # fmt: skip
        return proc.stdout.strip()

    git("init", "-q", "-b", "main")
    (path / "cascade").mkdir()
    (path / "docs").mkdir()
    core, notes = path / "cascade" / "core.py", path / "docs" / "notes.md"
    source, text = "", ""
    commits = []
    for i in range(N):
        if i == DOCS:
            text += f"note {i}\n"
            notes.write_text(text)
        else:
            source += f"\n\ndef step_{i}(x):\n    return x + {i}\n"
            core.write_text(source)
        git("add", "-A")
        git("commit", "-q", "-m", f"commit {i}" + (" (docs)" if i == DOCS else ""), when=i)
        commits.append(git("rev-parse", "HEAD"))
    return path, commits


@pytest.fixture
def suite(repo: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Suite:
    """The suite's own asv.conf.json over ``repo`` (results and profiles in tmp_path)."""
    monkeypatch.delenv("CASCADE_BENCH_PROFILE_DIR", raising=False)
    return load_suite(write_asv_conf(tmp_path / "suite", repo[0]))


@pytest.fixture
def commits(repo: tuple[Path, list[str]]) -> list[str]:
    return repo[1]


def _asv(suite: Suite, commits: list[str], truth: Truth, measured: list[int], **kw) -> FakeAsv:
    """A fake asv over ``truth`` that has already measured the commits ``measured``
    (every benchmark, plainly), its record of calls emptied."""
    fake = FakeAsv(truth, commits, MACHINE, **kw)
    fake.run(suite, [commits[i] for i in measured], ".")
    fake.calls.clear()
    return fake


def _one(findings: list[Finding], benchmark: str, params: tuple[str, ...]) -> Finding:
    (f,) = [f for f in findings if f.series == (benchmark, params)]
    return f


# What narrowing measures: the stepped signals of the stepped class, nothing else.
PROBES = {
    SeriesKey.module_classes_regex([f"{m}.SimpleCountdown" for m in modules])
    for modules in (["calls"], ["instructions"], ["loops"], ["calls", "instructions"])
}


def _probes(fake: FakeAsv) -> list[str]:
    """Commits measured to narrow steps (one plain run of the stepped classes each)."""
    return [c for call in fake.calls if call.regex in PROBES and not call.args
            for c in call.commits]  # fmt: skip


def _timed(fake: FakeAsv) -> list:
    """The side-by-side runs: confirmations (interleaved) and sizes."""
    return [call for call in fake.calls if call.rounds]


def test_regression_in_a_gap_is_bisected_to_its_commit_and_sized(
    suite: Suite, commits: list[str]
) -> None:
    fake = _asv(suite, commits, regression_truth(), [0, N - 1])  # 8 unmeasured between
    blame, _ = blame_history(suite, Options(MACHINE), Timings(), fake)

    parent, culprit = commits[CULPRIT - 1], commits[CULPRIT]
    (c,) = blame.culprits
    assert (c.commit.hash, c.parent.hash, c.kind, c.pinned) == (culprit, parent, "regression", True)
    assert c.instructions == pytest.approx(1.3) and c.wall is None  # a size is no verdict
    assert blame.ranges == [] and blame.dismissed == []

    probes = _probes(fake)
    assert parent in probes and culprit in probes
    assert set(probes) <= set(commits[1 : N - 1]) and len(probes) == len(set(probes))
    assert len(probes) <= bisection.log2_ceil(N - 1)
    (gap,) = blame.gaps
    assert (gap.left, gap.right, gap.commits) == (commits[0], commits[-1], N - 1)
    assert (gap.built, gap.log2, gap.culprits) == (len(probes), 4, [culprit])

    instr = _one(blame.findings, INSTR.benchmark, INSTR.params)
    assert (instr.before, instr.after, instr.pinned) == (1000.0, 1300.0, True)
    assert instr.bisect.gap == N - 1 and instr.bisect.built == len(probes)

    # The wall time behind the instruction step: sized (3 rounds, not interleaved),
    # at the largest loop, into a scratch results directory gone after the run.
    (sizing,) = _timed(fake)
    assert "--no-interleave-rounds" in sizing.args and not sizing.interleaved
    assert sizing.rounds == verdict.SIZE_ROUNDS and sizing.commits == (parent, culprit)
    assert sizing.regex == SeriesKey.exact_regex([SeriesKey(TIME, ("1000",))])
    assert sizing.results_dir != suite.results_dir and not sizing.results_dir.exists()
    size = _one(blame.findings, TIME, ("1000",))
    assert size.sizing and size.confirmed is None and size.kind == "regression"
    assert size.confirmation.parent_samples == 3 * verdict.SAMPLES_PER_ROUND
    assert len(size.confirmation.culprit_rounds) == verdict.SIZE_ROUNDS
    assert "a size, not a verdict" in size.confirmation.reason
    assert size.ratio == pytest.approx(1.06, abs=0.01)
    assert size.before == pytest.approx(0.050, rel=0.01)

    assert [m.signal for m in c.moves] == ["instructions", "time", "calls"]
    wall = c.moves[1]
    assert (wall.rounds, wall.confirmed) == (verdict.SIZE_ROUNDS, False)
    assert wall.ratio == pytest.approx(1.06, abs=0.01)
    assert c.series == [f"{CALLS}(1000)", f"{CALLS}(200)", f"{INSTR.benchmark}(200)"]

    stepped = [s for s in blame.series if s.steps]
    assert len(stepped) == 3  # instructions and both call counts; no timing step
    assert all(s.explained == s.steps and not s.unresolved for s in blame.series)
    vm = [s for s in blame.series if "VMCountdown" in s.benchmark]
    assert vm and all(s.measured == 2 for s in vm)  # narrowing measured only the stepped class


def test_a_loop_slower_than_the_limit_is_sized_at_a_smaller_size(
    suite: Suite, commits: list[str]
) -> None:
    """n=1000 takes 1.5 s a run at both ends of the gap (over the sizing limit): the
    wall time behind the instruction step is sized at n=200."""
    truth = regression_truth(wall_200=1.2)
    truth[TIME][("1000",)] = _levels(1.5)
    fake = _asv(suite, commits, truth, [0, N - 1])
    blame, _ = blame_history(suite, Options(MACHINE), Timings(), fake)
    (sizing,) = _timed(fake)
    assert sizing.regex == SeriesKey.exact_regex([SeriesKey(TIME, ("200",))])
    size = _one(blame.findings, TIME, ("200",))
    assert size.sizing and size.ratio == pytest.approx(1.2, abs=0.02)


def test_time_is_charged_to_the_signals_that_ran(suite: Suite, commits: list[str]) -> None:
    # Probes of an instruction and call-count step measure those signals only; the
    # wall time is paid for in the sizing run alone.
    fake = _asv(suite, commits, regression_truth(), [0, N - 1])
    phases = Phases()
    blame_history(suite, Options(MACHINE), Timings(), fake, phases=phases)
    spent = phases.seconds
    counted = [c for call in fake.calls if "instructions" in call.regex and not call.args
               for c in call.commits]  # fmt: skip
    assert counted and spent["instructions"] == pytest.approx(len(counted) * SECONDS_PER_BENCHMARK)
    assert spent["profiling"] > 0
    assert "timing" not in spent and spent["side by side"] > 0
    line = phases.line()
    assert line.startswith("time: ") and "instructions " in line
    assert "side by side" in line and line.endswith(" s)")


def test_noisy_sample_is_contradicted_side_by_side(suite: Suite, commits: list[str]) -> None:
    noisy = commits[NOISY]
    first = {(f"{TIME}(200)", noisy): 0.030}  # 3x, once: a disturbed process
    fake = _asv(suite, commits, flat_truth(), list(range(N)), first=first)
    blame, _ = blame_history(suite, Options(MACHINE), Timings(), fake)

    # The one sample reads as a step up at NOISY and down after it; both are timed
    # side by side, rounds interleaved, and neither holds.
    assert [(c.commits, c.interleaved, c.rounds) for c in fake.calls] == [
        ((commits[NOISY - 1], noisy), True, verdict.CONFIRM_ROUNDS),
        ((noisy, commits[NOISY + 1]), True, verdict.CONFIRM_ROUNDS),
    ]
    assert blame.findings == [] and blame.culprits == [] and blame.ranges == []
    up, down = blame.dismissed
    assert (up.culprit.hash, up.kind, up.before, up.after) == (noisy, "regression", 0.010, 0.030)
    assert (down.culprit.hash, down.kind) == (commits[NOISY + 1], "speedup")
    for f in (up, down):
        assert f.confirmed is False and f.dismissal is None and not f.confirmation.significant
        assert f.confirmation.parent_median == pytest.approx(0.010, rel=0.01)
        assert f.confirmation.culprit_median == pytest.approx(0.010, rel=0.01)
        assert wording.dismissal_text(f) == "noise: not confirmed side by side"
    (series,) = [s for s in blame.series if s.benchmark == TIME and s.params == {"n": "200"}]
    assert (series.steps, series.explained, series.unresolved) == (2, 2, [])


def test_real_timing_step_is_confirmed_side_by_side(suite: Suite, commits: list[str]) -> None:
    """The noise test's control: a step that is there holds up side by side. With
    the instructions flat, only the 8-round test can say so."""
    truth = regression_truth(wall_200=1.3)
    truth[INSTR.benchmark] = {("200",): _levels(1000.0)}
    fake = _asv(suite, commits, truth, list(range(N)))
    blame, _ = blame_history(suite, Options(MACHINE), Timings(), fake)
    wall = _one(blame.findings, TIME, ("200",))
    assert wall.confirmed is True and wall.confirmation.separated
    assert wall.ratio == pytest.approx(1.3, abs=0.02) and not wall.sizing
    (c,) = blame.culprits
    assert c.commit.hash == commits[CULPRIT] and c.wall == pytest.approx(1.3, abs=0.02)
    assert blame.dismissed == []
    assert [call.interleaved for call in _timed(fake)] == [True]


def test_a_timing_step_behind_an_instruction_step_is_sized(
    suite: Suite, commits: list[str]
) -> None:
    # The instructions say the step exists: 3 rounds for its size, not 8 for a verdict.
    fake = _asv(suite, commits, regression_truth(wall_200=1.3), list(range(N)))
    blame, _ = blame_history(suite, Options(MACHINE), Timings(), fake)
    wall = _one(blame.findings, TIME, ("200",))
    assert wall.sizing and wall.confirmed is None and wall.kind == "regression"
    assert wall.ratio == pytest.approx(1.3, abs=0.03)
    assert "a size, not a verdict" in wall.confirmation.reason
    assert {call.rounds for call in _timed(fake)} == {verdict.SIZE_ROUNDS}
    assert not [call for call in _timed(fake) if call.interleaved]
    (series,) = [s for s in blame.series if s.benchmark == TIME and s.params == {"n": "200"}]
    assert (series.steps, series.explained, series.unresolved) == (1, 1, [])
    (c,) = blame.culprits
    assert c.wall is None  # a size is no verdict: the move says it, with its rounds
    assert {(m.signal, m.rounds) for m in c.moves if m.signal == "time"} == {
        ("time", verdict.SIZE_ROUNDS)
    }


def test_a_stored_verdict_behind_an_instruction_step_stands(
    suite: Suite, commits: list[str]
) -> None:
    # An earlier run confirmed the timing step (8 rounds); instructions now step there
    # too: the stored verdict stands, nothing is sized again.
    truth = regression_truth(wall_200=1.3)
    truth[INSTR.benchmark] = {("200",): _levels(1000.0)}
    earlier, _ = blame_history(suite, Options(MACHINE), Timings(), _asv(suite, commits, truth,
                                                                      list(range(N))))  # fmt: skip
    stored = {PairKey.of(SeriesKey(*f.series), f.pair): f.confirmation
              for f in earlier.findings if f.signal == "time" and not f.sizing}  # fmt: skip
    assert stored
    fake = _asv(suite, commits, regression_truth(wall_200=1.3), list(range(N)))
    blame, _ = blame_history(suite, Options(MACHINE, build=False), Timings(previous=stored), fake)
    assert _one(blame.findings, INSTR.benchmark, INSTR.params).ratio == pytest.approx(1.3)
    wall = _one(blame.findings, TIME, ("200",))
    assert wall.confirmed is True and not wall.sizing and fake.calls == []


def _range_of(blame: Blame, commits: list[str]):
    assert blame.culprits == []
    (r,) = blame.ranges
    assert (r.parent.hash, r.commit.hash, r.kind, r.pinned) == (
        commits[0], commits[-1], "regression", False,
    )  # fmt: skip
    assert r.unmeasured == N - 2
    return r


def test_no_build_lists_the_step_as_a_range(suite: Suite, commits: list[str]) -> None:
    fake = _asv(suite, commits, regression_truth(), [0, N - 1])
    blame, _ = blame_history(suite, Options(MACHINE, build=False), Timings(), fake)
    assert fake.calls == []  # nothing measured: no probe, no side-by-side run, no profile
    r = _range_of(blame, commits)
    assert r.open == f"{N - 2} unmeasured commit(s) between (--no-build)"
    assert wording.range_text(r).endswith(f"({N - 2} commits not measured: --no-build)")
    size = _one(blame.findings, TIME, ("1000",))
    assert size.confirmation.reason == "asv's stored results, not side by side (--no-build)"
    (series,) = [s for s in blame.series if s.benchmark == INSTR.benchmark]
    assert [u.why for u in series.unresolved] == [r.open]


def test_spent_budget_lists_the_step_as_a_range(suite: Suite, commits: list[str]) -> None:
    fake = _asv(suite, commits, regression_truth(), [0, N - 1])
    blame, _ = blame_history(suite, Options(MACHINE, budget=0), Timings(), fake)
    assert _probes(fake) == [] and _timed(fake) == []
    r = _range_of(blame, commits)
    assert r.open == f"{N - 2} unmeasured commit(s) between (--budget spent)"
    size = _one(blame.findings, TIME, ("1000",))
    assert size.confirmation.reason == "asv's stored results, not side by side (--budget spent)"


def test_spent_budget_builds_nothing(suite: Suite, commits: list[str]) -> None:
    fake = _asv(suite, commits, regression_truth(), [0, N - 1])
    blame_history(suite, Options(MACHINE, budget=0), Timings(), fake)
    assert fake.calls == []


def test_a_commit_is_measured_for_profiles_once(suite: Suite, commits: list[str]) -> None:
    fake = _asv(suite, commits, regression_truth(), list(range(N)))
    blame_history(suite, Options(MACHINE), Timings(), fake)
    profiled = [call.commits for call in fake.calls
                if call.regex == SeriesKey.classes_regex(["SimpleCountdown"], "calls")]  # fmt: skip
    assert profiled and len(profiled) == len(set(profiled))


@pytest.mark.parametrize(("at", "dismissed"), [(DOCS, True), (DOCS + 1, False)])
def test_a_step_at_a_docs_only_commit_is_dismissed(
    suite: Suite, commits: list[str], at: int, dismissed: bool
) -> None:
    truth = flat_truth()
    truth[CALLS][("200",)] = _levels(10.0, 10.3, at=at)  # 3 % more calls: a wobble
    fake = _asv(suite, commits, truth, list(range(N)))
    blame, _ = blame_history(suite, Options(MACHINE), Timings(), fake)
    assert _probes(fake) == [] and _timed(fake) == []  # pinned as measured; calls: no timing
    if not dismissed:  # the control: the same step at a commit that edited cascade/core.py
        (c,) = blame.culprits
        assert (c.commit.hash, c.kind) == (commits[at], "work") and blame.dismissed == []
        return
    assert blame.findings == [] and blame.culprits == [] and blame.ranges == []
    (f,) = blame.dismissed
    assert (f.culprit.hash, f.benchmark, f.pinned) == (commits[DOCS], CALLS, True)
    assert wording.dismissal_text(f) == (
        "changed nothing that ran: touches only files no workload ran (docs/notes.md)"
    )
    (series,) = [s for s in blame.series if s.benchmark == CALLS and s.params == {"n": "200"}]
    assert (series.steps, series.explained) == (1, 1)


def test_compare_mode_finds_the_regression_and_drops_noise(
    suite: Suite, commits: list[str]
) -> None:
    base, head = commits[CULPRIT - 1], commits[CULPRIT]
    fake = FakeAsv(regression_truth(wall=1.0, wall_200=1.3), commits, MACHINE)
    # As ``cascade-bench compare`` measures: wall time side by side, the exact signals once.
    fake.run(suite, [base, head], r"^loops\.", verdict.side_by_side_args(verdict.CONFIRM_ROUNDS))
    fake.run(suite, [base, head], SeriesKey.classes_regex(["SimpleCountdown", "VMCountdown"],
                                                          "calls|instructions"))  # fmt: skip
    blame = blame_pair(suite, Options(MACHINE, build=False), base, head)

    assert len(fake.calls) == 2  # blame_pair itself measures nothing
    found = {(f.benchmark, *f.params.values()): f for f in blame.findings}
    assert set(found) == {
        (TIME, "200"), (INSTR.benchmark, "200"), (CALLS, "200"), (CALLS, "1000"),
    }  # fmt: skip
    wall = found[(TIME, "200")]
    assert wall.confirmed is True and wall.confirmation.separated
    assert wall.confirmation.parent_samples == verdict.CONFIRM_ROUNDS * verdict.SAMPLES_PER_ROUND
    assert wall.ratio == pytest.approx(1.3, abs=0.02)
    # The flat timings differ only by jitter: timed, not confirmed, and dropped.
    assert blame.dismissed == []
    (c,) = blame.culprits
    assert (c.commit.hash, c.kind) == (head, "regression")
    assert c.wall == pytest.approx(1.3, abs=0.02) and c.instructions == pytest.approx(1.3)
    assert blame.series == [] and blame.gaps == []


def test_recheck_supersedes_a_narrowed_range(suite: Suite, commits: list[str]) -> None:
    fake = _asv(suite, commits, regression_truth(), [0, N - 1])
    earlier, _ = blame_history(suite, Options(MACHINE, build=False), Timings(), fake)
    stored = _one(earlier.findings, INSTR.benchmark, INSTR.params)
    assert not stored.pinned
    now, recheck = blame_history(suite, Options(MACHINE), Timings(), fake)
    probed = len(_probes(fake))
    assert recheck(stored) == (
        "superseded",
        f"narrowed: {probed} commit(s) between {commits[0][:8]} and {commits[-1][:8]} "
        "measured since",
    )
    assert recheck(_one(now.findings, INSTR.benchmark, INSTR.params)) is None  # it stands


def test_recheck_retracts_an_exact_step_measured_again(suite: Suite, commits: list[str]) -> None:
    fake = _asv(suite, commits, regression_truth(), list(range(N)))
    earlier, _ = blame_history(suite, Options(MACHINE), Timings(), fake)
    stored = _one(earlier.findings, INSTR.benchmark, INSTR.params)
    wall = _one(earlier.findings, TIME, ("1000",))
    # Measured again (a broken build had counted the step): no step any more.
    fake.truth[INSTR.benchmark][INSTR.params] = _levels(1000.0)
    fake.run(suite, commits[CULPRIT:], SeriesKey.exact_regex([INSTR]))
    _, recheck = blame_history(suite, Options(MACHINE, build=False), Timings(), fake)
    assert recheck(stored) == (
        "retracted",
        "re-measured: 1000 -> 1000 instructions/iteration, no step (stored 1000 -> 1300)",
    )
    assert recheck(wall) is None  # only a side-by-side run shows a timing step wrong


def test_a_results_file_set_aside_rewrites_no_stored_finding(
    suite: Suite, commits: list[str], tmp_path: Path
) -> None:
    # A full run stores its findings; then the culprit's parent's results file is
    # truncated: blame --no-build sets it aside and sees the step against another
    # parent, unconfirmed. The store keeps what it had, retracting nothing.
    from cascade_bench.blame_store import Store

    fake = _asv(suite, commits, regression_truth(wall_200=1.3), list(range(N)))
    path = tmp_path / "blame.json"
    stored = Store.open(path)
    blame, evidence = blame_history(suite, Options(MACHINE), Timings(), fake)
    before = stored.update(blame, evidence)
    assert any(f.culprit.hash == commits[CULPRIT] for f in before.findings)
    (parent_file,) = (suite.results_dir / MACHINE).glob(f"{commits[CULPRIT - 1][:8]}-*.json")
    parent_file.write_text(parent_file.read_text()[:100])

    fake.calls.clear()
    again = Store.open(path)
    known = Timings(previous=again.verdicts(), sizes=again.sizes())
    less, evidence = blame_history(suite, Options(MACHINE, build=False), known, fake)
    assert less.set_aside and fake.calls == []
    assert {f.parent.hash for f in less.findings} == {commits[CULPRIT - 2]}  # what it saw
    after = again.update(less, evidence)
    assert after.findings == before.findings and after.dismissed == before.dismissed
    assert after.retracted == [] and after.superseded == []


def _store_profiles(suite: Suite, commits: list[str], workload: str = "simple_countdown") -> None:
    """A real cProfile profile of something at every commit, where blame reads them."""
    import cProfile
    import pstats

    from cascade_bench.suite import profile_store

    profiler = cProfile.Profile()
    profiler.runcall(sorted, range(100))
    store = profile_store()
    for commit in commits:
        for n in (200, 1000):
            path = store.profile_path(suite.profile_root, MACHINE, commit, "env", workload, n)
            store.write_stats(pstats.Stats(profiler), path)


def test_a_timing_step_where_no_code_changed_is_settled_untimed(
    suite: Suite, commits: list[str]
) -> None:
    # One noisy sample at the docs-only commit, instructions and calls flat, profiles
    # stored: noise by construction. The step back down lands on a commit that
    # edited cascade/core.py, which the stored profiles never ran: noise too. No
    # side-by-side run at all.
    docs = commits[DOCS]
    fake = _asv(suite, commits, flat_truth(), list(range(N)), first={(f"{TIME}(200)", docs): 0.03})
    _store_profiles(suite, commits)
    blame, _ = blame_history(suite, Options(MACHINE), Timings(), fake)
    assert _timed(fake) == []
    assert blame.findings == [] and blame.culprits == []
    up, down = blame.dismissed
    assert (up.culprit.hash, down.culprit.hash) == (docs, commits[DOCS + 1])
    assert up.confirmed is False and up.confirmation.parent_median is None
    same = "not re-timed: instructions and call counts unchanged, and the commit touches only"
    assert up.confirmation.reason == f"{same} files no workload ran (docs/notes.md)"
    assert down.confirmation.reason == f"{same} files no workload ran (cascade/core.py)"
    assert wording.dismissal_text(up) == f"noise: {up.confirmation.reason}"


def test_without_profiles_only_a_commit_outside_the_package_is_settled_untimed(
    suite: Suite, commits: list[str]
) -> None:
    # What ran is unknown without profiles: every package module counts as run. The
    # docs-only commit still cannot have moved the timing; the step back down, at a
    # commit that edited cascade/core.py, is timed side by side.
    docs = commits[DOCS]
    fake = _asv(suite, commits, flat_truth(), list(range(N)), first={(f"{TIME}(200)", docs): 0.03})
    blame = blame_history(suite, Options(MACHINE), Timings(), fake)[0]
    assert [c.commits for c in _timed(fake)] == [(docs, commits[DOCS + 1])]
    up = next(f for f in blame.dismissed if f.culprit.hash == docs)
    assert up.confirmation.reason.endswith("touches only files no workload ran (docs/notes.md)")


def test_a_timing_probe_left_uncounted_is_counted_before_timing(
    suite: Suite, commits: list[str]
) -> None:
    # Timing measured everywhere, instructions only at the ends: the timing step at
    # the docs-only commit gets an instruction count at both its commits (cheap),
    # which shows the work unchanged; then no side-by-side run is needed for it.
    docs = commits[DOCS]
    fake = _asv(suite, commits, flat_truth(), [0, N - 1], first={(f"{TIME}(200)", docs): 0.03})
    fake.run(suite, commits, SeriesKey.module_classes_regex(["loops.SimpleCountdown"]))
    fake.calls.clear()
    blame = blame_history(suite, Options(MACHINE), Timings(), fake)[0]
    counted = [
        c.commits
        for c in fake.calls
        if c.regex == SeriesKey.module_classes_regex(["instructions.SimpleCountdown"])
    ]
    assert (commits[DOCS - 1],) in counted and (docs,) in counted
    assert (commits[DOCS - 1], docs) not in [c.commits for c in _timed(fake)]
    up = next(f for f in blame.dismissed if f.culprit.hash == docs)
    assert up.confirmation.reason.startswith("not re-timed: instructions")
