"""cProfile capture of one workload run, inside the benchmark environment."""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Mapping
from dataclasses import dataclass

from . import _profile_store
from ._steady import gc_paused

# The hash seed of every process whose profile is stored or compared with stored ones:
# asv's benchmark processes (the suite's asv plugin) and `cascade-bench profile`. With
# random seeds, set iteration order moved Cascade's call counts by about one call per
# iteration. A seed set by the person running asv is kept, as asv's plugin does.
HASH_SEED = "0"


def with_hash_seed(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` with ``PYTHONHASHSEED`` fixed, unless it already sets one."""
    return {"PYTHONHASHSEED": HASH_SEED, **environ}


@dataclass(frozen=True)
class Counts:
    calls_per_iteration: float
    primitive_calls_per_iteration: float


@dataclass(frozen=True)
class Skipped:
    reason: str


@dataclass(frozen=True)
class Failed:
    reason: str


Outcome = Counts | Skipped | Failed


class ExactProfile(cProfile.Profile):
    """cProfile whose stats never lose an entry.

    pstats keys a function by (file, line, name). Functions that ``dataclasses`` or
    ``namedtuple`` generate all live in ``<string>`` at line 1 or 2, so cProfile's own
    ``snapshot_stats`` lets one generated ``__init__`` overwrite another, and which one
    survives depends on memory addresses: call counts moved by up to 1.3 % between two
    runs of the same commit. Entries that share a label are summed here instead."""

    def snapshot_stats(self) -> None:
        entries = self.getstats()
        stats: dict[tuple, tuple] = {}
        for entry in entries:
            func = cProfile.label(entry.code)
            nc = entry.callcount
            cc = nc - entry.reccallcount
            tt, ct = entry.inlinetime, entry.totaltime
            if func in stats:
                pcc, pnc, ptt, pct, callers = stats[func]
                stats[func] = (pcc + cc, pnc + nc, ptt + tt, pct + ct, callers)
            else:
                stats[func] = (cc, nc, tt, ct, {})
        for entry in entries:
            func = cProfile.label(entry.code)
            for sub in entry.calls or ():
                callee = stats.get(cProfile.label(sub.code))
                if callee is None:
                    continue
                callers = callee[4]
                nc = sub.callcount
                add = (nc, nc - sub.reccallcount, sub.inlinetime, sub.totaltime)
                prev = callers.get(func, (0, 0, 0.0, 0.0))
                callers[func] = tuple(a + b for a, b in zip(prev, add, strict=True))
        self.stats = stats


def capture(workload: str, n: int) -> pstats.Stats:
    """Profile one steady-state run of ``workload``: warm process, fresh engine, GC
    paused in the window. Stored and live profiles both come from here; the process
    runs under ``with_hash_seed``."""
    from . import _workloads  # imports Cascade: only inside the benchmark process

    _workloads.warm_up(workload)
    loop = _workloads.prepare(workload, n)
    with gc_paused():
        profiler = ExactProfile()
        profiler.enable()
        try:
            loop.run()
        finally:
            profiler.disable()
    return pstats.Stats(profiler)


def profile_once(workload: str, n: int) -> Counts:
    """Capture ``workload`` and file the profile where the host-side tools find it.
    It replaces a profile stored before only once it is written: a re-run that fails
    (or is killed) keeps the good one, and asv records this run's failure."""
    path = _profile_store.current_profile_path(workload, n)
    stats = capture(workload, n)
    _profile_store.write_stats(stats, path)
    return Counts(stats.total_calls / n, stats.prim_calls / n)


BYTECODE_N = 20  # iterations traced opcode by opcode (tracing costs ~50x)


def profile_sizes(workload: str, sizes: list[int]) -> dict[int, Outcome]:
    """Outcome per loop size; one size failing does not hide the others. Where
    the workload runs, its bytecodes per function are stored beside the profiles."""
    outcomes: dict[int, Outcome] = {}
    for n in sizes:
        try:
            outcomes[n] = profile_once(workload, n)
        except NotImplementedError as exc:
            outcomes[n] = Skipped(str(exc))
        except Exception as exc:  # noqa: BLE001 - recorded as this size's failure
            outcomes[n] = Failed(f"{type(exc).__name__}: {exc}")
    if any(isinstance(o, Counts) for o in outcomes.values()):
        store_bytecodes(workload, sizes[-1])
    return outcomes


def store_bytecodes(workload: str, n_of_profile: int) -> None:
    """Bytecodes per function per iteration (``_bytecodes``), beside the profile of
    size ``n_of_profile``; a failure here writes nothing (counts stored by an earlier
    run of this commit stay)."""
    from . import _bytecodes, _workloads

    profile = _profile_store.current_profile_path(workload, n_of_profile)
    path = _profile_store.bytecodes_path(profile)
    try:
        _workloads.warm_up(workload)
        loop = _workloads.prepare(workload, BYTECODE_N)
        counts = _bytecodes.count(loop.run, BYTECODE_N)
    except Exception:  # noqa: BLE001 - the counts are extra evidence, never a failure
        return
    _profile_store.write_json_gz({"n": BYTECODE_N, "functions": counts}, path)


def outcome_or_raise(outcomes: dict, n: int, what: str) -> object:
    """Turn a stored outcome into asv's vocabulary: n/a (skip) or failed."""
    outcome = outcomes[n]
    if isinstance(outcome, Skipped):
        raise NotImplementedError(outcome.reason)
    if isinstance(outcome, Failed):
        raise RuntimeError(f"{what} failed: {outcome.reason}")
    return outcome


def counts_or_raise(outcomes: dict[int, Outcome], n: int) -> Counts:
    return outcome_or_raise(outcomes, n, "profiling")
