"""``cascade-bench nightly``: the whole night in one command.

1. set aside corrupt results files (an interrupted write), so they are measured again;
2. benchmark the commits that are new since the last stored results (asv run);
3. optionally back-fill older, unmeasured history within a time budget;
4. blame the new commits' steps in full (narrowing gaps, confirming timing), then
   every other step whose culprit the store does not hold yet (back-filled or merged
   commits), with what is left of the budget; both merge into the store, which
   never loses a finding;
5. asv publish (every night, quiet ones too); write a Markdown summary that leads
   with the verdict.

Exit status: 0 nothing new got worse, 1 a confirmed regression in a new commit,
2 the run itself failed. Safe to interrupt and re-run: see the README.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from .. import asvrun, backfill, cli_args, fmt, lock, markdown_view, outputs, results, site
from ..asvconf import Suite, load_suite, require_machine
from ..blame import Options, Timings, blame_history
from ..blame_store import Store, blame_path
from ..history import History
from ..model import Blame
from ..phases import Phases
from ..progress import Progress
from ..suite import SuiteError

BASELINE_COMMITS = 1  # a first night benchmarks only the branch head
# Back-fill stops at this share of --backfill-budget: blame narrows the steps between
# the back-filled commits with the rest (a back-fill alone pins no culprit).
BACKFILL_SHARE = 0.5


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("nightly", help="benchmark new commits, blame, publish, summarize")
    cli_args.add_config(p)
    cli_args.add_machine(p)
    p.add_argument("--backfill-budget", type=float, default=0,
                   help="seconds of the night (from its start) for measuring older commits "
                   "and blaming their steps (default: %(default)s, none)")  # fmt: skip
    p.add_argument("--summary", help="write the Markdown summary here (e.g. $GITHUB_STEP_SUMMARY)")
    p.add_argument("--no-publish", action="store_true",
                   help="leave the published report (asv publish) as it is")  # fmt: skip
    p.add_argument("--no-pull", action="store_true", help="do not fetch the repository first")
    p.set_defaults(func=run)


def new_commits(history: History, measured: set[str]) -> list[str]:
    """Commits after the newest measured one on the first-parent line."""
    on_branch = [c for c in history.order if c in measured]
    if not on_branch:
        return history.order[-BASELINE_COMMITS:]
    return history.order[history.position[on_branch[-1]] + 1 :]


def _pull(suite: Suite) -> None:
    """Refresh (or make) asv's mirror when the repo is a URL, so new commits are seen."""
    if suite.path(suite.conf.repo).is_dir():
        return
    mirror = suite.path(suite.conf.project)
    cmd = (
        ["git", "-C", str(mirror), "fetch", "--quiet", "origin"]
        if mirror.is_dir()
        else ["git", "clone", "--quiet", "--mirror", suite.conf.repo, str(mirror)]
    )
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SuiteError(f"cannot update {suite.conf.repo}: {proc.stderr.strip()[-200:]}")


def run(args: argparse.Namespace) -> int:
    suite = load_suite(args.config)
    machine = suite.machine(args.machine)
    require_machine(machine)
    with lock.hold(suite.lock_path, "nightly"):
        return _night(suite, machine, args)


def _night(suite: Suite, machine: str, args: argparse.Namespace) -> int:
    started = time.monotonic()
    phases = Phases()
    if not args.no_pull:
        _pull(suite)
    history = History(suite)
    set_aside = results.set_aside_machine_files(suite.results_dir)
    results.restore_machine_file(suite.results_dir, machine)
    measured = results.measured_commits(suite.results_dir, machine, set_aside)
    todo = suite.conf_dir / f".cascade-bench-nightly-{machine}.todo"
    new = _benchmark_new(suite, machine, history, measured, todo, phases)
    backfilled = _backfill(suite, machine, history, measured | set(new), args.backfill_budget,
                           started, phases)  # fmt: skip
    store = Store.open(blame_path(suite.blame_dir, machine))
    before = store.keys()
    tonight, merged = _blame_night(suite, machine, history, measured, new, backfilled.commits,
                                   store, args.backfill_budget, started, phases)  # fmt: skip
    failed = None
    if not args.no_publish and results.has_machine(suite.results_dir, machine):
        try:
            site.publish(suite)
        except SuiteError as exc:
            failed = str(exc)  # the night's summary still goes out
    todo.unlink(missing_ok=True)
    aside = [*set_aside, *(Path(p) for p in (merged.set_aside if merged else []))]
    compared = bool(measured) and _compared(history, measured | set(backfilled.commits), new)
    now = results.measured_commits(suite.results_dir, machine, [])  # blame's probes too
    text = summarize(machine, new, backfilled, tonight, merged, before, aside,
                     _failed_at(suite, machine, new), compared=compared,
                     measured=len(now))  # fmt: skip
    if failed:
        text += f"\nNot published: {fmt.markdown_text(failed)}\n"
    print(text)
    print(phases.line())
    if args.summary:
        outputs.write(args.summary, text, "--summary", append=True)
    if failed:
        raise SuiteError(failed)
    return 1 if tonight.counted else 0


def _failed_at(suite: Suite, machine: str, commits: list[str]) -> list[results.Point]:
    """The series with no number at ``commits`` because their benchmark failed."""
    if not commits or not results.has_machine(suite.results_dir, machine):
        return []
    wanted = set(commits)
    points = results.load_machine(suite.results_dir, machine, set_aside=[], commits=commits,
                                  default_timeout=suite.default_timeout)  # fmt: skip
    return [p for p in points if p.commit in wanted and p.value == results.FAILED]


def _backfill(
    suite: Suite, machine: str, history: History, measured: set[str], budget: float,
    started: float, phases: Phases,
) -> backfill.Backfilled:  # fmt: skip
    """Old commits, one at a time (``backfill.next_commit``), while the back-fill's
    share of the night's ``budget`` (seconds since ``started``) lasts."""
    budget *= BACKFILL_SHARE
    done = backfill.Backfilled(budget=budget)
    if not budget:
        return done
    points = results.load_machine(suite.results_dir, machine, set_aside=[]) if measured else []
    before = backfill.without_workloads(points)
    t0 = time.monotonic()
    with Progress("nightly: back-filling, commit") as progress:
        _backfill_loop(suite, machine, history, measured, budget, started, phases, done, before,
                       progress)  # fmt: skip
    done.seconds = time.monotonic() - t0
    return done


def _backfill_loop(
    suite: Suite, machine: str, history: History, measured: set[str], budget: float,
    started: float, phases: Phases, done: backfill.Backfilled, before: set[str],
    progress: Progress,
) -> None:  # fmt: skip
    while time.monotonic() - started <= budget:
        commit = backfill.next_commit(history.order, measured | set(done.commits), before)
        if commit is None:
            break
        left = budget - (time.monotonic() - started)
        progress.step(f"{commit[:8]} ({fmt.duration(left)} of the budget left)")
        phases.timed(
            lambda c=commit: asvrun.run_commits(suite, [c], ".", machine, ("--skip-existing",)),
            suite.results_dir, machine, [commit],
        )  # fmt: skip
        done.commits.append(commit)
        at = results.load_machine(suite.results_dir, machine, set_aside=[], commits=[commit])
        if backfill.without_workloads(at):
            before.add(commit)
            done.without_workloads.append(commit)


def _benchmark_new(
    suite: Suite, machine: str, history: History, measured: set[str], todo: Path, phases: Phases
) -> list[str]:
    """asv run on the commits new since the last night and on those an interrupted
    night left in ``todo``; returns them in history order."""
    # An interrupted night left its plan behind: finish it (asv skips what is stored).
    unfinished = todo.read_text().split() if todo.is_file() else []
    new = [c for c in history.order if c in set(unfinished) | set(new_commits(history, measured))]
    log(f"{len(new)} new commit(s) on {history.branch} for machine {machine}")
    if new:
        todo.write_text("\n".join(new) + "\n")
        with Progress("nightly: benchmarking new commits, commit", total=len(new)) as progress:
            step = lambda h: progress.step(f"{h}: every benchmark")  # noqa: E731
            phases.timed(lambda: asvrun.run_commits(suite, new, ".", machine,
                                                    ("--skip-existing",), on_commit=step),
                         suite.results_dir, machine, new)  # fmt: skip
    return new


def _compared(history: History, earlier: set[str], new: list[str]) -> bool:
    """Whether the new commits have a measured commit before them to be compared with."""
    return bool(new) and any(
        history.position.get(c, len(history.order)) < history.position[new[0]] for c in earlier
    )


def _blame_night(
    suite: Suite,
    machine: str,
    history: History,
    measured: set[str],
    new: list[str],
    backfilled: list[str],
    store: Store,
    budget: float,
    started: float,
    phases: Phases,
) -> tuple[Blame, Blame | None]:
    """The new commits' steps in full, then every step the store does not explain yet
    within what is left of the night's ``budget`` (seconds since ``started``):
    (tonight's blame, the store after both). Back-filled commits count as measured:
    a first night with a back-fill attributes across all it measured."""
    tonight = Blame(machine=machine, generated_at="", findings=[])
    merged = None
    everything = measured | set(new) | set(backfilled)
    if _compared(history, measured | set(backfilled), new):
        first = history.order[history.position[new[0]] - 1]
        opts = Options(machine=machine, range_spec=f"{first}..{new[-1]}")
        tonight, merged = _blame(suite, opts, store, phases)
    if len(everything) > 1:
        # Everything else the store does not explain yet: steps between back-filled
        # or merged commits. Narrowing and timing only with what is left of the budget.
        left = max(0.0, budget - (time.monotonic() - started))
        opts = Options(machine=machine, build=left > 0, budget=left)
        _, merged = _blame(suite, opts, store, phases)
    return tonight, merged


def _blame(suite: Suite, opts: Options, store: Store, phases: Phases) -> tuple[Blame, Blame]:
    """One blame run merged into the store: (this run, the store after it)."""
    known = Timings(previous=store.verdicts(), sizes=store.sizes())
    blame, recheck = blame_history(suite, opts, known, phases=phases)
    return blame, store.update(blame, recheck)


def summarize(
    machine: str,
    new: list[str],
    backfilled: backfill.Backfilled,
    tonight: Blame,
    store: Blame | None,
    before: set[tuple],
    set_aside: list[Path],
    failed: list[results.Point] | None = None,
    *,
    compared: bool = True,
    measured: int = 0,
) -> str:
    """The night's Markdown summary: the verdict first, then what was done, and
    every series that failed (or timed out) at a new commit, with why. ``compared``
    false (a first night, or new commits with nothing measured before them): the
    verdict is what the night established over the ``measured`` commits (the
    store's culprits), never "no regression"."""
    lines = [_verdict(new, tonight, None if compared else (store, measured)), ""]
    if new:
        lines.append(f"Benchmarked {len(new)} new commit(s) on {fmt.markdown_text(machine)}: "
                     + ", ".join(f"`{c[:8]}`" for c in new[:20]))  # fmt: skip
    if backfilled.commits:
        lines.append(backfilled.line())
    others = [c for c in tonight.culprits if c.kind != "regression"]
    if others:
        lines.append(f"Other culprit commits: {len(others)} (speed-ups, or work changed at no "
                     "measured cost).")  # fmt: skip
    if tonight.dismissed:
        lines.append(f"{len(tonight.dismissed)} step(s) dismissed (noise, or a commit that "
                     "changed nothing that ran).")  # fmt: skip
    if store is not None:
        lines.append(_store_line(store, before, new))
    failed = failed or []
    if failed:
        lines.append(f"{len(failed)} series failed at new commits:")
        lines += [f"- `{p.benchmark}({', '.join(p.params)})` at `{p.commit[:8]}`: "
                  f"{fmt.markdown_text(p.why or 'failed')}" for p in failed]  # fmt: skip
    for path in set_aside:
        name = fmt.markdown_text(str(path))
        lines.append(f"Set aside a corrupt file (kept for a look): {name}")
    return "\n".join(lines) + "\n"


def _baseline(store: Blame | None, measured: int) -> str:
    """The heading of a night that compared no new commit with one measured on an
    earlier night: what it established, never "no regression"."""
    if measured < 2:
        return ("## Nightly: nothing to compare yet: one commit measured\n\n"
                "The next night compares its new commits with this one; `--backfill-budget` "
                "measures older commits now.")  # fmt: skip
    culprits = store.culprits if store is not None else []
    head = (f"## Nightly: baseline: {measured} commits measured; {len(culprits)} culprit "
            "commit(s) among them")  # fmt: skip
    return head + (f"\n\n{markdown_view.markdown(store)}" if culprits and store else "")


def _verdict(
    new: list[str], tonight: Blame, baseline: tuple[Blame | None, int] | None = None
) -> str:
    """The summary's heading, with tonight's culprits when a new commit regressed;
    ``baseline``: (the store, commits measured) on a night that compared nothing."""
    bad = [c for c in tonight.culprits if c.kind == "regression"]
    open_bad = [c for c in tonight.ranges if c.kind == "regression"]
    if not new:
        return (
            "## Nightly: nothing new\n\nNo new commits since the last run; nothing was benchmarked."
        )
    if baseline is not None:  # the store's culprits hold tonight's too
        return _baseline(*baseline)
    if bad:
        return (
            f"## Nightly: {len(bad)} culprit commit(s) with regressions\n\n"
            f"{markdown_view.markdown(tonight)}"
        )
    if open_bad:
        return (
            f"## Nightly: regressions in {len(open_bad)} range(s) not narrowed to one commit\n\n"
            f"{markdown_view.markdown(tonight)}"
        )
    return "## Nightly: no regression in new commits\n"


def _store_line(store: Blame, before: set[tuple], new: list[str]) -> str:
    """The store after the night: findings, culprits, what older history gained."""
    older = [f for f in store.findings if f.key not in before and f.culprit.hash not in new]
    open_regressions = {f.culprit.hash for f in store.findings if f.counts}
    return (
        f"Store: {len(store.findings)} finding(s) for {len(store.culprits)} culprit "
        f"commit(s) ({len(open_regressions)} with regressions), "
        f"{len(older)} newly found in older history, {len(store.retracted)} retracted."
    )


def log(msg: str) -> None:
    print(f"nightly: {msg}", file=sys.stderr, flush=True)
