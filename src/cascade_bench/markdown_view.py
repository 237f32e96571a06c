"""The Markdown view of a blame run, for CI (job summaries, pull requests).
Everything the suite did not write itself goes through ``fmt.markdown_text``: a
commit subject cannot fake the verdict or break the table."""

from __future__ import annotations

from . import fmt
from .culprits import series_lists
from .model import Blame, Finding
from .wording import (
    TITLES,
    cost_text,
    dismissal_text,
    evidence,
    first_line,
    function_row,
    range_text,
    step_text,
    where_text,
)


def markdown(blame: Blame, top: int = 5) -> str:
    """The summary for CI: the verdict, the culprit table, the ranges, then every
    series that moved (folded)."""
    lines = [f"**{first_line(blame, markdown=True)}**", ""]
    lines += _culprit_table(blame) + _range_table(blame)
    listed = series_lists(blame.findings)
    details = _series_moved(listed, top) + _dismissed(blame) + _series_account(blame)
    if any(listed.values()):
        details = ["<details><summary>Every series that moved</summary>", "", *details, "",
                   "</details>"]  # fmt: skip
    return "\n".join(lines + details) + "\n"


def _culprit_table(blame: Blame) -> list[str]:
    if not blame.culprits:
        return []
    md = fmt.markdown_text
    lines = ["| # | culprit | cost, every direction | top function |", "|---|---|---|---|"]
    for i, c in enumerate(blame.culprits, 1):
        fn = fmt.code(c.functions[0].label) if c.functions else ""
        lines.append(
            f"| {i} | {fmt.code(c.commit.short)} {md(c.commit.subject)} | {cost_text(c)} | {fn} |"
        )
    return [*lines, ""]


def _range_table(blame: Blame) -> list[str]:
    if not blame.ranges:
        return []
    lines = [
        "Not narrowed to one commit (the step lies somewhere in the range):",
        "",
        "| # | range | cost, every direction | top function |",
        "|---|---|---|---|",
    ]
    for i, c in enumerate(blame.ranges, 1):
        fn = fmt.code(c.functions[0].label) if c.functions else ""
        lines.append(f"| {i} | {fmt.markdown_text(range_text(c))} | {cost_text(c)} | {fn} |")
    return [*lines, ""]


def _series_moved(listed: dict[str, list[Finding]], top: int) -> list[str]:
    md, lines = fmt.markdown_text, []
    for kind, items in listed.items():
        for f in items:
            lines.append(
                f"- {TITLES[kind].lower()}: {fmt.code(f.benchmark)} ({md(fmt.params(f.params))}) "
                f"{step_text(f)} — {evidence(f)} — {md(where_text(f))}"
            )
            lines.extend(f"  - {fmt.code(function_row(fn, f.pinned))}" for fn in f.functions[:top])
    return lines


def _dismissed(blame: Blame) -> list[str]:
    if not blame.dismissed:
        return []
    md = fmt.markdown_text
    return [f"- {len(blame.dismissed)} step(s) dismissed:"] + [
        f"  - {fmt.code(f.benchmark)} ({md(fmt.params(f.params))}) at "
        f"{fmt.code(f.culprit.short)}: {md(dismissal_text(f))}"
        for f in blame.dismissed
    ]


def _series_account(blame: Blame) -> list[str]:
    if not blame.series:
        return []
    steps = sum(s.steps for s in blame.series)
    done = sum(s.explained for s in blame.series)
    lines = [f"- {len(blame.series)} series: {steps} step(s) found, {done} explained"]
    for s in blame.series:
        lines.extend(
            f"  - unresolved {fmt.code(s.benchmark)} ({fmt.markdown_text(fmt.params(s.params))}) "
            f"{fmt.code(f'{u.left[:8]}..{u.right[:8]}')}: {fmt.markdown_text(u.why)}"
            for u in s.unresolved
        )
    return lines
