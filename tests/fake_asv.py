"""A stand-in for ``asv run`` behind blame's ``Runner`` protocol: no virtualenv, no
benchmark process, results written through asv's own API.

A truth table says what every benchmark measures at every commit of the history
(``{benchmark: {params: [value per commit]}}``, a value a float, ``"failed"`` or
``"skipped"``). ``FakeAsv.run`` writes, for every commit asked and every benchmark
the regex selects (as ``asv run --bench`` selects), the results file asv would:
``asv.results.Results`` merged with the file already there (``load_data``, as asv
does), ``add_result`` with an ``asv.runner.BenchmarkResult``, ``save``; and the
``machine.json`` and ``benchmarks.json`` asv writes beside them.

A plain run records one sample per commit: the truth itself (or, the first time a
series is measured at a commit, a noisy value given in ``first``). A run with
``-a rounds=R -a repeat=K`` (``verdict.side_by_side_args``, ``verdict.sizing_args``)
records R*K samples per commit around the truth, with a small deterministic jitter.
"""

from __future__ import annotations

import datetime
import itertools
import json
import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from asv.results import Results
from asv.runner import BenchmarkResult

from cascade_bench import signals
from cascade_bench.asvconf import Suite

SECONDS_PER_BENCHMARK = 1.5  # what every benchmark "took", as asv records it

Value = float | str  # a number, "failed" or "skipped"
Truth = dict[str, dict[tuple[str, ...], list[Value]]]  # benchmark -> params -> per commit

PYTHON = "3.11"
ENV_NAME = "virtualenv-py3.11-hatchling"  # the suite's one environment, as asv names it
JITTER = 0.005  # relative half-width of the jitter of side-by-side samples
VERSION = "fake-1"  # every benchmark's version in benchmarks.json and in the results


@dataclass(frozen=True)
class Call:
    """One ``run`` as blame made it."""

    results_dir: Path
    commits: tuple[str, ...]
    regex: str
    args: tuple[str, ...]

    @property
    def rounds(self) -> int | None:
        """``-a rounds=R`` of the call (a side-by-side or sizing run), else None."""
        return _attribute(self.args, "rounds")

    @property
    def interleaved(self) -> bool:
        """A side-by-side confirmation (``--interleave-rounds``), not a sizing run."""
        return "--interleave-rounds" in self.args


@dataclass
class FakeAsv:
    """``asv run`` over ``truth`` for ``commits`` (history order, oldest first) on
    ``machine``; every call is kept in ``calls``.

    ``first`` overrides what the first plain measurement of one series at one
    commit records, keyed by (asv name, e.g. ``loops.X.time_loop(200)``, commit):
    a noisy sample that a later side-by-side run contradicts."""

    truth: Truth
    commits: list[str]
    machine: str
    first: dict[tuple[str, str], float] = field(default_factory=dict)
    param_names: tuple[str, ...] = ("n",)
    calls: list[Call] = field(default_factory=list)
    _measured: set[tuple[str, str]] = field(default_factory=set)

    def run(
        self, suite: Suite, commits: list[str], bench_regex: str, args: tuple[str, ...] = ()
    ) -> None:
        """Record the benchmarks ``bench_regex`` selects at ``commits`` into
        ``suite``'s results directory, as ``asv run --bench`` with ``args`` would."""
        results_dir = suite.results_dir
        self.calls.append(Call(results_dir, tuple(commits), bench_regex, tuple(args)))
        self._write_meta(results_dir)
        pattern = re.compile(bench_regex)
        rounds, repeat = _attribute(args, "rounds"), _attribute(args, "repeat") or 1
        samples = rounds * repeat if rounds else 1
        for commit in commits:
            res = self._results(commit)
            res.load_data(str(results_dir))  # merge into what asv stored before
            for name, meta in self.benchmarks().items():
                chosen = _selected(pattern, name, meta["params"])
                if not chosen:
                    continue
                result = self._measure(name, meta, commit, chosen, samples)
                res.add_result(
                    meta,
                    result,
                    started_at=datetime.datetime.now(datetime.UTC),
                    duration=SECONDS_PER_BENCHMARK,
                    record_samples="--record-samples" in args,
                    selected_idx=set(chosen) if meta["params"] else None,
                )
            res.save(str(results_dir))

    def benchmarks(self) -> dict[str, dict]:
        """``benchmarks.json`` entries of the truth table's benchmarks."""
        out = {}
        for name, by_params in self.truth.items():
            width = len(next(iter(by_params)))
            params = [list(dict.fromkeys(p[i] for p in by_params)) for i in range(width)]
            timed = name.split(".")[-1].startswith("time_")
            module = signals.BY_MODULE.get(name.split(".")[0], signals.TIME)
            out[name] = {
                "name": name,
                "version": VERSION,
                "param_names": list(self.param_names[:width]),
                "params": params,
                "type": "time" if timed else "track",
                "unit": "seconds" if timed else module.unit,
            }
        return out

    def value(self, name: str, params: tuple[str, ...], commit: str) -> Value:
        """The truth of one series at ``commit`` ("skipped" where the table has none)."""
        values = self.truth[name].get(params)
        return "skipped" if values is None else values[self.commits.index(commit)]

    # -- writing as asv does ------------------------------------------------
    def _results(self, commit: str) -> Results:
        params = {"machine": self.machine, "python": PYTHON, "req-hatchling": ""}
        date = 1_700_000_000_000 + 60_000 * self.commits.index(commit)  # ms, as asv's
        return Results(params, {}, commit, date, PYTHON, ENV_NAME, {})

    def _measure(
        self, name: str, meta: dict, commit: str, chosen: list[int], samples: int
    ) -> BenchmarkResult:
        combos = list(itertools.product(*meta["params"])) if meta["params"] else [()]
        timed = meta["type"] == "time"
        result, recorded, number, errcode = [], [], [], 0
        for i, combo in enumerate(combos):
            value = self.value(name, tuple(combo), commit) if i in chosen else math.nan
            if value == "failed":
                errcode = 1
                result.append(None)
                recorded.append(None)
                number.append(None)
            elif value == "skipped" or (isinstance(value, float) and math.isnan(value)):
                result.append(math.nan)
                recorded.append(None)
                number.append(None)
            elif not timed:
                result.append(float(value))
                recorded.append(None)
                number.append(None)
            else:
                got = self._samples(_asv_name(name, combo), commit, float(value), samples)
                result.append(True)  # asv's mark of a timing result: stats from samples
                recorded.append(got)
                number.append(1)
        return BenchmarkResult(
            result=result, samples=recorded, number=number, errcode=errcode, stderr="",
            profile=None,
        )  # fmt: skip

    def _samples(self, series: str, commit: str, truth: float, samples: int) -> list[float]:
        if samples == 1:
            seen = (series, commit) in self._measured
            self._measured.add((series, commit))
            return [truth if seen else self.first.get((series, commit), truth)]
        rng = random.Random(f"{series}|{commit}|{len(self.calls)}")
        return [truth * (1 + rng.uniform(-JITTER, JITTER)) for _ in range(samples)]

    def _write_meta(self, results_dir: Path) -> None:
        machine = results_dir / self.machine / "machine.json"
        machine.parent.mkdir(parents=True, exist_ok=True)
        machine.write_text(json.dumps({"machine": self.machine, "version": 1}))
        meta = {**self.benchmarks(), "version": 2}
        (results_dir / "benchmarks.json").write_text(json.dumps(meta, indent=1))


def _asv_name(name: str, combo: tuple[str, ...]) -> str:
    return f"{name}({', '.join(combo)})" if combo else name


def _selected(pattern: re.Pattern, name: str, params: list[list[str]]) -> list[int]:
    """Indices of the parameter sets ``--bench`` selects, as asv matches: a
    parametrized benchmark by ``name(params)``, any other by its name."""
    if not params:
        return [0] if pattern.search(name) else []
    combos = itertools.product(*params)
    return [i for i, c in enumerate(combos) if pattern.search(_asv_name(name, c))]


def _attribute(args: tuple[str, ...], key: str) -> int | None:
    """The integer of ``-a key=N`` in ``args``, if given."""
    for flag, value in itertools.pairwise(args):
        if flag == "-a" and value.startswith(f"{key}="):
            return int(value.split("=", 1)[1])
    return None
