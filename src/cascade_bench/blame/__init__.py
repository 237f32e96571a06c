"""From asv's results to "this step began at commit X; inside it, function F got
slower": blame as stages over one run's state (``context.Run``), read top to bottom.

1. and 2. ``locate``: find steps in every series and narrow each to one commit,
   measuring the middle of stepped gaps to a fixed point (``bisection``);
3. ``confirm``: time what needs timing side by side (confirm timing steps, size
   instruction steps) and make each located step a finding;
4. ``attribute``: diff the two commits' profiles per loop iteration, and dismiss a
   commit that changed nothing its workload ran;
5. ``assemble``: the findings model (``model.Blame``) with the culprit list.

``blame_history`` does all of it over a history; ``blame_pair`` does 3 to 5 for two
commits already measured side by side (pull-request mode). asv is reached only
through ``runner.Runner``.
"""

from __future__ import annotations

from ..asvconf import Suite
from ..blame_store import Recheck
from ..model import Bisect, Blame, Pair
from ..phases import Phases
from ..steps import SeriesKey, Step, beyond
from ..suite import SuiteError
from . import assemble, attribute, confirm, locate, recheck
from .confirm import Timings
from .context import Located, Options, Run
from .runner import AsvRunner, Runner

__all__ = ["AsvRunner", "Options", "Runner", "Timings", "blame_history", "blame_pair"]

def blame_history(
    suite: Suite,
    opts: Options,
    timings: Timings,
    runner: Runner | None = None,
    phases: Phases | None = None,
) -> tuple[Blame, Recheck]:
    """Every step of the history, narrowed, confirmed and attributed; and how to
    recheck stored findings against what this run measured (its time charged to
    ``phases``)."""
    run = Run.start(suite, opts, runner, phases)
    try:
        narrowed = locate.locate(run)
        located = confirm.sized_behind_instructions(narrowed.located, timings)
        cache = attribute.Profiles()
        settled = attribute.untimed_noise(run, cache, located)
        found = confirm.confirm(run, located, timings, settled)
        found = attribute.attribute(run, cache, found)
        cache.close()
        findings, dismissed = assemble.split(located, found)
        return assemble.blame(run, findings, dismissed, narrowed), recheck.Evidence(run)
    finally:
        run.close()


def blame_pair(
    suite: Suite, opts: Options, base: str, head: str, runner: Runner | None = None
) -> Blame:
    """Pull-request mode: ``base`` and ``head`` already measured side by side
    (``verdict.side_by_side_args``) into the suite's results; same rules."""
    run = Run.start(suite, opts, runner)
    try:
        keys = _keys_at(run, head)
        pair = Pair(base, head)
        timings = Timings()
        timings.keep(run, pair, [k for k in keys if k.signal == "time"], suite.results_dir)
        located = _steps_between(run, keys, pair)
        located += [loc for loc in locate.timing_behind_exact(run, located)
                    if loc.step.series in keys]  # fmt: skip
        found = [confirm.finding(run, timings, loc) for loc in located]
        found = attribute.attribute(run, attribute.Profiles(), found)
        findings, _ = assemble.split(located, found, confirming=False)
        return assemble.blame(run, findings, [], None)
    finally:
        run.close()


def _keys_at(run: Run, head: str) -> list[SeriesKey]:
    keys = sorted({SeriesKey(b, p) for (b, p, c) in run.values if c == head},
                  key=lambda k: (k.benchmark, k.params))  # fmt: skip
    keys = [k for k in keys if run.blameable(k)]
    if not keys:
        raise SuiteError(f"no benchmark matching {run.opts.bench_regex!r} ran at {head[:8]}")
    return keys


def _steps_between(run: Run, keys: list[SeriesKey], pair: Pair) -> list[Located]:
    """Every series that moved between the two commits: exact ones beyond the
    threshold, timings whatever their size (the side-by-side verdict decides)."""
    located = []
    for key in keys:
        before, after = (run.value(key, c) for c in pair)
        if not (isinstance(before, float) and isinstance(after, float)) or before == after:
            continue
        if key.exact and not beyond(before, after, run.threshold(key)):
            continue
        located.append(Located(Step(key, *pair, before, after), pair, Bisect(gap=1, built=0)))
    return located
