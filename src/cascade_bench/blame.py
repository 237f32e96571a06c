"""From asv's results to "this step began at commit X; inside it, function F got slower".

1. find steps in every series: asv's step detection for timings, every change
   beyond the threshold for the exact call counts (asv.conf.json thresholds);
2. narrow each step to one commit, bisecting unmeasured gaps with ``asv run``
   (stored results are reused; failing commits are walked over);
3. confirm timing steps by measuring parent and culprit side by side,
   interleaved (call-count steps are exact and need no confirmation); every
   call-count step is also timed side by side, since one noisy sample per commit
   can hide its timing step. On a shared machine whole benchmark processes run
   up to 3x slower than their neighbours, so the samples of one round are not
   independent: a step is confirmed only if the rounds separate (see verdict);
4. diff the two commits' profiles of the workload, per loop iteration.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from asv import _stats
from asv.results import Results

from . import asvrun, funcdiff, profiles, results, suite
from .asvconf import Suite
from .history import History
from .steps import DEFAULT_SERIES, SeriesKey, Step, build_series, find_steps, threshold_for
from .suite import SuiteError

CONFIRM_ROUNDS = 8
# Fixed samples per round, so recorded samples split back into their rounds.
SAMPLES_PER_ROUND = 3


@dataclass
class Options:
    machine: str
    bench_regex: str = DEFAULT_SERIES
    range_spec: str | None = None
    threshold: float | None = None  # overrides asv.conf.json's regressions_thresholds
    build: bool = True  # run asv to bisect gaps and to confirm timing steps
    confirm_rounds: int = CONFIRM_ROUNDS


@dataclass
class Blamer:
    suite: Suite
    opts: Options
    previous: dict[tuple, dict] = field(default_factory=dict)  # earlier confirmations
    built: set[str] = field(default_factory=set)
    confirmed_pairs: set[tuple[str, str]] = field(default_factory=set)
    side_by_side: dict[tuple, tuple] = field(default_factory=dict)  # samples per pair run

    def __post_init__(self) -> None:
        self.history = History(self.suite)
        self.reload()

    # -- data -------------------------------------------------------------
    def reload(self) -> None:
        points = results.load_machine(self.suite.results_dir, self.opts.machine)
        self.values = {(p.benchmark, p.params, p.commit): p.value for p in points}
        self.points = points

    def value(self, key: SeriesKey, commit: str) -> float | str | None:
        return self.values.get((key.benchmark, key.params, commit))

    def log(self, msg: str) -> None:
        print(f"blame: {msg}", file=sys.stderr, flush=True)

    def measure(self, key: SeriesKey, commit: str, regex: str) -> float | str | None:
        """The series' value at ``commit``, running asv there (benchmarks ``regex``)
        if it was never measured."""
        if self.value(key, commit) is None and self.opts.build:
            self.log(f"measuring {commit[:8]} for {key.benchmark}")
            asvrun.run_commits(self.suite, [commit], regex, self.opts.machine)
            self.built.add(commit)
            self.reload()
        return self.value(key, commit)

    # -- 2. bisect --------------------------------------------------------
    def bisect(self, step: Step, regex: str) -> tuple[str, str, dict]:
        """(culprit, parent, record): the first commit at the new level, the last
        good one before it, and how the gap was narrowed."""
        inner = self.history.between(step.left, step.right)[:-1]
        gap = len(inner) + 1
        lo, hi, failed, built = step.left, step.right, [], []
        while inner and self.opts.build:
            mid = inner[len(inner) // 2]
            if self.value(step.series, mid) is None:
                built.append(mid)
            v = self.measure(step.series, mid, regex)
            if not isinstance(v, float):
                failed.append(mid)  # cannot tell: never the culprit, walk over it
                inner.remove(mid)
                continue
            i = inner.index(mid)
            if _closer_to_after(v, step):
                hi, inner = mid, inner[:i]
            else:
                lo, inner = mid, inner[i + 1 :]
        between = set(self.history.between(lo, hi))
        failed = [c for c in failed if c in between]
        return hi, lo, {"gap": gap, "built": len(built), "failed": failed}

    # -- 3. confirm -------------------------------------------------------
    def confirm_pair(self, parent: str, culprit: str, keys: list[SeriesKey]) -> None:
        """Measure ``parent`` and ``culprit`` side by side, rounds interleaved (as
        ``asv continuous`` does), for all timing series stepping between them."""
        todo = [k for k in keys if (k.benchmark, k.params, parent, culprit) not in self.previous]
        if not todo or not self.opts.build:
            return
        # asv selects "name(params)" of parametrized benchmarks: exactly these series.
        names = sorted({re.escape(f"{k.benchmark}({', '.join(k.params)})") for k in todo})
        self.log(f"confirming {parent[:8]} vs {culprit[:8]} side by side: {', '.join(names)}")
        asvrun.run_commits(
            self.suite,
            [parent, culprit],
            f"^({'|'.join(names)})$",
            self.opts.machine,
            side_by_side_args(self.opts.confirm_rounds),
        )
        self.built.update((parent, culprit))
        self.keep_side_by_side(parent, culprit, todo)

    def keep_side_by_side(self, parent: str, culprit: str, keys: list[SeriesKey]) -> None:
        """Keep the samples of the side-by-side run just made: a later run for
        another pair may re-measure either commit and overwrite its results."""
        self.reload()
        for k in keys:
            pair = (self._samples(k, parent), self._samples(k, culprit))
            self.side_by_side[(k.benchmark, k.params, parent, culprit)] = pair
        self.confirmed_pairs.add((parent, culprit))

    def verdict(self, key: SeriesKey, parent: str, culprit: str, step: Step) -> dict:
        """Confirmed when asv's Mann-Whitney test says the samples differ, the
        medians differ by the threshold in the step's direction, and the rounds
        separate (see ``rounds_separate``)."""
        remembered = self.previous.get((key.benchmark, key.params, parent, culprit))
        if remembered is not None:
            return remembered
        if (parent, culprit) not in self.confirmed_pairs:
            return {"significant": None, "reason": "not confirmed (--no-build)"}
        a, b = self.side_by_side.get((key.benchmark, key.params, parent, culprit), (None, None))
        if a is None or b is None:
            return {"significant": False, "reason": "no samples: the benchmark failed"}
        (sa, st_a), (sb, st_b) = a, b
        return side_by_side_verdict(
            sa, sb, st_a, st_b, slower=step.after > step.before, threshold=self._threshold(key)
        )

    def _samples(self, key: SeriesKey, commit: str) -> tuple[list[float], dict] | None:
        for path in self.suite.results_dir.glob(f"{self.opts.machine}/{commit[:8]}-*.json"):
            res = Results.load(str(path))
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

    def _threshold(self, key: SeriesKey) -> float:
        if self.opts.threshold is not None:
            return self.opts.threshold
        return threshold_for(key.benchmark, self.suite.conf.regressions_thresholds)

    # -- 4. attribute -----------------------------------------------------
    def attribute(self, key: SeriesKey, parent: str, culprit: str) -> dict:
        workload = suite.workload_of(key.benchmark)
        n = _param_n(key)
        if workload is None or n is None:
            return {"functions": [], "notes": ["not a Cascade workload"], "profiles": {}}
        root = suite.profile_store().root_for(self.suite.conf_dir)
        paths = {}
        for role, commit in (("parent", parent), ("culprit", culprit)):
            try:
                paths[role] = profiles.stored_path(root, self.opts.machine, commit, workload, n)
            except SuiteError:
                if not self.opts.build:
                    raise
                cls = key.benchmark.split(".")[-2]
                asvrun.run_commits(self.suite, [commit], rf"^calls\.{cls}\.", self.opts.machine)
                self.built.add(commit)
                paths[role] = profiles.stored_path(root, self.opts.machine, commit, workload, n)
        before, after = profiles.load(paths["parent"]), profiles.load(paths["culprit"])
        changes, notes = funcdiff.diff(before, after, n, key.signal)
        functions = [
            {
                "file": c.key[0],
                "function": self.history.qualify(culprit, c.key[0], c.line, c.key[1])
                if c.cascade
                else c.key[1],
                "cascade": c.cascade,
                "calls": [c.before.calls, c.after.calls],
                "primitive_calls": [c.before.primitive_calls, c.after.primitive_calls],
                "own": [c.before.own, c.after.own],
                "cumulative": [c.before.cumulative, c.after.cumulative],
            }
            for c in changes
        ]
        rel = {
            r: str(p.relative_to(self.suite.conf_dir))
            if p.is_relative_to(self.suite.conf_dir)
            else str(p)
            for r, p in paths.items()
        }
        return {
            "functions": functions,
            "notes": notes,
            "profiles": rel,
            "calls": {"before": before.total_calls / n, "after": after.total_calls / n},
        }

    # -- all together -----------------------------------------------------
    @property
    def series_pattern(self) -> re.Pattern:
        return re.compile(self.opts.bench_regex)

    def blameable(self, key: SeriesKey) -> bool:
        """Selected by --bench and a Cascade workload: the Cascade-free floor is
        never blamed (a step there means the machine changed)."""
        return bool(self.series_pattern.search(key.benchmark)) and (
            suite.workload_of(key.benchmark) is not None
        )

    def steps(self) -> list[Step]:
        series = build_series(self.points, self.history.position, self.opts.bench_regex)
        if not series:
            raise SuiteError(f"no results match {self.opts.bench_regex!r} on {self.opts.machine}")
        in_range = set(self.history.range(self.opts.range_spec)) if self.opts.range_spec else None
        found = []
        for key, values in sorted(series.items(), key=lambda kv: (kv[0].benchmark, kv[0].params)):
            if not self.blameable(key):
                continue
            for step in find_steps(key, values, self._threshold(key)):
                if in_range is None or step.right in in_range:
                    found.append(step)
        return found

    def run(self) -> tuple[list[dict], list[dict]]:
        """(findings, dismissed): dismissed are timing steps not confirmed side by side."""
        steps = self.steps()
        # Steps sharing a gap are bisected with one asv run per commit for all of them.
        classes: dict[tuple[str, str], set[str]] = defaultdict(set)
        for step in steps:
            classes[(step.left, step.right)].add(re.escape(step.series.benchmark.split(".")[-2]))
        located = []
        for step in steps:
            regex = rf"^(loops|calls)\.({'|'.join(sorted(classes[(step.left, step.right)]))})\."
            culprit, parent, record = self.bisect(step, regex)
            located.append((step, culprit, parent, record))
        located += self._timing_behind_calls(located)
        pairs: dict[tuple[str, str], list[SeriesKey]] = defaultdict(list)
        for step, culprit, parent, _ in located:
            if step.series.signal == "time":
                pairs[(parent, culprit)].append(step.series)
        for (parent, culprit), keys in pairs.items():
            self.confirm_pair(parent, culprit, keys)
        findings, dismissed = [], []
        for step, culprit, parent, record in located:
            finding = self.finding(step, culprit, parent, record)
            if finding["confirmed"] is False and record.get("derived"):
                continue  # timing did not follow the call-count step: nothing to report
            if finding["confirmed"] is False:
                dismissed.append(finding)
            else:
                finding.update(self.attribute(step.series, parent, culprit))
                findings.append(finding)
        return findings, dismissed

    def _timing_behind_calls(self, located: list) -> list:
        """Timing candidates at every exact call-count step.

        One noisy sample per commit can hide a real timing step from the Potts fit
        (a step right after the first measured commit is never found); an exact
        change in the work is reason enough to time parent and culprit side by side."""
        timed = {(s.series.benchmark, s.series.params, c) for s, c, _, _ in located}
        extra = []
        for step, culprit, parent, record in located:
            if step.series.signal != "calls":
                continue
            parts = step.series.benchmark.split(".")
            timing = SeriesKey(f"loops.{parts[-2]}.time_loop", step.series.params)
            before, after = self.value(timing, parent), self.value(timing, culprit)
            if (timing.benchmark, timing.params, culprit) in timed:
                continue
            if not (isinstance(before, float) and isinstance(after, float)):
                continue
            timed.add((timing.benchmark, timing.params, culprit))
            derived = Step(timing, parent, culprit, before, after)
            extra.append((derived, culprit, parent, {**record, "built": 0, "derived": True}))
        return extra

    def finding(self, step: Step, culprit: str, parent: str, record: dict) -> dict:
        key = step.series
        before, after = self.value(key, parent), self.value(key, culprit)
        before = before if isinstance(before, float) else step.before
        after = after if isinstance(after, float) else step.after
        finding = {
            "id": _finding_id(step.kind, key, culprit),
            "kind": step.kind,
            "signal": key.signal,
            "benchmark": key.benchmark,
            "params": _param_dict(self.suite, key),
            "workload": suite.workload_of(key.benchmark),
            "unit": "calls/iteration" if key.signal == "calls" else "seconds",
            "before": before,
            "after": after,
            "ratio": after / before if before else None,
            "culprit": self.history.info(culprit).as_dict(),
            "parent": self.history.info(parent).as_dict(),
            "bisect": record,
            "confirmed": None,
            "confirmation": None,
        }
        if key.signal == "time":
            conf = self.verdict(key, parent, culprit, step)
            finding["confirmation"] = conf
            finding["confirmed"] = conf.get("significant")
            if conf.get("significant"):
                finding["before"] = conf["parent_median"]
                finding["after"] = conf["culprit_median"]
                finding["ratio"] = conf["culprit_median"] / conf["parent_median"]
        return finding


def side_by_side_args(rounds: int) -> tuple[str, ...]:
    """``asv run`` options of a side-by-side run whose samples verdict() can read."""
    if rounds < 3:
        raise SuiteError(f"--rounds {rounds}: at least 3 (the rounds must separate)")
    return (
        "--record-samples", "--interleave-rounds",
        "-a", f"rounds={rounds}", "-a", f"repeat={SAMPLES_PER_ROUND}",
    )  # fmt: skip


def side_by_side_verdict(
    sa: list[float],
    sb: list[float],
    stats_a: dict,
    stats_b: dict,
    *,
    slower: bool,
    threshold: float,
) -> dict:
    """Parent samples ``sa`` vs culprit samples ``sb`` of one side-by-side run.

    Significant only if all three hold: asv's test (Mann-Whitney, as ``asv
    continuous``), medians apart by ``threshold`` in the expected direction, and
    the rounds separated (each round is one process, and processes differ)."""
    ma, mb = statistics.median(sa), statistics.median(sb)
    ra, rb = round_medians(sa), round_medians(sb)
    different = bool(_stats.is_different(sa, sb, stats_a, stats_b))
    same_direction = (mb > ma) == slower
    big_enough = abs(math.log(mb / ma)) >= math.log1p(threshold)
    separated = rounds_separate(ra, rb) if slower else rounds_separate(rb, ra)
    return {
        "parent_median": ma,
        "culprit_median": mb,
        "parent_samples": len(sa),
        "culprit_samples": len(sb),
        "parent_rounds": ra,
        "culprit_rounds": rb,
        "separated": separated,
        "significant": different and same_direction and big_enough and separated,
    }


def rounds_separate(faster: list[float], slower: list[float]) -> bool:
    """Every round of the slower commit is beyond all rounds of the faster one
    but one. A round is one benchmark process; noise only slows a process down
    (on this machine whole processes ran up to 3x slow), so one disturbed round
    of the faster commit is forgiven. By chance alone, with R rounds each, this
    happens with probability (R + 1) / C(2R, R): 9/12870 for R=8."""
    if not faster or not slower:
        return False
    rest = sorted(faster)[:-1] if len(faster) > 1 else faster
    return min(slower) > max(rest)


def round_medians(samples: list[float]) -> list[float]:
    """Median of each round of a side-by-side run ([] if the samples do not
    split into rounds of SAMPLES_PER_ROUND, e.g. a round that failed)."""
    k = SAMPLES_PER_ROUND
    if not samples or len(samples) % k:
        return []
    return [statistics.median(samples[i : i + k]) for i in range(0, len(samples), k)]


def _closer_to_after(v: float, step: Step) -> bool:
    if v <= 0 or step.before <= 0 or step.after <= 0:
        return abs(v - step.after) < abs(v - step.before)
    return abs(math.log(v / step.after)) < abs(math.log(v / step.before))


def _param_n(key: SeriesKey) -> int | None:
    try:
        return int(key.params[0]) if key.params else None
    except ValueError:
        return None


def _param_dict(bench: Suite, key: SeriesKey) -> dict[str, str]:
    """Parameter names from asv's benchmarks.json (results hold only the values)."""
    try:
        meta = json.loads((bench.results_dir / "benchmarks.json").read_text())
        names = meta[key.benchmark]["param_names"]
    except (OSError, ValueError, KeyError):
        names = [f"p{i}" for i in range(len(key.params))]
    return dict(zip(names, key.params, strict=False))


def _finding_id(kind: str, key: SeriesKey, culprit: str) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in key.benchmark.lower())
    return f"{kind}-{safe}-{'-'.join(key.params)}-{culprit[:8]}"


def store_path(bench: Suite, machine: str) -> Path:
    from .report.model import blame_path  # the schema's home knows where it lives

    return blame_path(bench.conf_dir, machine)
