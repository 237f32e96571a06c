"""Steps in asv's series, found with asv's own step detection (``asv.step_detect``)."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass

from asv.step_detect import detect_steps

from . import signals, suite
from .results import FAILED, SKIPPED, Point

DEFAULT_THRESHOLD = 0.05  # asv's own default for regressions_thresholds


@dataclass(frozen=True)
class SeriesKey:
    """One asv series: a benchmark (``module.Class.method``) at one parameter set.

    The one place that knows how the suite's benchmark names are built."""

    benchmark: str
    params: tuple[str, ...]

    @property
    def module(self) -> str:
        """The benchmark module: one signal (``signals.BY_MODULE``)."""
        return self.benchmark.split(".")[-3]

    @property
    def benchmark_class(self) -> str:
        """The benchmark class, e.g. ``VMCountdown``: one workload, every signal."""
        return self.benchmark.split(".")[-2]

    @property
    def module_class(self) -> str:
        """``module.Class``, e.g. ``instructions.VMCountdown``: one workload, one
        signal; what a narrowing probe measures."""
        return self.benchmark.rsplit(".", 1)[0]

    @property
    def workload(self) -> str | None:
        """The Cascade workload it measures (None for the Cascade-free floor)."""
        parts = self.benchmark.split(".")
        return suite.workload_of(parts[-3], parts[-2]) if len(parts) >= 3 else None

    @property
    def signal(self) -> str:
        """``time``, ``calls`` or ``instructions``."""
        return signals.BY_MODULE.get(self.module, signals.TIME).name

    @property
    def exact(self) -> bool:
        """Deterministic: every change beyond the threshold is a step, no noise to fit."""
        return self.signal in signals.EXACT

    @property
    def n(self) -> int | None:
        """The loop size (the first parameter), if it is one."""
        try:
            return int(self.params[0]) if self.params else None
        except ValueError:
            return None

    def timing(self) -> SeriesKey:
        """The wall-time series of the same workload and parameters."""
        t = signals.TIME
        return SeriesKey(f"{t.module}.{self.benchmark_class}.{t.method}", self.params)

    @property
    def asv_name(self) -> str:
        """How asv names one parameter set of a benchmark (``--bench`` matches it)."""
        return f"{self.benchmark}({', '.join(self.params)})" if self.params else self.benchmark

    @staticmethod
    def classes_regex(classes: list[str], modules: str = "|".join(signals.BY_MODULE)) -> str:
        """asv's ``--bench`` for every benchmark of these classes in ``modules``."""
        return rf"^({modules})\.({'|'.join(map(re.escape, sorted(classes)))})\."

    @staticmethod
    def module_classes_regex(module_classes: list[str]) -> str:
        """asv's ``--bench`` for every benchmark of these ``module.Class`` names."""
        return rf"^({'|'.join(map(re.escape, sorted(module_classes)))})\."

    @staticmethod
    def exact_regex(keys: list[SeriesKey]) -> str:
        """asv's ``--bench`` for exactly these series."""
        return f"^({'|'.join(sorted({re.escape(k.asv_name) for k in keys}))})$"


@dataclass(frozen=True)
class Step:
    """A change of level between two measured commits of one series."""

    series: SeriesKey
    left: str  # last commit measured at the old level
    right: str  # first commit measured at the new level
    before: float
    after: float

    @property
    def kind(self) -> str:
        return "regression" if self.after > self.before else "speedup"

    @property
    def ratio(self) -> float | None:
        return signals.ratio(self.before, self.after)


def threshold_for(benchmark: str, thresholds: dict[str, float]) -> float:
    """asv's rule: the largest threshold whose regex matches, else 5 %."""
    matching = [float(t) for rx, t in thresholds.items() if re.match(rx, benchmark)]
    return max(matching) if matching else DEFAULT_THRESHOLD


def beyond(before: float, after: float, threshold: float) -> bool:
    """The one rule for an exact series: a change larger than ``threshold`` of the
    smaller value (so a step up and the same step down count alike)."""
    return abs(after - before) > threshold * min(before, after)


def build_series(
    points: list[Point], position: dict[str, int], bench_regex: str = signals.DEFAULT_SERIES
) -> dict[SeriesKey, list[tuple[str, float | str]]]:
    """Each series in first-parent order; commits off the branch are left out."""
    pattern = re.compile(bench_regex)
    series: dict[SeriesKey, list[tuple[str, float | str]]] = defaultdict(list)
    for p in points:
        if p.commit in position and pattern.search(p.benchmark):
            series[SeriesKey(p.benchmark, p.params)].append((p.commit, p.value))
    for values in series.values():
        values.sort(key=lambda cv: position[cv[0]])
    return dict(series)


def find_steps(
    key: SeriesKey, values: list[tuple[str, float | str]], threshold: float
) -> list[Step]:
    """Up and down steps larger than ``threshold`` (relative) and than the noise.

    Failed and skipped commits are missing data to asv's Potts fit, so a step
    can span them; bisecting it later walks over them."""
    y = [v if isinstance(v, float) else None for _, v in values]
    if sum(v is not None for v in y) < 2:
        return []
    if key.exact:
        return _exact_steps(key, values, threshold)
    segments = detect_steps(y)
    steps = []
    for (l1, r1, v1, _m1, e1), (l2, _r2, v2, _m2, e2) in itertools.pairwise(segments):
        # The level of a segment is its fit value; the boundary commits are the
        # last measured one before and the first measured one after.
        left = next(c for c, v in reversed(values[l1:r1]) if v not in (FAILED, SKIPPED))
        right = next(c for c, v in values[l2:] if v not in (FAILED, SKIPPED))
        if abs(v2 - v1) <= max(e1, e2) or not beyond(v1, v2, threshold):
            continue  # within the noise of either level, or under the threshold
        steps.append(Step(key, left, right, v1, v2))
    return steps


def _exact_steps(
    key: SeriesKey, values: list[tuple[str, float | str]], threshold: float
) -> list[Step]:
    """Steps of a noise-free series: every change between consecutive measured
    commits beyond ``threshold``. asv's Potts fit estimates noise from the data and,
    on a short segment at the end of history, merges a real 5x step away."""
    measured = [(c, v) for c, v in values if isinstance(v, float)]
    return [
        Step(key, c1, c2, v1, v2)
        for (c1, v1), (c2, v2) in itertools.pairwise(measured)
        if beyond(v1, v2, threshold)
    ]
