"""Findings grouped by culprit commit and ranked: the list a person acts on.

Only a finding narrowed to two adjacent measured commits (``Finding.pinned``) names a
culprit commit; the others are listed as the range between their two ends.
"""

from __future__ import annotations

import math

from . import signals
from .model import Culprit, Finding, Move

OUTSIDE_INTERPRETER = (
    "most of the cost is outside the interpreter: threads, event-loop turns, system calls"
)


def group_by_culprit(findings: list[Finding]) -> list[Culprit]:
    """One entry per culprit commit (pinned findings) and one per range (the rest,
    by their pair of ends), ranked: regressions by the cost of their regression,
    then speed-ups, then commits that only changed the work (call counts). A commit
    that slows some workloads and speeds up others is a regression whose ``moves``
    show both. A commit with only timing steps never confirmed is no culprit:
    nothing shows it changed anything. Sizing findings only size the others."""
    groups: dict[tuple[str, ...], list[Finding]] = {}
    for f in findings:
        key = (f.culprit.hash,) if f.pinned else (f.parent.hash, f.culprit.hash)
        groups.setdefault(key, []).append(f)
    out = [c for fs in groups.values() if (c := _culprit(fs)) is not None]
    order = {"regression": 0, "speedup": 1, "work": 2}
    return sorted(out, key=lambda c: (order.get(c.kind, 3), -c.cost, c.commit.date))


def _culprit(fs: list[Finding]) -> Culprit | None:
    fs = sorted(fs, key=lambda f: (-f.cost, f.id))
    costly = [f for f in fs if f.costly]
    if any(f.kind == "regression" for f in costly):
        kind = "regression"
    elif costly:
        kind = "speedup"
    elif any(f.signal == "calls" for f in fs):
        kind = "work"
    else:
        return None  # only timing steps never confirmed side by side
    direction = kind if kind != "work" else None
    ahead = [f for f in fs if direction is None or f.kind == direction]
    lead = next(f for f in ahead if f.costly or kind == "work")
    worst_instr = max((f for f in ahead if f.signal == "instructions"), key=lambda f: f.cost,
                      default=None)  # fmt: skip
    worst_wall = max((f for f in ahead if f.signal == "time" and f.confirmed),
                     key=lambda f: f.cost, default=None)  # fmt: skip
    note = _note(worst_instr, worst_wall)
    with_functions = next((f for f in [lead, *ahead] if f.functions), lead)
    b = lead.bisect
    return Culprit(
        commit=lead.culprit,
        parent=lead.parent,
        kind=kind,
        instructions=worst_instr.ratio if worst_instr else None,
        wall=worst_wall.ratio if worst_wall else None,
        findings=[f.id for f in fs],
        series=sorted({_series_name(f) for f in fs if not f.sizing}),
        functions=with_functions.functions,
        note=note,
        moves=moves(fs),
        pinned=lead.pinned,
        unmeasured=0 if b is None or not b.open else _unmeasured(fs),
        failed=0 if b is None else len(b.failed),
        open=b.open if b and b.open else None,
    )


def _note(worst_instr: Finding | None, worst_wall: Finding | None) -> str | None:
    """Where a wall-time regression's cost lies, when the instructions do not
    explain most of it."""
    if worst_wall is None or worst_wall.kind != "regression":
        return None
    if worst_instr is None:
        return (
            f"wall time {worst_wall.ratio:.2f}×, no instruction step (under its "
            "threshold, or not measured): the cost may be outside the interpreter"
        )
    i = worst_instr.ratio
    share = math.log(i) / math.log(worst_wall.ratio) if worst_wall.ratio > 1 else 1.0
    if share < 0.5:
        return f"wall time {worst_wall.ratio:.2f}×, instructions {i:.2f}×: {OUTSIDE_INTERPRETER}"
    return None


def _series_name(f: Finding) -> str:
    return f"{f.benchmark}({', '.join(f.params.values())})"


def _unmeasured(fs: list[Finding]) -> int:
    """Commits of the range not measured (for the series that measured the most)."""
    return min((f.bisect.unmeasured or 0 for f in fs if f.bisect and f.bisect.open), default=0)


SERIES_LISTS = ("regression", "speedup", "work")


def series_lists(findings: list[Finding]) -> dict[str, list[Finding]]:
    """The series that moved, as every view lists them: regressions and speed-ups
    (instructions and wall time), then changes in work (call counts only). A wall-time
    figure that only sizes an exact step is not a step of its own: not listed unless
    it was confirmed side by side."""
    out: dict[str, list[Finding]] = {k: [] for k in SERIES_LISTS}
    for f in findings:
        if f.sizing and not f.confirmed:
            continue
        out["work" if f.signal == "calls" else f.kind].append(f)
    out["regression"].sort(key=lambda f: -f.ratio)
    out["speedup"].sort(key=lambda f: f.ratio)
    out["work"].sort(key=lambda f: -f.cost)
    return out


def culprit_lists(findings: list[Finding]) -> dict[str, list[Culprit]]:
    """``Blame``'s ``culprits`` (pinned commits) and ``ranges`` of ``findings``."""
    entries = group_by_culprit(findings)
    return {
        "culprits": [c for c in entries if c.pinned],
        "ranges": [c for c in entries if not c.pinned],
    }


def moves(fs: list[Finding]) -> list[Move]:
    """The largest step of each (workload, signal), workloads in order of their
    largest costly step. Wall time counts once confirmed, as a size behind an
    instruction step, or beside one; an unconfirmed timing step alone is not a move
    (nothing shows it)."""
    best: dict[tuple[str, str], Finding] = {}
    counted = {f.workload_class for f in fs if f.signal == "instructions"}
    for f in fs:
        # An unconfirmed timing step still sizes an instruction step of its workload.
        if f.signal == "time" and not (f.confirmed or f.sizing or f.workload_class in counted):
            continue
        k = (f.workload_class, f.signal)
        if k not in best or f.cost > best[k].cost:
            best[k] = f
    weight = {w: max((f.cost for (w2, _), f in best.items() if w2 == w and f.costly),
                     default=0.0) for w, _ in best}  # fmt: skip
    signal_order = {s: i for i, s in enumerate(signals.DISPLAY_ORDER)}
    out = []
    for (w, sig), f in sorted(best.items(), key=lambda kv: (-weight[kv[0][0]], kv[0][0],
                                                           signal_order[kv[0][1]])):  # fmt: skip
        c = f.confirmation
        out.append(
            Move(
                workload=w,
                signal=sig,
                kind=f.kind,
                ratio=f.ratio,
                confirmed=(bool(f.confirmed) if c and c.culprit_rounds else None)
                if sig == "time"
                else None,
                spread=list(f.spread or ()),
                rounds=len(c.culprit_rounds) if c else 0,
                series=sorted(
                    _series_name(g) for g in fs if (g.workload_class, g.signal) == (w, sig)
                ),
            )
        )
    return out

