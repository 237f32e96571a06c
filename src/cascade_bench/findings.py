"""The findings model: what ``blame``, ``nightly`` and ``compare`` write and the report reads.

One JSON file per asv machine, beside the results it describes,
``<results_dir>/../blame/<machine>.json`` (version 1). It is a history, not the
last run's view: every run merges into it (``merge``), so a finding stays until a
re-measurement shows it was wrong, and then moves to ``retracted`` with why::

    {"version": 1, "machine": "devbox", "generated_at": "<ISO 8601>",
     "options": {"bench": "...", "range": null, "threshold": null},
     "built": ["<hash>", ...],
     "findings": [{"id": "...", "kind": "regression" | "speedup",
                   "signal": "time" | "calls", "benchmark": "loops.X.time_loop",
                   "params": {"n": "1000"}, "workload": "x" | null,
                   "unit": "seconds", "before": 0.6, "after": 3.0, "ratio": 5.0,
                   "confirmed": true | false | null, "confirmation": {...} | null,
                   "culprit": {commit}, "parent": {commit},
                   "bisect": {"gap": 9, "gap_ends": [hash, hash], "built": 3, "log2": 4,
                              "failed": ["<hash>"], "open": "why not pinned" | null} | null,
                   "calls": {"before": 205.1, "after": 4036.0} | null,
                   "functions": [{"file", "function", "cascade",
                                  "calls", "primitive_calls", "own", "cumulative"}],
                   "notes": ["..."],
                   "profiles": {"culprit": "<path>", "parent": "<path>"}}],
     "dismissed": [finding + {"dismissal": "why"}, ...],  # not confirmed side by side,
                                    # or the commit changed nothing that ran
     "retracted": [finding + {"retracted": "why"}, ...],  # re-measured: no step
     "superseded": [finding + {"retracted": "why"}, ...],  # range narrowed by a later run
     "set_aside": ["<path>", ...],  # corrupt files this run moved aside
     "series": [{"benchmark", "params", "measured", "failed", "skipped", "first",
                 "born", "steps", "explained", "unresolved": [{"left", "right", "why"}]}],
     "gaps": [{"left", "right", "commits", "built", "log2", "culprits": [hash]}],
     "culprits": [{commit, parent, kind, instructions, wall, moves: [{workload, signal,
                   kind, ratio, confirmed, spread, rounds, series}], pinned: true, ...}],
     "ranges": [same, "pinned": false, "unmeasured", "failed", "open": "why"]}

``culprits`` and ``ranges`` are derived from ``findings`` on reading: only a finding
narrowed to two adjacent measured commits (``Finding.pinned``) names a culprit
commit; the others are listed as the range between their two ends.

A commit is ``{"hash": 40 hex, "short", "subject", "author", "date": ISO 8601}``.
Function pairs are ``[parent, culprit]`` per loop iteration (seconds for times),
ranked most relevant first. Profile paths are relative to the conf dir. Unknown
keys are ignored, so the writer may add fields.
"""

from __future__ import annotations

import json
import math
import re
import types
import typing
from dataclasses import MISSING, asdict, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

from . import atomic
from .steps import SeriesKey
from .suite import SuiteError

VERSION = 1
KINDS = ("regression", "speedup")
SIGNALS = ("time", "calls", "instructions")
_HASH = re.compile(r"^[0-9a-f]{7,64}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")  # filename- and URL-safe

Costs = tuple[float, float]  # (parent, culprit) values of one function


class Pair(NamedTuple):
    """Two commits compared: always parent (or base) first, culprit (or head) second."""

    parent: str
    culprit: str


def blame_path(directory: Path, machine: str) -> Path:
    """The store of ``machine`` in the blame directory (``Suite.blame_dir``)."""
    return Path(directory) / f"{machine}.json"


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
    signal: str  # SIGNALS
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
    signal: str  # SIGNALS
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
    note = None
    if worst_wall is not None and worst_wall.kind == "regression":
        if worst_instr is None:
            note = (
                f"wall time {worst_wall.ratio:.2f}×, no instruction step (under its "
                "threshold, or not measured): the cost may be outside the interpreter"
            )
        else:
            i = worst_instr.ratio
            share = math.log(i) / math.log(worst_wall.ratio) if worst_wall.ratio > 1 else 1.0
            if share < 0.5:
                note = (f"wall time {worst_wall.ratio:.2f}×, instructions {i:.2f}×: "
                        f"{OUTSIDE_INTERPRETER}")  # fmt: skip
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
    signal_order = {s: i for i, s in enumerate(("instructions", "time", "calls"))}
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


@dataclass(frozen=True)
class Unresolved:
    left: str
    right: str
    why: str


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

    def verdicts(self) -> dict[tuple, Confirmation]:
        """Side-by-side verdicts by (benchmark, params, parent, culprit): a later
        run does not re-measure them. Only verdicts that checked every round."""
        out = {}
        for f in self.findings + self.dismissed:
            c = f.confirmation
            if f.signal == "time" and c is not None and c.separated is not None:
                out[(*f.series, *f.pair)] = c
        return out

    def sizes(self) -> dict[tuple, Confirmation]:
        """Wall-time sizes measured side by side by earlier runs, by (benchmark,
        params, parent, culprit): measured once, never paid for again."""
        return {
            (*f.series, *f.pair): f.confirmation
            for f in self.findings
            if f.sizing and f.confirmation is not None and f.confirmation.culprit_rounds
        }


# -- reading ------------------------------------------------------------------


class _Bad(Exception):
    """A schema violation at a JSON path; becomes a one-line SuiteError."""


def _get(d: dict, key: str, where: str, kind: type | tuple, *, optional: bool = False) -> Any:
    if key not in d or d[key] is None:
        if optional:
            return None
        raise _Bad(f"{where}.{key}: missing")
    value = d[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if float in kinds and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise _Bad(f"{where}.{key}: expected {'/'.join(k.__name__ for k in kinds)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise _Bad(f"{where}.{key}: not a finite number")
    return value


def _obj(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise _Bad(f"{where}: expected an object")
    return value


def _list(d: dict, key: str, where: str, item: Any) -> list:
    value = d.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Bad(f"{where}.{key}: expected a list")
    if is_dataclass(item):
        return [_load(item, _obj(v, f"{where}.{key}[{i}]"), f"{where}.{key}[{i}]")
                for i, v in enumerate(value)]  # fmt: skip
    box = {str(i): v for i, v in enumerate(value)}
    return [_get(box, str(i), f"{where}.{key}", item) for i in range(len(value))]


def _costs(d: dict, key: str, where: str) -> Costs:
    value = d.get(key)
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in value)
    ):
        raise _Bad(f"{where}.{key}: expected [parent, culprit] numbers")
    return float(value[0]), float(value[1])


def _load(cls: Any, d: dict, where: str) -> Any:
    """A dataclass from JSON, each field checked against its annotation."""
    hints = typing.get_type_hints(cls)
    kw: dict[str, Any] = {}
    for f in fields(cls):
        hint, name = hints[f.name], f.name
        args = typing.get_args(hint)
        optional = f.default is not MISSING or f.default_factory is not MISSING
        if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
            hint, optional = next(a for a in args if a is not type(None)), True
        origin = typing.get_origin(hint)
        if optional and d.get(name) is None and origin is not list:
            if f.default is MISSING and f.default_factory is MISSING:
                kw[name] = None
            continue
        if hint == Costs:
            kw[name] = _costs(d, name, where)
        elif origin is list:
            kw[name] = _list(d, name, where, typing.get_args(hint)[0])
        elif origin is dict:
            raw = _get(d, name, where, dict, optional=True) or {}
            strings = typing.get_args(hint) == (str, str)
            kw[name] = {str(k): str(v) if strings else v for k, v in raw.items()}
        elif is_dataclass(hint):
            sub, at = d.get(name), f"{where}.{name}"
            kw[name] = None if sub is None else _load(hint, _obj(sub, at), at)
        else:
            value = _get(d, name, where, hint if hint is not Any else object, optional=optional)
            if value is not None or f.default is MISSING:
                kw[name] = value
    return cls(**kw)


def _commit(d: dict, where: str) -> dict:
    """A commit checked, with its short hash filled in."""
    hash_ = _get(d, "hash", where, str)
    if not _HASH.match(hash_):
        raise _Bad(f"{where}.hash: not a hex commit hash")
    short = _get(d, "short", where, str, optional=True) or hash_[:8]
    if not _HASH.match(short) or not hash_.startswith(short):
        raise _Bad(f"{where}.short: not a prefix of the hash")
    return {**d, "short": short}


def _finding(d: dict, where: str) -> Finding:
    d = dict(d)
    for role in ("culprit", "parent"):
        d[role] = _commit(_obj(d.get(role), f"{where}.{role}"), f"{where}.{role}")
    fns = d.get("functions")
    if isinstance(fns, list):  # older stores: no primitive calls, no cascade flag
        d["functions"] = [
            {"cascade": False, "primitive_calls": fn.get("calls"), **fn}
            if isinstance(fn, dict)
            else fn
            for fn in fns
        ]
    if isinstance(d.get("profiles"), dict):
        roles = ("culprit", "parent")
        d["profiles"] = {
            k: v for k, v in d["profiles"].items() if k in roles and isinstance(v, str)
        }
    finding: Finding = _load(Finding, d, where)
    if not _ID.match(finding.id):
        raise _Bad(f"{where}.id: not filename-safe: {finding.id[:40]!r}")
    if finding.kind not in KINDS:
        raise _Bad(f"{where}.kind: expected one of {KINDS}")
    if finding.signal not in SIGNALS:
        raise _Bad(f"{where}.signal: expected one of {SIGNALS}")
    return finding


LISTS = ("findings", "dismissed", "retracted", "superseded")  # lists of findings in a store


def parse_blame(data: Any) -> Blame:
    """A ``Blame`` from decoded JSON; ``SuiteError`` naming the first bad field."""
    try:
        d = _obj(data, "top level")
        version = _get(d, "version", "top level", int)
        if version != VERSION:
            raise _Bad(f"version {version} is not supported (expected {VERSION})")
        _get(d, "findings", "top level", list)
        lists = {
            key: [_finding(_obj(f, f"{key}[{i}]"), f"{key}[{i}]") for i, f in enumerate(d[key])]
            for key in LISTS
            if isinstance(d.get(key), list)
        }
        empty = {key: [] for key in (*LISTS, "culprits", "ranges")}
        rest = _load(Blame, {**d, **empty}, "top level")
        blame = replace(rest, **lists)
        blame = replace(blame, **culprit_lists(blame.findings))
    except _Bad as exc:
        raise SuiteError(str(exc)) from None
    ids = [f.id for f in blame.findings]
    if len(set(ids)) != len(ids):
        raise SuiteError("duplicate finding ids")
    return blame


def load_blame(path: Path) -> Blame:
    """Read one blame file; ``SuiteError`` with a one-line reason if it is unreadable."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SuiteError(f"corrupt blame file {path}: {str(exc).splitlines()[0]}") from None
    try:
        return parse_blame(data)
    except SuiteError as exc:
        raise SuiteError(f"corrupt blame file {path}: {exc}") from None


def to_json(blame: Blame) -> dict:
    """The JSON form of ``blame`` (what ``load_blame`` reads back)."""
    return asdict(blame)


def write_json(path: Path, doc: Any) -> None:
    """Write ``doc`` as JSON atomically: never half a file."""
    atomic.write_bytes(Path(path), (json.dumps(doc, indent=1) + "\n").encode("utf-8"))


def dump_blame(blame: Blame, path: Path) -> None:
    write_json(path, to_json(blame))


class Outdated(NamedTuple):
    """Why a stored finding no longer stands: ``retracted`` (a re-measurement shows
    no step) or ``superseded`` (a later run narrowed its range)."""

    fate: str  # "retracted" | "superseded"
    reason: str


Recheck = typing.Callable[[Finding], "Outdated | None"]


def merge(stored: Blame | None, new: Blame, recheck: Recheck) -> Blame:
    """The store after a run: this run's findings and dismissals, plus every stored
    one it did not produce, keyed by (culprit, series): a run that looked at fewer
    commits or series (a quiet night, ``--range``, ``--bench``) never drops what an
    earlier run found. A stored finding leaves the list only when this run shows it
    wrong or out of date: dismissed now (side by side, or its commit changed nothing
    that ran), or ``recheck`` (the run's own data) giving a reason. It then moves to
    ``retracted`` or ``superseded`` with that reason, never out of the store."""
    if stored is None:
        return replace(new, **culprit_lists(new.findings))
    now_found = {f.key: f for f in new.findings}
    now_dismissed = {f.key: f for f in new.dismissed}
    findings, retracted = list(new.findings), {f.key: f for f in stored.retracted}
    superseded = {f.key: f for f in stored.superseded}
    for old in stored.findings:
        if old.key in now_found:
            continue
        if old.key in now_dismissed:
            why = now_dismissed[old.key]
            if why.dismissal:
                outcome: Outdated | None = Outdated("retracted", f"dismissed: {why.dismissal}")
            else:
                c = why.confirmation
                reason = f"re-timed side by side: {c.reason if c and c.reason else 'not confirmed'}"
                outcome = Outdated("retracted", reason)
        else:
            outcome = recheck(old)
        if outcome is None:
            findings.append(old)
        elif outcome.fate == "superseded":
            superseded[old.key] = replace(old, retracted=f"{new.generated_at}: {outcome.reason}")
        else:
            retracted[old.key] = replace(old, retracted=f"{new.generated_at}: {outcome.reason}")
    for key in now_found:
        retracted.pop(key, None)  # found again: it was not wrong after all
        superseded.pop(key, None)
    dismissed = list(new.dismissed) + [
        f for f in stored.dismissed if f.key not in now_found and f.key not in now_dismissed
    ]
    return replace(
        new,
        findings=findings,
        dismissed=dismissed,
        retracted=list(retracted.values()),
        superseded=list(superseded.values()),
        **culprit_lists(findings),
    )


@dataclass
class Store:
    """One machine's blame store, read once per command: the verdicts a run reuses,
    then the run merged in (``merge``) and written atomically. An unreadable store is
    moved aside when opened, never overwritten."""

    path: Path
    stored: Blame | None = None
    set_aside: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path) -> Store:
        store = cls(Path(path))
        if store.path.is_file():
            try:
                store.stored = load_blame(store.path)
            except SuiteError:
                aside = store.path.with_name(store.path.name + ".corrupt")
                store.path.replace(aside)
                store.set_aside.append(str(aside))
        return store

    def verdicts(self) -> dict[tuple, Confirmation]:
        """Side-by-side verdicts of earlier runs (``Blame.verdicts``)."""
        return self.stored.verdicts() if self.stored else {}

    def sizes(self) -> dict[tuple, Confirmation]:
        """Wall-time sizes of earlier runs (``Blame.sizes``)."""
        return self.stored.sizes() if self.stored else {}

    def keys(self) -> set[tuple]:
        return {f.key for f in self.stored.findings} if self.stored else set()

    def update(self, new: Blame, recheck: Recheck) -> Blame:
        """Merge ``new`` in, write, and return the store as it now is."""
        new = replace(new, set_aside=[*new.set_aside, *self.set_aside])
        self.stored = merge(self.stored, new, recheck)
        dump_blame(self.stored, self.path)
        return self.stored


def update_store(path: Path, new: Blame, recheck: Recheck) -> Blame:
    """Merge ``new`` into the store at ``path`` (``Store``) and return the merged store."""
    return Store.open(path).update(new, recheck)


@dataclass(frozen=True)
class Source:
    """One blame file as found: its content, or why it could not be read."""

    path: Path
    machine: str
    blame: Blame | None = None
    error: str | None = None


def find_blames(directory: Path) -> list[Source]:
    """Every ``<machine>.json`` in the blame store ``directory``; unreadable ones carry
    their error."""
    sources = []
    for path in sorted(Path(directory).glob("*.json")):
        try:
            sources.append(Source(path, path.stem, load_blame(path)))
        except SuiteError as exc:
            sources.append(Source(path, path.stem, error=str(exc)))
    return sources
