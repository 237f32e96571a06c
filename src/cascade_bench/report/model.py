"""The blame store, as ``cascade-bench blame`` writes it and the report reads it.

One JSON file per asv machine, ``<conf_dir>/blame/<machine>.json`` (version 1)::

    {"version": 1, "machine": "devbox", "generated_at": "<ISO 8601>",
     "findings": [{"id": "...", "kind": "regression" | "speedup",
                   "signal": "time" | "calls", "benchmark": "loops.X.time_loop",
                   "params": {"n": "1000"}, "workload": "x" | null,
                   "unit": "seconds", "before": 0.6, "after": 3.0, "ratio": 5.0,
                   "confirmed": true | false | null, "confirmation": {...} | null,
                   "culprit": {commit}, "parent": {commit},
                   "bisect": {"gap": 9, "built": 3, "failed": ["<hash>"]} | null,
                   "calls": {"before": 205.1, "after": 4036.0} | null,
                   "functions": [{"file", "function", "cascade",
                                  "calls", "primitive_calls", "own", "cumulative"}],
                   "notes": ["..."],
                   "profiles": {"culprit": "<path>", "parent": "<path>"}}]}

A commit is ``{"hash": 40 hex, "short", "subject", "author", "date": ISO 8601}``.
Function pairs are ``[parent, culprit]`` per loop iteration (seconds for times),
ranked most relevant first. Profile paths are relative to the conf dir. Unknown
keys are ignored, so the writer may add fields; the ones above are what is read.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..suite import SuiteError

VERSION = 1
KINDS = ("regression", "speedup")
SIGNALS = ("time", "calls")
_HASH = re.compile(r"^[0-9a-f]{7,64}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")  # filename- and URL-safe

Pair = tuple[float, float]  # (parent, culprit)


def blame_dir(conf_dir: Path) -> Path:
    return Path(conf_dir) / "blame"


def blame_path(conf_dir: Path, machine: str) -> Path:
    return blame_dir(conf_dir) / f"{machine}.json"


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


@dataclass(frozen=True)
class Bisect:
    gap: int | None = None  # commits between the two measured ends of the step
    built: int | None = None  # commits asv had to build to narrow it
    failed: list[str] = field(default_factory=list)  # hashes that did not build/run


@dataclass(frozen=True)
class CallsChange:
    before: float
    after: float


@dataclass(frozen=True)
class FunctionDiff:
    file: str
    function: str
    cascade: bool
    calls: Pair
    primitive_calls: Pair
    own: Pair
    cumulative: Pair

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


@dataclass(frozen=True)
class Blame:
    machine: str
    generated_at: str
    findings: list[Finding]
    version: int = VERSION


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


def _floats(d: dict, key: str, where: str) -> list[float]:
    value = d.get(key) or []
    if not isinstance(value, list) or not all(
        isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in value
    ):
        raise _Bad(f"{where}.{key}: expected a list of numbers")
    return [float(x) for x in value]


def _obj(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise _Bad(f"{where}: expected an object")
    return value


def _pair(d: dict, key: str, where: str) -> Pair:
    value = d.get(key)
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in value)
    ):
        raise _Bad(f"{where}.{key}: expected [parent, culprit] numbers")
    return float(value[0]), float(value[1])


def _commit(d: dict, where: str) -> Commit:
    hash_ = _get(d, "hash", where, str)
    if not _HASH.match(hash_):
        raise _Bad(f"{where}.hash: not a hex commit hash")
    short = _get(d, "short", where, str, optional=True) or hash_[:8]
    if not _HASH.match(short) or not hash_.startswith(short):
        raise _Bad(f"{where}.short: not a prefix of the hash")
    return Commit(
        hash=hash_,
        short=short,
        subject=_get(d, "subject", where, str, optional=True) or "",
        author=_get(d, "author", where, str, optional=True) or "",
        date=_get(d, "date", where, str, optional=True) or "",
    )


def _function(d: dict, where: str) -> FunctionDiff:
    return FunctionDiff(
        file=_get(d, "file", where, str),
        function=_get(d, "function", where, str),
        cascade=bool(_get(d, "cascade", where, bool, optional=True)),
        calls=_pair(d, "calls", where),
        primitive_calls=_pair(d, "primitive_calls", where)
        if "primitive_calls" in d
        else _pair(d, "calls", where),
        own=_pair(d, "own", where),
        cumulative=_pair(d, "cumulative", where),
    )


def _finding(d: dict, where: str) -> Finding:
    id_ = _get(d, "id", where, str)
    if not _ID.match(id_):
        raise _Bad(f"{where}.id: not filename-safe: {id_[:40]!r}")
    kind = _get(d, "kind", where, str)
    if kind not in KINDS:
        raise _Bad(f"{where}.kind: expected one of {KINDS}")
    signal = _get(d, "signal", where, str)
    if signal not in SIGNALS:
        raise _Bad(f"{where}.signal: expected one of {SIGNALS}")
    params = _get(d, "params", where, dict, optional=True) or {}
    conf = _get(d, "confirmation", where, dict, optional=True)
    bis = _get(d, "bisect", where, dict, optional=True)
    calls = _get(d, "calls", where, dict, optional=True)
    profiles = _get(d, "profiles", where, dict, optional=True) or {}
    return Finding(
        id=id_,
        kind=kind,
        signal=signal,
        benchmark=_get(d, "benchmark", where, str),
        culprit=_commit(_obj(d.get("culprit"), f"{where}.culprit"), f"{where}.culprit"),
        parent=_commit(_obj(d.get("parent"), f"{where}.parent"), f"{where}.parent"),
        before=_get(d, "before", where, float),
        after=_get(d, "after", where, float),
        ratio=_get(d, "ratio", where, float),
        params={str(k): str(v) for k, v in params.items()},
        workload=_get(d, "workload", where, str, optional=True),
        unit=_get(d, "unit", where, str, optional=True) or "seconds",
        confirmed=_get(d, "confirmed", where, bool, optional=True),
        confirmation=None
        if conf is None
        else Confirmation(
            parent_median=_get(
                conf, "parent_median", f"{where}.confirmation", float, optional=True
            ),
            culprit_median=_get(
                conf, "culprit_median", f"{where}.confirmation", float, optional=True
            ),
            parent_samples=_get(
                conf, "parent_samples", f"{where}.confirmation", int, optional=True
            ),
            culprit_samples=_get(
                conf, "culprit_samples", f"{where}.confirmation", int, optional=True
            ),
            parent_rounds=_floats(conf, "parent_rounds", f"{where}.confirmation"),
            culprit_rounds=_floats(conf, "culprit_rounds", f"{where}.confirmation"),
            separated=_get(conf, "separated", f"{where}.confirmation", bool, optional=True),
            significant=_get(conf, "significant", f"{where}.confirmation", bool, optional=True),
        ),
        bisect=None
        if bis is None
        else Bisect(
            gap=_get(bis, "gap", f"{where}.bisect", int, optional=True),
            built=_get(bis, "built", f"{where}.bisect", int, optional=True),
            failed=[
                str(h) for h in _get(bis, "failed", f"{where}.bisect", list, optional=True) or []
            ],
        ),
        calls=None
        if calls is None
        else CallsChange(
            before=_get(calls, "before", f"{where}.calls", float),
            after=_get(calls, "after", f"{where}.calls", float),
        ),
        functions=[
            _function(_obj(f, f"{where}.functions[{i}]"), f"{where}.functions[{i}]")
            for i, f in enumerate(_get(d, "functions", where, list, optional=True) or [])
        ],
        notes=[str(n) for n in _get(d, "notes", where, list, optional=True) or []],
        profiles={
            str(k): v
            for k, v in profiles.items()
            if k in ("culprit", "parent") and isinstance(v, str)
        },
    )


def parse_blame(data: Any) -> Blame:
    """A ``Blame`` from decoded JSON; ``SuiteError`` naming the first bad field."""
    try:
        d = _obj(data, "top level")
        version = _get(d, "version", "top level", int)
        if version != VERSION:
            raise _Bad(f"version {version} is not supported (expected {VERSION})")
        findings = _get(d, "findings", "top level", list)
        blame = Blame(
            machine=_get(d, "machine", "top level", str),
            generated_at=_get(d, "generated_at", "top level", str, optional=True) or "",
            findings=[
                _finding(_obj(f, f"findings[{i}]"), f"findings[{i}]")
                for i, f in enumerate(findings)
            ],
        )
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


def dump_blame(blame: Blame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(to_json(blame), indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


@dataclass(frozen=True)
class Source:
    """One blame file as found: its content, or why it could not be read."""

    path: Path
    machine: str
    blame: Blame | None = None
    error: str | None = None


def find_blames(conf_dir: Path) -> list[Source]:
    """Every ``blame/<machine>.json`` under ``conf_dir``; unreadable ones carry their error."""
    sources = []
    for path in sorted(blame_dir(conf_dir).glob("*.json")):
        try:
            sources.append(Source(path, path.stem, load_blame(path)))
        except SuiteError as exc:
            sources.append(Source(path, path.stem, error=str(exc)))
    return sources
