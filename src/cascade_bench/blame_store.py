"""The blame store: what ``blame``, ``nightly`` and ``compare`` write and the report reads.

One JSON file per asv machine, beside the results it describes,
``<results_dir>/../blame/<machine>.json`` (version 1). It is a history, not the
last run's view: every run merges into it (``merge``), so a finding stays until a
re-measurement shows it was wrong, and then moves to ``retracted`` with why::

    {"version": 1, "machine": "devbox", "generated_at": "<ISO 8601>",
     "options": {"bench": "...", "range": null, "threshold": null},
     "built": ["<hash>", ...],
     "findings": [{"id": "...", "kind": "regression" | "speedup",
                   "signal": "time" | "calls" | "instructions",
                   "benchmark": "loops.X.time_loop",
                   "params": {"n": "1000"}, "workload": "x" | null,
                   "unit": "seconds", "before": 0.6, "after": 3.0, "ratio": 5.0,
                   "confirmed": true | false | null, "confirmation": {...} | null,
                   "culprit": {commit}, "parent": {commit},
                   "bisect": {"gap": 9, "gap_ends": [hash, hash], "built": 3, "log2": 4,
                              "failed": ["<hash>"], "open": "why not pinned" | null,
                              "unmeasured": 0} | null,
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
import re
import typing
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from . import atomic
from .culprits import culprit_lists
from .model import KINDS, VERSION, Blame, Confirmation, Finding, Outdated, PairKey
from .results import move_aside
from .signals import NAMES as SIGNALS
from .suite import SuiteError
from .typed_json import Bad, get, load, obj

_HASH = re.compile(r"^[0-9a-f]{7,64}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")  # filename- and URL-safe


def blame_path(directory: Path, machine: str) -> Path:
    """The store of ``machine`` in the blame directory (``Suite.blame_dir``)."""
    return Path(directory) / f"{machine}.json"



def _commit(d: dict, where: str) -> dict:
    """A commit checked, with its short hash filled in."""
    hash_ = get(d, "hash", where, str)
    if not _HASH.match(hash_):
        raise Bad(f"{where}.hash: not a hex commit hash")
    short = get(d, "short", where, str, optional=True) or hash_[:8]
    if not _HASH.match(short) or not hash_.startswith(short):
        raise Bad(f"{where}.short: not a prefix of the hash")
    return {**d, "short": short}


def _migrate(d: dict) -> dict:
    """A finding as older stores of version 1 wrote it, in today's form: functions
    without primitive calls or the Cascade flag, profiles with other roles."""
    fns = d.get("functions")
    if isinstance(fns, list):
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
    return d


def _finding(d: dict, where: str) -> Finding:
    d = dict(d)
    for role in ("culprit", "parent"):
        d[role] = _commit(obj(d.get(role), f"{where}.{role}"), f"{where}.{role}")
    finding: Finding = load(Finding, _migrate(d), where)
    if not _ID.match(finding.id):
        raise Bad(f"{where}.id: not filename-safe: {finding.id[:40]!r}")
    if finding.kind not in KINDS:
        raise Bad(f"{where}.kind: expected one of {KINDS}")
    if finding.signal not in SIGNALS:
        raise Bad(f"{where}.signal: expected one of {SIGNALS}")
    return finding


LISTS = ("findings", "dismissed", "retracted", "superseded")  # lists of findings in a store


def parse_blame(data: Any) -> Blame:
    """A ``Blame`` from decoded JSON; ``SuiteError`` naming the first bad field."""
    try:
        d = obj(data, "top level")
        version = get(d, "version", "top level", int)
        if version != VERSION:
            raise Bad(f"version {version} is not supported (expected {VERSION})")
        get(d, "findings", "top level", list)
        lists = {
            key: [_finding(obj(f, f"{key}[{i}]"), f"{key}[{i}]") for i, f in enumerate(d[key])]
            for key in LISTS
            if isinstance(d.get(key), list)
        }
        empty = {key: [] for key in (*LISTS, "culprits", "ranges")}
        rest = load(Blame, {**d, **empty}, "top level")
        blame = replace(rest, **lists)
        blame = replace(blame, **culprit_lists(blame.findings))
    except Bad as exc:
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


class Recheck(typing.Protocol):
    """What a run can say about a stored finding it did not produce again."""

    def __call__(self, stored: Finding) -> Outdated | None:
        """Why ``stored`` no longer stands, from this run's data; None: nothing shows it."""

    def covers(self, stored: Finding) -> bool:
        """Whether this run measured ``stored``'s series at both of its commits: only
        then can it re-derive the finding (a quarantined results file, ``--bench``
        or a narrower history leave a commit unmeasured)."""

    def inside(self, found: Finding, commit: str) -> bool:
        """Whether ``commit`` lies in ``found``'s range (after its parent, up to its
        culprit)."""


def _dismissed_now(why: Finding) -> Outdated:
    """A stored finding this run dismissed: retracted, with the dismissal's reason."""
    if why.dismissal:
        return Outdated("retracted", f"dismissed: {why.dismissal}")
    c = why.confirmation
    return Outdated(
        "retracted", f"re-timed side by side: {c.reason if c and c.reason else 'not confirmed'}"
    )


def _evidence(f: Finding) -> tuple[bool, bool]:
    """How well ``f`` is measured: pinned to one commit, and (for wall time) judged
    or sized side by side, or dismissed for a reason."""
    c = f.confirmation
    judged = (
        f.signal != "time"
        or f.dismissal is not None
        or (c is not None and (c.separated is not None or bool(c.culprit_rounds)))
    )
    return f.pinned, judged


def _stands(old: Finding, new: Finding, recheck: Recheck) -> bool:
    """A stored finding stands against this run's of the same key unless this run
    measured both its commits and found something at least as well measured."""
    return not recheck.covers(old) or _evidence(new) < _evidence(old)


def _on_evidence(stored: Blame, new: Blame, recheck: Recheck) -> Blame:
    """``new`` without what a run that measured less says against the store: a
    finding or dismissal of a stored key that ``_stands``, and a range holding the
    culprit of a stored pinned finding of its series that this run could not
    re-derive (the commit's results were set aside, say)."""
    old = {f.key: f for f in stored.findings + stored.dismissed}
    unseen = [f for f in old.values() if f.pinned and not recheck.covers(f)]

    def keep(f: Finding) -> bool:
        if f.key in old and old[f.key] != f and _stands(old[f.key], f, recheck):
            return False
        return f.pinned or not any(
            o.series == f.series and recheck.inside(f, o.culprit.hash) for o in unseen
        )

    return replace(
        new,
        findings=[f for f in new.findings if keep(f)],
        dismissed=[f for f in new.dismissed if keep(f)],
    )


def merge(stored: Blame | None, new: Blame, recheck: Recheck) -> Blame:
    """The store after a run: this run's findings and dismissals, plus every stored
    one it did not produce, keyed by (culprit, series): a run that looked at fewer
    commits or series (a quiet night, ``--range``, ``--bench``, a results file set
    aside) never drops or rewrites what an earlier run found (``_on_evidence``). A
    stored finding leaves the list only when this run shows it wrong or out of
    date: dismissed now (side by side, or its commit changed nothing that ran), or
    ``recheck`` (the run's own data) giving a reason. It then moves to
    ``retracted`` or ``superseded`` with that reason, never out of the store."""
    if stored is None:
        return replace(new, **culprit_lists(new.findings))
    new = _on_evidence(stored, new, recheck)
    now_found = {f.key: f for f in new.findings}
    now_dismissed = {f.key: f for f in new.dismissed}
    findings, retracted = list(new.findings), {f.key: f for f in stored.retracted}
    superseded = {f.key: f for f in stored.superseded}
    for old in stored.findings:
        if old.key in now_found:
            continue
        outcome = _dismissed_now(now_dismissed[old.key]) if old.key in now_dismissed else (
            recheck(old)
        )
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
                store.set_aside.append(str(move_aside(store.path)))
        return store

    def verdicts(self) -> dict[PairKey, Confirmation]:
        """Side-by-side verdicts of earlier runs: a later run does not re-measure them.
        Only verdicts that checked every round."""
        kept = self.stored.findings + self.stored.dismissed if self.stored else []
        return {
            PairKey(*f.series, *f.pair): f.confirmation
            for f in kept
            if f.signal == "time" and f.confirmation and f.confirmation.separated is not None
        }

    def sizes(self) -> dict[PairKey, Confirmation]:
        """Wall-time sizes measured side by side by earlier runs: measured once, never
        paid for again."""
        return {
            PairKey(*f.series, *f.pair): f.confirmation
            for f in (self.stored.findings if self.stored else [])
            if f.sizing and f.confirmation is not None and f.confirmation.culprit_rounds
        }

    def keys(self) -> set[tuple]:
        return {f.key for f in self.stored.findings} if self.stored else set()

    def update(self, new: Blame, recheck: Recheck) -> Blame:
        """Merge ``new`` in, write, and return the store as it now is."""
        new = replace(new, set_aside=[*new.set_aside, *self.set_aside])
        self.stored = merge(self.stored, new, recheck)
        dump_blame(self.stored, self.path)
        return self.stored

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
