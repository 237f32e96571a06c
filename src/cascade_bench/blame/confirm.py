"""Stage 3: time what needs timing side by side, and turn every located step into a
finding with its confirmation.

- a timing step is confirmed by running parent and culprit side by side, rounds
  interleaved (as ``asv continuous`` does), and judged by ``verdict``;
- behind an instruction step the wall time is *sized*: the step exists, so a few
  rounds say how large it is (``verdict.SIZE_ROUNDS``), never whether; so is a
  timing step found at the same pair (``sized_behind_instructions``);
- verdicts and sizes of earlier runs (the blame store) are reused, never re-run.

Runs go costliest first: sizes behind regressions, then timing steps to confirm,
then sizes behind speed-ups, so what ``--budget`` leaves untimed is the small stuff.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from .. import results, signals, verdict
from ..model import Confirmation, Finding, Pair, PairKey
from ..progress import Progress
from ..steps import SeriesKey
from .context import Located, Run


class SideBySide(NamedTuple):
    """The samples of one series at both commits of one side-by-side run."""

    parent: results.Samples | None
    culprit: results.Samples | None


@dataclass
class Timings:
    """Side-by-side measurements: earlier runs' (from the store) and this run's."""

    previous: dict[PairKey, Confirmation] = field(default_factory=dict)  # verdicts
    sizes: dict[PairKey, Confirmation] = field(default_factory=dict)  # sizing runs
    confirmed: dict[PairKey, SideBySide] = field(default_factory=dict)  # this run's
    sized: dict[PairKey, SideBySide] = field(default_factory=dict)  # this run's
    timed_pairs: set[Pair] = field(default_factory=set)

    def keep(self, run: Run, pair: Pair, keys: list[SeriesKey], results_dir: Path) -> None:
        """Keep the samples of the side-by-side run just made into ``results_dir``:
        a later run for another pair may re-measure either commit there."""
        for k in keys:
            self.confirmed[PairKey.of(k, pair)] = _side_by_side(run, results_dir, k, pair)
        self.timed_pairs.add(pair)


def sized_behind_instructions(located: list[Located], timings: Timings) -> list[Located]:
    """A timing step at a pair where the same workload's instructions stepped is
    *sized* (3 rounds), not tested (8): the exact step says it exists. A verdict an
    earlier run stored for it stands."""
    counted = {(loc.step.series.workload, loc.pair) for loc in located
               if loc.step.series.signal == "instructions"}  # fmt: skip
    return [
        replace(loc, sizes=True)
        if loc.step.series.signal == "time"
        and not loc.sizes
        and (loc.step.series.workload, loc.pair) in counted
        and PairKey.of(loc.step.series, loc.pair) not in timings.previous
        else loc
        for loc in located
    ]


def confirm(
    run: Run, located: list[Located], timings: Timings, settled: dict[PairKey, str] | None = None
) -> list[Finding]:
    """Time every job side by side (within ``--budget``), then one finding per
    located step, in the order located. ``settled``: timing steps dismissed as
    noise without timing (``attribute.untimed_noise``), with why."""
    settled = settled or {}
    jobs: dict[tuple[bool, Pair], list[SeriesKey]] = defaultdict(list)
    for loc in located:
        key = loc.step.series
        if key.signal == "time" and PairKey.of(key, loc.pair) not in settled:
            jobs[(loc.sizes, loc.pair)].append(key)

    def rank(job: tuple[bool, Pair]) -> tuple[int, float]:
        sizes, pair = job
        group = (0 if _pair_regresses(located, pair) else 2) if sizes else 1
        return group, -_pair_cost(located, pair)

    known = {**timings.previous, **timings.sizes}
    todo = [job for job in sorted(jobs, key=rank)
            if any(PairKey.of(k, job[1]) not in known for k in jobs[job])]  # fmt: skip
    with Progress("blame: side by side, pair", total=len(todo)) as progress:
        for sizes, pair in todo:
            (_size_pair if sizes else _confirm_pair)(run, timings, pair, jobs[(sizes, pair)],
                                                     progress)  # fmt: skip
    return [finding(run, timings, loc, settled.get(PairKey.of(loc.step.series, loc.pair)))
            for loc in located]  # fmt: skip


def _confirm_pair(
    run: Run, timings: Timings, pair: Pair, keys: list[SeriesKey], progress: Progress
) -> None:
    args = verdict.side_by_side_args(run.opts.confirm_rounds)
    what = f"confirming ({run.opts.confirm_rounds} rounds)"
    todo = _run_pair(run, pair, keys, timings.previous, what, args, progress)
    if todo:
        timings.keep(run, pair, todo, run.scratch.results_dir)


def _size_pair(
    run: Run, timings: Timings, pair: Pair, keys: list[SeriesKey], progress: Progress
) -> None:
    what = f"sizing ({verdict.SIZE_ROUNDS} rounds)"
    for k in _run_pair(run, pair, keys, timings.sizes, what, verdict.sizing_args(), progress):
        timings.sized[PairKey.of(k, pair)] = _side_by_side(run, run.scratch.results_dir, k, pair)


def _run_pair(
    run: Run, pair: Pair, keys: list[SeriesKey], known: dict, what: str, args: tuple[str, ...],
    progress: Progress,
) -> list[SeriesKey]:  # fmt: skip
    """Run ``keys`` not ``known`` yet at both commits of ``pair`` into the scratch
    suite with ``args``; the keys run ([] when nothing ran: known, --no-build, budget)."""
    todo = [k for k in keys if PairKey.of(k, pair) not in known]
    if not todo or not run.may_build():
        return []
    progress.step(f"{what}: {pair.parent[:8]} vs {pair.culprit[:8]}: "
                  + ", ".join(sorted(k.asv_name for k in todo)))  # fmt: skip
    run.side_by_side(pair, SeriesKey.exact_regex(todo), args)
    return todo


def _side_by_side(run: Run, results_dir: Path, key: SeriesKey, pair: Pair) -> SideBySide:
    machine = run.opts.machine
    return SideBySide(*(results.samples(results_dir, machine, key.benchmark, key.params, c)
                        for c in pair))  # fmt: skip


def _size(run: Run, timings: Timings, key: SeriesKey, pair: Pair) -> Confirmation:
    """The wall-time size of an exact step at ``pair``: an earlier run's, this
    run's sizing samples, else what asv's stored results say (no samples)."""
    k = PairKey.of(key, pair)
    if k in timings.sizes:
        return timings.sizes[k]
    a, b = timings.sized.get(k, (None, None))
    if a is not None and b is not None:
        return verdict.size(a[0], b[0])
    if k in timings.sized:
        return Confirmation(reason="no samples: the benchmark failed")
    return Confirmation(reason=f"asv's stored results, not side by side ({run.why_not_built()})")


def _verdict(run: Run, timings: Timings, loc: Located) -> Confirmation:
    """The stored verdict of an earlier run, or ``verdict.side_by_side_verdict``
    on the samples of this run's side-by-side measurement."""
    key, pair, step = loc.step.series, loc.pair, loc.step
    remembered = timings.previous.get(PairKey.of(key, pair))
    if remembered is not None:
        return remembered
    if pair not in timings.timed_pairs:
        return Confirmation(reason=f"not confirmed ({run.why_not_built()})")
    a, b = timings.confirmed.get(PairKey.of(key, pair), (None, None))
    if a is None or b is None:
        return Confirmation(significant=False, reason="no samples: the benchmark failed")
    (sa, st_a), (sb, st_b) = a, b
    return verdict.side_by_side_verdict(
        sa, sb, st_a, st_b, slower=step.after > step.before, threshold=run.threshold(key)
    )


def finding(run: Run, timings: Timings, loc: Located, settled: str | None = None) -> Finding:
    """The finding of one located step, its figures from the side-by-side run that
    judged or sized it where there is one (``settled``: noise, and why, untimed)."""
    step, pair, key = loc.step, loc.pair, loc.step.series
    before, after = run.value(key, pair.parent), run.value(key, pair.culprit)
    before = before if isinstance(before, float) else step.before
    after = after if isinstance(after, float) else step.after
    confirmation, kind = None, step.kind
    # A size unless this series was timed in full side by side (compare mode, where
    # every timing series of the pair is): another series' confirmation at the same
    # pair must not stand in for it.
    if loc.sizes and PairKey.of(key, pair) not in timings.confirmed:
        confirmation = _size(run, timings, key, pair)
        if confirmation.parent_median and confirmation.culprit_median is not None:
            before, after = confirmation.parent_median, confirmation.culprit_median
        kind = "regression" if after > before else "speedup"
    elif key.signal == "time" and settled is not None:
        confirmation = Confirmation(significant=False, reason=settled)
    elif key.signal == "time":
        confirmation = _verdict(run, timings, loc)
        if confirmation.significant:
            before, after = confirmation.parent_median, confirmation.culprit_median
    confirmed = None if confirmation is None else confirmation.significant
    if loc.sizes and not confirmed:
        confirmed = None  # a size, not a verdict: never "dismissed as noise"
    ratio = signals.ratio(before, after)
    return Finding(
        id=_finding_id(kind, key, pair.culprit),
        kind=kind,
        signal=key.signal,
        benchmark=key.benchmark,
        params=run.param_names(key),
        workload=key.workload,
        unit=signals.BY_NAME[key.signal].unit,
        before=before,
        after=after,
        ratio=ratio if ratio is not None else 1.0,  # no ratio from a zero base
        culprit=run.history.commit(pair.culprit),
        parent=run.history.commit(pair.parent),
        bisect=loc.bisect,
        confirmed=confirmed,
        confirmation=confirmation,
        sizing=loc.sizes,
    )


def _pair_regresses(located: list[Located], pair: Pair) -> bool:
    """An exact step at ``pair`` went up: its wall-time size is a regression's cost."""
    return any(loc.step.kind == "regression" for loc in located
               if loc.pair == pair and loc.step.series.exact)  # fmt: skip


def _pair_cost(located: list[Located], pair: Pair) -> float:
    """The largest step at ``pair``, instructions first (exact), as |log ratio|."""
    steps = [loc.step for loc in located if loc.pair == pair]
    exact = [st for st in steps if st.series.signal == "instructions"] or steps
    ratios = [st.ratio for st in exact]
    return max((abs(math.log(r)) for r in ratios if r and r < math.inf), default=0.0)


def _finding_id(kind: str, key: SeriesKey, culprit: str) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in key.benchmark.lower())
    return f"{kind}-{safe}-{'-'.join(key.params)}-{culprit[:8]}"
