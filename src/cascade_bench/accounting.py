"""What blame looked at and what it explained: one summary per series and per gap.

Pure bookkeeping over ``locate``'s final questions and the findings: no series
step may go unexplained without saying why (failing commits between, budget,
``--no-build``), and the builds spent per stepped gap are set against what one
bisection per culprit would cost.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable

from . import locate
from .findings import Bisect, Finding, GapSummary, SeriesSummary, Unresolved
from .locate import Question, Values
from .results import FAILED, SKIPPED
from .steps import SeriesKey


def stepped_gap(
    q: Question,
    initial: list[int],
    order: list[str],
    position: dict[str, int],
    probed: Iterable[str],
    why_open: str | None,
) -> Bisect:
    """How ``q`` was narrowed: the gap between the series' points measured before
    blame ran that holds it, the commits built inside that gap, the failing
    commits walked over, and why it is still open, if it is."""
    i = bisect.bisect_right(initial, position[q.left])
    lo = initial[i - 1] if i else position[q.left]
    j = bisect.bisect_left(initial, position[q.right])
    hi = initial[j] if j < len(initial) else position[q.right]
    return Bisect(
        gap=hi - lo,
        gap_ends=[order[lo], order[hi]],
        built=sum(lo < position[c] < hi for c in probed),
        log2=locate.log2_ceil(hi - lo),
        failed=list(q.failing),
        open=why_open,
        unmeasured=len(q.unmeasured),
    )


def series_summary(
    key: SeriesKey,
    params: dict[str, str],
    values: Values,
    questions: list[Question],
    findings: list[Finding],
    dismissed: list[Finding],
    why_open: Callable[[Question], str],
    unconfirmed: str,
) -> SeriesSummary:
    """Steps found and explained in one series, and every pair left unresolved."""
    here = (key.benchmark, key.params)
    explained = {f.culprit.hash for f in findings if f.series == here and
                 (f.signal != "time" or f.confirmed)}  # fmt: skip
    noise = {f.culprit.hash for f in dismissed if f.series == here}
    steps = [q for q in questions if q.kind == "step"]
    unresolved, done = [], 0
    for q in steps:
        why = None
        if q.open:
            why = why_open(q)
        elif q.right in noise:
            why = None  # timed side by side: noise, not a step
        elif q.failing:
            why = f"{len(q.failing)} failing commit(s) between: the culprit may be one"
        elif q.right not in explained:
            why = unconfirmed
        if why:
            unresolved.append(Unresolved(q.left, q.right, why))
        else:
            done += 1
    unresolved += [
        Unresolved(q.left, q.right, "start not pinned: " + why_open(q))
        for q in questions
        if q.kind == "start" and q.open
    ]
    i = next((i for i, (_, v) in enumerate(values) if isinstance(v, float)), None)
    return SeriesSummary(
        benchmark=key.benchmark,
        params=params,
        measured=sum(isinstance(v, float) for _, v in values),
        failed=sum(v == FAILED for _, v in values),
        skipped=sum(v == SKIPPED for _, v in values),
        first=values[i][0] if i is not None else None,
        # measured n/a just before: the series starts where its workload is born
        born=bool(i) and values[i - 1][1] == SKIPPED,
        steps=len(steps),
        explained=done,
        unresolved=unresolved,
    )


def gap_summaries(findings: list[Finding]) -> list[GapSummary]:
    """Per stepped gap: commits built, culprits found, against ⌈log2 gap⌉ per culprit."""
    gaps: dict[tuple[str, ...], GapSummary] = {}
    for f in findings:
        b = f.bisect
        if b is None or not b.gap_ends or (b.gap or 0) <= 1:
            continue
        entry = gaps.setdefault(
            tuple(b.gap_ends),
            GapSummary(b.gap_ends[0], b.gap_ends[1], b.gap or 0, b.built or 0, b.log2 or 0),
        )
        if f.culprit.hash not in entry.culprits:
            entry.culprits.append(f.culprit.hash)
    return list(gaps.values())
