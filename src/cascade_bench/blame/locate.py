"""Stage 1 and 2: find every step and pin it to a pair of commits.

Steps are detected in every series (asv's step detection for timings, every change
beyond the threshold for exact series, and every place a series starts), then the
middle of every stepped gap is measured with ``asv run`` and detection runs again,
to a fixed point (``bisection``): several steps in one gap each get their own
culprit, and a series starts where its workload is born. Failing commits stay
points of their series and are walked over.

Behind every exact step the stage also places the wall-time checks that stage 3
measures side by side: the size of an instruction step, or the timing behind a
call-count step where no instructions were counted.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from dataclasses import dataclass, replace

from .. import bisection
from ..bisection import Question
from ..model import Bisect, Pair
from ..progress import Progress
from ..steps import SeriesKey, Step
from .context import Located, Run


@dataclass(frozen=True)
class Narrowed:
    """What stage 2 ends with: the final questions of every series, why each open
    one is still open, and the steps located (with the checks behind them)."""

    final: list[Question]
    why_open: dict[Question, str]
    located: list[Located]


def locate(run: Run) -> Narrowed:
    initial = _measured_per_series(run)
    with Progress("blame: narrowing, probe") as progress:
        final = bisection.fixed_point(
            lambda: questions(run),
            lambda c, cls: _probe(run, progress, c, cls),
            run.history.position.__getitem__,
            on_round=lambda left: progress.expect(progress.done + left),
        )
    why_open = {q: _why_open(run, q) for q in final if q.open}
    located = [
        Located(q.step, Pair(q.left, q.right), _bisect(run, q, initial, why_open.get(q)))
        for q in final
        if q.kind == "step"
        and q.step is not None
        and (run.in_range is None or q.right in run.in_range)
    ]
    return Narrowed(final, why_open, located + timing_behind_exact(run, located))


def questions(run: Run) -> list[Question]:
    """Every step and start of the blameable series, as measured now."""
    asked = bisection.questions(run.series(), run.history.between, run.threshold, run.blameable)
    if run.in_range is None:
        return asked
    return [q for q in asked if run.in_range & set(run.history.between(q.left, q.right))]


def _probe(run: Run, progress: Progress, commit: str, classes: list[str]) -> bool:
    """Every benchmark of ``classes`` (``module.Class``) at ``commit``; False: no
    more builds allowed."""
    if not run.may_build():
        return False
    progress.step(f"{commit[:8]} for {', '.join(classes)}")
    run.measure([commit], SeriesKey.module_classes_regex(classes))
    run.probed.add(commit)
    return True


def _why_open(run: Run, q: Question) -> str:
    if not run.opts.build:
        return f"{len(q.unmeasured)} unmeasured commit(s) between (--no-build)"
    if run.out_of_budget:
        return f"{len(q.unmeasured)} unmeasured commit(s) between (--budget spent)"
    return f"asv recorded no result at {q.probe[:8]}"


def _measured_per_series(run: Run) -> dict[SeriesKey, list[int]]:
    """Positions measured per series before this run built anything."""
    out: dict[SeriesKey, list[int]] = defaultdict(list)
    for bench, params, commit in run.values:
        if commit in run.history.position:
            out[SeriesKey(bench, params)].append(run.history.position[commit])
    return {k: sorted(v) for k, v in out.items()}


def _bisect(
    run: Run, q: Question, initial: dict[SeriesKey, list[int]], why_open: str | None
) -> Bisect:
    """How ``q`` was narrowed: the gap between the series' points measured before
    blame ran that holds it, the commits built inside that gap, the failing
    commits walked over, and why it is still open, if it is."""
    measured, position, order = initial.get(q.series, []), run.history.position, run.history.order
    i = bisect.bisect_right(measured, position[q.left])
    lo = measured[i - 1] if i else position[q.left]
    j = bisect.bisect_left(measured, position[q.right])
    hi = measured[j] if j < len(measured) else position[q.right]
    return Bisect(
        gap=hi - lo,
        gap_ends=[order[lo], order[hi]],
        built=sum(lo < position[c] < hi for c in run.probed),
        log2=bisection.log2_ceil(hi - lo),
        failed=list(q.failing),
        open=why_open,
        unmeasured=len(q.unmeasured),
    )


def timing_behind_exact(run: Run, located: list[Located]) -> list[Located]:
    """Timing checks behind exact steps: where instructions stepped (to say what
    the step costs in wall time), and where call counts stepped in a workload
    with no instruction series (valgrind missing). One noisy sample per commit
    can hide a timing step from the Potts fit; an exact change is reason enough
    to time parent and culprit side by side."""
    timed = {(loc.step.series, loc.pair) for loc in located if loc.step.series.signal == "time"}
    counted = {  # (class, commit) with an instruction count
        (SeriesKey(b, p).benchmark_class, c)
        for (b, p, c), v in run.values.items()
        if isinstance(v, float) and SeriesKey(b, p).signal == "instructions"
    }
    extra = []
    for loc in located:
        key = loc.step.series
        if key.signal == "calls" and any((key.benchmark_class, c) in counted for c in loc.pair):
            continue  # the instructions say what it costs
        if not key.exact:
            continue
        for timing in _timing_keys(run, key, loc.pair):
            before, after = (run.value(timing, c) for c in loc.pair)
            if (timing, loc.pair) in timed:
                continue
            if not (isinstance(before, float) and isinstance(after, float)):
                # Probes count instructions only: the sizing run measures the wall
                # time of both commits (no figure without it).
                if key.signal != "instructions" or not run.opts.build:
                    continue
                before, after = math.nan, math.nan
            timed.add((timing, loc.pair))
            step = Step(timing, *loc.pair, before, after)
            extra.append(Located(step, loc.pair, replace(loc.bisect, built=0), derived=True,
                                 sizes=key.signal == "instructions"))  # fmt: skip
    return extra


# A sizing run takes each commit's loop 4 times a round, 3 rounds: at 3.6 s a run
# (HeavyJumpLoop at 03ca59f, n=1000) that is 43 s for one commit.
SIZING_RUN_LIMIT = 1.0  # seconds a run of the loop may take, as stored


def _timing_keys(run: Run, key: SeriesKey, pair: Pair) -> list[SeriesKey]:
    """The wall-time series that sizes an exact step: the same size behind a
    call-count step; behind an instruction step (its own sizes differ) the
    largest loop (start-up weighs least there) whose stored runs next to the pair
    (the nearest measured commit on each side: probes time nothing) took under
    ``SIZING_RUN_LIMIT``, else the smallest."""
    if key.signal == "calls":
        return [key.timing()]
    wanted = key.timing().benchmark
    sizes = sorted({SeriesKey(b, p) for (b, p, _) in run.values if b == wanted},
                   key=lambda k: (k.n or 0, k.params))  # fmt: skip
    affordable = [k for k in sizes if _seconds_near(run, k, pair) <= SIZING_RUN_LIMIT]
    return (affordable or sizes[:1])[-1:]


def _seconds_near(run: Run, key: SeriesKey, pair: Pair) -> float:
    """The slower of the stored runs of ``key`` at or before the parent and at or
    after the culprit, nearest to them (0 when none is stored)."""
    position = run.history.position
    lo, hi = position[pair.parent], position[pair.culprit]
    before: tuple[int, float] | None = None
    after: tuple[int, float] | None = None
    for (b, p, c), v in run.values.items():
        if (b, p) != (key.benchmark, key.params) or not isinstance(v, float) or c not in position:
            continue
        at = position[c]
        if at <= lo and (before is None or at > before[0]):
            before = (at, v)
        if at >= hi and (after is None or at < after[0]):
            after = (at, v)
    return max((v for _, v in filter(None, (before, after))), default=0.0)
