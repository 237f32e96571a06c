"""The findings model: frozen types that ``blame``, ``nightly`` and ``compare`` produce,
the store keeps (``blame_store``) and the views read (``terminal_view``,
``markdown_view``, ``report``).

Function pairs are ``(parent, culprit)`` per loop iteration (seconds for times).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .steps import SeriesKey

VERSION = 1
KINDS = ("regression", "speedup")

Costs = tuple[float, float]  # (parent, culprit) values of one function


class Pair(NamedTuple):
    """Two commits compared: always parent (or base) first, culprit (or head) second."""

    parent: str
    culprit: str



class PairKey(NamedTuple):
    """One series at one pair of commits: what side-by-side runs and their verdicts
    are kept by."""

    benchmark: str
    params: tuple[str, ...]
    parent: str
    culprit: str

    @classmethod
    def of(cls, key: SeriesKey, pair: Pair) -> PairKey:
        return cls(key.benchmark, key.params, *pair)


@dataclass(frozen=True)
class Commit:
    hash: str
    short: str
    subject: str = ""
    author: str = ""
    date: str = ""  # ISO 8601, as git prints it (%aI)


@dataclass(frozen=True)
class Confirmation:
    """Parent and culprit timed side by side (timing steps only)."""

    parent_median: float | None = None
    culprit_median: float | None = None
    parent_samples: int | None = None
    culprit_samples: int | None = None
    # Per-round medians (one benchmark process each) and whether they separate.
    parent_rounds: list[float] = field(default_factory=list)
    culprit_rounds: list[float] = field(default_factory=list)
    separated: bool | None = None
    significant: bool | None = None
    reason: str | None = None  # why there is no verdict (no samples, --no-build, budget)


@dataclass(frozen=True)
class Bisect:
    gap: int | None = None  # commits from one measured end of the stepped gap to the other
    gap_ends: list[str] = field(default_factory=list)  # those ends, measured before blame ran
    built: int | None = None  # commits built in that gap (for every step found there)
    log2: int | None = None  # builds one bisection of that gap needs
    failed: list[str] = field(default_factory=list)  # hashes that did not build/run
    open: str | None = None  # why the step is not pinned to one commit (budget, --no-build)
    unmeasured: int | None = None  # commits between its two ends still unmeasured


@dataclass(frozen=True)
class CallsChange:
    before: float
    after: float


@dataclass(frozen=True)
class FunctionDiff:
    file: str
    function: str
    cascade: bool
    calls: Costs
    primitive_calls: Costs
    own: Costs
    cumulative: Costs
    # Bytecodes per iteration, stdlib callees charged to their Cascade caller
    # (deterministic), and this function's share of the whole bytecode change.
    bytecodes: Costs | None = None
    share: float | None = None
    edited: bool = False  # the culprit commit changed this function's source

    @property
    def label(self) -> str:
        return f"{self.file}:{self.function}"


@dataclass(frozen=True)
class Finding:
    id: str
    kind: str  # KINDS
    signal: str  # signals.NAMES
    benchmark: str
    culprit: Commit
    parent: Commit
    before: float
    after: float
    ratio: float  # after / before
    params: dict[str, str] = field(default_factory=dict)  # asv's param reprs, e.g. "1000"
    workload: str | None = None
    unit: str = "seconds"
    confirmed: bool | None = None  # None: not a timing step, or not confirmed yet
    confirmation: Confirmation | None = None
    bisect: Bisect | None = None
    calls: CallsChange | None = None
    functions: list[FunctionDiff] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    profiles: dict[str, str] = field(default_factory=dict)  # "culprit"/"parent" -> path
    retracted: str | None = None  # why a re-measurement showed it wrong (``merge``)
    # A wall-time figure behind an exact step: the step's cost, not a step of its own
    # (measured side by side with few rounds, or read from asv's stored results).
    sizing: bool = False
    dismissal: str | None = None  # why this step is no culprit (``dismissed`` only)

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        """(culprit, benchmark, parameter values): what the store merges by."""
        return (self.culprit.hash, *self.series)

    @property
    def pair(self) -> Pair:
        return Pair(self.parent.hash, self.culprit.hash)

    @property
    def series(self) -> tuple[str, tuple[str, ...]]:
        """(benchmark, parameter values): the asv series this finding is a step of."""
        return self.benchmark, tuple(self.params.values())

    @property
    def counts(self) -> bool:
        """Fails a run: an instruction-count regression (deterministic cost), or a
        timing regression confirmed side by side. A call-count step alone is a
        change in work, not a cost: it never fails a run."""
        if self.kind != "regression":
            return False
        return self.signal == "instructions" or (self.signal == "time" and bool(self.confirmed))

    @property
    def cost(self) -> float:
        """How far the step moved its series, as |log(ratio)|: what ranks culprits."""
        return abs(math.log(self.ratio)) if self.ratio > 0 else 0.0

    @property
    def pinned(self) -> bool:
        """Narrowed to two adjacent commits, both measured: only then is the later
        one *the* culprit. Otherwise the step lies somewhere in a range."""
        b = self.bisect
        return b is None or (not b.open and not b.failed)

    @property
    def costly(self) -> bool:
        """A cost seen: an instruction step, or a timing step confirmed side by side."""
        return self.signal == "instructions" or (self.signal == "time" and bool(self.confirmed))

    @property
    def workload_class(self) -> str:
        """The benchmark class (one workload, every signal), e.g. ``HeavyJumpLoop``."""
        return SeriesKey(self.benchmark, ()).benchmark_class

    @property
    def spread(self) -> tuple[float, float] | None:
        """The range of wall-time ratios the side-by-side rounds allow (lowest culprit
        round over highest parent round, and the other way round)."""
        c = self.confirmation
        if self.signal != "time" or c is None or not c.parent_rounds or not c.culprit_rounds:
            return None
        if min(c.parent_rounds) <= 0:
            return None
        return min(c.culprit_rounds) / max(c.parent_rounds), max(c.culprit_rounds) / min(
            c.parent_rounds
        )


@dataclass(frozen=True)
class Move:
    """How one workload moved in one signal at one culprit: its largest step."""

    workload: str  # benchmark class, e.g. "HeavyJumpLoop"
    signal: str  # signals.NAMES
    kind: str  # KINDS
    ratio: float  # after / before
    # time only: True confirmed side by side; False timed side by side, no verdict
    # (a size); None asv's stored results only.
    confirmed: bool | None = None
    spread: list[float] = field(default_factory=list)  # [low, high] ratio, time only
    rounds: int = 0  # side-by-side rounds per commit behind a wall-time figure
    series: list[str] = field(default_factory=list)  # "benchmark(params)"

    @property
    def costly(self) -> bool:
        return self.signal == "instructions" or (self.signal == "time" and bool(self.confirmed))


@dataclass(frozen=True)
class Culprit:
    """One commit and everything it moved: the list a person acts on.

    ``kind``: ``regression`` (instructions or confirmed wall time went up),
    ``speedup`` (went down), or ``work`` (only call counts moved: no cost seen)."""

    commit: Commit
    parent: Commit
    kind: str
    # The headline figures of ``kind``'s direction: the largest instruction ratio,
    # and the largest wall-time ratio confirmed side by side.
    instructions: float | None
    wall: float | None
    findings: list[str] = field(default_factory=list)  # ids, largest step first
    series: list[str] = field(default_factory=list)  # "benchmark(params)" moved
    functions: list[FunctionDiff] = field(default_factory=list)  # of the costliest finding
    note: str | None = None  # e.g. how much of the wall time the instructions explain
    moves: list[Move] = field(default_factory=list)  # every workload and signal that moved
    # False: a range. The step lies after ``parent`` and up to ``commit``, which
    # were not narrowed to adjacent commits (``open`` says why).
    pinned: bool = True
    unmeasured: int = 0  # commits in the range not measured
    failed: int = 0  # commits in the range that failed to build or run
    open: str | None = None

    @property
    def cost(self) -> float:
        return max((abs(math.log(r)) for r in (self.instructions, self.wall) if r), default=0.0)

    @property
    def mixed(self) -> bool:
        """Costly moves in both directions (some workloads slower, others faster)."""
        return len({m.kind for m in self.moves if m.costly}) > 1



@dataclass(frozen=True)
class Unresolved:
    left: str
    right: str
    why: str


@dataclass(frozen=True)
class Failure:
    """Commits where a series has no number because its benchmark failed, and why
    (``results.failure_reason``)."""

    why: str
    commits: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SeriesSummary:
    """One series as blame left it: no step goes unexplained without saying why."""

    benchmark: str
    params: dict[str, str]
    measured: int  # commits with a number
    failed: int
    skipped: int  # n/a
    first: str | None  # first commit with a number
    born: bool  # measured n/a just before ``first``: the workload is born there
    steps: int
    explained: int  # a finding, or a timing step dismissed as noise side by side
    unresolved: list[Unresolved] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)  # what ``failed`` counts, and why


@dataclass(frozen=True)
class GapSummary:
    """A stepped gap (measured ends before blame ran): builds against culprits."""

    left: str
    right: str
    commits: int
    built: int
    log2: int
    culprits: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Blame:
    machine: str
    generated_at: str
    findings: list[Finding]
    dismissed: list[Finding] = field(default_factory=list)  # timing steps found to be noise
    built: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    series: list[SeriesSummary] = field(default_factory=list)
    gaps: list[GapSummary] = field(default_factory=list)
    # group_by_culprit(findings), split: pinned commits, and ranges not narrowed
    culprits: list[Culprit] = field(default_factory=list)
    ranges: list[Culprit] = field(default_factory=list)
    retracted: list[Finding] = field(default_factory=list)  # shown wrong by re-measurement
    # Wide-gap findings a later run narrowed: history, never listed.
    superseded: list[Finding] = field(default_factory=list)
    set_aside: list[str] = field(default_factory=list)  # corrupt files moved aside by this run
    version: int = VERSION

    @property
    def counted(self) -> list[Finding]:
        """The regressions that fail a run (see ``Finding.counts``)."""
        return [f for f in self.findings if f.counts]


class Outdated(NamedTuple):
    """Why a stored finding no longer stands: ``retracted`` (a re-measurement shows
    no step) or ``superseded`` (a later run narrowed its range)."""

    fate: str  # "retracted" | "superseded"
    reason: str

