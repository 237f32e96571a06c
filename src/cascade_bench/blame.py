"""From asv's results to "this step began at commit X; inside it, function F got slower".

1. find steps in every series: asv's step detection for timings, every change
   beyond the threshold for the exact call counts (asv.conf.json thresholds),
   and every place a series starts (n/a or failed, then a number);
2. narrow each to one commit: measure the middle of every stepped gap with
   ``asv run`` and detect again, to a fixed point (see ``locate``), so that
   several steps in one gap each get their own culprit and a series starts
   where its workload is born (stored results are reused; failing commits stay
   points of their series and are walked over);
3. confirm timing steps by measuring parent and culprit side by side,
   interleaved (call-count steps are exact and need no confirmation); every
   call-count step is also timed side by side, since one noisy sample per commit
   can hide its timing step (see ``verdict`` for the rule);
4. diff the two commits' profiles of the workload, per loop iteration.

``Blamer.run`` does all of it over a history; ``Blamer.compare`` does 3 and 4 for
two commits measured side by side (pull-request mode). Both return the findings
model (``findings.Blame``).
"""

from __future__ import annotations

import math
import pstats
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from asv.results import Results
from asv.util import UserError

from . import (
    accounting,
    asvrun,
    funcdiff,
    history,
    locate,
    profiles,
    relevance,
    results,
    suite,
    verdict,
)
from .asvconf import Suite
from .findings import (
    Bisect,
    Blame,
    CallsChange,
    Confirmation,
    Finding,
    FunctionDiff,
    Outdated,
    Pair,
    culprit_lists,
)
from .history import History
from .locate import Question
from .steps import DEFAULT_SERIES, SeriesKey, Step, beyond, build_series, threshold_for
from .suite import SuiteError

Samples = tuple[list[float], dict]  # asv's recorded samples and stats of one commit
UNITS = {"time": "seconds", "calls": "calls/iteration", "instructions": "instructions/iteration"}


@dataclass
class Options:
    machine: str
    bench_regex: str = DEFAULT_SERIES
    range_spec: str | None = None
    threshold: float | None = None  # overrides asv.conf.json's regressions_thresholds
    build: bool = True  # run asv to narrow steps and to confirm timing steps
    confirm_rounds: int = verdict.CONFIRM_ROUNDS
    budget: float | None = None  # seconds for extra builds (probes, side-by-side runs)


@dataclass(frozen=True)
class Located:
    """A step pinned to a pair of commits (as far as it could be)."""

    step: Step
    pair: Pair
    bisect: Bisect
    derived: bool = False  # a timing check behind an exact (instruction or call) step
    # Behind an instruction step: the step exists; the timing only sizes its cost.
    sizes: bool = False


@dataclass
class Blamer:
    suite: Suite
    opts: Options
    previous: dict[tuple, Confirmation] = field(default_factory=dict)  # earlier verdicts
    sizes: dict[tuple, Confirmation] = field(default_factory=dict)  # earlier sizing runs
    built: set[str] = field(default_factory=set)
    timed_pairs: set[Pair] = field(default_factory=set)
    side_by_side: dict[tuple, tuple] = field(default_factory=dict)  # samples per pair run
    sized: dict[tuple, tuple] = field(default_factory=dict)  # samples per sizing run
    probed: set[str] = field(default_factory=set)  # commits measured to narrow steps
    asked_at: set[tuple[str, str]] = field(default_factory=set)  # (commit, class) measured
    out_of_budget: bool = False
    set_aside: list[Path] = field(default_factory=list)  # corrupt files moved aside
    _profiles: dict[Path, pstats.Stats] = field(default_factory=dict)
    _codes: dict[Path, profiles.Bytecodes | None] = field(default_factory=dict)
    _scratch: Suite | None = None

    def __post_init__(self) -> None:
        self.history = History(self.suite)
        self.started = time.monotonic()
        _ = self.in_range  # a bad or reversed --range fails before any work
        self.reload()

    # -- data -------------------------------------------------------------
    def reload(self) -> None:
        points = results.load_machine(
            self.suite.results_dir, self.opts.machine, set_aside=self.set_aside
        )
        self.values = {(p.benchmark, p.params, p.commit): p.value for p in points}
        self.points = points

    @property
    def scratch(self) -> Suite:
        """Where side-by-side runs write: their own results directory, so they never
        overwrite (or, interrupted, half-write) the history's results; the suite's
        environments, under the suite's lock that the command holds."""
        if self._scratch is None:
            where = Path(tempfile.mkdtemp(prefix="cascade-bench-side-by-side-"))
            self._scratch = self.suite.derived(where, share_envs=True)
        return self._scratch

    def close(self) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch.config_path.parent, ignore_errors=True)
            self._scratch = None

    def recheck(self, stored: Finding) -> Outdated | None:
        """Why a stored finding no longer stands, from this run's data: its range now
        holds measured commits (narrowed: superseded by what this run found there), or,
        for an exact series, its two commits were measured again (values differ from
        the stored ones) and no longer step beyond the threshold (retracted). None:
        nothing shows it wrong."""
        key = SeriesKey(stored.benchmark, tuple(stored.params.values()))
        try:
            inside = self.history.between(stored.parent.hash, stored.culprit.hash)[:-1]
        except SuiteError:
            inside = []  # off the branch now: nothing to narrow
        measured = [c for c in inside if self.value(key, c) is not None]
        if measured:
            return Outdated(
                "superseded",
                f"narrowed: {len(measured)} commit(s) between {stored.parent.short} and "
                f"{stored.culprit.short} measured since",
            )
        if stored.signal == "time":
            return None  # only a side-by-side dismissal shows a timing step wrong
        before, after = self.value(key, stored.parent.hash), self.value(key, stored.culprit.hash)
        if not (isinstance(before, float) and isinstance(after, float)):
            return None
        if (before, after) == (stored.before, stored.after):
            return None
        if beyond(before, after, self.threshold(key)):
            return None
        return Outdated(
            "retracted",
            f"re-measured: {before:.6g} -> {after:.6g} {stored.unit}, no step "
            f"(stored {stored.before:.6g} -> {stored.after:.6g})",
        )

    def value(self, key: SeriesKey, commit: str) -> float | str | None:
        return self.values.get((key.benchmark, key.params, commit))

    def log(self, msg: str) -> None:
        print(f"blame: {msg}", file=sys.stderr, flush=True)

    def budget_left(self) -> bool:
        """Whether another build fits in ``--budget`` (always, without one)."""
        if self.opts.budget is None or time.monotonic() - self.started < self.opts.budget:
            return True
        self.out_of_budget = True
        return False

    @cached_property
    def series_pattern(self) -> re.Pattern:
        return re.compile(self.opts.bench_regex)

    def blameable(self, key: SeriesKey) -> bool:
        """Selected by --bench and a Cascade workload: the Cascade-free floor is
        never blamed (a step there means the machine changed)."""
        return bool(self.series_pattern.search(key.benchmark)) and (key.workload is not None)

    @cached_property
    def in_range(self) -> set[str] | None:
        """Commits of ``--range``: only steps whose culprit lies there are blamed."""
        return set(self.history.range(self.opts.range_spec)) if self.opts.range_spec else None

    def threshold(self, key: SeriesKey) -> float:
        if self.opts.threshold is not None:
            return self.opts.threshold
        return threshold_for(key.benchmark, self.suite.conf.regressions_thresholds)

    def series(self) -> dict[SeriesKey, locate.Values]:
        series = build_series(self.points, self.history.position, self.opts.bench_regex)
        if not series:
            aside = "".join(f"; set aside corrupt {p}" for p in self.set_aside)
            raise SuiteError(
                f"no results match {self.opts.bench_regex!r} on {self.opts.machine}{aside}"
            )
        return series

    # -- 1 and 2. detect and narrow, to a fixed point ---------------------
    def questions(self) -> list[Question]:
        asked = locate.questions(self.series(), self.history.between, self.threshold,
                                 self.blameable)  # fmt: skip
        if self.in_range is None:
            return asked
        return [q for q in asked if self.in_range & set(self.history.between(q.left, q.right))]

    def narrow(self) -> list[Question]:
        """Measure the middle of every open question, detect again, until none is
        open (``locate.fixed_point``). What is still open at the end (no builds,
        budget spent, no result) says why."""
        return locate.fixed_point(
            self.questions,
            self.measure,
            lambda: self.opts.build and self.budget_left(),
            self.history.position.__getitem__,
            self.asked_at,
        )

    def measure(self, commit: str, classes: list[str]) -> None:
        """Every benchmark of ``classes`` (timings and call counts) at ``commit``."""
        self.log(f"measuring {commit[:8]} for {', '.join(classes)}")
        asvrun.run_commits(
            self.suite, [commit], SeriesKey.classes_regex(classes), self.opts.machine
        )
        self.built.add(commit)
        self.probed.add(commit)
        self.reload()

    def why_open(self, q: Question) -> str:
        if not self.opts.build:
            return f"{len(q.unmeasured)} unmeasured commit(s) between (--no-build)"
        if self.out_of_budget:
            return f"{len(q.unmeasured)} unmeasured commit(s) between (--budget spent)"
        return f"asv recorded no result at {q.probe[:8]}"

    # -- 3. confirm -------------------------------------------------------
    def confirm_pair(self, pair: Pair, keys: list[SeriesKey]) -> None:
        """Measure parent and culprit side by side, rounds interleaved (as ``asv
        continuous`` does), for all timing series stepping between them."""
        args = verdict.side_by_side_args(self.opts.confirm_rounds)
        todo = self._run_pair(pair, keys, self.previous, "confirming", args)
        if todo:
            self.keep_side_by_side(pair, todo, self.scratch.results_dir)

    def size_pair(self, pair: Pair, keys: list[SeriesKey]) -> None:
        """Measure parent and culprit side by side with few rounds (``verdict.
        SIZE_ROUNDS``): the wall-time size of an exact step that is known to exist."""
        what = f"sizing ({verdict.SIZE_ROUNDS} rounds)"
        for k in self._run_pair(pair, keys, self.sizes, what, verdict.sizing_args()):
            self.sized[(k.benchmark, k.params, *pair)] = (
                self._samples(self.scratch.results_dir, k, pair.parent),
                self._samples(self.scratch.results_dir, k, pair.culprit),
            )

    def _run_pair(
        self, pair: Pair, keys: list[SeriesKey], known: dict, what: str, args: tuple[str, ...]
    ) -> list[SeriesKey]:
        """Run ``keys`` not ``known`` yet at both commits of ``pair`` into the scratch
        suite with ``args``; the keys run ([] when nothing ran: known, --no-build, budget)."""
        todo = [k for k in keys if (k.benchmark, k.params, *pair) not in known]
        if not todo or not self.opts.build or not self.budget_left():
            return []
        self.log(f"{what}: {pair.parent[:8]} vs {pair.culprit[:8]} side by side: "
                 + ", ".join(sorted(k.asv_name for k in todo)))  # fmt: skip
        asvrun.run_commits(
            self.scratch, list(pair), SeriesKey.exact_regex(todo), self.opts.machine, args
        )
        self.built.update(pair)
        return todo

    def size(self, key: SeriesKey, pair: Pair) -> Confirmation:
        """The wall-time size of an exact step at ``pair``: an earlier run's, this
        run's sizing samples, else what asv's stored results say (no samples)."""
        k = (key.benchmark, key.params, *pair)
        if k in self.sizes:
            return self.sizes[k]
        a, b = self.sized.get(k, (None, None))
        if a is not None and b is not None:
            return Confirmation(**verdict.size(a[0], b[0]))
        if k in self.sized:
            return Confirmation(reason="no samples: the benchmark failed")
        why = "--no-build" if not self.opts.build else "--budget spent"
        return Confirmation(reason=f"asv's stored results, not side by side ({why})")

    def keep_side_by_side(self, pair: Pair, keys: list[SeriesKey], results_dir: Path) -> None:
        """Keep the samples of the side-by-side run just made into ``results_dir``:
        a later run for another pair may re-measure either commit there."""
        for k in keys:
            self.side_by_side[(k.benchmark, k.params, *pair)] = (
                self._samples(results_dir, k, pair.parent),
                self._samples(results_dir, k, pair.culprit),
            )
        self.timed_pairs.add(pair)

    def verdict(self, key: SeriesKey, pair: Pair, step: Step) -> Confirmation:
        """The stored verdict of an earlier run, or ``verdict.side_by_side_verdict``
        on the samples of this run's side-by-side measurement."""
        remembered = self.previous.get((key.benchmark, key.params, *pair))
        if remembered is not None:
            return remembered
        if pair not in self.timed_pairs:
            why = "--budget spent" if self.out_of_budget else "--no-build"
            return Confirmation(reason=f"not confirmed ({why})")
        a, b = self.side_by_side.get((key.benchmark, key.params, *pair), (None, None))
        if a is None or b is None:
            return Confirmation(significant=False, reason="no samples: the benchmark failed")
        (sa, st_a), (sb, st_b) = a, b
        return Confirmation(
            **verdict.side_by_side_verdict(
                sa, sb, st_a, st_b, slower=step.after > step.before, threshold=self.threshold(key)
            )
        )

    def _samples(self, results_dir: Path, key: SeriesKey, commit: str) -> Samples | None:
        for path in results_dir.glob(f"{self.opts.machine}/{commit[:8]}-*.json"):
            try:
                res = Results.load(str(path))
            except (UserError, ValueError, KeyError, TypeError):
                return None  # an interrupted side-by-side run: no samples, no verdict
            if key.benchmark not in res.get_all_result_keys():
                continue
            params = res.get_result_params(key.benchmark)
            combos = results.combos(params)
            if key.params not in combos:
                continue
            i = combos.index(key.params)
            samples = res.get_result_samples(key.benchmark, params)[i]
            stats = res.get_result_stats(key.benchmark, params)[i]
            if samples:
                return samples, stats
        return None

    # -- 4. attribute -----------------------------------------------------
    def attribute(self, finding: Finding, key: SeriesKey, pair: Pair) -> Finding:
        """``finding`` with the function diff of the two commits' stored profiles:
        ranked by bytecodes (deterministic) where they are stored, by calls for a
        call-count step; functions the culprit commit edited are marked."""
        workload = key.workload
        n = key.n if key.signal != "instructions" else max(suite.profiled_sizes())
        if workload is None or n is None:
            return replace(finding, notes=["not a Cascade workload"])
        root = self.suite.profile_root
        paths = {}
        for role, commit in (("parent", pair.parent), ("culprit", pair.culprit)):
            try:
                paths[role] = profiles.stored_path(root, self.opts.machine, commit, workload, n)
            except SuiteError as exc:
                if not self.opts.build:  # the step stands; only its functions are unknown
                    return replace(finding, notes=[f"no function diff: {exc}"])
                regex = SeriesKey.classes_regex([key.benchmark_class], "calls")
                asvrun.run_commits(self.suite, [commit], regex, self.opts.machine)
                self.built.add(commit)
                paths[role] = profiles.stored_path(root, self.opts.machine, commit, workload, n)
        try:
            before, after = self._profile(paths["parent"]), self._profile(paths["culprit"])
        except SuiteError as exc:
            # A corrupt profile is kept for a look, never read again: the next run
            # that measures the commit writes a new one.
            for p in paths.values():
                if p not in self._profiles and p.exists():
                    try:
                        profiles.load(p)
                    except SuiteError:
                        self.set_aside.append(results.move_aside(p))
            return replace(finding, notes=[f"no function diff: {exc}"])
        changes, notes = funcdiff.diff(before, after, n, key.signal)
        functions = [
            FunctionDiff(
                file=c.key[0],
                function=self.history.qualify(pair.culprit, c.key[0], c.line, c.key[1])
                if c.cascade
                else c.key[1],
                cascade=c.cascade,
                calls=(c.before.calls, c.after.calls),
                primitive_calls=(c.before.primitive_calls, c.after.primitive_calls),
                own=(c.before.own, c.after.own),
                cumulative=(c.before.cumulative, c.after.cumulative),
            )
            for c in changes
        ]
        codes = [self._bytecodes(paths[r]) for r in ("parent", "culprit")]
        if key.signal != "calls" and codes[0] is not None and codes[1] is not None:
            functions = funcdiff.rank_by_bytecodes(functions, codes[0], codes[1])
        else:
            functions = funcdiff.top(functions)
        edited = self.history.edited(*pair)
        functions = [replace(f, edited=(f.file, f.function) in edited) for f in functions]
        conf_dir = self.suite.conf_dir
        rel = {
            r: str(p.relative_to(conf_dir)) if p.is_relative_to(conf_dir) else str(p)
            for r, p in paths.items()
        }
        return replace(
            finding,
            functions=functions,
            notes=notes,
            profiles=rel,
            calls=CallsChange(before.total_calls / n, after.total_calls / n),
        )

    def _profile(self, path: Path) -> pstats.Stats:
        """A stored profile, read once: a time and a calls finding of one pair share it."""
        if path not in self._profiles:
            self._profiles[path] = profiles.load(path)
        return self._profiles[path]

    def _bytecodes(self, profile: Path) -> profiles.Bytecodes | None:
        if profile not in self._codes:
            self._codes[profile] = profiles.load_bytecodes(profile)
        return self._codes[profile]

    # -- all together -----------------------------------------------------
    def run(self) -> Blame:
        """Every step of the history, narrowed, confirmed and attributed; with one
        summary per series (nothing left unexplained silently) and per gap."""
        try:
            return self._run()
        finally:
            self.close()

    def _run(self) -> Blame:
        initial = self._measured_per_series()
        final = self.narrow()
        located = [
            Located(q.step, Pair(q.left, q.right), self._bisect(q, initial))
            for q in final
            if q.kind == "step"
            and q.step is not None
            and (self.in_range is None or q.right in self.in_range)
        ]
        located += self._timing_behind_exact(located)
        findings, dismissed = self._judge(located)
        return self._store(findings, dismissed, self._series_summaries(final, findings, dismissed))

    def compare(self, base: str, head: str) -> Blame:
        """Pull-request mode: ``base`` and ``head`` already measured side by side
        (``verdict.side_by_side_args``); same rules as ``run``."""
        pair = Pair(base, head)
        keys = sorted(
            {SeriesKey(b, p) for (b, p, c) in self.values if c == head},
            key=lambda k: (k.benchmark, k.params),
        )
        keys = [k for k in keys if self.blameable(k)]
        if not keys:
            raise SuiteError(f"no benchmark matching {self.opts.bench_regex!r} ran at {head[:8]}")
        self.keep_side_by_side(pair, [k for k in keys if k.signal == "time"],
                               self.suite.results_dir)  # fmt: skip
        located = []
        for key in keys:
            before, after = self.value(key, base), self.value(key, head)
            if not (isinstance(before, float) and isinstance(after, float)) or before == after:
                continue
            if key.exact and not beyond(before, after, self.threshold(key)):
                continue
            located.append(Located(Step(key, base, head, before, after), pair,
                                   Bisect(gap=1, built=0)))  # fmt: skip
        located += [loc for loc in self._timing_behind_exact(located) if loc.step.series in keys]
        findings, _ = self._judge(located, confirm=False)
        return self._store(findings, [], [])

    def _judge(
        self, located: list[Located], confirm: bool = True
    ) -> tuple[list[Finding], list[Finding]]:
        """(findings, dismissed): timing steps are confirmed side by side first;
        those not confirmed are dismissed as noise (or dropped, when they were only
        a check behind a call-count step)."""
        if confirm:
            jobs: dict[tuple[bool, Pair], list[SeriesKey]] = defaultdict(list)
            for loc in located:
                if loc.step.series.signal == "time":
                    jobs[(loc.sizes, loc.pair)].append(loc.step.series)
            # Sizes behind regressions first, then timing steps to confirm, then sizes
            # behind speed-ups; costliest first in each: what --budget leaves untimed
            # is the small stuff.
            def rank(job: tuple[bool, Pair]) -> tuple[int, float]:
                sizes, pair = job
                group = (0 if _pair_regresses(located, pair) else 2) if sizes else 1
                return group, -_pair_cost(located, pair)

            for sizes, pair in sorted(jobs, key=rank):
                run = self.size_pair if sizes else self.confirm_pair
                run(pair, jobs[(sizes, pair)])
        findings, dismissed = [], []
        for loc in located:
            finding = self.finding(loc)
            if finding.confirmed is False and not finding.sizing:
                if not loc.derived:  # timing behind a call-count step: nothing to report
                    (dismissed if confirm else []).append(finding)
                continue
            finding = self.attribute(finding, loc.step.series, loc.pair)
            why = self.changed_nothing_that_ran(finding) if finding.pinned else None
            if why is None:
                findings.append(finding)
            elif not finding.sizing:  # a size of a dismissed step sizes nothing
                dismissed.append(replace(finding, dismissal=why))
        return findings, dismissed

    def changed_nothing_that_ran(self, finding: Finding) -> str | None:
        """Why ``finding``'s commit cannot have moved its workload (``relevance``):
        its diff against the parent touches only files the workload never ran, or
        only their formatting. None if it may have."""
        parent, culprit = finding.parent.hash, finding.culprit.hash
        return relevance.why_irrelevant(
            self.history.changed_files(parent, culprit),
            history.package_file,
            self._executed(finding),
            lambda path: self.history.formatting_only(parent, culprit, path),
        )

    def _executed(self, finding: Finding) -> set[str] | None:
        """Files the workload ran at either commit, from their stored profiles."""
        files: set[str] = set()
        for role in ("parent", "culprit"):
            rel = finding.profiles.get(role)
            if not rel:
                return None
            try:
                stats = self._profile(self.suite.conf_dir / rel)
            except SuiteError:
                return None
            files.update(profiles.short_file(f) for (f, _line, _name) in stats.stats)
        return files

    def _store(self, findings: list[Finding], dismissed: list[Finding], series: list) -> Blame:
        conf_dir = self.suite.conf_dir
        return Blame(
            set_aside=[
                str(p.relative_to(conf_dir)) if p.is_relative_to(conf_dir) else str(p)
                for p in self.set_aside
            ],
            machine=self.opts.machine,
            generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
            findings=findings,
            dismissed=dismissed,
            built=sorted(self.built),
            options={
                "bench": self.opts.bench_regex,
                "range": self.opts.range_spec,
                "threshold": self.opts.threshold,
            },
            series=series,
            gaps=accounting.gap_summaries(findings),
            **culprit_lists(findings),
        )

    def _measured_per_series(self) -> dict[SeriesKey, list[int]]:
        """Positions measured per series before this run built anything."""
        out: dict[SeriesKey, list[int]] = defaultdict(list)
        for bench, params, commit in self.values:
            if commit in self.history.position:
                out[SeriesKey(bench, params)].append(self.history.position[commit])
        return {k: sorted(v) for k, v in out.items()}

    def _bisect(self, q: Question, initial: dict[SeriesKey, list[int]]) -> Bisect:
        return accounting.stepped_gap(
            q,
            initial.get(q.series, []),
            self.history.order,
            self.history.position,
            self.probed,
            self.why_open(q) if q.open else None,
        )

    def _series_summaries(
        self, final: list[Question], findings: list[Finding], dismissed: list[Finding]
    ) -> list:
        by_key: dict[SeriesKey, list[Question]] = defaultdict(list)
        for q in final:
            if q.kind == "start" or self.in_range is None or q.right in self.in_range:
                by_key[q.series].append(q)
        spent = " (--budget spent)" if self.out_of_budget else ""
        series = self.series()
        return [
            accounting.series_summary(
                key,
                self.param_names(key),
                series[key],
                by_key[key],
                findings,
                dismissed,
                self.why_open,
                f"not confirmed: no side-by-side run{spent}",
            )
            for key in sorted(series, key=lambda k: (k.benchmark, k.params))
            if self.blameable(key)
        ]

    def _timing_behind_exact(self, located: list[Located]) -> list[Located]:
        """Timing checks behind exact steps: where instructions stepped (to say what
        the step costs in wall time), and where call counts stepped in a workload
        with no instruction series (valgrind missing). One noisy sample per commit
        can hide a timing step from the Potts fit; an exact change is reason enough
        to time parent and culprit side by side."""
        timed = {(loc.step.series, loc.pair) for loc in located if loc.step.series.signal == "time"}
        counted = {  # (class, commit) with an instruction count
            (SeriesKey(b, p).benchmark_class, c)
            for (b, p, c), v in self.values.items()
            if isinstance(v, float) and SeriesKey(b, p).signal == "instructions"
        }
        extra = []
        for loc in located:
            key = loc.step.series
            if key.signal == "calls" and any((key.benchmark_class, c) in counted for c in loc.pair):
                continue  # the instructions say what it costs
            if not key.exact:
                continue
            for timing in self._timing_keys(key):
                before, after = (self.value(timing, c) for c in loc.pair)
                if (timing, loc.pair) in timed:
                    continue
                if not (isinstance(before, float) and isinstance(after, float)):
                    continue
                timed.add((timing, loc.pair))
                step = Step(timing, *loc.pair, before, after)
                extra.append(Located(step, loc.pair, replace(loc.bisect, built=0), derived=True,
                                     sizes=key.signal == "instructions"))  # fmt: skip
        return extra

    def _timing_keys(self, key: SeriesKey) -> list[SeriesKey]:
        """Wall-time series of the same workload: all its sizes behind an instruction
        step (its own sizes differ), the same size behind a call-count step."""
        if key.signal == "calls":
            return [key.timing()]
        wanted = key.timing().benchmark
        sizes = sorted({SeriesKey(b, p) for (b, p, _) in self.values if b == wanted},
                       key=lambda k: (k.n or 0, k.params))  # fmt: skip
        return sizes[-1:]  # the largest loop: start-up weighs least there

    def finding(self, loc: Located) -> Finding:
        step, pair, key = loc.step, loc.pair, loc.step.series
        before, after = self.value(key, pair.parent), self.value(key, pair.culprit)
        before = before if isinstance(before, float) else step.before
        after = after if isinstance(after, float) else step.after
        confirmation = None
        sizing = loc.sizes
        kind = step.kind
        # A size unless this series was timed in full side by side (compare mode, where
        # every timing series of the pair is): another series' confirmation at the same
        # pair must not stand in for it.
        if sizing and (key.benchmark, key.params, *pair) not in self.side_by_side:
            confirmation = self.size(key, pair)
            if confirmation.parent_median and confirmation.culprit_median is not None:
                before, after = confirmation.parent_median, confirmation.culprit_median
            kind = "regression" if after > before else "speedup"
        elif key.signal == "time":
            confirmation = self.verdict(key, pair, step)
            if confirmation.significant:
                before, after = confirmation.parent_median, confirmation.culprit_median
        confirmed = None if confirmation is None else confirmation.significant
        if sizing and not confirmed:
            confirmed = None  # a size, not a verdict: never "dismissed as noise"
        return Finding(
            id=_finding_id(kind, key, pair.culprit),
            kind=kind,
            signal=key.signal,
            benchmark=key.benchmark,
            params=self.param_names(key),
            workload=key.workload,
            unit=UNITS[key.signal],
            before=before,
            after=after,
            ratio=after / before if before > 0 else 1.0,
            culprit=self.history.commit(pair.culprit),
            parent=self.history.commit(pair.parent),
            bisect=loc.bisect,
            confirmed=confirmed,
            confirmation=confirmation,
            sizing=sizing,
        )

    @cached_property
    def _param_names(self) -> dict[str, list[str]]:
        """Parameter names per benchmark, from asv's benchmarks.json (results hold
        only the values)."""
        meta = results.benchmarks_meta(self.suite.results_dir) or {}
        return {k: v["param_names"] for k, v in meta.items() if "param_names" in v}

    def param_names(self, key: SeriesKey) -> dict[str, str]:
        names = self._param_names.get(key.benchmark) or [f"p{i}" for i in range(len(key.params))]
        return dict(zip(names, key.params, strict=False))


def _pair_regresses(located: list[Located], pair: Pair) -> bool:
    """An exact step at ``pair`` went up: its wall-time size is a regression's cost."""
    return any(loc.step.kind == "regression" for loc in located
               if loc.pair == pair and loc.step.series.exact)  # fmt: skip


def _pair_cost(located: list[Located], pair: Pair) -> float:
    """The largest step at ``pair``, instructions first (exact), as |log ratio|."""
    steps = [loc.step for loc in located if loc.pair == pair]
    exact = [st for st in steps if st.series.signal == "instructions"] or steps
    return max((abs(math.log(st.ratio)) for st in exact if 0 < st.ratio < math.inf), default=0.0)


def _finding_id(kind: str, key: SeriesKey, culprit: str) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in key.benchmark.lower())
    return f"{kind}-{safe}-{'-'.join(key.params)}-{culprit[:8]}"
