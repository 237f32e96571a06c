"""Bisection: which commits to measure next so that every step is pinned to one commit.

Detection runs to a fixed point: steps are detected on the series as measured,
the middle of every stepped gap that still holds unmeasured commits is measured
(one ``asv run`` per commit, for every series asking for it), and detection runs
again on the refined series, until no question is left open. One clean step in
a gap of g commits costs ⌈log2 g⌉ probes, as bisection does; several steps in
one gap (a regression and a later speed-up, three call-count steps in a row)
each end between two adjacent measured commits and so each get their own
culprit. Questions are asked of one series at a time:

- a *step*: exact series (call counts) between adjacent measured numbers,
  timings by asv's step detection (see ``steps.find_steps``);
- a *start*: a series that goes from n/a or failed to a number. The first
  commit with a number (the workload's birth, or the first working commit after
  failures) is measured, and so is the commit before it, so that a series starts
  where its workload starts and not at the next stepped commit.

Pure logic: the caller measures and calls again. Commits that fail stay points
of their series (as ``FAILED``); a step whose ends are separated only by failing
commits cannot be narrowed further and says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .results import FAILED, SKIPPED
from .steps import SeriesKey, Step, find_steps

Values = list[tuple[str, float | str]]  # (commit, value), first-parent order


@dataclass(frozen=True)
class Question:
    """Two adjacent measured points of one series that need explaining."""

    series: SeriesKey
    kind: str  # "step" | "start"
    left: str  # last measured commit before
    right: str  # first measured commit after
    unmeasured: tuple[str, ...]  # commits strictly between, not measured for this series
    failing: tuple[str, ...]  # commits strictly between, measured and failed/n/a
    step: Step | None = None

    @property
    def open(self) -> bool:
        return bool(self.unmeasured)

    @property
    def probe(self) -> str:
        """The commit to measure next: the middle of what is unmeasured."""
        return self.unmeasured[(len(self.unmeasured) - 1) // 2]


def is_number(value: float | str) -> bool:
    return isinstance(value, float)


def starts(values: Values) -> list[tuple[str, str]]:
    """(left, first number) wherever a series (re)starts.

    ``left`` is the n/a point before the workload's birth, reached back over any
    failing points (a broken install hides whether the workload existed yet);
    after a number, it is the last failing point (the series comes back)."""
    out = []
    for i in range(1, len(values)):
        if not is_number(values[i][1]) or is_number(values[i - 1][1]):
            continue
        j = i - 1
        while j > 0 and values[j][1] == FAILED:
            j -= 1
        left = values[j][0] if values[j][1] == SKIPPED else values[i - 1][0]
        out.append((left, values[i][0]))
    return out


def questions(
    series: dict[SeriesKey, Values],
    between: Callable[[str, str], list[str]],
    threshold: Callable[[SeriesKey], float],
    wanted: Callable[[SeriesKey], bool] = lambda _: True,
) -> list[Question]:
    """Every step and every start of every wanted series, with what lies between.

    ``between(a, b)`` gives the first-parent commits after ``a`` up to ``b``."""
    out = []
    for key, values in sorted(series.items(), key=lambda kv: (kv[0].benchmark, kv[0].params)):
        if not wanted(key):
            continue
        measured = {c: v for c, v in values}
        asked: list[tuple[str, str, str, Step | None]] = [
            ("step", s.left, s.right, s) for s in find_steps(key, values, threshold(key))
        ]
        asked += [("start", a, b, None) for a, b in starts(values)]
        for kind, left, right, step in asked:
            inner = between(left, right)[:-1]
            out.append(
                Question(
                    series=key,
                    kind=kind,
                    left=left,
                    right=right,
                    unmeasured=tuple(c for c in inner if c not in measured),
                    failing=tuple(c for c in inner if c in measured),
                    step=step,
                )
            )
    return out


def fixed_point(
    ask: Callable[[], list[Question]],
    measure: Callable[[str, list[str]], bool],
    position: Callable[[str], int],
    on_round: Callable[[int], None] | None = None,
) -> list[Question]:
    """Measure the probe of every open question, ask again, until nothing is open.

    ``measure(commit, classes)`` measures every series of those ``module.Class``
    names at ``commit`` (one build serves all series asking there; only the signal
    asked: an instruction question runs no timing) and says whether it did (False:
    no more builds, for ``--no-build`` or ``--budget``). A (commit, class) measured
    once is not measured again, so a commit that yields no result leaves its
    question open. ``on_round(probes)``: before each round, an estimate of the
    probes still to come (``probes_left``)."""
    asked_at: set[tuple[str, str]] = set()
    while True:
        asked = ask()
        todo: dict[str, set[str]] = {}
        for q in asked:
            cls = q.series.module_class
            if q.open and (q.probe, cls) not in asked_at:
                todo.setdefault(q.probe, set()).add(cls)
        if not todo:
            return asked
        if on_round is not None:
            on_round(probes_left(asked))
        for commit in sorted(todo, key=position):
            if not measure(commit, sorted(todo[commit])):
                return ask()
            asked_at.update((commit, c) for c in todo[commit])


def probes_left(asked: list[Question]) -> int:
    """An estimate of the probes that pin every open question: one bisection per
    distinct open gap (questions of one gap share their probes)."""
    gaps = {(q.left, q.right): len(q.unmeasured) for q in asked if q.open}
    return sum(log2_ceil(n + 1) for n in gaps.values())


def log2_ceil(gap: int) -> int:
    """Probes one bisection needs to pin one step in a gap of ``gap`` commits."""
    return math.ceil(math.log2(gap)) if gap > 1 else 0
