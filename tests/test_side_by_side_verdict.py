"""The side-by-side verdict, on samples shaped like this machine's noise.

In the run that broke CI, a no-op commit's loops came out 30-40 % slower or faster
"significantly": each asv round is one benchmark process, and whole processes ran
up to 1.7x slower than their neighbours, so pooling 15 samples of 3-5 processes
overstated the evidence. These samples reproduce that shape.
"""

from __future__ import annotations

from asv import _stats
from asv_runner.statistics import compute_stats

from cascade_bench.verdict import SAMPLES_PER_ROUND, round_medians, side_by_side_verdict


def _rounds(*medians: float) -> list[float]:
    """Samples of one commit: SAMPLES_PER_ROUND tight samples per round (process)."""
    return [m * (1 + 0.01 * (i - 1)) for m in medians for i in range(SAMPLES_PER_ROUND)]


def _stats_of(samples: list[float]) -> dict:
    _, stats = compute_stats(samples, 1)
    return stats


def _verdict(parent: list[float], culprit: list[float], *, slower: bool) -> dict:
    return side_by_side_verdict(
        parent, culprit, _stats_of(parent), _stats_of(culprit), slower=slower, threshold=0.10
    )


def test_process_noise_is_not_a_step() -> None:
    # VMCountdown(1000) on a commit that only added three trivial calls per
    # iteration (pooled medians 10.8 vs 15.0 ms in that run): most culprit
    # processes ran slow, one parent process too; the rounds overlap.
    parent = _rounds(9.9, 10.8, 11.0, 14.6, 10.2)
    culprit = _rounds(15.0, 14.8, 10.5, 15.3, 14.9)
    # Pooled, asv's Mann-Whitney test calls this different: the old verdict's bug.
    assert _stats.is_different(parent, culprit, _stats_of(parent), _stats_of(culprit))
    v = _verdict(parent, culprit, slower=True)
    assert v.separated is False and v.significant is False
    assert v.parent_rounds == [9.9, 10.8, 11.0, 14.6, 10.2]


def test_a_real_step_shows_in_every_round() -> None:
    parent = _rounds(10.1, 12.2, 14.8, 13.0, 12.9)
    culprit = _rounds(41.0, 47.5, 39.9, 52.3, 44.0)
    v = _verdict(parent, culprit, slower=True)
    assert v.separated and v.significant
    assert v.culprit_median / v.parent_median > 3


def test_a_step_the_other_way_is_not_confirmed() -> None:
    parent = _rounds(10.1, 12.2, 14.8, 13.0, 12.9)
    culprit = _rounds(41.0, 47.5, 39.9, 52.3, 44.0)
    assert _verdict(parent, culprit, slower=False).significant is False


def test_separated_but_below_threshold_is_not_confirmed() -> None:
    parent = _rounds(10.0, 10.1, 10.2, 10.1, 10.0)
    culprit = _rounds(10.5, 10.6, 10.5, 10.7, 10.6)
    v = _verdict(parent, culprit, slower=True)
    assert v.separated and not v.significant


def test_samples_that_do_not_split_into_rounds_confirm_nothing() -> None:
    parent = _rounds(10.0, 10.1, 10.2)[:-1]  # a round cut short
    culprit = _rounds(41.0, 47.5, 39.9)
    assert round_medians(parent) == []
    assert _verdict(parent, culprit, slower=True).significant is False


def test_one_disturbed_round_of_the_faster_commit_is_forgiven() -> None:
    # SimpleCountdown(200) in a CI run: a real 2.7x step, but one parent process
    # ran 3x slow (samples 32.1, 12.5, 8.8 ms) and overlapped the culprit's rounds.
    parent = _rounds(4.5, 4.7, 4.7, 4.7, 4.6, 12.5, 4.6, 4.5)
    culprit = _rounds(13.2, 13.9, 13.0, 12.6, 12.4, 12.6, 12.8, 12.7)
    assert _verdict(parent, culprit, slower=True).significant is True
    # Two disturbed rounds are not forgiven.
    parent2 = _rounds(4.5, 4.7, 4.7, 13.5, 4.6, 12.5, 4.6, 4.5)
    assert _verdict(parent2, culprit, slower=True).separated is False
