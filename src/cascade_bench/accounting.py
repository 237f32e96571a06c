"""What blame looked at and what it explained: one summary per series and per gap.

Pure bookkeeping over the final questions (``bisection``) and the findings: no series
step may go unexplained without saying why (failing commits between, budget,
``--no-build``), and the builds spent per stepped gap are set against what one
bisection per culprit would cost.
"""

from __future__ import annotations

from .bisection import Question, Values
from .model import Failure, Finding, GapSummary, SeriesSummary, Unresolved
from .results import FAILED, SKIPPED
from .steps import SeriesKey


def series_summary(
    key: SeriesKey,
    params: dict[str, str],
    values: Values,
    questions: list[Question],
    found: tuple[list[Finding], list[Finding]],
    why_open: dict[Question, str],
    unconfirmed: str,
    why_failed: dict[str, str] | None = None,
) -> SeriesSummary:
    """Steps found (``found``: findings and dismissed) and explained in one series,
    and every pair left unresolved (``why_open``: why each open question is open);
    ``why_failed``: commit -> why its value is missing, for the failing commits."""
    findings, dismissed = found
    here = (key.benchmark, key.params)
    # A timing step is explained by a verdict, or by the instruction step it sizes.
    explained = {f.culprit.hash for f in findings if f.series == here and
                 (f.signal != "time" or f.confirmed or f.sizing)}  # fmt: skip
    noise = {f.culprit.hash for f in dismissed if f.series == here}
    steps = [q for q in questions if q.kind == "step"]
    unresolved = []
    for q in steps:
        why = why_open[q] if q.open else _why_unresolved(q, noise, explained, unconfirmed)
        if why:
            unresolved.append(Unresolved(q.left, q.right, why))
    done = len(steps) - len(unresolved)
    unresolved += [
        Unresolved(q.left, q.right, "start not pinned: " + why_open[q])
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
        failures=_failures(values, why_failed or {}),
    )


def _failures(values: Values, why_failed: dict[str, str]) -> list[Failure]:
    """The failing commits of a series grouped by why, in history order."""
    by_why: dict[str, list[str]] = {}
    for commit, v in values:
        if v == FAILED:
            by_why.setdefault(why_failed.get(commit, "failed"), []).append(commit)
    return [Failure(why, commits) for why, commits in by_why.items()]


def _why_unresolved(q: Question, noise: set[str], explained: set[str], unconfirmed: str):
    """Why a narrowed step is not explained; None if it is."""
    if q.right in noise:
        return None  # timed side by side: noise, not a step
    if q.failing:
        return f"{len(q.failing)} failing commit(s) between: the culprit may be one"
    if q.right not in explained:
        return unconfirmed
    return None


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
