"""Stage 5: the findings model of a run (``model.Blame``): findings and dismissals
in the order located, one summary per series (no step goes unexplained without
saying why) and per gap, and the culprit list (``culprits``)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from .. import accounting
from ..culprits import culprit_lists
from ..model import Blame, Finding, SeriesSummary
from .context import Located, Run
from .locate import Narrowed


def split(
    located: list[Located], found: list[Finding], confirming: bool = True
) -> tuple[list[Finding], list[Finding]]:
    """(findings, dismissed). A timing step not confirmed side by side is dismissed
    as noise (dropped when it was only a check behind an exact step, or in compare
    mode); a step whose commit changed nothing that ran is dismissed with why; a
    size of a dismissed step sizes nothing."""
    findings, dismissed = [], []
    for loc, f in zip(located, found, strict=True):
        if f.sizing and math.isnan(f.before * f.after):
            continue  # a size never measured (no stored wall time, no sizing run)
        if f.confirmed is False and not f.sizing:
            if confirming and not loc.derived:
                dismissed.append(f)
        elif f.dismissal is None:
            findings.append(f)
        elif not f.sizing:
            dismissed.append(f)
    return findings, dismissed


def blame(
    run: Run, findings: list[Finding], dismissed: list[Finding], narrowed: Narrowed | None
) -> Blame:
    return Blame(
        set_aside=[run.relative(p) for p in run.set_aside],
        machine=run.opts.machine,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        findings=findings,
        dismissed=dismissed,
        built=sorted(run.built),
        options={
            "bench": run.opts.bench_regex,
            "range": run.opts.range_spec,
            "threshold": run.opts.threshold,
        },
        series=[] if narrowed is None else _series(run, narrowed, findings, dismissed),
        gaps=accounting.gap_summaries(findings),
        **culprit_lists(findings),
    )


def _series(
    run: Run, narrowed: Narrowed, findings: list[Finding], dismissed: list[Finding]
) -> list[SeriesSummary]:
    by_key = {}
    for q in narrowed.final:
        if q.kind == "start" or run.in_range is None or q.right in run.in_range:
            by_key.setdefault(q.series, []).append(q)
    spent = " (--budget spent)" if run.out_of_budget else ""
    series = run.series()
    why_failed: dict[tuple, dict[str, str]] = {}
    for p in run.points:
        if p.why:
            why_failed.setdefault((p.benchmark, p.params), {})[p.commit] = p.why
    return [
        accounting.series_summary(
            key,
            run.param_names(key),
            series[key],
            by_key.get(key, []),
            (findings, dismissed),
            narrowed.why_open,
            f"not confirmed: no side-by-side run{spent}",
            why_failed.get((key.benchmark, key.params), {}),
        )
        for key in sorted(series, key=lambda k: (k.benchmark, k.params))
        if run.blameable(key)
    ]
