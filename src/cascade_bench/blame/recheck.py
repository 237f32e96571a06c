"""Whether a stored finding still stands, from what this run measured (the store's
``merge`` asks, for every stored finding this run did not produce)."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Finding, Outdated
from ..steps import SeriesKey, beyond
from ..suite import SuiteError
from .context import Run


def recheck(run: Run, stored: Finding) -> Outdated | None:
    """Why ``stored`` no longer stands: its range now holds measured commits
    (narrowed: superseded by what this run found there), or, for an exact series,
    its two commits were measured again (values differ from the stored ones) and no
    longer step beyond the threshold (retracted). None: nothing shows it wrong."""
    key = SeriesKey(*stored.series)
    try:
        inside = run.history.between(*stored.pair)[:-1]
    except SuiteError:
        inside = []  # off the branch now: nothing to narrow
    measured = [c for c in inside if run.value(key, c) is not None]
    if measured:
        return Outdated(
            "superseded",
            f"narrowed: {len(measured)} commit(s) between {stored.parent.short} and "
            f"{stored.culprit.short} measured since",
        )
    if stored.signal == "time":
        return None  # only a side-by-side dismissal shows a timing step wrong
    before, after = (run.value(key, c) for c in stored.pair)
    if not (isinstance(before, float) and isinstance(after, float)):
        return None
    if (before, after) == (stored.before, stored.after):
        return None
    if beyond(before, after, run.threshold(key)):
        return None
    return Outdated(
        "retracted",
        f"re-measured: {before:.6g} -> {after:.6g} {stored.unit}, no step "
        f"(stored {stored.before:.6g} -> {stored.after:.6g})",
    )


@dataclass(frozen=True)
class Evidence:
    """What this run measured, as the store's ``merge`` asks it (``blame_store.Recheck``)."""

    run: Run

    def __call__(self, stored: Finding) -> Outdated | None:
        return recheck(self.run, stored)

    def covers(self, stored: Finding) -> bool:
        """Both commits measured in the finding's series; for a wall-time size, in an
        instruction series of its workload (the step it sizes)."""
        key = SeriesKey(*stored.series)
        if not stored.sizing:
            return all(self.run.value(key, c) is not None for c in stored.pair)
        values, parent, culprit = self.run.values, stored.parent.hash, stored.culprit.hash
        return any(
            c == culprit and (b, p, parent) in values and SeriesKey(b, p).signal == "instructions"
            and SeriesKey(b, p).workload == key.workload
            for (b, p, c) in values
        )

    def inside(self, found: Finding, commit: str) -> bool:
        try:
            return commit in self.run.history.between(*found.pair)
        except SuiteError:
            return False
