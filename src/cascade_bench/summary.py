"""The findings in words: the terminal view and the Markdown view (CI summaries)."""

from __future__ import annotations

from . import fmt
from .findings import Blame, Culprit, Finding, FunctionDiff

KIND_WORDS = {
    "regression": "REGRESSION",
    "speedup": "speed-up",
    "work": "work changed (call counts only)",
}


def step_text(f: Finding) -> str:
    """The size of a step in words: "3.1× slower", "2.8× more calls per iteration"."""
    size = fmt.factor(f.ratio)
    if f.signal == "calls":
        return f"{size} {'more' if f.ratio >= 1 else 'fewer'} calls per iteration"
    return f"{size} {'slower' if f.ratio >= 1 else 'faster'}"


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
    if f.confirmed is False:
        return "NOT confirmed side by side"
    return "NOT confirmed (no side-by-side run)"


def function_row(fn: FunctionDiff) -> str:
    share = f"{fn.share:+.0%} of the change  " if fn.share is not None else ""
    codes = (
        f"bytecodes {fmt.count(fn.bytecodes[0])}→{fmt.count(fn.bytecodes[1])}  "
        if fn.bytecodes
        else ""
    )
    return (
        f"{fn.label}{'  [edited in this commit]' if fn.edited else ''}  {share}{codes}"
        f"calls {fn.calls[0]:.2f}→{fn.calls[1]:.2f}  "
        f"own {fmt.time(fn.own[0])}→{fmt.time(fn.own[1])}  "
        f"cum {fmt.time(fn.cumulative[0])}→{fmt.time(fn.cumulative[1])}"
    )


def cost_text(c: Culprit) -> str:
    """``instructions 1.52×, wall time 1.61× (confirmed)``."""
    parts = []
    if c.instructions is not None:
        parts.append(f"instructions {fmt.factor(c.instructions)} "
                     f"{'more' if c.instructions >= 1 else 'fewer'}")  # fmt: skip
    if c.wall is not None:
        parts.append(f"wall time {fmt.factor(c.wall)} {'slower' if c.wall >= 1 else 'faster'}"
                     " (confirmed side by side)")  # fmt: skip
    return ", ".join(parts) or "no cost measured"


def culprit_lines(blame: Blame, top: int = 3) -> list[str]:
    """The short list first: one line per culprit commit, ranked by cost."""
    out = [f"CULPRIT COMMITS ({len(blame.culprits)})"]
    for i, c in enumerate(blame.culprits, 1):
        out.append(
            f"  {i}. {c.commit.short} {c.commit.subject[:60]!r} ({c.commit.date[:10]}): "
            f"{KIND_WORDS.get(c.kind, c.kind)}; {cost_text(c)}; {len(c.series)} series"
        )
        if c.note:
            out.append(f"     {c.note}")
        out.extend(f"     {function_row(fn)}" for fn in c.functions[:top])
    return out


def worst(findings: list[Finding]) -> Finding | None:
    """The regression to name first: what users feel is wall time, so a confirmed
    timing step outranks an instruction step, which outranks a call-count one."""
    regressions = [f for f in findings if f.kind == "regression"]
    for signal in ("time", "instructions", "calls"):
        found = [f for f in regressions if f.signal == signal and (signal != "time" or f.confirmed)]
        if found:
            return max(found, key=lambda f: f.ratio)
    return None


def verdict(blame: Blame, markdown: bool = False) -> str:
    """The first line a person reads: how many culprit commits cost something, and
    the costliest one with its function. ``markdown``: the subject and function
    escaped (``fmt.markdown_text``), as the Markdown summary embeds them."""
    bad = [c for c in blame.culprits if c.kind == "regression"]
    if not bad:
        return "No regression."
    c = bad[0]  # ranked by cost
    subject = c.commit.subject[:50]
    subject = f"'{fmt.markdown_text(subject)}'" if markdown else repr(subject)
    fn = ""
    if c.functions:
        label = c.functions[0].label
        fn = f", in {_code(label) if markdown else label}"
    return (
        f"{len(bad)} culprit commit(s) with regressions ({len(blame.counted)} series). "
        f"Worst: {c.commit.short} {subject}: {cost_text(c)}{fn}"
    )


def terminal(blame: Blame, top: int = 5) -> str:
    out = [*culprit_lines(blame), ""]
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


def _code(text: object) -> str:
    """Foreign text in monospace: an HTML code element, whose content Markdown still
    parses, so the escaped text stays literal (a code span would not unescape it)."""
    return f"<code>{fmt.markdown_text(text)}</code>"


def markdown(blame: Blame, top: int = 5) -> str:
    """The summary for CI (job summaries, pull requests). Everything the suite did
    not write itself goes through ``fmt.markdown_text``: a commit subject cannot fake
    the verdict or break the table."""
    md = fmt.markdown_text
    lines = [f"**{verdict(blame, markdown=True)}**", ""]
    if blame.culprits:
        lines += ["| # | culprit | verdict | cost | top function |", "|---|---|---|---|---|"]
        for i, c in enumerate(blame.culprits, 1):
            fn = _code(c.functions[0].label) if c.functions else ""
            lines.append(
                f"| {i} | {_code(c.commit.short)} {md(c.commit.subject)} "
                f"| {KIND_WORDS.get(c.kind, c.kind)} | {cost_text(c)} | {fn} |"
            )
        lines += ["", "<details><summary>Every series that moved</summary>", ""]
    for f in blame.findings:
        lines.append(
            f"- {f.kind}: {_code(f.benchmark)} ({md(fmt.params(f.params))}) {step_text(f)} — "
            f"{evidence(f)} — culprit {_code(f.culprit.short)} {md(f.culprit.subject)} "
            f"(vs {_code(f.parent.short)})"
        )
        lines.extend(f"  - {_code(function_row(fn))}" for fn in f.functions[:top])
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
                f"  - unresolved {_code(s.benchmark)} ({md(fmt.params(s.params))}) "
                f"{_code(f'{u.left[:8]}..{u.right[:8]}')}: {md(u.why)}"
                for u in s.unresolved
            )
    if blame.culprits:
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def store_text(run: Blame, merged: Blame, path: object) -> str:
    """What a run did to the store: kept, retracted, set aside (never silent)."""
    found = {f.key for f in run.findings}
    kept = [f for f in merged.findings if f.key not in found]
    lines = [
        f"STORE {path}: {len(merged.findings)} finding(s), {len(kept)} kept from earlier "
        f"runs, {len(merged.retracted)} retracted"
    ]
    lines += [
        f"  retracted {f.culprit.short} {f.benchmark}: {f.retracted}"
        for f in merged.retracted
        if f.retracted and f.retracted.startswith(run.generated_at)
    ]
    lines += [f"  set aside (corrupt, kept for a look): {p}" for p in merged.set_aside]
    return "\n".join(lines)
