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
     "dismissed": [finding, ...],   # timing steps not confirmed side by side
     "retracted": [finding + {"retracted": "why"}, ...],  # re-measured: no step
     "set_aside": ["<path>", ...],  # corrupt files this run moved aside
     "series": [{"benchmark", "params", "measured", "failed", "skipped", "first",
                 "born", "steps", "explained", "unresolved": [{"left", "right", "why"}]}],
     "gaps": [{"left", "right", "commits", "built", "log2", "culprits": [hash]}]}

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


@dataclass(frozen=True)
class Culprit:
    """One commit and everything it moved: the list a person acts on.

    ``kind``: ``regression`` (instructions or confirmed wall time went up),
    ``speedup`` (went down), or ``work`` (only call counts moved: no cost seen)."""

    commit: Commit
    parent: Commit
    kind: str
    instructions: float | None  # the largest instruction ratio (farthest from 1)
    wall: float | None  # the largest wall-time ratio confirmed side by side
    findings: list[str] = field(default_factory=list)  # ids, largest step first
    series: list[str] = field(default_factory=list)  # "benchmark(params)" moved
    functions: list[FunctionDiff] = field(default_factory=list)  # of the costliest finding
    note: str | None = None  # e.g. how much of the wall time the instructions explain

    @property
    def cost(self) -> float:
        return max((abs(math.log(r)) for r in (self.instructions, self.wall) if r), default=0.0)


OUTSIDE_INTERPRETER = (
    "most of the cost is outside the interpreter: threads, event-loop turns, system calls"
)


def group_by_culprit(findings: list[Finding]) -> list[Culprit]:
    """One entry per culprit commit, ranked: regressions by cost, then speed-ups
    by cost, then commits that only changed the work (call counts). A commit with
    only unconfirmed timing steps is no culprit: nothing shows it changed anything."""
    by_commit: dict[str, list[Finding]] = {}
    for f in findings:
        by_commit.setdefault(f.culprit.hash, []).append(f)
    out = []
    for fs in by_commit.values():
        fs = sorted(fs, key=lambda f: -f.cost)
        instr = [f for f in fs if f.signal == "instructions"]
        wall = [f for f in fs if f.signal == "time" and f.confirmed]
        costly = instr + wall
        worst_instr = max(instr, key=lambda f: f.cost, default=None)
        worst_wall = max(wall, key=lambda f: f.cost, default=None)
        if costly:
            lead = max(costly, key=lambda f: f.cost)
            kind = lead.kind
        elif any(f.signal == "calls" for f in fs):
            lead, kind = next(f for f in fs if f.signal == "calls"), "work"
        else:
            continue  # only timing steps never timed side by side: nothing shown changed
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
        with_functions = next((f for f in [lead, *fs] if f.functions), lead)
        out.append(
            Culprit(
                commit=lead.culprit,
                parent=lead.parent,
                kind=kind,
                instructions=worst_instr.ratio if worst_instr else None,
                wall=worst_wall.ratio if worst_wall else None,
                findings=[f.id for f in fs],
                series=sorted({f"{f.benchmark}({', '.join(f.params.values())})" for f in fs}),
                functions=with_functions.functions,
                note=note,
            )
        )
    order = {"regression": 0, "speedup": 1, "work": 2}
    return sorted(out, key=lambda c: (order.get(c.kind, 3), -c.cost, c.commit.date))


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
    culprits: list[Culprit] = field(default_factory=list)  # group_by_culprit(findings)
    retracted: list[Finding] = field(default_factory=list)  # shown wrong by re-measurement
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
            for key in ("findings", "dismissed", "retracted")
            if isinstance(d.get(key), list)
        }
        empty = {"findings": [], "dismissed": [], "retracted": [], "culprits": []}
        rest = _load(Blame, {**d, **empty}, "top level")
        blame = replace(rest, **lists)
        blame = replace(blame, culprits=group_by_culprit(blame.findings))
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


Recheck = typing.Callable[[Finding], "str | None"]


def merge(stored: Blame | None, new: Blame, recheck: Recheck) -> Blame:
    """The store after a run: this run's findings and dismissals, plus every stored
    one it did not produce, keyed by (culprit, series): a run that looked at fewer
    commits or series (a quiet night, ``--range``, ``--bench``) never drops what an
    earlier run found. A stored finding leaves only when this run shows it wrong:
    a timing step dismissed side by side now, or ``recheck`` (the run's own data)
    giving a reason; it then moves to ``retracted`` with that reason."""
    if stored is None:
        return new
    now_found = {f.key: f for f in new.findings}
    now_dismissed = {f.key: f for f in new.dismissed}
    findings, retracted = list(new.findings), {f.key: f for f in stored.retracted}
    for old in stored.findings:
        if old.key in now_found:
            continue
        if old.key in now_dismissed:
            why = now_dismissed[old.key].confirmation
            reason = f"re-timed side by side: {why.reason if why else 'not confirmed'}"
        else:
            reason = recheck(old)
        if reason is None:
            findings.append(old)
        else:
            retracted[old.key] = replace(old, retracted=f"{new.generated_at}: {reason}")
    for key in now_found:
        retracted.pop(key, None)  # found again: it was not wrong after all
    dismissed = list(new.dismissed) + [
        f for f in stored.dismissed if f.key not in now_found and f.key not in now_dismissed
    ]
    return replace(
        new,
        findings=findings,
        dismissed=dismissed,
        retracted=list(retracted.values()),
        culprits=group_by_culprit(findings),
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
