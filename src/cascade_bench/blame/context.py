"""What one blame run knows and has spent: its options, the history, asv's results
as measured so far, and the builds and budget used. Every stage reads it; only
``measure`` and ``reload`` change what is measured."""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .. import results, signals, verdict
from ..asvconf import Suite
from ..bisection import Values
from ..history import History
from ..model import Bisect, Pair
from ..phases import Phases
from ..steps import SeriesKey, Step, build_series, threshold_for
from ..suite import SuiteError
from .runner import AsvRunner, Runner


@dataclass
class Options:
    machine: str
    bench_regex: str = signals.DEFAULT_SERIES
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
class Run:
    suite: Suite
    opts: Options
    runner: Runner
    history: History
    started: float = field(default_factory=time.monotonic)
    built: set[str] = field(default_factory=set)  # commits installed by this run
    probed: set[str] = field(default_factory=set)  # commits measured to narrow steps
    out_of_budget: bool = False
    set_aside: list[Path] = field(default_factory=list)  # corrupt files moved aside
    values: dict[tuple, float | str] = field(default_factory=dict)
    points: list[results.Point] = field(default_factory=list)
    _scratch: Suite | None = None
    phases: Phases = field(default_factory=Phases)  # where the time went

    @classmethod
    def start(
        cls, suite: Suite, opts: Options, runner: Runner | None = None, phases: Phases | None = None
    ) -> Run:
        run = cls(suite, opts, runner or AsvRunner(opts.machine), History(suite),
                  phases=phases or Phases())  # fmt: skip
        _ = run.in_range  # a bad or reversed --range fails before any work
        run.reload()
        return run

    # -- what is measured ---------------------------------------------------
    def reload(self) -> None:
        self.points = results.load_machine(
            self.suite.results_dir, self.opts.machine, set_aside=self.set_aside,
            default_timeout=self.suite.default_timeout,
        )  # fmt: skip
        self.values = {(p.benchmark, p.params, p.commit): p.value for p in self.points}

    def value(self, key: SeriesKey, commit: str) -> float | str | None:
        return self.values.get((key.benchmark, key.params, commit))

    def series(self) -> dict[SeriesKey, Values]:
        series = build_series(self.points, self.history.position, self.opts.bench_regex)
        if not series:
            aside = "".join(f"; set aside corrupt {p}" for p in self.set_aside)
            raise SuiteError(
                f"no results match {self.opts.bench_regex!r} on {self.opts.machine}{aside}"
            )
        return series

    def measure(self, commits: list[str], bench_regex: str, reload: bool = True) -> None:
        """Measure into the history's results (narrowing, profiles), then reload."""
        self.phases.timed(lambda: self.runner.run(self.suite, commits, bench_regex),
                          self.suite.results_dir, self.opts.machine, commits)  # fmt: skip
        self.built.update(commits)
        if reload:
            self.reload()

    def side_by_side(self, pair: Pair, bench_regex: str, args: tuple[str, ...]) -> None:
        """Run ``pair``'s two commits side by side into the scratch suite."""
        self.phases.timed(lambda: self.runner.run(self.scratch, list(pair), bench_regex, args),
                          self.scratch.results_dir, self.opts.machine, list(pair),
                          side_by_side=True)  # fmt: skip
        self.built.update(pair)

    # -- what it may do -----------------------------------------------------
    def may_build(self) -> bool:
        """Whether another build is allowed: not ``--no-build``, and ``--budget``
        not spent (always, without one)."""
        if not self.opts.build:
            return False
        if self.opts.budget is None or time.monotonic() - self.started < self.opts.budget:
            return True
        self.out_of_budget = True
        return False

    def why_not_built(self) -> str:
        return "--budget spent" if self.out_of_budget else "--no-build"

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

    @cached_property
    def _param_names(self) -> dict[str, list[str]]:
        """Parameter names per benchmark, from asv's benchmarks.json (results hold
        only the values)."""
        meta = results.benchmarks_meta(self.suite.results_dir) or {}
        return {k: v["param_names"] for k, v in meta.items() if "param_names" in v}

    def param_names(self, key: SeriesKey) -> dict[str, str]:
        names = self._param_names.get(key.benchmark) or [f"p{i}" for i in range(len(key.params))]
        return dict(zip(names, key.params, strict=False))

    def relative(self, path: Path) -> str:
        """``path`` relative to the conf dir where it lies there (stored paths move
        with the suite)."""
        conf_dir = self.suite.conf_dir
        return str(path.relative_to(conf_dir)) if path.is_relative_to(conf_dir) else str(path)

    # -- where side-by-side runs write --------------------------------------
    @property
    def scratch(self) -> Suite:
        """Side-by-side runs write to their own results directory, so they never
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


def log(msg: str) -> None:
    print(f"blame: {msg}", file=sys.stderr, flush=True)
