"""What the report's pages show, ready for the templates: a finding with its
evidence and links, a culprit commit, one machine's lists, and the verdict banner.

Pure: the words come from ``wording`` (as the terminal's and the Markdown's do);
``render`` writes the pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from .. import fmt, wording
from ..model import Commit, Culprit, Finding, FunctionDiff
from ..wording import step_text
from . import chart


@dataclass(frozen=True)
class SiteInfo:
    """What the report needs to know about asv's site beside it."""

    project: str = "project"
    show_commit_url: str = ""  # the commit hash is appended; "" or "#": no commit links
    # benchmark name -> (param_names, params) as in asv's benchmarks.json
    benchmarks: dict[str, tuple[list[str], list[list[str]]]] = field(default_factory=dict)
    known_hashes: frozenset[str] = frozenset()  # commits asv's graphs have points for
    asv_index: str = "../index.html"  # asv's page, relative to the report directory


def _url_part(text: str) -> str:
    return quote(text, safe="-_.!~*'()")  # as JavaScript's encodeURIComponent


@dataclass
class FunctionRow:
    fn: FunctionDiff
    changed: bool

    def cells(self) -> dict[str, str]:
        f = self.fn
        return {
            "calls": f"{fmt.count(f.calls[0])} → {fmt.count(f.calls[1])}",
            "calls_ratio": fmt.ratio(*f.calls),
            "own": f"{fmt.time(f.own[0])} → {fmt.time(f.own[1])}",
            "own_ratio": fmt.ratio(*f.own),
            "cumulative": f"{fmt.time(f.cumulative[0])} → {fmt.time(f.cumulative[1])}",
            "cumulative_ratio": fmt.ratio(*f.cumulative),
            "bytecodes": f"{fmt.count(f.bytecodes[0])} → {fmt.count(f.bytecodes[1])}"
            if f.bytecodes
            else "",
            "share": f"{f.share:+.0%}" if f.share is not None else "",
        }


@dataclass
class Download:
    role: str  # "culprit" / "parent"
    commit: Commit
    href: str | None = None  # relative to the report directory
    problem: str | None = None


@dataclass
class FindingView:
    f: Finding
    machine: str
    stem: str  # file name of the detail page, without .html
    site: SiteInfo
    picture: str | None = None
    downloads: list[Download] = field(default_factory=list)

    @property
    def page(self) -> str:
        return f"{self.stem}.html"

    @property
    def title(self) -> str:
        p = fmt.params(self.f.params)
        return f"{self.f.benchmark}({p})" if p else self.f.benchmark

    @property
    def step(self) -> str:
        return step_text(self.f)

    @property
    def size(self) -> str:
        f = self.f
        text = f"{fmt.value(f.before, f.unit)} → {fmt.value(f.after, f.unit)}"
        if f.signal == "time" and f.calls is not None:
            text += (
                f"; calls per iteration {fmt.count(f.calls.before)} → "
                f"{fmt.count(f.calls.after)} ({fmt.ratio(f.calls.before, f.calls.after)})"
            )
        return text

    @property
    def where(self) -> str:
        """``culprit`` for a pinned step; for the rest, the range it lies in."""
        return "culprit" if self.f.pinned else "range ends at"

    @property
    def edited_words(self) -> str:
        return wording.edited_words(self.f.pinned)

    @property
    def evidence(self) -> str:
        f = self.f
        if f.sizing and not f.confirmed:
            c = f.confirmation
            return "wall time behind an instruction step: " + wording.wall_evidence(
                f.confirmed, len(c.culprit_rounds) if c else 0, f.spread
            )
        if f.signal == "instructions":
            return "exact instruction-count step (valgrind: deterministic cost)"
        if f.signal == "calls":
            return "exact call-count step (cProfile counts are deterministic): a change in work"
        c = f.confirmation
        detail = ""
        if c is not None and c.parent_median is not None and c.culprit_median is not None:
            detail = (
                f": parent median {fmt.time(c.parent_median)} ({c.parent_samples or '?'} "
                f"samples), culprit median {fmt.time(c.culprit_median)} "
                f"({c.culprit_samples or '?'} samples)"
            )
            if c.parent_rounds and c.culprit_rounds:
                n = min(len(c.parent_rounds), len(c.culprit_rounds))
                detail += (
                    f"; {n} rounds each, separated" if c.separated else f"; the {n} rounds overlap"
                )
            if c.significant is not None:
                detail += ", significant" if c.significant else ", not significant"
        if f.confirmed is True:
            return "timing, confirmed side by side" + detail
        if f.confirmed is False:
            return "timing, NOT confirmed side by side" + detail
        return "timing, not confirmed side by side (asv's stored results only)" + detail

    @property
    def evidence_class(self) -> str:
        if self.f.signal != "time" or self.f.confirmed:
            return "ok"
        return "warn" if self.f.confirmed is False else "plain"

    @property
    def bisect(self) -> str:
        b = self.f.bisect
        if b is None:
            return ""
        parts = []
        if b.gap is not None:
            parts.append(f"{b.gap} commit{'s' if b.gap != 1 else ''} between measured points")
        if b.built is not None:
            parts.append(f"{b.built} built in that gap (for every step found there)")
        if b.failed:
            parts.append(f"{len(b.failed)} failed: " + ", ".join(h[:8] for h in b.failed))
        if b.open:
            parts.append(f"NOT pinned to one commit: {b.open}")
        return "; ".join(parts)

    def commit_url(self, commit: Commit) -> str | None:
        base = self.site.show_commit_url
        return base + commit.hash if base and base != "#" else None

    @property
    def graph_url(self) -> str | None:
        """asv's graph of this benchmark, its parameters selected and the step highlighted."""
        bench = self.site.benchmarks.get(self.f.benchmark)
        if bench is None:
            return None
        query = [("machine", self.machine)]
        names, values = bench
        for name, value in self.f.params.items():
            if name in names:
                allowed = values[names.index(name)]
                for candidate in (value, repr(value)):
                    if candidate in allowed:
                        query.append((f"p-{name}", candidate))
                        break
        known = self.site.known_hashes
        parent, culprit = self.f.parent.hash, self.f.culprit.hash
        if culprit in known:  # asv resolves only commits that have results
            span = f"{parent[:8]}-{culprit[:8]}" if parent in known else culprit[:8]
            query.append(("commits", span))
        q = "&".join(f"{_url_part(k)}={_url_part(v)}" for k, v in query)
        return f"{self.site.asv_index}#{_url_part(self.f.benchmark)}?{q}"

    def rows(self, limit: int | None = None) -> list[FunctionRow]:
        fns = self.f.functions if limit is None else self.f.functions[:limit]
        return [FunctionRow(fn, chart.changed(fn)) for fn in fns]

    @property
    def culprit_function(self) -> str | None:
        return self.f.functions[0].label if self.f.functions else None


@dataclass
class CulpritView:
    """One culprit commit on the short list, linking to its costliest finding."""

    c: Culprit
    lead: FindingView | None

    @property
    def kind(self) -> str:
        return wording.KIND_WORDS.get(self.c.kind, self.c.kind)

    @property
    def cost(self) -> str:
        return wording.cost_text(self.c)

    @property
    def cost_parts(self) -> list[tuple[str, str]]:
        """(kind, text) per direction; one plain part for stores without moves."""
        return wording.cost_parts(self.c) or [(self.c.kind, self.cost)]

    @property
    def range(self) -> str:
        return wording.range_text(self.c)

    @property
    def edited_words(self) -> str:
        return wording.edited_words(self.c.pinned)

    def rows(self, limit: int = 3) -> list[FunctionRow]:
        return [FunctionRow(fn, chart.changed(fn)) for fn in self.c.functions[:limit]]


@dataclass
class MachineView:
    machine: str
    path: str
    generated_at: str = ""
    error: str | None = None
    culprits: list[CulpritView] = field(default_factory=list)
    ranges: list[CulpritView] = field(default_factory=list)  # not narrowed to one commit
    regressions: list[FindingView] = field(default_factory=list)
    speedups: list[FindingView] = field(default_factory=list)
    work: list[FindingView] = field(default_factory=list)  # call counts only
    retracted: list[Finding] = field(default_factory=list)  # shown wrong by re-measurement

    @property
    def views(self) -> list[FindingView]:
        return self.regressions + self.speedups + self.work


def verdict(machines: list[MachineView]) -> str:
    """The banner: the same sentence as the terminal and the Markdown summary
    (``wording.headline``), over every machine's lists."""
    if not machines:
        return "No attribution yet: run cascade-bench blame, then asv publish again."
    if all(m.error for m in machines):
        return "The blame store could not be read (see below)."
    culprits = [cv.c for m in machines for cv in m.culprits]
    ranges = [cv.c for m in machines for cv in m.ranges]
    text = wording.headline(culprits, ranges)
    bad = [cv for m in machines for cv in m.culprits if cv.c.kind == "regression"]
    if len(machines) > 1 and bad:
        worst = max(bad, key=lambda cv: cv.c.cost)
        if worst.lead:
            text += f" (on {worst.lead.machine})"
    return text
