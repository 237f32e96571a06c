"""The findings in words: the terminal view and the Markdown view (CI summaries)."""

from __future__ import annotations

from . import fmt
from .findings import Blame, Finding, FunctionDiff


def step_text(f: Finding) -> str:
    """The size of a step in words: "3.1× slower", "2.8× more calls per iteration"."""
    size = fmt.factor(f.ratio)
    if f.signal == "calls":
        return f"{size} {'more' if f.ratio >= 1 else 'fewer'} calls per iteration"
    return f"{size} {'slower' if f.ratio >= 1 else 'faster'}"


def evidence(f: Finding) -> str:
    """Why the step is believed: exact counts, or the side-by-side verdict."""
    if f.signal == "calls":
        return "exact call-count step"
    c = f.confirmation
    rounds = len(c.culprit_rounds) if c else 0
    if f.confirmed and rounds:
        return f"confirmed side by side ({rounds} rounds each, separated)"
    if f.confirmed:
        return "confirmed side by side"
    if f.confirmed is False:
        return "NOT confirmed side by side"
    return "NOT confirmed (no side-by-side run)"


def function_row(fn: FunctionDiff) -> str:
    return (
        f"{fn.label}  calls {fn.calls[0]:.2f}→{fn.calls[1]:.2f}  "
        f"own {fmt.time(fn.own[0])}→{fmt.time(fn.own[1])}  "
        f"cum {fmt.time(fn.cumulative[0])}→{fmt.time(fn.cumulative[1])}"
    )


def worst(findings: list[Finding]) -> Finding | None:
    """The regression to name first: what users feel is wall time, so a timing
    step outranks a call-count one; then the largest step."""
    regressions = [f for f in findings if f.kind == "regression"]
    timing = [f for f in regressions if f.signal == "time"] or regressions
    return max(timing, key=lambda f: f.ratio, default=None)


def verdict(blame: Blame) -> str:
    """The first line a person reads: how many regressions, and the worst one."""
    regs = blame.counted
    w = worst(regs)
    if w is None:
        return "No regression."
    fn = w.functions[0].label if w.functions else None
    return (
        f"{len(regs)} regression(s). Worst: {w.benchmark} ({fmt.params(w.params)}) "
        f"{step_text(w)} at {w.culprit.short}" + (f", in {fn}" if fn else "")
    )


def terminal(blame: Blame, top: int = 5) -> str:
    out = []
    for kind, title in (("regression", "REGRESSIONS"), ("speedup", "SPEED-UPS")):
        items = [f for f in blame.findings if f.kind == kind]
        out.append(f"{title} ({len(items)})")
        for f in items:
            out.append(
                f"  {f.benchmark} [{fmt.params(f.params)}]  {fmt.span(f.before, f.after, f.unit)}"
                f"  ({step_text(f)}, {evidence(f)})"
            )
            b, c = f.bisect, f.culprit
            where = ""
            if b is not None:
                where = f"; gap of {b.gap} commit(s)"
                where += f", {len(b.failed)} failing skipped" if b.failed else ""
                where += f"; NOT pinned: {b.open}" if b.open else ""
            out.append(
                f"    culprit {c.short} {c.subject[:60]!r} ({c.date[:10]}), "
                f"vs {f.parent.short}{where}"
            )
            out.extend(f"      {function_row(fn)}" for fn in f.functions[:top])
            out.extend(f"      note: {n}" for n in f.notes)
    if blame.dismissed:
        out.append(f"DISMISSED AS NOISE ({len(blame.dismissed)}): not confirmed side by side")
        out.extend(
            f"  {f.benchmark} [{fmt.params(f.params)}] at {f.culprit.short}"
            for f in blame.dismissed
        )
    out.extend(_gap_lines(blame))
    out.extend(_series_lines(blame))
    out.append(f"built {len(blame.built)} commit(s) for this run")
    return "\n".join(out)


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
    return out


def markdown(blame: Blame, top: int = 5) -> str:
    lines = [f"**{verdict(blame)}**", ""]
    for f in blame.findings:
        lines.append(
            f"- {f.kind}: `{f.benchmark}` ({fmt.params(f.params)}) {step_text(f)} — "
            f"{evidence(f)} — culprit `{f.culprit.short}` {f.culprit.subject} "
            f"(vs `{f.parent.short}`)"
        )
        lines.extend(f"  - `{function_row(fn)}`" for fn in f.functions[:top])
    if blame.dismissed:
        lines.append(
            f"- {len(blame.dismissed)} timing step(s) dismissed as noise "
            "(not confirmed side by side)"
        )
    if blame.series:
        steps = sum(s.steps for s in blame.series)
        done = sum(s.explained for s in blame.series)
        lines.append(f"- {len(blame.series)} series: {steps} step(s) found, {done} explained")
        for s in blame.series:
            lines.extend(
                f"  - unresolved `{s.benchmark}` ({fmt.params(s.params)}) "
                f"`{u.left[:8]}..{u.right[:8]}`: {u.why}"
                for u in s.unresolved
            )
    return "\n".join(lines) + "\n"
