"""The terminal view of a blame run: the culprit list first, then every series
that moved, what was dismissed, the gaps narrowed and every series' account."""

from __future__ import annotations

from . import fmt
from .culprits import series_lists
from .model import Blame
from .wording import (
    TITLES,
    cost_text,
    dismissal_text,
    evidence,
    function_row,
    range_text,
    step_text,
    tally,
    where_text,
)


def terminal(blame: Blame, top: int = 5) -> str:
    out = [*culprit_lines(blame), ""]
    for kind, items in series_lists(blame.findings).items():
        out.append(f"{TITLES[kind]} ({len(items)})")
        for f in items:
            out.append(
                f"  {f.benchmark} [{fmt.params(f.params)}]  {fmt.span(f.before, f.after, f.unit)}"
                f"  ({step_text(f)}, {evidence(f)})"
            )
            out.append(f"    {where_text(f)}")
            out.extend(f"      {function_row(fn, f.pinned)}" for fn in f.functions[:top])
            out.extend(f"      note: {n}" for n in f.notes)
    if blame.dismissed:
        out.append(f"DISMISSED ({len(blame.dismissed)}): steps that are no culprit")
        out.extend(
            f"  {f.benchmark} [{fmt.params(f.params)}] at {f.culprit.short}: {dismissal_text(f)}"
            for f in blame.dismissed
        )
    out.extend(_gap_lines(blame))
    out.extend(_series_lines(blame))
    out.append(f"built {len(blame.built)} commit(s) for this run")
    return "\n".join(out)


def culprit_lines(blame: Blame, top: int = 3) -> list[str]:
    """The short list first: one line per culprit commit, ranked by cost; then the
    steps not narrowed to one commit, as ranges (never as a culprit)."""
    out = [f"CULPRIT COMMITS ({len(blame.culprits)}): {tally(blame.culprits, blame.ranges)}"]
    for i, c in enumerate(blame.culprits, 1):
        out.append(
            f"  {i}. {c.commit.short} {c.commit.subject[:60]!r} ({c.commit.date[:10]}): "
            f"{cost_text(c)}; {len(c.series)} series"
        )
        if c.note:
            out.append(f"     {c.note}")
        out.extend(f"     {function_row(fn)}" for fn in c.functions[:top])
    if blame.ranges:
        out.append(f"NOT NARROWED TO ONE COMMIT ({len(blame.ranges)}): the step lies in a range")
    for i, c in enumerate(blame.ranges, 1):
        out.append(f"  {i}. {range_text(c)}: {cost_text(c)}; {len(c.series)} series")
        out.extend(f"     {function_row(fn, pinned=False)}" for fn in c.functions[:top])
    return out


def _gap_lines(blame: Blame) -> list[str]:
    """Builds per culprit in each stepped gap, against one bisection per culprit."""
    out = []
    for g in blame.gaps:
        k = max(1, len(g.culprits))
        out.append(
            f"  gap {g.left[:8]}..{g.right[:8]} ({g.commits} commits): {g.built} built for "
            f"{len(g.culprits)} culprit(s) ({g.built / k:.1f} per culprit; "
            f"bisection: ⌈log2 {g.commits}⌉ = {g.log2})"
        )
    return ["STEPPED GAPS NARROWED", *out] if out else []


def _series_lines(blame: Blame) -> list[str]:
    """One line per series: nothing found is left unexplained without saying why."""
    if not blame.series:
        return []
    left_open = sum(len(s.unresolved) for s in blame.series)
    out = [
        f"SERIES ({len(blame.series)}): "
        + ("every step explained" if not left_open else f"{left_open} pair(s) unresolved")
    ]
    for s in blame.series:
        start = ""
        if s.first:
            start = f", starts at {s.first[:8]}" + (" (born there)" if s.born else "")
        extra = [f"{s.failed} failed"] if s.failed else []
        extra += [f"{s.skipped} n/a"] if s.skipped else []
        out.append(
            f"  {s.benchmark} [{fmt.params(s.params)}]: {s.measured} measured"
            + (f" ({', '.join(extra)})" if extra else "")
            + f"{start}; {s.steps} step(s), {s.explained} explained"
        )
        out.extend(f"    unresolved {u.left[:8]}..{u.right[:8]}: {u.why}" for u in s.unresolved)
        out.extend(f"    {f.why} at {fmt.commits(f.commits)}" for f in s.failures)
    return out


def store_text(run: Blame, merged: Blame, path: object) -> str:
    """What a run did to the store: kept, retracted, set aside (never silent)."""
    found = {f.key for f in run.findings}
    kept = [f for f in merged.findings if f.key not in found]
    lines = [
        f"STORE {path}: {len(merged.findings)} finding(s), {len(kept)} kept from earlier "
        f"runs, {len(merged.retracted)} retracted, {len(merged.superseded)} superseded by "
        "narrower steps"
    ]
    lines += [
        f"  retracted {f.culprit.short} {f.benchmark}: {f.retracted}"
        for f in merged.retracted
        if f.retracted and f.retracted.startswith(run.generated_at)
    ]
    lines += [f"  set aside (corrupt, kept for a look): {p}" for p in merged.set_aside]
    return "\n".join(lines)
