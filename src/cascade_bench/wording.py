"""The vocabulary every view uses (terminal, Markdown, the report): one phrase for a
direction, a step, a cost, a range, a dismissal. Views compose these; they never
word a fact themselves."""

from __future__ import annotations

import math
import re

from . import fmt, signals
from .model import Blame, Culprit, Finding, FunctionDiff, Move

KIND_WORDS = {
    "regression": "REGRESSION",
    "speedup": "speed-up",
    "work": "work changed (call counts only)",
}


SIGNAL_WORDS = {s.name: s.words for s in signals.ALL}


def direction(signal: str, ratio: float) -> str:
    """The one word for which way a series moved: counts are more or fewer, wall
    time is slower or faster."""
    up = ratio >= 1
    if signal == "time":
        return "slower" if up else "faster"
    return "more" if up else "fewer"


def step_text(f: Finding) -> str:
    """The size of a step in words: "3.1× slower", "2.8× more calls per iteration"."""
    size = fmt.factor(f.ratio)
    if f.signal == "time":
        return f"{size} {direction('time', f.ratio)}"
    return f"{size} {direction(f.signal, f.ratio)} {f.signal} per iteration"


def evidence(f: Finding) -> str:
    """Why the step is believed: exact counts, or the side-by-side verdict."""
    if f.signal == "instructions":
        return "exact instruction-count step"
    if f.signal == "calls":
        return "exact call-count step (a change in work, not a cost)"
    c = f.confirmation
    rounds = len(c.culprit_rounds) if c else 0
    if f.confirmed and rounds:
        return f"confirmed side by side ({rounds} rounds each, separated)"
    if f.confirmed:
        return "confirmed side by side"
    if f.sizing:
        return wall_evidence(f.confirmed, rounds, f.spread)
    if f.confirmed is False:
        return "NOT confirmed side by side"
    return "NOT confirmed (no side-by-side run)"


def wall_evidence(confirmed: bool | None, rounds: int, spread: object) -> str:
    """How a wall-time figure was measured, with its spread where there is one."""
    if confirmed:
        return "confirmed side by side"
    if rounds:
        lo, hi = spread if spread else (None, None)
        span = f": {lo:.2f}–{hi:.2f}×" if lo is not None else ""
        return f"sized side by side, {rounds} rounds{span}"
    return "asv's stored results, not side by side"


def function_row(fn: FunctionDiff, pinned: bool = True) -> str:
    share = f"{fn.share:+.0%} of the change  " if fn.share is not None else ""
    codes = (
        f"bytecodes {fmt.count(fn.bytecodes[0])}→{fmt.count(fn.bytecodes[1])}  "
        if fn.bytecodes
        else ""
    )
    edited = f"  [{edited_words(pinned)}]" if fn.edited else ""
    return (
        f"{fn.label}{edited}  {share}{codes}"
        f"calls {fn.calls[0]:.2f}→{fn.calls[1]:.2f}  "
        f"own {fmt.time(fn.own[0])}→{fmt.time(fn.own[1])}  "
        f"cum {fmt.time(fn.cumulative[0])}→{fmt.time(fn.cumulative[1])}"
    )


def edited_words(pinned: bool) -> str:
    return "edited in this commit" if pinned else "edited in this range"


def move_text(m: Move) -> str:
    """``instructions 3.10× more``; ``wall time 2.95× slower [confirmed side by side]``."""
    text = f"{SIGNAL_WORDS[m.signal]} {fmt.factor(m.ratio)} {direction(m.signal, m.ratio)}"
    if m.signal == "time":
        text += f" [{wall_evidence(m.confirmed, m.rounds, m.spread)}]"
    return text


def _workload_kind(moves: list[Move]) -> str:
    """A workload's direction: that of its costly move (instructions, confirmed wall
    time), else its call counts ("work"), else its wall-time figure."""
    costly = [m for m in moves if m.costly]
    if costly:
        return max(costly, key=lambda m: abs(math.log(m.ratio)) if m.ratio > 0 else 0).kind
    return "work" if any(m.signal == "calls" for m in moves) else moves[0].kind


def cost_text(c: Culprit) -> str:
    """Every direction the commit moved, regressions first: ``REGRESSION in
    HeavyJumpLoop (instructions 1.24× more, wall time 1.25× slower (…)); speed-up
    in VMCountdown (instructions 1.31× fewer)``."""
    if not c.moves:  # a store written before moves were kept
        parts = []
        if c.instructions is not None:
            parts.append(f"instructions {fmt.factor(c.instructions)} "
                         f"{direction('instructions', c.instructions)}")  # fmt: skip
        if c.wall is not None:
            parts.append(f"wall time {fmt.factor(c.wall)} {direction('time', c.wall)}"
                         " (confirmed side by side)")  # fmt: skip
        return f"{KIND_WORDS.get(c.kind, c.kind)}; " + (", ".join(parts) or "no cost measured")
    return "; ".join(text for _, text in cost_parts(c))


def cost_parts(c: Culprit) -> list[tuple[str, str]]:
    """``cost_text`` by direction: (kind, "REGRESSION in X (…), Y (…)"), regressions
    first; the report colours each part by its kind."""
    by_workload: dict[str, list[Move]] = {}
    for m in c.moves:
        by_workload.setdefault(m.workload, []).append(m)
    groups: dict[str, list[str]] = {}
    for workload, ms in by_workload.items():
        text = f"{workload} ({', '.join(move_text(m) for m in ms)})"
        groups.setdefault(_workload_kind(ms), []).append(text)
    return [(kind, f"{KIND_WORDS[kind]} in {', '.join(groups[kind])}")
            for kind in KIND_WORDS if kind in groups]  # fmt: skip


def tally(culprits: list[Culprit], ranges: list[Culprit]) -> str:
    """The counts every view shows: ``3 culprit commits: 2 with regressions (1 also
    with speed-ups), 1 with speed-ups only; 1 range not narrowed to one commit``."""
    bad = [c for c in culprits if c.kind == "regression"]
    ups = [c for c in culprits if c.kind == "speedup"]
    work = [c for c in culprits if c.kind == "work"]
    parts = [f"{len(bad)} with regressions" + (
        f" ({sum(c.mixed for c in bad)} also with speed-ups)" if any(c.mixed for c in bad) else ""
    )]  # fmt: skip
    if ups:
        parts.append(f"{len(ups)} with speed-ups only")
    if work:
        parts.append(f"{len(work)} that changed only the work (call counts)")
    text = f"{_n(len(culprits), 'culprit commit')}: {', '.join(parts)}"
    if ranges:
        text += f"; {_n(len(ranges), 'range')} not narrowed to one commit"
    return text


def _n(k: int, noun: str) -> str:
    return f"{k} {noun}{'s' if k != 1 else ''}"


def range_text(c: Culprit) -> str:
    """``between 1a2b3c4d and 5d6e7f8a (3 commits not measured: --budget spent)``."""
    why = []
    if c.unmeasured:
        why.append(f"{_n(c.unmeasured, 'commit')} not measured")
    if c.failed:
        why.append(f"{c.failed} failed to build or run")
    # blame's reasons read "3 unmeasured commit(s) between (--budget spent)": the cause
    m = re.search(r"\(([^()]*)\)$", c.open or "")
    reason = m.group(1) if m else (c.open or "")
    detail = ", ".join(why) + (f": {reason}" if reason else "")
    return f"between {c.parent.short} and {c.commit.short} ({detail or 'not narrowed'})"


def worst(findings: list[Finding]) -> Finding | None:
    """The regression to name first: what users feel is wall time, so a confirmed
    timing step outranks an instruction step, which outranks a call-count one."""
    regressions = [f for f in findings if f.kind == "regression"]
    for signal in ("time", "instructions", "calls"):
        found = [f for f in regressions if f.signal == signal and (signal != "time" or f.confirmed)]
        if found:
            return max(found, key=lambda f: f.ratio)
    return None


def first_line(blame: Blame, markdown: bool = False) -> str:
    """The first line a person reads: the tally of culprit commits (``tally``) and
    the costliest regression with its function. ``markdown``: the subject and
    function escaped (``fmt.markdown_text``), as the Markdown summary embeds them."""
    return headline(blame.culprits, blame.ranges, markdown)


def headline(culprits: list[Culprit], ranges: list[Culprit], markdown: bool = False) -> str:
    """``first_line``'s sentence for these lists (the report joins several machines')."""
    if not culprits and not ranges:
        return "No regression and no speed-up attributed."
    text = tally(culprits, ranges) + "."
    bad = [c for c in culprits if c.kind == "regression"]
    if not bad:
        open_bad = [c for c in ranges if c.kind == "regression"]
        if open_bad:
            text += (
                f" No regression pinned to one commit; {len(open_bad)} range(s) with "
                "regressions need narrowing (run cascade-bench blame, with a larger --budget)."
            )
        return text
    c = max(bad, key=lambda c: c.cost)
    subject = c.commit.subject[:50]
    subject = f"'{fmt.markdown_text(subject)}'" if markdown else repr(subject)
    fn = ""
    if c.functions:
        label = c.functions[0].label
        fn = f", in {fmt.code(label) if markdown else label}"
    return f"{text} Worst: {c.commit.short} {subject}: {cost_text(c)}{fn}"


TITLES = {
    "regression": "REGRESSED SERIES",
    "speedup": "SPED-UP SERIES",
    "work": "WORK CHANGED (call counts only)",
}


def where_text(f: Finding) -> str:
    """``culprit 1a2b3c4d 'subject' (date), vs 0a1b2c3d`` or, not narrowed, the range."""
    c = f.culprit
    if not f.pinned:
        b = f.bisect
        why = b.open if b and b.open else f"{len(b.failed) if b else 0} failing commit(s) between"
        return f"between {f.parent.short} and {c.short} (NOT narrowed to one commit: {why})"
    gap = f"; gap of {f.bisect.gap} commit(s) bisected" if f.bisect and f.bisect.gap else ""
    return f"culprit {c.short} {c.subject[:60]!r} ({c.date[:10]}), vs {f.parent.short}{gap}"


UNTIMED = "not re-timed:"  # a timing step settled as noise without timing it again


def dismissal_text(f: Finding) -> str:
    """Why a step is no culprit: its commit changed nothing that ran, or the timing
    step did not hold up side by side."""
    if f.dismissal:
        return f"changed nothing that ran: {f.dismissal}"
    reason = f.confirmation.reason if f.confirmation else None
    if reason and reason.startswith(UNTIMED):
        return f"noise: {reason}"
    return "noise: not confirmed side by side"
