"""Back-fill in shards: plan the unmeasured commits of a range into balanced shards,
describe a finished shard, and merge shards into the store.

Deterministic series (call counts, instructions) are the same on every runner of one
image, so shards measured on separate runners under one machine name merge into one
history. A merge validates every shard before it copies anything, never overwrites a
file with different content, and skips files already there byte for byte (idempotent).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from . import atomic, results
from .asvconf import Suite
from .history import History
from .suite import SuiteError

MANIFEST = "shard.json"


# --- plan ---------------------------------------------------------------


def split(commits: list[str], shards: int) -> list[list[str]]:
    """Deal ``commits`` (history order) round-robin into at most ``shards`` non-empty
    shards: each spans every era, and later eras run more benchmarks per commit."""
    if shards <= 0:
        raise SuiteError(f"--shards {shards}: must be positive")
    count = min(shards, len(commits))
    return [commits[i::count] for i in range(count)]


def spread(commits: list[str], limit: int | None) -> list[str]:
    """At most ``limit`` of ``commits``, evenly spaced (first and last kept)."""
    if limit is None or len(commits) <= limit:
        return list(commits)
    if limit <= 0:
        raise SuiteError(f"--max-commits {limit}: must be positive")
    if limit == 1:
        return [commits[-1]]
    last = len(commits) - 1
    return [commits[round(i * last / (limit - 1))] for i in range(limit)]


def matrix(shards: list[list[str]]) -> str:
    """A GitHub Actions matrix, compact on one line (for ``$GITHUB_OUTPUT``)."""
    include = [{"shard": i, "commits": " ".join(c)} for i, c in enumerate(shards, 1)]
    return json.dumps({"include": include}, separators=(",", ":"))


def range_commits(history: History, spec: str | None) -> list[str]:
    """Commits of ``A..B`` (``History.range``), oldest first; default: the whole
    first-parent line."""
    if not spec:
        return list(history.order)
    if ".." not in spec or spec.startswith(".."):
        raise SuiteError(f"--range {spec}: expected A..B")
    return history.range(spec)


def unmeasured(suite: Suite, machine: str, commits: list[str]) -> list[str]:
    """Commits with no asv results file for ``machine``: a file whose benchmarks or
    install failed still counts as measured (asv would not run it again)."""
    done = results.stored_commit_prefixes(suite.results_dir, machine)
    return [c for c in commits if c[:8] not in done]


def plan(
    suite: Suite, machine: str, range_spec: str | None, shards: int, max_commits: int | None
) -> list[list[str]]:
    if shards <= 0:
        raise SuiteError(f"--shards {shards}: must be positive")
    if max_commits is not None and max_commits <= 0:
        raise SuiteError(f"--max-commits {max_commits}: must be positive")
    commits = range_commits(History(suite), range_spec)
    return split(spread(unmeasured(suite, machine, commits), max_commits), shards)


# --- a shard --------------------------------------------------------------


def package_version() -> str:
    try:
        return metadata.version("cascade-bench")
    except metadata.PackageNotFoundError:
        return "unknown"


def benchmark_versions(results_dir: Path) -> dict[str, str]:
    """Each benchmark's version (a hash of its code) as asv wrote it on discovery;
    a shard or store without them is an error."""
    versions = results.benchmark_versions(results_dir)
    if versions is None:
        path = results.benchmarks_file(results_dir)
        raise SuiteError(f"cannot read benchmark versions from {path}: no such file")
    return versions


def suite_version(results_dir: Path) -> str:
    doc = sorted(benchmark_versions(results_dir).items()), package_version()
    return hashlib.sha256(json.dumps(doc).encode()).hexdigest()[:16]


def write_manifest(out: Path, machine: str, commits: list[str]) -> dict:
    """``shard.json``: what a merge checks before it trusts the shard."""
    results_dir = out / "results"
    stored = results.stored_commit_prefixes(results_dir, machine)
    missing = [c[:8] for c in commits if c[:8] not in stored]
    if missing:
        raise SuiteError(f"asv stored no results for {', '.join(missing)} in {results_dir}")
    doc = {
        "machine": machine,
        "pythons": sorted(results.stored_envs(results_dir, machine)),
        "suite_version": suite_version(results_dir),
        "cascade_bench": package_version(),
        "commits": list(commits),
    }
    atomic.write_bytes(out / MANIFEST, (json.dumps(doc, indent=1) + "\n").encode())
    return doc


# --- merge ----------------------------------------------------------------


@dataclass
class MergePlan:
    """Files to copy (destination -> source) and files already in the store."""

    copies: dict[Path, Path] = field(default_factory=dict)
    origin: dict[Path, Path] = field(default_factory=dict)  # destination -> shard dir
    skipped: int = 0
    commits: set[str] = field(default_factory=set)


def store_machine(suite: Suite, given: str | None, dirs: list[Path]) -> str:
    """``given``, else the store's one machine (``Suite.machine``), else the one the
    shards agree on."""

    def from_shards(held: list[str]) -> str:
        if held:
            raise SuiteError(
                f"{suite.results_dir} holds machines {', '.join(held)}: pass --machine"
            )
        named = {_manifest(d).get("machine") for d in dirs}
        if len(named) != 1 or None in named:
            raise SuiteError(f"shards name different machines ({', '.join(map(str, named))})")
        return str(named.pop())

    return suite.machine(given, otherwise=from_shards)


def merge(suite: Suite, machine: str, dirs: list[Path], *, adopt_suite: bool = False) -> MergePlan:
    """Merge shard directories into ``suite``'s store, all or nothing.

    ``adopt_suite``: the shards' suite version replaces the store's (as ``asv run``
    rewrites ``benchmarks.json`` when the suite changed) instead of being refused."""
    todo = validate(suite, machine, dirs, adopt_suite=adopt_suite)
    for dst, src in todo.copies.items():
        atomic.write_bytes(dst, src.read_bytes())
    store, first = suite.results_dir, Path(dirs[0]) / "results"
    if not results.has_machine(store, machine):
        machine_file = results.machine_file(first, machine).read_bytes()
        atomic.write_bytes(results.machine_file(store, machine), machine_file)
    new_suite = results.benchmarks_file(first).read_bytes()
    stored_suite = results.benchmarks_file(store)
    if not stored_suite.exists() or (adopt_suite and stored_suite.read_bytes() != new_suite):
        atomic.write_bytes(stored_suite, new_suite)
    return todo


def validate(
    suite: Suite, machine: str, dirs: list[Path], *, adopt_suite: bool = False
) -> MergePlan:
    """Every check, before anything is copied; the files to copy."""
    if not dirs:
        raise SuiteError("no shard directories given")
    store = suite.results_dir
    store_envs = results.stored_envs(store, machine)
    # Without benchmarks.json the store has no suite version yet: the shards set it.
    versions = {} if adopt_suite else dict(results.benchmark_versions(store) or {})
    envs = set(store_envs)
    suites: dict[str, Path] = {}
    todo = MergePlan()
    for shard in map(Path, dirs):
        manifest = _manifest(shard)
        shard_results = shard / "results"
        if not results.has_machine(shard_results, machine):
            held = ", ".join(results.machines(shard_results)) or "none"
            raise SuiteError(f"shard {shard} has no results for machine {machine!r} "
                             f"(it holds: {held})")  # fmt: skip
        suites.setdefault(str(manifest.get("suite_version")), shard)
        if len(suites) > 1:
            first = next(iter(suites.values()))
            raise SuiteError(f"shard {shard} is another suite version than {first}")
        for name, version in benchmark_versions(shard_results).items():
            if versions.setdefault(name, version) != version:
                raise SuiteError(
                    f"shard {shard} is another suite version: benchmark {name} has "
                    "another version than in the store or an earlier shard"
                )
        shard_envs = results.stored_envs(shard_results, machine)
        if envs and not shard_envs <= envs:
            raise SuiteError(
                f"shard {shard} ran another Python ({', '.join(sorted(shard_envs))}) than "
                f"the store or an earlier shard ({', '.join(sorted(envs))})"
            )
        envs |= shard_envs
        for src in results.result_files(shard_results, machine):
            results.load_file(src)  # a corrupt file: SuiteError
            todo.commits.add(results.file_commit(src))
            _plan_copy(todo, src, store / machine / src.name, shard)
        profiles = shard / "profiles" / machine
        for src in sorted(p for p in profiles.rglob("*") if p.is_file() and p.suffix != ".tmp"):
            _plan_copy(todo, src, suite.profile_root / machine / src.relative_to(profiles), shard)
    return todo


def _plan_copy(todo: MergePlan, src: Path, dst: Path, shard: Path) -> None:
    earlier = todo.copies.get(dst)
    other = earlier if earlier is not None else (dst if dst.exists() else None)
    if other is None:
        todo.copies[dst] = src
        todo.origin[dst] = shard
        return
    if other.read_bytes() == src.read_bytes():
        todo.skipped += other is dst  # already in the store
        return
    where = f"shard {todo.origin[dst]}" if earlier is not None else "the store"
    raise SuiteError(f"{_conflict(src, other)} (shard {shard} against {where}); nothing merged")


def _conflict(src: Path, other: Path) -> str:
    """What differs between two files of one commit: the first differing benchmark."""
    if src.suffix != ".json":  # a profile: <commit[:8]>-<env>/<workload>/<file>
        run, workload = src.parents[1].name, src.parent.name
        return f"conflicting profile for {run[:8]} {workload}/{src.name}"
    commit = results.file_commit(src)
    rows = [_rows(p) for p in (src, other)]
    names = sorted(set(rows[0]) | set(rows[1]))
    by_value = [n for n in names if rows[0].get(n, [None])[:1] != rows[1].get(n, [None])[:1]]
    by_row = [n for n in names if rows[0].get(n) != rows[1].get(n)]
    bench = (by_value or by_row or ["(file metadata)"])[0]
    return f"conflicting value for {commit} {bench}"


def _rows(path: Path) -> dict[str, list]:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")).get("results", {}))
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def _manifest(shard: Path) -> dict:
    path = Path(shard) / MANIFEST
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SuiteError(f"{shard} is not a shard directory (no {MANIFEST})") from None
    except (OSError, ValueError) as exc:
        raise SuiteError(f"corrupt {path}: {exc}") from None
    if not isinstance(doc, dict):
        raise SuiteError(f"corrupt {path}: not an object")
    return doc
