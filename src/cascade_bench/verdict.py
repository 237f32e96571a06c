"""The side-by-side verdict on a timing step: pure statistics, no I/O.

Parent and culprit are run by ``asv run --interleave-rounds``: R rounds each, one
benchmark process per round, ``SAMPLES_PER_ROUND`` samples per process. On a shared
machine whole processes run up to 3x slower than their neighbours, so samples of
one round are not independent: a step is confirmed only if the rounds separate.
"""

from __future__ import annotations

import statistics
from dataclasses import replace

from asv import _stats

from .model import Confirmation
from .steps import beyond
from .suite import SuiteError

CONFIRM_ROUNDS = 8
# Fewest rounds whose chance separation, (R + 1) / C(2R, R), is under 1 % (R=6: 0.76 %;
# R=3 would separate by chance 20 % of the time).
MIN_ROUNDS = 6
# Fixed samples per round, so recorded samples split back into their rounds.
SAMPLES_PER_ROUND = 3


def side_by_side_args(rounds: int) -> tuple[str, ...]:
    """``asv run`` options of a side-by-side run whose samples ``side_by_side_verdict`` can read."""
    if rounds < MIN_ROUNDS:
        raise SuiteError(
            f"--rounds {rounds}: at least {MIN_ROUNDS} (fewer rounds separate by chance too often)"
        )
    return (
        "--record-samples", "--interleave-rounds",
        "-a", f"rounds={rounds}", "-a", f"repeat={SAMPLES_PER_ROUND}",
    )  # fmt: skip


# Sizing the wall-time cost of an exact (instruction) step: the step is known to
# exist, so the run measures how large it is, not whether it is there. Three rounds
# per commit, not interleaved: one install per commit instead of one per round
# (8 interleaved rounds cost 16 installs a pair, most of a side-by-side run here).
SIZE_ROUNDS = 3


def sizing_args() -> tuple[str, ...]:
    """``asv run`` options of a sizing run (see SIZE_ROUNDS); samples split into rounds."""
    return (
        "--record-samples", "--no-interleave-rounds",
        "-a", f"rounds={SIZE_ROUNDS}", "-a", f"repeat={SAMPLES_PER_ROUND}",
    )  # fmt: skip


def size(sa: list[float], sb: list[float]) -> Confirmation:
    """Medians and per-round medians of a sizing run: a figure with its spread, no
    verdict (``separated`` and ``significant`` stay unset)."""
    return replace(
        _medians(sa, sb),
        reason=f"sized side by side ({SIZE_ROUNDS} rounds each): a size, not a verdict",
    )


def _medians(sa: list[float], sb: list[float]) -> Confirmation:
    """What every side-by-side run reports: medians, sample counts, round medians."""
    return Confirmation(
        parent_median=statistics.median(sa),
        culprit_median=statistics.median(sb),
        parent_samples=len(sa),
        culprit_samples=len(sb),
        parent_rounds=round_medians(sa),
        culprit_rounds=round_medians(sb),
    )


def side_by_side_verdict(
    sa: list[float],
    sb: list[float],
    stats_a: dict,
    stats_b: dict,
    *,
    slower: bool,
    threshold: float,
) -> Confirmation:
    """Parent samples ``sa`` vs culprit samples ``sb`` of one side-by-side run.

    Significant only if all three hold: asv's test (Mann-Whitney, as ``asv
    continuous``), medians apart by ``threshold`` in the expected direction, and
    the rounds separated (each round is one process, and processes differ)."""
    summary = _medians(sa, sb)
    ma, mb = summary.parent_median, summary.culprit_median
    ra, rb = summary.parent_rounds, summary.culprit_rounds
    different = bool(_stats.is_different(sa, sb, stats_a, stats_b))
    same_direction = (mb > ma) == slower
    big_enough = beyond(ma, mb, threshold)  # the one threshold rule (``steps.beyond``)
    separated = rounds_separate(ra, rb) if slower else rounds_separate(rb, ra)
    return replace(
        summary,
        separated=separated,
        significant=different and same_direction and big_enough and separated,
    )


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
